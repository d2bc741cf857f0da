// tern-chaos-proxy: a TCP proxy for the links between tern regions (or any TCP service) whose
// faults are set at run time over a RESP control port. chaos/README.md explains it.
//
// Startup failures (bad arguments, unresolvable targets, ports in use) print one line and exit
// with 2 (usage) or 1 (environment); after startup the proxy only stops on SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "chaos/control_server.h"
#include "chaos/link.h"
#include "chaos/proxy.h"
#include "chaos/proxy_options.h"

namespace {

using namespace tern::chaos;

constexpr int kExitEnvironment = 1;
constexpr int kExitUsage = 2;

int usage_error(const std::string& message) {
  std::fprintf(stderr, "tern-chaos-proxy: %s\n%.*s", message.c_str(),
               static_cast<int>(kProxyUsage.size()), kProxyUsage.data());
  return kExitUsage;
}

Result<ProxyOptions> load_options(const std::vector<std::string>& args) {
  auto options = parse_command_line(args);
  if (!options.ok() || options.value().help || options.value().version) return options;
  if (const auto& path = options.value().config_file) {
    std::ifstream file(*path);
    if (!file) return Error{"cannot read config file " + *path};
    std::ostringstream text;
    text << file.rdbuf();
    auto merged = merge_config_text(std::move(options).value(), text.str());
    if (!merged.ok()) return Error{*path + ": " + merged.error()};
    options = std::move(merged);
  }
  return validate_options(std::move(options).value());
}

int run(const ProxyOptions& options) {
  asio::io_context io(1);
  const std::uint64_t seed = options.seed ? *options.seed : std::random_device{}();
  std::mt19937_64 seeds(seed);
  std::vector<std::unique_ptr<Link>> links;
  for (const LinkSpec& spec : options.links) {
    asio::error_code error;
    asio::ip::tcp::resolver resolver(io);
    auto targets = resolver.resolve(spec.target.host, std::to_string(spec.target.port), error);
    if (error || targets.empty()) {
      std::fprintf(stderr, "tern-chaos-proxy: link %s: cannot resolve target %s: %s\n",
                   spec.name.c_str(), spec.target.host.c_str(), error.message().c_str());
      return kExitEnvironment;
    }
    links.push_back(
        std::make_unique<Link>(io, spec, std::move(targets),
                               options.max_buffer_bytes.value_or(kDefaultMaxBufferBytes), seeds()));
    auto opened = links.back()->open();
    if (!opened.ok()) {
      std::fprintf(stderr, "tern-chaos-proxy: %s\n", opened.error().c_str());
      return kExitEnvironment;
    }
  }
  // Printed before the control port opens, so whoever waits for "control listening" knows
  // every link's port too.
  for (const auto& link : links) {
    HostPort listen = link->spec().listen;
    listen.port = link->bound_port();
    std::printf("tern-chaos-proxy: link %s listening on %s, forwarding to %s\n",
                link->spec().name.c_str(), to_text(listen).c_str(),
                to_text(link->spec().target).c_str());
  }
  Proxy proxy(std::move(links));
  ControlServer control(io, proxy);
  auto control_port = control.listen(*options.control);
  if (!control_port.ok()) {
    std::fprintf(stderr, "tern-chaos-proxy: %s\n", control_port.error().c_str());
    return kExitEnvironment;
  }
  HostPort control_address = *options.control;
  control_address.port = control_port.value();
  std::printf("tern-chaos-proxy: control listening on %s (seed %llu)\n",
              to_text(control_address).c_str(), static_cast<unsigned long long>(seed));
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&io](const asio::error_code&, int) { io.stop(); });
  io.run();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Writes to a peer that has gone must fail with EPIPE, not kill the proxy.
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    auto options = load_options(args);
    if (!options.ok()) return usage_error(options.error());
    if (options.value().help) {
      std::printf("%.*s", static_cast<int>(kProxyUsage.size()), kProxyUsage.data());
      return 0;
    }
    if (options.value().version) {
      std::printf("tern-chaos-proxy 0.1.0\n");
      return 0;
    }
    return run(options.value());
  } catch (const std::exception& error) {
    std::fprintf(stderr, "tern-chaos-proxy: %s\n", error.what());
    return kExitEnvironment;
  }
}
