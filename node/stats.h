#pragma once
// Counters behind INFO (stats, commandstats, keyspace hits) with redis-server's meanings.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern::node {

struct CommandStats {
  std::uint64_t calls = 0;
  std::uint64_t usec = 0;
  std::uint64_t rejected_calls = 0;
  std::uint64_t failed_calls = 0;
};

struct Stats {
  std::uint64_t total_connections_received = 0;
  std::uint64_t rejected_connections = 0;
  std::uint64_t total_commands_processed = 0;
  std::uint64_t net_input_bytes = 0;
  std::uint64_t net_output_bytes = 0;
  std::uint64_t expired_keys = 0;
  std::uint64_t evicted_keys = 0;
  std::uint64_t keyspace_hits = 0;
  std::uint64_t keyspace_misses = 0;
  std::uint64_t pubsub_messages = 0;
  std::uint64_t total_error_replies = 0;
  std::uint64_t unexpected_error_replies = 0;
  std::uint64_t client_query_buffer_limit_disconnections = 0;
  std::uint64_t client_output_buffer_limit_disconnections = 0;
  std::uint64_t crdt_ops_emitted = 0;
  std::uint64_t crdt_ops_received = 0;  // applied from the region log
  std::uint64_t forwarded_writes = 0;   // sent to the region's leader by this follower
  std::uint64_t crdt_garbage_collections = 0;  // garbage-collection marks applied
  // By the spec's lower-case name (static storage): one hash of a short name per command.
  std::unordered_map<std::string_view, CommandStats> commands;
  std::map<std::string, std::uint64_t> error_replies;  // by error prefix (ERR, WRONGTYPE, ...)

  // instantaneous_ops_per_sec: a ring of samples taken by the server's timer.
  static constexpr int kSamples = 16;
  std::uint64_t sample_ops[kSamples] = {};
  std::uint64_t sample_ms[kSamples] = {};
  int sample_index = 0;
  std::uint64_t last_sample_ops = 0;
  std::uint64_t last_sample_ms = 0;

  void reset() {
    Stats fresh;
    fresh.sample_index = sample_index;
    *this = fresh;
  }
  void sample(std::uint64_t now_ms) {
    if (last_sample_ms != 0 && now_ms > last_sample_ms) {
      sample_ops[sample_index] = total_commands_processed - last_sample_ops;
      sample_ms[sample_index] = now_ms - last_sample_ms;
      sample_index = (sample_index + 1) % kSamples;
    }
    last_sample_ops = total_commands_processed;
    last_sample_ms = now_ms;
  }
  [[nodiscard]] std::uint64_t instantaneous_ops_per_sec() const {
    std::uint64_t ops = 0;
    std::uint64_t ms = 0;
    for (int i = 0; i < kSamples; ++i) {
      ops += sample_ops[i];
      ms += sample_ms[i];
    }
    return ms == 0 ? 0 : ops * 1000 / ms;
  }
};

}  // namespace tern::node
