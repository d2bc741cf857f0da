#pragma once
// Settings: the typed values of the directives tern acts on, for the server's hot paths.
// Config owns the one instance and rebuilds it from its directive values after every
// successful load or CONFIG SET, so a reader never sees half of a multi-directive change.
// The initializers below are the defaults; a test checks they equal the directive table's.
//
// Units are Redis's: sizes in bytes, `timeout` and `tcp_keepalive` in seconds,
// slowlog thresholds in microseconds, `latency_monitor_threshold` in milliseconds,
// `lfu_decay_time` in minutes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "node/log.h"

namespace tern::node {

// In Redis's order (the order of its error message).
enum class MaxmemoryPolicy : std::uint8_t {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kNoEviction,
};

// The client classes of client-output-buffer-limit ("slave" and "replica" are one class).
enum class ClientClass : std::uint8_t { kNormal, kReplica, kPubSub };
inline constexpr std::size_t kClientClassCount = 3;

// A client is disconnected when its pending output exceeds `hard_bytes`, or stays above
// `soft_bytes` for `soft_seconds` in a row. Zero disables a limit.
struct OutputBufferLimit {
  std::uint64_t hard_bytes = 0;
  std::uint64_t soft_bytes = 0;
  std::uint64_t soft_seconds = 0;
  bool operator==(const OutputBufferLimit&) const = default;
};

struct Settings {
  // Listening. An address with a leading '-' ("-::1") is optional: failing to bind it (no
  // IPv6, say) is not an error. Redis 7 with no config file binds "* -::*"; tern defaults to
  // Redis's shipped redis.conf, loopback only, so a fresh node is not reachable from outside.
  std::vector<std::string> bind{"127.0.0.1", "-::1"};
  std::uint16_t port = 6379;  // 0: the kernel picks a free port (Redis: no TCP listener)
  std::uint32_t tcp_backlog = 511;
  std::uint32_t tcp_keepalive = 300;
  std::uint32_t timeout = 0;  // idle client timeout; 0 = never
  std::uint32_t maxclients = 10000;
  std::string requirepass;  // "" = no AUTH needed

  // TLS for clients, Redis's tls-* directives (node/tls_listener.h). tls_port 0: no TLS port.
  // With a tls_port, port 0 means TLS only (no plaintext listener), as in Redis.
  std::uint16_t tls_port = 0;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_key_file_pass;
  std::string tls_ca_cert_file;
  std::string tls_ca_cert_dir;
  std::string tls_auth_clients = "yes";  // yes | no | optional
  std::string tls_protocols;             // "" = TLSv1.2 and TLSv1.3
  std::string tls_ciphers;
  std::string tls_ciphersuites;
  bool tls_prefer_server_ciphers = false;
  bool tls_session_caching = true;
  std::uint32_t tls_session_cache_size = 20480;
  std::uint32_t tls_session_cache_timeout = 300;

  // Request and reply limits.
  std::uint64_t proto_max_bulk_len = 512ULL * 1024 * 1024;
  std::uint64_t client_query_buffer_limit = 1024ULL * 1024 * 1024;
  std::array<OutputBufferLimit, kClientClassCount> client_output_buffer_limit{{
      {0, 0, 0},                                        // normal
      {256ULL * 1024 * 1024, 64ULL * 1024 * 1024, 60},  // replica
      {32ULL * 1024 * 1024, 8ULL * 1024 * 1024, 60},    // pubsub
  }};
  [[nodiscard]] const OutputBufferLimit& output_buffer_limit(ClientClass client_class) const {
    return client_output_buffer_limit[static_cast<std::size_t>(client_class)];
  }

  // Memory and eviction.
  std::uint64_t maxmemory = 0;  // 0 = no limit
  MaxmemoryPolicy maxmemory_policy = MaxmemoryPolicy::kNoEviction;
  std::uint32_t maxmemory_samples = 5;
  std::uint32_t lfu_log_factor = 10;
  std::uint32_t lfu_decay_time = 1;
  std::uint32_t active_expire_effort = 1;  // 1..10

  std::uint32_t databases = 16;

  // The process.
  std::uint32_t hz = 10;  // always within 1..500 (out-of-range values are clamped, as Redis)
  LogLevel loglevel = LogLevel::kNotice;
  std::string logfile;  // "" = standard error
  std::string pidfile;  // "" = write no pid file
  std::string dir = "./";
  std::int64_t slowlog_log_slower_than = 10000;  // -1 disables the slow log, 0 logs everything
  std::int64_t slowlog_max_len = 128;
  std::int64_t latency_monitor_threshold = 0;  // 0 = latency monitor off

  // tern's own.
  std::string region = "local";
  std::uint32_t region_id = 1;  // 1..63: the origin id in every stamp this region makes
  std::string node_id;          // "" = the server chooses one at startup
  // The region's nodes, this one included, by client endpoint; empty = a single-node region
  // (no election). Each node's peer port is its client port + region_port_offset.
  struct RegionNodeAddress {
    std::string name;
    std::string host;
    std::uint16_t port = 0;
    bool operator==(const RegionNodeAddress&) const = default;
  };
  std::vector<RegionNodeAddress> region_nodes;
  std::uint32_t region_port_offset = 10000;
  // Mutual TLS for peer links: the deployment CA and this node's certificate and key
  // (tern-certs makes them). All three are required when region_nodes is set.
  std::string region_tls_ca_file;
  std::string region_tls_cert_file;
  std::string region_tls_key_file;
  // quorum: a write's reply waits until a majority of the region has it; local: at once.
  enum class RegionAck : std::uint8_t { kQuorum, kLocal };
  RegionAck region_ack = RegionAck::kQuorum;
  // When the region log reaches the disk, as Redis's appendfsync: always (fsync before a write
  // counts as stored, the default), everysec (written at once, fsync'd about once a second), no
  // (left to the OS). The term and vote are fsync'd in every mode.
  enum class RegionFsync : std::uint8_t { kAlways, kEverySec, kNo };
  RegionFsync region_fsync = RegionFsync::kAlways;
  // Other regions of the global datastore, each with its nodes' client endpoints; their leaders
  // exchange committed ops with this region's leader (node/shipping/).
  struct PeerRegion {
    std::string name;
    std::uint32_t id = 0;
    std::vector<RegionNodeAddress> nodes;
    bool operator==(const PeerRegion&) const = default;
  };
  std::vector<PeerRegion> peer_regions;
  std::uint32_t shipping_port_offset = 20000;
  std::uint32_t metrics_port = 0;  // the Prometheus endpoint (GET /metrics); 0: off
  std::string metrics_bind = "127.0.0.1";  // a node's shipping port: client port + this
  std::uint64_t shipping_batch_bytes = 64 * 1024;
  std::uint32_t shipping_batch_delay_ms = 2;
  std::uint32_t shipping_compression_level = 6;
  std::uint32_t shipping_link_timeout_ms = 3000;
  std::uint32_t shipping_gc_interval_ms = 10000;  // how often the leader tries to drop tombstones  // silence after which a link is taken for dead  // 0: LZ4 fast; 1-12: LZ4 HC at that level
  std::uint64_t shipping_in_flight_bytes = 4 << 20;
  std::uint64_t shipping_retention_bytes = 64 << 20;
  std::uint32_t region_write_wait_ms = 3000;  // how long a write waits for a leader
  std::uint32_t region_tick_ms = 10;  // the election clock's tick (heartbeat 5, timeout 30-60)
  // Log compaction (node/region/region_snapshot_file.h): a node snapshots its keyspace and drops
  // its log prefix once the log holds this many applied entries, or this many bytes.
  std::uint64_t region_snapshot_entries = 100000;
  std::uint64_t region_snapshot_bytes = std::uint64_t{64} << 20;
  // Most snapshot bytes in one InstallSnapshot message (one peer frame).
  std::uint64_t region_snapshot_chunk_bytes = std::uint64_t{1} << 20;

  bool operator==(const Settings&) const = default;
};

}  // namespace tern::node
