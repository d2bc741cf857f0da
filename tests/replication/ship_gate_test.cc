// ShipGate (replication/shipping/ship_gate.h): a receiving region logs each origin's batches in
// that origin's order with no gap, never before what their context names, once each; it holds
// what arrives early within a byte bound, and releases it when the missing batch comes (from the
// origin or through a relay that cut the same ops into other batches).
#include "replication/shipping/ship_gate.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tern::shipping {
namespace {

constexpr crdt::RegionId kHere{1};
constexpr crdt::RegionId kA{2};
constexpr crdt::RegionId kB{3};

crdt::Stamp at(crdt::RegionId region, std::uint64_t ms) { return crdt::Stamp::make(ms, 0, region); }

ShippedBatch batch(crdt::RegionId origin, std::uint64_t prev_ms, std::uint64_t last_ms,
                   crdt::StampVector context = {}, std::string ops = "ops") {
  return ShippedBatch{origin, prev_ms == 0 ? crdt::Stamp{} : at(origin, prev_ms), at(origin, last_ms),
                      std::move(context), std::move(ops)};
}

crdt::StampVector vector_with(crdt::Stamp stamp) {
  crdt::StampVector v;
  v.raise(stamp);
  return v;
}

std::vector<std::uint64_t> lasts(const std::vector<ShippedBatch>& batches) {
  std::vector<std::uint64_t> out;
  for (const auto& b : batches) out.push_back(b.last.ms());
  return out;
}

TEST_CASE("ship gate: batches that follow on are logged in order and raise the logged vector") {
  ShipGate gate(kHere, 1 << 20);
  CHECK(gate.offer(batch(kA, 0, 10)) == ShipGate::Verdict::kReady);
  CHECK(gate.offer(batch(kA, 10, 20)) == ShipGate::Verdict::kReady);
  CHECK(lasts(gate.take_ready()) == std::vector<std::uint64_t>{10, 20});
  CHECK(gate.logged().at(kA) == at(kA, 20));
  CHECK(gate.take_ready().empty());
}

TEST_CASE("ship gate: a gap waits and the missing batch releases everything after it in order") {
  ShipGate gate(kHere, 1 << 20);
  CHECK(gate.offer(batch(kA, 20, 30)) == ShipGate::Verdict::kWaiting);
  CHECK(gate.offer(batch(kA, 10, 20)) == ShipGate::Verdict::kWaiting);
  CHECK(gate.logged().at(kA).is_zero());
  CHECK(gate.offer(batch(kA, 0, 10)) == ShipGate::Verdict::kReady);
  CHECK(lasts(gate.take_ready()) == std::vector<std::uint64_t>{10, 20, 30});
  CHECK(gate.waiting_count() == 0);
  CHECK(gate.waiting_bytes() == 0);
}

TEST_CASE("ship gate: duplicates and this region's own ops are not logged again") {
  ShipGate gate(kHere, 1 << 20);
  REQUIRE(gate.offer(batch(kA, 0, 10)) == ShipGate::Verdict::kReady);
  CHECK(gate.offer(batch(kA, 0, 10)) == ShipGate::Verdict::kDuplicate);
  CHECK(gate.offer(batch(kA, 0, 5)) == ShipGate::Verdict::kDuplicate);
  CHECK(gate.offer(batch(kHere, 0, 50)) == ShipGate::Verdict::kDuplicate);
  CHECK(lasts(gate.take_ready()) == std::vector<std::uint64_t>{10});
}

TEST_CASE("ship gate: a batch overlapping what is logged is logged whole") {
  // A relay cut the origin's ops differently: (0, 15] after (0, 10] overlaps by five.
  ShipGate gate(kHere, 1 << 20);
  REQUIRE(gate.offer(batch(kA, 0, 10)) == ShipGate::Verdict::kReady);
  CHECK(gate.offer(batch(kA, 5, 15)) == ShipGate::Verdict::kReady);
  CHECK(gate.logged().at(kA) == at(kA, 15));
}

TEST_CASE("ship gate: a batch waits until the ops its context saw from another region are logged") {
  ShipGate gate(kHere, 1 << 20);
  // B's ops saw A's ops up to 10 (for instance B deleted a key A had written).
  CHECK(gate.offer(batch(kB, 0, 40, vector_with(at(kA, 10)))) == ShipGate::Verdict::kWaiting);
  CHECK(gate.take_ready().empty());
  CHECK(gate.offer(batch(kA, 0, 10)) == ShipGate::Verdict::kReady);
  CHECK(lasts(gate.take_ready()) == std::vector<std::uint64_t>{10, 40});
}

TEST_CASE("ship gate: a context naming the origin itself does not hold its batch back") {
  ShipGate gate(kHere, 1 << 20);
  CHECK(gate.offer(batch(kA, 0, 10, vector_with(at(kA, 9)))) == ShipGate::Verdict::kReady);
}

TEST_CASE("ship gate: the waiting room is bounded in bytes") {
  ShipGate gate(kHere, 10);
  CHECK(gate.offer(batch(kA, 20, 30, {}, std::string(6, 'x'))) == ShipGate::Verdict::kWaiting);
  CHECK(gate.offer(batch(kA, 30, 40, {}, std::string(6, 'x'))) == ShipGate::Verdict::kRefused);
  CHECK(gate.waiting_bytes() == 6);
  // A ready batch is never refused, however full the waiting room.
  CHECK(gate.offer(batch(kA, 0, 20, {}, std::string(100, 'x'))) == ShipGate::Verdict::kReady);
  CHECK(lasts(gate.take_ready()) == std::vector<std::uint64_t>{20, 30});
}

TEST_CASE("ship gate: waiting batches that became duplicates are dropped") {
  ShipGate gate(kHere, 1 << 20);
  CHECK(gate.offer(batch(kA, 10, 20)) == ShipGate::Verdict::kWaiting);
  CHECK(gate.offer(batch(kA, 0, 25)) == ShipGate::Verdict::kReady);  // a relay's longer batch
  CHECK(lasts(gate.take_ready()) == std::vector<std::uint64_t>{25});
  CHECK(gate.waiting_count() == 0);
}

TEST_CASE("ship gate: stamps that contradict each other or the origin are malformed") {
  ShipGate gate(kHere, 1 << 20);
  CHECK(gate.offer(batch(kA, 10, 10)) == ShipGate::Verdict::kMalformed);  // last must pass prev
  CHECK(gate.offer(batch(kA, 20, 10)) == ShipGate::Verdict::kMalformed);
  ShippedBatch wrong_region = batch(kA, 0, 10);
  wrong_region.last = at(kB, 10);
  CHECK(gate.offer(wrong_region) == ShipGate::Verdict::kMalformed);
  ShippedBatch zero_last = batch(kA, 0, 10);
  zero_last.last = crdt::Stamp{};
  CHECK(gate.offer(zero_last) == ShipGate::Verdict::kMalformed);
}

TEST_CASE("ship gate: reset starts from the new leader's applied vector and forgets waiting batches") {
  ShipGate gate(kHere, 1 << 20);
  REQUIRE(gate.offer(batch(kA, 30, 40)) == ShipGate::Verdict::kWaiting);
  gate.reset(vector_with(at(kA, 30)));
  CHECK(gate.waiting_count() == 0);
  CHECK(gate.offer(batch(kA, 20, 30)) == ShipGate::Verdict::kDuplicate);
  CHECK(gate.offer(batch(kA, 30, 40)) == ShipGate::Verdict::kReady);
}

}  // namespace
}  // namespace tern::shipping
