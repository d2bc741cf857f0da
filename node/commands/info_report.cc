#include "node/commands/info_report.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "node/commands/key_iteration.h"
#include "node/node.h"
#include "node/process_memory.h"

namespace tern::node {
namespace {

std::string human_bytes(std::uint64_t n) {
  char buf[64];
  const double d = static_cast<double>(n);
  if (n < 1024) std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(n));
  else if (n < 1024ULL * 1024) std::snprintf(buf, sizeof buf, "%.2fK", d / 1024);
  else if (n < 1024ULL * 1024 * 1024) std::snprintf(buf, sizeof buf, "%.2fM", d / (1024.0 * 1024));
  else std::snprintf(buf, sizeof buf, "%.2fG", d / (1024.0 * 1024 * 1024));
  return buf;
}

void field(std::string& out, std::string_view name, const std::string& value) {
  out.append(name);
  out.push_back(':');
  out.append(value);
  out.append("\r\n");
}
void field(std::string& out, std::string_view name, std::uint64_t value) { field(out, name, std::to_string(value)); }

std::string run_id() {
  static const std::string id = [] {
    std::string s;
    unsigned seed = static_cast<unsigned>(getpid()) * 2654435761U;
    for (int i = 0; i < 40; ++i) {
      seed = seed * 1103515245U + 12345U;
      s.push_back("0123456789abcdef"[(seed >> 16) & 15]);
    }
    return s;
  }();
  return id;
}

void server_section(Node& node, std::string& out) {
  out += "# Server\r\n";
  utsname uts{};
  uname(&uts);
  const std::uint64_t now = node.store().now_ms();
  const std::uint64_t uptime = now > node.start_unix_ms() ? (now - node.start_unix_ms()) / 1000 : 0;
  field(out, "redis_version", std::string("7.0.15"));
  field(out, "tern_version", std::string("0.1.0"));
  field(out, "redis_git_sha1", std::string("00000000"));
  field(out, "redis_git_dirty", 0);
  field(out, "redis_mode", std::string("standalone"));
  field(out, "os", std::string(uts.sysname) + " " + uts.release + " " + uts.machine);
  field(out, "arch_bits", 64);
  field(out, "multiplexing_api", std::string("epoll"));
  field(out, "gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                                std::to_string(__GNUC_PATCHLEVEL__));
  field(out, "process_id", static_cast<std::uint64_t>(getpid()));
  field(out, "process_supervised", std::string("no"));
  field(out, "run_id", run_id());
  field(out, "tcp_port", node.bound_port);
  field(out, "server_time_usec", now * 1000);
  field(out, "uptime_in_seconds", uptime);
  field(out, "uptime_in_days", uptime / 86400);
  field(out, "hz", static_cast<std::uint64_t>(node.settings().hz));
  field(out, "configured_hz", static_cast<std::uint64_t>(node.settings().hz));
  field(out, "lru_clock", (now / 1000) & ((1U << 24) - 1));
  field(out, "executable", process_executable());
  field(out, "config_file", node.config_file);
  field(out, "io_threads_active", 0);
  field(out, "tern_region", node.settings().region);
  field(out, "tern_region_id", static_cast<std::uint64_t>(node.settings().region_id));
  field(out, "tern_node_id", node.node_id);
}

void clients_section(Node& node, std::string& out) {
  out += "# Clients\r\n";
  std::size_t pubsub = 0;
  std::size_t max_out = 0;
  std::size_t max_in = 0;
  for (const auto& [id, c] : node.clients()) {
    if (c->subscription_count() > 0) ++pubsub;
    max_out = std::max(max_out, c->output.size());
    max_in = std::max(max_in, c->query_buffer_bytes);
  }
  field(out, "connected_clients", node.clients().size());
  field(out, "cluster_connections", 0);
  field(out, "maxclients", static_cast<std::uint64_t>(node.settings().maxclients));
  field(out, "client_recent_max_input_buffer", max_in);
  field(out, "client_recent_max_output_buffer", max_out);
  field(out, "blocked_clients", 0);
  field(out, "tracking_clients", 0);
  field(out, "clients_in_timeout_table", 0);
  field(out, "pubsub_clients", pubsub);
}

void memory_section(Node& node, std::string& out) {
  out += "# Memory\r\n";
  const std::uint64_t used = node.used_memory != nullptr ? node.used_memory() : heap_bytes_in_use();
  const std::uint64_t rss = resident_set_bytes();
  static std::uint64_t peak = 0;
  peak = std::max(peak, used);
  field(out, "used_memory", used);
  field(out, "used_memory_human", human_bytes(used));
  field(out, "used_memory_rss", rss);
  field(out, "used_memory_rss_human", human_bytes(rss));
  field(out, "used_memory_peak", peak);
  field(out, "used_memory_peak_human", human_bytes(peak));
  char perc[32];
  std::snprintf(perc, sizeof perc, "%.2f%%", peak == 0 ? 0.0 : 100.0 * static_cast<double>(used) / static_cast<double>(peak));
  field(out, "used_memory_peak_perc", std::string(perc));
  field(out, "used_memory_dataset", used);
  field(out, "total_system_memory", total_system_memory_bytes());
  field(out, "total_system_memory_human", human_bytes(total_system_memory_bytes()));
  field(out, "maxmemory", node.settings().maxmemory);
  field(out, "maxmemory_human", human_bytes(node.settings().maxmemory));
  field(out, "maxmemory_policy", node.config().get("maxmemory-policy").empty()
                                     ? std::string("noeviction")
                                     : node.config().get("maxmemory-policy").front().second);
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.2f", used == 0 ? 0.0 : static_cast<double>(rss) / static_cast<double>(used));
  field(out, "mem_fragmentation_ratio", std::string(ratio));
  field(out, "mem_allocator", std::string("libc"));
  field(out, "lazyfree_pending_objects", 0);
}

void persistence_section(Node& node, std::string& out) {
  out += "# Persistence\r\n";
  field(out, "loading", 0);
  field(out, "async_loading", 0);
  field(out, "rdb_changes_since_last_save", 0);
  field(out, "rdb_bgsave_in_progress", 0);
  field(out, "rdb_last_save_time", node.start_unix_ms() / 1000);
  field(out, "rdb_last_bgsave_status", std::string("ok"));
  field(out, "aof_enabled", 0);
  field(out, "aof_rewrite_in_progress", 0);
  field(out, "aof_last_bgrewrite_status", std::string("ok"));
  field(out, "aof_last_write_status", std::string("ok"));
}

void stats_section(Node& node, std::string& out) {
  out += "# Stats\r\n";
  const Stats& s = node.stats();
  field(out, "total_connections_received", s.total_connections_received);
  field(out, "total_commands_processed", s.total_commands_processed);
  field(out, "instantaneous_ops_per_sec", s.instantaneous_ops_per_sec());
  field(out, "total_net_input_bytes", s.net_input_bytes);
  field(out, "total_net_output_bytes", s.net_output_bytes);
  field(out, "rejected_connections", s.rejected_connections);
  field(out, "expired_keys", s.expired_keys);
  field(out, "evicted_keys", s.evicted_keys);
  field(out, "keyspace_hits", s.keyspace_hits);
  field(out, "keyspace_misses", s.keyspace_misses);
  field(out, "pubsub_channels", node.pubsub().channel_count());
  field(out, "pubsub_patterns", node.pubsub().pattern_count());
  field(out, "client_query_buffer_limit_disconnections", s.client_query_buffer_limit_disconnections);
  field(out, "client_output_buffer_limit_disconnections", s.client_output_buffer_limit_disconnections);
  field(out, "total_error_replies", s.total_error_replies);
  field(out, "unexpected_error_replies", s.unexpected_error_replies);
  field(out, "tern_crdt_ops_emitted", s.crdt_ops_emitted);
  field(out, "tern_crdt_ops_received", s.crdt_ops_received);
  field(out, "tern_forwarded_writes", s.forwarded_writes);
}

// The other regions of a global datastore, one line each (node/shipping/).
void peer_regions_fields(const ShippingReport& shipping, std::string& out) {
  field(out, "tern_shipping_leader", shipping.leader ? 1 : 0);
  field(out, "tern_shipping_retained_batches", shipping.retained_batches);
  field(out, "tern_shipping_retained_bytes", shipping.retained_bytes);
  field(out, "tern_shipping_waiting_batches", shipping.waiting_batches);
  if (!shipping.waiting_reason.empty()) field(out, "tern_shipping_waiting_reason", shipping.waiting_reason);
  std::size_t i = 0;
  for (const PeerRegionReport& peer : shipping.peers) {
    field(out, "tern_peer_region" + std::to_string(i++),
          "name=" + peer.name + ",id=" + std::to_string(peer.id) +
              ",link=" + (peer.outbound_up ? "up" : "down") + ",inbound=" + (peer.inbound_up ? "up" : "down") +
              ",lag_ms=" + std::to_string(peer.lag_ms) + ",pending_batches=" + std::to_string(peer.pending_batches) +
              ",pending_bytes=" + std::to_string(peer.pending_bytes) +
              ",in_flight_bytes=" + std::to_string(peer.in_flight_bytes) +
              ",needs_snapshot=" + (peer.needs_snapshot ? "1" : "0") +
              ",batches_sent=" + std::to_string(peer.batches_sent) +
              ",ops_bytes_sent=" + std::to_string(peer.ops_bytes_sent) +
              ",wire_bytes_sent=" + std::to_string(peer.wire_bytes_sent) +
              ",batches_received=" + std::to_string(peer.batches_received) +
              ",duplicates_received=" + std::to_string(peer.duplicates_received) +
              ",connects=" + std::to_string(peer.connects));
  }
}

void replication_section(Node& node, std::string& out) {
  out += "# Replication\r\n";
  if (node.region_report) {
    // A region's node: Redis's role names (the leader is the master its clients want), then
    // tern's own fields for the region log.
    const RegionReport region = node.region_report();
    const bool leader = region.role == "leader";
    field(out, "role", std::string(leader ? "master" : "slave"));
    std::size_t followers = 0;
    for (const auto& n : region.nodes) followers += !n.self && n.link_up ? 1 : 0;
    if (!leader) {
      const RegionNodeReport* master = nullptr;
      for (const auto& n : region.nodes) {
        if (n.name == region.leader) master = &n;
      }
      field(out, "master_host", master ? master->host : std::string("?"));
      field(out, "master_port", master ? std::to_string(master->port) : std::string("0"));
      field(out, "master_link_status", std::string(master ? "up" : "down"));
    }
    field(out, "connected_slaves", leader ? followers : 0);
    field(out, "tern_region_role", region.role);
    field(out, "tern_region_leader", region.leader);
    field(out, "tern_region_term", region.term);
    field(out, "tern_region_commit_index", region.commit);
    field(out, "tern_region_applied_index", region.applied);
    field(out, "tern_region_last_index", region.last_index);
    field(out, "tern_region_accepts_writes", region.accepts_writes ? 1 : 0);
    field(out, "tern_region_writes_waiting", region.writes_waiting);
    field(out, "tern_region_writes_forwarded", region.writes_forwarded);
    field(out, "tern_region_voter", region.voter ? 1 : 0);
    field(out, "tern_region_rejoining", region.rejoining ? 1 : 0);
    field(out, "tern_region_log_bytes", region.snapshot.log_bytes);
    field(out, "tern_region_snapshot_index", region.snapshot.index);
    field(out, "tern_region_snapshot_bytes", region.snapshot.bytes);
    field(out, "tern_region_snapshots_taken", region.snapshot.taken);
    field(out, "tern_region_snapshot_last_take_ms", region.snapshot.last_take_ms);
    field(out, "tern_region_snapshot_last_pause_ms", region.snapshot.last_pause_ms);
    field(out, "tern_region_snapshots_sent", region.snapshot.sent);
    field(out, "tern_region_snapshot_chunks_sent", region.snapshot.chunks_sent);
    field(out, "tern_region_snapshot_data_bytes_sent", region.snapshot.data_bytes_sent);
    field(out, "tern_region_snapshot_wire_bytes_sent", region.snapshot.wire_bytes_sent);
    field(out, "tern_region_snapshots_installed", region.snapshot.installed);
    field(out, "tern_region_snapshots_refused", region.snapshot.refused);
    if (!leader) {
      // A follower knows how far it is itself, not the others: Redis replicas report the same.
      field(out, "slave_repl_offset", region.applied);
      field(out, "master_last_io_seconds_ago",
            region.leader_contact_ms_ago < 0 ? std::string("-1") : std::to_string(region.leader_contact_ms_ago / 1000));
      field(out, "tern_region_leader_contact_ms_ago", std::to_string(region.leader_contact_ms_ago));
      field(out, "tern_region_lag", region.commit > region.applied ? region.commit - region.applied : 0);
    }
    std::size_t i = 0;
    for (const auto& n : region.nodes) {
      if (n.self) continue;
      std::string text = "name=" + n.name + ",ip=" + n.host + ",port=" + std::to_string(n.port) +
                         ",link=" + (n.link_up ? "up" : "down") + ",voter=" + (n.voter ? "1" : "0") +
                         ",rejoining=" + (n.rejoining ? "1" : "0");
      // Only the leader tracks what each node holds (its match index); the lag is in entries.
      if (leader) {
        text += ",match=" + std::to_string(n.match) +
                ",lag=" + std::to_string(region.last_index > n.match ? region.last_index - n.match : 0);
      }
      field(out, "tern_region_node" + std::to_string(i++), text);
    }
    field(out, "master_failover_state", std::string("no-failover"));
    field(out, "master_repl_offset", region.commit);
    if (node.shipping_report) peer_regions_fields(node.shipping_report(), out);
    return;
  }
  field(out, "role", std::string("master"));
  field(out, "connected_slaves", 0);
  field(out, "master_failover_state", std::string("no-failover"));
  field(out, "master_replid", run_id());
  field(out, "master_replid2", std::string(40, '0'));
  field(out, "master_repl_offset", 0);
  field(out, "second_repl_offset", std::string("-1"));
  field(out, "repl_backlog_active", 0);
}

void cpu_section(Node&, std::string& out) {
  out += "# CPU\r\n";
  rusage self{};
  rusage children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  const auto seconds = [](const timeval& tv) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6);
    return std::string(buf);
  };
  field(out, "used_cpu_sys", seconds(self.ru_stime));
  field(out, "used_cpu_user", seconds(self.ru_utime));
  field(out, "used_cpu_sys_children", seconds(children.ru_stime));
  field(out, "used_cpu_user_children", seconds(children.ru_utime));
}

void commandstats_section(Node& node, std::string& out) {
  out += "# Commandstats\r\n";
  std::map<std::string_view, CommandStats> sorted(node.stats().commands.begin(), node.stats().commands.end());
  for (const auto& [name, s] : sorted) {
    if (s.calls == 0 && s.rejected_calls == 0 && s.failed_calls == 0) continue;
    char buf[256];
    std::snprintf(buf, sizeof buf, "calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,failed_calls=%llu",
                  static_cast<unsigned long long>(s.calls), static_cast<unsigned long long>(s.usec),
                  s.calls == 0 ? 0.0 : static_cast<double>(s.usec) / static_cast<double>(s.calls),
                  static_cast<unsigned long long>(s.rejected_calls), static_cast<unsigned long long>(s.failed_calls));
    field(out, "cmdstat_" + std::string(name), std::string(buf));
  }
}

void errorstats_section(Node& node, std::string& out) {
  out += "# Errorstats\r\n";
  for (const auto& [prefix, count] : node.stats().error_replies) {
    field(out, "errorstat_" + prefix, "count=" + std::to_string(count));
  }
}

void keyspace_section(Node& node, std::string& out) {
  out += "# Keyspace\r\n";
  for (std::uint32_t db = 0; db < node.store().databases(); ++db) {
    std::uint64_t keys = 0;
    std::uint64_t expires = 0;
    std::uint64_t ttl_sum = 0;
    const std::uint64_t now = node.store().now_ms();
    for_each_live_key(node.store(), db, [&](std::string_view, const crdt::KeyState& state) {
      ++keys;
      if (auto d = state.deadline_ms()) {
        ++expires;
        ttl_sum += *d > now ? *d - now : 0;
      }
    });
    if (keys == 0) continue;
    field(out, "db" + std::to_string(db), "keys=" + std::to_string(keys) + ",expires=" + std::to_string(expires) +
                                              ",avg_ttl=" + std::to_string(expires == 0 ? 0 : ttl_sum / expires));
  }
}

}  // namespace

std::string info_report(Node& node, const std::vector<std::string>& requested) {
  using Section = void (*)(Node&, std::string&);
  struct Entry {
    std::string_view name;
    Section fn;
    bool in_default;
  };
  static constexpr Entry kSections[] = {
      {"server", server_section, true},           {"clients", clients_section, true},
      {"memory", memory_section, true},           {"persistence", persistence_section, true},
      {"stats", stats_section, true},             {"replication", replication_section, true},
      {"cpu", cpu_section, true},                 {"commandstats", commandstats_section, false},
      {"errorstats", errorstats_section, true},   {"keyspace", keyspace_section, true},
  };
  std::set<std::string> wanted(requested.begin(), requested.end());
  const bool everything = wanted.count("all") != 0 || wanted.count("everything") != 0;
  const bool defaults = wanted.empty() || wanted.count("default") != 0;
  std::string out;
  for (const auto& s : kSections) {
    if (!(everything || (defaults && s.in_default) || wanted.count(std::string(s.name)) != 0)) continue;
    if (!out.empty()) out += "\r\n";
    s.fn(node, out);
  }
  return out;
}

}  // namespace tern::node
