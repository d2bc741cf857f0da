// Shaper against a fake clock: each case pushes chunks at chosen instants, then releases them
// by jumping to the instant next_release() names, as the Asio edge's timer would, and checks
// when each byte left.
#include "chaos/shaper.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/chaos/test_seed.h"

namespace tern::chaos {
namespace {

using std::chrono::milliseconds;

const Instant kStart = Instant{} + std::chrono::hours(1);

struct Release {
  Instant at;
  std::string bytes;
};

// Releases everything queued, following next_release(); at most `max_write` bytes per take.
std::vector<Release> drain(Shaper& shaper, Instant from, std::size_t max_write = 1 << 20) {
  std::vector<Release> releases;
  Instant now = from;
  for (int guard = 0; guard < 1'000'000 && !shaper.empty(); ++guard) {
    now = std::max(now, *shaper.next_release(now));
    std::string out;
    shaper.take(now, max_write, out);
    if (!out.empty()) releases.push_back({now, out});
  }
  return releases;
}

DirectionFaults delay_of(milliseconds delay, milliseconds jitter = milliseconds(0)) {
  DirectionFaults faults;
  faults.delay = delay;
  faults.jitter = jitter;
  return faults;
}

TEST_CASE("shaper releases a chunk at once when no fault is set") {
  Shaper shaper(1);
  shaper.push(kStart, "hello");
  CHECK(*shaper.next_release(kStart) == kStart);
  std::string out;
  CHECK(shaper.take(kStart, 100, out) == 5);
  CHECK(out == "hello");
  CHECK(shaper.empty());
}

TEST_CASE("shaper next release is empty when nothing is queued") {
  Shaper shaper(1);
  CHECK_FALSE(shaper.next_release(kStart).has_value());
}

TEST_CASE("shaper holds a chunk for exactly the configured delay") {
  Shaper shaper(1);
  shaper.set_faults(delay_of(milliseconds(35)), kStart);
  shaper.push(kStart, "x");
  CHECK(*shaper.next_release(kStart) == kStart + milliseconds(35));
  std::string out;
  CHECK(shaper.take(kStart + milliseconds(35) - Nanoseconds(1), 10, out) == 0);
  CHECK(shaper.take(kStart + milliseconds(35), 10, out) == 1);
}

TEST_CASE("shaper delays each chunk from its own arrival") {
  Shaper shaper(1);
  shaper.set_faults(delay_of(milliseconds(35)), kStart);
  shaper.push(kStart, "a");
  shaper.push(kStart + milliseconds(10), "b");
  const auto releases = drain(shaper, kStart);
  REQUIRE(releases.size() == 2);
  CHECK(releases[0].at == kStart + milliseconds(35));
  CHECK(releases[1].at == kStart + milliseconds(45));
}

TEST_CASE("shaper jitter keeps every release within delay plus or minus jitter") {
  Shaper shaper(42);
  shaper.set_faults(delay_of(milliseconds(35), milliseconds(5)), kStart);
  Nanoseconds lowest = milliseconds(1000);
  Nanoseconds highest{0};
  for (int i = 0; i < 2000; ++i) {
    // One chunk at a time, so no chunk waits behind another.
    const Instant arrival = kStart + std::chrono::seconds(i);
    shaper.push(arrival, "x");
    const auto releases = drain(shaper, arrival);
    REQUIRE(releases.size() == 1);
    lowest = std::min(lowest, releases[0].at - arrival);
    highest = std::max(highest, releases[0].at - arrival);
  }
  CHECK(lowest >= milliseconds(30));
  CHECK(highest <= milliseconds(40));
  // Uniform over 10 ms: 2000 samples come close to both ends.
  CHECK(lowest < milliseconds(31));
  CHECK(highest > milliseconds(39));
}

TEST_CASE("shaper never reorders bytes whatever the jitter") {
  Shaper shaper(test_seed("shaper reorder"));
  shaper.set_faults(delay_of(milliseconds(20), milliseconds(20)), kStart);
  std::string sent;
  for (int i = 0; i < 500; ++i) {
    const std::string chunk = std::to_string(i) + ",";
    shaper.push(kStart + std::chrono::microseconds(100 * i), chunk);
    sent += chunk;
  }
  const auto releases = drain(shaper, kStart, 7);
  std::string received;
  for (std::size_t i = 0; i < releases.size(); ++i) {
    received += releases[i].bytes;
    if (i > 0) CHECK(releases[i].at >= releases[i - 1].at);
  }
  CHECK(received == sent);
}

TEST_CASE("shaper applies a delay change to bytes already queued") {
  Shaper shaper(1);
  shaper.set_faults(delay_of(milliseconds(1000)), kStart);
  shaper.push(kStart, "queued");
  shaper.set_faults(delay_of(milliseconds(0)), kStart + milliseconds(5));
  CHECK(*shaper.next_release(kStart + milliseconds(5)) == kStart + milliseconds(5));
}

TEST_CASE("shaper bandwidth limit spreads bytes at the configured rate") {
  Shaper shaper(1);
  DirectionFaults faults;
  faults.bytes_per_second = 10'000;
  shaper.set_faults(faults, kStart);
  shaper.push(kStart, std::string(100'000, 'b'));
  const auto releases = drain(shaper, kStart);
  std::size_t total = 0;
  for (const auto& release : releases) total += release.bytes.size();
  CHECK(total == 100'000);
  // 100,000 bytes at 10,000 bytes/s: ten seconds, give or take one burst.
  const Nanoseconds took = releases.back().at - kStart;
  CHECK(took >= std::chrono::seconds(10) - Shaper::kBurst);
  CHECK(took <= std::chrono::seconds(10) + Shaper::kBurst);
  // No release carries more than one burst's worth (200 bytes at 10,000 bytes/s).
  for (const auto& release : releases) CHECK(release.bytes.size() <= 200);
}

TEST_CASE("shaper bandwidth delays a small chunk by its serialization time") {
  Shaper shaper(1);
  DirectionFaults faults;
  faults.bytes_per_second = 1000;
  shaper.set_faults(faults, kStart);
  shaper.push(kStart, std::string(5, 'x'));
  // The bucket starts empty: five bytes at 1000 bytes/s take 5 ms.
  CHECK(*shaper.next_release(kStart) == kStart + milliseconds(5));
}

TEST_CASE("shaper bandwidth bucket fills while a chunk waits out its delay") {
  Shaper shaper(1);
  DirectionFaults faults = delay_of(milliseconds(35));
  faults.bytes_per_second = 1000;
  shaper.set_faults(faults, kStart);
  shaper.push(kStart, std::string(5, 'x'));
  // The bucket fills while the chunk waits out its delay, so it leaves when the delay ends.
  CHECK(*shaper.next_release(kStart) == kStart + milliseconds(35));
}

TEST_CASE("shaper one time stall holds everything until it ends") {
  Shaper shaper(1);
  DirectionFaults faults;
  faults.stall = StallSchedule{kStart, milliseconds(500), milliseconds(0)};
  shaper.set_faults(faults, kStart);
  shaper.push(kStart + milliseconds(10), "a");
  shaper.push(kStart + milliseconds(400), "b");
  std::string out;
  CHECK(shaper.take(kStart + milliseconds(499), 10, out) == 0);
  CHECK(*shaper.next_release(kStart + milliseconds(10)) == kStart + milliseconds(500));
  CHECK(shaper.take(kStart + milliseconds(500), 10, out) == 2);
  CHECK(out == "ab");
  // Once over, it never comes back.
  shaper.push(kStart + milliseconds(900), "c");
  CHECK(*shaper.next_release(kStart + milliseconds(900)) == kStart + milliseconds(900));
}

TEST_CASE("shaper periodic stall releases only between stalls") {
  Shaper shaper(1);
  DirectionFaults faults;
  faults.stall = StallSchedule{kStart, milliseconds(100), milliseconds(1000)};
  shaper.set_faults(faults, kStart);
  for (int i = 0; i < 5000; ++i) shaper.push(kStart + milliseconds(i), "x");
  for (const auto& release : drain(shaper, kStart)) {
    const auto into_period = (release.at - kStart) % milliseconds(1000);
    CHECK(into_period >= milliseconds(100));
  }
}

TEST_CASE("shaper stall and delay give the later of both") {
  Shaper shaper(1);
  DirectionFaults faults = delay_of(milliseconds(300));
  faults.stall = StallSchedule{kStart, milliseconds(100), milliseconds(0)};
  shaper.set_faults(faults, kStart);
  shaper.push(kStart, "x");
  CHECK(*shaper.next_release(kStart) == kStart + milliseconds(300));
}

TEST_CASE("shaper take stops at the requested maximum and resumes mid chunk") {
  Shaper shaper(1);
  shaper.push(kStart, "abcdef");
  std::string out;
  CHECK(shaper.take(kStart, 4, out) == 4);
  CHECK(shaper.buffered_bytes() == 2);
  CHECK(shaper.take(kStart, 4, out) == 2);
  CHECK(out == "abcdef");
}

TEST_CASE("shaper discard drops every queued byte") {
  Shaper shaper(1);
  shaper.set_faults(delay_of(milliseconds(100)), kStart);
  shaper.push(kStart, "abc");
  shaper.push(kStart, "de");
  CHECK(shaper.discard() == 5);
  CHECK(shaper.empty());
  CHECK_FALSE(shaper.next_release(kStart).has_value());
}

}  // namespace
}  // namespace tern::chaos
