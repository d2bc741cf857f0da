#include "crdt/key_state.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "crdt/mutant.h"
#include "crdt/number_text.h"

namespace tern::crdt {
namespace {

const std::vector<CounterEntry>& observed_for(const std::vector<RegisterObservations>& observed,
                                              RegisterTarget target, std::string_view path) {
  static const std::vector<CounterEntry> kNone;
  for (const auto& o : observed) {
    if (o.target == target && o.path == path) return o.entries;
  }
  return kNone;
}

// Joins two maps of registers under the observed-remove rule, then drops empty registers.
void join_register_maps(RegisterMap& mine, const RegisterMap& theirs, const StampVector& mine_seen,
                        const StampVector& other_seen) {
  static const Register kEmpty;
  for (auto&& [path, reg] : mine) {
    auto it = theirs.find(path);
    reg.join(it != theirs.end() ? it.value() : kEmpty, mine_seen, other_seen);
  }
  for (const auto& [path, reg] : theirs) {
    if (!mine.contains(path)) {
      Register fresh;
      fresh.join(reg, mine_seen, other_seen);
      if (!fresh.empty()) mine.try_emplace(path, std::move(fresh));
    }
  }
  mine.erase_if([](std::string_view, const Register& reg) { return reg.empty(); });
}

std::vector<Stamp> element_stamps(const SetPayload& set, std::string_view member) {
  std::vector<Stamp> out;
  if (auto it = set.newest.find(member); it != set.newest.end()) out.push_back(it.value());
  if (!set.older.empty()) {
    if (auto it = set.older.find(member); it != set.older.end()) {
      out.insert(out.end(), it.value().begin(), it.value().end());
    }
  }
  return out;
}

void store_element(SetPayload& set, std::string_view member, std::vector<Stamp> stamps) {
  if (!set.older.empty()) set.older.erase(member);
  if (stamps.empty()) {
    set.newest.erase(member);
    return;
  }
  std::sort(stamps.begin(), stamps.end());
  stamps.erase(std::unique(stamps.begin(), stamps.end()), stamps.end());
  set.newest.try_emplace(member).first.value() = stamps.back();  // in place when present
  stamps.pop_back();
  if (!stamps.empty()) set.older.try_emplace(member, std::move(stamps));
}

// Applies `change` to one register of a hash or sorted set, keeping `summary` exact: the
// present count always, the newest stamp unless the change may have lowered it.
template <typename Summary, typename Change>
void change_member(Summary& summary, Register& reg, Change change) {
  const bool was = reg.present();
  const Stamp before = was ? reg.newest_live_stamp() : Stamp{};
  change(reg);
  const bool is = reg.present();
  const Stamp after = is ? reg.newest_live_stamp() : Stamp{};
  summary.present = summary.present - (was ? 1 : 0) + (is ? 1 : 0);
  if (summary.present == 0) {
    summary.newest = Stamp{};
    summary.newest_known = true;
  } else if (summary.newest_known) {
    if (was && before == summary.newest && (!is || after < before)) {
      summary.newest_known = false;  // the newest may have gone: recompute if it matters
    } else if (is && after > summary.newest) {
      summary.newest = after;
    }
  }
}

template <typename Summary>
void recompute_summary(Summary& summary, const RegisterMap& map) {
  summary = Summary{};
  for (const auto& [path, reg] : map) {
    if (!reg.present()) continue;
    ++summary.present;
    summary.newest = std::max(summary.newest, reg.newest_live_stamp());
  }
}

std::string score_text(double score) {
  char buffer[64];
  const int length = std::snprintf(buffer, sizeof buffer, "%.17g", score);
  return std::string(buffer, static_cast<std::size_t>(length > 0 ? length : 0));
}

}  // namespace

double score_from_register(const Register& reg) {
  auto n = reg.number();
  return n ? static_cast<double>(*n) : 0.0;
}

KeyState::KeyState(const KeyState& other) : string_(other.string_) {
  if (other.extras_) {
    extras_ = std::make_unique<Extras>();
    extras_->ttl = other.extras_->ttl;
    extras_->kills = other.extras_->kills;
    if (other.extras_->collections) {
      extras_->collections = std::make_unique<Collections>(*other.extras_->collections);
    }
  }
}

KeyState& KeyState::operator=(const KeyState& other) {
  if (this != &other) {
    KeyState copy(other);
    *this = std::move(copy);
  }
  return *this;
}

KeyState::Extras& KeyState::extras() {
  if (!extras_) extras_ = std::make_unique<Extras>();
  return *extras_;
}

KeyState::Collections& KeyState::collections() {
  auto& e = extras();
  if (!e.collections) e.collections = std::make_unique<Collections>();
  return *e.collections;
}

void KeyState::drop_empty_parts() {
  if (!extras_) return;
  auto& e = *extras_;
  if (e.collections && e.collections->hash.empty() && e.collections->set.newest.empty() &&
      e.collections->sorted_set.empty()) {
    e.collections.reset();
  }
  if (e.ttl.empty() && e.ttl.capacity() != 0) std::vector<TtlEntry>().swap(e.ttl);
  if (e.kills.empty() && e.kills.capacity() != 0) std::vector<KillMark>().swap(e.kills);
  if (!e.collections && e.ttl.empty() && e.kills.empty()) extras_.reset();
}

Stamp KeyState::kill_floor_of_marks() const {
  Stamp floor;
  for (const auto& k : extras_->kills) floor = std::max(floor, Stamp::floor_of_unix_ms(k.deadline_ms));
  return floor;
}

KeyState::MemberSummary* KeyState::summary_of(RegisterTarget target) {
  Collections* c = collections_or_null();
  if (c == nullptr || target == RegisterTarget::kString) return nullptr;
  return target == RegisterTarget::kHashField ? &c->hash_summary : &c->sorted_set_summary;
}

// Replaces the add stamps of set element `member` (`before`: its stamps until now) by
// `stamps`, and keeps set_newest: an element's newest stamp is the greatest of its stamps.
void KeyState::store_set_element(const std::string& member, const std::vector<Stamp>& before,
                                 std::vector<Stamp> stamps) {
  auto& c = collections();
  const bool was = !before.empty();
  const Stamp newest_before = was ? *std::max_element(before.begin(), before.end()) : Stamp{};
  const bool is = !stamps.empty();
  const Stamp newest_after = is ? *std::max_element(stamps.begin(), stamps.end()) : Stamp{};
  store_element(c.set, member, std::move(stamps));
  if (c.set.newest.empty()) {
    c.set_newest = Stamp{};
    c.set_newest_known = true;
  } else if (c.set_newest_known) {
    if (was && newest_before == c.set_newest && (!is || newest_after < newest_before)) {
      c.set_newest_known = false;  // the newest may have gone: recompute if it matters
    } else if (is && newest_after > c.set_newest) {
      c.set_newest = newest_after;
    }
  }
}

KeyState::ScoreBefore KeyState::score_before(RegisterTarget target, const Register& reg) const {
  const Collections* c = collections_or_null();
  if (target != RegisterTarget::kSortedSetMember || c == nullptr || c->sorted_index_stale) return {};
  const bool present = reg.present();
  return ScoreBefore{true, present, present ? score_from_register(reg) : 0.0};
}

void KeyState::update_sorted_index(const ScoreBefore& before, const std::string& member,
                                   const Register& reg) {
  if (!before.tracked) return;
  auto& index = collections_or_null()->sorted_index;
  const bool present = reg.present();
  const double score = present ? score_from_register(reg) : 0.0;
  // -0 and 0 compare equal but print differently, so the sign decides too.
  if (before.present && present && before.score == score &&
      std::signbit(before.score) == std::signbit(score)) {
    return;
  }
  if (before.present) index.erase(before.score, member);
  if (present) index.insert(score, member);
}

const ScoreIndex* KeyState::sorted_set_index() const {
  const Collections* c = collections_or_null();
  if (c == nullptr) return nullptr;
  if (c->sorted_index_stale) {
    c->sorted_index.clear();
    for (const auto& [member, reg] : c->sorted_set) {
      if (reg.present()) c->sorted_index.insert(score_from_register(reg), member);
    }
    c->sorted_index_stale = false;
  }
  return &c->sorted_index;
}

void KeyState::recompute_summaries() {
  Collections* c = collections_or_null();
  if (c == nullptr) return;
  recompute_summary(c->hash_summary, c->hash);
  recompute_summary(c->sorted_set_summary, c->sorted_set);
  c->set_newest = Stamp{};
  for (const auto& [member, stamp] : c->set.newest) c->set_newest = std::max(c->set_newest, stamp);
  c->set_newest_known = true;
}

// Keeps type() exact and O(1): in a type conflict (two payloads visible), every newest stamp
// is known when an operation returns. The O(n) recompute happens only there, and only after
// a change that may have lowered a payload's newest stamp.
void KeyState::refresh_conflict_summaries() {
  Collections* c = collections_or_null();
  const int visible = (c->hash_summary.present > 0 ? 1 : 0) + (c->set.newest.empty() ? 0 : 1) +
                      (c->sorted_set_summary.present > 0 ? 1 : 0) + (string_.present() ? 1 : 0);
  if (visible < 2) return;
  if (!c->hash_summary.newest_known) recompute_summary(c->hash_summary, c->hash);
  if (!c->sorted_set_summary.newest_known) recompute_summary(c->sorted_set_summary, c->sorted_set);
  if (!c->set_newest_known) {
    c->set_newest = Stamp{};
    for (const auto& [member, stamp] : c->set.newest) c->set_newest = std::max(c->set_newest, stamp);
    c->set_newest_known = true;
  }
}

void KeyState::kill_before(Stamp floor) {
  if (floor.is_zero()) return;
  string_.kill_before(floor);
  if (Collections* collections = collections_or_null()) {
    auto& c = *collections;
    for (auto&& [field, reg] : c.hash) reg.kill_before(floor);
    c.hash.erase_if([](std::string_view, const Register& reg) { return reg.empty(); });
    for (auto&& [member, reg] : c.sorted_set) reg.kill_before(floor);
    c.sorted_set.erase_if([](std::string_view, const Register& reg) { return reg.empty(); });
    std::vector<std::string> members;
    for (const auto& [member, stamp] : c.set.newest) members.emplace_back(member);
    for (const auto& member : members) {
      auto stamps = element_stamps(c.set, member);
      std::erase_if(stamps, [&](Stamp s) { return s < floor; });
      store_element(c.set, member, std::move(stamps));
    }
    recompute_summaries();
    c.sorted_index_stale = true;
  }
  if (extras_) {
    std::erase_if(extras_->ttl, [&](const TtlEntry& t) { return t.stamp < floor; });
  }
  drop_empty_parts();
}

void KeyState::set_ttl(Stamp stamp, std::uint64_t deadline_ms, const StampVector& context) {
  if (!has_lifetime() && deadline_ms == 0) return;
  auto& l = extras();
  std::erase_if(l.ttl, [&](const TtlEntry& t) { return context.covers(t.stamp); });
  if (deadline_ms != 0) l.ttl.push_back(TtlEntry{stamp, deadline_ms});
  drop_empty_parts();
}

Register* KeyState::target_register(RegisterTarget target, const std::string& path, bool create) {
  if (target == RegisterTarget::kString) return &string_;
  if (!create && collections_or_null() == nullptr) return nullptr;
  auto& map = target == RegisterTarget::kHashField ? collections().hash : collections().sorted_set;
  if (create) return &map.try_emplace(path).first.value();
  auto it = map.find(path);
  return it != map.end() ? &it.value() : nullptr;
}

void KeyState::remove_observed(Stamp stamp, const StampVector& seen,
                               const std::vector<RegisterObservations>& observed) {
  if (stamp < kill_floor()) return;  // stamped before a passed deadline: dead on arrival
  StampVector context = seen;
  if constexpr (kMutant == Mutant::kDeleteAsLastWriterWins) {
    context = StampVector(std::vector<std::uint64_t>(kMaxRegions, stamp.bits() - 1));
  }
  string_.remove(stamp, observed_for(observed, RegisterTarget::kString, ""), context);
  remove_collections_observed(stamp, context, observed);
  if (extras_) std::erase_if(extras_->ttl, [&](const TtlEntry& t) { return context.covers(t.stamp); });
  drop_empty_parts();
  refresh_summaries();
}

void KeyState::remove_collections_observed(Stamp stamp, const StampVector& context,
                                           const std::vector<RegisterObservations>& observed) {
  if (Collections* collections = collections_or_null()) {
    auto& c = *collections;
    for (auto&& [field, reg] : c.hash) {
      reg.remove(stamp, observed_for(observed, RegisterTarget::kHashField, field), context);
    }
    c.hash.erase_if([](std::string_view, const Register& reg) { return reg.empty(); });
    for (auto&& [member, reg] : c.sorted_set) {
      reg.remove(stamp, observed_for(observed, RegisterTarget::kSortedSetMember, member), context);
    }
    c.sorted_set.erase_if([](std::string_view, const Register& reg) { return reg.empty(); });
    std::vector<std::string> members;
    for (const auto& [member, s] : c.set.newest) members.emplace_back(member);
    for (auto& member : members) {
      auto stamps = element_stamps(c.set, member);
      std::erase_if(stamps, [&](Stamp s) { return context.covers(s); });
      store_element(c.set, member, std::move(stamps));
    }
    recompute_summaries();
    mark_sorted_index_stale();
  }
  record_observations_of_absent_registers(stamp, context, observed);
}

// An observation of a register this replica no longer holds (its entries were killed by an
// expiry that arrived first) is still recorded as a delete base, so the result does not
// depend on which of the two arrived first.
void KeyState::record_observations_of_absent_registers(Stamp stamp, const StampVector& context,
                                                       const std::vector<RegisterObservations>& observed) {
  for (const auto& o : observed) {
    if (o.target == RegisterTarget::kString || o.entries.empty()) continue;
    auto& map = o.target == RegisterTarget::kHashField ? collections().hash : collections().sorted_set;
    if (map.contains(o.path)) continue;
    change_member(*summary_of(o.target), map.try_emplace(o.path).first.value(),
                  [&](Register& reg) { reg.remove(stamp, o.entries, context); });
  }
  drop_empty_parts();
}

void KeyState::apply_general(const Op& op) {
  // A write stamped before a passed deadline is dead on arrival; so are its removals'
  // targets, which are older still.
  if (op.kind != OpKind::kExpired && op.stamp < kill_floor()) return;
  switch (op.kind) {
    case OpKind::kSetString: {
      // SET replaces whatever the key held that its origin had seen, of every type.
      remove_collections_observed(op.stamp, op.context, op.observed);
      string_.assign(op.stamp, op.value, observed_for(op.observed, RegisterTarget::kString, ""),
                     op.context);
      if (!op.keep_ttl) set_ttl(op.stamp, op.deadline_ms, op.context);
      break;
    }
    case OpKind::kIncrement:
    case OpKind::kIncrementFloat: {
      Register* reg = target_register(op.target, op.path, true);
      // The op carries the entry's whole state, so it applies alike wherever the entry's
      // earlier versions were dropped (garbage collection, a replaced base).
      const CounterEntry entry{op.group, op.first.is_zero() ? op.stamp : op.first, op.stamp,
                               op.int_sum, op.float_sum};
      if (MemberSummary* summary = summary_of(op.target)) {
        // An increment only adds to a register: it never hides it nor lowers its newest stamp.
        const bool was = reg->present();
        const ScoreBefore before = score_before(op.target, *reg);
        reg->increment(entry);
        update_sorted_index(before, op.path, *reg);
        if (was || reg->present()) {
          if (!was) ++summary->present;
          if (summary->newest_known) summary->newest = std::max(summary->newest, reg->newest_live_stamp());
        }
      } else {
        reg->increment(entry);
      }
      break;
    }
    case OpKind::kHashSet: {
      auto& c = collections();
      change_member(c.hash_summary, c.hash.try_emplace(op.path).first.value(), [&](Register& reg) {
        reg.assign(op.stamp, op.value, observed_for(op.observed, RegisterTarget::kHashField, op.path),
                   op.context);
      });
      break;
    }
    case OpKind::kSortedSetAdd: {
      auto& c = collections();
      Register& member = c.sorted_set.try_emplace(op.path).first.value();
      const ScoreBefore before = score_before(RegisterTarget::kSortedSetMember, member);
      change_member(c.sorted_set_summary, member, [&](Register& reg) {
        reg.assign(op.stamp, score_text(op.score),
                   observed_for(op.observed, RegisterTarget::kSortedSetMember, op.path), op.context);
      });
      update_sorted_index(before, op.path, member);
      break;
    }
    case OpKind::kRemoveRegister: {
      // Created if absent when the remover saw counters: see
      // record_observations_of_absent_registers.
      const bool observed_counters = !observed_for(op.observed, op.target, op.path).empty();
      Register* reg = target_register(op.target, op.path, observed_counters);
      if (reg == nullptr) break;
      const auto remove = [&](Register& r) {
        r.remove(op.stamp, observed_for(op.observed, op.target, op.path), op.context);
      };
      if (MemberSummary* summary = summary_of(op.target)) {
        const ScoreBefore before = score_before(op.target, *reg);
        change_member(*summary, *reg, remove);
        update_sorted_index(before, op.path, *reg);
      } else {
        remove(*reg);
      }
      if (reg->empty() && op.target != RegisterTarget::kString) {
        auto& c = *collections_or_null();
        auto& map = op.target == RegisterTarget::kHashField ? c.hash : c.sorted_set;
        map.erase(op.path);
      }
      drop_empty_parts();
      break;
    }
    case OpKind::kSetAdd: {
      const auto before = element_stamps(collections().set, op.path);
      std::vector<Stamp> stamps;
      stamps.reserve(before.size() + 1);
      for (Stamp s : before) {
        if (!op.context.covers(s)) stamps.push_back(s);
      }
      stamps.push_back(op.stamp);
      store_set_element(op.path, before, std::move(stamps));
      break;
    }
    case OpKind::kSetRemove: {
      if (collections_or_null() == nullptr) break;
      const auto before = element_stamps(collections_or_null()->set, op.path);
      std::vector<Stamp> stamps;
      for (Stamp s : before) {
        if (!op.context.covers(s)) stamps.push_back(s);
      }
      store_set_element(op.path, before, std::move(stamps));
      drop_empty_parts();
      break;
    }
    case OpKind::kDelete:
      remove_observed(op.stamp, op.context, op.observed);
      break;
    case OpKind::kExpire:
      set_ttl(op.stamp, op.deadline_ms == 0 ? 1 : op.deadline_ms, op.context);
      break;
    case OpKind::kPersist:
      set_ttl(op.stamp, kNoDeadline, op.context);
      break;
    case OpKind::kExpired:
      extras().kills.push_back(KillMark{op.stamp, op.deadline_ms});
      kill_before(kill_floor());
      break;
    case OpKind::kFlushDatabase:
      break;  // database-scoped: Keyspace applies it key by key through remove_observed
  }
  refresh_summaries();
}

void KeyState::join(const KeyState& other, const StampVector& mine_seen, const StampVector& other_seen) {
  string_.join(other.string_, mine_seen, other_seen);
  if (collections_or_null() != nullptr || other.collections_or_null() != nullptr) {
    static const Collections kEmpty;
    const Collections& theirs = other.collections_or_null() != nullptr ? *other.collections_or_null() : kEmpty;
    auto& c = collections();
    join_register_maps(c.hash, theirs.hash, mine_seen, other_seen);
    join_register_maps(c.sorted_set, theirs.sorted_set, mine_seen, other_seen);
    std::vector<std::string> members;
    for (const auto& [m, s] : c.set.newest) members.emplace_back(m);
    for (const auto& [m, s] : theirs.set.newest) {
      if (!c.set.newest.contains(m)) members.emplace_back(m);
    }
    for (const auto& member : members) {
      const auto mine = element_stamps(c.set, member);
      const auto their = element_stamps(theirs.set, member);
      std::vector<Stamp> kept;
      for (Stamp s : mine) {
        if (std::find(their.begin(), their.end(), s) != their.end() || !other_seen.covers(s)) kept.push_back(s);
      }
      for (Stamp s : their) {
        if (std::find(mine.begin(), mine.end(), s) == mine.end() && !mine_seen.covers(s)) kept.push_back(s);
      }
      store_element(c.set, member, std::move(kept));
    }
    recompute_summaries();
    c.sorted_index_stale = true;
  }
  if (has_lifetime() || other.has_lifetime()) {
    static const Extras kEmpty;
    const Extras& theirs = other.extras_ ? *other.extras_ : kEmpty;
    auto& l = extras();
    const auto join_items = [&](auto& mine, const auto& their) {
      using Item = typename std::decay_t<decltype(mine)>::value_type;
      std::vector<Item> kept;
      const auto holds = [](const auto& list, Stamp s) {
        return std::any_of(list.begin(), list.end(), [&](const auto& x) { return x.stamp == s; });
      };
      for (const auto& x : mine) {
        if (holds(their, x.stamp) || !other_seen.covers(x.stamp)) kept.push_back(x);
      }
      for (const auto& x : their) {
        if (!holds(mine, x.stamp) && !mine_seen.covers(x.stamp)) kept.push_back(x);
      }
      mine = std::move(kept);
    };
    join_items(l.ttl, theirs.ttl);
    join_items(l.kills, theirs.kills);
  }
  kill_before(kill_floor());
  drop_empty_parts();
  refresh_summaries();
}

void KeyState::collect_garbage(const StampVector& stable) {
  string_.collect_garbage(stable);
  if (Collections* collections = collections_or_null()) {
    auto& c = *collections;
    for (auto&& [field, reg] : c.hash) reg.collect_garbage(stable);
    c.hash.erase_if([](std::string_view, const Register& reg) { return reg.empty(); });
    for (auto&& [member, reg] : c.sorted_set) reg.collect_garbage(stable);
    c.sorted_set.erase_if([](std::string_view, const Register& reg) { return reg.empty(); });
    // Older concurrent add stamps of an element: once stable, every future remove sees them
    // and every kill reaching the newest reaches them, so the newest alone decides.
    c.set.older.erase_if([&](std::string_view, std::vector<Stamp>& stamps) {
      std::erase_if(stamps, [&](Stamp s) { return stable.covers(s); });
      return stamps.empty();
    });
    recompute_summaries();
  }
  if (extras_) {
    auto& l = *extras_;
    // Deadlines below the stable maximum can never win again; a stable lone PERSIST means
    // "no TTL", which an empty list says too.
    std::uint64_t top = 0;
    Stamp top_stamp;
    for (const auto& t : l.ttl) {
      if (t.deadline_ms > top || (t.deadline_ms == top && t.stamp > top_stamp)) {
        top = t.deadline_ms;
        top_stamp = t.stamp;
      }
    }
    const bool all_stable =
        std::all_of(l.ttl.begin(), l.ttl.end(), [&](const TtlEntry& t) { return stable.covers(t.stamp); });
    std::erase_if(l.ttl, [&](const TtlEntry& t) {
      if (!stable.covers(t.stamp)) return false;
      if (t.stamp != top_stamp) return t.deadline_ms <= top;
      // The top PERSIST goes only with everything else: a concurrent deadline still in
      // flight must keep losing to it.
      return t.deadline_ms == kNoDeadline && all_stable;
    });
    // A stable kill mark: everything stamped before it has arrived and died; later writes
    // come from clocks that have passed it.
    std::erase_if(l.kills, [&](const KillMark& k) { return stable.covers(k.stamp); });
  }
  drop_empty_parts();
  refresh_summaries();
}

ValueType KeyState::type() const {
  const bool string_visible = string_.present();
  const Collections* c = collections_or_null();
  if (c == nullptr) return string_visible ? ValueType::kString : ValueType::kNone;
  const bool hash_visible = c->hash_summary.present > 0;
  const bool set_visible = !c->set.newest.empty();
  const bool sorted_set_visible = c->sorted_set_summary.present > 0;
  const int visible = (string_visible ? 1 : 0) + (hash_visible ? 1 : 0) + (set_visible ? 1 : 0) +
                      (sorted_set_visible ? 1 : 0);
  if (visible <= 1) {
    if (string_visible) return ValueType::kString;
    if (hash_visible) return ValueType::kHash;
    if (set_visible) return ValueType::kSet;
    return sorted_set_visible ? ValueType::kSortedSet : ValueType::kNone;
  }
  // A type conflict: the payload with the newest live item wins, the first considered on a
  // tie. refresh_summaries() left every stamp known; the scans below are a fallback only.
  const auto newest_present = [](const MemberSummary& summary, const RegisterMap& map) {
    if (summary.newest_known) return summary.newest;
    Stamp newest;
    for (const auto& [path, reg] : map) {
      if (reg.present()) newest = std::max(newest, reg.newest_live_stamp());
    }
    return newest;
  };
  ValueType best = ValueType::kNone;
  Stamp best_stamp;
  const auto consider = [&](ValueType type, Stamp stamp) {
    if (best == ValueType::kNone || stamp > best_stamp) {
      best = type;
      best_stamp = stamp;
    }
  };
  if (string_visible) consider(ValueType::kString, string_.newest_live_stamp());
  if (hash_visible) consider(ValueType::kHash, newest_present(c->hash_summary, c->hash));
  if (set_visible) {
    Stamp newest = c->set_newest;
    if (!c->set_newest_known) {
      for (const auto& [m, s] : c->set.newest) newest = std::max(newest, s);
    }
    consider(ValueType::kSet, newest);
  }
  if (sorted_set_visible) {
    consider(ValueType::kSortedSet, newest_present(c->sorted_set_summary, c->sorted_set));
  }
  return best;
}

ValueType KeyState::type_by_scan() const {
  ValueType best = ValueType::kNone;
  Stamp best_stamp;
  const auto consider = [&](ValueType type, Stamp stamp) {
    if (best == ValueType::kNone || stamp > best_stamp) {
      best = type;
      best_stamp = stamp;
    }
  };
  if (string_.read().present) consider(ValueType::kString, string_.newest_live_stamp());
  if (const Collections* c = collections_or_null()) {
    const auto newest_present = [](const RegisterMap& map) {
      std::optional<Stamp> newest;
      for (const auto& [path, reg] : map) {
        if (reg.read().present) newest = std::max(newest.value_or(Stamp{}), reg.newest_live_stamp());
      }
      return newest;
    };
    if (auto s = newest_present(c->hash)) consider(ValueType::kHash, *s);
    if (!c->set.newest.empty()) {
      Stamp newest;
      for (const auto& [m, s] : c->set.newest) newest = std::max(newest, s);
      consider(ValueType::kSet, newest);
    }
    if (auto s = newest_present(c->sorted_set)) consider(ValueType::kSortedSet, *s);
  }
  return best;
}

std::optional<std::uint64_t> KeyState::deadline_ms() const {
  if (!extras_ || extras_->ttl.empty()) return std::nullopt;
  std::uint64_t top = 0;
  for (const auto& t : extras_->ttl) top = std::max(top, t.deadline_ms);
  if (top == kNoDeadline) return std::nullopt;
  return top;
}

bool KeyState::expired_at(std::uint64_t now_unix_ms) const {
  const auto d = deadline_ms();
  return d && *d <= now_unix_ms;
}

const Register* KeyState::stored_register(RegisterTarget target, const std::string& path) const {
  if (target == RegisterTarget::kString) return &string_;
  const Collections* c = collections_or_null();
  if (c == nullptr) return nullptr;
  const auto& map = target == RegisterTarget::kHashField ? c->hash : c->sorted_set;
  auto it = map.find(path);
  return it != map.end() ? &it.value() : nullptr;
}

const Register* KeyState::hash_field(const std::string& field) const {
  const Collections* c = collections_or_null();
  if (c == nullptr) return nullptr;
  auto it = c->hash.find(field);
  if (it == c->hash.end() || !it.value().present()) return nullptr;
  return &it.value();
}

const Register* KeyState::sorted_set_member(const std::string& member) const {
  const Collections* c = collections_or_null();
  if (c == nullptr) return nullptr;
  auto it = c->sorted_set.find(member);
  if (it == c->sorted_set.end() || !it.value().present()) return nullptr;
  return &it.value();
}

bool KeyState::set_contains(const std::string& member) const {
  const Collections* c = collections_or_null();
  return c != nullptr && c->set.newest.contains(member);
}

std::vector<std::pair<std::string, std::string>> KeyState::hash_fields() const {
  std::vector<std::pair<std::string, std::string>> out;
  const Collections* c = collections_or_null();
  if (c == nullptr) return out;
  for (const auto& [field, reg] : c->hash) {
    auto r = reg.read();
    if (r.present) out.emplace_back(field, std::move(r.text));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> KeyState::set_members() const {
  std::vector<std::string> out;
  const Collections* c = collections_or_null();
  if (c == nullptr) return out;
  for (const auto& [m, s] : c->set.newest) out.emplace_back(m);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, double>> KeyState::sorted_set_members() const {
  std::vector<std::pair<std::string, double>> out;
  const Collections* c = collections_or_null();
  if (c == nullptr) return out;
  for (const auto& [m, reg] : c->sorted_set) {
    if (reg.present()) out.emplace_back(m, score_from_register(reg));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t KeyState::count_members(ValueType type, std::size_t limit) const {
  const Collections* c = collections_or_null();
  if (c == nullptr) return 0;
  switch (type) {
    case ValueType::kHash: return std::min(limit, c->hash_summary.present);
    case ValueType::kSet: return std::min(limit, c->set.newest.size());
    case ValueType::kSortedSet: return std::min(limit, c->sorted_set_summary.present);
    case ValueType::kNone:
    case ValueType::kString: break;
  }
  return 0;
}

std::vector<RegisterObservations> KeyState::observe_counters() const {
  std::vector<RegisterObservations> out;
  if (auto e = string_.observations(); !e.empty()) out.push_back({RegisterTarget::kString, "", std::move(e)});
  if (const Collections* c = collections_or_null()) {
    for (const auto& [field, reg] : c->hash) {
      if (auto e = reg.observations(); !e.empty()) {
        out.push_back({RegisterTarget::kHashField, std::string(field), std::move(e)});
      }
    }
    for (const auto& [member, reg] : c->sorted_set) {
      if (auto e = reg.observations(); !e.empty()) {
        out.push_back({RegisterTarget::kSortedSetMember, std::string(member), std::move(e)});
      }
    }
  }
  return out;
}

void KeyState::digest(Digest& digest) const {
  string_.digest(digest);
  // Canonical: fields and members in byte order, whatever the tables' layout.
  const auto digest_map = [&](const RegisterMap& map) {
    std::vector<std::pair<std::string_view, const Register*>> items;
    items.reserve(map.size());
    for (const auto& [path, reg] : map) items.emplace_back(path, &reg);
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    digest.add_u64(items.size());
    for (const auto& [path, reg] : items) {
      digest.add_bytes(path);
      reg->digest(digest);
    }
  };
  if (const Collections* c = collections_or_null()) {
    digest.add_u64(1);
    digest_map(c->hash);
    digest_map(c->sorted_set);
    std::vector<std::string> members = set_members();
    digest.add_u64(members.size());
    for (const auto& m : members) {
      digest.add_bytes(m);
      auto stamps = element_stamps(c->set, m);
      std::sort(stamps.begin(), stamps.end());
      digest.add_u64(stamps.size());
      for (Stamp s : stamps) digest.add_u64(s.bits());
    }
  } else {
    digest.add_u64(0);
  }
  if (has_lifetime()) {
    auto ttl = extras_->ttl;
    std::sort(ttl.begin(), ttl.end(), [](const auto& a, const auto& b) { return a.stamp < b.stamp; });
    auto kills = extras_->kills;
    std::sort(kills.begin(), kills.end(), [](const auto& a, const auto& b) { return a.stamp < b.stamp; });
    digest.add_u64(ttl.size());
    for (const auto& t : ttl) {
      digest.add_u64(t.stamp.bits());
      digest.add_u64(t.deadline_ms);
    }
    digest.add_u64(kills.size());
    for (const auto& k : kills) {
      digest.add_u64(k.stamp.bits());
      digest.add_u64(k.deadline_ms);
    }
  } else {
    digest.add_u64(0);
  }
}

KeyState::Parts KeyState::export_parts() const {
  Parts out;
  out.string = string_.export_parts();
  if (const Collections* c = collections_or_null()) {
    const auto export_map = [](const RegisterMap& map, std::vector<NamedRegister>& into) {
      into.reserve(map.size());
      for (const auto& [name, reg] : map) into.push_back({std::string(name), reg.export_parts()});
      std::sort(into.begin(), into.end(),
                [](const NamedRegister& a, const NamedRegister& b) { return a.name < b.name; });
    };
    export_map(c->hash, out.hash_fields);
    export_map(c->sorted_set, out.sorted_set_members);
    out.set_elements.reserve(c->set.newest.size());
    for (const auto& [member, newest] : c->set.newest) {
      auto stamps = element_stamps(c->set, member);
      std::sort(stamps.begin(), stamps.end());
      out.set_elements.push_back({std::string(member), std::move(stamps)});
    }
    std::sort(out.set_elements.begin(), out.set_elements.end(),
              [](const SetElement& a, const SetElement& b) { return a.member < b.member; });
  }
  if (extras_) {
    const auto by_stamp = [](const auto& a, const auto& b) { return a.stamp < b.stamp; };
    out.ttl = extras_->ttl;
    std::sort(out.ttl.begin(), out.ttl.end(), by_stamp);
    out.kills = extras_->kills;
    std::sort(out.kills.begin(), out.kills.end(), by_stamp);
  }
  return out;
}

std::string_view KeyState::first_broken_rule(const Parts& parts, const StampVector& applied) {
  Stamp floor;
  for (const auto& k : parts.kills) floor = std::max(floor, Stamp::floor_of_unix_ms(k.deadline_ms));
  // A held item: applied here, and not killed (kill_before runs whenever a mark arrives).
  const auto held_rule = [&](Stamp s) -> std::string_view {
    if (!applied.covers(s)) return "an item's stamp is not covered by the applied vector";
    if (s < floor) return "an item is stamped before the key's kill floor";
    return {};
  };
  const auto register_rule = [&](const Register::Parts& reg) -> std::string_view {
    if (auto rule = Register::first_broken_rule(reg); !rule.empty()) return rule;
    for (const auto& b : reg.bases) {
      if (auto rule = held_rule(b.stamp); !rule.empty()) return rule;
    }
    for (const auto& e : reg.entries) {
      if (auto rule = held_rule(e.last); !rule.empty()) return rule;
    }
    return {};
  };
  const auto map_rule = [&](const std::vector<NamedRegister>& map) -> std::string_view {
    for (std::size_t i = 0; i < map.size(); ++i) {
      if (i > 0 && !(map[i - 1].name < map[i].name)) {
        return "hash fields or sorted-set members are not in strictly increasing byte order";
      }
      if (map[i].parts.bases.empty() && map[i].parts.entries.empty()) {
        return "a hash field or sorted-set member has an empty register";
      }
      if (auto rule = register_rule(map[i].parts); !rule.empty()) return rule;
    }
    return {};
  };
  if (auto rule = register_rule(parts.string); !rule.empty()) return rule;
  if (auto rule = map_rule(parts.hash_fields); !rule.empty()) return rule;
  if (auto rule = map_rule(parts.sorted_set_members); !rule.empty()) return rule;
  for (std::size_t i = 0; i < parts.set_elements.size(); ++i) {
    const auto& element = parts.set_elements[i];
    if (i > 0 && !(parts.set_elements[i - 1].member < element.member)) {
      return "set elements are not in strictly increasing byte order";
    }
    if (element.add_stamps.empty()) return "a set element has no add stamp";
    for (std::size_t j = 0; j < element.add_stamps.size(); ++j) {
      if (element.add_stamps[j].is_zero()) return "a set element has add stamp 0";
      if (j > 0 && !(element.add_stamps[j - 1] < element.add_stamps[j])) {
        return "a set element's add stamps are not strictly increasing";
      }
      if (auto rule = held_rule(element.add_stamps[j]); !rule.empty()) return rule;
    }
  }
  for (std::size_t i = 0; i < parts.ttl.size(); ++i) {
    const TtlEntry& t = parts.ttl[i];
    if (t.stamp.is_zero() || t.deadline_ms == 0) return "a TTL entry has stamp or deadline 0";
    if (i > 0 && !(parts.ttl[i - 1].stamp < t.stamp)) {
      return "TTL entries are not in strictly increasing stamp order";
    }
    if (auto rule = held_rule(t.stamp); !rule.empty()) return rule;
  }
  for (std::size_t i = 0; i < parts.kills.size(); ++i) {
    const KillMark& k = parts.kills[i];
    if (k.stamp.is_zero() || k.deadline_ms == 0) return "a kill mark has stamp or deadline 0";
    if (i > 0 && !(parts.kills[i - 1].stamp < k.stamp)) {
      return "kill marks are not in strictly increasing stamp order";
    }
    if (!applied.covers(k.stamp)) return "an item's stamp is not covered by the applied vector";
  }
  if (parts.string.bases.empty() && parts.string.entries.empty() && parts.hash_fields.empty() &&
      parts.sorted_set_members.empty() && parts.set_elements.empty() && parts.ttl.empty() &&
      parts.kills.empty()) {
    return "the key holds nothing";
  }
  return {};
}

Result<KeyState> KeyState::from_parts(Parts parts, const StampVector& applied) {
  if (!first_broken_rule(parts, applied).empty()) return Errc::kMalformed;
  KeyState out;
  auto string = Register::from_parts(std::move(parts.string));
  if (!string.ok()) return string.error();
  out.string_ = std::move(string).value();
  const auto import_map = [](std::vector<NamedRegister>& from, RegisterMap& into) -> Result<bool> {
    for (auto& named : from) {
      auto reg = Register::from_parts(std::move(named.parts));
      if (!reg.ok()) return reg.error();
      into.try_emplace(named.name, std::move(reg).value());
    }
    return true;
  };
  if (!parts.hash_fields.empty()) {
    if (auto done = import_map(parts.hash_fields, out.collections().hash); !done.ok()) {
      return done.error();
    }
  }
  if (!parts.sorted_set_members.empty()) {
    auto done = import_map(parts.sorted_set_members, out.collections().sorted_set);
    if (!done.ok()) {
      return done.error();
    }
  }
  for (auto& element : parts.set_elements) {
    store_element(out.collections().set, element.member, std::move(element.add_stamps));
  }
  if (!parts.ttl.empty()) out.extras().ttl = std::move(parts.ttl);
  if (!parts.kills.empty()) out.extras().kills = std::move(parts.kills);
  // The summaries are derived: recompute them from what was installed, as join does.
  out.recompute_summaries();
  out.mark_sorted_index_stale();
  out.drop_empty_parts();
  return out;
}

std::string KeyState::describe() const {
  std::string out = "string" + string_.describe();
  if (const Collections* c = collections_or_null()) {
    std::vector<std::string> parts;
    for (const auto& [f, reg] : c->hash) parts.push_back(" hash[" + std::string(f) + "]" + reg.describe());
    for (const auto& [m, reg] : c->sorted_set) parts.push_back(" zset[" + std::string(m) + "]" + reg.describe());
    for (const auto& m : set_members()) {
      std::string stamps;
      for (Stamp s : element_stamps(c->set, m)) stamps += " " + std::to_string(s.bits());
      parts.push_back(" set[" + m + "]" + stamps);
    }
    std::sort(parts.begin(), parts.end());
    for (const auto& p : parts) out += p;
  }
  if (extras_) {
    // In stamp order, so equal states describe alike whatever order the entries arrived in.
    const auto by_stamp = [](const auto& a, const auto& b) { return a.stamp < b.stamp; };
    auto ttl = extras_->ttl;
    std::sort(ttl.begin(), ttl.end(), by_stamp);
    auto kills = extras_->kills;
    std::sort(kills.begin(), kills.end(), by_stamp);
    const auto item = [](const char* name, Stamp stamp, std::uint64_t deadline_ms) {
      return std::string(" ") + name + "(" + std::to_string(stamp.bits()) + "," +
             std::to_string(deadline_ms) + ")";
    };
    for (const auto& t : ttl) out += item("ttl", t.stamp, t.deadline_ms);
    for (const auto& k : kills) out += item("kill", k.stamp, k.deadline_ms);
  }
  return out;
}

std::size_t KeyState::metadata_bytes() const {
  std::size_t bytes = string_.metadata_bytes() + sizeof(extras_);
  if (!extras_) return bytes;
  bytes += sizeof(Extras) + extras_->ttl.capacity() * sizeof(TtlEntry) +
           extras_->kills.capacity() * sizeof(KillMark);
  if (const Collections* c = collections_or_null()) {
    bytes += sizeof(Collections);
    for (const auto& [f, reg] : c->hash) bytes += reg.metadata_bytes();
    for (const auto& [m, reg] : c->sorted_set) bytes += reg.metadata_bytes();
    bytes += c->set.newest.size() * sizeof(Stamp);
    for (const auto& [m, v] : c->set.older) bytes += v.capacity() * sizeof(Stamp);
  }
  return bytes;
}

std::uint32_t KeyState::access_frequency(std::uint64_t now_ms, std::uint32_t lfu_decay_minutes) const {
  if (lfu_decay_minutes == 0) return access_counter_;
  const std::uint64_t now_s = now_ms / 1000;
  const std::uint64_t idle_minutes = now_s > access_seconds_ ? (now_s - access_seconds_) / 60 : 0;
  const std::uint64_t periods = idle_minutes / lfu_decay_minutes;
  return periods >= access_counter_ ? 0 : access_counter_ - static_cast<std::uint32_t>(periods);
}

void KeyState::record_access(std::uint64_t now_ms, std::uint32_t lfu_log_factor, std::uint32_t lfu_decay_minutes,
                             std::uint64_t random_bits) const {
  // Redis's LFULogIncr after decay: the counter grows with probability 1/((c - 5) * factor + 1),
  // so 255 means about a million accesses at the default factor of 10.
  std::uint32_t counter = access_frequency(now_ms, lfu_decay_minutes);
  if (counter < 255) {
    const double base = counter > 5 ? counter - 5.0 : 0.0;
    const double p = 1.0 / (base * lfu_log_factor + 1.0);
    const double r = static_cast<double>(random_bits >> 11) / 9007199254740992.0;  // [0, 1)
    if (r < p) ++counter;
  }
  access_counter_ = static_cast<std::uint8_t>(counter);
  access_seconds_ = static_cast<std::uint32_t>(now_ms / 1000);
}

}  // namespace tern::crdt
