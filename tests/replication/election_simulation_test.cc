// The deterministic simulation of a region (simulated_region.h), over many seeds.
//
//   TERN_ELECTION_SEEDS=N        run seeds 1..N (default 3000; the ASan stage of scripts/test
//                                runs fewer)
//   TERN_ELECTION_SEED=S         run only seed S, and print its event trace on failure
//
// A failing seed is printed with the violated invariant and the last events before it.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "tests/replication/simulated_region.h"

namespace tern::election::testing {
namespace {

std::optional<std::uint64_t> env_number(const char* name) {
  const char* text = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once per test
  if (text == nullptr || *text == '\0') return std::nullopt;
  return std::strtoull(text, nullptr, 10);
}

TEST_CASE("simulated region: safety under faults and liveness after they heal, over many seeds") {
  std::uint64_t first = 1;
  std::uint64_t count = env_number("TERN_ELECTION_SEEDS").value_or(3000);
  if (const auto only = env_number("TERN_ELECTION_SEED")) {
    first = *only;
    count = 1;
  }
  SimulationStats total;
  int failures = 0;
  for (std::uint64_t seed = first; seed < first + count && failures < 3; ++seed) {
    SimulatedRegion region(seed);
    const std::optional<std::string> failure = region.run();
    total.add(region.stats());
    if (failure) {
      ++failures;
      FAIL_CHECK("seed " << seed << " (replay: TERN_ELECTION_SEED=" << seed << "): " << *failure
                         << "\nlast events:\n"
                         << region.trace());
    }
  }
  MESSAGE("seeds " << first << ".." << first + count - 1 << ": " << total.leaders_elected
                   << " leaders, " << total.entries_committed << " entries committed, "
                   << total.snapshots_installed << " snapshots installed, " << total.disk_wipes
                   << " disk wipes, " << total.rejoins_completed << " rejoins, "
                   << total.transfers_completed << " transfers, " << total.check_quorum_step_downs
                   << " check-quorum step-downs (slowest " << total.max_step_down_ticks
                   << " ticks), " << total.membership_changes << " membership changes, "
                   << total.crashes << " crashes; slowest recovery after healing "
                   << total.max_recovery_ticks << " ticks");
  // The faults must actually happen, or the run proves nothing.
  if (count >= 100) {
    CHECK(total.snapshots_installed > 0);
    CHECK(total.transfers_completed > 0);
    CHECK(total.check_quorum_step_downs > 0);
    CHECK(total.membership_changes > 0);
    CHECK(total.crashes > 0);
    CHECK(total.disk_wipes > 0);
    CHECK(total.rejoins_completed > 0);
  }
}

}  // namespace
}  // namespace tern::election::testing
