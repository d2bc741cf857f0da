#pragma once
// Replica: one region's copy of the data and its clock, with the write commands that turn
// a Redis-level request into Ops. Each command validates first (WRONGTYPE, not an integer,
// overflow) and touches nothing on error; on success it applies its op(s) locally and
// appends them to the outbox for the replication layer to ship. Remote ops come in through
// `receive`. All time is passed in (`now_unix_ms`); nothing here reads a clock.
//
// Command-level rules that keep regions equal to Redis in causal histories:
//  - a write to a key whose deadline has passed first emits kExpired, so the write starts a
//    fresh key (and a late pre-deadline write elsewhere dies);
//  - a removal that empties a hash, set or sorted set is shipped as a key delete, so the key
//    disappears as in Redis and takes any hidden concurrent payload with it.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crdt/hybrid_logical_clock.h"
#include "crdt/keyspace.h"
#include "crdt/op.h"
#include "crdt/result.h"

namespace tern::crdt {

struct SetTtl {
  enum class Mode : std::uint8_t { kClear, kKeep, kDeadline };
  Mode mode = Mode::kClear;
  std::uint64_t deadline_ms = 0;  // absolute Unix ms, for kDeadline
};

class Replica {
 public:
  Replica(RegionId region, std::uint32_t databases = 16, std::uint64_t max_skew_ms = 500);
  // A replica that starts from a restored snapshot (a new or far-behind node): it takes the
  // keyspace as is, and its clock observes every stamp the keyspace has applied, so what it
  // writes next is stamped after everything it holds.
  Replica(RegionId region, Keyspace restored, std::uint64_t max_skew_ms = 500);

  [[nodiscard]] RegionId region() const { return clock_.region(); }
  [[nodiscard]] const Keyspace& keyspace() const { return keyspace_; }
  // Empties the keyspace for a rebuild (a region node whose state ran ahead of its log). The
  // clock keeps its reading, so no stamp is ever issued twice.
  void clear_keyspace() {
    keyspace_.clear();
    outbox_.clear();
  }
  // Replaces the keyspace with a restored snapshot (a region node far behind its leader's log,
  // or restarting from its own snapshot). The clock keeps its reading and observes every stamp
  // the snapshot has applied, so no stamp is ever issued twice or below what it holds.
  void restore_keyspace(Keyspace restored) {
    keyspace_ = std::move(restored);
    outbox_.clear();
    for (std::size_t r = 0; r < keyspace_.applied().size(); ++r) {
      clock_.observe(keyspace_.applied().at(RegionId{static_cast<std::uint8_t>(r)}));
    }
  }
  [[nodiscard]] const HybridLogicalClock& clock() const { return clock_; }

  // A remote op, delivered per the contract in keyspace.h. False for a duplicate.
  bool receive(const Op& op, std::uint64_t now_unix_ms);
  // A snapshot of another region's keyspace.
  void merge_snapshot(const Keyspace& other);
  void collect_garbage(const StampVector& stable) { keyspace_.collect_garbage(stable); }
  std::vector<Op> take_outbox();
  // Hands back an emptied vector from take_outbox, so the next ops reuse its capacity.
  void recycle_outbox(std::vector<Op> empty) {
    if (outbox_.empty() && empty.capacity() > outbox_.capacity()) outbox_.swap(empty);
  }

  // Reads: the key's state if it exists and has not expired at `now_unix_ms`.
  [[nodiscard]] const KeyState* lookup(std::uint32_t db, const std::string& key,
                                       std::uint64_t now_unix_ms) const;

  void set(std::uint32_t db, const std::string& key, std::string value, SetTtl ttl,
           std::uint64_t now_unix_ms);
  Result<std::int64_t> incr_by(std::uint32_t db, const std::string& key, std::int64_t delta,
                               std::uint64_t now_unix_ms);
  Result<std::string> incr_by_float(std::uint32_t db, const std::string& key, long double delta,
                                    std::uint64_t now_unix_ms);
  Result<bool> hset(std::uint32_t db, const std::string& key, const std::string& field,
                    std::string value, std::uint64_t now_unix_ms);
  Result<bool> hdel(std::uint32_t db, const std::string& key, const std::string& field,
                    std::uint64_t now_unix_ms);
  Result<std::int64_t> hincr_by(std::uint32_t db, const std::string& key, const std::string& field,
                                std::int64_t delta, std::uint64_t now_unix_ms);
  Result<std::string> hincr_by_float(std::uint32_t db, const std::string& key,
                                     const std::string& field, long double delta,
                                     std::uint64_t now_unix_ms);
  Result<bool> sadd(std::uint32_t db, const std::string& key, const std::string& member,
                    std::uint64_t now_unix_ms);
  Result<bool> srem(std::uint32_t db, const std::string& key, const std::string& member,
                    std::uint64_t now_unix_ms);
  Result<bool> zadd(std::uint32_t db, const std::string& key, const std::string& member,
                    double score, std::uint64_t now_unix_ms);
  Result<double> zincr_by(std::uint32_t db, const std::string& key, const std::string& member,
                          double delta, std::uint64_t now_unix_ms);
  Result<bool> zrem(std::uint32_t db, const std::string& key, const std::string& member,
                    std::uint64_t now_unix_ms);
  bool del(std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms);
  // EXPIREAT/PEXPIREAT semantics: a deadline not in the future deletes the key.
  bool expire_at(std::uint32_t db, const std::string& key, std::uint64_t deadline_ms,
                 std::uint64_t now_unix_ms);
  bool persist(std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms);
  void flush_database(std::uint32_t db, std::uint64_t now_unix_ms);
  // Active expiry: emits kExpired if the key's deadline has passed. True if it did.
  bool expire_if_due(std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms);

 private:
  Op new_op(OpKind kind, std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms);
  void commit(Op op);
  Op increment_op(OpKind kind, std::uint32_t db, const std::string& key, RegisterTarget target,
                  const std::string& path, std::uint64_t now_unix_ms);
  // Expires the key first if due; then returns its visible state or nullptr.
  const KeyState* prepare_write(std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms);
  Result<const KeyState*> prepare_typed_write(std::uint32_t db, const std::string& key,
                                              ValueType type, std::uint64_t now_unix_ms);
  Result<long double> add_float(std::uint32_t db, const std::string& key, RegisterTarget target,
                                const std::string& path, long double delta,
                                std::uint64_t now_unix_ms);
  Result<std::int64_t> add_integer(std::uint32_t db, const std::string& key, RegisterTarget target,
                                   const std::string& path, std::int64_t delta,
                                   std::uint64_t now_unix_ms);
  void remove_from_collection(std::uint32_t db, const std::string& key, const KeyState& state,
                              OpKind kind, RegisterTarget target, const std::string& path,
                              std::size_t visible_count, std::uint64_t now_unix_ms);

  HybridLogicalClock clock_;
  Keyspace keyspace_;
  std::vector<Op> outbox_;
};

}  // namespace tern::crdt
