#pragma once
// The control API's commands, parsed and validated without a socket: the arguments of one RESP
// request in, a typed command or the error text to reply out. apply_to_faults is the other pure
// half: the LinkFaults a setting command leaves behind. The edge (proxy.cc) only looks links up
// and acts on the difference. chaos/README.md documents every command; kHelpLines is the same
// list, for HELP.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chaos/direction.h"
#include "chaos/link_faults.h"
#include "chaos/result.h"

namespace tern::chaos {

// A link argument: one link's name, or "*" for every link.
using LinkSelector = std::string;
inline constexpr std::string_view kEveryLink = "*";

// The largest delay, jitter or stall time a command takes (one hour), so that instants stay
// far from overflow and a typo such as 35000000 is refused rather than silently hanging a link.
inline constexpr std::chrono::milliseconds kMaxMilliseconds{3'600'000};
// The largest bandwidth limit (1 TB/s): more is "unlimited", which is 0.
inline constexpr std::uint64_t kMaxBytesPerSecond = 1'000'000'000'000ULL;

struct PingCommand {
  std::optional<std::string> message;
};
struct LinksCommand {
  std::optional<LinkSelector> link;  // none: every link
};
struct HelpCommand {};
struct QuitCommand {};
struct DelayCommand {
  LinkSelector link;
  DirectionChoice direction;
  std::chrono::milliseconds delay;
  std::chrono::milliseconds jitter;
};
struct BandwidthCommand {
  LinkSelector link;
  DirectionChoice direction;
  std::uint64_t bytes_per_second;  // 0: unlimited
};
struct StallCommand {
  LinkSelector link;
  DirectionChoice direction;
  std::chrono::milliseconds duration;  // 0: no stall
  std::chrono::milliseconds period;    // 0: once
};
struct ResetCommand {
  LinkSelector link;
};
struct BlackholeCommand {
  LinkSelector link;
  bool on;
};
struct HalfOpenCommand {
  LinkSelector link;
  DirectionChoice direction;
  bool on;
};
struct CutCommand {
  LinkSelector link;
};
struct HealCommand {
  LinkSelector link;
};
struct ClearCommand {
  LinkSelector link;
};

using ControlCommand =
    std::variant<PingCommand, LinksCommand, HelpCommand, QuitCommand, DelayCommand,
                 BandwidthCommand, StallCommand, ResetCommand, BlackholeCommand, HalfOpenCommand,
                 CutCommand, HealCommand, ClearCommand>;

// args[0] is the command name (any case). The error is the reply text without the leading '-'
// ("ERR ..."), as ReplyWriter::error takes it.
[[nodiscard]] Result<ControlCommand> parse_control_command(std::span<const std::string_view> args);

// The link a command addresses (LinkSelector, possibly "*"), or nullptr for PING, LINKS
// without a name, HELP and QUIT.
[[nodiscard]] const LinkSelector* target_link(const ControlCommand& command);

// The faults a link has after `command`, which changed them at `now` (a stall starts then).
// Commands that change no setting (PING, LINKS, HELP, QUIT, RESET) return `faults` unchanged.
[[nodiscard]] LinkFaults apply_to_faults(LinkFaults faults, const ControlCommand& command,
                                         Instant now);

// HELP's reply, one line per command.
[[nodiscard]] const std::vector<std::string>& help_lines();

}  // namespace tern::chaos
