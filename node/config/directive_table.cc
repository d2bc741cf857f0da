#include "node/config/directive_table.h"

#include <array>
#include <limits>

#include "node/config/directive_values.h"
#include "node/config/value_text.h"

namespace tern::node {
namespace {

constexpr std::int64_t kIntMin = std::numeric_limits<std::int32_t>::min();
constexpr std::uint64_t kIntMax = std::numeric_limits<std::int32_t>::max();
constexpr std::uint64_t kUintMax = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kLongMax = std::numeric_limits<std::int64_t>::max();
constexpr std::uint64_t kUnsignedLongMax = std::numeric_limits<std::uint64_t>::max();
constexpr std::uint64_t kMegabyte = 1024ULL * 1024;

constexpr std::array<std::string_view, 8> kMaxmemoryPolicies{
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};
constexpr std::array<std::string_view, 2> kRegionAckModes{"quorum", "local"};
constexpr std::array<std::string_view, 3> kRegionFsyncModes{"always", "everysec", "no"};
constexpr std::array<std::string_view, 5> kLogLevels{"debug", "verbose", "notice", "warning",
                                                     "nothing"};
constexpr std::array<std::string_view, 4> kSupervisedModes{"upstart", "systemd", "auto", "no"};
constexpr std::array<std::string_view, 9> kSyslogFacilities{
    "user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};
constexpr std::array<std::string_view, 4> kOomScoreAdjModes{"no", "yes", "relative", "absolute"};
constexpr std::array<std::string_view, 3> kNoYesLocal{"no", "yes", "local"};
constexpr std::array<std::string_view, 5> kShutdownFlags{"default", "save", "nosave", "now",
                                                         "force"};
constexpr std::array<std::string_view, 2> kPubSubDefaults{"allchannels", "resetchannels"};
constexpr std::array<std::string_view, 3> kDumpSanitizing{"no", "yes", "clients"};
constexpr std::array<std::string_view, 3> kFsyncPolicies{"always", "everysec", "no"};
constexpr std::array<std::string_view, 3> kDisklessLoad{"disabled", "on-empty-db", "swapdb"};
constexpr std::array<std::string_view, 3> kPropagationErrors{"ignore", "panic",
                                                             "panic-on-replicas"};
constexpr std::array<std::string_view, 3> kEndpointTypes{"ip", "hostname", "unknown-endpoint"};
constexpr std::array<std::string_view, 3> kTlsAuthClients{"no", "yes", "optional"};

// Builds a row: a kind constructor, then modifiers, read left to right like the README row.
struct Row {
  Directive directive;

  [[nodiscard]] Row alias(std::string_view name) const {
    Row row = *this;
    row.directive.alias = name;
    return row;
  }
  [[nodiscard]] Row startup_only() const {
    Row row = *this;
    row.directive.mutability = Mutability::kStartupOnly;
    return row;
  }
  [[nodiscard]] Row protected_config() const {
    Row row = *this;
    row.directive.mutability = Mutability::kProtected;
    return row;
  }
  [[nodiscard]] Row acted_on(SettingsStore store) const {
    Row row = *this;
    row.directive.effect = Effect::kActedOn;
    row.directive.store = store;
    return row;
  }
  // Acted on by Config itself rather than through Settings.
  [[nodiscard]] Row acted_on_by_config() const {
    Row row = *this;
    row.directive.effect = Effect::kActedOn;
    return row;
  }
  [[nodiscard]] Row default_only(std::string_view refusal) const {
    Row row = *this;
    row.directive.effect = Effect::kDefaultOnly;
    row.directive.refusal = refusal;
    return row;
  }
  [[nodiscard]] Row sensitive() const {
    Row row = *this;
    row.directive.sensitive = true;
    return row;
  }
  [[nodiscard]] Row multiple_arguments() const {
    Row row = *this;
    row.directive.multiple_arguments = true;
    return row;
  }
  [[nodiscard]] Row rewritten_by(SpecialRewriter rewriter) const {
    Row row = *this;
    row.directive.rewrite_special = rewriter;
    return row;
  }
  [[nodiscard]] Row range(std::int64_t min, std::uint64_t max) const {
    Row row = *this;
    row.directive.min = min;
    row.directive.max = max;
    return row;
  }
  [[nodiscard]] Row choices(std::span<const std::string_view> names) const {
    Row row = *this;
    row.directive.choices = names;
    return row;
  }
};

Row make(ValueKind kind, std::string_view name, std::string_view default_value,
         std::string_view doc) {
  Directive directive;
  directive.name = name;
  directive.kind = kind;
  directive.default_value = default_value;
  directive.doc = doc;
  return Row{directive};
}

Row yes_no(std::string_view name, std::string_view default_value, std::string_view doc) {
  return make(ValueKind::kYesNo, name, default_value, doc);
}
Row integer(std::string_view name, std::string_view default_value, std::int64_t min,
            std::uint64_t max, std::string_view doc) {
  return make(ValueKind::kInteger, name, default_value, doc).range(min, max);
}
Row memory(std::string_view name, std::string_view default_value, std::int64_t min,
           std::uint64_t max, std::string_view doc) {
  return make(ValueKind::kMemory, name, default_value, doc).range(min, max);
}
Row choice(std::string_view name, std::string_view default_value,
           std::span<const std::string_view> names, std::string_view doc) {
  return make(ValueKind::kEnum, name, default_value, doc).choices(names);
}
Row text(std::string_view name, std::string_view default_value, std::string_view doc) {
  return make(ValueKind::kString, name, default_value, doc);
}
Row special(std::string_view name, std::string_view default_value, SpecialParser parser,
            std::string_view doc) {
  Row row = make(ValueKind::kSpecial, name, default_value, doc);
  row.directive.parse_special = parser;
  return row;
}

// Settings stores. The value is canonical text, already validated.
std::uint32_t u32(std::string_view value) {
  return static_cast<std::uint32_t>(canonical_unsigned(value));
}

std::vector<std::string> words(std::string_view value) {
  std::vector<std::string> list;
  std::size_t start = 0;
  while (start < value.size()) {
    std::size_t space = value.find(' ', start);
    if (space == std::string_view::npos) space = value.size();
    list.emplace_back(value.substr(start, space - start));
    start = space + 1;
  }
  return list;
}

template <typename Enum>
Enum enum_index(std::span<const std::string_view> names, std::string_view value) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == value) return static_cast<Enum>(i);
  }
  return static_cast<Enum>(0);
}

std::vector<Directive> build_table() {
  const std::vector<Row> rows = {
      // --- Network and clients -------------------------------------------------------------
      special("bind", "127.0.0.1 -::1", parse_bind,
              "Addresses to listen on; a leading '-' marks one that may be unavailable "
              "(Redis 7 with no config file: \"* -::*\"; tern uses redis.conf's loopback "
              "default). tern: startup only.")
          .multiple_arguments()
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.bind = words(v); }),
      integer("port", "6379", 0, 65535,
              "TCP port. 0 lets the kernel choose a free port (Redis: no TCP listener). "
              "tern: startup only.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) {
            s.port = static_cast<std::uint16_t>(canonical_unsigned(v));
          }),
      integer("tcp-backlog", "511", 0, kIntMax, "listen() backlog.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.tcp_backlog = u32(v); }),
      integer("tcp-keepalive", "300", 0, kIntMax,
              "Seconds between TCP keepalive probes on client connections; 0 disables.")
          .acted_on([](Settings& s, std::string_view v) { s.tcp_keepalive = u32(v); }),
      integer("timeout", "0", 0, kIntMax, "Close a client idle this many seconds; 0 never.")
          .acted_on([](Settings& s, std::string_view v) { s.timeout = u32(v); }),
      integer("maxclients", "10000", 1, kUintMax,
              "Most simultaneous clients; more are refused with ERR max number of clients.")
          .acted_on([](Settings& s, std::string_view v) { s.maxclients = u32(v); }),
      text("requirepass", "", "Password for AUTH; empty means no password is needed.")
          .sensitive()
          .acted_on([](Settings& s, std::string_view v) { s.requirepass = std::string(v); }),
      yes_no("protected-mode", "yes",
             "Refuse non-loopback clients when no password is set. No-op in tern: keep the "
             "loopback bind default or set requirepass."),
      text("unixsocket", "", "Unix socket path.")
          .startup_only()
          .default_only("unix sockets are not supported by tern: listen on TCP (bind, port)"),
      make(ValueKind::kOctal, "unixsocketperm", "0", "Unix socket permissions (octal).")
          .range(0, 0777)
          .startup_only(),
      integer("socket-mark-id", "0", 0, kUintMax, "SO_MARK for listening sockets.").startup_only(),
      text("bind-source-addr", "", "Source address for outgoing replication connections."),

      // --- Request and reply limits ---------------------------------------------------------
      memory("proto-max-bulk-len", "536870912", kMegabyte, kLongMax,
             "Largest bulk string a request may carry.")
          .acted_on([](Settings& s, std::string_view v) {
            s.proto_max_bulk_len = canonical_unsigned(v);
          }),
      memory("client-query-buffer-limit", "1073741824", kMegabyte, kLongMax,
             "Largest unparsed input buffered for one client; past it the client is closed.")
          .acted_on([](Settings& s, std::string_view v) {
            s.client_query_buffer_limit = canonical_unsigned(v);
          }),
      special("client-output-buffer-limit",
              "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
              parse_client_output_buffer_limit,
              "Per class (normal, replica/slave, pubsub): hard limit, soft limit, soft "
              "seconds; a client over a limit is closed. Set one class at a time: "
              "`client-output-buffer-limit pubsub 32mb 8mb 60`.")
          .multiple_arguments()
          .rewritten_by(rewrite_client_output_buffer_limit)
          .acted_on([](Settings& s, std::string_view v) {
            s.client_output_buffer_limit = canonical_output_buffer_limits(v);
          }),
      special("maxmemory-clients", "0", parse_maxmemory_clients,
              "Memory (or % of maxmemory) all clients' buffers may use before eviction of "
              "clients.")
          .range(0, kLongMax)
          .rewritten_by(rewrite_maxmemory_clients),

      // --- Memory and eviction --------------------------------------------------------------
      memory("maxmemory", "0", 0, kUnsignedLongMax,
             "Memory limit for data; past it, keys are evicted by maxmemory-policy or writes "
             "refused. 0 means no limit.")
          .acted_on([](Settings& s, std::string_view v) { s.maxmemory = canonical_unsigned(v); }),
      choice("maxmemory-policy", "noeviction", kMaxmemoryPolicies,
             "What to evict at maxmemory: volatile-/allkeys- lru, lfu, random, volatile-ttl, "
             "or noeviction (refuse writes).")
          .acted_on([](Settings& s, std::string_view v) {
            s.maxmemory_policy = enum_index<MaxmemoryPolicy>(kMaxmemoryPolicies, v);
          }),
      integer("maxmemory-samples", "5", 1, kIntMax,
              "Keys sampled per eviction (approximated LRU/LFU/TTL).")
          .acted_on([](Settings& s, std::string_view v) { s.maxmemory_samples = u32(v); }),
      integer("maxmemory-eviction-tenacity", "10", 0, 100, "How long one eviction cycle may run."),
      integer("lfu-log-factor", "10", 0, kIntMax, "LFU counter logarithm factor.")
          .acted_on([](Settings& s, std::string_view v) { s.lfu_log_factor = u32(v); }),
      integer("lfu-decay-time", "1", 0, kIntMax, "Minutes for an LFU counter to halve.")
          .acted_on([](Settings& s, std::string_view v) { s.lfu_decay_time = u32(v); }),
      integer("active-expire-effort", "1", 1, 10,
              "Effort of the background expiry of keys with a TTL (1..10).")
          .acted_on([](Settings& s, std::string_view v) { s.active_expire_effort = u32(v); }),
      yes_no("replica-ignore-maxmemory", "yes", "Replicas ignore maxmemory.")
          .alias("slave-ignore-maxmemory"),

      // --- Keyspace -------------------------------------------------------------------------
      integer("databases", "16", 1, 4096,
              "Number of databases (SELECT 0..n-1). tern caps it at 4096 (Redis: 2^31-1), "
              "as every database is allocated at startup.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.databases = u32(v); }),

      // --- Process, logging and monitoring --------------------------------------------------
      choice("loglevel", "notice", kLogLevels,
             "debug, verbose, notice, warning, or nothing (Redis 7.2's level; 7.0 lacks it).")
          .acted_on([](Settings& s, std::string_view v) {
            s.loglevel = enum_index<LogLevel>(kLogLevels, v);
          }),
      text("logfile", "", "Log file; empty logs to standard error.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.logfile = std::string(v); }),
      yes_no("syslog-enabled", "no", "Log to syslog.")
          .startup_only()
          .default_only("syslog is not supported by tern: use logfile or standard error"),
      text("syslog-ident", "redis", "Syslog identity.").startup_only(),
      choice("syslog-facility", "local0", kSyslogFacilities, "Syslog facility.").startup_only(),
      yes_no("daemonize", "no", "Fork into the background.")
          .startup_only()
          .default_only(
              "daemonize yes is not supported by tern: run tern-server in the foreground under "
              "a supervisor (systemd, a container)"),
      choice("supervised", "no", kSupervisedModes, "Talk to upstart or systemd.")
          .startup_only()
          .default_only(
              "supervised is not supported by tern: use a simple (non-notify) service type"),
      text("pidfile", "", "File to write the process id to at startup; empty writes none.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.pidfile = std::string(v); }),
      text("dir", "./",
           "Working directory; relative logfile and pidfile paths resolve against it. tern "
           "writes no data files.")
          .protected_config()
          .acted_on([](Settings& s, std::string_view v) { s.dir = std::string(v); }),
      special("hz", "10", parse_hz,
              "Background task frequency; values outside 1..500 are clamped, as in Redis.")
          .range(0, kIntMax)
          .acted_on([](Settings& s, std::string_view v) { s.hz = u32(v); }),
      yes_no("dynamic-hz", "yes", "Raise hz with the number of clients."),
      integer("io-threads", "1", 1, 128,
              "Accepted for compatibility; tern runs socket I/O and commands on one thread "
              "(node/README.md).")
          .startup_only(),
      yes_no("io-threads-do-reads", "no", "I/O threads also read and parse.").startup_only(),
      integer("slowlog-log-slower-than", "10000", -1, kLongMax,
              "Log commands slower than this many microseconds; -1 disables, 0 logs all.")
          .acted_on([](Settings& s, std::string_view v) {
            s.slowlog_log_slower_than = canonical_signed(v);
          }),
      integer("slowlog-max-len", "128", 0, kLongMax, "Entries kept in the slow log.")
          .acted_on(
              [](Settings& s, std::string_view v) { s.slowlog_max_len = canonical_signed(v); }),
      integer("latency-monitor-threshold", "0", 0, kLongMax,
              "Record events slower than this many milliseconds (LATENCY); 0 disables.")
          .acted_on([](Settings& s, std::string_view v) {
            s.latency_monitor_threshold = canonical_signed(v);
          }),
      yes_no("latency-tracking", "yes", "Per-command latency histograms."),
      special("latency-tracking-info-percentiles", "50 99 99.9", parse_latency_percentiles,
              "Percentiles INFO latencystats reports.")
          .multiple_arguments(),
      integer("busy-reply-threshold", "5000", 0, kLongMax,
              "Milliseconds a script may run before BUSY replies.")
          .alias("lua-time-limit"),
      special("notify-keyspace-events", "", parse_notify_keyspace_events,
              "Keyspace notification classes (e.g. \"KEA\").")
          .rewritten_by(rewrite_quoted),
      integer("tracking-table-max-keys", "1000000", 0, kLongMax,
              "Keys remembered for client-side caching."),
      integer("acllog-max-len", "128", 0, kLongMax, "Entries kept in the ACL log."),
      text("aclfile", "", "File of ACL users.")
          .startup_only()
          .default_only("ACL files are not supported by tern: use requirepass"),
      choice("acl-pubsub-default", "resetchannels", kPubSubDefaults,
             "Default channel permissions of new ACL users."),
      choice("enable-protected-configs", "no", kNoYesLocal,
             "Whether CONFIG SET may change protected directives (dir, dbfilename); "
             "\"local\": only from loopback connections.")
          .startup_only()
          .acted_on_by_config(),
      choice("enable-debug-command", "no", kNoYesLocal, "Allow DEBUG.").startup_only(),
      choice("enable-module-command", "no", kNoYesLocal, "Allow MODULE.").startup_only(),
      yes_no("always-show-logo", "no", "ASCII-art logo at startup.").startup_only(),
      yes_no("set-proc-title", "yes", "Change the process title.").startup_only(),
      text("proc-title-template", "{title} {listen-addr} {server-mode}", "Process title."),
      yes_no("crash-log-enabled", "yes", "Stack trace on crash."),
      yes_no("crash-memcheck-enabled", "yes", "Memory test on crash."),
      yes_no("disable-thp", "yes", "Disable transparent huge pages.").startup_only(),
      yes_no("jemalloc-bg-thread", "yes", "jemalloc background purging."),
      choice("oom-score-adj", "no", kOomScoreAdjModes, "Set the OOM-killer score."),
      special("oom-score-adj-values", "0 200 800", parse_oom_score_adj_values,
              "OOM scores for primary, replica, background child.")
          .multiple_arguments(),
      text("server_cpulist", "", "CPU affinity of the main thread.").startup_only(),
      text("bio_cpulist", "", "CPU affinity of background I/O threads.").startup_only(),
      text("aof_rewrite_cpulist", "", "CPU affinity of AOF rewrites.").startup_only(),
      text("bgsave_cpulist", "", "CPU affinity of background saves.").startup_only(),
      special("shutdown-on-sigint", "default", parse_shutdown_on_signal,
              "SHUTDOWN flags on SIGINT (default, save, nosave, now, force).")
          .choices(kShutdownFlags)
          .multiple_arguments(),
      special("shutdown-on-sigterm", "default", parse_shutdown_on_signal,
              "SHUTDOWN flags on SIGTERM.")
          .choices(kShutdownFlags)
          .multiple_arguments(),
      integer("shutdown-timeout", "10", 0, kIntMax, "Seconds SHUTDOWN waits for replicas."),
      text("ignore-warnings", "", "Startup warnings to silence."),

      // --- Encodings (tern has one representation per type) ---------------------------------
      integer("hash-max-listpack-entries", "512", 0, kLongMax, "Compact hash size limit.")
          .alias("hash-max-ziplist-entries"),
      memory("hash-max-listpack-value", "64", 0, kLongMax, "Compact hash value limit.")
          .alias("hash-max-ziplist-value"),
      integer("zset-max-listpack-entries", "128", 0, kLongMax, "Compact zset size limit.")
          .alias("zset-max-ziplist-entries"),
      memory("zset-max-listpack-value", "64", 0, kLongMax, "Compact zset value limit.")
          .alias("zset-max-ziplist-value"),
      integer("list-max-listpack-size", "-2", kIntMin, kIntMax, "Quicklist node size.")
          .alias("list-max-ziplist-size"),
      integer("list-compress-depth", "0", 0, kIntMax, "Quicklist compression depth."),
      integer("set-max-intset-entries", "512", 0, kLongMax, "Integer set size limit."),
      memory("stream-node-max-bytes", "4096", 0, kLongMax, "Stream node size in bytes."),
      integer("stream-node-max-entries", "100", 0, kLongMax, "Stream node size in entries."),
      memory("hll-sparse-max-bytes", "3000", 0, kLongMax, "HyperLogLog sparse limit."),
      yes_no("activerehashing", "yes", "Incremental rehashing in the background."),

      // --- Lazy freeing and defragmentation -------------------------------------------------
      yes_no("lazyfree-lazy-eviction", "no", "Free evicted values in the background."),
      yes_no("lazyfree-lazy-expire", "no", "Free expired values in the background."),
      yes_no("lazyfree-lazy-server-del", "no", "Free overwritten values in the background."),
      yes_no("lazyfree-lazy-user-del", "no", "DEL behaves like UNLINK."),
      yes_no("lazyfree-lazy-user-flush", "no", "FLUSHALL/FLUSHDB default to ASYNC."),
      yes_no("replica-lazy-flush", "no", "Replicas flush asynchronously on full sync.")
          .alias("slave-lazy-flush"),
      yes_no("activedefrag", "no", "Active defragmentation."),
      memory("active-defrag-ignore-bytes", "104857600", 1, kLongMax,
             "Fragmentation waste below which defragmentation does not start."),
      integer("active-defrag-threshold-lower", "10", 0, 1000,
              "Fragmentation % at which defragmentation starts."),
      integer("active-defrag-threshold-upper", "100", 0, 1000,
              "Fragmentation % at which defragmentation works hardest."),
      integer("active-defrag-cycle-min", "1", 1, 99, "Least CPU % for defragmentation."),
      integer("active-defrag-cycle-max", "25", 1, 99, "Most CPU % for defragmentation."),
      integer("active-defrag-max-scan-fields", "1000", 1, kLongMax,
              "Fields scanned per defragmentation step."),

      // --- Persistence (tern keeps no files) ------------------------------------------------
      special("save", "", parse_save,
              "RDB snapshot rules (\"3600 1 300 100\"). No-op in tern, which keeps no "
              "snapshots; `save \"\"` clears the rules as in Redis.")
          .multiple_arguments()
          .rewritten_by(rewrite_save),
      yes_no("stop-writes-on-bgsave-error", "yes", "Refuse writes after a failed save."),
      yes_no("rdbcompression", "yes", "Compress RDB strings."),
      yes_no("rdbchecksum", "yes", "Checksum RDB files.").startup_only(),
      text("dbfilename", "dump.rdb", "RDB file name.").protected_config(),
      yes_no("rdb-del-sync-files", "no", "Delete RDB files used only for replication."),
      yes_no("rdb-save-incremental-fsync", "yes", "fsync RDB files incrementally."),
      choice("sanitize-dump-payload", "no", kDumpSanitizing, "Deep checks of RESTORE payloads."),
      yes_no("appendonly", "no", "Append-only file.")
          .default_only(
              "appendonly yes is not supported: tern keeps no append-only file; a write's "
              "durability comes from its region's replicas"),
      text("appendfilename", "appendonly.aof", "AOF base name.").startup_only(),
      text("appenddirname", "appendonlydir", "AOF directory.").startup_only(),
      choice("appendfsync", "everysec", kFsyncPolicies, "AOF fsync policy."),
      yes_no("no-appendfsync-on-rewrite", "no", "Skip fsync during rewrites."),
      integer("auto-aof-rewrite-percentage", "100", 0, kIntMax, "AOF growth % for rewrite."),
      memory("auto-aof-rewrite-min-size", "67108864", 0, kLongMax, "Least AOF size to rewrite."),
      yes_no("aof-load-truncated", "yes", "Load a truncated AOF."),
      yes_no("aof-use-rdb-preamble", "yes", "RDB preamble in rewritten AOFs."),
      yes_no("aof-rewrite-incremental-fsync", "yes", "fsync AOF rewrites incrementally."),
      yes_no("aof-timestamp-enabled", "no", "Timestamps in the AOF."),
      yes_no("aof-disable-auto-gc", "no", "Keep old AOF files."),

      // --- Redis replication (tern regions replicate through their own log) -----------------
      special("replicaof", "", parse_replicaof, "Replicate from a Redis primary (host port).")
          .alias("slaveof")
          .multiple_arguments()
          .startup_only()
          .rewritten_by(rewrite_replicaof)
          .default_only(
              "replicaof is not supported: tern nodes replicate through their region's log, "
              "and regions replicate to each other as peers"),
      text("masterauth", "", "Password for the primary.").sensitive(),
      text("masteruser", "", "ACL user for the primary."),
      yes_no("replica-serve-stale-data", "yes", "Serve reads while out of sync.")
          .alias("slave-serve-stale-data"),
      yes_no("replica-read-only", "yes", "Refuse writes on a replica.").alias("slave-read-only"),
      yes_no("repl-diskless-sync", "yes", "Full syncs stream the RDB over the socket."),
      integer("repl-diskless-sync-delay", "5", 0, kIntMax, "Seconds to wait for more replicas."),
      integer("repl-diskless-sync-max-replicas", "0", 0, kIntMax,
              "Start a diskless sync at this many replicas."),
      choice("repl-diskless-load", "disabled", kDisklessLoad, "Load a full sync from the socket."),
      integer("repl-ping-replica-period", "10", 1, kIntMax, "Seconds between pings to replicas.")
          .alias("repl-ping-slave-period"),
      integer("repl-timeout", "60", 1, kIntMax, "Replication timeout in seconds."),
      yes_no("repl-disable-tcp-nodelay", "no", "Batch replication packets."),
      memory("repl-backlog-size", "1048576", 1, kLongMax, "Replication backlog size."),
      integer("repl-backlog-ttl", "3600", 0, kLongMax, "Seconds to keep a backlog unused."),
      integer("replica-priority", "100", 0, kIntMax, "Sentinel promotion priority.")
          .alias("slave-priority"),
      yes_no("replica-announced", "yes", "Sentinel lists this replica."),
      text("replica-announce-ip", "", "IP to announce to the primary.").alias("slave-announce-ip"),
      integer("replica-announce-port", "0", 0, 65535, "Port to announce to the primary.")
          .alias("slave-announce-port"),
      yes_no("replica-ignore-disk-write-errors", "no", "Keep replicating after disk errors."),
      choice("propagation-error-behavior", "ignore", kPropagationErrors,
             "What a replica does with a failing replicated command."),
      integer("min-replicas-to-write", "0", 0, kIntMax,
              "Refuse writes with fewer connected replicas.")
          .alias("min-slaves-to-write")
          .default_only(
              "min-replicas-to-write is not supported: a tern write is acknowledged by its "
              "region's log, not by counting Redis replicas"),
      integer("min-replicas-max-lag", "10", 0, kIntMax,
              "Lag in seconds that still counts a replica for min-replicas-to-write.")
          .alias("min-slaves-max-lag"),

      // --- Redis Cluster (tern does not shard) ----------------------------------------------
      yes_no("cluster-enabled", "no", "Redis Cluster mode.")
          .startup_only()
          .default_only(
              "cluster-enabled yes is not supported: tern does not shard; every node of every "
              "region holds the whole keyspace"),
      text("cluster-config-file", "nodes.conf", "Cluster state file.").startup_only(),
      integer("cluster-port", "0", 0, 65535, "Cluster bus port.").startup_only(),
      integer("cluster-node-timeout", "15000", 0, kLongMax, "Milliseconds to fail a node."),
      text("cluster-announce-ip", "", "IP to announce to the cluster."),
      text("cluster-announce-hostname", "", "Hostname to announce to the cluster."),
      integer("cluster-announce-port", "0", 0, 65535, "Port to announce."),
      integer("cluster-announce-bus-port", "0", 0, 65535, "Bus port to announce."),
      integer("cluster-announce-tls-port", "0", 0, 65535, "TLS port to announce."),
      yes_no("cluster-require-full-coverage", "yes", "Stop when a slot is uncovered."),
      yes_no("cluster-replica-no-failover", "no", "Never fail over this replica.")
          .alias("cluster-slave-no-failover"),
      integer("cluster-replica-validity-factor", "10", 0, kIntMax, "Replica data age factor.")
          .alias("cluster-slave-validity-factor"),
      integer("cluster-migration-barrier", "1", 0, kIntMax, "Replicas a primary keeps."),
      yes_no("cluster-allow-replica-migration", "yes", "Replicas may migrate."),
      yes_no("cluster-allow-reads-when-down", "no", "Serve reads when the cluster is down."),
      yes_no("cluster-allow-pubsubshard-when-down", "yes", "Shard pub/sub when down."),
      memory("cluster-link-sendbuf-limit", "0", 0, kUnsignedLongMax, "Cluster link buffer."),
      choice("cluster-preferred-endpoint-type", "ip", kEndpointTypes,
             "Endpoint type in redirects."),

      // --- TLS for clients ------------------------------------------------------------------
      integer("tls-port", "0", 0, 65535,
              "TLS port for clients; 0 disables. With a tls-port, port 0 means TLS only. "
              "tern: startup only.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) {
            s.tls_port = static_cast<std::uint16_t>(canonical_unsigned(v));
          }),
      text("tls-cert-file", "", "Server certificate (PEM, chain allowed) for tls-port.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_cert_file = std::string(v); }),
      text("tls-key-file", "", "Server private key (PEM) for tls-port.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_key_file = std::string(v); }),
      text("tls-key-file-pass", "", "Passphrase of tls-key-file.")
          .sensitive()
          .acted_on([](Settings& s, std::string_view v) { s.tls_key_file_pass = std::string(v); }),
      text("tls-client-cert-file", "", "Client certificate for outgoing connections."),
      text("tls-client-key-file", "", "Client private key."),
      text("tls-client-key-file-pass", "", "Passphrase of tls-client-key-file.").sensitive(),
      text("tls-dh-params-file", "", "DH parameters."),
      text("tls-ca-cert-file", "", "CA bundle that client certificates must chain to.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_ca_cert_file = std::string(v); }),
      text("tls-ca-cert-dir", "", "CA directory (c_rehash layout), as tls-ca-cert-file.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_ca_cert_dir = std::string(v); }),
      choice("tls-auth-clients", "yes", kTlsAuthClients,
             "Client certificates: yes (required), optional (checked when sent), no.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_auth_clients = std::string(v); }),
      text("tls-protocols", "", "Allowed TLS versions (\"TLSv1.2 TLSv1.3\" when empty).")
          .acted_on([](Settings& s, std::string_view v) { s.tls_protocols = std::string(v); }),
      text("tls-ciphers", "", "TLS 1.2 ciphers.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_ciphers = std::string(v); }),
      text("tls-ciphersuites", "", "TLS 1.3 cipher suites.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_ciphersuites = std::string(v); }),
      yes_no("tls-prefer-server-ciphers", "no", "Prefer the server's cipher order.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_prefer_server_ciphers = v == "yes"; }),
      yes_no("tls-session-caching", "yes", "TLS session cache.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_session_caching = v == "yes"; }),
      integer("tls-session-cache-size", "20480", 0, kIntMax, "TLS session cache entries.")
          .acted_on([](Settings& s, std::string_view v) { s.tls_session_cache_size = u32(v); }),
      integer("tls-session-cache-timeout", "300", 0, kIntMax, "TLS session lifetime (s).")
          .acted_on([](Settings& s, std::string_view v) { s.tls_session_cache_timeout = u32(v); }),
      yes_no("tls-replication", "no", "TLS for Redis replication links."),
      yes_no("tls-cluster", "no", "TLS for the cluster bus."),

      // --- tern's own -----------------------------------------------------------------------
      special("region", "local", parse_region_name,
              "Name of this node's region (letters, digits, '.', '_', '-').")
          .startup_only()
          .rewritten_by(rewrite_quoted)
          .acted_on([](Settings& s, std::string_view v) { s.region = std::string(v); }),
      integer("region-id", "1", 1, 63,
              "The region's origin id in every operation it makes; unique among peer regions.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.region_id = u32(v); }),
      special("node-id", "", parse_node_id,
              "This node's name within its region; empty lets the server choose one.")
          .startup_only()
          .rewritten_by(rewrite_quoted)
          .acted_on([](Settings& s, std::string_view v) { s.node_id = std::string(v); }),
      special("region-nodes", "", parse_region_nodes,
              "The region's nodes, this one included: name=host:port (client port) ...; empty: a "
              "single-node region.")
          .startup_only()
          .rewritten_by(rewrite_quoted)
          .acted_on([](Settings& s, std::string_view v) { s.region_nodes = region_nodes_from_text(v); }),
      integer("region-port-offset", "10000", 1, 55535,
              "A node's peer port is its client port plus this (like Redis's cluster bus).")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.region_port_offset = u32(v); }),
      text("region-tls-ca-file", "", "The deployment CA for peer links (mutual TLS 1.3).")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.region_tls_ca_file = std::string(v); }),
      text("region-tls-cert-file", "", "This node's certificate for peer links.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.region_tls_cert_file = std::string(v); }),
      text("region-tls-key-file", "", "This node's private key for peer links.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.region_tls_key_file = std::string(v); }),
      choice("region-ack", "quorum", kRegionAckModes,
             "quorum: reply to a write once a majority of the region has it; local: at once.")
          .acted_on([](Settings& s, std::string_view v) {
            s.region_ack = v == "local" ? Settings::RegionAck::kLocal : Settings::RegionAck::kQuorum;
          }),
      choice("region-fsync", "always", kRegionFsyncModes,
             "always: fsync the region log before a write counts as stored; everysec: about once "
             "a second; no: leave it to the OS (an OS crash may then lose acknowledged writes).")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) {
            s.region_fsync = v == "no"         ? Settings::RegionFsync::kNo
                             : v == "everysec" ? Settings::RegionFsync::kEverySec
                                               : Settings::RegionFsync::kAlways;
          }),
      integer("region-write-wait", "3000", 0, 60000,
              "Milliseconds a write waits for a leader (during a failover) before -TRYAGAIN.")
          .acted_on([](Settings& s, std::string_view v) { s.region_write_wait_ms = u32(v); }),
      special("peer-regions", "", parse_peer_regions,
              "Other regions of the global datastore: name/id node=host:port ...; name/id ... "
              "(client endpoints). Their leaders and this region's exchange committed writes.")
          .startup_only()
          .rewritten_by(rewrite_quoted)
          .acted_on([](Settings& s, std::string_view v) { s.peer_regions = peer_regions_from_text(v); }),
      integer("shipping-port-offset", "20000", 1, 55535,
              "A node's shipping port (links from other regions) is its client port plus this.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.shipping_port_offset = u32(v); }),
      memory("shipping-batch-bytes", "65536", 1024, 64 * kMegabyte,
             "Ops per message shipped to another region (a partial one waits shipping-batch-delay).")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.shipping_batch_bytes = canonical_unsigned(v); }),
      integer("shipping-batch-delay", "2", 0, 1000,
              "Milliseconds a partial message to another region waits for more ops.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.shipping_batch_delay_ms = u32(v); }),
      integer("shipping-compression-level", "6", 0, 12,
              "LZ4 level for batches to other regions: 0 fast, 1-12 high compression (more CPU, fewer bytes).")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.shipping_compression_level = u32(v); }),
      integer("shipping-link-timeout", "3000", 500, 600000,
              "Milliseconds without a word from another region's leader before its link is closed and redialled.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.shipping_link_timeout_ms = u32(v); }),
      integer("shipping-gc-interval", "10000", 100, 3600000,
              "Milliseconds between the leader's attempts to drop tombstones every region has seen.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.shipping_gc_interval_ms = u32(v); }),
      memory("shipping-in-flight-bytes", "4194304", 65536, kLongMax,
             "Ops sent to one region and not yet acknowledged, at most (backpressure).")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.shipping_in_flight_bytes = canonical_unsigned(v); }),
      memory("shipping-retention-bytes", "67108864", kMegabyte, kLongMax,
             "Committed ops kept for regions that are behind or away; one further behind needs a snapshot.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.shipping_retention_bytes = canonical_unsigned(v); }),
      integer("metrics-port", "0", 0, 65535,
              "Port of the Prometheus endpoint (GET /metrics: region, other regions, clock skew); 0: off.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.metrics_port = u32(v); }),
      text("metrics-bind", "127.0.0.1", "Address the metrics endpoint listens on.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.metrics_bind = std::string(v); }),
      integer("region-tick", "10", 1, 1000,
              "Milliseconds per election tick: heartbeats every 5 ticks, election timeout 30-60.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.region_tick_ms = u32(v); }),
      integer("region-snapshot-entries", "100000", 1, kUnsignedLongMax,
              "Snapshot the keyspace and drop the region log's prefix once it holds this many "
              "applied entries.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.region_snapshot_entries = canonical_unsigned(v); }),
      memory("region-snapshot-bytes", "67108864", 1, kUnsignedLongMax,
             "Snapshot the keyspace and drop the region log's prefix once the log file is this "
             "large.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.region_snapshot_bytes = canonical_unsigned(v); }),
      memory("region-snapshot-chunk-bytes", "1048576", 1024, 33554432,
             "Most snapshot bytes in one InstallSnapshot message to a follower that is far behind.")
          .startup_only()
          .acted_on([](Settings& s, std::string_view v) { s.region_snapshot_chunk_bytes = canonical_unsigned(v); }),
  };
  std::vector<Directive> table;
  table.reserve(rows.size());
  for (const Row& row : rows) table.push_back(row.directive);
  return table;
}

}  // namespace

const std::vector<Directive>& directive_table() {
  static const std::vector<Directive> kTable = build_table();
  return kTable;
}

std::optional<DirectiveMatch> find_directive(std::string_view name) {
  const std::vector<Directive>& table = directive_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (ascii_equals_ignore_case(name, table[i].name)) return DirectiveMatch{i, false};
    if (!table[i].alias.empty() && ascii_equals_ignore_case(name, table[i].alias)) {
      return DirectiveMatch{i, true};
    }
  }
  return std::nullopt;
}

}  // namespace tern::node
