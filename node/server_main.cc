// tern-server [config-file] [--name value ...]: loads the configuration (redis.conf syntax,
// overrides on the command line as redis-server takes them), then serves until SHUTDOWN or
// SIGTERM.
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "node/allocation_counter.h"
#include "node/log.h"
#include "node/metrics/metrics_server.h"
#include "node/metrics/metrics_text.h"
#include "node/node.h"
#include "node/process_memory.h"
#include "node/region/region_service.h"
#include "node/shipping/shipping_service.h"
#include "node/server.h"

namespace {

constexpr const char* kUsage =
    "Usage: tern-server [/path/to/tern.conf] [options]\n"
    "       tern-server -v or --version\n"
    "       tern-server -h or --help\n\n"
    "Options are configuration directives given as --name value, e.g.\n"
    "       tern-server --port 7000\n"
    "       tern-server /etc/tern/tern.conf --loglevel verbose\n";

// 10,000 clients need 10,000 descriptors plus the server's own; raise the soft limit.
void raise_open_files_limit(long long maxclients) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(maxclients) + 32;
  if (limit.rlim_cur >= wanted) return;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < wanted) {
    tern::node::log_line(tern::node::LogLevel::kWarning,
                         "You requested maxclients of " + std::to_string(maxclients) +
                             " requiring at least " + std::to_string(wanted) +
                             " max file descriptors, but the limit could only be raised to " +
                             std::to_string(limit.rlim_cur));
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace tern::node;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && (args[0] == "-v" || args[0] == "--version")) {
    std::printf("tern-server v=0.1.0 (speaks the Redis 7.0 protocol)\n");
    return 0;
  }
  if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::string config_path;
  std::string config_text;
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    config_path = args[0];
    args.erase(args.begin());
    std::ifstream in(config_path);
    if (!in) {
      std::fprintf(stderr, "Fatal error, can't open config file '%s': %s\n", config_path.c_str(), std::strerror(errno));
      return 1;
    }
    std::stringstream text;
    text << in.rdbuf();
    config_text = text.str();
    std::error_code ec;
    const auto absolute = std::filesystem::absolute(config_path, ec);
    if (!ec) config_path = absolute.string();
  }
  auto loaded = Config::load(config_text, config_path.empty() ? "(command line)" : config_path, args);
  if (auto* error = std::get_if<ConfigError>(&loaded)) {
    std::fprintf(stderr, "%s\n", error->message.c_str());
    return 1;
  }
  Config config = std::move(std::get<Config>(loaded));
  if (!configure_log(config.settings().loglevel, config.settings().logfile)) {
    std::fprintf(stderr, "Can't open the log file: %s\n", config.settings().logfile.c_str());
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);
  raise_open_files_limit(config.settings().maxclients);

  const Settings& settings = config.settings();
  if (!settings.dir.empty() && settings.dir != "./" && chdir(settings.dir.c_str()) != 0) {
    std::fprintf(stderr, "Can't chdir to '%s': %s\n", settings.dir.c_str(), std::strerror(errno));
    return 1;
  }
  const std::string pidfile = settings.pidfile;
  if (!pidfile.empty()) {
    std::ofstream pid(pidfile, std::ios::trunc);
    pid << getpid() << "\n";
    if (!pid) log_line(LogLevel::kWarning, "Failed to write PID file " + pidfile);
  }

  Node node(std::move(config));
  node.config_file = config_path;
  node.node_id = node.settings().node_id;
  if (node.node_id.empty()) {
    std::random_device random;
    char id[41];
    for (int i = 0; i < 40; ++i) id[i] = "0123456789abcdef"[random() % 16];
    id[40] = '\0';
    node.node_id = id;
  }
  node.used_memory = &counted_heap_bytes;
  asio::io_context io(1);
  Server server(node, io);
  std::string error;
  if (!server.listen(&error)) {
    log_line(LogLevel::kWarning, error);
    return 1;
  }
  // A node of a multi-node region runs the election (node/region/region_service.h); its
  // durable term and vote live in the working directory.
  std::unique_ptr<RegionService> region;
  // A region of a global datastore also exchanges committed writes with the other regions
  // (node/shipping/shipping_service.h).
  std::unique_ptr<ShippingService> shipping;
  if (!node.settings().peer_regions.empty()) {
    shipping = std::make_unique<ShippingService>(io, node.settings());
    node.on_committed_batch = [&shipping](tern::crdt::RegionId origin, tern::crdt::Stamp last,
                                          const tern::crdt::StampVector& context,
                                          std::string_view bytes) { shipping->committed(origin, last, context, bytes); };
  }
  if (!node.settings().region_nodes.empty()) {
    region = std::make_unique<RegionService>(io, node.settings(), "tern-region-" + node.node_id);
    // Until it leads, a node makes no ops of its own (no expiry, no eviction, no writes).
    node.store().set_may_write(false);
    region->on_apply = [&node](std::string_view payload) { node.apply_region_batch(payload); };
    // The shipping outbox needs every committed batch in log order on every node, the leader's
    // own included (Node::on_committed_batch): the leader then decodes its entries again.
    region->apply_own_entries = shipping != nullptr;
    region->on_progress = [&node](std::uint64_t commit, bool leader) { node.on_region_progress(commit, leader); };
    region->on_rebuild = [&node, &shipping] {
      node.clear_for_region_rebuild();
      if (shipping) shipping->restart({});  // the log is applied again from its first entry
    };
    region->on_take_snapshot = [&node, snapshots = std::uint64_t{0}](std::string* error) mutable {
      return node.take_region_snapshot(++snapshots, error);
    };
    region->on_restore = [&node, &shipping](std::string_view data) {
      std::string refused = node.restore_region_snapshot(data);
      // The log continues from the snapshot's state: so does the outbox to other regions.
      if (refused.empty() && shipping) shipping->restart(node.store().replica().keyspace().applied());
      return refused;
    };
    region->on_drained = [&node] { node.check_waiters(); };
    region->on_lost_proposals = [&node](std::uint64_t index) { node.lose_region_proposals(index); };
    node.region_replicas_at = [&region](std::uint64_t index) { return region->replicas_at(index); };
    node.region_propose = [&region](std::string payload) { return region->propose(std::move(payload)); };
    node.region_accepts_writes = [&region] { return region->accepts_writes(); };
    node.region_transfer = [&region](const std::string& target) { return region->transfer(target); };
    node.region_forward = [&region](std::uint64_t id, std::uint32_t db, int protocol,
                                    std::span<const std::string_view> args) {
      return region->forward(id, db, protocol, args);
    };
    region->on_forwarded = [&node](std::uint32_t db, int protocol, std::span<const std::string_view> args) {
      auto outcome = node.run_forwarded(db, protocol, args);
      return std::make_pair(std::move(outcome.reply), outcome.log_index);
    };
    region->on_forwarded_reply = [&node](std::uint64_t id, std::string_view reply, std::uint64_t index) {
      node.complete_forwarded(id, reply, index);
    };
    if (!region->start(&error)) {
      log_line(LogLevel::kWarning, "Region: " + error);
      return 1;
    }
    node.region_report = [&region] { return region->report(); };
    server.reload_peer_tls = [&region] { return region->reload_tls(); };
  }
  if (shipping) {
    shipping->accepts_writes = [&region] { return region && region->accepts_writes(); };
    shipping->applied = [&node] { return node.store().replica().keyspace().applied(); };
    shipping->propose = [&region](std::string op_batch) {
      return region && region->propose(std::move(op_batch)).has_value();
    };
    if (!shipping->start(&error)) {
      log_line(LogLevel::kWarning, "Shipping: " + error);
      return 1;
    }
    node.shipping_report = [&shipping] { return shipping->report(); };
    // A PUBLISH from another region: this node's subscribers, then the rest of the region.
    shipping->on_published = [&node, &region](std::string_view channel, std::string_view message) {
      node.deliver_published(channel, message);
      if (region) region->broadcast_published(channel, message);
    };
  }
  // PUBLISH reaches every node of the region and, through the leaders, every other region: the
  // node a client published on tells its region's nodes; the leader (whether the client
  // published there or on a follower) tells the other regions.
  if (region) {
    region->on_published = [&node, &shipping](std::string_view channel, std::string_view message) {
      node.deliver_published(channel, message);
      if (shipping) shipping->publish(channel, message);
    };
    node.on_publish = [&region, &shipping](std::string_view channel, std::string_view message) {
      region->broadcast_published(channel, message);
      if (shipping) shipping->publish(channel, message);
    };
  }
  // The Prometheus endpoint: the figures of INFO replication, for scraping.
  std::unique_ptr<MetricsServer> metrics;
  if (node.settings().metrics_port != 0) {
    metrics = std::make_unique<MetricsServer>(io, [&node] {
      MetricsInput input;
      input.region = node.settings().region;
      input.connected_clients = node.clients().size();
      input.used_memory_bytes = node.used_memory != nullptr ? node.used_memory() : 0;
      input.commands_processed = node.stats().total_commands_processed;
      input.clock_skew_warnings = node.store().replica().clock().skewed_remote_count();
      input.max_clock_skew_ms = node.store().replica().clock().max_observed_skew_ms();
      if (node.region_report) input.region_report = node.region_report();
      if (node.shipping_report) input.shipping = node.shipping_report();
      return render_metrics(input);
    });
    if (!metrics->start(node.settings().metrics_bind, static_cast<std::uint16_t>(node.settings().metrics_port),
                        &error)) {
      log_line(LogLevel::kWarning, error);
      return 1;
    }
  }
  log_line(LogLevel::kNotice, "tern-server started, port=" + std::to_string(node.bound_port) +
                                  " region=" + node.settings().region);
  server.run();
  if (metrics) metrics->stop();
  if (shipping) shipping->stop();
  if (region) region->stop();
  if (!pidfile.empty()) std::remove(pidfile.c_str());
  return 0;
}
