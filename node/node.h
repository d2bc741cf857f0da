#pragma once
// Node: one tern-server's state and its command dispatch, without sockets. The Asio layer
// (node/server.h) feeds it parsed requests per client and flushes the replies it writes;
// tests can drive it directly.
//
// Dispatch follows redis-server 7's processCommand order: unknown command, arity,
// authentication, pub/sub context, MULTI queueing, memory limit, then the handler. After a
// write, the ops the replica emitted name exactly the keys that changed, which is what
// WATCH and the change log need.
#include <cstdint>
#include <functional>
#include <deque>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "node/client_state.h"
#include "node/command_table.h"
#include "node/config/config.h"
#include "node/region/region_status.h"
#include "node/shipping/shipping_status.h"
#include "node/pubsub.h"
#include "node/stats.h"
#include "node/store.h"

namespace tern::node {

struct SlowLogEntry {
  std::uint64_t id = 0;
  std::uint64_t unix_seconds = 0;
  std::uint64_t duration_us = 0;
  std::vector<std::string> args;
  std::string client_address;
  std::string client_name;
};

// LATENCY: spikes of one event kind ("command") above latency-monitor-threshold.
struct LatencyEvent {
  std::deque<std::pair<std::uint64_t, std::uint64_t>> history;  // (unix seconds, ms), newest last
  std::uint64_t max_ms = 0;
};

class Node {
 public:
  explicit Node(Config config);

  // Runs one request of `client`; the reply goes to client.output.
  // Runs one request. `spec` may carry the command already looked up (see prefetch_keys).
  void execute(ClientState& client, std::span<const std::string_view> args, const CommandSpec* spec = nullptr);
  // Before a pipelined batch runs: looks up each request's command into `specs` and asks the
  // cache for each one's first key, so the batch's memory misses overlap. Only a hint.
  void prefetch_keys(const ClientState& client, std::span<const std::vector<std::string_view>> batch,
                     std::span<const CommandSpec*> specs) const;
  // Executes a command with the checks already done (EXEC runs its queue through this).
  void call(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> args);

  void add_client(ClientState& client);
  void remove_client(ClientState& client);
  [[nodiscard]] const std::map<std::uint64_t, ClientState*>& clients() const { return clients_; }
  [[nodiscard]] std::uint64_t next_client_id() { return ++last_client_id_; }

  [[nodiscard]] Config& config() { return config_; }
  [[nodiscard]] const Settings& settings() const { return config_.settings(); }
  [[nodiscard]] Store& store() { return store_; }
  [[nodiscard]] Stats& stats() { return stats_; }
  [[nodiscard]] PubSub& pubsub() { return pubsub_; }
  [[nodiscard]] const CommandTable& commands() const { return commands_; }

  // WATCH bookkeeping.
  void watch(ClientState& client, std::uint32_t db, const std::string& key);
  void unwatch_all(ClientState& client);
  // A key changed (by a command, an expiry, or a remote op): watchers must fail EXEC.
  void touch_key(std::uint32_t db, const std::string& key);
  void touch_database(std::uint32_t db);  // FLUSHDB, FLUSHALL, SWAPDB

  // Periodic work, called `hz` times a second: active expiry of a bounded sample of keys.
  // node/active_expiry.cc
  void active_expire_cycle();
  // Routes the ops the replica emitted outside a command (expiry, eviction): WATCH, stats.
  void drain_ops();

  // maxmemory: evicts keys by the configured policy until used memory is within the limit;
  // false when that is impossible (noeviction, or nothing left to evict). node/eviction.cc
  bool evict_until_within_limit();

  // SHUTDOWN: the server loop stops after this turn.
  void request_shutdown() { shutdown_requested_ = true; }
  [[nodiscard]] bool shutdown_requested() const { return shutdown_requested_; }

  std::deque<SlowLogEntry>& slowlog() { return slowlog_; }
  std::map<std::string, LatencyEvent>& latency_events() { return latency_events_; }
  std::string node_id;  // settings' node-id, or one chosen at startup
  [[nodiscard]] std::uint64_t slowlog_next_id() const { return slowlog_next_id_; }
  [[nodiscard]] std::uint64_t start_unix_ms() const { return start_unix_ms_; }
  void set_start_unix_ms(std::uint64_t ms) { start_unix_ms_ = ms; }
  // The server's listening port as actually bound (INFO tcp_port); 0 with TLS only.
  std::uint16_t bound_port = 0;
  // Set by the server when tls-port is: rebuilds the client TLS context from settings() (CONFIG
  // SET tls-*); empty on success, else why not, with the old context kept.
  std::function<std::string()> client_tls_reload;
  std::string config_file;  // absolute path, "" when started without one
  std::uint64_t (*used_memory)() = nullptr;  // set by the server (allocator statistics)
  // Set by the server when the node is one of a region's nodes (region-nodes): what ROLE and
  // INFO replication show. Unset for a single-node region.
  std::function<RegionReport()> region_report;
  // Also set for a region's node: proposes an entry (a batch of this node's ops) and returns
  // its log index, or nullopt when this node cannot (not the leader); and whether this node
  // may take writes now (the leader, once its term's first entry committed).
  std::function<std::optional<std::uint64_t>(std::string payload)> region_propose;
  // Every committed op batch of the region log, in log order, once applied: what this region
  // ships to the others (node/shipping/). `last` is its greatest stamp, `context` the join of its
  // ops' contexts, `bytes` the serialized OpBatch.
  std::function<void(crdt::RegionId origin, crdt::Stamp last, const crdt::StampVector& context,
                     std::string_view bytes)>
      on_committed_batch;
  // A PUBLISH made here, for the other nodes and regions (best effort); and delivering one made
  // elsewhere to this node's subscribers.
  std::function<void(std::string_view channel, std::string_view message)> on_publish;
  void deliver_published(std::string_view channel, std::string_view message);
  // Set for a region of a global datastore: the other regions' links and lag (INFO).
  std::function<ShippingReport()> shipping_report;
  std::function<bool()> region_accepts_writes;
  // FAILOVER: hands leadership to the named node (or the most up-to-date one when empty);
  // empty on success, else Redis-style error text.
  std::function<std::string(const std::string& target)> region_transfer;
  // On a follower: sends a client's write to the leader (request id, db, protocol, arguments);
  // false when no leader is reachable.
  std::function<bool(std::uint64_t request_id, std::uint32_t db, int protocol,
                     std::span<const std::string_view> args)>
      region_forward;
  // On the leader: runs a write a follower forwarded, as that follower's client would.
  struct ForwardedOutcome {
    std::string reply;            // raw RESP
    std::uint64_t log_index = 0;  // the entry with its ops (0: it made none)
  };
  ForwardedOutcome run_forwarded(std::uint32_t db, int protocol, std::span<const std::string_view> args);
  // On the follower: the reply to a forwarded write (or an error made here, e.g. a timeout).
  // The client gets it once this node has applied `log_index`, then runs its next request.
  void complete_forwarded(std::uint64_t request_id, std::string_view reply, std::uint64_t log_index);
  // WAIT: on the leader, how many other nodes hold the log up to `index` (set by the server).
  std::function<std::size_t(std::uint64_t index)> region_replicas_at;
  // Clients blocked in WAIT, answered when enough nodes have their writes or at the deadline.
  struct Waiter {
    std::uint64_t client_id;
    std::uint64_t index;
    std::size_t replicas;
    std::uint64_t deadline_ms;  // 0: none
  };
  void add_waiter(const Waiter& waiter) { waiters_.push_back(waiter); }
  // Answers the waiters that are done (after region progress, and from the periodic tick).
  void check_waiters();
  // The region's commit index as last reported (held replies go out at or below it).
  std::uint64_t region_commit = 0;
  // Region log events: a committed entry's op batch to apply here (every node; the leader's
  // own ops are already applied and are skipped as duplicates), and commit progress, which
  // releases held replies, or closes the clients whose writes can no longer commit here
  // because this node lost leadership.
  void apply_region_batch(std::string_view entry);
  // This node's writes promised log index `index` could not be logged there: close the
  // clients waiting for them (their outcome is unknown, as on a failover).
  void lose_region_proposals(std::uint64_t index);
  void on_region_progress(std::uint64_t commit, bool leader);
  // Empties the keyspace before the region log is applied again (see RegionService::rebuild).
  void clear_for_region_rebuild();
  // The keyspace as region snapshot bytes (node/region/keyspace_snapshot.h), or nullopt with
  // the reason; and the keyspace replaced by such bytes (empty on success, else why refused).
  std::optional<std::string> take_region_snapshot(std::uint64_t snapshot_id, std::string* error) const;
  std::string restore_region_snapshot(std::string_view data);

 private:
  void after_write(ClientState& client);
  void record_slow(const ClientState& client, std::span<const std::string_view> args, std::uint64_t usec);

  Config config_;
  CommandTable commands_;
  Store store_;
  Stats stats_;
  PubSub pubsub_;
  std::map<std::uint64_t, ClientState*> clients_;
  std::unordered_map<std::uint64_t, std::uint64_t> forwarded_;  // request id -> client id
  std::uint64_t next_forward_id_ = 1;
  bool region_leader_ = false;  // as of the last on_region_progress
  std::vector<Waiter> waiters_;
  void apply_one_region_batch(std::string_view payload);
  std::uint64_t last_client_id_ = 0;
  std::unordered_map<std::string, std::vector<ClientState*>> watchers_;  // db '\0' key
  std::deque<SlowLogEntry> slowlog_;
  std::map<std::string, LatencyEvent> latency_events_;
  std::uint64_t slowlog_next_id_ = 0;
  std::uint64_t start_unix_ms_ = 0;
  std::uint32_t expire_db_cursor_ = 0;
  std::uint64_t expire_scan_cursor_ = 0;
  bool shutdown_requested_ = false;
};

// Replies shared by many handlers.
void reply_wrong_arity(Call& call);
void reply_syntax_error(Call& call);
void reply_wrong_type(Call& call);
void reply_not_integer(Call& call);
// A container command (CLIENT, CONFIG, ...) got a subcommand it lacks, or a known one with the
// wrong arguments: Redis 7's two texts. `known` lists the subcommands, lower case.
void reply_subcommand_error(Call& call, std::initializer_list<std::string_view> known);
std::string lower_case(std::string_view text);
bool equals_ignore_case(std::string_view a, std::string_view b);

}  // namespace tern::node
