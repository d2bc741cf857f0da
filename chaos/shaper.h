#pragma once
// Shaper: one direction of one connection, as a queue of timestamped chunks and the rule for
// when each byte may leave. Pure: time comes in as arguments, randomness from a seeded engine,
// so tests drive it with a fake clock and the Asio edge (proxied_connection.cc) only reads,
// asks next_release(), arms one steady_timer for that instant and writes what take() gives.
//
// The rule for the queue's first byte, at instant `now`:
//   1. delay: its chunk arrived at `a` with a jitter sample u in [-1, 1] drawn on arrival; it
//      is due at a + delay + u*jitter. Delay and jitter are read from the current settings, so
//      a change applies to bytes already queued, at once (CLEAR releases them).
//   2. order: chunks leave in arrival order. A chunk due earlier than the one before it waits
//      (a TCP stream cannot reorder), so jitter only ever adds latency to followers.
//   3. stalls: nothing leaves while a stall is active (StallSchedule).
//   4. bandwidth: a token bucket filled at bytes_per_second, holding at most kBurst worth of
//      it (at least one byte). A chunk may leave in pieces.
// Memory: the queue holds what the edge pushed; the edge stops reading when buffered_bytes()
// reaches its cap, which is the backpressure that bounds a delayed, throttled or stalled link.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "chaos/link_faults.h"

namespace tern::chaos {

class Shaper {
 public:
  // The token bucket holds this much time's worth of bandwidth: small enough that a throttled
  // link does not burst noticeably, large enough that timer lateness loses little credit.
  static constexpr Nanoseconds kBurst = std::chrono::milliseconds(20);

  explicit Shaper(std::uint64_t seed) : random_(seed) {}

  // New settings, effective at `now` for queued bytes too. Changing the bandwidth restarts the
  // token bucket empty.
  void set_faults(const DirectionFaults& faults, Instant now);
  [[nodiscard]] const DirectionFaults& faults() const { return faults_; }

  void push(Instant arrival, std::string_view bytes);
  [[nodiscard]] std::size_t buffered_bytes() const { return buffered_; }
  [[nodiscard]] bool empty() const { return buffered_ == 0; }

  // When take() will next give a byte: nullopt when empty, an instant <= now when at once.
  [[nodiscard]] std::optional<Instant> next_release(Instant now) const;
  // Appends to `out` the bytes that may leave at `now`, at most `max_bytes`; returns the count.
  std::size_t take(Instant now, std::size_t max_bytes, std::string& out);
  // Forgets everything queued (a direction that died); returns the bytes dropped.
  std::size_t discard();

 private:
  struct Chunk {
    Instant arrival;
    double jitter_sample;  // in [-1, 1]
    std::string bytes;
    std::size_t taken = 0;
  };

  [[nodiscard]] Instant due(const Chunk& chunk) const;
  [[nodiscard]] double tokens_at(Instant t) const;
  [[nodiscard]] double burst_bytes() const;

  DirectionFaults faults_;
  std::mt19937_64 random_;
  std::deque<Chunk> queue_;
  std::size_t buffered_ = 0;
  double tokens_ = 0;  // as of tokens_at_
  Instant tokens_at_{};
};

}  // namespace tern::chaos
