// WriteForwarding (node/region/write_forwarding.h): a write a node cannot run itself waits for a
// leader for a bounded time, goes to the leader once one is known and reachable, runs here once
// this node accepts writes, and bounces back to the node that forwarded it when another leads.
#include "node/region/write_forwarding.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tern::node {
namespace {

constexpr election::NodeId kSelf{1};
constexpr election::NodeId kOther{2};
constexpr election::NodeId kThird{3};

PendingWrite write_from(election::NodeId from, std::uint64_t id, std::uint64_t give_up_tick = 100) {
  return PendingWrite{from, id, 0, 2, {"SET", "k" + std::to_string(id), "v"}, give_up_tick};
}

ForwardingSituation no_leader() { return ForwardingSituation{kSelf, false, std::nullopt, false}; }
ForwardingSituation led_by(election::NodeId leader, bool link_up) {
  return ForwardingSituation{kSelf, false, leader, link_up};
}
ForwardingSituation leading() { return ForwardingSituation{kSelf, true, kSelf, false}; }

std::vector<std::uint64_t> ids(const std::vector<PendingWrite>& writes) {
  std::vector<std::uint64_t> out;
  for (const auto& w : writes) out.push_back(w.request_id);
  return out;
}

TEST_CASE("write forwarding: with no leader writes wait and give up only at their deadline") {
  WriteForwarding forwarding(10);
  REQUIRE(forwarding.park(write_from(kSelf, 1, 50)));
  REQUIRE(forwarding.park(write_from(kOther, 2, 60)));
  auto early = forwarding.dispatch(no_leader(), 49, 549);
  CHECK(early.gave_up.empty());
  CHECK(early.run_here.empty());
  CHECK(forwarding.parked() == 2);
  auto later = forwarding.dispatch(no_leader(), 50, 550);
  CHECK(ids(later.gave_up) == std::vector<std::uint64_t>{1});
  CHECK(forwarding.parked() == 1);
  auto last = forwarding.dispatch(no_leader(), 60, 560);
  CHECK(ids(last.gave_up) == std::vector<std::uint64_t>{2});
  CHECK(forwarding.parked() == 0);
}

TEST_CASE("write forwarding: a known leader gets this node's writes in order once its link is up") {
  WriteForwarding forwarding(10);
  for (std::uint64_t id = 1; id <= 3; ++id) REQUIRE(forwarding.park(write_from(kSelf, id)));
  CHECK(forwarding.dispatch(led_by(kOther, false), 5, 505).send_to_leader.empty());
  auto sent = forwarding.dispatch(led_by(kOther, true), 6, 506);
  CHECK(ids(sent.send_to_leader) == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(forwarding.in_flight() == 3);
  CHECK(forwarding.parked() == 0);
}

TEST_CASE("write forwarding: writes run here once this node accepts writes whoever sent them") {
  WriteForwarding forwarding(10);
  REQUIRE(forwarding.park(write_from(kSelf, 1)));
  REQUIRE(forwarding.park(write_from(kOther, 7)));
  auto plan = forwarding.dispatch(leading(), 1, 501);
  CHECK(ids(plan.run_here) == std::vector<std::uint64_t>{1, 7});
  CHECK(plan.run_here[1].from == kOther);
}

TEST_CASE("write forwarding: another node's write bounces when a third node leads") {
  WriteForwarding forwarding(10);
  REQUIRE(forwarding.park(write_from(kOther, 9)));
  auto plan = forwarding.dispatch(led_by(kThird, true), 1, 501);
  CHECK(ids(plan.bounce) == std::vector<std::uint64_t>{9});
  CHECK(forwarding.in_flight() == 0);  // only this node's own writes are tracked in flight
}

TEST_CASE("write forwarding: an answer ends a write in flight and the unanswered time out") {
  WriteForwarding forwarding(10);
  REQUIRE(forwarding.park(write_from(kSelf, 1)));
  REQUIRE(forwarding.park(write_from(kSelf, 2)));
  forwarding.dispatch(led_by(kOther, true), 10, 510);
  const auto answered = forwarding.answered(1);
  REQUIRE(answered.has_value());
  CHECK(answered->args[1] == "k1");  // kept whole so a retry can send it again
  CHECK_FALSE(forwarding.answered(1).has_value());  // a duplicate answer finds nothing
  CHECK(forwarding.overdue(509).empty());
  CHECK(ids(forwarding.overdue(510)) == std::vector<std::uint64_t>{2});
  CHECK_FALSE(forwarding.answered(2).has_value());  // a late answer after the timeout is ignored
}

TEST_CASE("write forwarding: parking is bounded") {
  WriteForwarding forwarding(2);
  CHECK(forwarding.park(write_from(kSelf, 1)));
  CHECK(forwarding.park(write_from(kSelf, 2)));
  CHECK_FALSE(forwarding.park(write_from(kSelf, 3)));
  CHECK(forwarding.parked() == 2);
}

}  // namespace
}  // namespace tern::node
