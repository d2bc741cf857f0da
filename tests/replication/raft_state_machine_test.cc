// Focused tests of the election core: each case drives a small hand-held region (test_region.h)
// into one situation and checks one rule, named with its section of the Raft paper or thesis.
#include "replication/election/raft_state_machine.h"

#include <doctest/doctest.h>

#include <string>
#include <tuple>

#include "tests/replication/test_region.h"

namespace tern::election::testing {
namespace {

constexpr NodeId kA{1};
constexpr NodeId kB{2};
constexpr NodeId kC{3};
constexpr NodeId kD{4};

Entry entry(std::uint64_t term, std::uint64_t index) {
  return Entry{Term{term}, LogIndex{index}, EntryKind::kApplication, "e" + std::to_string(index)};
}

PersistedState log_at(std::uint64_t term, std::uint64_t commit, std::vector<Entry> entries) {
  return PersistedState{HardState{Term{term}, std::nullopt, LogIndex{commit}}, std::nullopt,
                        std::move(entries)};
}

std::string payload_of(const Entry& entry) { return entry.payload; }

TEST_CASE("a follower that hears no leader for an election timeout campaigns (§5.2)") {
  TestRegion region(voters({1, 2, 3}));
  region.tick(kA, 29);
  CHECK(region[kA].role() == Role::kFollower);  // never before the minimum timeout
  region.tick(kA, 31);
  CHECK(region[kA].role() == Role::kPreCandidate);  // at the latest by the maximum
  region.deliver();
  CHECK(region[kA].role() == Role::kLeader);
  CHECK(region[kA].term() == Term{1});
  CHECK(region[kB].leader() == kA);
  CHECK(region[kC].leader() == kA);
}

TEST_CASE("election timeouts are drawn from the configured range, differently per seed (§5.2)") {
  std::set<int> timeouts;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    ElectionConfig config;
    config.self = kA;
    config.initial_membership = voters({1, 2, 3});
    config.random_seed = seed;
    RaftStateMachine machine(config, {});
    int ticks = 0;
    while (machine.role() == Role::kFollower) {
      machine.tick();
      ++ticks;
    }
    CHECK(ticks >= 30);
    CHECK(ticks < 60);
    timeouts.insert(ticks);
  }
  CHECK(timeouts.size() > 5);
}

TEST_CASE("a candidate with a shorter log loses the vote (§5.4.1)") {
  TestRegion region(voters({1, 2, 3}));
  region.start(kB, log_at(1, 0, {entry(1, 1), entry(1, 2)}));
  region.inject(Message{kC, kB, Term{2}, VoteRequest{false, EntryId{Term{1}, LogIndex{1}}, false}});
  const auto refused = region.sent_of_kind<VoteResponse>(kB, kC);
  REQUIRE(refused.size() == 1);
  CHECK_FALSE(std::get<VoteResponse>(refused[0].body).granted);

  // The same request from a candidate whose log is as long is granted.
  region.inject(Message{kA, kB, Term{2}, VoteRequest{false, EntryId{Term{1}, LogIndex{2}}, false}});
  const auto granted = region.sent_of_kind<VoteResponse>(kB, kA);
  REQUIRE(granted.size() == 1);
  CHECK(std::get<VoteResponse>(granted[0].body).granted);
}

TEST_CASE("a candidate whose last term is older loses the vote even with a longer log (§5.4.1)") {
  TestRegion region(voters({1, 2, 3}));
  region.start(kB, log_at(2, 0, {entry(1, 1), entry(2, 2)}));
  region.inject(Message{kC, kB, Term{3}, VoteRequest{false, EntryId{Term{1}, LogIndex{9}}, false}});
  const auto refused = region.sent_of_kind<VoteResponse>(kB, kC);
  REQUIRE(refused.size() == 1);
  CHECK_FALSE(std::get<VoteResponse>(refused[0].body).granted);
}

TEST_CASE("a node votes for at most one candidate per term (§5.2)") {
  TestRegion region(voters({1, 2, 3}));
  region.inject(Message{kA, kB, Term{1}, VoteRequest{false, EntryId{}, false}});
  region.inject(Message{kC, kB, Term{1}, VoteRequest{false, EntryId{}, false}});
  CHECK(std::get<VoteResponse>(region.sent_of_kind<VoteResponse>(kB, kA).at(0).body).granted);
  CHECK_FALSE(std::get<VoteResponse>(region.sent_of_kind<VoteResponse>(kB, kC).at(0).body).granted);
}

TEST_CASE("a restarted node never votes twice in a term") {
  TestRegion region(voters({1, 2, 3}));
  region.inject(Message{kA, kB, Term{5}, VoteRequest{false, EntryId{}, false}});
  REQUIRE(std::get<VoteResponse>(region.sent_of_kind<VoteResponse>(kB, kA).at(0).body).granted);
  CHECK(region.storage(kB).persisted.hard_state.voted_for == kA);

  region.restart(kB);
  region.inject(Message{kC, kB, Term{5}, VoteRequest{false, EntryId{}, false}});
  const auto second = region.sent_of_kind<VoteResponse>(kB, kC);
  REQUIRE(second.size() == 1);
  CHECK_FALSE(std::get<VoteResponse>(second[0].body).granted);
  CHECK(region[kB].term() == Term{5});
}

TEST_CASE("pre-vote does not bump the term of a partitioned node (thesis §9.6)") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  const Term before = region[kA].term();
  region.isolate(kC);
  for (int i = 0; i < 10 * 60; ++i) region.tick(kC);
  CHECK(region[kC].term() == before);
  CHECK(region[kC].role() == Role::kPreCandidate);

  // When it comes back the healthy leader keeps its term and its role.
  region.heal();
  region.tick_all(100);
  CHECK(region[kA].role() == Role::kLeader);
  CHECK(region[kA].term() == before);
  CHECK(region[kC].leader() == kA);
}

TEST_CASE("without pre-vote a partitioned node inflates its term and deposes the leader") {
  // The control for the case above: the disruption pre-vote exists to prevent.
  ElectionConfig config;
  config.pre_vote = false;
  config.check_quorum = false;
  TestRegion region(voters({1, 2, 3}), config);
  region.elect(kA);
  const Term before = region[kA].term();
  region.isolate(kC);
  for (int i = 0; i < 10 * 60; ++i) region.tick(kC);
  CHECK(region[kC].term() > before);
  region.heal();
  region.tick_all(1);
  CHECK(region[kA].term() > before);
}

TEST_CASE("a follower that hears from its leader ignores vote requests (leader lease, §4.2.3)") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  const Term term = region[kA].term();
  region.inject(Message{kC, kB, Term{term.value + 1},
                        VoteRequest{false, EntryId{Term{term.value}, LogIndex{100}}, false}});
  CHECK(region[kB].term() == term);
  CHECK(region.sent_of_kind<VoteResponse>(kB, kC).empty());
}

TEST_CASE("a leader does not commit an old-term entry by counting replicas (§5.4.2)") {
  // A has an entry of term 2 that only it holds; it becomes leader of term 4.
  TestRegion region(voters({1, 2, 3}));
  region.start(kA, log_at(3, 1, {entry(1, 1), entry(2, 2)}));
  region.start(kB, log_at(3, 1, {entry(1, 1)}));
  region.start(kC, log_at(3, 1, {entry(1, 1)}));
  region.drop = [](const Message& message) {
    return std::holds_alternative<AppendEntries>(message.body);
  };
  region.campaign(kA);
  REQUIRE(region[kA].role() == Role::kLeader);
  REQUIRE(region[kA].term() == Term{4});
  region.drop = nullptr;

  // B reports it now stores index 2 (the term-2 entry): a majority holds it, but it is not of
  // the leader's term, so it is not committed by counting.
  region.inject(Message{kB, kA, Term{4}, AppendResponse{true, LogIndex{2}, {}, {}}});
  CHECK(region[kA].commit_index() == LogIndex{1});

  // Once B stores the leader's own no-op (index 3), both commit.
  region.inject(Message{kB, kA, Term{4}, AppendResponse{true, LogIndex{3}, {}, {}}});
  CHECK(region[kA].commit_index() == LogIndex{3});
}

TEST_CASE("log matching: a follower's conflicting uncommitted suffix is replaced (§5.3)") {
  TestRegion region(voters({1, 2, 3}));
  region.start(kA, log_at(3, 1, {entry(1, 1), entry(3, 2)}));
  region.start(kB, log_at(2, 1, {entry(1, 1), entry(2, 2), entry(2, 3), entry(2, 4)}));
  region.elect(kA);
  region.tick_all(10);
  CHECK(region[kB].log().last_id() == region[kA].log().last_id());
  CHECK(region[kB].log().term_at(LogIndex{2}) == Term{3});
  CHECK(region[kB].commit_index() == region[kA].commit_index());
}

TEST_CASE("a follower commits no further than the last entry the leader sent it (§5.3)") {
  // B's entry 3 is from an old term and may differ from the leader's entry 3; the leader's
  // commit index says nothing about it until the leader has sent its own entry 3.
  TestRegion region(voters({1, 2, 3}));
  region.start(kB, log_at(1, 0, {entry(1, 1), entry(1, 2), entry(1, 3)}));
  region.inject(Message{kA, kB, Term{2},
                        AppendEntries{EntryId{Term{1}, LogIndex{1}}, {entry(1, 2)}, LogIndex{3}}});
  CHECK(region[kB].commit_index() == LogIndex{2});
}

TEST_CASE("the fast back-off skips a conflicting term in one round trip (§5.3)") {
  std::vector<Entry> leader_log{entry(1, 1)};
  std::vector<Entry> follower_log{entry(1, 1)};
  for (std::uint64_t index = 2; index <= 11; ++index) leader_log.push_back(entry(3, index));
  for (std::uint64_t index = 2; index <= 21; ++index) follower_log.push_back(entry(2, index));
  TestRegion region(voters({1, 2, 3}));
  region.start(kA, log_at(3, 1, leader_log));
  region.start(kB, log_at(3, 1, follower_log));
  region.start(kC, log_at(3, 1, {entry(1, 1)}));
  region.elect(kA);
  region.tick_all(10);
  std::size_t rejections = 0;
  for (const Message& response : region.sent_of_kind<AppendResponse>(kB, kA)) {
    if (!std::get<AppendResponse>(response.body).accepted) ++rejections;
  }
  CHECK(rejections == 1);  // one-index-at-a-time back-off would need 10
  CHECK(region[kB].log().last_id() == region[kA].log().last_id());
}

TEST_CASE("an entry commits once a majority of voters store it, and every node applies it") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.isolate(kC);
  const auto proposed = region[kA].propose("x");
  REQUIRE(proposed.ok());
  region.collect(kA);
  region.deliver();
  CHECK(region[kA].commit_index() == proposed.value().index);
  region.heal();
  region.tick_all(10);
  for (const NodeId node : {kA, kB, kC}) {
    REQUIRE_FALSE(region.applied(node).empty());
    CHECK(region.applied(node).back().id() == proposed.value());
    CHECK(region.applied(node).back().payload == "x");
  }
}

TEST_CASE("a new leader accepts writes only once it has committed an entry of its term (§8)") {
  TestRegion region(voters({1, 2, 3}));
  region.drop = [](const Message& message) {
    return std::holds_alternative<AppendResponse>(message.body);
  };
  region.campaign(kA);
  REQUIRE(region[kA].role() == Role::kLeader);
  CHECK_FALSE(region[kA].accepts_writes());
  region.drop = nullptr;
  region.tick_all(10);
  CHECK(region[kA].accepts_writes());
  CHECK(region[kA].last_committed().term == region[kA].term());
}

TEST_CASE("a follower refuses proposals and names no leader it does not know") {
  TestRegion region(voters({1, 2, 3}));
  const auto refused = region[kB].propose("x");
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error() == Refusal::kNotLeader);
  CHECK_FALSE(region[kB].leader().has_value());
}

TEST_CASE("check-quorum: a leader that hears from no majority steps down (thesis §6.2)") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.isolate(kA);
  int ticks = 0;
  while (region[kA].role() == Role::kLeader && ticks < 1000) {
    region.tick(kA);
    ++ticks;
  }
  CHECK(region[kA].role() == Role::kFollower);
  CHECK(ticks <= 2 * 30);  // within two check-quorum periods of the last contact
  CHECK_FALSE(region[kA].accepts_writes());
  CHECK(region[kA].propose("late").error() == Refusal::kNotLeader);
}

TEST_CASE("check-quorum: a leader that hears from a majority stays leader") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.isolate(kC);
  region.tick_all(1000);
  CHECK(region[kA].role() == Role::kLeader);
}

TEST_CASE("a stale leader that comes back steps down when a follower answers with its term") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  const Term old_term = region[kA].term();
  region.isolate(kA);
  // B and C wait out their leader lease and elect B; A does not tick, so it notices nothing.
  for (int i = 0; i < 1000 && region[kB].role() != Role::kLeader; ++i) {
    region.tick(kB);
    if (region[kC].role() == Role::kFollower) region.tick(kC);
    region.deliver();
  }
  REQUIRE(region[kB].role() == Role::kLeader);
  region.heal();
  // A never ticked, so it still believes it leads; its next heartbeat is answered with a later
  // term and it follows.
  region.tick(kA, 5);
  region.deliver();
  CHECK(region[kA].role() == Role::kFollower);
  CHECK(region[kA].term() > old_term);
  region.tick(kB, 5);  // B's next heartbeat names the leader
  region.deliver();
  CHECK(region[kA].leader() == kB);
}

TEST_CASE("leadership transfer sends TimeoutNow to a caught-up target (thesis §3.10)") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.tick_all(10);
  const Term before = region[kA].term();
  REQUIRE(region[kA].transfer_leadership(kB).ok());
  CHECK_FALSE(region[kA].accepts_writes());
  CHECK(region[kA].propose("during").error() == Refusal::kTransferInProgress);
  region.collect(kA);
  CHECK(region.sent_of_kind<TimeoutNow>(kA, kB).size() == 1);
  region.deliver();
  CHECK(region[kB].role() == Role::kLeader);
  CHECK(region[kB].term() == Term{before.value + 1});
  CHECK(region[kA].leader() == kB);
}

TEST_CASE("leadership transfer to a lagging target first catches it up") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.isolate(kC);
  REQUIRE(region[kA].propose("x").ok());
  region.collect(kA);
  region.deliver();
  region.heal();
  REQUIRE(region[kA].transfer_leadership(kC).ok());
  region.collect(kA);
  CHECK(region.sent_of_kind<TimeoutNow>(kA, kC).empty());  // not yet: C misses "x"
  region.deliver();
  CHECK(region.sent_of_kind<TimeoutNow>(kA, kC).size() == 1);
  CHECK(region[kC].role() == Role::kLeader);
}

TEST_CASE("leadership transfer without a target picks the most up-to-date voter") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.isolate(kB);
  REQUIRE(region[kA].propose("x").ok());
  region.collect(kA);
  region.deliver();
  region.heal();
  REQUIRE(region[kA].transfer_leadership(std::nullopt).ok());
  CHECK(region[kA].status().transfer_target == kC);
}

TEST_CASE("an unfinished leadership transfer is abandoned after an election timeout") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.isolate(kB);
  REQUIRE(region[kA].transfer_leadership(kB).ok());
  region.tick_all(30);
  CHECK(region[kA].role() == Role::kLeader);
  CHECK_FALSE(region[kA].status().transfer_target.has_value());
  CHECK(region[kA].accepts_writes());
}

TEST_CASE("a follower behind the compacted log receives a snapshot (§7)") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.isolate(kC);
  for (int i = 0; i < 10; ++i) REQUIRE(region[kA].propose("x" + std::to_string(i)).ok());
  region.collect(kA);
  region.deliver();
  const LogIndex applied = region[kA].applied_index();
  const auto meta = region[kA].compact(applied, "state at " + std::to_string(applied.value));
  REQUIRE(meta.ok());
  CHECK(region[kA].log().first_index() == next(applied));

  region.heal();
  region.tick_all(10);
  REQUIRE(region.sent_of_kind<InstallSnapshot>(kA, kC).size() == 1);
  CHECK(region.storage(kC).persisted.snapshot.has_value());
  CHECK(region.storage(kC).persisted.snapshot->data == "state at " + std::to_string(applied.value));
  CHECK(region[kC].commit_index() == region[kA].commit_index());
  CHECK(region[kC].log().first_index() == next(applied));
  // And it takes new entries after the snapshot by AppendEntries.
  REQUIRE(region[kA].propose("after").ok());
  region.collect(kA);
  region.deliver();
  CHECK(region.applied(kC).back().payload == "after");
}

TEST_CASE("a snapshot sent in chunks is assembled before it is installed") {
  TestRegion region(voters({1, 2}));
  const SnapshotMeta meta{EntryId{Term{1}, LogIndex{5}}, voters({1, 2})};
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 0, "hello ", false}});
  CHECK_FALSE(region.storage(kB).persisted.snapshot.has_value());
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 6, "world", true}});
  REQUIRE(region.storage(kB).persisted.snapshot.has_value());
  CHECK(region.storage(kB).persisted.snapshot->data == "hello world");
  CHECK(region[kB].commit_index() == LogIndex{5});
}

// A region whose leader A compacted its log to a 10-byte snapshot while C was cut off; chunks of
// 4 bytes make three InstallSnapshot messages (offsets 0, 4, 8).
struct ChunkedSnapshotRegion {
  TestRegion region;
  std::string data = "0123456789";
  explicit ChunkedSnapshotRegion(ElectionConfig config = chunked(4))
      : region(voters({1, 2, 3}), config) {
    region.elect(kA);
    region.isolate(kC);
    for (int i = 0; i < 5; ++i) REQUIRE(region[kA].propose("x").ok());
    region.collect(kA);
    region.deliver();
    REQUIRE(region[kA].compact(region[kA].applied_index(), data).ok());
    region.heal();
  }
  static ElectionConfig chunked(std::size_t bytes) {
    ElectionConfig config;
    config.snapshot_chunk_bytes = bytes;
    return config;
  }
};

TEST_CASE("a snapshot is sent in chunks of snapshot_chunk_bytes with consecutive offsets (§7)") {
  ChunkedSnapshotRegion setup;
  TestRegion& region = setup.region;
  region.tick_all(10);
  const auto chunks = region.sent_of_kind<InstallSnapshot>(kA, kC);
  REQUIRE(chunks.size() == 3);
  std::string joined;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const auto& chunk = std::get<InstallSnapshot>(chunks[i].body);
    CHECK(chunk.offset == 4 * i);
    CHECK(chunk.data.size() <= 4);
    CHECK(chunk.done == (i + 1 == chunks.size()));
    joined += chunk.data;
  }
  CHECK(joined == setup.data);
  REQUIRE(region.storage(kC).persisted.snapshot.has_value());
  CHECK(region.storage(kC).persisted.snapshot->data == setup.data);
  CHECK(region[kC].commit_index() == region[kA].commit_index());
}

TEST_CASE(
    "a lost snapshot chunk leaves a gap, then the leader sends the snapshot again and it "
    "installs") {
  ChunkedSnapshotRegion setup;
  TestRegion& region = setup.region;
  int dropped = 0;
  region.drop = [&](const Message& m) {
    const auto* chunk = std::get_if<InstallSnapshot>(&m.body);
    return chunk != nullptr && chunk->offset == 4 && dropped++ == 0;
  };
  region.tick_all(10);
  CHECK(dropped == 1);
  CHECK_FALSE(region.storage(kC).persisted.snapshot.has_value());  // the gap was not filled
  region.tick_all(100);  // the snapshot wait runs out and the probe resends it whole
  REQUIRE(region.storage(kC).persisted.snapshot.has_value());
  CHECK(region.storage(kC).persisted.snapshot->data == setup.data);
  CHECK(region.sent_of_kind<InstallSnapshot>(kA, kC).size() == 6);
  CHECK(region[kC].commit_index() == region[kA].commit_index());
}

TEST_CASE("duplicated snapshot chunks are ignored and the snapshot installs once, intact") {
  TestRegion region(voters({1, 2}));
  const SnapshotMeta meta{EntryId{Term{1}, LogIndex{5}}, voters({1, 2})};
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 0, "hello ", false}});
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 0, "hello ", false}});
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 6, "big ", false}});
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 6, "big ", false}});
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 0, "hello ", false}});
  CHECK_FALSE(region.storage(kB).persisted.snapshot.has_value());
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 10, "world", true}});
  REQUIRE(region.storage(kB).persisted.snapshot.has_value());
  CHECK(region.storage(kB).persisted.snapshot->data == "hello big world");
  CHECK(region[kB].commit_index() == LogIndex{5});
}

TEST_CASE("reordered snapshot chunks are assembled in offset order") {
  TestRegion region(voters({1, 2}));
  const SnapshotMeta meta{EntryId{Term{1}, LogIndex{5}}, voters({1, 2})};
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 4, "ef", true}});
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 2, "cd", false}});
  CHECK_FALSE(region.storage(kB).persisted.snapshot.has_value());
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 0, "ab", false}});
  REQUIRE(region.storage(kB).persisted.snapshot.has_value());
  CHECK(region.storage(kB).persisted.snapshot->data == "abcdef");
}

TEST_CASE("a chunk of an older snapshot does not disturb the assembly of a newer one") {
  TestRegion region(voters({1, 2}));
  const SnapshotMeta older{EntryId{Term{1}, LogIndex{5}}, voters({1, 2})};
  const SnapshotMeta newer{EntryId{Term{1}, LogIndex{9}}, voters({1, 2})};
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{newer, 0, "new-", false}});
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{older, 0, "old", true}});
  CHECK_FALSE(region.storage(kB).persisted.snapshot.has_value());
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{newer, 4, "data", true}});
  REQUIRE(region.storage(kB).persisted.snapshot.has_value());
  CHECK(region.storage(kB).persisted.snapshot->data == "new-data");
  CHECK(region[kB].commit_index() == LogIndex{9});
}

TEST_CASE("snapshot chunks that disagree about where the snapshot ends are dropped") {
  TestRegion region(voters({1, 2}));
  const SnapshotMeta meta{EntryId{Term{1}, LogIndex{5}}, voters({1, 2})};
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 0, "abcdef", false}});
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 2, "cd", true}});  // ends at 4?
  CHECK_FALSE(region.storage(kB).persisted.snapshot.has_value());
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 0, "abcdef", true}});
  REQUIRE(region.storage(kB).persisted.snapshot.has_value());
  CHECK(region.storage(kB).persisted.snapshot->data == "abcdef");
}

TEST_CASE("chunks of a snapshot from an older leader term do not mix with a newer one's") {
  TestRegion region(voters({1, 2, 3}));
  const SnapshotMeta meta{EntryId{Term{1}, LogIndex{5}}, voters({1, 2, 3})};
  region.inject(Message{kA, kB, Term{1}, InstallSnapshot{meta, 0, "old-", false}});
  region.inject(Message{kC, kB, Term{2}, InstallSnapshot{meta, 4, "tail", true}});
  CHECK_FALSE(region.storage(kB).persisted.snapshot.has_value());
}

// A voter that loses its disk: A and B commit entries while C is cut off; B's disk is wiped and
// it restarts empty; A goes down. C (missing the committed entries) campaigns.
struct WipedVoterRegion {
  TestRegion region{voters({1, 2, 3})};
  LogIndex committed;
  explicit WipedVoterRegion(bool rejoining) {
    region.elect(kA);
    region.isolate(kC);
    for (int i = 0; i < 5; ++i) REQUIRE(region[kA].propose("x").ok());
    region.collect(kA);
    region.deliver();
    committed = region[kA].commit_index();
    REQUIRE(committed >= LogIndex{6});
    REQUIRE(region[kC].log().last_index() < committed);
    region.start(kB, {}, rejoining);  // empty: no term, no vote, no log
    region.heal();
    region.isolate(kA);
    region.tick_all(1000);
  }
};

TEST_CASE(
    "without the rejoin rule a voter that lost its disk elects a leader missing committed "
    "entries") {
  // Why the rule exists: B's empty log makes any candidate look up to date to it.
  WipedVoterRegion setup(false);
  CHECK(setup.region[kC].role() == Role::kLeader);
  CHECK_FALSE(setup.region[kC].log().holds(setup.region[kA].last_committed()));
}

TEST_CASE(
    "a voter that lost its disk and rejoins does not help elect a leader missing committed "
    "entries") {
  WipedVoterRegion setup(true);
  CHECK(setup.region[kC].role() != Role::kLeader);
  CHECK(setup.region[kB].role() == Role::kFollower);  // and it never campaigns itself
  for (const auto& message : setup.region.sent_of_kind<VoteResponse>(kB, kC)) {
    CHECK_FALSE(std::get<VoteResponse>(message.body).granted);
  }
  // A returns: it wins (it holds everything committed), and B catches up from it.
  setup.region.heal();
  setup.region.tick_all(1000);
  CHECK(setup.region[kA].role() == Role::kLeader);
  CHECK(setup.region[kB].log().last_index() >= setup.committed);
}

TEST_CASE("a rejoining node's acknowledgements do not count toward commit") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.tick_all(10);
  region.start(kB, {}, true);
  region.isolate(kC);
  const auto proposed = region[kA].propose("x");
  REQUIRE(proposed.ok());
  region.collect(kA);
  region.tick_all(20);
  CHECK(region[kB].log().last_index() >= proposed.value().index);  // B stores it...
  CHECK(region[kA].commit_index() < proposed.value().index);       // ...but A + B is no quorum
  region.heal();
  region.tick_all(20);
  CHECK(region[kA].commit_index() >= proposed.value().index);
}

TEST_CASE("a rejoining node is demoted to learner, catches up, is promoted and then votes again") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  for (int i = 0; i < 3; ++i) REQUIRE(region[kA].propose("x").ok());
  region.collect(kA);
  region.tick_all(10);
  region.start(kB, {}, true);
  region.tick_all(10);
  // What the edge does on the leader: demote a voter whose answers say it is rejoining...
  const auto follower_b = [&] {
    for (const auto& follower : region[kA].status().followers) {
      if (follower.node == kB) return follower;
    }
    return FollowerProgress{};
  };
  REQUIRE(follower_b().rejoining);
  CHECK(follower_b().rejoin_id == 1000 + kB.value);
  REQUIRE(region[kA].demote_voter(kB, follower_b().rejoin_id).ok());
  region.collect(kA);
  region.tick_all(10);
  CHECK(region[kB].membership().is_learner(kB));
  CHECK(region[kB].rejoining());
  // ...and promote it once it has caught up with the commit index, naming its rejoin.
  REQUIRE(follower_b().match >= region[kA].commit_index());
  CHECK(region[kA].promote_learner(kB, 77).error() == Refusal::kUnknownNode);  // not its id
  REQUIRE(region[kA].promote_learner(kB, follower_b().rejoin_id).ok());
  region.collect(kA);
  region.tick_all(10);
  CHECK(region[kB].membership().is_voter(kB));
  CHECK_FALSE(region[kB].rejoining());
  CHECK_FALSE(follower_b().rejoining);
  // B votes again: with A gone, B and C elect a leader.
  region.isolate(kA);
  region.tick_all(1000);
  CHECK((region[kB].role() == Role::kLeader || region[kC].role() == Role::kLeader));
}

TEST_CASE("a node that stops rejoining (a new region) votes and campaigns") {
  TestRegion region(voters({1, 2, 3}));
  for (const NodeId node : {kA, kB, kC}) region.start(node, {}, true);
  region.tick_all(500);
  for (const NodeId node : {kA, kB, kC}) CHECK(region[node].role() == Role::kFollower);
  for (const NodeId node : {kA, kB, kC}) region[node].stop_rejoining();
  region.tick_all(500);
  CHECK((region[kA].role() == Role::kLeader || region[kB].role() == Role::kLeader ||
         region[kC].role() == Role::kLeader));
}

TEST_CASE("a membership change names its rejoin id on the wire, and only a nonzero one") {
  const MembershipChange change{kB, true, 0x0102030405060708ULL};
  const std::string bytes = encode_membership_change(change);
  CHECK(bytes.size() == 17);
  CHECK(decode_membership_change(bytes) == change);
  CHECK(encode_membership_change({kB, false}).size() == 9);  // the old form, unchanged
  std::string zero_id = encode_membership_change({kB, true});
  zero_id.append(8, '\0');
  CHECK_FALSE(decode_membership_change(zero_id).has_value());
}

TEST_CASE("a restarted node keeps its snapshot, log, term and commit index") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  for (int i = 0; i < 5; ++i) REQUIRE(region[kA].propose("x").ok());
  region.collect(kA);
  region.deliver();
  region.tick_all(10);
  const auto meta = region[kB].compact(LogIndex{3}, "snap");
  REQUIRE(meta.ok());
  region.storage(kB).save_snapshot(Snapshot{meta.value(), "snap"});
  const Status before = region[kB].status();
  region.restart(kB);
  const Status after = region[kB].status();
  CHECK(after.term == before.term);
  CHECK(after.commit == before.commit);
  CHECK(after.last_log == before.last_log);
  CHECK(after.first_index == LogIndex{4});
  CHECK(after.role == Role::kFollower);
  // It hands out again what follows the snapshot, for the application restored from it.
  CHECK(region.applied(kB).back().index == before.commit);
}

TEST_CASE("learners do not campaign") {
  TestRegion region(Membership{node_ids({1, 2, 3}), node_ids({4})});
  region.tick(kD, 1000);
  CHECK(region[kD].role() == Role::kFollower);
  CHECK(region[kD].term() == Term{});
  CHECK(region.sent.empty());
}

TEST_CASE("learners are not asked to vote and their votes do not count") {
  TestRegion region(Membership{node_ids({1, 2}), node_ids({3, 4})});
  region.isolate(kB);
  region.campaign(kA);
  CHECK(region.sent_of_kind<VoteRequest>(kA, kC).empty());
  CHECK(region.sent_of_kind<VoteRequest>(kA, kD).empty());
  region.heal();
  const Term term{region[kA].term().value + (region[kA].role() == Role::kPreCandidate ? 1 : 0)};
  const bool pre = region[kA].role() == Role::kPreCandidate;
  region.inject(Message{kC, kA, term, VoteResponse{pre, true}});
  region.inject(Message{kD, kA, term, VoteResponse{pre, true}});
  CHECK(region[kA].role() != Role::kLeader);
  CHECK(region[kA].role() != Role::kCandidate);  // the pre-vote did not pass either
}

TEST_CASE("a node that believes it is a learner answers a candidate (thesis §4.2.2)") {
  // The candidate's view decides who votes: this node may have been promoted by an entry it
  // has not yet seen committed. Refusing on a stale view can leave a region without a majority.
  TestRegion region(Membership{node_ids({1, 2, 3}), node_ids({4})});
  region.inject(Message{kA, kD, Term{1}, VoteRequest{false, EntryId{}, false}});
  const auto answer = region.sent_of_kind<VoteResponse>(kD, kA);
  REQUIRE(answer.size() == 1);
  CHECK(std::get<VoteResponse>(answer[0].body).granted);
}

TEST_CASE("learners receive the log but do not count for commit") {
  TestRegion region(Membership{node_ids({1, 2}), node_ids({3, 4})});
  region.elect(kA);
  region.isolate(kB);
  const auto proposed = region[kA].propose("x");
  REQUIRE(proposed.ok());
  region.collect(kA);
  region.tick_all(10);
  // Both learners store it, the one other voter does not: not committed.
  CHECK(region[kC].log().last_index() == proposed.value().index);
  CHECK(region[kD].log().last_index() == proposed.value().index);
  CHECK(region[kA].commit_index() < proposed.value().index);
  region.heal();
  region.tick_all(10);
  CHECK(region[kA].commit_index() == proposed.value().index);
  CHECK(region.applied(kC).back().id() == proposed.value());
}

TEST_CASE("a learner is promoted only once caught up, and then votes") {
  TestRegion region(Membership{node_ids({1, 2, 3}), node_ids({4})});
  region.elect(kA);
  region.tick_all(10);
  region.isolate(kD);
  for (int i = 0; i < 3; ++i) REQUIRE(region[kA].propose("x").ok());
  region.collect(kA);
  region.deliver();
  CHECK(region[kA].promote_learner(kD).error() == Refusal::kLearnerNotCaughtUp);
  region.heal();
  region.tick_all(10);
  CHECK(region[kA].promote_learner(kC).error() == Refusal::kUnknownNode);  // already a voter
  REQUIRE(region[kA].promote_learner(kD).ok());
  region.collect(kA);
  region.tick_all(10);
  for (const NodeId node : {kA, kB, kC, kD}) {
    CHECK(region[node].membership().is_voter(kD));
    CHECK(region[node].membership().voters.size() == 4);
  }
  CHECK(region[kD].status().is_voter);
}

TEST_CASE("a demoted voter stops counting for commit and stops campaigning") {
  TestRegion region(voters({1, 2, 3}));
  region.elect(kA);
  region.tick_all(10);
  CHECK(region[kA].demote_voter(kA).error() == Refusal::kLeaderCannotDemoteItself);
  REQUIRE(region[kA].demote_voter(kC).ok());
  region.collect(kA);
  region.tick_all(10);
  CHECK(region[kC].membership().is_learner(kC));
  // With voters {A, B}, B alone is not enough for A to commit without A; and C never campaigns.
  region.isolate(kA);
  region.tick_all(300);
  CHECK(region[kC].role() == Role::kFollower);
  CHECK(region[kB].role() != Role::kLeader);
}

TEST_CASE("one membership change at a time") {
  TestRegion region(Membership{node_ids({1, 2, 3}), node_ids({4})});
  region.elect(kA);
  region.tick_all(10);
  region.isolate(kB);
  region.isolate(kC);
  REQUIRE(region[kA].demote_voter(kB).ok());
  CHECK(region[kA].promote_learner(kD).error() == Refusal::kMembershipChangePending);
}

TEST_CASE("compaction is refused beyond the applied index or below the snapshot") {
  TestRegion region(voters({1}));
  region.elect(kA);
  REQUIRE(region[kA].propose("x").ok());
  CHECK(region[kA].compact(LogIndex{2}, "").error() == Refusal::kIndexNotApplied);
  region.collect(kA);
  REQUIRE(region[kA].compact(LogIndex{2}, "").ok());
  CHECK(region[kA].compact(LogIndex{2}, "").error() == Refusal::kIndexAlreadyCompacted);
}

TEST_CASE("messages with another recipient, from unknown nodes or from ourselves are ignored") {
  TestRegion region(voters({1, 2, 3}));
  region[kB].step(Message{kA, kC, Term{9}, VoteRequest{false, EntryId{}, false}});  // not for B
  region[kB].step(Message{NodeId{99}, kB, Term{9}, VoteRequest{false, EntryId{}, false}});
  region[kB].step(Message{kB, kB, Term{9}, VoteRequest{false, EntryId{}, false}});
  region.collect(kB);
  CHECK(region[kB].term() == Term{});
  CHECK(region.sent.empty());
}

TEST_CASE("hard state is reported exactly when it changes") {
  ElectionConfig config;
  config.self = kA;
  config.initial_membership = voters({1, 2, 3});
  RaftStateMachine machine(config, {});
  CHECK_FALSE(machine.take_output().hard_state.has_value());
  machine.step(Message{kB, kA, Term{3}, Heartbeat{LogIndex{}}});
  const Output output = machine.take_output();
  REQUIRE(output.hard_state.has_value());
  CHECK(output.hard_state->term == Term{3});
  CHECK_FALSE(machine.take_output().hard_state.has_value());
}

TEST_CASE("a vote is in the hard state of the same output as the response that promises it") {
  ElectionConfig config;
  config.self = kB;
  config.initial_membership = voters({1, 2, 3});
  RaftStateMachine machine(config, {});
  machine.step(Message{kA, kB, Term{1}, VoteRequest{false, EntryId{}, false}});
  const Output output = machine.take_output();
  REQUIRE(output.hard_state.has_value());
  CHECK(output.hard_state->voted_for == kA);
  REQUIRE(output.messages.size() == 1);
  CHECK(std::get<VoteResponse>(output.messages[0].body).granted);
}

TEST_CASE("a single-voter region elects itself and commits alone") {
  TestRegion region(voters({1}));
  region.elect(kA);
  const auto id = region[kA].propose("solo");
  REQUIRE(id.ok());
  region.collect(kA);
  CHECK(region[kA].commit_index() == id.value().index);
  std::vector<std::string> payloads;
  for (const Entry& applied : region.applied(kA)) payloads.push_back(payload_of(applied));
  CHECK(payloads.back() == "solo");
}

TEST_CASE("with async persistence a leader counts its own log only up to what is durable") {
  ElectionConfig config;
  config.async_persistence = true;
  TestRegion region(voters({1}), config);
  // The harness writes each output before the next step, but the machine must not assume it:
  // it learns it from persisted() alone.
  for (int i = 0; i < 1000 && region[kA].role() == Role::kFollower; ++i) region.tick(kA);
  REQUIRE(region[kA].role() == Role::kLeader);
  CHECK(region[kA].commit_index() == LogIndex{});  // its no-op is not durable yet
  region[kA].persisted(region[kA].log().last_id());
  region.collect(kA);
  const auto id = region[kA].propose("solo");
  REQUIRE(id.ok());
  region.collect(kA);
  CHECK(region[kA].commit_index() == previous(id.value().index));
  region[kA].persisted(id.value());
  region.collect(kA);
  CHECK(region[kA].commit_index() == id.value().index);
  CHECK(payload_of(region.applied(kA).back()) == "solo");
}

TEST_CASE("with async persistence two followers' acknowledgements commit before the leader's write") {
  ElectionConfig config;
  config.async_persistence = true;
  TestRegion region(voters({1, 2, 3}), config);
  region.campaign(kA);
  REQUIRE(region[kA].role() == Role::kLeader);
  // Its no-op committed on the followers' acknowledgements alone (thesis §10.2.1).
  CHECK(region[kA].commit_index() == region[kA].log().last_index());
  // One follower and the leader's unwritten log are not a majority; the write makes it one.
  region.isolate(kC);
  const auto id = region[kA].propose("x");
  REQUIRE(id.ok());
  region.collect(kA);
  region.deliver();
  CHECK(region[kB].log().last_index() == id.value().index);
  CHECK(region[kA].commit_index() < id.value().index);
  region[kA].persisted(EntryId{id.value().term, LogIndex{id.value().index.value + 5}});  // not ours
  region.collect(kA);
  CHECK(region[kA].commit_index() < id.value().index);
  region[kA].persisted(id.value());
  region.collect(kA);
  CHECK(region[kA].commit_index() == id.value().index);
}

}  // namespace
}  // namespace tern::election::testing
