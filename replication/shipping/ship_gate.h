#pragma once
// ShipGate: on a region's leader, decides for every batch a peer region ships here whether it is
// a duplicate, goes into the region log now, or waits for what it depends on (README.md,
// "Receiving: the gate"). Pure: no I/O, no clock.
//
// Guarantees what the CRDT core assumes (crdt/stamp_vector.h): each origin's ops are logged in
// that origin's order with no gap, and no batch is logged before everything its context names.
#include <cstddef>
#include <string>
#include <vector>

#include "replication/shipping/shipped_batch.h"

namespace tern::shipping {

class ShipGate {
 public:
  // `self`: this region (its own ops coming back through a relay are duplicates). Waiting
  // batches hold at most `max_waiting_bytes` of ops; more are refused (the sender resends after
  // its next acknowledgement shows the gap).
  ShipGate(crdt::RegionId self, std::size_t max_waiting_bytes);

  // Starts over from what the region log holds (on becoming a leader that accepts writes: its
  // applied vector). Waiting batches are dropped: they were offered to an earlier term.
  void reset(crdt::StampVector logged);

  // This region logged ops of its own (`last` names this region): batches from elsewhere whose
  // context saw them may pass.
  void note_own(crdt::Stamp last) { logged_.raise(last); }

  enum class Verdict {
    kDuplicate,  // nothing new: acknowledge and drop
    kReady,      // log it: take_ready() returns it (and any it released)
    kWaiting,    // held until what it depends on arrives
    kRefused,    // the waiting room is full; dropped (the sender will resend)
    kMalformed,  // stamps that contradict each other or the origin; dropped
  };
  Verdict offer(ShippedBatch batch);

  // The batches to append to the region log, in the order they became ready. `logged()` already
  // counts them.
  std::vector<ShippedBatch> take_ready();

  // Per origin, the greatest stamp the region log holds or will hold once take_ready()'s
  // batches are appended: what acknowledgements carry.
  [[nodiscard]] const crdt::StampVector& logged() const { return logged_; }
  [[nodiscard]] std::size_t waiting_bytes() const { return waiting_bytes_; }
  [[nodiscard]] std::size_t waiting_count() const { return waiting_.size(); }
  // Why the oldest waiting batch waits, in words (for INFO); empty when none waits.
  [[nodiscard]] std::string first_waiting_reason() const;

 private:
  [[nodiscard]] bool is_duplicate(const ShippedBatch& batch) const;
  [[nodiscard]] bool is_ready(const ShippedBatch& batch) const;
  void make_ready(ShippedBatch batch);
  void release_waiting();

  crdt::RegionId self_;
  std::size_t max_waiting_bytes_;
  crdt::StampVector logged_;
  std::vector<ShippedBatch> waiting_;  // in arrival order
  std::size_t waiting_bytes_ = 0;
  std::vector<ShippedBatch> ready_;
};

}  // namespace tern::shipping
