#pragma once
// Hybrid logical clock (Kulkarni et al. 2014, "Logical Physical Clocks"), packed in a Stamp.
// The clock never reads time itself: callers pass the physical reading in, so tests drive it.
//
// Invariants:
//  - every stamp returned by `now` or `update` is greater than every stamp returned before,
//    even when the physical reading goes backwards;
//  - `update(remote)` returns a stamp greater than `remote` (receive happens after send);
//  - a remote stamp further ahead of our physical time than `max_skew_ms` is still accepted
//    (a write is never dropped) but counted in `skewed_remote_count`, for INFO.
// When the 16-bit logical counter would overflow within one millisecond the clock borrows
// the next millisecond: it runs briefly ahead of physical time instead of wrapping.
#include <cstdint>

#include "crdt/stamp.h"

namespace tern::crdt {

class HybridLogicalClock {
 public:
  HybridLogicalClock(RegionId region, std::uint64_t max_skew_ms)
      : region_(region), max_skew_ms_(max_skew_ms) {}

  // A stamp for a local event at physical Unix time `physical_unix_ms`.
  Stamp now(std::uint64_t physical_unix_ms);
  // Merge a stamp received from a peer, then return a local stamp after both.
  Stamp update(Stamp remote, std::uint64_t physical_unix_ms);
  // Raise the clock to at least `floor` without emitting (a new leader seeding from its log).
  void observe(Stamp floor);

  [[nodiscard]] Stamp last() const { return last_; }
  [[nodiscard]] RegionId region() const { return region_; }
  [[nodiscard]] std::uint64_t skewed_remote_count() const { return skewed_remote_count_; }
  [[nodiscard]] std::uint64_t max_observed_skew_ms() const { return max_observed_skew_ms_; }

 private:
  Stamp advance(std::uint64_t candidate_ms, std::uint64_t floor_ms, std::uint32_t floor_logical);

  RegionId region_;
  std::uint64_t max_skew_ms_;
  Stamp last_{};
  std::uint64_t skewed_remote_count_ = 0;
  std::uint64_t max_observed_skew_ms_ = 0;
};

}  // namespace tern::crdt
