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
//
// Memory: a plain string key is the string register (two words) and one null pointer;
// collections, TTL entries and kill marks live behind it in `Extras`, allocated only when
// present.
//
// type() and count_members() are O(1): each hash and sorted set keeps how many of its
// registers are present and the newest live stamp among them, updated as single registers
// change and recomputed by the operations that visit every register anyway (DEL, SET over a
// collection, expiry, join, garbage collection). The newest stamp only matters when two
// payloads are visible at once (a type conflict); a change that may have lowered it marks it
// unknown, and it is recomputed before the operation returns only if the key is then in
// conflict (see refresh_summaries).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crdt/digest.h"
#include "crdt/key_table.h"
#include "crdt/op.h"
#include "crdt/register.h"
#include "crdt/result.h"
#include "crdt/score_index.h"
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
// KeyTables, like the keyspace: one block per element holding its stamp and its bytes.
struct SetPayload {
  KeyTable<Stamp> newest;
  KeyTable<std::vector<Stamp>> older;
};

// A hash's fields or a sorted set's members, each with its register.
using RegisterMap = KeyTable<Register>;

class KeyState {
 public:
  KeyState() = default;
  // A key born as a counter: its string register's counter entry lives in `storage`, the
  // spare bytes of its KeyTable block (counter_storage_bytes() of them, 8-byte aligned).
  explicit KeyState(void* counter_storage) : string_(Register::EmbeddedStorage{counter_storage}) {}
  [[nodiscard]] static constexpr std::size_t counter_storage_bytes() {
    static_assert(alignof(PackedCounterEntry) <= 8);  // KeyTable aligns spare bytes to 8
    return sizeof(PackedCounterEntry);
  }
  KeyState(const KeyState& other);
  KeyState& operator=(const KeyState& other);
  KeyState(KeyState&&) noexcept = default;
  KeyState& operator=(KeyState&&) noexcept = default;
  ~KeyState() = default;

  // Applies a key-scoped op (every kind but kFlushDatabase). `op.stamp` must be new here.
  void apply(const Op& op) {
    if (!extras_) {
      // A plain string key (no collection, TTL or kill mark), and a SET that saw no counters
      // and sets no TTL, or an increment of the string: only the string register changes.
      if (op.kind == OpKind::kSetString && op.observed.empty() && op.deadline_ms == 0) {
        string_.assign(op.stamp, op.value, kNoObservations, op.context);
        return;
      }
      if ((op.kind == OpKind::kIncrement || op.kind == OpKind::kIncrementFloat) &&
          op.target == RegisterTarget::kString) {
        string_.increment(op.group, op.first.is_zero() ? op.stamp : op.first, op.stamp, op.int_sum,
                          op.float_sum);
        return;
      }
    }
    apply_general(op);
  }
  // Removes everything `context` covers, recording `observed` counters (DEL, FLUSHDB).
  void remove_observed(Stamp stamp, const StampVector& context,
                       const std::vector<RegisterObservations>& observed);
  void join(const KeyState& other, const StampVector& mine_seen, const StampVector& other_seen);
  void collect_garbage(const StampVector& stable);

  [[nodiscard]] bool empty() const {
    return string_.empty() && collections_or_null() == nullptr && !has_lifetime();
  }
  // O(1), from the maintained summaries.
  [[nodiscard]] ValueType type() const;
  // The definition, from every item (O(n)): tests hold type() to it.
  [[nodiscard]] ValueType type_by_scan() const;
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
  // The sorted set's present members in Redis order, for O(log n) rank queries; null when the
  // key has no collections. Kept up to date by single-member writes; an operation that visits
  // every member (DEL, SET, expiry, join) marks it stale and the next read rebuilds it.
  [[nodiscard]] const ScoreIndex* sorted_set_index() const;
  // One step of a cursor scan over the visible members of `type`'s payload, with
  // KeyTable::scan's cursor and guarantee: calls visit(member, register) (the register is null
  // for set elements) and returns the next cursor, 0 when done.
  template <typename Visit>
  std::uint64_t scan_members(ValueType type, std::uint64_t cursor, std::size_t count, Visit&& visit) const {
    const Collections* c = collections_or_null();
    if (c == nullptr) return 0;
    const auto registers = [&](std::string_view member, const Register& reg) {
      if (reg.present()) visit(member, &reg);
    };
    switch (type) {
      case ValueType::kHash: return c->hash.scan(cursor, count, registers);
      case ValueType::kSortedSet: return c->sorted_set.scan(cursor, count, registers);
      case ValueType::kSet:
        return c->set.newest.scan(cursor, count, [&](std::string_view member, Stamp) {
          visit(member, static_cast<const Register*>(nullptr));
        });
      case ValueType::kNone:
      case ValueType::kString: break;
    }
    return 0;
  }
  // How many fields, members or elements of `type` are visible, at most `limit`. O(1).
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

  // Every item of the key, for snapshots (crdt/snapshot_codec.h): the join-semilattice state,
  // not only what a read shows. Canonical: names in byte order, stamps increasing. The derived
  // summaries (type(), counts, the score index) and the local access annotation are not parts:
  // from_parts recomputes the first, and a restored key starts with a fresh annotation.
  struct NamedRegister {
    std::string name;  // the hash field or sorted-set member
    Register::Parts parts;
  };
  struct SetElement {
    std::string member;
    std::vector<Stamp> add_stamps;  // strictly increasing; the last is the newest
  };
  struct Parts {
    Register::Parts string;
    std::vector<NamedRegister> hash_fields;
    std::vector<NamedRegister> sorted_set_members;
    std::vector<SetElement> set_elements;
    std::vector<TtlEntry> ttl;
    std::vector<KillMark> kills;
  };
  [[nodiscard]] Parts export_parts() const;
  // The first invariant `parts` breaks, in words (static text), or empty. Beyond each
  // register's own (Register::first_broken_rule): names strictly increasing (so none twice);
  // no empty hash or sorted-set register and no set element without an add stamp (operations
  // erase those); nonzero stamps and deadlines on TTL entries and kill marks; no empty key;
  // every item a replica holds covered by its `applied` vector (it holds only what it applied);
  // and no item but a kill mark stamped before the kill floor (a kill removes those at once).
  [[nodiscard]] static std::string_view first_broken_rule(const Parts& parts,
                                                          const StampVector& applied);
  // The key holding exactly `parts`, built as the operations build it and with its summaries
  // recomputed; kMalformed when first_broken_rule finds something.
  static Result<KeyState> from_parts(Parts parts, const StampVector& applied);

  void digest(Digest& digest) const;
  [[nodiscard]] std::size_t metadata_bytes() const;
  // Every item, for test failure messages.
  [[nodiscard]] std::string describe() const;

 private:
  // What type() and count_members() need of a hash's fields or a sorted set's members: how
  // many registers are present, and the newest live stamp among them (exact while
  // `newest_known`).
  struct MemberSummary {
    std::size_t present = 0;
    Stamp newest;
    bool newest_known = true;
  };
  struct Collections {
    RegisterMap hash;
    SetPayload set;
    RegisterMap sorted_set;
    MemberSummary hash_summary;
    MemberSummary sorted_set_summary;
    Stamp set_newest;  // the newest stamp in set.newest, exact while set_newest_known
    bool set_newest_known = true;
    // Derived from sorted_set (never merged or digested); rebuilt on read when stale.
    mutable ScoreIndex sorted_index;
    mutable bool sorted_index_stale = false;
  };
  // A sorted-set member's visible score before a single-register change (see
  // update_sorted_index).
  struct ScoreBefore {
    bool tracked = false;  // a sorted-set member, and the index is current
    bool present = false;
    double score = 0;
  };
  struct Extras {
    std::unique_ptr<Collections> collections;
    std::vector<TtlEntry> ttl;
    std::vector<KillMark> kills;
  };

  [[nodiscard]] Collections* collections_or_null() const {
    return extras_ ? extras_->collections.get() : nullptr;
  }
  [[nodiscard]] bool has_lifetime() const {
    return extras_ && (!extras_->ttl.empty() || !extras_->kills.empty());
  }
  Collections& collections();
  Extras& extras();
  void remove_collections_observed(Stamp stamp, const StampVector& context,
                                   const std::vector<RegisterObservations>& observed);
  void record_observations_of_absent_registers(Stamp stamp, const StampVector& context,
                                               const std::vector<RegisterObservations>& observed);
  [[gnu::noinline]] void apply_general(const Op& op);
  static inline const std::vector<CounterEntry> kNoObservations;
  void drop_empty_parts();
  [[nodiscard]] Stamp kill_floor() const {
    return extras_ && !extras_->kills.empty() ? kill_floor_of_marks() : Stamp{};
  }
  [[nodiscard]] Stamp kill_floor_of_marks() const;
  void kill_before(Stamp floor);
  void set_ttl(Stamp stamp, std::uint64_t deadline_ms, const StampVector& context);
  Register* target_register(RegisterTarget target, const std::string& path, bool create);
  MemberSummary* summary_of(RegisterTarget target);
  void store_set_element(const std::string& member, const std::vector<Stamp>& before,
                         std::vector<Stamp> stamps);
  void recompute_summaries();
  [[nodiscard]] ScoreBefore score_before(RegisterTarget target, const Register& reg) const;
  void update_sorted_index(const ScoreBefore& before, const std::string& member, const Register& reg);
  void mark_sorted_index_stale() {
    if (Collections* c = collections_or_null()) c->sorted_index_stale = true;
  }
  void refresh_summaries() {
    if (collections_or_null() != nullptr) refresh_conflict_summaries();
  }
  void refresh_conflict_summaries();

  Register string_;
  std::unique_ptr<Extras> extras_;
  mutable std::uint32_t access_seconds_ = 0;  // Unix seconds of the last access
  mutable std::uint8_t access_counter_ = 5;   // Redis's LFU_INIT_VAL: new keys are not evicted first
};

double score_from_register(const Register& reg);

}  // namespace tern::crdt
