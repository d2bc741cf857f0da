// The join of two keyspaces is a semilattice join, per command family: commutative,
// associative, idempotent, and consistent with apply (merging then applying an op equals
// applying it then merging), on states drawn from seeded partial deliveries.
#include <doctest/doctest.h>

#include <cstdio>

#include "tests/crdt/random_commands.h"
#include "tests/crdt/simulation.h"
#include "tests/crdt/visible_dump.h"

namespace tern::crdt {
namespace {

struct Family {
  const char* name;
  sim::CommandFamily family;
};

constexpr Family kFamilies[] = {
    {"strings", sim::CommandFamily::kString},  {"counters", sim::CommandFamily::kCounter},
    {"hashes", sim::CommandFamily::kHash},     {"sets", sim::CommandFamily::kSet},
    {"sorted sets", sim::CommandFamily::kSortedSet}, {"ttl", sim::CommandFamily::kTtl},
    {"everything", sim::CommandFamily::kAll}};

Keyspace joined(const Keyspace& a, const Keyspace& b) {
  Keyspace out = a;
  out.join(b);
  return out;
}

// Three regions part-way through a history: their states differ and overlap.
sim::Simulation partial_world(std::uint64_t seed, const sim::CommandMix& mix) {
  sim::Faults faults;
  faults.snapshot = 0;
  faults.gc = 0.05;
  sim::Simulation world(3, seed, faults);
  auto& rng = world.rng();
  for (int n = 0; n < 60; ++n) {
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, 2)(rng);
    world.advance(std::uniform_int_distribution<std::uint64_t>(0, 30)(rng));
    sim::issue_random_command(world.replica(at), rng, world.now(at), mix);
    world.publish(at);
    world.step();
  }
  return world;
}

void check_laws(const Family& family) {
  sim::CommandMix mix;
  mix.family = family.family;
  int failures = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    auto world = partial_world(seed, mix);
    const Keyspace a = world.replica(0).keyspace();
    const Keyspace b = world.replica(1).keyspace();
    const Keyspace c = world.replica(2).keyspace();
    const bool commutative = joined(a, b).digest() == joined(b, a).digest();
    const bool associative = joined(joined(a, b), c).digest() == joined(a, joined(b, c)).digest();
    const bool idempotent = joined(a, a).digest() == a.digest();
    // Ops written at region 1 now: merging then applying them equals applying then merging.
    Replica& writer = world.replica(0);
    sim::issue_random_command(writer, world.rng(), world.now(0), mix);
    const Keyspace a_after = writer.keyspace();
    Keyspace merge_then_apply = joined(b, a);
    for (const Op& op : writer.take_outbox()) merge_then_apply.apply(op);
    const bool consistent = merge_then_apply.digest() == joined(b, a_after).digest();
    if (!(commutative && associative && idempotent && consistent)) {
      if (failures == 0) {
        std::printf("merge laws (%s) fail at seed %llu: commutative=%d associative=%d idempotent=%d apply=%d\n",
                    family.name, static_cast<unsigned long long>(seed), commutative, associative,
                    idempotent, consistent);
      }
      ++failures;
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("merge laws hold for strings") { check_laws(kFamilies[0]); }
TEST_CASE("merge laws hold for counters") { check_laws(kFamilies[1]); }
TEST_CASE("merge laws hold for hashes") { check_laws(kFamilies[2]); }
TEST_CASE("merge laws hold for sets") { check_laws(kFamilies[3]); }
TEST_CASE("merge laws hold for sorted sets") { check_laws(kFamilies[4]); }
TEST_CASE("merge laws hold for ttl") { check_laws(kFamilies[5]); }
TEST_CASE("merge laws hold for every family mixed") { check_laws(kFamilies[6]); }

}  // namespace
}  // namespace tern::crdt
