#include "chaos/control_command.h"

#include <charconv>

namespace tern::chaos {
namespace {

using std::chrono::milliseconds;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Error wrong_arity(std::string_view name) {
  return Error{"ERR wrong number of arguments for '" + std::string(name) + "' command"};
}

Result<std::uint64_t> parse_count(std::string_view text, std::string_view what, std::uint64_t max) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc{} || stop != end || value > max) {
    return Error{"ERR " + std::string(what) + " must be an integer from 0 to " +
                 std::to_string(max) + ", got '" + std::string(text) + "'"};
  }
  return value;
}

Result<milliseconds> parse_milliseconds(std::string_view text, std::string_view what) {
  auto count = parse_count(text, what, static_cast<std::uint64_t>(kMaxMilliseconds.count()));
  if (!count.ok()) return Error{count.error()};
  return milliseconds(static_cast<milliseconds::rep>(count.value()));
}

Result<LinkSelector> parse_link(std::string_view text) {
  // Names are validated against the running links by the edge; here only their shape.
  if (text.empty()) return Error{"ERR empty link name"};
  return LinkSelector(text);
}

Result<DirectionChoice> parse_direction(std::string_view text) {
  if (equals_ignoring_case(text, "up")) return DirectionChoice::kUp;
  if (equals_ignoring_case(text, "down")) return DirectionChoice::kDown;
  if (equals_ignoring_case(text, "both")) return DirectionChoice::kBoth;
  return Error{"ERR direction must be up, down or both, got '" + std::string(text) + "'"};
}

Result<bool> parse_switch(std::string_view text) {
  if (equals_ignoring_case(text, "on")) return true;
  if (equals_ignoring_case(text, "off")) return false;
  return Error{"ERR expected on or off, got '" + std::string(text) + "'"};
}

// Commands that take only a link: RESET, CUT, HEAL, CLEAR.
template <typename Command>
Result<ControlCommand> parse_link_only(std::span<const std::string_view> args) {
  if (args.size() != 2) return wrong_arity(args[0]);
  auto link = parse_link(args[1]);
  if (!link.ok()) return Error{link.error()};
  return ControlCommand{Command{std::move(link).value()}};
}

Result<ControlCommand> parse_delay(std::span<const std::string_view> args) {
  if (args.size() != 4 && args.size() != 5) return wrong_arity(args[0]);
  auto link = parse_link(args[1]);
  if (!link.ok()) return Error{link.error()};
  auto direction = parse_direction(args[2]);
  if (!direction.ok()) return Error{direction.error()};
  auto delay = parse_milliseconds(args[3], "delay (ms)");
  if (!delay.ok()) return Error{delay.error()};
  auto jitter = args.size() == 5 ? parse_milliseconds(args[4], "jitter (ms)")
                                 : Result<milliseconds>(milliseconds(0));
  if (!jitter.ok()) return Error{jitter.error()};
  // Uniform jitter around the delay must not reach below zero: clamping would skew the mean.
  if (jitter.value() > delay.value()) return Error{"ERR jitter must not exceed the delay"};
  return ControlCommand{
      DelayCommand{std::move(link).value(), direction.value(), delay.value(), jitter.value()}};
}

Result<ControlCommand> parse_bandwidth(std::span<const std::string_view> args) {
  if (args.size() != 4) return wrong_arity(args[0]);
  auto link = parse_link(args[1]);
  if (!link.ok()) return Error{link.error()};
  auto direction = parse_direction(args[2]);
  if (!direction.ok()) return Error{direction.error()};
  auto rate = parse_count(args[3], "bytes per second", kMaxBytesPerSecond);
  if (!rate.ok()) return Error{rate.error()};
  return ControlCommand{BandwidthCommand{std::move(link).value(), direction.value(), rate.value()}};
}

Result<ControlCommand> parse_stall(std::span<const std::string_view> args) {
  if (args.size() != 4 && args.size() != 6) return wrong_arity(args[0]);
  auto link = parse_link(args[1]);
  if (!link.ok()) return Error{link.error()};
  auto direction = parse_direction(args[2]);
  if (!direction.ok()) return Error{direction.error()};
  auto duration = parse_milliseconds(args[3], "stall (ms)");
  if (!duration.ok()) return Error{duration.error()};
  milliseconds period{0};
  if (args.size() == 6) {
    if (!equals_ignoring_case(args[4], "every")) {
      return Error{"ERR syntax error: STALL link direction ms [EVERY period_ms]"};
    }
    auto parsed = parse_milliseconds(args[5], "period (ms)");
    if (!parsed.ok()) return Error{parsed.error()};
    period = parsed.value();
    // A stall as long as its period would never end.
    if (period <= duration.value()) return Error{"ERR the period must be longer than the stall"};
  }
  return ControlCommand{
      StallCommand{std::move(link).value(), direction.value(), duration.value(), period}};
}

Result<ControlCommand> parse_blackhole(std::span<const std::string_view> args) {
  if (args.size() != 3) return wrong_arity(args[0]);
  auto link = parse_link(args[1]);
  if (!link.ok()) return Error{link.error()};
  auto on = parse_switch(args[2]);
  if (!on.ok()) return Error{on.error()};
  return ControlCommand{BlackholeCommand{std::move(link).value(), on.value()}};
}

Result<ControlCommand> parse_half_open(std::span<const std::string_view> args) {
  if (args.size() != 3 && args.size() != 4) return wrong_arity(args[0]);
  auto link = parse_link(args[1]);
  if (!link.ok()) return Error{link.error()};
  auto direction = parse_direction(args[2]);
  if (!direction.ok()) return Error{direction.error()};
  auto on = args.size() == 4 ? parse_switch(args[3]) : Result<bool>(true);
  if (!on.ok()) return Error{on.error()};
  return ControlCommand{HalfOpenCommand{std::move(link).value(), direction.value(), on.value()}};
}

}  // namespace

Result<ControlCommand> parse_control_command(std::span<const std::string_view> args) {
  if (args.empty()) return Error{"ERR empty command"};
  const std::string_view name = args[0];
  const auto is = [&](std::string_view candidate) { return equals_ignoring_case(name, candidate); };
  if (is("ping")) {
    if (args.size() > 2) return wrong_arity(name);
    PingCommand ping;
    if (args.size() == 2) ping.message = std::string(args[1]);
    return ControlCommand{ping};
  }
  if (is("links")) {
    if (args.size() > 2) return wrong_arity(name);
    LinksCommand links;
    if (args.size() == 2) links.link = std::string(args[1]);
    return ControlCommand{links};
  }
  // redis-cli answers "help" itself without sending it, hence the second name.
  if (is("help") || is("commands")) return ControlCommand{HelpCommand{}};
  if (is("quit")) return ControlCommand{QuitCommand{}};
  if (is("delay")) return parse_delay(args);
  if (is("bandwidth")) return parse_bandwidth(args);
  if (is("stall")) return parse_stall(args);
  if (is("reset")) return parse_link_only<ResetCommand>(args);
  if (is("blackhole")) return parse_blackhole(args);
  if (is("halfopen")) return parse_half_open(args);
  if (is("cut")) return parse_link_only<CutCommand>(args);
  if (is("heal")) return parse_link_only<HealCommand>(args);
  if (is("clear")) return parse_link_only<ClearCommand>(args);
  // Redis's wording, so clients and redis-cli show it as they show Redis's own.
  std::string shown(name.substr(0, 128));
  return Error{"ERR unknown command '" + shown + "', try HELP"};
}

const LinkSelector* target_link(const ControlCommand& command) {
  return std::visit(
      [](const auto& c) -> const LinkSelector* {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, LinksCommand>) {
          return c.link ? &*c.link : nullptr;
        } else if constexpr (requires { c.link; }) {
          return &c.link;
        } else {
          return nullptr;
        }
      },
      command);
}

LinkFaults apply_to_faults(LinkFaults faults, const ControlCommand& command, Instant now) {
  const auto for_each_direction = [&](DirectionChoice choice, auto&& change) {
    for (const Direction d : kBothDirections) {
      if (includes(choice, d)) change(faults.of(d));
    }
  };
  std::visit(
      [&](const auto& c) {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, DelayCommand>) {
          for_each_direction(c.direction, [&](DirectionFaults& f) {
            f.delay = c.delay;
            f.jitter = c.jitter;
          });
        } else if constexpr (std::is_same_v<C, BandwidthCommand>) {
          for_each_direction(c.direction,
                             [&](DirectionFaults& f) { f.bytes_per_second = c.bytes_per_second; });
        } else if constexpr (std::is_same_v<C, StallCommand>) {
          for_each_direction(c.direction, [&](DirectionFaults& f) {
            f.stall = c.duration.count() == 0 ? StallSchedule{}
                                              : StallSchedule{now, c.duration, c.period};
          });
        } else if constexpr (std::is_same_v<C, BlackholeCommand>) {
          faults.blackhole = c.on;
        } else if constexpr (std::is_same_v<C, HalfOpenCommand>) {
          for_each_direction(c.direction, [&](DirectionFaults& f) { f.dead = c.on; });
        } else if constexpr (std::is_same_v<C, CutCommand>) {
          faults.cut = true;
        } else if constexpr (std::is_same_v<C, HealCommand>) {
          faults.cut = false;
        } else if constexpr (std::is_same_v<C, ClearCommand>) {
          faults = LinkFaults{};
        }
      },
      command);
  return faults;
}

const std::vector<std::string>& help_lines() {
  static const std::vector<std::string> kLines = {
      "PING [message]",
      "HELP (or COMMANDS, which redis-cli does not intercept) -- this list",
      "LINKS [link] -- each link's state, settings and counters, one line per link",
      "DELAY link up|down|both ms [jitter_ms] -- one-way latency (0: none), jitter <= ms",
      "BANDWIDTH link up|down|both bytes_per_sec -- throughput limit (0: unlimited)",
      "STALL link up|down|both ms [EVERY period_ms] -- hold all bytes for ms, once or "
      "periodically (0: stop)",
      "RESET link -- reset every current connection (RST to both ends)",
      "BLACKHOLE link on|off -- accept and read, forward nothing",
      "HALFOPEN link up|down|both [on|off] -- drop one direction's bytes, the other flows",
      "CUT link -- reset every connection and refuse new ones until HEAL",
      "HEAL link -- accept connections again after CUT",
      "CLEAR link -- no faults: heal, no delay, no limit, no stall, no blackhole",
      "QUIT",
      "A link argument of * means every link.",
  };
  return kLines;
}

}  // namespace tern::chaos
