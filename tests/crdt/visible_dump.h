#pragma once
// A text dump of what clients would read from a replica at a given time: the data that
// must be equal across regions (and, in causal histories, equal to Redis).
#include <cstdio>
#include <string>

#include "crdt/replica.h"

namespace tern::crdt::sim {

inline std::string format_score(double score) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", score);
  return buffer;
}

inline std::string visible_dump(const Replica& replica, std::uint64_t now) {
  std::string out;
  for (std::uint32_t db = 0; db < replica.keyspace().database_count(); ++db) {
    std::vector<std::string> keys;
    for (const auto& [key, state] : replica.keyspace().database(db)) keys.emplace_back(key);
    std::sort(keys.begin(), keys.end());
    for (const auto& key : keys) {
      const KeyState* state = replica.lookup(db, key, now);
      if (state == nullptr) continue;
      out += std::to_string(db) + " " + key;
      if (auto d = state->deadline_ms()) out += " ttl=" + std::to_string(*d);
      switch (state->type()) {
        case ValueType::kString: out += " string " + state->string_register().read().text; break;
        case ValueType::kHash:
          out += " hash";
          for (const auto& [f, v] : state->hash_fields()) out += " " + f + "=" + v;
          break;
        case ValueType::kSet:
          out += " set";
          for (const auto& m : state->set_members()) out += " " + m;
          break;
        case ValueType::kSortedSet:
          out += " zset";
          for (const auto& [m, s] : state->sorted_set_members()) out += " " + m + "=" + format_score(s);
          break;
        case ValueType::kNone: break;
      }
      out += "\n";
    }
  }
  return out;
}

// The keys whose stored state differs between two replicas, item by item.
inline std::string state_difference(const Replica& a, const Replica& b) {
  std::string out;
  for (std::uint32_t db = 0; db < a.keyspace().database_count(); ++db) {
    std::vector<std::string> keys;
    for (const auto& [key, state] : a.keyspace().database(db)) keys.emplace_back(key);
    for (const auto& [key, state] : b.keyspace().database(db)) keys.emplace_back(key);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const auto& key : keys) {
      const KeyState* x = a.keyspace().find(db, key);
      const KeyState* y = b.keyspace().find(db, key);
      const std::string dx = x != nullptr ? x->describe() : "(none)";
      const std::string dy = y != nullptr ? y->describe() : "(none)";
      if (dx != dy) out += std::to_string(db) + " " + key + "\n  a: " + dx + "\n  b: " + dy + "\n";
    }
  }
  return out;
}

}  // namespace tern::crdt::sim
