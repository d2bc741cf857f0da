#pragma once
// A StampVector holds, per region, the greatest stamp of that region's operations that a
// replica has applied. Because each region's operations are applied in their origin order
// (per-origin FIFO, DESIGN.md write path step 5) and causally (an op is applied only after
// everything its context names), "applied" is exactly `stamp <= vector[region]`.
// The same type serves as an operation's context (what its origin had seen: the set an
// observed-remove removes) and as the stable vector (what every region has seen).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "crdt/stamp.h"

namespace tern::crdt {

class StampVector {
 public:
  StampVector() = default;
  explicit StampVector(std::vector<std::uint64_t> per_region) : per_region_(std::move(per_region)) {
    if (per_region_.size() > kMaxRegions) per_region_.resize(kMaxRegions);
  }

  [[nodiscard]] Stamp at(RegionId region) const {
    return region.value < per_region_.size() ? Stamp::from_bits(per_region_[region.value])
                                             : Stamp{};
  }
  // True when the operation stamped `stamp` is covered (seen) by this vector.
  [[nodiscard]] bool covers(Stamp stamp) const {
    const auto r = stamp.region().value;
    return r < per_region_.size() && stamp.bits() <= per_region_[r];
  }
  void raise(Stamp stamp) {
    const auto r = stamp.region().value;
    if (r >= per_region_.size()) per_region_.resize(r + 1, 0);
    per_region_[r] = std::max(per_region_[r], stamp.bits());
  }
  void join(const StampVector& other) {
    if (other.per_region_.size() > per_region_.size()) per_region_.resize(other.per_region_.size(), 0);
    for (std::size_t i = 0; i < other.per_region_.size(); ++i) {
      per_region_[i] = std::max(per_region_[i], other.per_region_[i]);
    }
  }
  // Pointwise minimum: the stable vector is the meet of what every region has applied.
  void meet(const StampVector& other) {
    for (std::size_t i = 0; i < per_region_.size(); ++i) {
      per_region_[i] = i < other.per_region_.size() ? std::min(per_region_[i], other.per_region_[i]) : 0;
    }
  }
  [[nodiscard]] const std::vector<std::uint64_t>& raw() const { return per_region_; }
  [[nodiscard]] std::size_t size() const { return per_region_.size(); }

  bool operator==(const StampVector& other) const {
    const std::size_t n = std::max(per_region_.size(), other.per_region_.size());
    for (std::size_t i = 0; i < n; ++i) {
      const auto a = i < per_region_.size() ? per_region_[i] : 0;
      const auto b = i < other.per_region_.size() ? other.per_region_[i] : 0;
      if (a != b) return false;
    }
    return true;
  }

 private:
  std::vector<std::uint64_t> per_region_;
};

}  // namespace tern::crdt
