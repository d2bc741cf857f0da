// StallSchedule: when a stall holds a direction, once or periodically.
#include <doctest/doctest.h>

#include <chrono>

#include "chaos/link_faults.h"

namespace tern::chaos {
namespace {

using std::chrono::milliseconds;

const Instant kStart = Instant{} + std::chrono::hours(1);

TEST_CASE("stall schedule without a duration is never active") {
  const StallSchedule none;
  CHECK_FALSE(none.active_at(kStart));
  CHECK(none.clear_from(kStart) == kStart);
}

TEST_CASE("stall schedule once is active only inside its window") {
  const StallSchedule once{kStart, milliseconds(200), milliseconds(0)};
  CHECK_FALSE(once.active_at(kStart - Nanoseconds(1)));
  CHECK(once.active_at(kStart));
  CHECK(once.active_at(kStart + milliseconds(199)));
  CHECK_FALSE(once.active_at(kStart + milliseconds(200)));
  CHECK_FALSE(once.active_at(kStart + milliseconds(5000)));
}

TEST_CASE("stall schedule periodic repeats every period") {
  const StallSchedule periodic{kStart, milliseconds(100), milliseconds(1000)};
  CHECK(periodic.active_at(kStart + milliseconds(3050)));
  CHECK_FALSE(periodic.active_at(kStart + milliseconds(3100)));
  CHECK_FALSE(periodic.active_at(kStart + milliseconds(3999)));
  CHECK(periodic.active_at(kStart + milliseconds(4000)));
}

TEST_CASE("stall schedule clear from gives the end of the current stall") {
  const StallSchedule periodic{kStart, milliseconds(100), milliseconds(1000)};
  CHECK(periodic.clear_from(kStart + milliseconds(2010)) == kStart + milliseconds(2100));
  CHECK(periodic.clear_from(kStart + milliseconds(2500)) == kStart + milliseconds(2500));
  const StallSchedule once{kStart, milliseconds(100), milliseconds(0)};
  CHECK(once.clear_from(kStart + milliseconds(50)) == kStart + milliseconds(100));
}

}  // namespace
}  // namespace tern::chaos
