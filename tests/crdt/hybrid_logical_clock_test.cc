// The hybrid logical clock: monotonic whatever the physical clock does, after every stamp it
// has received, and honest about peers whose clocks run too far ahead.
#include <doctest/doctest.h>

#include "crdt/hybrid_logical_clock.h"

namespace tern::crdt {
namespace {

constexpr std::uint64_t kT0 = 1'800'000'000'000ULL;

TEST_CASE("hlc stamps strictly increase when the physical clock goes backwards") {
  HybridLogicalClock clock(RegionId{1}, 500);
  Stamp previous = clock.now(kT0);
  for (std::uint64_t back = 1; back < 2000; back += 97) {
    const Stamp next = clock.now(kT0 - back);
    CHECK(next > previous);
    previous = next;
  }
  CHECK(clock.now(kT0 + 10).unix_ms() == kT0 + 10);  // and catches up with real time
}

TEST_CASE("hlc update returns a stamp after the received one") {
  HybridLogicalClock clock(RegionId{1}, 500);
  HybridLogicalClock ahead(RegionId{2}, 500);
  const Stamp remote = ahead.now(kT0 + 300);
  const Stamp local = clock.update(remote, kT0);
  CHECK(local > remote);
  CHECK(clock.now(kT0) > local);
  CHECK(clock.skewed_remote_count() == 0);
}

TEST_CASE("hlc accepts a remote stamp beyond the maximum skew but counts it") {
  HybridLogicalClock clock(RegionId{1}, 500);
  HybridLogicalClock fast(RegionId{2}, 500);
  const Stamp remote = fast.now(kT0 + 5000);
  const Stamp local = clock.update(remote, kT0);
  CHECK(local > remote);
  CHECK(clock.skewed_remote_count() == 1);
  CHECK(clock.max_observed_skew_ms() == 5000);
}

TEST_CASE("hlc borrows the next millisecond instead of wrapping the logical counter") {
  HybridLogicalClock clock(RegionId{3}, 500);
  Stamp previous = clock.now(kT0);
  for (std::uint32_t i = 0; i < kMaxLogical + 10; ++i) {
    const Stamp next = clock.now(kT0);
    REQUIRE(next > previous);
    previous = next;
  }
  CHECK(previous.unix_ms() == kT0 + 1);
  CHECK(previous.region() == RegionId{3});
}

TEST_CASE("stamps order by time, then logical count, then region") {
  CHECK(Stamp::make(5, 0, RegionId{9}) < Stamp::make(6, 0, RegionId{1}));
  CHECK(Stamp::make(5, 1, RegionId{1}) > Stamp::make(5, 0, RegionId{9}));
  CHECK(Stamp::make(5, 1, RegionId{2}) > Stamp::make(5, 1, RegionId{1}));
}

}  // namespace
}  // namespace tern::crdt
