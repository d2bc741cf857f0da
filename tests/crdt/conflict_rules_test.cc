// One test per row of crdt/README.md's conflict table: two regions write concurrently,
// exchange, and must both read the documented result.
#include <doctest/doctest.h>

#include <climits>

#include "tests/crdt/two_regions.h"

namespace tern::crdt {
namespace {

using test::kT0;
using test::TwoRegions;

TEST_CASE("concurrent SETs converge to the later stamp, ties broken by region") {
  TwoRegions w;
  w.a.set(0, "k", "a", {}, kT0 + 100);
  w.b.set(0, "k", "b", {}, kT0 + 105);
  w.exchange(kT0 + 200);
  CHECK(w.get(w.a, "k", kT0 + 200) == "b");
  CHECK(w.converged());
  TwoRegions tie;  // same millisecond and logical count: the higher region id wins
  tie.a.set(0, "k", "a", {}, kT0);
  tie.b.set(0, "k", "b", {}, kT0);
  tie.exchange(kT0);
  CHECK(tie.get(tie.a, "k", kT0) == "b");
  CHECK(tie.converged());
}

TEST_CASE("DEL removes only what it saw: a concurrent SET survives") {
  TwoRegions w;
  w.a.set(0, "k", "old", {}, kT0);
  w.exchange(kT0);
  w.a.del(0, "k", kT0 + 10);
  w.b.set(0, "k", "c", {}, kT0 + 5);
  w.exchange(kT0 + 20);
  CHECK(w.get(w.a, "k", kT0 + 20) == "c");
  CHECK(w.converged());
}

TEST_CASE("concurrent INCRBYs in two regions add up") {
  TwoRegions w;
  REQUIRE(w.a.incr_by(0, "k", 7, kT0).ok());
  REQUIRE(w.b.incr_by(0, "k", 3, kT0).ok());
  w.exchange(kT0);
  CHECK(w.get(w.a, "k", kT0) == "10");
  CHECK(w.converged());
}

TEST_CASE("SET on a counter resets only the increments it saw") {
  TwoRegions w;
  REQUIRE(w.a.incr_by(0, "k", 5, kT0).ok());
  w.exchange(kT0);
  w.a.set(0, "k", "10", {}, kT0 + 10);
  REQUIRE(w.b.incr_by(0, "k", 1, kT0 + 10).ok());
  w.exchange(kT0 + 20);
  CHECK(w.get(w.a, "k", kT0 + 20) == "11");
  CHECK(w.converged());
}

TEST_CASE("DEL of a counter concurrent with INCR leaves the unseen increment") {
  TwoRegions w;
  REQUIRE(w.a.incr_by(0, "k", 5, kT0).ok());
  w.exchange(kT0);
  w.a.del(0, "k", kT0 + 10);
  REQUIRE(w.b.incr_by(0, "k", 1, kT0 + 10).ok());
  w.exchange(kT0 + 20);
  CHECK(w.get(w.b, "k", kT0 + 20) == "1");
  CHECK(w.converged());
}

TEST_CASE("INCRBYFLOAT in two regions sums in region order to the same bits") {
  TwoRegions w;
  REQUIRE(w.a.incr_by_float(0, "k", 0.1L, kT0).ok());
  REQUIRE(w.b.incr_by_float(0, "k", 0.2L, kT0).ok());
  w.exchange(kT0);
  CHECK(w.get(w.a, "k", kT0) == w.get(w.b, "k", kT0));
  CHECK(w.get(w.a, "k", kT0) == "0.3");
  CHECK(w.converged());
}

TEST_CASE("counters hold large and negative values exactly and reject overflow like Redis") {
  TwoRegions w;
  REQUIRE(w.a.incr_by(0, "k", INT64_MAX - 1, kT0).ok());
  REQUIRE(w.a.incr_by(0, "k", 1, kT0).ok());
  const auto overflow = w.a.incr_by(0, "k", 1, kT0);
  REQUIRE_FALSE(overflow.ok());
  CHECK(errc_message(overflow.error()) == "ERR increment or decrement would overflow");
  REQUIRE(w.b.incr_by(0, "n", INT64_MIN, kT0).ok());
  CHECK_FALSE(w.b.incr_by(0, "n", -1, kT0).ok());
  REQUIRE(w.b.incr_by(0, "n", 5, kT0).ok());
  w.exchange(kT0);
  CHECK(w.get(w.b, "k", kT0) == std::to_string(INT64_MAX));
  CHECK(w.get(w.a, "n", kT0) == std::to_string(INT64_MIN + 5));
  CHECK(w.converged());
}

TEST_CASE("INCR on a non-integer value is refused and changes nothing") {
  TwoRegions w;
  w.a.set(0, "k", "abc", {}, kT0);
  const auto r = w.a.incr_by(0, "k", 1, kT0);
  REQUIRE_FALSE(r.ok());
  CHECK(errc_message(r.error()) == "ERR value is not an integer or out of range");
  CHECK(w.a.take_outbox().size() == 1);  // only the SET
}

TEST_CASE("hash fields written concurrently are both kept") {
  TwoRegions w;
  REQUIRE(w.a.hset(0, "h", "f1", "a", kT0).ok());
  REQUIRE(w.b.hset(0, "h", "f2", "b", kT0).ok());
  w.exchange(kT0);
  const auto fields = w.a.lookup(0, "h", kT0)->hash_fields();
  REQUIRE(fields.size() == 2);
  CHECK(fields[0] == std::pair<std::string, std::string>{"f1", "a"});
  CHECK(w.converged());
}

TEST_CASE("HDEL concurrent with HINCRBY keeps only the unseen increment") {
  TwoRegions w;
  REQUIRE(w.a.hincr_by(0, "h", "f", 5, kT0).ok());
  REQUIRE(w.a.hset(0, "h", "other", "x", kT0).ok());
  w.exchange(kT0);
  REQUIRE(w.a.hdel(0, "h", "f", kT0 + 10).ok());
  REQUIRE(w.b.hincr_by(0, "h", "f", 2, kT0 + 10).ok());
  w.exchange(kT0 + 20);
  CHECK(w.a.lookup(0, "h", kT0 + 20)->hash_field("f")->read().text == "2");
  CHECK(w.converged());
}

TEST_CASE("a set element removed in one region and added in another is kept (add wins)") {
  TwoRegions w;
  REQUIRE(w.a.sadd(0, "s", "a", kT0).ok());
  REQUIRE(w.a.sadd(0, "s", "b", kT0).ok());
  w.exchange(kT0);
  REQUIRE(w.a.srem(0, "s", "a", kT0 + 10).ok());
  REQUIRE(w.a.srem(0, "s", "c", kT0 + 10).ok());
  REQUIRE(w.b.sadd(0, "s", "c", kT0 + 10).ok());
  REQUIRE(w.b.sadd(0, "s", "a", kT0 + 11).ok() == true);
  w.exchange(kT0 + 20);
  // b's SADD a was a no-op (a was present there), so a's removal wins for a; c is unseen by a.
  CHECK(w.a.lookup(0, "s", kT0 + 20)->set_members() == std::vector<std::string>{"b", "c"});
  CHECK(w.converged());
}

TEST_CASE("concurrent ZINCRBYs both count and ZADD against ZINCRBY adds the unseen delta") {
  TwoRegions w;
  REQUIRE(w.a.zadd(0, "z", "x", 1.5, kT0).ok());
  w.exchange(kT0);
  REQUIRE(w.a.zincr_by(0, "z", "x", 1, kT0 + 1).ok());
  REQUIRE(w.b.zincr_by(0, "z", "x", 1, kT0 + 1).ok());
  w.exchange(kT0 + 2);
  CHECK(w.a.lookup(0, "z", kT0 + 2)->sorted_set_member("x")->number() == 3.5L);
  REQUIRE(w.a.zadd(0, "z", "x", 5, kT0 + 3).ok());
  REQUIRE(w.b.zincr_by(0, "z", "x", 2, kT0 + 3).ok());
  w.exchange(kT0 + 4);
  CHECK(score_from_register(*w.b.lookup(0, "z", kT0 + 4)->sorted_set_member("x")) == 7.0);
  CHECK(w.converged());
}

TEST_CASE("ZREM concurrent with ZINCRBY leaves only the unseen increment") {
  TwoRegions w;
  REQUIRE(w.a.zadd(0, "z", "x", 4.25, kT0).ok());
  REQUIRE(w.a.zadd(0, "z", "y", 1, kT0).ok());
  w.exchange(kT0);
  REQUIRE(w.a.zrem(0, "z", "x", kT0 + 1).ok());
  REQUIRE(w.b.zincr_by(0, "z", "x", 2, kT0 + 1).ok());
  w.exchange(kT0 + 2);
  CHECK(score_from_register(*w.a.lookup(0, "z", kT0 + 2)->sorted_set_member("x")) == 2.0);
  CHECK(w.converged());
}

TEST_CASE("concurrent EXPIREs converge to the later deadline and PERSIST beats both") {
  TwoRegions w;
  w.a.set(0, "k", "v", {}, kT0);
  w.exchange(kT0);
  w.a.expire_at(0, "k", kT0 + 10'000, kT0 + 1);
  w.b.expire_at(0, "k", kT0 + 50'000, kT0 + 1);
  w.exchange(kT0 + 2);
  CHECK(w.a.lookup(0, "k", kT0 + 2)->deadline_ms() == kT0 + 50'000);
  w.a.expire_at(0, "k", kT0 + 20'000, kT0 + 3);
  w.b.persist(0, "k", kT0 + 3);
  w.exchange(kT0 + 4);
  CHECK_FALSE(w.a.lookup(0, "k", kT0 + 4)->deadline_ms().has_value());
  CHECK(w.converged());
}

TEST_CASE("an increment stamped before the deadline arriving after expiry stays dead") {
  TwoRegions w;  // the rate limiter: INCR, then EXPIRE when it returned 1
  REQUIRE(w.a.incr_by(0, "hits", 1, kT0).value() == 1);
  w.a.expire_at(0, "hits", kT0 + 1000, kT0);
  w.exchange(kT0);
  REQUIRE(w.b.incr_by(0, "hits", 1, kT0 + 999).ok());  // in flight for a long time
  auto late = w.b.take_outbox();
  CHECK(w.a.expire_if_due(0, "hits", kT0 + 1500));
  for (const auto& op : w.a.take_outbox()) w.b.receive(op, kT0 + 1500);
  for (const auto& op : late) w.a.receive(op, kT0 + 1500);
  CHECK(w.a.lookup(0, "hits", kT0 + 1500) == nullptr);
  CHECK(w.b.lookup(0, "hits", kT0 + 1500) == nullptr);
  REQUIRE(w.b.incr_by(0, "hits", 1, kT0 + 1600).value() == 1);  // a fresh key, no TTL
  w.exchange(kT0 + 1600);
  CHECK(w.get(w.a, "hits", kT0 + 1600) == "1");
  CHECK_FALSE(w.a.lookup(0, "hits", kT0 + 1600)->deadline_ms().has_value());
  CHECK(w.converged());
}

TEST_CASE("FLUSHDB removes what it saw and keeps a concurrent SET") {
  TwoRegions w;
  w.a.set(0, "old", "1", {}, kT0);
  w.exchange(kT0);
  w.a.flush_database(0, kT0 + 1);
  w.b.set(0, "new", "v", {}, kT0 + 1);
  w.exchange(kT0 + 2);
  CHECK(w.get(w.a, "old", kT0 + 2) == "(nil)");
  CHECK(w.get(w.a, "new", kT0 + 2) == "v");
  CHECK(w.converged());
}

TEST_CASE("a key written as two types concurrently shows the type of the later write") {
  TwoRegions w;
  REQUIRE(w.a.sadd(0, "k", "x", kT0 + 100).ok());
  w.b.set(0, "k", "v", {}, kT0 + 105);
  w.exchange(kT0 + 200);
  CHECK(w.a.lookup(0, "k", kT0 + 200)->type() == ValueType::kString);
  CHECK(w.get(w.a, "k", kT0 + 200) == "v");
  CHECK(w.converged());
  // In causal order a SET replaces the set entirely, as in Redis.
  w.a.set(0, "k", "w", {}, kT0 + 300);
  w.exchange(kT0 + 300);
  CHECK(w.b.lookup(0, "k", kT0 + 300)->set_members().empty());
}

TEST_CASE("a stable delete leaves no tombstone behind") {
  TwoRegions w;
  REQUIRE(w.a.incr_by(0, "k", 5, kT0).ok());
  w.exchange(kT0);
  w.a.del(0, "k", kT0 + 1);
  w.exchange(kT0 + 1);
  REQUIRE(w.a.keyspace().find(0, "k") != nullptr);  // the delete still subtracts the 5
  StampVector stable = w.a.keyspace().applied();
  stable.meet(w.b.keyspace().applied());
  w.a.collect_garbage(stable);
  CHECK(w.a.keyspace().find(0, "k") == nullptr);
  CHECK(w.a.keyspace().metadata_bytes() == 0);
}

}  // namespace
}  // namespace tern::crdt
