// The control API's parser and validator (parse_control_command) and the settings each command
// leaves behind (apply_to_faults), without a socket.
#include "chaos/control_command.h"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tests/chaos/test_seed.h"

namespace tern::chaos {
namespace {

using std::chrono::milliseconds;

const Instant kStart = Instant{} + std::chrono::hours(1);

Result<ControlCommand> parse(std::vector<std::string_view> args) {
  return parse_control_command(args);
}

template <typename T>
T parsed_as(std::vector<std::string_view> args) {
  auto result = parse(std::move(args));
  REQUIRE_MESSAGE(result.ok(), result.error());
  REQUIRE(std::holds_alternative<T>(result.value()));
  return std::get<T>(result.value());
}

std::string error_of(std::vector<std::string_view> args) {
  auto result = parse(std::move(args));
  REQUIRE_FALSE(result.ok());
  return result.error();
}

TEST_CASE("control delay parses link direction delay and jitter") {
  const auto delay = parsed_as<DelayCommand>({"DELAY", "eu-us", "up", "35", "5"});
  CHECK(delay.link == "eu-us");
  CHECK(delay.direction == DirectionChoice::kUp);
  CHECK(delay.delay == milliseconds(35));
  CHECK(delay.jitter == milliseconds(5));
}

TEST_CASE("control delay jitter defaults to zero") {
  CHECK(parsed_as<DelayCommand>({"DELAY", "a", "both", "35"}).jitter == milliseconds(0));
}

TEST_CASE("control commands ignore the case of names and keywords") {
  const auto delay = parsed_as<DelayCommand>({"dElAy", "a", "DOWN", "1"});
  CHECK(delay.direction == DirectionChoice::kDown);
  CHECK(parsed_as<BlackholeCommand>({"blackhole", "a", "ON"}).on);
}

TEST_CASE("control delay refuses jitter larger than the delay") {
  CHECK(error_of({"DELAY", "a", "up", "10", "11"}) == "ERR jitter must not exceed the delay");
}

TEST_CASE("control milliseconds must be whole numbers within an hour") {
  for (const std::string_view bad : {"-1", "1.5", "", "35ms", "3600001", "99999999999999999999"}) {
    CAPTURE(bad);
    CHECK(error_of({"DELAY", "a", "up", bad}).starts_with("ERR delay (ms) must be an integer"));
  }
  CHECK(parsed_as<DelayCommand>({"DELAY", "a", "up", "3600000"}).delay == kMaxMilliseconds);
}

TEST_CASE("control direction must be up or down or both") {
  CHECK(error_of({"DELAY", "a", "sideways", "1"}) ==
        "ERR direction must be up, down or both, got 'sideways'");
}

TEST_CASE("control bandwidth takes bytes per second and zero means unlimited") {
  CHECK(parsed_as<BandwidthCommand>({"BANDWIDTH", "a", "down", "1048576"}).bytes_per_second ==
        1048576);
  CHECK(parsed_as<BandwidthCommand>({"BANDWIDTH", "a", "down", "0"}).bytes_per_second == 0);
  CHECK(error_of({"BANDWIDTH", "a", "down", "1000000000001"}).starts_with("ERR bytes per second"));
}

TEST_CASE("control stall parses once and periodic forms") {
  const auto once = parsed_as<StallCommand>({"STALL", "a", "up", "500"});
  CHECK(once.duration == milliseconds(500));
  CHECK(once.period == milliseconds(0));
  const auto periodic = parsed_as<StallCommand>({"STALL", "a", "up", "100", "every", "1000"});
  CHECK(periodic.period == milliseconds(1000));
}

TEST_CASE("control stall refuses a period not longer than the stall") {
  CHECK(error_of({"STALL", "a", "up", "100", "EVERY", "100"}) ==
        "ERR the period must be longer than the stall");
  CHECK(error_of({"STALL", "a", "up", "100", "OFTEN", "1000"}).starts_with("ERR syntax error"));
}

TEST_CASE("control halfopen defaults to on and takes off") {
  CHECK(parsed_as<HalfOpenCommand>({"HALFOPEN", "a", "up"}).on);
  CHECK_FALSE(parsed_as<HalfOpenCommand>({"HALFOPEN", "a", "up", "off"}).on);
}

TEST_CASE("control blackhole needs on or off") {
  CHECK(error_of({"BLACKHOLE", "a", "yes"}) == "ERR expected on or off, got 'yes'");
  CHECK(error_of({"BLACKHOLE", "a"}) == "ERR wrong number of arguments for 'BLACKHOLE' command");
}

TEST_CASE("control link only commands take exactly one link") {
  CHECK(parsed_as<ResetCommand>({"RESET", "a"}).link == "a");
  CHECK(parsed_as<CutCommand>({"CUT", "*"}).link == "*");
  CHECK(parsed_as<HealCommand>({"HEAL", "a"}).link == "a");
  CHECK(parsed_as<ClearCommand>({"CLEAR", "a"}).link == "a");
  CHECK(error_of({"CUT"}) == "ERR wrong number of arguments for 'CUT' command");
  CHECK(error_of({"heal", "a", "b"}) == "ERR wrong number of arguments for 'heal' command");
}

TEST_CASE("control unknown command is refused with a pointer to HELP") {
  CHECK(error_of({"FLY", "a"}) == "ERR unknown command 'FLY', try HELP");
}

TEST_CASE("control help has a second name that redis-cli does not intercept") {
  CHECK(std::holds_alternative<HelpCommand>(parse({"COMMANDS"}).value()));
  CHECK(std::holds_alternative<HelpCommand>(parse({"help"}).value()));
}

TEST_CASE("control target link names the link a command addresses") {
  CHECK(*target_link(parse({"DELAY", "x", "up", "1"}).value()) == "x");
  CHECK(*target_link(parse({"LINKS", "y"}).value()) == "y");
  CHECK(target_link(parse({"LINKS"}).value()) == nullptr);
  CHECK(target_link(parse({"PING"}).value()) == nullptr);
}

TEST_CASE("control parser survives random argument lists") {
  std::mt19937_64 random(test_seed("control parser"));
  const std::vector<std::string> words = {"DELAY",
                                          "BANDWIDTH",
                                          "STALL",
                                          "RESET",
                                          "BLACKHOLE",
                                          "HALFOPEN",
                                          "CUT",
                                          "HEAL",
                                          "CLEAR",
                                          "PING",
                                          "LINKS",
                                          "HELP",
                                          "QUIT",
                                          "up",
                                          "down",
                                          "both",
                                          "on",
                                          "off",
                                          "EVERY",
                                          "a",
                                          "*",
                                          "",
                                          "0",
                                          "1",
                                          "-1",
                                          "35",
                                          "3600000",
                                          "3600001",
                                          "18446744073709551616",
                                          "\r\n",
                                          std::string("\0x", 2)};
  for (int round = 0; round < 20000; ++round) {
    std::vector<std::string_view> args;
    const std::size_t count = random() % 7;
    for (std::size_t i = 0; i < count; ++i) args.emplace_back(words[random() % words.size()]);
    auto result = parse_control_command(args);
    if (result.ok()) {
      // Whatever parsed must be applicable.
      (void)apply_to_faults(LinkFaults{}, result.value(), kStart);
    } else {
      CHECK(result.error().starts_with("ERR "));
    }
  }
}

TEST_CASE("apply to faults delay both sets both directions") {
  const auto faults =
      apply_to_faults(LinkFaults{}, parse({"DELAY", "a", "both", "35", "5"}).value(), kStart);
  for (const Direction d : kBothDirections) {
    CHECK(faults.of(d).delay == milliseconds(35));
    CHECK(faults.of(d).jitter == milliseconds(5));
  }
}

TEST_CASE("apply to faults changes only the named direction") {
  const auto faults =
      apply_to_faults(LinkFaults{}, parse({"BANDWIDTH", "a", "down", "100"}).value(), kStart);
  CHECK(faults.of(Direction::kDown).bytes_per_second == 100);
  CHECK(faults.of(Direction::kUp).bytes_per_second == 0);
}

TEST_CASE("apply to faults stall starts at the command instant") {
  const auto faults =
      apply_to_faults(LinkFaults{}, parse({"STALL", "a", "up", "100"}).value(), kStart);
  CHECK(faults.of(Direction::kUp).stall == StallSchedule{kStart, milliseconds(100), {}});
  const auto stopped = apply_to_faults(faults, parse({"STALL", "a", "up", "0"}).value(), kStart);
  CHECK(stopped.of(Direction::kUp).stall == StallSchedule{});
}

TEST_CASE("apply to faults halfopen marks a direction dead and drops its bytes") {
  const auto faults = apply_to_faults(LinkFaults{}, parse({"HALFOPEN", "a", "up"}).value(), kStart);
  CHECK(faults.drops(Direction::kUp));
  CHECK_FALSE(faults.drops(Direction::kDown));
}

TEST_CASE("apply to faults blackhole drops both directions") {
  const auto faults =
      apply_to_faults(LinkFaults{}, parse({"BLACKHOLE", "a", "on"}).value(), kStart);
  CHECK(faults.drops(Direction::kUp));
  CHECK(faults.drops(Direction::kDown));
}

TEST_CASE("apply to faults heal lifts only the cut") {
  LinkFaults faults = apply_to_faults(LinkFaults{}, parse({"CUT", "a"}).value(), kStart);
  faults = apply_to_faults(faults, parse({"DELAY", "a", "up", "9"}).value(), kStart);
  faults = apply_to_faults(faults, parse({"HEAL", "a"}).value(), kStart);
  CHECK_FALSE(faults.cut);
  CHECK(faults.of(Direction::kUp).delay == milliseconds(9));
}

TEST_CASE("apply to faults clear restores a healthy link") {
  LinkFaults faults = apply_to_faults(LinkFaults{}, parse({"CUT", "a"}).value(), kStart);
  faults = apply_to_faults(faults, parse({"BLACKHOLE", "a", "on"}).value(), kStart);
  faults = apply_to_faults(faults, parse({"HALFOPEN", "a", "both"}).value(), kStart);
  faults = apply_to_faults(faults, parse({"STALL", "a", "up", "5", "EVERY", "10"}).value(), kStart);
  faults = apply_to_faults(faults, parse({"CLEAR", "a"}).value(), kStart);
  CHECK(faults == LinkFaults{});
}

TEST_CASE("apply to faults leaves settings alone for ping links and reset") {
  const auto faults =
      apply_to_faults(LinkFaults{}, parse({"DELAY", "a", "up", "7"}).value(), kStart);
  for (const std::vector<std::string_view>& args :
       {std::vector<std::string_view>{"PING"}, {"LINKS"}, {"RESET", "a"}, {"HELP"}}) {
    CHECK(apply_to_faults(faults, parse(args).value(), kStart) == faults);
  }
}

}  // namespace
}  // namespace tern::chaos
