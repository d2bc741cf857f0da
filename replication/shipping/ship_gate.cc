#include "replication/shipping/ship_gate.h"

#include <utility>

namespace tern::shipping {

ShipGate::ShipGate(crdt::RegionId self, std::size_t max_waiting_bytes)
    : self_(self), max_waiting_bytes_(max_waiting_bytes) {}

void ShipGate::reset(crdt::StampVector logged) {
  logged_ = std::move(logged);
  waiting_.clear();
  waiting_bytes_ = 0;
  ready_.clear();
}

bool ShipGate::is_duplicate(const ShippedBatch& batch) const {
  return batch.origin == self_ || logged_.covers(batch.last);
}

bool ShipGate::is_ready(const ShippedBatch& batch) const {
  // Follows on from what is logged: nothing of the origin between logged and the batch is
  // missing. A batch reaching back before `logged` overlaps; applying skips the covered ops.
  if (batch.prev.bits() > logged_.at(batch.origin).bits()) return false;
  // Causal: every other region's ops the batch's ops had seen are logged here already. (The
  // origin's own part of the context is the check above.)
  const auto& context = batch.context.raw();
  for (std::size_t r = 0; r < context.size(); ++r) {
    if (r == batch.origin.value) continue;
    if (context[r] > logged_.at(crdt::RegionId{static_cast<std::uint8_t>(r)}).bits()) return false;
  }
  return true;
}

void ShipGate::make_ready(ShippedBatch batch) {
  logged_.raise(batch.last);
  ready_.push_back(std::move(batch));
}

ShipGate::Verdict ShipGate::offer(ShippedBatch batch) {
  if (batch.last.is_zero() || batch.last.region() != batch.origin || batch.last <= batch.prev ||
      (!batch.prev.is_zero() && batch.prev.region() != batch.origin) ||
      batch.context.size() > crdt::kMaxRegions) {
    return Verdict::kMalformed;
  }
  if (is_duplicate(batch)) return Verdict::kDuplicate;
  if (is_ready(batch)) {
    make_ready(std::move(batch));
    release_waiting();
    return Verdict::kReady;
  }
  if (waiting_bytes_ + batch.ops.size() > max_waiting_bytes_) return Verdict::kRefused;
  waiting_bytes_ += batch.ops.size();
  waiting_.push_back(std::move(batch));
  return Verdict::kWaiting;
}

void ShipGate::release_waiting() {
  // Each pass may make others ready (a gap filled, a context met); repeat until none moves.
  bool moved = true;
  while (moved && !waiting_.empty()) {
    moved = false;
    std::vector<ShippedBatch> still;
    for (ShippedBatch& batch : waiting_) {
      if (is_duplicate(batch)) {
        waiting_bytes_ -= batch.ops.size();
        moved = true;
      } else if (is_ready(batch)) {
        waiting_bytes_ -= batch.ops.size();
        make_ready(std::move(batch));
        moved = true;
      } else {
        still.push_back(std::move(batch));
      }
    }
    waiting_ = std::move(still);
  }
}

std::string ShipGate::first_waiting_reason() const {
  if (waiting_.empty()) return {};
  const ShippedBatch& batch = waiting_.front();
  const auto origin = std::to_string(batch.origin.value);
  if (batch.prev.bits() > logged_.at(batch.origin).bits()) {
    return "origin " + origin + " batch follows stamp " + std::to_string(batch.prev.bits()) + ", logged " +
           std::to_string(logged_.at(batch.origin).bits());
  }
  const auto& context = batch.context.raw();
  for (std::size_t r = 0; r < context.size(); ++r) {
    const auto region = crdt::RegionId{static_cast<std::uint8_t>(r)};
    if (r != batch.origin.value && context[r] > logged_.at(region).bits()) {
      return "origin " + origin + " batch saw region " + std::to_string(r) + " up to " + std::to_string(context[r]) +
             ", logged " + std::to_string(logged_.at(region).bits());
    }
  }
  return "origin " + origin + " batch is ready";
}

std::vector<ShippedBatch> ShipGate::take_ready() {
  std::vector<ShippedBatch> out;
  out.swap(ready_);
  return out;
}

}  // namespace tern::shipping
