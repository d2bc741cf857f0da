#pragma once
// Two regions with hand-driven delivery, for tests that spell out one conflict each.
#include <string>

#include "crdt/replica.h"

namespace tern::crdt::test {

inline constexpr std::uint64_t kT0 = 1'800'000'000'000ULL;

struct TwoRegions {
  Replica a{RegionId{1}};
  Replica b{RegionId{2}};
  std::vector<Op> a_sent;
  std::vector<Op> b_sent;

  // What each wrote so far goes to the other (concurrent writes cross in flight).
  void exchange(std::uint64_t now) {
    auto from_a = a.take_outbox();
    auto from_b = b.take_outbox();
    for (const auto& op : from_a) b.receive(op, now);
    for (const auto& op : from_b) a.receive(op, now);
  }
  std::string get(const Replica& r, const std::string& key, std::uint64_t now) const {
    const KeyState* s = r.lookup(0, key, now);
    return s == nullptr ? "(nil)" : s->string_register().read().text;
  }
  bool converged() const { return a.keyspace().digest() == b.keyspace().digest(); }
};

}  // namespace tern::crdt::test
