// KeyState keeps per-payload summaries so that type() and count_members() are O(1), and a
// score index so that sorted-set ranks are O(log n) (see crdt/key_state.h). These cases hold
// them to the definitions computed from every item, after every step of random histories
// under faults (type conflicts, expiry, joins, GC included), and check that a command on a large collection no longer costs O(elements) at its origin.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <limits>
#include <string>

#include "crdt/replica.h"
#include "tests/crdt/random_commands.h"
#include "tests/crdt/simulation.h"
#include "tests/crdt/two_regions.h"

namespace tern::crdt {
namespace {

// The score index holds exactly the present members, in (score, member) order, with the
// scores' exact bits (the sign of zero included).
bool sorted_index_matches(const KeyState& state) {
  auto expected = state.sorted_set_members();
  std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  const ScoreIndex* index = state.sorted_set_index();
  const std::size_t size = index == nullptr ? 0 : index->size();
  if (size != expected.size()) return false;
  for (std::size_t i = 0; i < size; ++i) {
    const auto& entry = index->at(i);
    if (entry.member != expected[i].first || std::memcmp(&entry.score, &expected[i].second, sizeof(double)) != 0) {
      return false;
    }
    if (index->rank(entry.score, entry.member) != i) return false;
  }
  return true;
}

// Empty when every key of `replica` has summaries equal to a recount, else the first key that
// does not.
std::string summary_mismatch(const Replica& replica) {
  constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
  for (std::uint32_t db = 0; db < replica.keyspace().database_count(); ++db) {
    for (const auto& [key, state] : replica.keyspace().database(db)) {
      const bool same = state.type() == state.type_by_scan() &&
                        state.count_members(ValueType::kHash, kAll) == state.hash_fields().size() &&
                        state.count_members(ValueType::kSet, kAll) == state.set_members().size() &&
                        state.count_members(ValueType::kSortedSet, kAll) ==
                            state.sorted_set_members().size();
      if (!same) return std::string(key) + ": " + state.describe();
      if (!sorted_index_matches(state)) return std::string(key) + " (score index): " + state.describe();
    }
  }
  return {};
}

TEST_CASE("type and member counts and the score index equal a recount after every step of random histories") {
  sim::Faults faults;
  faults.gc = 0.2;         // collect often: garbage collection recomputes the summaries
  faults.snapshot = 0.05;  // and so do joins
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    sim::Simulation world(3, seed, faults);
    auto& rng = world.rng();
    sim::CommandMix mix;
    mix.keys = 3;  // few keys: type conflicts and removals of a payload's newest item are common
    for (int n = 0; n < 150; ++n) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, 2)(rng);
      world.advance(std::uniform_int_distribution<std::uint64_t>(0, 40)(rng));
      sim::issue_random_command(world.replica(at), rng, world.now(at), mix);
      world.publish(at);
      world.step();
      for (std::size_t i = 0; i < world.size(); ++i) {
        const std::string mismatch = summary_mismatch(world.replica(i));
        if (!mismatch.empty()) {
          FAIL("seed " << seed << " step " << n << " region " << i + 1 << ": " << mismatch);
        }
      }
    }
    world.quiesce();
    for (std::size_t i = 0; i < world.size(); ++i) CHECK(summary_mismatch(world.replica(i)).empty());
  }
}

TEST_CASE("removing a type's newest item during a type conflict hands the key to the other type") {
  using test::kT0;
  test::TwoRegions w;
  REQUIRE(w.b.hset(0, "k", "f1", "v", kT0 + 1).ok());
  REQUIRE(w.a.sadd(0, "k", "x", kT0 + 5).ok());  // concurrent: a set at a, a hash at b
  REQUIRE(w.b.hset(0, "k", "f2", "v", kT0 + 10).ok());
  w.exchange(kT0 + 20);
  for (const Replica* r : {&w.a, &w.b}) {
    const KeyState* state = r->keyspace().find(0, "k");
    REQUIRE(state != nullptr);
    CHECK(state->type() == ValueType::kHash);  // f2 is the newest item
  }
  // b removes f2, the hash's newest field: the set's x is now the newest item.
  CHECK(w.b.hdel(0, "k", "f2", kT0 + 21).value());
  w.exchange(kT0 + 30);
  for (const Replica* r : {&w.a, &w.b}) {
    const KeyState* state = r->keyspace().find(0, "k");
    REQUIRE(state != nullptr);
    CHECK(state->type() == ValueType::kSet);
    CHECK(state->type() == state->type_by_scan());
    CHECK(state->count_members(ValueType::kHash, 10) == 1);
  }
  CHECK(w.converged());
}

TEST_CASE("collection commands at the origin cost the same on a key of 200,000 members") {
  // Before the summaries, type() read every member on every HSET/SADD/ZADD: O(n) per command.
  using test::kT0;
  Replica replica(RegionId{1});
  constexpr int kMembers = 200'000;
  int refused = 0;
  for (int i = 0; i < kMembers; ++i) {
    refused += replica.hset(0, "h", "f" + std::to_string(i), "v", kT0 + i / 100).ok() ? 0 : 1;
    refused += replica.sadd(0, "s", "m" + std::to_string(i), kT0 + i / 100).ok() ? 0 : 1;
    refused += replica.zadd(0, "z", "m" + std::to_string(i), i, kT0 + i / 100).ok() ? 0 : 1;
  }
  (void)replica.take_outbox();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) {
    const std::uint64_t now = kT0 + kMembers / 100 + 1;
    refused += replica.hset(0, "h", "f" + std::to_string(i), "w", now).ok() ? 0 : 1;
    refused += replica.sadd(0, "s", "n" + std::to_string(i), now).ok() ? 0 : 1;
    refused += replica.srem(0, "s", "m" + std::to_string(i), now).ok() ? 0 : 1;
    refused += replica.zincr_by(0, "z", "m" + std::to_string(i), 1.5, now).ok() ? 0 : 1;
    refused += replica.hdel(0, "h", "f" + std::to_string(kMembers - 1 - i), now).ok() ? 0 : 1;
  }
  CHECK(refused == 0);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("5,000 commands on 200,000-member keys in " << seconds << " s");
  // O(n) per command would take 5,000 x 200,000 member reads: minutes. Generous bound for
  // sanitizer builds on a loaded machine.
  CHECK(seconds < 5.0);
  CHECK(replica.keyspace().find(0, "h")->count_members(ValueType::kHash, SIZE_MAX) == kMembers - 1000);
}

}  // namespace
}  // namespace tern::crdt
