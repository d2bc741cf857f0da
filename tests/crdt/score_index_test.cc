// ScoreIndex keeps Redis order and answers rank queries like a sorted reference list.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "crdt/score_index.h"

namespace tern::crdt {
namespace {

using Reference = std::set<std::pair<double, std::string>>;

void check_same(const ScoreIndex& index, const Reference& reference) {
  REQUIRE(index.size() == reference.size());
  std::size_t rank = 0;
  for (const auto& [score, member] : reference) {
    CHECK(index.at(rank).score == score);
    CHECK(index.at(rank).member == member);
    CHECK(index.rank(score, member) == rank);
    ++rank;
  }
}

// Every query against the reference: ranks, entries, range starts, and walks of rank ranges
// in both directions.
void check_queries(const ScoreIndex& index, const Reference& reference, std::mt19937_64& rng) {
  const std::vector<std::pair<double, std::string>> sorted(reference.begin(), reference.end());
  for (int q = 0; q < 50; ++q) {
    const double s = static_cast<double>(std::uniform_int_distribution<int>(-42, 42)(rng)) / 4.0;
    for (bool exclusive : {false, true}) {
      const auto expected = static_cast<std::size_t>(std::count_if(
          sorted.begin(), sorted.end(), [&](const auto& p) { return exclusive ? p.first <= s : p.first < s; }));
      CHECK(index.count_below_score(s, exclusive) == expected);
    }
    const std::size_t a = std::uniform_int_distribution<std::size_t>(0, sorted.size())(rng);
    const std::size_t b = std::uniform_int_distribution<std::size_t>(0, sorted.size())(rng);
    const std::size_t first = std::min(a, b), end = std::max(a, b);
    for (bool reverse : {false, true}) {
      std::vector<std::string> walked;
      index.visit_ranks(first, end, reverse, [&](const ScoreIndex::Entry& e) { walked.push_back(e.member); });
      std::vector<std::string> expected;
      for (std::size_t r = first; r < end; ++r) expected.push_back(sorted[r].second);
      if (reverse) std::reverse(expected.begin(), expected.end());
      CHECK(walked == expected);
    }
  }
}

// Random inserts and erases over `members` distinct members: an insert-heavy phase grows the
// tree (leaf and inner splits), an erase-heavy phase shrinks it (leaf merges, emptied nodes,
// root collapse), then it grows again.
void run_random_history(int members, int steps, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  ScoreIndex index;
  Reference reference;
  std::vector<double> score_of(static_cast<std::size_t>(members), 0);
  std::vector<bool> present(static_cast<std::size_t>(members), false);
  for (int step = 0; step < steps; ++step) {
    const int phase = step * 3 / steps;  // 0 grow, 1 shrink, 2 grow
    const double score = static_cast<double>(std::uniform_int_distribution<int>(-20, 20)(rng)) / 2.0;
    const auto m = std::uniform_int_distribution<std::size_t>(0, static_cast<std::size_t>(members) - 1)(rng);
    const std::string member = "member:" + std::to_string(m);  // heap strings: > 15 bytes often
    // A member appears once: remove its old pair first, as KeyState does on a score change.
    if (present[m]) {
      index.erase(score_of[m], member);
      reference.erase({score_of[m], member});
      present[m] = false;
    }
    const int keep_one_in = phase == 1 ? 5 : 1;  // the shrink phase re-inserts 1 in 5
    if (std::uniform_int_distribution<int>(1, keep_one_in)(rng) == 1) {
      index.insert(score, member);
      reference.emplace(score, member);
      score_of[m] = score;
      present[m] = true;
    }
    if (step % (steps / 20) == 0) {
      check_same(index, reference);
      check_queries(index, reference, rng);
    }
  }
  check_same(index, reference);
  check_queries(index, reference, rng);
  const ScoreIndex copy = index;
  check_same(copy, reference);
  check_queries(copy, reference, rng);
  ScoreIndex moved = std::move(index);
  check_same(moved, reference);
}

TEST_CASE("score index: random inserts and erases match a sorted reference, ranks and ranges included") {
  run_random_history(300, 20000, 7);      // two levels
  run_random_history(5000, 100000, 11);   // three levels, many splits and merges
}

TEST_CASE("score index: erasing everything empties the tree and it grows again") {
  ScoreIndex index;
  for (int i = 0; i < 5000; ++i) index.insert(static_cast<double>(i % 97), "m" + std::to_string(i));
  for (int i = 0; i < 5000; ++i) index.erase(static_cast<double>(i % 97), "m" + std::to_string(i));
  CHECK(index.size() == 0);
  index.erase(1.0, "absent");  // erasing from an empty index is a no-op
  index.insert(3.0, "x");
  CHECK(index.size() == 1);
  CHECK(index.at(0).member == "x");
}

TEST_CASE("score index: ties order by member bytes and range starts count correctly") {
  ScoreIndex index;
  for (const char* m : {"b", "a", "c", "\xff", "A"}) index.insert(1.0, m);
  index.insert(0.5, "z");
  index.insert(2.0, "a");
  CHECK(index.at(0).member == "z");
  CHECK(index.at(1).member == "A");
  CHECK(index.at(5).member == "\xff");  // bytes compare unsigned, as memcmp
  CHECK(index.count_below_score(1.0, false) == 1);
  CHECK(index.count_below_score(1.0, true) == 6);
  CHECK(index.count_below_score(-1e300, false) == 0);
  ScoreIndex lex;
  for (const char* m : {"apple", "banana", "cherry"}) lex.insert(0, m);
  CHECK(lex.count_below_member("banana", false) == 1);
  CHECK(lex.count_below_member("banana", true) == 2);
  CHECK(lex.count_below_member("zzz", false) == 3);
}

TEST_CASE("score index: a million members tear down without deep recursion") {
  ScoreIndex index;
  for (int i = 0; i < 1000000; ++i) index.insert(static_cast<double>(i), "m");
  CHECK(index.size() == 1000000);
  CHECK(index.rank(500000.0, "m") == 500000);
  index.clear();
  CHECK(index.size() == 0);
}

}  // namespace
}  // namespace tern::crdt
