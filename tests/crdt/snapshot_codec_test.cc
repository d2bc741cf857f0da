// KeyState::export_parts / from_parts and crdt/snapshot_codec.h: every key's whole state goes
// out and comes back item for item (digest, summaries, behaviour), through Protobuf bytes too,
// and parts that break an invariant the CRDT code assumes are refused by name.
#include "crdt/snapshot_codec.h"

#include <doctest/doctest.h>

#include <random>
#include <string>

#include "crdt/key_state.h"
#include "crdt/replica.h"
#include "tests/crdt/random_commands.h"
#include "tests/crdt/simulation.h"

namespace tern::crdt {
namespace {

std::uint64_t digest_of(const KeyState& state) {
  Digest digest;
  state.digest(digest);
  return digest.value();
}

// Every key of three regions part-way through a history with every fault.
template <typename Visit>
void for_each_random_key(std::uint64_t seeds, Visit&& visit) {
  for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
    sim::Simulation world(3, seed);
    auto& rng = world.rng();
    for (int n = 0; n < 150; ++n) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, 2)(rng);
      world.advance(std::uniform_int_distribution<std::uint64_t>(0, 60)(rng));
      sim::issue_random_command(world.replica(at), rng, world.now(at));
      world.publish(at);
      world.step();
    }
    for (std::size_t r = 0; r < world.size(); ++r) {
      const Keyspace& keyspace = world.replica(r).keyspace();
      for (std::uint32_t db = 0; db < keyspace.database_count(); ++db) {
        for (const auto& [key, state] : keyspace.database(db))
          visit(seed, keyspace, db, key, state);
      }
    }
  }
}

TEST_CASE(
    "key state parts rebuild the same items, digest and summaries, directly and through protobuf "
    "bytes") {
  std::size_t keys = 0;
  for_each_random_key(40, [&](std::uint64_t seed, const Keyspace& keyspace, std::uint32_t db,
                              std::string_view key, const KeyState& state) {
    CAPTURE(seed);
    auto rebuilt = KeyState::from_parts(state.export_parts(), keyspace.applied());
    REQUIRE(rebuilt.ok());
    const KeyState& copy = rebuilt.value();
    REQUIRE(copy.describe() == state.describe());
    REQUIRE(digest_of(copy) == digest_of(state));
    REQUIRE(copy.type() == copy.type_by_scan());
    REQUIRE(copy.type() == state.type());
    for (ValueType type : {ValueType::kHash, ValueType::kSet, ValueType::kSortedSet}) {
      REQUIRE(copy.count_members(type, 1000) == state.count_members(type, 1000));
    }
    REQUIRE(copy.sorted_set_members() == state.sorted_set_members());
    const ScoreIndex* index = copy.sorted_set_index();
    REQUIRE((index == nullptr) == (state.sorted_set_index() == nullptr));
    if (index != nullptr) REQUIRE(index->size() == state.sorted_set_index()->size());

    wire::SnapshotKeyBatch batch;
    encode_key(db, key, state, batch.add_keys());
    const std::string bytes = batch.SerializeAsString();
    auto decoded =
        decode_key_batch(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())),
                         keyspace.applied(), keyspace.database_count());
    if (!decoded.ok()) FAIL(decoded.error().detail);
    REQUIRE(decoded.value().size() == 1);
    REQUIRE(decoded.value()[0].database == db);
    REQUIRE(decoded.value()[0].key == key);
    REQUIRE(digest_of(decoded.value()[0].state) == digest_of(state));
    ++keys;
  });
  MESSAGE("keys compared: " << keys);
  CHECK(keys > 500);
}

TEST_CASE("a rebuilt counter born in its key's block continues its increments like the original") {
  Replica replica(RegionId{1});
  (void)replica.incr_by(0, "c", 5, sim::kStartUnixMs);
  (void)replica.take_outbox();
  auto rebuilt = KeyState::from_parts(replica.keyspace().find(0, "c")->export_parts(),
                                      replica.keyspace().applied());
  REQUIRE(rebuilt.ok());
  KeyState copy = std::move(rebuilt).value();
  (void)replica.incr_by(0, "c", 7, sim::kStartUnixMs + 1);  // continues the embedded entry
  for (const Op& op : replica.take_outbox()) copy.apply(op);
  CHECK(copy.string_register().read().text == "12");
  CHECK(digest_of(copy) == digest_of(*replica.keyspace().find(0, "c")));
}

// Parts of a small valid key (a string with two concurrent bases and a counter entry, a hash
// field, a set element, a TTL entry, a kill mark) and its applied vector.
struct SampleParts {
  KeyState::Parts parts;
  StampVector applied;
};

SampleParts sample_parts() {
  const auto stamp = [](std::uint64_t ms, std::uint8_t region) {
    return Stamp::make(ms, 0, RegionId{region});
  };
  SampleParts out;
  out.applied.raise(stamp(1000, 1));
  out.applied.raise(stamp(1000, 2));
  auto& p = out.parts;
  p.string.bases.push_back(Base{stamp(100, 1), false, "a", {}});
  p.string.bases.push_back(Base{stamp(101, 2), false, "b", {}});
  p.string.entries.push_back(CounterEntry{Stamp{}, stamp(102, 1), stamp(103, 1), 4, 0});
  Register::Parts field;
  field.bases.push_back(Base{stamp(104, 1), false, "v", {}});
  p.hash_fields.push_back({"f", field});
  p.set_elements.push_back({"m", {stamp(105, 1), stamp(106, 2)}});
  p.ttl.push_back(TtlEntry{stamp(107, 1), kStampEpochUnixMs + 5000});
  p.kills.push_back(KillMark{stamp(108, 2), kStampEpochUnixMs + 50});
  return out;
}

std::string broken(const SampleParts& s) {
  const std::string_view rule = KeyState::first_broken_rule(s.parts, s.applied);
  if (!rule.empty()) CHECK_FALSE(KeyState::from_parts(s.parts, s.applied).ok());
  return std::string(rule);
}

TEST_CASE("the sample parts used by the refusal tests are valid") {
  const SampleParts s = sample_parts();
  CHECK(broken(s).empty());
  auto state = KeyState::from_parts(s.parts, s.applied);
  REQUIRE(state.ok());
  CHECK(state.value().type() == ValueType::kSet);  // a type conflict: the set holds the newest item
  CHECK(state.value().string_register().read().text == "b");
}

TEST_CASE("from_parts refuses registers whose bases or entries break the order and stamp rules") {
  SampleParts s = sample_parts();
  SUBCASE("base stamp 0") {
    s.parts.string.bases[0].stamp = Stamp{};
    CHECK(broken(s) == "a register base has stamp 0");
  }
  SUBCASE("bases out of order") {
    std::swap(s.parts.string.bases[0], s.parts.string.bases[1]);
    CHECK(broken(s) == "register bases are not in strictly increasing stamp order");
  }
  SUBCASE("two bases with one stamp") {
    s.parts.string.bases[1].stamp = s.parts.string.bases[0].stamp;
    CHECK(broken(s) == "register bases are not in strictly increasing stamp order");
  }
  SUBCASE("a delete base with a value") {
    s.parts.string.bases[0].deleted = true;
    CHECK(broken(s) == "a register delete base carries a value");
  }
  SUBCASE("an observation with last 0") {
    s.parts.string.bases[0].observed.push_back(CounterEntry{});
    CHECK(broken(s) == "a register base observes an entry whose last stamp is 0");
  }
  SUBCASE("one slot observed twice") {
    const CounterEntry e = s.parts.string.entries[0];
    s.parts.string.bases[0].observed = {e, e};
    CHECK(broken(s) == "a register base's observations are not in strictly increasing slot order");
  }
  SUBCASE("an entry with first 0") {
    s.parts.string.entries[0].first = Stamp{};
    CHECK(broken(s) == "a counter entry has a first or last stamp of 0");
  }
  SUBCASE("one slot held twice") {
    s.parts.string.entries.push_back(s.parts.string.entries[0]);
    CHECK(broken(s) == "counter entries are not in strictly increasing slot order");
  }
}

TEST_CASE(
    "from_parts refuses collections with repeated names, empty registers or elements without "
    "stamps") {
  SampleParts s = sample_parts();
  SUBCASE("a field twice") {
    s.parts.hash_fields.push_back(s.parts.hash_fields[0]);
    CHECK(broken(s) ==
          "hash fields or sorted-set members are not in strictly increasing byte order");
  }
  SUBCASE("an empty field register") {
    s.parts.hash_fields[0].parts = {};
    CHECK(broken(s) == "a hash field or sorted-set member has an empty register");
  }
  SUBCASE("a set element twice") {
    s.parts.set_elements.push_back(s.parts.set_elements[0]);
    CHECK(broken(s) == "set elements are not in strictly increasing byte order");
  }
  SUBCASE("a set element without stamps") {
    s.parts.set_elements[0].add_stamps.clear();
    CHECK(broken(s) == "a set element has no add stamp");
  }
  SUBCASE("set stamps out of order") {
    std::swap(s.parts.set_elements[0].add_stamps[0], s.parts.set_elements[0].add_stamps[1]);
    CHECK(broken(s) == "a set element's add stamps are not strictly increasing");
  }
  SUBCASE("TTL entries out of order") {
    s.parts.ttl.push_back(TtlEntry{Stamp::make(90, 0, RegionId{1}), kNoDeadline});
    CHECK(broken(s) == "TTL entries are not in strictly increasing stamp order");
  }
  SUBCASE("a kill mark with deadline 0") {
    s.parts.kills[0].deadline_ms = 0;
    CHECK(broken(s) == "a kill mark has stamp or deadline 0");
  }
  SUBCASE("a key with nothing in it") {
    s.parts = {};
    CHECK(broken(s) == "the key holds nothing");
  }
}

TEST_CASE(
    "from_parts refuses items the applied vector does not cover or a kill mark would have "
    "removed") {
  SampleParts s = sample_parts();
  SUBCASE("a base from a region never applied") {
    s.parts.string.bases[1].stamp = Stamp::make(101, 0, RegionId{3});
    std::sort(s.parts.string.bases.begin(), s.parts.string.bases.end(),
              [](const Base& a, const Base& b) { return a.stamp < b.stamp; });
    CHECK(broken(s) == "an item's stamp is not covered by the applied vector");
  }
  SUBCASE("a set stamp after the applied vector") {
    s.parts.set_elements[0].add_stamps[1] = Stamp::make(2000, 0, RegionId{2});
    CHECK(broken(s) == "an item's stamp is not covered by the applied vector");
  }
  SUBCASE("a kill mark not applied") {
    s.parts.kills[0].stamp = Stamp::make(2000, 0, RegionId{2});
    CHECK(broken(s) == "an item's stamp is not covered by the applied vector");
  }
  SUBCASE("an item stamped before the kill floor") {
    s.parts.kills[0].deadline_ms = kStampEpochUnixMs + 101;  // kills everything before ms 101
    CHECK(broken(s) == "an item is stamped before the key's kill floor");
  }
}

TEST_CASE("decode_key_batch refuses a batch with more records than its limit before parsing") {
  wire::SnapshotKeyBatch batch;
  for (int i = 0; i < 10; ++i) batch.add_keys();  // empty records: two bytes each
  const std::string bytes = batch.SerializeAsString();
  SnapshotLimits limits;
  limits.max_records_per_batch = 9;
  auto decoded = decode_key_batch(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())),
                                  StampVector{}, 16, limits);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().code == Errc::kTooLarge);
  limits.max_records_per_batch = 10;
  decoded = decode_key_batch(std::as_bytes(std::span<const char>(bytes.data(), bytes.size())),
                             StampVector{}, 16, limits);
  REQUIRE_FALSE(decoded.ok());  // within the count, but an empty key is not a state
  CHECK(decoded.error().detail == "a key record breaks a rule: the key holds nothing");
}

TEST_CASE("decode_applied_vector refuses an entry naming another region and too many entries") {
  const std::vector<std::uint64_t> wrong = {0, Stamp::make(5, 0, RegionId{2}).bits()};
  CHECK(decode_applied_vector(wrong).error().code == Errc::kBadRegion);
  const std::vector<std::uint64_t> long_vector(kMaxRegions + 1, 0);
  CHECK(decode_applied_vector(long_vector).error().code == Errc::kBadRegion);
  const std::vector<std::uint64_t> right = {0, Stamp::make(5, 0, RegionId{1}).bits()};
  CHECK(decode_applied_vector(right).ok());
}

}  // namespace
}  // namespace tern::crdt
