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
// Memory: a Register is two words. The common case (one SET base, no counters) is stored
// inline: the stamp, and one word that holds the value itself when it has at most 7 bytes,
// else a heap buffer sized to the value (its length in the word's top 16 bits, so replacing
// a value by one of the same allocation size writes in place without reading the buffer).
// Anything else moves into `Detail`, and the second word points to it instead. A key born as a
// counter keeps its string register's one counter entry inside the key's own block
// (Keyspace::apply, KeyTable::try_emplace_with_spare): no allocation of its own, and an
// increment touches one block. The first change that needs more than that one entry moves the
// register to a Detail (the block's entry storage then goes unused). digest() encodes every
// form of the same items alike.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/digest.h"
#include "crdt/inline_vector.h"
#include "crdt/int128.h"
#include "crdt/mutant.h"
#include "crdt/result.h"
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

// A counter entry as a key's block keeps it (Register::EmbeddedStorage): CounterEntry's fields
// at 8-byte alignment, the float sum as its bytes rather than a 16-byte-aligned long double,
// so that it follows the key's bytes without padding.
struct PackedCounterEntry {
  Stamp group;
  Stamp first;
  Stamp last;  // zero: no entry
  std::int64_t int_sum = 0;
  unsigned char float_sum[sizeof(long double)] = {};

  [[nodiscard]] CounterEntry unpacked() const {
    CounterEntry out{group, first, last, int_sum, 0};
    std::memcpy(&out.float_sum, float_sum, sizeof float_sum);
    return out;
  }
  // The float sum is copied as bytes from where the caller holds it (an Op), never through a
  // freshly stored long double, whose 10-byte store a 16-byte load could not forward from.
  void store_sums(Stamp new_last, std::int64_t new_int_sum, const long double& new_float_sum) {
    last = new_last;
    int_sum = new_int_sum;
    std::memcpy(float_sum, &new_float_sum, sizeof float_sum);
  }
};
static_assert(sizeof(PackedCounterEntry) == 48 && alignof(PackedCounterEntry) == 8);

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
  // Storage for an embedded counter entry: sizeof(PackedCounterEntry) bytes, 8-byte aligned,
  // which outlive the register and never move (the KeyTable block holding the register).
  struct EmbeddedStorage {
    void* bytes = nullptr;
  };

  Register() = default;
  explicit Register(EmbeddedStorage storage);
  Register(const Register& other);
  Register& operator=(const Register& other);
  // Moving a register whose counter entry is embedded copies the entry out (the storage stays
  // with its block); only registers in keyspace blocks have one, and those are never moved.
  Register(Register&& other) noexcept;
  Register& operator=(Register&& other) noexcept;
  ~Register() { release(); }

  // SET-kind write: removes the bases `context` covers, then adds this one.
  void assign(Stamp stamp, std::string_view value, const std::vector<CounterEntry>& observed,
              const StampVector& context) {
    if (inline_form() && observed.empty() && (stamp_.is_zero() || context.covers(stamp_))) {
      set_value(value);  // hot path: a plain SET over a plain value it had seen
      stamp_ = stamp;
      return;
    }
    add_base(stamp, value, observed, context);
  }
  // Observed-remove. Bases `context` covers go; if the remover saw counter entries, a
  // delete base records them so those increments stay subtracted.
  void remove(Stamp stamp, const std::vector<CounterEntry>& observed, const StampVector& context);
  // Cumulative counter state of one slot; the later `last` wins.
  void increment(const CounterEntry& entry) {
    increment(entry.group, entry.first, entry.last, entry.int_sum, entry.float_sum);
  }
  // The same from an entry's fields (an Op's: no CounterEntry is built on the hot path).
  void increment(Stamp group, Stamp first, Stamp last, std::int64_t int_sum,
                 const long double& float_sum) {
    if constexpr (kMutant != Mutant::kFloatsInArrivalOrder) {
      // The common case: the register's one entry continues (or a born counter's first).
      if (PackedCounterEntry* packed = embedded_entry()) {
        if (packed->last.is_zero()) {
          packed->group = group;
          packed->first = first;
          packed->store_sums(last, int_sum, float_sum);
          return;
        }
        if (packed->group == group && packed->first == first && packed->last.region() == last.region()) {
          if (last > packed->last) packed->store_sums(last, int_sum, float_sum);
          return;
        }
      } else if (Detail* d = detail(); d != nullptr && d->entries.size() == 1) {
        CounterEntry& held = d->entries[0];
        if (held.group == group && held.first == first && held.region() == last.region()) {
          if (last > held.last) {  // same slot: group and first are equal already
            held.last = last;
            held.int_sum = int_sum;
            held.float_sum = float_sum;
          }
          return;
        }
      }
    }
    add_entry(CounterEntry{group, first, last, int_sum, float_sum});
  }
  // Expiry: every item stamped before `floor` dies, seen or not.
  void kill_before(Stamp floor);
  // State join. `mine_seen`/`other_seen` are the two replicas' applied vectors: an item
  // only one side holds survives unless the other side has seen it (and so removed it).
  void join(const Register& other, const StampVector& mine_seen, const StampVector& other_seen);
  // Drops what no future operation can make visible again; `stable` is what every region has
  // applied. Never changes `read()`.
  void collect_garbage(const StampVector& stable);

  [[nodiscard]] bool empty() const {
    if (!stamp_.is_zero()) return false;
    if (const PackedCounterEntry* e = embedded_entry()) return e->last.is_zero();
    const Detail* d = detail();
    return d == nullptr || (d->entries.empty() && d->bases.empty());
  }
  // read().present, without building the text.
  [[nodiscard]] bool present() const;
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

  // Every item of the register, for snapshots (crdt/snapshot_codec.h). Canonical whatever the
  // storage form: bases by stamp, entries and each base's observations by slot (region, group,
  // first), the order digest() feeds them in.
  struct Parts {
    std::vector<Base> bases;
    std::vector<CounterEntry> entries;
  };
  [[nodiscard]] Parts export_parts() const;
  // The first invariant `parts` breaks, in words (static text); empty when it keeps every one
  // the register's operations assume: nonzero base stamps in strictly increasing order, no
  // value on a delete base, entries and observations with a nonzero `last` in strictly
  // increasing slot order (so no slot twice), and entries with a nonzero `first`. Empty parts
  // are an empty register.
  [[nodiscard]] static std::string_view first_broken_rule(const Parts& parts);
  // The register holding exactly `parts`, in the form the operations would have left it
  // (inline when a lone plain base); kMalformed when first_broken_rule finds something.
  static Result<Register> from_parts(Parts parts);

  void digest(Digest& digest) const;
  [[nodiscard]] std::size_t metadata_bytes() const;
  // Every item, for test failure messages.
  [[nodiscard]] std::string describe() const;

 private:
  struct Detail {
    // [[no_unique_address]]: `bases` starts in the tail padding after the entry counts, so a
    // Detail is 80 bytes rather than 96.
    [[no_unique_address]] InlineVector<CounterEntry, 1> entries;  // sorted by (region, group, first)
    std::vector<Base> bases;
  };
  static const std::vector<Base>& no_bases() {
    static const std::vector<Base> kNone;
    return kNone;
  }
  struct Evaluation {
    bool present = false;
    bool has_contributions = false;
    bool float_touched = false;
    const Base* winner = nullptr;
    Int128 int_delta = 0;
    long double float_delta = 0;
  };

  // word_: 0 (no value, or the empty value), else by its low two bits
  //   00  a heap buffer holding the value; bits 48..63 its length, 0xFFFF for a length
  //       >= 0xFFFF (then the buffer starts with the length as a uint64)
  //   01  the value itself: length in bits 2..4 of the low byte, bytes 1..7 the characters
  //   10  a Detail it owns (the value, if any, is in its bases)
  //   11  a counter entry in storage it does not own (EmbeddedStorage): the register holds that
  //       entry and nothing else, or nothing while the entry's `last` is zero
  static constexpr std::uint64_t kPointerMask = (1ULL << 48) - 1;
  static constexpr std::size_t kLongValue = 0xFFFF;  // length field of a value storing its length
  static constexpr std::size_t kMaxInlineValue = 7;
  // The bytes a value buffer of `length` gets: all that malloc's size class holds anyway
  // (glibc: 16-byte steps with an 8-byte header, at least 24 usable), so that a value replaced
  // by one of a nearby length is overwritten in place.
  static constexpr std::size_t buffer_capacity(std::size_t length) {
    const std::size_t usable = ((length + 8 + 15) & ~std::size_t{15}) - 8;
    return usable < 24 ? 24 : usable;
  }
  static constexpr std::uint64_t kKindMask = 3;
  static constexpr std::uint64_t kInlineKind = 1;
  static constexpr std::uint64_t kDetailKind = 2;
  static constexpr std::uint64_t kEmbeddedEntryKind = 3;

  // Inline form: no Detail and no embedded entry (the value, if any, is the word's).
  [[nodiscard]] bool inline_form() const { return (word_ & kDetailKind) == 0; }
  [[nodiscard]] Detail* detail() const {
    return (word_ & kKindMask) == kDetailKind ? reinterpret_cast<Detail*>(word_ & ~kKindMask) : nullptr;
  }
  [[nodiscard]] PackedCounterEntry* embedded_entry() const {
    return (word_ & kKindMask) == kEmbeddedEntryKind
               ? reinterpret_cast<PackedCounterEntry*>(word_ & ~kKindMask)
               : nullptr;
  }
  // The entries of a register not in inline form: its Detail's, or the embedded entry alone
  // (unpacked into the list itself, which may be copied).
  class EntryList {
   public:
    explicit EntryList(std::span<const CounterEntry> held) : held_(held) {}
    explicit EntryList(const PackedCounterEntry& packed) : own_(packed.unpacked()), owned_(true) {}
    [[nodiscard]] const CounterEntry* begin() const { return owned_ ? &own_ : held_.data(); }
    [[nodiscard]] const CounterEntry* end() const { return owned_ ? &own_ + 1 : held_.data() + held_.size(); }
    [[nodiscard]] std::span<const CounterEntry> span() const { return {begin(), end()}; }

   private:
    std::span<const CounterEntry> held_;
    CounterEntry own_{};
    bool owned_ = false;
  };
  [[nodiscard]] EntryList entry_list() const;
  [[nodiscard]] const std::vector<Base>& base_list() const;
  void take(Register&& other) noexcept;
  [[nodiscard]] std::string_view value() const;  // the inline base's value (no Detail)
  // Replaces the inline base's value (no Detail): in place when the buffer it has is of the
  // same size class (a SET over a value of similar length), else through replace_value.
  void set_value(std::string_view value) {
    const std::size_t length = value.size();
    if (length < kLongValue && length > kMaxInlineValue && word_ != 0 && (word_ & kKindMask) == 0) {
      const std::size_t held = word_ >> 48;
      if (held != kLongValue && buffer_capacity(held) == buffer_capacity(length)) {
        char* buffer = reinterpret_cast<char*>(word_ & kPointerMask);
        if (length <= 16) {
          // Both halves are loaded before either is stored, so `value` may overlap the buffer.
          std::uint64_t head;
          std::uint64_t tail;
          std::memcpy(&head, value.data(), 8);
          std::memcpy(&tail, value.data() + length - 8, 8);
          std::memcpy(buffer, &head, 8);
          std::memcpy(buffer + length - 8, &tail, 8);
        } else {
          std::memmove(buffer, value.data(), length);
        }
        word_ = (word_ & kPointerMask) | (static_cast<std::uint64_t>(length) << 48);
        return;
      }
    }
    replace_value(value);
  }
  [[gnu::noinline]] void replace_value(std::string_view value);  // set_value in a new buffer
  void release();

  Detail& unpack();
  [[gnu::noinline]] void add_entry(const CounterEntry& entry);
  [[gnu::noinline]] void add_base(Stamp stamp, std::string_view value,
                                  const std::vector<CounterEntry>& observed, const StampVector& context);
  static void remove_covered_bases(Detail& d, const StampVector& context);
  void repack();
  [[nodiscard]] Evaluation evaluate() const;  // not in inline form
  [[nodiscard]] static const Base* pick_winner(const std::vector<Base>& bases);

  Stamp stamp_;  // inline SET base; zero when absent or not in inline form
  std::uint64_t word_ = 0;
};

}  // namespace tern::crdt
