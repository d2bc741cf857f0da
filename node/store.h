#pragma once
// Store: the node's data. It wraps the region's crdt::Replica (every write is an operation
// with this region's id and a dot, through the one apply path of crdt/) and adds what a
// cache node needs around it: a cached clock, lazy expiry on access (itself an operation),
// and the change log of ops this node emitted, which replication ships (issue 5/6); until
// then the log only counts them.
#include <cstdint>
#include <string>
#include <vector>

#include "crdt/replica.h"

namespace tern::node {

class Store {
 public:
  Store(crdt::RegionId region, std::uint32_t databases);

  [[nodiscard]] crdt::Replica& replica() { return replica_; }
  [[nodiscard]] const crdt::Replica& replica() const { return replica_; }
  [[nodiscard]] std::uint32_t databases() const { return replica_.keyspace().database_count(); }

  // Unix milliseconds, cached once per event-loop turn as Redis does.
  [[nodiscard]] std::uint64_t now_ms() const { return now_ms_; }
  void set_now_ms(std::uint64_t unix_ms) { now_ms_ = unix_ms; }

  // Whether this node may make ops of its own (expiry, eviction): always for a single node; in
  // a region, only the leader. Otherwise an expired key reads as absent and stays stored until
  // the leader's expiry arrives through the region log.
  [[nodiscard]] bool may_write() const { return may_write_; }
  void set_may_write(bool may) { may_write_ = may; }

  // The key's state, or nullptr when absent; a key whose deadline has passed is expired
  // here (lazy expiry, shipped as a kExpired op) and reads as absent.
  const crdt::KeyState* find(std::uint32_t db, std::string_view key);
  // Like find, without expiring (for commands that must not write, e.g. on a replica).
  [[nodiscard]] const crdt::KeyState* peek(std::uint32_t db, const std::string& key) const;

  // LFU tuning for the access annotation every lookup records (lfu-log-factor, lfu-decay-time).
  void set_access_tuning(std::uint32_t lfu_log_factor, std::uint32_t lfu_decay_minutes) {
    lfu_log_factor_ = lfu_log_factor;
    lfu_decay_minutes_ = lfu_decay_minutes;
  }

  // Ops the replica emitted since the last call: the keys a command modified (WATCH) and
  // what replication ships. Also counts expiries.
  // The returned vector is lent: give it back with recycle_ops() so its capacity is reused
  // (one command's ops would otherwise cost an allocation).
  std::vector<crdt::Op> take_ops();
  void recycle_ops(std::vector<crdt::Op> ops);
  [[nodiscard]] std::uint64_t expired_keys() const { return expired_keys_; }

  [[nodiscard]] std::size_t key_count(std::uint32_t db) const;
  [[nodiscard]] std::size_t volatile_key_count(std::uint32_t db) const;

 private:
  crdt::Replica replica_;
  std::uint64_t now_ms_ = 0;
  bool may_write_ = true;
  std::uint64_t expired_keys_ = 0;
  std::uint32_t lfu_log_factor_ = 10;
  std::uint32_t lfu_decay_minutes_ = 1;
  std::uint64_t access_random_ = 0x9e3779b97f4a7c15ULL;  // xorshift state for LFU increments
};

}  // namespace tern::node
