// LINKS's line for a link: fields, order and state.
#include "chaos/link_report.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace tern::chaos {
namespace {

using std::chrono::milliseconds;

const Instant kStart = Instant{} + std::chrono::hours(1);
const LinkSpec kSpec{"eu-us", {"127.0.0.1", 0}, {"127.0.0.1", 6379}};

std::string line(const LinkFaults& faults, const LinkCounters& counters = {},
                 Instant now = kStart) {
  return link_report_line(LinkView{kSpec, 7000, faults, counters}, now);
}

TEST_CASE("link report line names every field in a fixed order") {
  LinkCounters counters;
  counters.forwarded_bytes = {10, 20};
  counters.dropped_bytes = {3, 4};
  counters.connections_accepted = 5;
  counters.connections_open = 2;
  LinkFaults faults;
  faults.of(Direction::kUp).delay = milliseconds(35);
  faults.of(Direction::kUp).jitter = milliseconds(5);
  faults.of(Direction::kDown).bytes_per_second = 1000;
  CHECK(line(faults, counters) ==
        "name=eu-us listen=127.0.0.1:7000 target=127.0.0.1:6379 state=faulty connections=2 "
        "accepted=5 reset=0 connect_failures=0 "
        "up_bytes=10 up_dropped=3 up_queued=0 up_delay_ms=35 up_jitter_ms=5 up_bandwidth=0 "
        "up_stall_ms=0 "
        "up_stall_every_ms=0 up_halfopen=off "
        "down_bytes=20 down_dropped=4 down_queued=0 down_delay_ms=0 down_jitter_ms=0 "
        "down_bandwidth=1000 "
        "down_stall_ms=0 down_stall_every_ms=0 down_halfopen=off");
}

TEST_CASE("link report state shows cut before blackhole before faulty before ok") {
  LinkFaults faults;
  CHECK(line(faults).find("state=ok ") != std::string::npos);
  faults.of(Direction::kDown).dead = true;
  CHECK(line(faults).find("state=faulty ") != std::string::npos);
  faults.blackhole = true;
  CHECK(line(faults).find("state=blackhole ") != std::string::npos);
  faults.cut = true;
  CHECK(line(faults).find("state=cut ") != std::string::npos);
}

TEST_CASE("link report hides a one time stall that has ended") {
  LinkFaults faults;
  faults.of(Direction::kUp).stall = StallSchedule{kStart, milliseconds(100), {}};
  CHECK(line(faults, {}, kStart).find("up_stall_ms=100 ") != std::string::npos);
  CHECK(line(faults, {}, kStart + milliseconds(100)).find("up_stall_ms=0 ") != std::string::npos);
}

}  // namespace
}  // namespace tern::chaos
