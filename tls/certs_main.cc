// tern-certs: makes the certificates of a local tern deployment (see certificate_tool.h).
#include <charconv>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "tls/certificate_tool.h"

namespace {

constexpr std::string_view kUsage = R"(Usage: tern-certs --dir DIR [options] [REGION/NODE-ID ...]

Makes a deployment CA (DIR/ca.crt, DIR/ca.key) and, for each REGION/NODE-ID, a node certificate
DIR/<node-id>.<region>.crt and key DIR/<node-id>.<region>.key signed by it. The node is named
in the certificate as the URI tern://<region>/<node-id>, which peers check. Files that already
satisfy the request are kept; keys are written with mode 0600.

Options:
  --dir DIR       where to write (created if missing)
  --ca-dir DIR    sign with the existing CA in DIR instead of DIR/ca.* (never created or replaced)
  --days N        validity of node certificates in days (default 365; the CA gets 10 times as long)
  --expired       make node certificates that expired yesterday (for tests)
  --server-names NAMES
                  comma-separated host names and IP addresses added to every certificate made
                  in this run, for clients that check the host name of tls-port
                  (e.g. localhost,127.0.0.1,cache.example.com)
  --force         replace existing files, even valid ones (a new CA invalidates every node
                  certificate it signed before)
  --help          show this text

Bad certificates for tests:
  expired:               tern-certs --ca-dir good --dir expired --expired east/node-2
  wrong name:            tern-certs --dir good east/node-9   (then expect east/node-2)
  signed by another CA:  tern-certs --dir rogue east/node-2

Example:
  tern-certs --dir ./certs east/node-1 east/node-2 west/node-1
  tern-certs --dir ./certs --server-names localhost,127.0.0.1 clients/server clients/app
)";

int usage_error(const std::string& message) {
  std::cerr << "tern-certs: " << message << "\n(run tern-certs --help for usage)\n";
  return 2;
}

int run(int argc, char** argv) {
  tern::tls::CertificateToolOptions options;
  const std::vector<std::string_view> arguments(argv + 1, argv + argc);
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view argument = arguments[i];
    const auto value = [&]() -> const std::string_view* {
      return i + 1 < arguments.size() ? &arguments[++i] : nullptr;
    };
    if (argument == "--help" || argument == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (argument == "--dir" || argument == "--ca-dir") {
      const auto* path = value();
      if (path == nullptr) return usage_error(std::string(argument) + " needs a directory");
      (argument == "--dir" ? options.output_dir : options.ca_dir) = std::string(*path);
    } else if (argument == "--days") {
      const auto* days = value();
      if (days == nullptr) return usage_error("--days needs a number");
      const auto [end, error] =
          std::from_chars(days->data(), days->data() + days->size(), options.validity_days);
      if (error != std::errc() || end != days->data() + days->size()) {
        return usage_error("--days needs a number, not '" + std::string(*days) + "'");
      }
    } else if (argument == "--server-names") {
      const auto* names = value();
      if (names == nullptr || names->empty()) return usage_error("--server-names needs names");
      std::size_t start = 0;
      while (start <= names->size()) {
        std::size_t comma = names->find(',', start);
        if (comma == std::string_view::npos) comma = names->size();
        options.server_names.emplace_back(names->substr(start, comma - start));
        start = comma + 1;
      }
    } else if (argument == "--expired") {
      options.expired = true;
    } else if (argument == "--force") {
      options.force = true;
    } else if (argument.starts_with("-")) {
      return usage_error("unknown option " + std::string(argument));
    } else {
      auto node = tern::tls::parse_peer_identity(argument);
      if (!node.ok()) return usage_error(node.error());
      options.nodes.push_back(std::move(node).value());
    }
  }
  if (options.output_dir.empty()) return usage_error("--dir is required");

  auto report = tern::tls::run_certificate_tool(options);
  if (!report.ok()) {
    std::cerr << "tern-certs: " << report.error() << "\n";
    return 1;
  }
  for (const auto& line : report.value().lines) std::cout << line << "\n";
  return 0;
}

}  // namespace

// Failures are values inside the tool; only running out of memory can throw.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& failure) {
    std::cerr << "tern-certs: " << failure.what() << "\n";
    return 1;
  }
}
