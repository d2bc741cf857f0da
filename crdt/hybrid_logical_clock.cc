#include "crdt/hybrid_logical_clock.h"

#include <algorithm>

namespace tern::crdt {
namespace {

std::uint64_t to_stamp_ms(std::uint64_t unix_ms) {
  if (unix_ms <= kStampEpochUnixMs) return 0;
  return std::min(unix_ms - kStampEpochUnixMs, kMaxStampMs);
}

}  // namespace

// The HLC rule: l = max(l_prev, pt); c = (l == l_prev) ? c_prev + 1 : 0. `floor_*` is the
// greatest (ms, logical) the result must exceed (our last stamp, or a received one).
Stamp HybridLogicalClock::advance(std::uint64_t candidate_ms, std::uint64_t floor_ms,
                                  std::uint32_t floor_logical) {
  std::uint64_t ms = std::max(candidate_ms, floor_ms);
  std::uint32_t logical = 0;
  if (ms == floor_ms) {
    if (floor_logical >= kMaxLogical) {
      ms = std::min(ms + 1, kMaxStampMs);  // borrow a millisecond rather than wrap
    } else {
      logical = floor_logical + 1;
    }
  }
  last_ = Stamp::make(ms, logical, region_);
  return last_;
}

Stamp HybridLogicalClock::now(std::uint64_t physical_unix_ms) {
  return advance(to_stamp_ms(physical_unix_ms), last_.ms(), last_.logical());
}

Stamp HybridLogicalClock::update(Stamp remote, std::uint64_t physical_unix_ms) {
  const std::uint64_t physical = to_stamp_ms(physical_unix_ms);
  if (remote.ms() > physical) {
    const std::uint64_t skew = remote.ms() - physical;
    max_observed_skew_ms_ = std::max(max_observed_skew_ms_, skew);
    if (skew > max_skew_ms_) ++skewed_remote_count_;
  }
  // Compare (ms, logical) ignoring the region bits: the floor is whichever is later.
  const bool remote_later = (remote.bits() >> kRegionBits) > (last_.bits() >> kRegionBits);
  const Stamp floor = remote_later ? remote : last_;
  return advance(physical, floor.ms(), floor.logical());
}

void HybridLogicalClock::observe(Stamp floor) {
  if ((floor.bits() >> kRegionBits) > (last_.bits() >> kRegionBits)) {
    last_ = Stamp::make(floor.ms(), floor.logical(), region_);
  }
}

}  // namespace tern::crdt
