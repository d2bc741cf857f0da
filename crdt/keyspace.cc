#include "crdt/keyspace.h"

#include <algorithm>

#include "crdt/mutant.h"

namespace tern::crdt {

bool Keyspace::apply(const Op& op) {
  if (applied_.covers(op.stamp) || op.database >= databases_.size()) return false;
  auto& db = databases_[op.database];
  if (op.kind == OpKind::kFlushDatabase) {
    std::unordered_map<std::string, const std::vector<RegisterObservations>*> observed;
    for (const auto& k : op.flush_observed) observed[k.key] = &k.registers;
    static const std::vector<RegisterObservations> kNone;
    // Keys the flush saw counters of are visited even if gone here (killed by an expiry
    // that arrived first), so the outcome does not depend on arrival order.
    for (const auto& k : op.flush_observed) db.try_emplace(k.key);
    for (auto& [key, state] : db) {
      auto it = observed.find(key);
      state.remove_observed(op.stamp, op.context, it != observed.end() ? *it->second : kNone);
    }
    std::erase_if(db, [](const auto& kv) { return kv.second.empty(); });
  } else {
    auto it = db.find(op.key);
    if (it == db.end()) it = db.emplace(op.key, KeyState{}).first;
    it->second.apply(op);
    if (it->second.empty()) db.erase(it);
  }
  applied_.raise(op.stamp);
  return true;
}

void Keyspace::join(const Keyspace& other) {
  const std::size_t n = std::min(databases_.size(), other.databases_.size());
  for (std::size_t i = 0; i < n; ++i) {
    auto& mine = databases_[i];
    const auto& theirs = other.databases_[i];
    static const KeyState kEmpty;
    for (auto& [key, state] : mine) {
      auto it = theirs.find(key);
      state.join(it != theirs.end() ? it->second : kEmpty, applied_, other.applied_);
    }
    for (const auto& [key, state] : theirs) {
      if (mine.find(key) != mine.end()) continue;
      KeyState fresh;
      fresh.join(state, applied_, other.applied_);
      if (!fresh.empty()) mine.emplace(key, std::move(fresh));
    }
    std::erase_if(mine, [](const auto& kv) { return kv.second.empty(); });
  }
  applied_.join(other.applied_);
}

void Keyspace::collect_garbage(const StampVector& stable_vector) {
  const StampVector& stable = kMutant == Mutant::kGarbageOnLocalVector ? applied_ : stable_vector;
  for (auto& db : databases_) {
    for (auto& [key, state] : db) state.collect_garbage(stable);
    std::erase_if(db, [](const auto& kv) { return kv.second.empty(); });
  }
}

const KeyState* Keyspace::find(std::uint32_t database, const std::string& key) const {
  if (database >= databases_.size()) return nullptr;
  auto it = databases_[database].find(key);
  return it != databases_[database].end() ? &it->second : nullptr;
}

std::uint64_t Keyspace::digest() const {
  Digest digest;
  for (const auto& db : databases_) {
    std::vector<const std::pair<const std::string, KeyState>*> keys;
    keys.reserve(db.size());
    for (const auto& kv : db) keys.push_back(&kv);
    std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return a->first < b->first; });
    digest.add_u64(keys.size());
    for (auto* kv : keys) {
      digest.add_bytes(kv->first);
      kv->second.digest(digest);
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
