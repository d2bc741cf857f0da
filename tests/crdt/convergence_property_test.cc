// Property: random histories of every op kind on three regions, delivered with delays,
// duplicates, drops, relays, partitions, snapshot merges, garbage collection and skewed
// clocks, converge to identical state once delivery quiesces (crdt/README.md "Proof").
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "crdt/replica.h"
#include "tests/crdt/random_commands.h"
#include "tests/crdt/simulation.h"
#include "tests/crdt/visible_dump.h"

namespace tern::crdt {
namespace {

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* text = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once per test
  return text != nullptr ? std::strtoull(text, nullptr, 10) : fallback;
}

// Runs one seeded history; returns an empty string when all regions agree, else a reason.
std::string run_history(std::uint64_t seed, const sim::Faults& faults) {
  const bool compare_digests = env_number("TERN_PROPERTY_COMPARE_DIGESTS", 1) != 0;
  sim::Simulation world(3, seed, faults);
  auto& rng = world.rng();
  const int ops = std::uniform_int_distribution<int>(50, 400)(rng);
  for (int n = 0; n < ops; ++n) {
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, 2)(rng);
    world.advance(std::uniform_int_distribution<std::uint64_t>(0, 40)(rng));
    if (std::uniform_int_distribution<int>(0, 199)(rng) == 0) world.jump_back(at, 1500);
    sim::issue_random_command(world.replica(at), rng, world.now(at));
    world.publish(at);
    world.step();
  }
  world.quiesce();
  const std::uint64_t digest = world.replica(0).keyspace().digest();
  const std::string dump = sim::visible_dump(world.replica(0), world.global_time() + 10'000);
  for (std::size_t i = 1; i < world.size(); ++i) {
    const std::string other = sim::visible_dump(world.replica(i), world.global_time() + 10'000);
    if (other != dump) {
      return "region " + std::to_string(i + 1) + " visible data differs\n--- region 1:\n" + dump +
             "--- region " + std::to_string(i + 1) + ":\n" + other;
    }
    if (compare_digests && world.replica(i).keyspace().digest() != digest) {
      return "region " + std::to_string(i + 1) + " digest differs\n" +
             sim::state_difference(world.replica(0), world.replica(i));
    }
  }
  return {};
}

TEST_CASE("crdt property: random histories on three regions converge under faults") {
  const std::uint64_t only_seed = env_number("TERN_PROPERTY_SEED", 0);
  const std::uint64_t histories = only_seed != 0 ? 1 : env_number("TERN_PROPERTY_HISTORIES", 10000);
  const std::uint64_t first_seed = only_seed != 0 ? only_seed : env_number("TERN_PROPERTY_FIRST_SEED", 1);
  sim::Faults faults;
  faults.gc = static_cast<double>(env_number("TERN_PROPERTY_GC_PERCENT", 5)) / 100.0;
  faults.snapshot = static_cast<double>(env_number("TERN_PROPERTY_SNAPSHOT_PERMILLE", 10)) / 1000.0;
  faults.final_gc = env_number("TERN_PROPERTY_FINAL_GC", 1) != 0;
  std::uint64_t divergent = 0;
  for (std::uint64_t h = 0; h < histories; ++h) {
    const std::uint64_t seed = first_seed + h;
    const std::string reason = run_history(seed, faults);
    if (!reason.empty()) {
      if (divergent == 0) {
        std::printf("crdt-property: seed %llu diverged (replay: TERN_PROPERTY_SEED=%llu): %s\n",
                    static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed),
                    reason.c_str());
      }
      ++divergent;
    }
  }
  std::printf("crdt-property: %llu histories, 3 replicas, %llu divergent\n",
              static_cast<unsigned long long>(histories), static_cast<unsigned long long>(divergent));
  CHECK(divergent == 0);
}

}  // namespace
}  // namespace tern::crdt
