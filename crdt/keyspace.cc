#include "crdt/keyspace.h"

#include <algorithm>
#include <unordered_map>

#include "crdt/mutant.h"

namespace tern::crdt {

bool Keyspace::apply(const Op& op) {
  if (applied_.covers(op.stamp) || op.database >= databases_.size()) return false;
  auto& db = databases_[op.database];
  if (op.kind == OpKind::kFlushDatabase) {
    apply_flush(db, op);
  } else {
    // The key is copied only when it is new here. A key born as a counter gets its counter's
    // Detail inside its block (register.h): increments then touch one allocation.
    const bool counter = (op.kind == OpKind::kIncrement || op.kind == OpKind::kIncrementFloat) &&
                         op.target == RegisterTarget::kString;
    const auto it = counter ? db.try_emplace_with_spare(op.key, KeyState::counter_storage_bytes()).first
                            : db.try_emplace(op.key).first;
    KeyState& state = it.value();
    state.apply(op);
    if (state.empty()) db.erase(it);
  }
  applied_.raise(op.stamp);
  return true;
}

void Keyspace::apply_flush(Database& db, const Op& op) {
  std::unordered_map<std::string_view, const std::vector<RegisterObservations>*> observed;
  for (const auto& k : op.flush_observed) observed[k.key] = &k.registers;
  static const std::vector<RegisterObservations> kNone;
  // Keys the flush saw counters of are visited even if gone here (killed by an expiry that
  // arrived first), so the outcome does not depend on arrival order.
  for (const auto& k : op.flush_observed) db.try_emplace(k.key);
  for (auto&& [key, state] : db) {
    auto it = observed.find(key);
    state.remove_observed(op.stamp, op.context, it != observed.end() ? *it->second : kNone);
  }
  db.erase_if([](std::string_view, const KeyState& state) { return state.empty(); });
}

void Keyspace::join(const Keyspace& other) {
  const std::size_t n = std::min(databases_.size(), other.databases_.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto& mine = databases_[i];
    const auto& theirs = other.databases_[i];
    static const KeyState kEmpty;
    for (auto&& [key, state] : mine) {
      auto it = theirs.find(key);
      state.join(it != theirs.end() ? it.value() : kEmpty, applied_, other.applied_);
    }
    for (const auto& [key, state] : theirs) {
      if (mine.contains(key)) continue;
      KeyState fresh;
      fresh.join(state, applied_, other.applied_);
      if (!fresh.empty()) mine.try_emplace(key, std::move(fresh));
    }
    mine.erase_if([](std::string_view, const KeyState& state) { return state.empty(); });
  }
  applied_.join(other.applied_);
}

void Keyspace::collect_garbage(const StampVector& stable_vector) {
  const StampVector& stable = kMutant == Mutant::kGarbageOnLocalVector ? applied_ : stable_vector;
  for (auto& db : databases_) {
    for (auto&& [key, state] : db) state.collect_garbage(stable);
    db.erase_if([](std::string_view, const KeyState& state) { return state.empty(); });
  }
}

bool Keyspace::insert_restored(std::uint32_t database, std::string_view key, KeyState state) {
  if (database >= databases_.size() || state.empty()) return false;
  return databases_[database].try_emplace(key, std::move(state)).second;
}

const KeyState* Keyspace::find(std::uint32_t database, std::string_view key) const {
  if (database >= databases_.size()) return nullptr;
  auto it = databases_[database].find(key);
  return it != databases_[database].end() ? &it.value() : nullptr;
}

std::uint64_t Keyspace::digest() const {
  // Canonical: keys in byte order, whatever the tables' layout (seed, history of growth).
  Digest digest;
  for (const auto& db : databases_) {
    std::vector<std::pair<std::string_view, const KeyState*>> keys;
    keys.reserve(db.size());
    for (const auto& [key, state] : db) keys.emplace_back(key, &state);
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    digest.add_u64(keys.size());
    for (const auto& [key, state] : keys) {
      digest.add_bytes(key);
      state->digest(digest);
    }
  }
  return digest.value();
}

std::size_t Keyspace::metadata_bytes() const {
  std::size_t bytes = 0;
  for (const auto& db : databases_) {
    for (const auto& [key, state] : db) bytes += state.metadata_bytes();
  }
  return bytes;
}

}  // namespace tern::crdt
