#include "chaos/shaper.h"

#include <algorithm>
#include <cmath>

namespace tern::chaos {
namespace {

constexpr double kNanosecondsPerSecond = 1e9;
// Token counts are doubles; a bucket that is a rounding error short of a byte still gives it,
// so an instant computed by next_release() always lets take() make progress.
constexpr double kTokenSlack = 1e-6;

}  // namespace

void Shaper::set_faults(const DirectionFaults& faults, Instant now) {
  if (faults.bytes_per_second != faults_.bytes_per_second) {
    tokens_ = 0;
    tokens_at_ = now;
  }
  faults_ = faults;
}

void Shaper::push(Instant arrival, std::string_view bytes) {
  if (bytes.empty()) return;
  // Drawn for every chunk, jitter or not, so that jitter set later applies to queued bytes.
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  queue_.push_back(Chunk{arrival, unit(random_), std::string(bytes), 0});
  buffered_ += bytes.size();
}

Instant Shaper::due(const Chunk& chunk) const {
  const double offset = chunk.jitter_sample * static_cast<double>(faults_.jitter.count());
  const Nanoseconds latency = faults_.delay + Nanoseconds(std::llround(offset));
  return chunk.arrival + std::max(latency, Nanoseconds(0));
}

double Shaper::burst_bytes() const {
  const double per_burst = static_cast<double>(faults_.bytes_per_second) *
                           static_cast<double>(kBurst.count()) / kNanosecondsPerSecond;
  return std::max(per_burst, 1.0);
}

double Shaper::tokens_at(Instant t) const {
  if (t <= tokens_at_) return tokens_;
  const double seconds = static_cast<double>((t - tokens_at_).count()) / kNanosecondsPerSecond;
  return std::min(burst_bytes(), tokens_ + seconds * static_cast<double>(faults_.bytes_per_second));
}

std::optional<Instant> Shaper::next_release(Instant now) const {
  if (queue_.empty()) return std::nullopt;
  const Chunk& head = queue_.front();
  Instant t = std::max(now, due(head));
  // A stall can push past the instant the bucket fills and a bucket wait can end inside a
  // stall; tokens only grow with time, so two rounds settle it (four is a safe bound).
  for (int round = 0; round < 4; ++round) {
    const Instant before = t;
    t = faults_.stall.clear_from(t);
    if (faults_.bytes_per_second > 0) {
      const double need =
          std::min(static_cast<double>(head.bytes.size() - head.taken), burst_bytes());
      const double tokens = tokens_at(t);
      if (tokens + kTokenSlack < need) {
        const double wait_ns =
            (need - tokens) * kNanosecondsPerSecond / static_cast<double>(faults_.bytes_per_second);
        t += Nanoseconds(static_cast<std::int64_t>(std::ceil(wait_ns)));
      }
    }
    if (t == before) break;
  }
  return t;
}

std::size_t Shaper::take(Instant now, std::size_t max_bytes, std::string& out) {
  const bool throttled = faults_.bytes_per_second > 0;
  if (throttled) {
    tokens_ = tokens_at(now);
    tokens_at_ = std::max(tokens_at_, now);
  }
  if (faults_.stall.active_at(now)) return 0;
  std::size_t count = 0;
  while (!queue_.empty() && count < max_bytes) {
    Chunk& head = queue_.front();
    if (due(head) > now) break;
    std::size_t n = std::min(head.bytes.size() - head.taken, max_bytes - count);
    if (throttled) {
      n = std::min(n, static_cast<std::size_t>(std::floor(tokens_ + kTokenSlack)));
      if (n == 0) break;
      tokens_ = std::max(tokens_ - static_cast<double>(n), 0.0);
    }
    out.append(head.bytes, head.taken, n);
    head.taken += n;
    buffered_ -= n;
    count += n;
    if (head.taken == head.bytes.size()) queue_.pop_front();
  }
  return count;
}

std::size_t Shaper::discard() {
  const std::size_t dropped = buffered_;
  queue_.clear();
  buffered_ = 0;
  return dropped;
}

}  // namespace tern::chaos
