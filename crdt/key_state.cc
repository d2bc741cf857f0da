#include "crdt/key_state.h"

#include <algorithm>
#include <cstdio>

#include "crdt/mutant.h"
#include "crdt/number_text.h"

namespace tern::crdt {
namespace {

const std::vector<CounterEntry>& observed_for(const std::vector<RegisterObservations>& observed,
                                              RegisterTarget target, const std::string& path) {
  static const std::vector<CounterEntry> kNone;
  for (const auto& o : observed) {
    if (o.target == target && o.path == path) return o.entries;
  }
  return kNone;
}

// Joins two maps of registers under the observed-remove rule, then drops empty registers.
void join_register_maps(std::unordered_map<std::string, Register>& mine,
                        const std::unordered_map<std::string, Register>& theirs,
                        const StampVector& mine_seen, const StampVector& other_seen) {
  static const Register kEmpty;
  for (auto& [path, reg] : mine) {
    auto it = theirs.find(path);
    reg.join(it != theirs.end() ? it->second : kEmpty, mine_seen, other_seen);
  }
  for (const auto& [path, reg] : theirs) {
    if (mine.find(path) == mine.end()) {
      Register fresh;
      fresh.join(reg, mine_seen, other_seen);
      if (!fresh.empty()) mine.emplace(path, std::move(fresh));
    }
  }
  std::erase_if(mine, [](const auto& kv) { return kv.second.empty(); });
}

std::vector<Stamp> element_stamps(const SetPayload& set, const std::string& member) {
  std::vector<Stamp> out;
  if (auto it = set.newest.find(member); it != set.newest.end()) out.push_back(it->second);
  if (auto it = set.older.find(member); it != set.older.end()) {
    out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

void store_element(SetPayload& set, const std::string& member, std::vector<Stamp> stamps) {
  set.newest.erase(member);
  set.older.erase(member);
  if (stamps.empty()) return;
  std::sort(stamps.begin(), stamps.end());
  stamps.erase(std::unique(stamps.begin(), stamps.end()), stamps.end());
  set.newest.emplace(member, stamps.back());
  stamps.pop_back();
  if (!stamps.empty()) set.older.emplace(member, std::move(stamps));
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

KeyState::KeyState(const KeyState& other)
    : string_(other.string_),
      collections_(other.collections_ ? std::make_unique<Collections>(*other.collections_) : nullptr),
      lifetime_(other.lifetime_ ? std::make_unique<Lifetime>(*other.lifetime_) : nullptr) {}

KeyState& KeyState::operator=(const KeyState& other) {
  if (this != &other) {
    KeyState copy(other);
    *this = std::move(copy);
  }
  return *this;
}

KeyState::Collections& KeyState::collections() {
  if (!collections_) collections_ = std::make_unique<Collections>();
  return *collections_;
}

KeyState::Lifetime& KeyState::lifetime() {
  if (!lifetime_) lifetime_ = std::make_unique<Lifetime>();
  return *lifetime_;
}

void KeyState::drop_empty_parts() {
  if (collections_ && collections_->hash.empty() && collections_->set.newest.empty() &&
      collections_->sorted_set.empty()) {
    collections_.reset();
  }
  if (lifetime_ && lifetime_->ttl.empty() && lifetime_->kills.empty()) lifetime_.reset();
}

Stamp KeyState::kill_floor() const {
  Stamp floor;
  if (!lifetime_) return floor;
  for (const auto& k : lifetime_->kills) floor = std::max(floor, Stamp::floor_of_unix_ms(k.deadline_ms));
  return floor;
}

void KeyState::kill_before(Stamp floor) {
  if (floor.is_zero()) return;
  string_.kill_before(floor);
  if (collections_) {
    auto& c = *collections_;
    for (auto& [field, reg] : c.hash) reg.kill_before(floor);
    std::erase_if(c.hash, [](const auto& kv) { return kv.second.empty(); });
    for (auto& [member, reg] : c.sorted_set) reg.kill_before(floor);
    std::erase_if(c.sorted_set, [](const auto& kv) { return kv.second.empty(); });
    std::vector<std::string> members;
    for (const auto& [member, stamp] : c.set.newest) members.push_back(member);
    for (const auto& member : members) {
      auto stamps = element_stamps(c.set, member);
      std::erase_if(stamps, [&](Stamp s) { return s < floor; });
      store_element(c.set, member, std::move(stamps));
    }
  }
  if (lifetime_) {
    std::erase_if(lifetime_->ttl, [&](const TtlEntry& t) { return t.stamp < floor; });
  }
  drop_empty_parts();
}

void KeyState::set_ttl(Stamp stamp, std::uint64_t deadline_ms, const StampVector& context) {
  if (!lifetime_ && deadline_ms == 0) return;
  auto& l = lifetime();
  std::erase_if(l.ttl, [&](const TtlEntry& t) { return context.covers(t.stamp); });
  if (deadline_ms != 0) l.ttl.push_back(TtlEntry{stamp, deadline_ms});
  drop_empty_parts();
}

Register* KeyState::target_register(RegisterTarget target, const std::string& path, bool create) {
  if (target == RegisterTarget::kString) return &string_;
  if (!create && !collections_) return nullptr;
  auto& map = target == RegisterTarget::kHashField ? collections().hash : collections().sorted_set;
  if (create) return &map[path];
  auto it = map.find(path);
  return it != map.end() ? &it->second : nullptr;
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
  if (lifetime_) std::erase_if(lifetime_->ttl, [&](const TtlEntry& t) { return context.covers(t.stamp); });
  drop_empty_parts();
}

void KeyState::remove_collections_observed(Stamp stamp, const StampVector& context,
                                           const std::vector<RegisterObservations>& observed) {
  if (collections_) {
    auto& c = *collections_;
    for (auto& [field, reg] : c.hash) {
      reg.remove(stamp, observed_for(observed, RegisterTarget::kHashField, field), context);
    }
    std::erase_if(c.hash, [](const auto& kv) { return kv.second.empty(); });
    for (auto& [member, reg] : c.sorted_set) {
      reg.remove(stamp, observed_for(observed, RegisterTarget::kSortedSetMember, member), context);
    }
    std::erase_if(c.sorted_set, [](const auto& kv) { return kv.second.empty(); });
    std::vector<std::string> members;
    for (const auto& [member, s] : c.set.newest) members.push_back(member);
    for (auto& member : members) {
      auto stamps = element_stamps(c.set, member);
      std::erase_if(stamps, [&](Stamp s) { return context.covers(s); });
      store_element(c.set, member, std::move(stamps));
    }
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
    if (map.find(o.path) != map.end()) continue;
    map[o.path].remove(stamp, o.entries, context);
  }
  drop_empty_parts();
}

void KeyState::apply(const Op& op) {
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
      reg->increment(entry);
      break;
    }
    case OpKind::kHashSet:
      collections().hash[op.path].assign(op.stamp, op.value,
                                         observed_for(op.observed, RegisterTarget::kHashField, op.path),
                                         op.context);
      break;
    case OpKind::kSortedSetAdd:
      collections().sorted_set[op.path].assign(
          op.stamp, score_text(op.score),
          observed_for(op.observed, RegisterTarget::kSortedSetMember, op.path), op.context);
      break;
    case OpKind::kRemoveRegister: {
      // Created if absent when the remover saw counters: see
      // record_observations_of_absent_registers.
      const bool observed_counters = !observed_for(op.observed, op.target, op.path).empty();
      Register* reg = target_register(op.target, op.path, observed_counters);
      if (reg == nullptr) break;
      reg->remove(op.stamp, observed_for(op.observed, op.target, op.path), op.context);
      if (reg->empty() && op.target != RegisterTarget::kString) {
        auto& map = op.target == RegisterTarget::kHashField ? collections_->hash : collections_->sorted_set;
        map.erase(op.path);
      }
      drop_empty_parts();
      break;
    }
    case OpKind::kSetAdd: {
      auto& set = collections().set;
      auto stamps = element_stamps(set, op.path);
      std::erase_if(stamps, [&](Stamp s) { return op.context.covers(s); });
      stamps.push_back(op.stamp);
      store_element(set, op.path, std::move(stamps));
      break;
    }
    case OpKind::kSetRemove: {
      if (!collections_) break;
      auto stamps = element_stamps(collections_->set, op.path);
      std::erase_if(stamps, [&](Stamp s) { return op.context.covers(s); });
      store_element(collections_->set, op.path, std::move(stamps));
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
      lifetime().kills.push_back(KillMark{op.stamp, op.deadline_ms});
      kill_before(kill_floor());
      break;
    case OpKind::kFlushDatabase:
      break;  // database-scoped: Keyspace applies it key by key through remove_observed
  }
}

void KeyState::join(const KeyState& other, const StampVector& mine_seen, const StampVector& other_seen) {
  string_.join(other.string_, mine_seen, other_seen);
  if (collections_ || other.collections_) {
    static const Collections kEmpty;
    const Collections& theirs = other.collections_ ? *other.collections_ : kEmpty;
    auto& c = collections();
    join_register_maps(c.hash, theirs.hash, mine_seen, other_seen);
    join_register_maps(c.sorted_set, theirs.sorted_set, mine_seen, other_seen);
    std::vector<std::string> members;
    for (const auto& [m, s] : c.set.newest) members.push_back(m);
    for (const auto& [m, s] : theirs.set.newest) {
      if (c.set.newest.find(m) == c.set.newest.end()) members.push_back(m);
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
  }
  if (lifetime_ || other.lifetime_) {
    static const Lifetime kEmpty;
    const Lifetime& theirs = other.lifetime_ ? *other.lifetime_ : kEmpty;
    auto& l = lifetime();
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
}

void KeyState::collect_garbage(const StampVector& stable) {
  string_.collect_garbage(stable);
  if (collections_) {
    auto& c = *collections_;
    for (auto& [field, reg] : c.hash) reg.collect_garbage(stable);
    std::erase_if(c.hash, [](const auto& kv) { return kv.second.empty(); });
    for (auto& [member, reg] : c.sorted_set) reg.collect_garbage(stable);
    std::erase_if(c.sorted_set, [](const auto& kv) { return kv.second.empty(); });
    // Older concurrent add stamps of an element: once stable, every future remove sees them
    // and every kill reaching the newest reaches them, so the newest alone decides.
    for (auto it = c.set.older.begin(); it != c.set.older.end();) {
      std::erase_if(it->second, [&](Stamp s) { return stable.covers(s); });
      it = it->second.empty() ? c.set.older.erase(it) : std::next(it);
    }
  }
  if (lifetime_) {
    auto& l = *lifetime_;
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
}

bool KeyState::empty() const {
  return string_.empty() && !collections_ && !lifetime_;
}

ValueType KeyState::type() const {
  ValueType best = ValueType::kNone;
  Stamp best_stamp;
  const auto consider = [&](ValueType type, Stamp stamp) {
    if (best == ValueType::kNone || stamp > best_stamp) {
      best = type;
      best_stamp = stamp;
    }
  };
  if (string_.read().present) consider(ValueType::kString, string_.newest_live_stamp());
  if (collections_) {
    const auto& c = *collections_;
    const auto newest_present = [](const std::unordered_map<std::string, Register>& map) {
      std::optional<Stamp> newest;
      for (const auto& [path, reg] : map) {
        if (reg.read().present) newest = std::max(newest.value_or(Stamp{}), reg.newest_live_stamp());
      }
      return newest;
    };
    if (auto s = newest_present(c.hash)) consider(ValueType::kHash, *s);
    if (!c.set.newest.empty()) {
      Stamp newest;
      for (const auto& [m, s] : c.set.newest) newest = std::max(newest, s);
      consider(ValueType::kSet, newest);
    }
    if (auto s = newest_present(c.sorted_set)) consider(ValueType::kSortedSet, *s);
  }
  return best;
}

std::optional<std::uint64_t> KeyState::deadline_ms() const {
  if (!lifetime_ || lifetime_->ttl.empty()) return std::nullopt;
  std::uint64_t top = 0;
  for (const auto& t : lifetime_->ttl) top = std::max(top, t.deadline_ms);
  if (top == kNoDeadline) return std::nullopt;
  return top;
}

bool KeyState::expired_at(std::uint64_t now_unix_ms) const {
  const auto d = deadline_ms();
  return d && *d <= now_unix_ms;
}

const Register* KeyState::stored_register(RegisterTarget target, const std::string& path) const {
  if (target == RegisterTarget::kString) return &string_;
  if (!collections_) return nullptr;
  const auto& map = target == RegisterTarget::kHashField ? collections_->hash : collections_->sorted_set;
  auto it = map.find(path);
  return it != map.end() ? &it->second : nullptr;
}

const Register* KeyState::hash_field(const std::string& field) const {
  if (!collections_) return nullptr;
  auto it = collections_->hash.find(field);
  if (it == collections_->hash.end() || !it->second.read().present) return nullptr;
  return &it->second;
}

const Register* KeyState::sorted_set_member(const std::string& member) const {
  if (!collections_) return nullptr;
  auto it = collections_->sorted_set.find(member);
  if (it == collections_->sorted_set.end() || !it->second.read().present) return nullptr;
  return &it->second;
}

bool KeyState::set_contains(const std::string& member) const {
  return collections_ && collections_->set.newest.count(member) > 0;
}

std::vector<std::pair<std::string, std::string>> KeyState::hash_fields() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (!collections_) return out;
  for (const auto& [field, reg] : collections_->hash) {
    auto r = reg.read();
    if (r.present) out.emplace_back(field, std::move(r.text));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> KeyState::set_members() const {
  std::vector<std::string> out;
  if (!collections_) return out;
  for (const auto& [m, s] : collections_->set.newest) out.push_back(m);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, double>> KeyState::sorted_set_members() const {
  std::vector<std::pair<std::string, double>> out;
  if (!collections_) return out;
  for (const auto& [m, reg] : collections_->sorted_set) {
    if (reg.read().present) out.emplace_back(m, score_from_register(reg));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t KeyState::count_members(ValueType type, std::size_t limit) const {
  if (!collections_) return 0;
  if (type == ValueType::kSet) return std::min(limit, collections_->set.newest.size());
  if (type != ValueType::kHash && type != ValueType::kSortedSet) return 0;
  const auto& map = type == ValueType::kHash ? collections_->hash : collections_->sorted_set;
  std::size_t count = 0;
  for (const auto& [path, reg] : map) {
    if (count >= limit) break;
    if (reg.read().present) ++count;
  }
  return count;
}

std::vector<RegisterObservations> KeyState::observe_counters() const {
  std::vector<RegisterObservations> out;
  if (auto e = string_.observations(); !e.empty()) out.push_back({RegisterTarget::kString, "", std::move(e)});
  if (collections_) {
    for (const auto& [field, reg] : collections_->hash) {
      if (auto e = reg.observations(); !e.empty()) out.push_back({RegisterTarget::kHashField, field, std::move(e)});
    }
    for (const auto& [member, reg] : collections_->sorted_set) {
      if (auto e = reg.observations(); !e.empty()) {
        out.push_back({RegisterTarget::kSortedSetMember, member, std::move(e)});
      }
    }
  }
  return out;
}

void KeyState::digest(Digest& digest) const {
  string_.digest(digest);
  const auto digest_map = [&](const std::unordered_map<std::string, Register>& map) {
    std::vector<const std::pair<const std::string, Register>*> items;
    for (const auto& kv : map) items.push_back(&kv);
    std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
    digest.add_u64(items.size());
    for (auto* kv : items) {
      digest.add_bytes(kv->first);
      kv->second.digest(digest);
    }
  };
  if (collections_) {
    digest.add_u64(1);
    digest_map(collections_->hash);
    digest_map(collections_->sorted_set);
    std::vector<std::string> members = set_members();
    digest.add_u64(members.size());
    for (const auto& m : members) {
      digest.add_bytes(m);
      auto stamps = element_stamps(collections_->set, m);
      std::sort(stamps.begin(), stamps.end());
      digest.add_u64(stamps.size());
      for (Stamp s : stamps) digest.add_u64(s.bits());
    }
  } else {
    digest.add_u64(0);
  }
  if (lifetime_) {
    auto ttl = lifetime_->ttl;
    std::sort(ttl.begin(), ttl.end(), [](const auto& a, const auto& b) { return a.stamp < b.stamp; });
    auto kills = lifetime_->kills;
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

std::string KeyState::describe() const {
  std::string out = "string" + string_.describe();
  if (collections_) {
    std::vector<std::string> parts;
    for (const auto& [f, reg] : collections_->hash) parts.push_back(" hash[" + f + "]" + reg.describe());
    for (const auto& [m, reg] : collections_->sorted_set) parts.push_back(" zset[" + m + "]" + reg.describe());
    for (const auto& m : set_members()) {
      std::string stamps;
      for (Stamp s : element_stamps(collections_->set, m)) stamps += " " + std::to_string(s.bits());
      parts.push_back(" set[" + m + "]" + stamps);
    }
    std::sort(parts.begin(), parts.end());
    for (const auto& p : parts) out += p;
  }
  if (lifetime_) {
    for (const auto& t : lifetime_->ttl) out += " ttl(" + std::to_string(t.stamp.bits()) + "," + std::to_string(t.deadline_ms) + ")";
    for (const auto& k : lifetime_->kills) out += " kill(" + std::to_string(k.stamp.bits()) + "," + std::to_string(k.deadline_ms) + ")";
  }
  return out;
}

std::size_t KeyState::metadata_bytes() const {
  std::size_t bytes = string_.metadata_bytes() + sizeof(collections_) + sizeof(lifetime_);
  if (collections_) {
    bytes += sizeof(Collections);
    for (const auto& [f, reg] : collections_->hash) bytes += reg.metadata_bytes();
    for (const auto& [m, reg] : collections_->sorted_set) bytes += reg.metadata_bytes();
    bytes += collections_->set.newest.size() * sizeof(Stamp);
    for (const auto& [m, v] : collections_->set.older) bytes += v.capacity() * sizeof(Stamp);
  }
  if (lifetime_) {
    bytes += sizeof(Lifetime) + lifetime_->ttl.capacity() * sizeof(TtlEntry) +
             lifetime_->kills.capacity() * sizeof(KillMark);
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
