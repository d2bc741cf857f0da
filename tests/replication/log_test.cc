// RaftLog: the log matching and truncation rules (§5.3) and compaction (§7), without roles.
#include "replication/election/log.h"

#include <doctest/doctest.h>

namespace tern::election {
namespace {

Entry entry(std::uint64_t term, std::uint64_t index) {
  return Entry{Term{term}, LogIndex{index}, EntryKind::kApplication, "e" + std::to_string(index)};
}

TEST_CASE("append_after rejects entries whose previous entry is not held (§5.3)") {
  RaftLog log(EntryId{}, {entry(1, 1), entry(1, 2)}, LogIndex{});
  CHECK_FALSE(log.append_after(EntryId{Term{2}, LogIndex{2}}, {entry(2, 3)}).has_value());
  CHECK_FALSE(log.append_after(EntryId{Term{1}, LogIndex{3}}, {entry(1, 4)}).has_value());
  CHECK(log.last_index() == LogIndex{2});
}

TEST_CASE("a conflicting entry truncates it and everything after it (§5.3)") {
  RaftLog log(EntryId{}, {entry(1, 1), entry(1, 2), entry(1, 3)}, LogIndex{1});
  (void)log.take_unpersisted();
  const auto last = log.append_after(EntryId{Term{1}, LogIndex{1}}, {entry(2, 2)});
  REQUIRE(last.has_value());
  CHECK(*last == LogIndex{2});
  CHECK(log.last_id() == EntryId{Term{2}, LogIndex{2}});
  const auto rewritten = log.take_unpersisted();
  REQUIRE(rewritten.size() == 1);
  CHECK(rewritten[0].index == LogIndex{2});
}

TEST_CASE("an append that conflicts with a committed entry is refused, not applied (§5.4)") {
  RaftLog log(EntryId{}, {entry(1, 1), entry(1, 2), entry(1, 3)}, LogIndex{2});
  CHECK_FALSE(log.append_after(EntryId{Term{1}, LogIndex{1}}, {entry(2, 2)}).has_value());
  CHECK(log.term_at(LogIndex{2}) == Term{1});
  CHECK(log.last_index() == LogIndex{3});
}

TEST_CASE("a stale shorter append does not truncate a longer matching log") {
  RaftLog log(EntryId{}, {entry(1, 1), entry(1, 2), entry(1, 3)}, LogIndex{});
  const auto last = log.append_after(EntryId{}, {entry(1, 1)});
  REQUIRE(last.has_value());
  CHECK(*last == LogIndex{1});
  CHECK(log.last_index() == LogIndex{3});
}

TEST_CASE("the election restriction compares last terms, then lengths (§5.4.1)") {
  RaftLog log(EntryId{}, {entry(1, 1), entry(2, 2)}, LogIndex{});
  CHECK(log.candidate_is_up_to_date(EntryId{Term{3}, LogIndex{1}}));
  CHECK(log.candidate_is_up_to_date(EntryId{Term{2}, LogIndex{2}}));
  CHECK_FALSE(log.candidate_is_up_to_date(EntryId{Term{2}, LogIndex{1}}));
  CHECK_FALSE(log.candidate_is_up_to_date(EntryId{Term{1}, LogIndex{5}}));
}

TEST_CASE("compaction keeps the snapshot point's term and the entries after it (§7)") {
  RaftLog log(EntryId{}, {entry(1, 1), entry(2, 2), entry(2, 3)}, LogIndex{3});
  (void)log.take_committed();
  log.compact(LogIndex{2});
  CHECK(log.first_index() == LogIndex{3});
  CHECK(log.term_at(LogIndex{2}) == Term{2});
  CHECK_FALSE(log.term_at(LogIndex{1}).has_value());
  CHECK(log.slice(LogIndex{1}, 10).empty());
  CHECK(log.slice(LogIndex{3}, 10).size() == 1);
}

TEST_CASE("a restored log skips persisted entries the snapshot covers and clamps commit") {
  RaftLog log(EntryId{Term{1}, LogIndex{2}}, {entry(1, 1), entry(1, 2), entry(1, 3)}, LogIndex{9});
  CHECK(log.first_index() == LogIndex{3});
  CHECK(log.last_index() == LogIndex{3});
  CHECK(log.commit() == LogIndex{3});
  CHECK(log.applied() == LogIndex{2});
}

}  // namespace
}  // namespace tern::election
