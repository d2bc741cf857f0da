#pragma once
// What is wrong with a link right now: per direction the delay, jitter, bandwidth, stalls and
// whether that direction is dead (half-open), and for the link as a whole blackhole and cut.
// Plain values: the control commands compute a new LinkFaults (apply_to_faults in
// control_command.h) and the Asio edge diffs old against new to know what to do at once
// (close the listener, drop queued bytes, ...). A default LinkFaults is a healthy link.
#include <array>
#include <chrono>
#include <cstdint>

#include "chaos/direction.h"

namespace tern::chaos {

using Clock = std::chrono::steady_clock;
using Instant = Clock::time_point;
using Nanoseconds = std::chrono::nanoseconds;

// Stalls: nothing leaves during [start, start + duration), and with a period, again during
// every [start + k*period, start + k*period + duration). Bytes keep arriving (up to the
// per-connection cap) and leave together when the stall ends, as after a congested router
// freezes a queue. duration 0: no stall.
struct StallSchedule {
  Instant start{};
  Nanoseconds duration{0};
  Nanoseconds period{0};  // 0: once

  [[nodiscard]] bool active_at(Instant t) const;
  // The first instant not before `t` that is outside every stall (t itself when not stalled).
  [[nodiscard]] Instant clear_from(Instant t) const;
  bool operator==(const StallSchedule&) const = default;
};

struct DirectionFaults {
  Nanoseconds delay{0};
  Nanoseconds jitter{0};               // each chunk: delay + uniform(-jitter, +jitter); <= delay
  std::uint64_t bytes_per_second = 0;  // 0: unlimited
  StallSchedule stall;
  bool dead = false;  // half-open: this direction's bytes are read and dropped

  [[nodiscard]] bool shapes() const {
    return delay.count() > 0 || bytes_per_second > 0 || stall.duration.count() > 0;
  }
  bool operator==(const DirectionFaults&) const = default;
};

struct LinkFaults {
  std::array<DirectionFaults, 2> direction{};
  // Accept and read, forward nothing; new connections are not dialled to the target.
  bool blackhole = false;
  // Listener closed (connects are refused), connections reset.
  bool cut = false;

  [[nodiscard]] const DirectionFaults& of(Direction d) const { return direction[index_of(d)]; }
  [[nodiscard]] DirectionFaults& of(Direction d) { return direction[index_of(d)]; }
  // Bytes read in this direction are counted as dropped instead of forwarded.
  [[nodiscard]] bool drops(Direction d) const { return blackhole || of(d).dead; }
  bool operator==(const LinkFaults&) const = default;
};

}  // namespace tern::chaos
