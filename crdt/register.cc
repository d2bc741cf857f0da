#include "crdt/register.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>

#include "crdt/mutant.h"
#include "crdt/number_text.h"

namespace tern::crdt {
namespace {

static_assert(std::endian::native == std::endian::little,
              "Register keeps short values in the bytes above its tag byte");


bool entry_order(const CounterEntry& a, const CounterEntry& b) {
  if (a.region() != b.region()) return a.region() < b.region();
  if (a.group != b.group) return a.group < b.group;
  return a.first < b.first;
}

const CounterEntry* find_slot(std::span<const CounterEntry> entries, const CounterEntry& slot) {
  for (const auto& e : entries) {
    if (e.same_slot(slot)) return &e;
  }
  return nullptr;
}

// The furthest any base saw of `slot`: an increment that any reset or delete observed is
// subtracted, whichever base wins (the union rule of crdt/README.md, "Counters").
const CounterEntry* observation_of(const std::vector<Base>& bases, const CounterEntry& slot) {
  const CounterEntry* furthest = nullptr;
  for (const auto& b : bases) {
    const CounterEntry* seen = find_slot(b.observed, slot);
    if (seen != nullptr && (furthest == nullptr || seen->last > furthest->last)) furthest = seen;
  }
  return furthest;
}

bool has_stamp(const std::vector<Base>& bases, Stamp stamp) {
  return std::any_of(bases.begin(), bases.end(), [&](const Base& b) { return b.stamp == stamp; });
}

}  // namespace

Register::Register(EmbeddedStorage storage)
    : word_(reinterpret_cast<std::uintptr_t>(::new (storage.bytes) PackedCounterEntry{}) |
            kEmbeddedEntryKind) {}

Register::Register(const Register& other) : stamp_(other.stamp_) {
  if (const Detail* d = other.detail()) {
    word_ = reinterpret_cast<std::uintptr_t>(new Detail(*d)) | kDetailKind;
  } else if (const PackedCounterEntry* e = other.embedded_entry()) {
    // The copy owns its storage: the entry goes into a Detail (nothing if there is none).
    if (!e->last.is_zero()) unpack().entries.push_back(e->unpacked());
  } else if ((other.word_ & kKindMask) == kInlineKind) {
    word_ = other.word_;
  } else {
    set_value(other.value());
  }
}

Register::Register(Register&& other) noexcept { take(std::move(other)); }

void Register::take(Register&& other) noexcept {
  if (other.embedded_entry() != nullptr) {
    // The storage belongs to other's block. (Unreachable in the keyspace; a failed
    // allocation here terminates, as in any noexcept move.)
    Register copy(other);
    stamp_ = copy.stamp_;
    word_ = copy.word_;
    copy.stamp_ = Stamp{};
    copy.word_ = 0;
    return;
  }
  stamp_ = other.stamp_;
  word_ = other.word_;
  other.stamp_ = Stamp{};
  other.word_ = 0;
}

Register& Register::operator=(const Register& other) {
  if (this != &other) {
    Register copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Register& Register::operator=(Register&& other) noexcept {
  if (this != &other) {
    release();
    take(std::move(other));
  }
  return *this;
}

void Register::release() {
  if (Detail* d = detail()) {
    delete d;
  } else if (word_ != 0 && (word_ & kKindMask) == 0) {
    ::operator delete(reinterpret_cast<void*>(word_ & kPointerMask));
  }
  word_ = 0;
}

Register::EntryList Register::entry_list() const {
  if (const Detail* d = detail()) return EntryList({d->entries.begin(), d->entries.end()});
  if (const PackedCounterEntry* e = embedded_entry(); e != nullptr && !e->last.is_zero()) {
    return EntryList(*e);
  }
  return EntryList(std::span<const CounterEntry>{});
}

const std::vector<Base>& Register::base_list() const {
  const Detail* d = detail();
  return d != nullptr ? d->bases : no_bases();
}

std::string_view Register::value() const {
  if (word_ == 0 || !inline_form()) return {};
  if ((word_ & kKindMask) == kInlineKind) {
    return {reinterpret_cast<const char*>(&word_) + 1, static_cast<std::size_t>((word_ >> 2) & 7)};
  }
  const char* buffer = reinterpret_cast<const char*>(word_ & kPointerMask);
  std::size_t length = word_ >> 48;
  if (length == kLongValue) {
    std::uint64_t long_length;
    std::memcpy(&long_length, buffer, sizeof long_length);
    length = static_cast<std::size_t>(long_length);
    buffer += sizeof long_length;
  }
  return {buffer, length};
}

void Register::replace_value(std::string_view value) {
  const std::size_t length = value.size();
  std::uint64_t word = 0;
  if (length == 0) {
    word = 0;
  } else if (length <= kMaxInlineValue) {
    word = kInlineKind | (static_cast<std::uint64_t>(length) << 2);
    std::memcpy(reinterpret_cast<char*>(&word) + 1, value.data(), length);
  } else {
    const bool long_value = length >= kLongValue;
    const std::size_t bytes = long_value ? sizeof(std::uint64_t) + length : buffer_capacity(length);
    char* buffer = static_cast<char*>(::operator new(bytes));
    const auto address = reinterpret_cast<std::uintptr_t>(buffer);
    if ((address & ~kPointerMask) != 0) {
      ::operator delete(buffer);
      throw std::bad_alloc();  // an address beyond 48 bits cannot be packed with its length
    }
    if (long_value) {
      const std::uint64_t long_length = length;
      std::memcpy(buffer, &long_length, sizeof long_length);
      std::memcpy(buffer + sizeof long_length, value.data(), length);
      word = address | (static_cast<std::uint64_t>(kLongValue) << 48);
    } else {
      std::memcpy(buffer, value.data(), length);
      word = address | (static_cast<std::uint64_t>(length) << 48);
    }
  }
  release();
  word_ = word;
}

Register::Detail& Register::unpack() {
  if (Detail* d = detail()) return *d;
  auto fresh = std::make_unique<Detail>();
  if (const PackedCounterEntry* e = embedded_entry()) {
    if (!e->last.is_zero()) fresh->entries.push_back(e->unpacked());  // the block's storage goes unused
    word_ = 0;
  }
  if (!stamp_.is_zero()) fresh->bases.push_back(Base{stamp_, false, std::string(value()), {}});
  release();
  stamp_ = Stamp{};
  Detail* d = fresh.release();
  word_ = reinterpret_cast<std::uintptr_t>(d) | kDetailKind;
  return *d;
}

void Register::repack() {
  Detail* d = detail();
  if (d == nullptr) return;
  if (!d->entries.empty() || d->bases.size() > 1) return;
  if (d->bases.empty()) {
    release();
    return;
  }
  const Base& only = d->bases.front();
  if (only.deleted || !only.observed.empty()) return;
  Register inline_form;
  inline_form.set_value(only.value);
  inline_form.stamp_ = only.stamp;
  *this = std::move(inline_form);
}

// A write that replaces a base has seen everything that base saw, so the increments the
// replaced base had observed in full stay subtracted: they are dropped with it. (The writer's
// own record of them may be gone: its region may already have garbage-collected them.)
void Register::remove_covered_bases(Detail& d, const StampVector& context) {
  for (const auto& b : d.bases) {
    if (!context.covers(b.stamp) || b.observed.empty()) continue;
    d.entries.erase_if([&](const CounterEntry& e) {
      const CounterEntry* seen = find_slot(b.observed, e);
      return seen != nullptr && e.last <= seen->last;
    });
  }
  std::erase_if(d.bases, [&](const Base& b) { return context.covers(b.stamp); });
}

void Register::add_base(Stamp stamp, std::string_view value, const std::vector<CounterEntry>& observed,
                        const StampVector& context) {
  auto& d = unpack();
  remove_covered_bases(d, context);
  d.bases.push_back(Base{stamp, false, std::string(value), observed});
  repack();
}

void Register::remove(Stamp stamp, const std::vector<CounterEntry>& observed,
                      const StampVector& context) {
  // An embedded entry alone: no base to remove, so only a recorded delete changes anything.
  if (embedded_entry() != nullptr && observed.empty()) return;
  if (inline_form()) {
    if (!stamp_.is_zero() && context.covers(stamp_)) {
      stamp_ = Stamp{};
      release();
    }
    if (observed.empty()) return;
  }
  auto& d = unpack();
  remove_covered_bases(d, context);
  if (!observed.empty()) d.bases.push_back(Base{stamp, true, {}, observed});
  repack();
}

void Register::add_entry(const CounterEntry& entry) {
  auto& d = unpack();
  if constexpr (kMutant == Mutant::kFloatsInArrivalOrder) {
    for (auto& e : d.entries) {
      if (e.same_slot(entry)) {
        if (entry.last > e.last) e = entry;
        return;
      }
    }
    d.entries.push_back(entry);
    return;
  }
  auto it = std::lower_bound(d.entries.begin(), d.entries.end(), entry, entry_order);
  if (it != d.entries.end() && it->same_slot(entry)) {
    if (entry.last > it->last) *it = entry;
  } else {
    d.entries.insert(it, entry);
  }
}

void Register::kill_before(Stamp floor) {
  if (PackedCounterEntry* e = embedded_entry()) {
    if (!e->last.is_zero() && e->last < floor) *e = PackedCounterEntry{};
    return;
  }
  Detail* d = detail();
  if (d == nullptr) {
    if (!stamp_.is_zero() && stamp_ < floor) {
      stamp_ = Stamp{};
      release();
    }
    return;
  }
  std::erase_if(d->bases, [&](const Base& b) { return b.stamp < floor; });
  d->entries.erase_if([&](const CounterEntry& e) { return e.last < floor; });
  repack();
}

void Register::join(const Register& other, const StampVector& mine_seen,
                    const StampVector& other_seen) {
  Register incoming = other;
  auto& theirs = incoming.unpack();
  auto& d = unpack();
  // Bases are immutable, so the same stamp means the same base, except that garbage
  // collection may have trimmed observations of entries gone for good on one side: the
  // intersection is what both still need (the trimmed entries are dropped by this join too).
  std::vector<Base> bases;
  for (auto& b : d.bases) {
    const auto twin = std::find_if(theirs.bases.begin(), theirs.bases.end(),
                                   [&](const Base& t) { return t.stamp == b.stamp; });
    if (twin != theirs.bases.end()) {
      std::erase_if(b.observed, [&](const CounterEntry& o) { return find_slot(twin->observed, o) == nullptr; });
      bases.push_back(std::move(b));
    } else if (!other_seen.covers(b.stamp)) {
      bases.push_back(std::move(b));
    }
  }
  for (auto& b : theirs.bases) {
    if (!has_stamp(bases, b.stamp) && !mine_seen.covers(b.stamp)) bases.push_back(std::move(b));
  }
  std::vector<CounterEntry> entries;
  for (const auto& e : d.entries) {
    const CounterEntry* t = find_slot(theirs.entries, e);
    if (t != nullptr) {
      entries.push_back(t->last > e.last ? *t : e);
    } else if (!other_seen.covers(e.last)) {
      entries.push_back(e);
    }
  }
  for (const auto& e : theirs.entries) {
    if (find_slot(d.entries, e) == nullptr && !mine_seen.covers(e.last)) entries.push_back(e);
  }
  std::sort(entries.begin(), entries.end(), entry_order);
  d.bases = std::move(bases);
  d.entries = std::move(entries);
  repack();
}

const Base* Register::pick_winner(const std::vector<Base>& bases) {
  const Base* winner = nullptr;
  for (const auto& b : bases) {
    if (winner == nullptr) {
      winner = &b;
    } else if (winner->deleted != b.deleted) {
      if (winner->deleted) winner = &b;  // add-wins: a SET beats a concurrent delete
    } else if (kMutant == Mutant::kNoRegionTieBreak
                   ? (b.stamp.bits() >> kRegionBits) > (winner->stamp.bits() >> kRegionBits)
                   : b.stamp > winner->stamp) {
      winner = &b;
    }
  }
  return winner;
}

// Not in inline form (that is a lone SET base).
Register::Evaluation Register::evaluate() const {
  Evaluation out;
  const std::vector<Base>& bases = base_list();
  out.winner = pick_winner(bases);
  for (const auto& e : entry_list()) {
    const CounterEntry* seen = observation_of(bases, e);
    if (seen != nullptr && e.last <= seen->last) continue;  // fully observed by the winner
    out.present = true;
    const std::uint64_t before = seen != nullptr ? static_cast<std::uint64_t>(seen->int_sum) : 0;
    out.int_delta += static_cast<std::int64_t>(static_cast<std::uint64_t>(e.int_sum) - before);
    const long double float_before = seen != nullptr ? seen->float_sum : 0.0L;
    if (e.float_sum != float_before) out.float_touched = true;
    out.float_delta += e.float_sum - float_before;
    out.has_contributions = true;
  }
  if (out.winner != nullptr && !out.winner->deleted) out.present = true;
  return out;
}

bool Register::present() const {
  if (inline_form()) return !stamp_.is_zero();
  const std::vector<Base>& bases = base_list();
  const Base* winner = pick_winner(bases);
  if (winner != nullptr && !winner->deleted) return true;
  const auto entries = entry_list();
  return std::any_of(entries.begin(), entries.end(), [&](const CounterEntry& e) {
    const CounterEntry* seen = observation_of(bases, e);
    return seen == nullptr || e.last > seen->last;  // an increment no base fully observed
  });
}

RegisterReading Register::read() const {
  if (inline_form()) {
    if (stamp_.is_zero()) return {};
    return {true, std::string(value())};
  }
  const Evaluation ev = evaluate();
  RegisterReading out;
  if (!ev.present) return out;
  out.present = true;
  const bool has_base_value = ev.winner != nullptr && !ev.winner->deleted;
  const std::string_view base_text = has_base_value ? std::string_view(ev.winner->value) : "";
  if (!ev.has_contributions || (ev.int_delta == 0 && !ev.float_touched)) {
    out.text = has_base_value ? std::string(base_text) : "0";
    return out;
  }
  if (!ev.float_touched) {
    std::optional<std::int64_t> base = has_base_value ? parse_int64(base_text) : std::optional<std::int64_t>(0);
    if (base) {
      // Modulo 2^64: exact whenever the true value fits an int64, which every region checks
      // before it increments. Only concurrent increments that together leave the int64
      // range wrap (deterministically, alike everywhere): crdt/README.md, "Counters".
      const auto wrapped = static_cast<std::int64_t>(static_cast<std::uint64_t>(*base) +
                                                     static_cast<std::uint64_t>(ev.int_delta));
      out.text = std::to_string(wrapped);
      return out;
    }
  }
  std::optional<long double> base = has_base_value ? parse_long_double(base_text) : std::optional<long double>(0.0L);
  if (!base) {
    out.text = std::string(base_text);  // a non-numeric base hides increments it did not see
    return out;
  }
  const long double total = *base + static_cast<long double>(ev.int_delta) + ev.float_delta;
  auto text = format_long_double(total);
  out.text = text ? *text : std::string(base_text);
  return out;
}

std::optional<long double> Register::number() const {
  const RegisterReading r = read();
  if (!r.present) return std::nullopt;
  return parse_long_double(r.text);
}

Register::IntegerReading Register::integer() const {
  const RegisterReading r = read();
  IntegerReading out;
  out.present = r.present;
  if (!r.present) return out;
  if (auto v = parse_int64(r.text)) {
    out.is_integer = true;
    out.value = *v;
  }
  return out;
}

Stamp Register::winner_stamp() const {
  if (inline_form()) return stamp_;
  const Base* w = pick_winner(base_list());
  return w != nullptr ? w->stamp : Stamp{};
}

std::optional<CounterEntry> Register::entry(RegionId region, Stamp group) const {
  if (inline_form()) return std::nullopt;
  std::optional<CounterEntry> newest;
  for (const auto& e : entry_list()) {
    if (e.region() == region && e.group == group && (!newest || e.last > newest->last)) newest = e;
  }
  return newest;
}

std::vector<CounterEntry> Register::observations() const {
  if (inline_form()) return {};
  const auto entries = entry_list();
  std::vector<CounterEntry> out(entries.begin(), entries.end());
  // Slots whose entries are gone here (dropped once fully observed) are still seen by the
  // bases that observed them; a writer replacing those bases inherits what they saw, so a
  // late increment that continues such a slot cannot bring the observed part back.
  for (const auto& b : base_list()) {
    for (const auto& o : b.observed) {
      auto it = std::find_if(out.begin(), out.end(), [&](const CounterEntry& e) { return e.same_slot(o); });
      if (it == out.end()) {
        out.push_back(o);
      } else if (o.last > it->last) {
        *it = o;
      }
    }
  }
  std::sort(out.begin(), out.end(), entry_order);
  return out;
}

Stamp Register::newest_live_stamp() const {
  if (inline_form()) return stamp_;
  Stamp newest;
  for (const auto& b : base_list()) {
    if (!b.deleted) newest = std::max(newest, b.stamp);
  }
  for (const auto& e : entry_list()) newest = std::max(newest, e.last);
  return newest;
}

void Register::collect_garbage(const StampVector& stable) {
  if (detail() == nullptr) return;
  auto& d = *detail();
  // Only the settled case is collected: one base, which every region has applied. Then no
  // concurrent base can still arrive (all ops in flight were written after seeing it), so
  // what it observed is observed for good. Registers with several live bases (concurrent
  // writes) keep everything until a later write replaces them; see crdt/README.md.
  if (d.bases.size() != 1 || !stable.covers(d.bases.front().stamp)) return;
  Base& winner = d.bases.front();
  // 1. Entries the winner saw in full, applied everywhere: they stay subtracted for good.
  d.entries.erase_if([&](const CounterEntry& e) {
    const CounterEntry* seen = find_slot(winner.observed, e);
    return seen != nullptr && e.last <= seen->last && stable.covers(e.last);
  });
  // 2. Observations of slots that hold no entry any more: an increment written from now on
  //    starts a new slot (its `first` differs), so they can never match again.
  std::erase_if(winner.observed, [&](const CounterEntry& o) { return find_slot(d.entries, o) == nullptr; });
  // 3. A delete that no longer subtracts anything says nothing.
  if (winner.deleted && winner.observed.empty()) {
    d.bases.clear();
    if (d.entries.empty()) {
      release();
      return;
    }
  }
  repack();
}

Register::Parts Register::export_parts() const {
  Parts out;
  if (inline_form()) {
    if (!stamp_.is_zero()) out.bases.push_back(Base{stamp_, false, std::string(value()), {}});
    return out;
  }
  const auto held = entry_list();
  out.entries.assign(held.begin(), held.end());
  std::sort(out.entries.begin(), out.entries.end(), entry_order);
  out.bases = base_list();
  std::sort(out.bases.begin(), out.bases.end(),
            [](const Base& a, const Base& b) { return a.stamp < b.stamp; });
  for (auto& b : out.bases) std::sort(b.observed.begin(), b.observed.end(), entry_order);
  return out;
}

std::string_view Register::first_broken_rule(const Parts& parts) {
  // Strictly increasing slots: every lookup (find_slot, add_entry's lower_bound) assumes a
  // slot appears once, and digest() sorts without a tie-break.
  const auto slots_increase = [](const std::vector<CounterEntry>& list) {
    for (std::size_t i = 1; i < list.size(); ++i) {
      if (!entry_order(list[i - 1], list[i])) return false;
    }
    return true;
  };
  for (std::size_t i = 0; i < parts.bases.size(); ++i) {
    const Base& b = parts.bases[i];
    if (b.stamp.is_zero()) return "a register base has stamp 0";
    if (i > 0 && !(parts.bases[i - 1].stamp < b.stamp)) {
      return "register bases are not in strictly increasing stamp order";
    }
    if (b.deleted && !b.value.empty()) return "a register delete base carries a value";
    for (const auto& o : b.observed) {
      if (o.last.is_zero()) return "a register base observes an entry whose last stamp is 0";
    }
    if (!slots_increase(b.observed)) {
      return "a register base's observations are not in strictly increasing slot order";
    }
  }
  for (const auto& e : parts.entries) {
    if (e.last.is_zero() || e.first.is_zero()) {
      return "a counter entry has a first or last stamp of 0";
    }
  }
  if (!slots_increase(parts.entries)) {
    return "counter entries are not in strictly increasing slot order";
  }
  return {};
}

Result<Register> Register::from_parts(Parts parts) {
  if (!first_broken_rule(parts).empty()) return Errc::kMalformed;
  Register out;
  if (parts.bases.empty() && parts.entries.empty()) return out;
  Detail& d = out.unpack();
  d.entries = parts.entries;
  d.bases = std::move(parts.bases);
  out.repack();
  return out;
}

void Register::digest(Digest& digest) const {
  // Canonical: bases by stamp, then entries by slot, every list length-prefixed, so a lone
  // plain base hashes the same stored inline or in detail.
  if (inline_form()) {
    digest.add_u64(stamp_.is_zero() ? 0 : 1);
    if (!stamp_.is_zero()) {
      digest.add_u64(stamp_.bits());
      digest.add_bytes(value());
      digest.add_u64(0);
      digest.add_u64(0);
    }
    digest.add_u64(0);
    return;
  }
  std::vector<const Base*> bases;
  for (const auto& b : base_list()) bases.push_back(&b);
  std::sort(bases.begin(), bases.end(), [](const Base* a, const Base* b) { return a->stamp < b->stamp; });
  const auto add_entry = [&](const CounterEntry& e) {
    digest.add_u64(e.group.bits());
    digest.add_u64(e.first.bits());
    digest.add_u64(e.last.bits());
    digest.add_u64(static_cast<std::uint64_t>(e.int_sum));
    digest.add_long_double(e.float_sum);
  };
  digest.add_u64(bases.size());
  for (const Base* b : bases) {
    digest.add_u64(b->stamp.bits());
    digest.add_bytes(b->value);
    digest.add_u64(b->deleted ? 1 : 0);
    std::vector<CounterEntry> observed = b->observed;
    std::sort(observed.begin(), observed.end(), entry_order);
    digest.add_u64(observed.size());
    for (const auto& o : observed) add_entry(o);
  }
  const auto held = entry_list();
  std::vector<CounterEntry> entries(held.begin(), held.end());
  std::sort(entries.begin(), entries.end(), entry_order);
  digest.add_u64(entries.size());
  for (const auto& e : entries) add_entry(e);
}

std::string Register::describe() const {
  const auto entry_text = [](const CounterEntry& e) {
    return "(r" + std::to_string(e.region().value) + " g" + std::to_string(e.group.bits()) + " first" +
           std::to_string(e.first.bits()) + " last" +
           std::to_string(e.last.bits()) + " i" + std::to_string(e.int_sum) + " f" +
           std::to_string(static_cast<double>(e.float_sum)) + ")";
  };
  if (inline_form()) {
    return stamp_.is_zero() ? "{}" : "{base " + std::to_string(stamp_.bits()) + "=" + std::string(value()) + "}";
  }
  if (empty()) return "{}";
  std::string out = "{";
  std::vector<Base> bases = base_list();
  std::sort(bases.begin(), bases.end(), [](const Base& x, const Base& y) { return x.stamp < y.stamp; });
  for (auto& b : bases) {
    std::sort(b.observed.begin(), b.observed.end(), entry_order);
    out += (b.deleted ? "del " : "base ") + std::to_string(b.stamp.bits()) + "=" + b.value + " obs[";
    for (const auto& o : b.observed) out += entry_text(o);
    out += "] ";
  }
  for (const auto& e : entry_list()) out += "entry" + entry_text(e) + " ";
  return out + "}";
}

std::size_t Register::metadata_bytes() const {
  // The stamp. The second word is the value's own handle (its bytes are payload, not
  // metadata) unless it points to a Detail.
  std::size_t bytes = sizeof(stamp_);
  if (embedded_entry() != nullptr) return bytes + sizeof(word_) + sizeof(PackedCounterEntry);
  if (const Detail* d = detail()) {
    bytes += sizeof(word_) + sizeof(Detail);
    if (d->entries.heap()) bytes += d->entries.capacity() * sizeof(CounterEntry);
    for (const auto& b : d->bases) {
      bytes += sizeof(Base) - sizeof(std::string) + b.observed.capacity() * sizeof(CounterEntry);
    }
    bytes += (d->bases.capacity() - d->bases.size()) * sizeof(Base);
  }
  return bytes;
}

}  // namespace tern::crdt
