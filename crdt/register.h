#pragma once
// Register: the CRDT behind a string value, a hash field and a sorted-set member's score.
//
// It holds two kinds of items, each named by the Stamp of the operation that made it:
//  - bases: absolute writes (SET, HSET, ZADD: a value) and recorded deletes (DEL, HDEL, ZREM
//    that saw counter increments). A new base removes every base its origin had seen
//    (observed-remove); bases written concurrently all stay.
//  - counter entries: one per (region, group), the cumulative sums of that region's
//    increments made while it saw the base `group` as the winner. Entries are never reset
//    in place; a base records the entries it saw (`observed`), and only increments it did
//    not see are added on top of it.
// The visible value comes from the winner: the newest SET-kind base (add-wins: a write
// beats a concurrent delete), else the newest delete; plus every increment that no base
// observed (an increment any reset or delete saw stays subtracted, whichever wins). Integer sums wrap modulo 2^64 per entry and add up exactly in 128 bits; float
// sums are long doubles added in (region, group) order so every replica gets the same bits.
//
// Memory: the common case (one SET base, no counters) is stored inline as a stamp and the
// value; anything else moves into `Detail`.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/digest.h"
#include "crdt/int128.h"
#include "crdt/stamp.h"
#include "crdt/stamp_vector.h"

namespace tern::crdt {

struct CounterEntry {
  Stamp group;              // winner base its region saw when incrementing (zero: none)
  Stamp first;              // the increment that started this entry (see "slot" below)
  Stamp last;               // latest increment; its region is the entry's region
  std::int64_t int_sum = 0;
  long double float_sum = 0;

  [[nodiscard]] RegionId region() const { return last.region(); }
  // A slot is (region, group, first). `first` keeps a restarted entry apart from an old one
  // with the same region and group: after garbage collection drops a stable delete, a region
  // may increment in the same group again from zero, and an observation of the old entry
  // that a slower replica still holds must not subtract from the new one.
  [[nodiscard]] bool same_slot(const CounterEntry& other) const {
    return group == other.group && first == other.first && region() == other.region();
  }
  bool operator==(const CounterEntry&) const = default;
};

struct Base {
  Stamp stamp;
  bool deleted = false;
  std::string value;
  std::vector<CounterEntry> observed;
};

// What a register shows: absent, or a text (GET) with its numeric reading when it has one.
struct RegisterReading {
  bool present = false;
  std::string text;
};

class Register {
 public:
  Register() = default;
  Register(const Register& other);
  Register& operator=(const Register& other);
  Register(Register&&) noexcept = default;
  Register& operator=(Register&&) noexcept = default;
  ~Register() = default;

  // SET-kind write: removes the bases `context` covers, then adds this one.
  void assign(Stamp stamp, std::string value, std::vector<CounterEntry> observed,
              const StampVector& context);
  // Observed-remove. Bases `context` covers go; if the remover saw counter entries, a
  // delete base records them so those increments stay subtracted.
  void remove(Stamp stamp, std::vector<CounterEntry> observed, const StampVector& context);
  // Cumulative counter state of one slot; the later `last` wins.
  void increment(const CounterEntry& entry);
  // Expiry: every item stamped before `floor` dies, seen or not.
  void kill_before(Stamp floor);
  // State join. `mine_seen`/`other_seen` are the two replicas' applied vectors: an item
  // only one side holds survives unless the other side has seen it (and so removed it).
  void join(const Register& other, const StampVector& mine_seen, const StampVector& other_seen);
  // Drops what no future operation can make visible again; `stable` is what every region has
  // applied. Never changes `read()`.
  void collect_garbage(const StampVector& stable);

  [[nodiscard]] bool empty() const { return stamp_.is_zero() && !detail_; }
  [[nodiscard]] RegisterReading read() const;
  // The numeric value (INCR checks, sorted-set scores); nullopt if absent or not a number.
  [[nodiscard]] std::optional<long double> number() const;
  // For integer commands: nullopt if absent; error flag if present but not an int64.
  struct IntegerReading {
    bool present = false;
    bool is_integer = false;
    std::int64_t value = 0;
  };
  [[nodiscard]] IntegerReading integer() const;
  // The group an increment made now belongs to: the current winner's stamp.
  [[nodiscard]] Stamp winner_stamp() const;
  // The newest entry of `region` in `group`: the one an increment made there continues.
  [[nodiscard]] std::optional<CounterEntry> entry(RegionId region, Stamp group) const;
  // What a writer that replaces this register's bases records in `observed`: every counter
  // entry, and what the bases it replaces had observed of slots no longer held.
  [[nodiscard]] std::vector<CounterEntry> observations() const;
  [[nodiscard]] Stamp newest_live_stamp() const;
  void digest(Digest& digest) const;
  [[nodiscard]] std::size_t metadata_bytes() const;
  // Every item, for test failure messages.
  [[nodiscard]] std::string describe() const;

 private:
  struct Detail {
    std::vector<Base> bases;
    std::vector<CounterEntry> entries;  // sorted by (region, group)
  };
  struct Evaluation {
    bool present = false;
    bool has_contributions = false;
    bool float_touched = false;
    const Base* winner = nullptr;
    Int128 int_delta = 0;
    long double float_delta = 0;
  };

  Detail& unpack();
  static void remove_covered_bases(Detail& d, const StampVector& context);
  void repack();
  [[nodiscard]] Evaluation evaluate(const Base* inline_base) const;
  [[nodiscard]] static const Base* pick_winner(const std::vector<Base>& bases);

  Stamp stamp_;          // inline SET base; zero when absent or when detail_ is in use
  std::string value_;
  std::unique_ptr<Detail> detail_;
};

}  // namespace tern::crdt
