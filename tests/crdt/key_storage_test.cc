// The keyspace's compact storage forms (crdt/README.md "Storage") must never show: a key born
// as a counter keeps its entry in its own block, one that got its counter otherwise (a join,
// a copy) keeps it in a Detail, and a plain value may sit in the register's word or in a
// buffer. Each case drives two such forms of the same state through the same ops and
// requires the same reads and the same digest after every step.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "crdt/keyspace.h"
#include "crdt/replica.h"
#include "tests/crdt/two_regions.h"

namespace tern::crdt {
namespace {

using test::kT0;

std::string read_string(const Keyspace& keyspace, const std::string& key) {
  const KeyState* state = keyspace.find(0, key);
  if (state == nullptr) return "(none)";
  const auto reading = state->string_register().read();
  return reading.present ? reading.text : "(absent)";
}

TEST_CASE("a key born as a counter reads and digests like the same counter held in a Detail") {
  Replica origin(RegionId{1});
  Keyspace born;  // applies the ops: the first INCR creates the key with its entry embedded
  Keyspace joined;
  const auto deliver = [&](bool join_first) {
    for (const Op& op : origin.take_outbox()) {
      born.apply(op);
      if (!join_first) joined.apply(op);
    }
    if (join_first) joined.join(born);  // made by a join: the entry lands in a Detail
  };
  REQUIRE(origin.incr_by(0, "k", 5, kT0).ok());
  REQUIRE(origin.incr_by(0, "k", 2, kT0 + 1).ok());
  REQUIRE(origin.incr_by_float(0, "f", 0.5L, kT0 + 1).ok());
  deliver(true);
  const std::vector<std::string> keys = {"k", "f"};
  const auto same = [&](const char* step) {
    INFO(step);
    CHECK(born.digest() == joined.digest());
    for (const auto& key : keys) CHECK(read_string(born, key) == read_string(joined, key));
    const Keyspace copy = born;  // a copy owns its storage: the entry moves to a Detail
    CHECK(copy.digest() == born.digest());
  };
  same("after the first increments");
  CHECK(read_string(born, "k") == "7");
  // The two really hold different forms: the embedded entry needs no Detail.
  CHECK(born.find(0, "k")->metadata_bytes() < joined.find(0, "k")->metadata_bytes());

  REQUIRE(origin.incr_by(0, "k", 3, kT0 + 2).ok());  // continues the embedded entry
  deliver(false);
  same("after another increment");
  CHECK(read_string(born, "k") == "10");

  origin.set(0, "k", "100", {}, kT0 + 3);  // a base observing the entry: leaves the block's form
  REQUIRE(origin.incr_by(0, "k", 1, kT0 + 4).ok());
  deliver(false);
  same("after SET over the counter and an increment in its group");
  CHECK(read_string(born, "k") == "101");

  REQUIRE(origin.expire_at(0, "f", kT0 + 10, kT0 + 5));
  deliver(false);
  REQUIRE(origin.expire_if_due(0, "f", kT0 + 11));  // kills the embedded entry of "f"
  deliver(false);
  same("after expiry");
  CHECK(read_string(born, "f") != "0.5");

  CHECK(origin.del(0, "k", kT0 + 12));
  deliver(false);
  same("after DEL");
  const StampVector stable = born.applied();
  born.collect_garbage(stable);
  joined.collect_garbage(stable);
  same("after garbage collection");
  CHECK(born.find(0, "k") == nullptr);
  CHECK(born.metadata_bytes() == joined.metadata_bytes());
}

TEST_CASE("plain values of every length read back and digest alike however stored") {
  // Inline (up to 7 bytes), a buffer reused in place (same size class), a new buffer, and a
  // value long enough to store its own length.
  const std::vector<std::size_t> lengths = {0, 1, 7, 8, 16, 17, 24, 25, 100, 65534, 65535, 70000};
  Replica a(RegionId{1});
  std::uint64_t now = kT0;
  for (std::size_t first : lengths) {
    for (std::size_t second : lengths) {
      const std::string key = "k" + std::to_string(first) + "_" + std::to_string(second);
      a.set(0, key, std::string(first, 'a'), {}, ++now);
      a.set(0, key, std::string(second, 'b'), {}, ++now);
    }
  }
  Keyspace applied;
  for (const Op& op : a.take_outbox()) applied.apply(op);
  Keyspace copied = applied;
  Keyspace joined;
  joined.join(applied);
  CHECK(applied.digest() == a.keyspace().digest());
  CHECK(copied.digest() == applied.digest());
  CHECK(joined.digest() == applied.digest());
  for (std::size_t first : lengths) {
    for (std::size_t second : lengths) {
      const std::string key = "k" + std::to_string(first) + "_" + std::to_string(second);
      CHECK(read_string(applied, key) == std::string(second, 'b'));
      CHECK(read_string(copied, key) == std::string(second, 'b'));
    }
  }
}

}  // namespace
}  // namespace tern::crdt
