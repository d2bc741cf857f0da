#pragma once
// KeyState: everything one key holds, as a join-semilattice of stamped items.
//
// A key may hold payloads of several types at once, but only after concurrent writes of
// different types (in causal histories a type change always goes through SET or DEL, which
// remove what they saw). The visible type is the non-empty payload with the newest live
// item; the others stay hidden until a later write removes them (crdt/README.md, "Type
// conflicts").
//
// Lifetime: TTL entries are a multi-value register of absolute deadlines (the later of two
// concurrent deadlines wins, PERSIST is an infinite one). A kill mark records that a
// deadline D passed: every item stamped before D is dead, whether or not the region that
// expired the key had seen it, so a late increment cannot bring an expired key back.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crdt/digest.h"
#include "crdt/op.h"
#include "crdt/register.h"
#include "crdt/stamp.h"
#include "crdt/stamp_vector.h"

namespace tern::crdt {

enum class ValueType : std::uint8_t { kNone, kString, kHash, kSet, kSortedSet };

struct TtlEntry {
  Stamp stamp;
  std::uint64_t deadline_ms = kNoDeadline;
};

struct KillMark {
  Stamp stamp;  // the kExpired op, so the mark itself can be garbage-collected once stable
  std::uint64_t deadline_ms = 0;
};

// Set elements: the newest add stamp of each element, plus older concurrent add stamps (rare).
struct SetPayload {
  std::unordered_map<std::string, Stamp> newest;
  std::unordered_map<std::string, std::vector<Stamp>> older;
};

class KeyState {
 public:
  KeyState() = default;
  KeyState(const KeyState& other);
  KeyState& operator=(const KeyState& other);
  KeyState(KeyState&&) noexcept = default;
  KeyState& operator=(KeyState&&) noexcept = default;
  ~KeyState() = default;

  // Applies a key-scoped op (every kind but kFlushDatabase). `op.stamp` must be new here.
  void apply(const Op& op);
  // Removes everything `context` covers, recording `observed` counters (DEL, FLUSHDB).
  void remove_observed(Stamp stamp, const StampVector& context,
                       const std::vector<RegisterObservations>& observed);
  void join(const KeyState& other, const StampVector& mine_seen, const StampVector& other_seen);
  void collect_garbage(const StampVector& stable);

  [[nodiscard]] bool empty() const;
  [[nodiscard]] ValueType type() const;
  // The converged deadline (Unix ms), or nullopt for no TTL.
  [[nodiscard]] std::optional<std::uint64_t> deadline_ms() const;
  [[nodiscard]] bool expired_at(std::uint64_t now_unix_ms) const;

  [[nodiscard]] const Register& string_register() const { return string_; }
  [[nodiscard]] const Register* hash_field(const std::string& field) const;
  [[nodiscard]] const Register* sorted_set_member(const std::string& member) const;
  // The register as stored, present or not (a delete base may hold it): increments continue
  // its entries.
  [[nodiscard]] const Register* stored_register(RegisterTarget target, const std::string& path) const;
  [[nodiscard]] bool set_contains(const std::string& member) const;
  // Visible contents (tests, snapshots, SCAN dumps); sorted for determinism.
  [[nodiscard]] std::vector<std::pair<std::string, std::string>> hash_fields() const;
  [[nodiscard]] std::vector<std::string> set_members() const;
  [[nodiscard]] std::vector<std::pair<std::string, double>> sorted_set_members() const;
  // How many fields, members or elements of `type` are visible, counting no further than
  // `limit` (a removal only needs to know whether it takes the last one).
  [[nodiscard]] std::size_t count_members(ValueType type, std::size_t limit) const;
  // The counter entries of every register: what a DEL or SET issued here has observed.
  [[nodiscard]] std::vector<RegisterObservations> observe_counters() const;

  // Local access annotation for eviction: when the key was last read or written here and a
  // Redis-style logarithmic access counter (LFU). Not replicated, not merged, not in the
  // digest: each region evicts by its own clients' accesses. Mutable because reads touch it.
  void record_access(std::uint64_t now_ms, std::uint32_t lfu_log_factor, std::uint32_t lfu_decay_minutes,
                     std::uint64_t random_bits) const;
  [[nodiscard]] std::uint64_t last_access_ms() const { return std::uint64_t{access_seconds_} * 1000; }
  // The LFU counter after decay at `now_ms` (0..255), without changing it.
  [[nodiscard]] std::uint32_t access_frequency(std::uint64_t now_ms, std::uint32_t lfu_decay_minutes) const;

  void digest(Digest& digest) const;
  [[nodiscard]] std::size_t metadata_bytes() const;
  // Every item, for test failure messages.
  [[nodiscard]] std::string describe() const;

 private:
  struct Collections {
    std::unordered_map<std::string, Register> hash;
    SetPayload set;
    std::unordered_map<std::string, Register> sorted_set;
  };
  struct Lifetime {
    std::vector<TtlEntry> ttl;
    std::vector<KillMark> kills;
  };

  Collections& collections();
  Lifetime& lifetime();
  void remove_collections_observed(Stamp stamp, const StampVector& context,
                                   const std::vector<RegisterObservations>& observed);
  void record_observations_of_absent_registers(Stamp stamp, const StampVector& context,
                                               const std::vector<RegisterObservations>& observed);
  void drop_empty_parts();
  [[nodiscard]] Stamp kill_floor() const;
  void kill_before(Stamp floor);
  void set_ttl(Stamp stamp, std::uint64_t deadline_ms, const StampVector& context);
  Register* target_register(RegisterTarget target, const std::string& path, bool create);

  Register string_;
  std::unique_ptr<Collections> collections_;
  std::unique_ptr<Lifetime> lifetime_;
  mutable std::uint32_t access_seconds_ = 0;  // Unix seconds of the last access
  mutable std::uint8_t access_counter_ = 5;   // Redis's LFU_INIT_VAL: new keys are not evicted first
};

double score_from_register(const Register& reg);

}  // namespace tern::crdt
