// KeyTable (crdt/key_table.h): the keyspace's index. Each case proves one promise: it behaves
// like a map under any mix of inserts and erases, SCAN keeps Redis's guarantee across growth
// and shrinking, sampling is uniform, and the layout never leaks into what the table holds.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "crdt/key_table.h"

namespace tern::crdt {
namespace {

using Table = KeyTable<std::uint64_t>;

std::string key_of_length(std::size_t length, std::uint64_t n) {
  std::string key(length, 'k');
  for (std::size_t i = 0; i < length; ++i, n /= 256) key[i] = static_cast<char>(n % 256);
  return key;  // distinct for distinct n below 256^length; NUL bytes included
}

std::map<std::string, std::uint64_t> contents(const Table& table) {
  std::map<std::string, std::uint64_t> out;
  for (const auto& [key, value] : table) {
    const bool fresh = out.emplace(std::string(key), value).second;
    REQUIRE(fresh);  // iteration yields each element once
  }
  return out;
}

// Every element whose hash lies in the scanned ranges, over a whole scan without changes.
std::vector<std::string> full_scan(const Table& table, std::size_t count) {
  std::vector<std::string> out;
  std::uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = table.scan(cursor, count, [&](std::string_view key, const std::uint64_t&) {
      out.emplace_back(key);
    });
    REQUIRE(++calls < 1'000'000);
  } while (cursor != 0);
  return out;
}

TEST_CASE("key table finds, inserts and erases keys of every length, binary bytes included") {
  Table table;
  const std::vector<std::size_t> lengths = {0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 254, 255, 256, 1000};
  std::uint64_t n = 0;
  for (std::size_t length : lengths) {
    for (std::uint64_t i = 0; i < 20; ++i) {
      const std::string key = key_of_length(length, i);
      auto [it, inserted] = table.try_emplace(key, ++n);
      CHECK(inserted == (length != 0 || i == 0));  // the empty key exists once
    }
  }
  for (std::size_t length : lengths) {
    for (std::uint64_t i = 0; i < 20; ++i) {
      const std::string key = key_of_length(length, i);
      auto it = table.find(key);
      REQUIRE(it != table.end());
      CHECK(it.key() == key);
      CHECK_FALSE(table.try_emplace(key, 0).second);  // present: nothing inserted
    }
    CHECK(table.find(std::string(length + 1, 'x')) == table.end());
  }
  const std::size_t before = table.size();
  CHECK(table.erase(key_of_length(255, 3)) == 1);
  CHECK(table.erase(key_of_length(255, 3)) == 0);
  CHECK(table.size() == before - 1);
  CHECK(table.find(key_of_length(255, 3)) == table.end());
  CHECK(table.find(key_of_length(255, 4)) != table.end());
}

TEST_CASE("key table matches a std::map under random inserts, erases and bulk erases") {
  const std::uint64_t seed = 20261123;
  MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  Table table(rng());
  std::map<std::string, std::uint64_t> model;
  for (int round = 0; round < 40; ++round) {
    // Grow to a random size, then erase most of it: every capacity is crossed both ways.
    const int target = std::uniform_int_distribution<int>(0, 5000)(rng);
    while (static_cast<int>(model.size()) < target) {
      const std::string key = key_of_length(std::uniform_int_distribution<std::size_t>(0, 40)(rng), rng() % 20000);
      const std::uint64_t value = rng();
      const bool inserted = table.try_emplace(key, value).second;
      CHECK(inserted == model.emplace(key, value).second);
    }
    for (int i = 0; i < target / 2; ++i) {
      const std::string key = key_of_length(std::uniform_int_distribution<std::size_t>(0, 40)(rng), rng() % 20000);
      CHECK(table.erase(key) == model.erase(key));
    }
    if (round % 3 == 0) {
      const std::uint64_t bit = rng() % 4;
      const auto pred = [&](std::uint64_t value) { return value % 4 == bit; };
      const std::size_t erased = table.erase_if([&](std::string_view, std::uint64_t& v) { return pred(v); });
      CHECK(erased == std::erase_if(model, [&](const auto& kv) { return pred(kv.second); }));
    }
    REQUIRE(table.size() == model.size());
    REQUIRE(contents(table) == model);
    // A sparse table gives its memory back.
    CHECK(table.capacity() <= std::max<std::size_t>(8, model.size() * 16));
  }
}

TEST_CASE("key table copies and moves keep every element") {
  Table table;
  for (std::uint64_t i = 0; i < 1000; ++i) table.try_emplace(key_of_length(16, i), i);
  for (std::uint64_t i = 0; i < 1000; i += 3) table.erase(key_of_length(16, i));  // tombstones
  const auto expected = contents(table);
  Table copy = table;
  CHECK(contents(copy) == expected);
  copy.try_emplace("only in the copy", 1);
  CHECK(contents(table) == expected);
  Table moved = std::move(copy);
  CHECK(moved.size() == expected.size() + 1);
  table = moved;
  CHECK(table.size() == expected.size() + 1);
  CHECK(table.find("only in the copy") != table.end());
}

TEST_CASE("key table scan of an unchanging table returns every element exactly once") {
  for (std::size_t n : {0, 1, 7, 100, 5000}) {
    Table table;
    for (std::uint64_t i = 0; i < n; ++i) table.try_emplace(key_of_length(12, i), i);
    REQUIRE(table.size() == n);
    for (std::size_t count : {1, 10, 1000}) {
      auto seen = full_scan(table, count);
      std::sort(seen.begin(), seen.end());
      CHECK(seen.size() == n);
      CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
    }
  }
}

TEST_CASE("key table scan returns every element present throughout, across growth and shrinking") {
  const std::uint64_t seed = 77;
  MESSAGE("seed " << seed);
  std::mt19937_64 rng(seed);
  for (int trial = 0; trial < 30; ++trial) {
    Table table(rng());
    std::set<std::string> stable;  // present for the whole scan
    for (std::uint64_t i = 0; i < 300; ++i) {
      const std::string key = "stable:" + std::to_string(trial) + ":" + std::to_string(i);
      table.try_emplace(key, i);
      stable.insert(key);
    }
    std::vector<std::string> churn;
    std::set<std::string> returned;
    std::uint64_t cursor = 0;
    int calls = 0;
    do {
      cursor = table.scan(cursor, std::uniform_int_distribution<std::size_t>(1, 20)(rng),
                          [&](std::string_view key, const std::uint64_t&) { returned.emplace(key); });
      // Between calls: grow by thousands (several doublings) or erase them all (shrinking).
      if (rng() % 3 == 0) {
        const int burst = std::uniform_int_distribution<int>(1, 4000)(rng);
        for (int i = 0; i < burst; ++i) {
          churn.push_back("churn:" + std::to_string(rng()));
          table.try_emplace(churn.back(), 0);
        }
      } else if (rng() % 2 == 0) {
        for (const auto& key : churn) table.erase(key);
        churn.clear();
      }
      REQUIRE(++calls < 100'000);
    } while (cursor != 0);
    for (const auto& key : stable) CHECK(returned.count(key) == 1);
  }
}

TEST_CASE("key table scan ends from any cursor, even one it never returned") {
  Table table;
  for (std::uint64_t i = 0; i < 1000; ++i) table.try_emplace(key_of_length(10, i), i);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 100; ++i) {
    std::uint64_t cursor = rng();
    int calls = 0;
    do {
      cursor = table.scan(cursor, 10, [](std::string_view, const std::uint64_t&) {});
      REQUIRE(++calls < 10'000);
    } while (cursor != 0);
  }
}

TEST_CASE("key table sampling picks every element about equally often") {
  Table table;
  constexpr std::uint64_t kKeys = 50;
  for (std::uint64_t i = 0; i < 2000; ++i) table.try_emplace(key_of_length(9, i), i);
  // Leave 50 live elements among 1,950 tombstones in a large table: samples must still only
  // return live elements, and still uniformly.
  table.erase_if([](std::string_view, std::uint64_t& v) { return v >= kKeys; });
  REQUIRE(table.size() == kKeys);
  std::mt19937_64 rng(11);
  std::vector<int> hits(kKeys, 0);
  constexpr int kSamples = 100'000;
  for (int i = 0; i < kSamples; ++i) {
    auto it = table.sample(rng());
    REQUIRE(it != table.end());
    ++hits[it.value()];
  }
  // Expected 2,000 each; 6 standard deviations is about +-270.
  for (int h : hits) CHECK(std::abs(h - kSamples / static_cast<int>(kKeys)) < 300);
  Table empty;
  CHECK(empty.sample(rng()) == empty.end());
}

TEST_CASE("key table erase reuses tombstones: steady churn does not grow the table") {
  Table table;
  for (std::uint64_t i = 0; i < 1000; ++i) table.try_emplace(key_of_length(16, i), i);
  const std::size_t capacity = table.capacity();
  for (std::uint64_t i = 1000; i < 200'000; ++i) {
    table.erase(key_of_length(16, i - 1000));
    table.try_emplace(key_of_length(16, i), i);
  }
  CHECK(table.size() == 1000);
  CHECK(table.capacity() == capacity);
}

TEST_CASE("key hash depends on the seed and on every byte") {
  const std::string key = "a key of some length, over sixty-four bytes, for the long path....";
  const std::uint64_t h = hash_key(key, 1);
  CHECK(hash_key(key, 2) != h);
  for (std::size_t i = 0; i < key.size(); ++i) {
    std::string changed = key;
    changed[i] ^= 1;
    CHECK(hash_key(changed, 1) != h);
  }
  CHECK(hash_key("", 1) != hash_key(std::string(1, '\0'), 1));
}

}  // namespace
}  // namespace tern::crdt
