// ShipOutbox (replication/shipping/ship_outbox.h): a region leader ships each peer region the
// committed batches it lacks, in log order, joined per origin into bounded messages after a short
// delay; never a peer's own ops; resumes from the peer's vector after a break; holds back when
// too much is unacknowledged; keeps what some peer still needs up to a byte bound, and past it
// says which peer needs a snapshot.
#include "replication/shipping/ship_outbox.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tern::shipping {
namespace {

constexpr crdt::RegionId kHere{1};
constexpr crdt::RegionId kPeer{2};
constexpr crdt::RegionId kThird{3};

crdt::Stamp at(crdt::RegionId region, std::uint64_t ms) { return crdt::Stamp::make(ms, 0, region); }

crdt::StampVector vector_of(std::initializer_list<crdt::Stamp> stamps) {
  crdt::StampVector v;
  for (auto s : stamps) v.raise(s);
  return v;
}

ShipLimits limits(std::size_t message = 1024, std::uint64_t delay = 2, std::size_t in_flight = 1 << 20,
                  std::size_t retained = 1 << 20) {
  ShipLimits limits;
  limits.max_message_bytes = message;
  limits.max_delay_ms = delay;
  limits.max_in_flight_bytes = in_flight;
  limits.max_retained_bytes = retained;
  return limits;
}

std::vector<std::uint64_t> lasts(const std::vector<ShippedBatch>& batches) {
  std::vector<std::uint64_t> out;
  for (const auto& b : batches) out.push_back(b.last.ms());
  return out;
}

TEST_CASE("ship outbox: a peer gets this region's and relayed batches but never its own") {
  ShipOutbox outbox(kHere, limits(), {});
  outbox.add_peer(kPeer);
  outbox.connected(kPeer, {});
  outbox.append(1, kHere, at(kHere, 10), {}, "a", 0);
  outbox.append(2, kPeer, at(kPeer, 11), {}, "b", 0);
  outbox.append(3, kThird, at(kThird, 12), {}, "c", 0);
  const auto sent = outbox.take_messages(kPeer, 100);
  CHECK(lasts(sent) == std::vector<std::uint64_t>{10, 12});
  CHECK(sent[0].origin == kHere);
  CHECK(sent[1].origin == kThird);
}

TEST_CASE("ship outbox: each batch names the origin's previous stamp starting from the start vector") {
  ShipOutbox outbox(kHere, limits(1), vector_of({at(kHere, 5)}));
  outbox.add_peer(kPeer);
  outbox.connected(kPeer, {});
  CHECK(outbox.needs_snapshot(kPeer));  // it lacks what came before the outbox's start
  outbox.connected(kPeer, vector_of({at(kHere, 5)}));
  CHECK_FALSE(outbox.needs_snapshot(kPeer));
  outbox.append(1, kHere, at(kHere, 10), {}, "a", 0);
  outbox.append(2, kThird, at(kThird, 20), {}, "b", 0);
  outbox.append(3, kHere, at(kHere, 30), {}, "c", 0);
  const auto sent = outbox.take_messages(kPeer, 100);
  REQUIRE(sent.size() == 3);
  CHECK(sent[0].prev == at(kHere, 5));
  CHECK(sent[1].prev.is_zero());
  CHECK(sent[2].prev == at(kHere, 10));
}

TEST_CASE("ship outbox: consecutive batches of one origin join into bounded messages in order") {
  ShipOutbox outbox(kHere, limits(4), {});
  outbox.add_peer(kPeer);
  outbox.connected(kPeer, {});
  outbox.append(1, kHere, at(kHere, 1), vector_of({at(kThird, 7)}), "ab", 0);
  outbox.append(2, kHere, at(kHere, 2), vector_of({at(kThird, 9)}), "cd", 0);
  outbox.append(3, kHere, at(kHere, 3), {}, "ef", 0);
  outbox.append(4, kThird, at(kThird, 10), {}, "gh", 0);
  outbox.append(5, kHere, at(kHere, 4), {}, "ij", 0);
  const auto sent = outbox.take_messages(kPeer, 100);
  REQUIRE(lasts(sent) == std::vector<std::uint64_t>{2, 3, 10, 4});
  CHECK(sent[0].ops == "abcd");
  CHECK(sent[0].prev.is_zero());
  CHECK(sent[0].context.at(kThird) == at(kThird, 9));  // the join of both contexts
  CHECK(sent[1].prev == at(kHere, 2));
  CHECK(sent[3].prev == at(kHere, 3));
}

TEST_CASE("ship outbox: a partial message waits for the delay and a full one goes at once") {
  ShipOutbox outbox(kHere, limits(4, 2), {});
  outbox.add_peer(kPeer);
  outbox.connected(kPeer, {});
  outbox.append(1, kHere, at(kHere, 1), {}, "ab", 100);
  CHECK(outbox.next_due_ms(kPeer) == 102);
  CHECK(outbox.take_messages(kPeer, 101).empty());
  outbox.append(2, kHere, at(kHere, 2), {}, "cd", 101);  // now a full message
  CHECK(outbox.next_due_ms(kPeer) == 100);
  CHECK(lasts(outbox.take_messages(kPeer, 101)) == std::vector<std::uint64_t>{2});
  CHECK_FALSE(outbox.next_due_ms(kPeer).has_value());
}

TEST_CASE("ship outbox: unacknowledged bytes are bounded and an acknowledgement releases more") {
  ShipOutbox outbox(kHere, limits(2, 0, 4), {});
  outbox.add_peer(kPeer);
  outbox.connected(kPeer, {});
  for (std::uint64_t i = 1; i <= 4; ++i) outbox.append(i, kHere, at(kHere, i), {}, "xx", 0);
  CHECK(lasts(outbox.take_messages(kPeer, 0)) == std::vector<std::uint64_t>{1, 2});
  CHECK(outbox.status(kPeer).in_flight_bytes == 4);
  CHECK(outbox.take_messages(kPeer, 0).empty());
  outbox.acknowledged(kPeer, vector_of({at(kHere, 1)}));
  CHECK(outbox.status(kPeer).in_flight_bytes == 2);
  CHECK(lasts(outbox.take_messages(kPeer, 0)) == std::vector<std::uint64_t>{3});
}

TEST_CASE("ship outbox: unacknowledged messages are bounded in number as well as bytes") {
  ShipLimits bounded = limits(1, 0, 1 << 20);
  bounded.max_in_flight_messages = 2;
  ShipOutbox outbox(kHere, bounded, {});
  outbox.add_peer(kPeer);
  outbox.connected(kPeer, {});
  for (std::uint64_t i = 1; i <= 5; ++i) outbox.append(i, kHere, at(kHere, i), {}, "xy", 0);
  CHECK(lasts(outbox.take_messages(kPeer, 0)) == std::vector<std::uint64_t>{1, 2});
  CHECK(outbox.take_messages(kPeer, 0).empty());
  outbox.acknowledged(kPeer, vector_of({at(kHere, 1)}));
  CHECK(lasts(outbox.take_messages(kPeer, 0)) == std::vector<std::uint64_t>{3});
}

TEST_CASE("ship outbox: after a break shipping resumes from what the peer has") {
  ShipOutbox outbox(kHere, limits(2, 0), {});
  outbox.add_peer(kPeer);
  outbox.connected(kPeer, {});
  for (std::uint64_t i = 1; i <= 3; ++i) outbox.append(i, kHere, at(kHere, i), {}, "xx", 0);
  REQUIRE(lasts(outbox.take_messages(kPeer, 0)) == std::vector<std::uint64_t>{1, 2, 3});
  outbox.disconnected(kPeer);
  outbox.append(4, kHere, at(kHere, 4), {}, "xx", 0);
  CHECK(outbox.take_messages(kPeer, 0).empty());  // no link
  // Only batch 1 arrived before the break: 2 and 3 go again, then 4.
  outbox.connected(kPeer, vector_of({at(kHere, 1)}));
  CHECK(lasts(outbox.take_messages(kPeer, 0)) == std::vector<std::uint64_t>{2, 3, 4});
}

TEST_CASE("ship outbox: what every peer has is dropped and the oldest retained index moves") {
  ShipOutbox outbox(kHere, limits(), {});
  outbox.add_peer(kPeer);
  outbox.add_peer(kThird);
  outbox.connected(kPeer, {});
  outbox.connected(kThird, {});
  outbox.append(7, kHere, at(kHere, 1), {}, "a", 0);
  outbox.append(8, kHere, at(kHere, 2), {}, "b", 0);
  CHECK(outbox.oldest_retained_log_index() == 7);
  outbox.acknowledged(kPeer, vector_of({at(kHere, 2)}));
  CHECK(outbox.oldest_retained_log_index() == 7);  // the third region has neither yet
  outbox.acknowledged(kThird, vector_of({at(kHere, 1)}));
  CHECK(outbox.oldest_retained_log_index() == 8);
  outbox.acknowledged(kThird, vector_of({at(kHere, 2)}));
  CHECK_FALSE(outbox.oldest_retained_log_index().has_value());
  CHECK(outbox.retained_bytes() == 0);
}

TEST_CASE("ship outbox: a peer that never connected keeps batches retained until the bound") {
  ShipOutbox outbox(kHere, limits(1024, 0, 1 << 20, 4), {});
  outbox.add_peer(kPeer);
  outbox.append(1, kHere, at(kHere, 1), {}, "xx", 0);
  outbox.append(2, kHere, at(kHere, 2), {}, "xx", 0);
  CHECK(outbox.retained_batches() == 2);
  CHECK_FALSE(outbox.needs_snapshot(kPeer));
  outbox.append(3, kHere, at(kHere, 3), {}, "xx", 0);  // six bytes: the oldest must go
  CHECK(outbox.retained_batches() == 2);
  CHECK(outbox.needs_snapshot(kPeer));
  outbox.connected(kPeer, {});
  CHECK(outbox.take_messages(kPeer, 0).empty());  // nothing until it has a snapshot
  outbox.snapshot_sent(kPeer, vector_of({at(kHere, 2)}));
  CHECK_FALSE(outbox.needs_snapshot(kPeer));
  CHECK(lasts(outbox.take_messages(kPeer, 0)) == std::vector<std::uint64_t>{3});
}

TEST_CASE("ship outbox: a late acknowledgement never moves a peer's vector back") {
  ShipOutbox outbox(kHere, limits(1024, 0), {});
  outbox.add_peer(kPeer);
  outbox.connected(kPeer, {});
  outbox.append(1, kHere, at(kHere, 1), {}, "a", 0);
  outbox.append(2, kHere, at(kHere, 2), {}, "b", 0);
  REQUIRE(outbox.take_messages(kPeer, 0).size() == 1);
  outbox.acknowledged(kPeer, vector_of({at(kHere, 2)}));
  outbox.acknowledged(kPeer, vector_of({at(kHere, 1)}));
  CHECK(outbox.status(kPeer).acknowledged.at(kHere) == at(kHere, 2));
  CHECK(outbox.status(kPeer).in_flight_bytes == 0);
}

}  // namespace
}  // namespace tern::shipping
