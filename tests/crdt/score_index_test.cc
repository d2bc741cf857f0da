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

TEST_CASE("score index: random inserts and erases match a sorted reference, ranks included") {
  std::mt19937_64 rng(7);
  ScoreIndex index;
  Reference reference;
  for (int step = 0; step < 20000; ++step) {
    const double score = static_cast<double>(std::uniform_int_distribution<int>(-20, 20)(rng)) / 2.0;
    const std::string member = "m" + std::to_string(std::uniform_int_distribution<int>(0, 300)(rng));
    // A member appears once: remove its old pair first, as KeyState does on a score change.
    auto old = std::find_if(reference.begin(), reference.end(), [&](const auto& p) { return p.second == member; });
    if (old != reference.end()) {
      index.erase(old->first, old->second);
      reference.erase(old);
    }
    if (std::uniform_int_distribution<int>(0, 3)(rng) != 0) {
      index.insert(score, member);
      reference.emplace(score, member);
    }
    if (step % 1000 == 0) check_same(index, reference);
  }
  check_same(index, reference);
  const ScoreIndex copy = index;
  check_same(copy, reference);
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
