// Snapshots (replication/snapshot_writer.h, snapshot_reader.h, crdt/snapshot_codec.h): a
// keyspace written as a header and lz4 chunks and read back is the same CRDT state (digest,
// visible data, applied vector), behaves the same under further writes, deliveries, joins and
// garbage collection, whatever the chunk size; and every kind of damage is refused by name.
#include <doctest/doctest.h>
#include <lz4.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "crdt/keyspace.h"
#include "crdt/op_codec.h"
#include "crdt/replica.h"
#include "replication/proto/tern_snapshot.pb.h"
#include "replication/snapshot_reader.h"
#include "replication/snapshot_writer.h"
#include "tests/crdt/random_commands.h"
#include "tests/crdt/simulation.h"
#include "tests/crdt/visible_dump.h"

namespace tern::replication {
namespace {

namespace sim = crdt::sim;
using crdt::Keyspace;
using crdt::RegionId;
using crdt::Replica;

std::span<const std::byte> as_bytes(const std::string& text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

struct Snapshot {
  std::string header;
  std::vector<std::string> chunks;
};

Snapshot write_snapshot(const Keyspace& keyspace, std::size_t chunk_target_bytes = 1 << 20,
                        std::uint64_t snapshot_id = 77) {
  SnapshotWriterOptions options;
  options.chunk_target_bytes = chunk_target_bytes;
  options.scan_step_keys = 3;  // small steps: chunks are cut across scan steps too
  SnapshotWriter writer(keyspace, SnapshotOrigin{RegionId{1}, 5, snapshot_id}, options);
  Snapshot out{writer.header(), {}};
  for (;;) {
    auto chunk = writer.next_chunk();
    REQUIRE(chunk.ok());
    if (!chunk.value()) break;
    out.chunks.push_back(std::move(*chunk.value()));
  }
  return out;
}

// Feeds the whole snapshot; the first refusal, or the keyspace.
WireResult<Keyspace> read_snapshot(const Snapshot& snapshot, std::uint64_t hash_seed = 99) {
  SnapshotReader reader(hash_seed);
  if (auto r = reader.take_header(as_bytes(snapshot.header)); !r.ok()) return r.error();
  for (const auto& chunk : snapshot.chunks) {
    if (auto r = reader.take_chunk(as_bytes(chunk)); !r.ok()) return r.error();
  }
  return reader.finish();
}

Keyspace restore_or_fail(const Snapshot& snapshot) {
  auto restored = read_snapshot(snapshot);
  if (!restored.ok()) FAIL("snapshot refused: " << restored.error().detail);
  return std::move(restored).value();
}

// Three regions part-way through a history with every fault of tests/crdt/simulation.h:
// concurrent writes in flight, type conflicts, TTLs and kill marks, counters, deletes, GC.
sim::Simulation history(std::uint64_t seed, int ops) {
  sim::Faults faults;
  faults.gc = 0.05;
  sim::Simulation world(3, seed, faults);
  auto& rng = world.rng();
  for (int n = 0; n < ops; ++n) {
    const std::size_t at = std::uniform_int_distribution<std::size_t>(0, 2)(rng);
    world.advance(std::uniform_int_distribution<std::uint64_t>(0, 60)(rng));
    sim::issue_random_command(world.replica(at), rng, world.now(at));
    world.publish(at);
    world.step();
  }
  return world;
}

std::string describe_keys(const Keyspace& keyspace) {
  std::string out;
  for (std::uint32_t db = 0; db < keyspace.database_count(); ++db) {
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& [key, state] : keyspace.database(db)) keys.emplace_back(key, state.describe());
    std::sort(keys.begin(), keys.end());
    for (const auto& [key, text] : keys) out += std::to_string(db) + " " + key + " " + text + "\n";
  }
  return out;
}

// What a replica started from `keyspace` shows its clients.
std::string dump(const Keyspace& keyspace, std::uint64_t now) {
  return sim::visible_dump(Replica(RegionId{9}, keyspace), now);
}

// Delivers every op of the world's logs that `replica` has not applied, in each origin's order
// and only when causally ready (the contract of crdt/keyspace.h).
void deliver_logs(Replica& replica, const sim::Simulation& world, std::uint64_t now) {
  std::vector<std::size_t> next(world.size(), 0);
  for (bool progress = true; progress;) {
    progress = false;
    for (std::size_t o = 0; o < world.size(); ++o) {
      const auto& log = world.log(o);
      while (next[o] < log.size()) {
        const auto& entry = log[next[o]];
        if (!entry.heartbeat && !replica.keyspace().applied().covers(entry.op.stamp)) {
          const auto& context = entry.op.context.raw();
          bool ready = true;
          for (std::size_t r = 0; r < context.size(); ++r) {
            if (!replica.keyspace().applied().covers(crdt::Stamp::from_bits(context[r])) &&
                context[r] != 0) {
              ready = false;
            }
          }
          if (!ready) break;
          replica.receive(entry.op, now);
        }
        ++next[o];
        progress = true;
      }
    }
  }
}

// An op's wire bytes with its observation lists sorted: a restored keyspace's tables use
// another hash seed, so a DEL or FLUSHDB lists the same registers and keys in another order
// (apply looks them up by name, so the order carries no meaning).
std::string canonical_op(crdt::Op op) {
  const auto by_register = [](const crdt::RegisterObservations& a,
                              const crdt::RegisterObservations& b) {
    return std::tie(a.target, a.path) < std::tie(b.target, b.path);
  };
  std::sort(op.observed.begin(), op.observed.end(), by_register);
  for (auto& key : op.flush_observed)
    std::sort(key.registers.begin(), key.registers.end(), by_register);
  std::sort(op.flush_observed.begin(), op.flush_observed.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });
  wire::Op out;
  crdt::encode_op(op, &out);
  return out.SerializeAsString();
}

TEST_CASE(
    "snapshot of random histories restores the same digest, items, visible data and applied "
    "vector") {
  for (std::uint64_t seed = 1; seed <= 150; ++seed) {
    CAPTURE(seed);
    auto world = history(seed, 40 + static_cast<int>(seed % 5) * 60);
    for (std::size_t region = 0; region < world.size(); ++region) {
      const Keyspace& original = world.replica(region).keyspace();
      const Keyspace restored = restore_or_fail(write_snapshot(original, 512));
      INFO("seed " << seed << " region " << region);
      REQUIRE(restored.digest() == original.digest());
      REQUIRE(restored.applied() == original.applied());
      REQUIRE(describe_keys(restored) == describe_keys(original));
      for (std::uint64_t later : {0, 1500, 4000}) {
        REQUIRE(dump(restored, world.global_time() + later) ==
                dump(original, world.global_time() + later));
      }
      // The summaries the server reads in O(1) were rebuilt, not copied or left stale.
      for (std::uint32_t db = 0; db < restored.database_count(); ++db) {
        for (const auto& [key, state] : restored.database(db)) {
          REQUIRE(state.type() == state.type_by_scan());
          REQUIRE(state.type() == original.find(db, key)->type());
        }
      }
    }
  }
}

TEST_CASE(
    "a restored keyspace is a real CRDT state: further writes, deliveries, joins and GC stay "
    "identical") {
  std::uint64_t compared = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    CAPTURE(seed);
    auto world = history(seed, 150);
    const Keyspace original = world.replica(0).keyspace();
    Replica copy(RegionId{9}, original);
    Replica restored(RegionId{9}, restore_or_fail(write_snapshot(original, 300)));
    // The world goes on without them: its logs grow with writes the snapshot never saw.
    auto& world_rng = world.rng();
    for (int n = 0; n < 80; ++n) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, 2)(world_rng);
      world.advance(std::uniform_int_distribution<std::uint64_t>(0, 60)(world_rng));
      sim::issue_random_command(world.replica(at), world_rng, world.now(at));
      world.publish(at);
      world.step();
    }
    std::mt19937_64 rng_copy(seed * 1000 + 7);
    std::mt19937_64 rng_restored(seed * 1000 + 7);
    std::uint64_t now = world.global_time();
    for (int n = 0; n < 120; ++n) {
      now += 37;
      sim::issue_random_command(copy, rng_copy, now);
      sim::issue_random_command(restored, rng_restored, now);
      // Same state, same command: the same ops (observations, types and counts read alike).
      const auto ops_copy = copy.take_outbox();
      const auto ops_restored = restored.take_outbox();
      REQUIRE(ops_copy.size() == ops_restored.size());
      for (std::size_t i = 0; i < ops_copy.size(); ++i) {
        REQUIRE(canonical_op(ops_copy[i]) == canonical_op(ops_restored[i]));
      }
      if (n % 20 == 10) {
        deliver_logs(copy, world, now);
        deliver_logs(restored, world, now);
      }
      if (n % 40 == 25) {
        crdt::StampVector stable = copy.keyspace().applied();
        stable.meet(world.replica(1).keyspace().applied());
        copy.collect_garbage(stable);
        restored.collect_garbage(stable);
      }
      REQUIRE(copy.keyspace().digest() == restored.keyspace().digest());
      ++compared;
    }
    REQUIRE(dump(copy.keyspace(), now) == dump(restored.keyspace(), now));
    // Merge laws hold with the restored state on either side of a join.
    for (std::size_t other = 1; other < world.size(); ++other) {
      const Keyspace& theirs = world.replica(other).keyspace();
      Keyspace left_copy = copy.keyspace();
      Keyspace left_restored = restored.keyspace();
      left_copy.join(theirs);
      left_restored.join(theirs);
      REQUIRE(left_copy.digest() == left_restored.digest());
      Keyspace right_copy = theirs;
      Keyspace right_restored = theirs;
      right_copy.join(copy.keyspace());
      right_restored.join(restored.keyspace());
      REQUIRE(right_copy.digest() == right_restored.digest());
    }
  }
  std::printf("snapshot-continuation: %llu steps compared\n",
              static_cast<unsigned long long>(compared));
}

TEST_CASE(
    "chunk boundaries at every size, from one key per chunk to one chunk, restore the same "
    "keyspace") {
  auto world = history(4242, 400);
  const Keyspace& original = world.replica(1).keyspace();
  std::uint64_t keys = 0;
  for (std::uint32_t db = 0; db < original.database_count(); ++db)
    keys += original.database(db).size();
  REQUIRE(keys > 5);
  for (std::size_t target :
       {std::size_t{1}, std::size_t{2}, std::size_t{50}, std::size_t{100}, std::size_t{333},
        std::size_t{1000}, std::size_t{4096}, std::size_t{1} << 20}) {
    CAPTURE(target);
    const Snapshot snapshot = write_snapshot(original, target);
    if (target <= 2) CHECK(snapshot.chunks.size() == keys);  // a key never shares a tiny chunk
    if (target == std::size_t{1} << 20) CHECK(snapshot.chunks.size() == 1);
    const Keyspace restored = restore_or_fail(snapshot);
    CHECK(restored.digest() == original.digest());
    CHECK(describe_keys(restored) == describe_keys(original));
  }
}

TEST_CASE("an empty keyspace is one empty last chunk and restores empty") {
  const Keyspace empty(16);
  const Snapshot snapshot = write_snapshot(empty);
  REQUIRE(snapshot.chunks.size() == 1);
  const Keyspace restored = restore_or_fail(snapshot);
  CHECK(restored.digest() == empty.digest());
  CHECK(restored.database_count() == 16);
  CHECK(restored.applied() == empty.applied());
}

TEST_CASE("a snapshot with 16 databases puts every key back in its own database") {
  Replica replica(RegionId{3});
  std::uint64_t now = sim::kStartUnixMs;
  for (std::uint32_t db = 0; db < 16; ++db) {
    replica.set(db, "same", "value in db " + std::to_string(db), {}, ++now);
    (void)replica.sadd(db, "set" + std::to_string(db), "m", ++now);
    (void)replica.incr_by(db, "counter", db, ++now);
  }
  const Keyspace& original = replica.keyspace();
  const Keyspace restored = restore_or_fail(write_snapshot(original, 100));
  CHECK(restored.digest() == original.digest());
  for (std::uint32_t db = 0; db < 16; ++db) {
    CAPTURE(db);
    CHECK(restored.database(db).size() == 3);
    CHECK(restored.find(db, "same")->string_register().read().text ==
          "value in db " + std::to_string(db));
    CHECK(restored.find(db, "set" + std::to_string(db))->set_contains("m"));
  }
}

// ---- refusals ----------------------------------------------------------------------------

Snapshot sample_snapshot() {
  auto world = history(77, 200);
  return write_snapshot(world.replica(0).keyspace(), 200);
}

std::string refusal(const Snapshot& snapshot) {
  auto result = read_snapshot(snapshot);
  return result.ok() ? std::string("(accepted)") : result.error().detail;
}

std::string rewrite_header(const std::string& bytes,
                           const std::function<void(wire::SnapshotHeader&)>& edit) {
  wire::SnapshotHeader header;
  REQUIRE(header.ParseFromString(bytes));
  edit(header);
  return header.SerializeAsString();
}

std::string rewrite_chunk(const std::string& bytes,
                          const std::function<void(wire::SnapshotChunk&)>& edit) {
  wire::SnapshotChunk chunk;
  REQUIRE(chunk.ParseFromString(bytes));
  edit(chunk);
  return chunk.SerializeAsString();
}

// Rewrites the records inside a chunk and repacks it consistently (size, check, lz4), so that
// only the records are wrong.
std::string rewrite_batch(const std::string& bytes,
                          const std::function<void(wire::SnapshotKeyBatch&)>& edit) {
  return rewrite_chunk(bytes, [&](wire::SnapshotChunk& chunk) {
    std::string batch(chunk.batch_bytes(), '\0');
    REQUIRE(LZ4_decompress_safe(chunk.compressed_batch().data(), batch.data(),
                                static_cast<int>(chunk.compressed_batch().size()),
                                static_cast<int>(batch.size())) == static_cast<int>(batch.size()));
    wire::SnapshotKeyBatch records;
    REQUIRE(records.ParseFromString(batch));
    edit(records);
    batch = records.SerializeAsString();
    std::string compressed(
        static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(batch.size()))), '\0');
    const int written =
        LZ4_compress_default(batch.data(), compressed.data(), static_cast<int>(batch.size()),
                             static_cast<int>(compressed.size()));
    compressed.resize(static_cast<std::size_t>(written));
    chunk.set_batch_bytes(batch.size());
    chunk.set_batch_check(snapshot_batch_check(batch));
    chunk.set_key_count(static_cast<std::uint64_t>(records.keys_size()));
    chunk.set_compressed_batch(compressed);
  });
}

TEST_CASE("the sample snapshot used by the refusal tests is accepted as written") {
  const Snapshot snapshot = sample_snapshot();
  REQUIRE(snapshot.chunks.size() > 3);
  CHECK(refusal(snapshot) == "(accepted)");
}

TEST_CASE(
    "chunks out of order, repeated, missing at the end, after the last or of another snapshot are "
    "refused") {
  const Snapshot good = sample_snapshot();
  SUBCASE("swapped") {
    Snapshot s = good;
    std::swap(s.chunks[1], s.chunks[2]);
    CHECK(refusal(s) == "snapshot refused: chunk 2 out of order (expected chunk 1)");
  }
  SUBCASE("repeated") {
    Snapshot s = good;
    s.chunks.insert(s.chunks.begin() + 2, s.chunks[1]);
    CHECK(refusal(s) == "snapshot refused: chunk 1 again (expected chunk 2)");
  }
  SUBCASE("truncated") {
    Snapshot s = good;
    s.chunks.pop_back();
    CHECK(refusal(s).find("truncated: the last chunk did not arrive") != std::string::npos);
  }
  SUBCASE("a chunk after the last") {
    Snapshot s = good;
    s.chunks.push_back(s.chunks.back());
    CHECK(refusal(s).find("a chunk after the last one") != std::string::npos);
  }
  SUBCASE("another snapshot's chunk") {
    Snapshot s = good;
    s.chunks[1] = rewrite_chunk(s.chunks[1], [](wire::SnapshotChunk& c) { c.set_snapshot_id(78); });
    CHECK(refusal(s) == "snapshot refused: a chunk of snapshot 78 in snapshot 77");
  }
  SUBCASE("a chunk before the header") {
    SnapshotReader reader;
    auto r = reader.take_chunk(as_bytes(good.chunks[0]));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().detail == "snapshot refused: a chunk before the header");
  }
}

TEST_CASE("sizes a chunk claims are checked against the limits and lz4's ratio before allocating") {
  const Snapshot good = sample_snapshot();
  SUBCASE("a decompressed size above max_batch_bytes") {
    Snapshot s = good;
    s.chunks[0] = rewrite_chunk(
        s.chunks[0], [](wire::SnapshotChunk& c) { c.set_batch_bytes(std::uint64_t{1} << 40); });
    const auto why = refusal(s);
    CHECK(why.find("a batch of 1099511627776 bytes (the limit is") != std::string::npos);
  }
  SUBCASE("more than lz4 can expand the compressed bytes to") {
    Snapshot s = good;
    s.chunks[0] = rewrite_chunk(s.chunks[0], [](wire::SnapshotChunk& c) {
      c.set_batch_bytes(c.compressed_batch().size() * 255 + 1);
    });
    CHECK(refusal(s).find("compressed bytes cannot hold a batch of") != std::string::npos);
  }
  SUBCASE("a tighter reader limit") {
    crdt::SnapshotLimits limits;
    limits.max_batch_bytes = 10;
    SnapshotReader reader(99, limits);
    REQUIRE(reader.take_header(as_bytes(good.header)).ok());
    auto r = reader.take_chunk(as_bytes(good.chunks[0]));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == WireErrc::kTooLarge);
  }
  SUBCASE("a record count above max_records_per_batch, counted before parsing") {
    crdt::SnapshotLimits limits;
    limits.max_records_per_batch = 2;
    SnapshotReader reader(99, limits);
    REQUIRE(reader.take_header(as_bytes(good.header)).ok());
    auto r = reader.take_chunk(as_bytes(good.chunks[0]));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().detail.find("more than 2 records (max_records_per_batch)") !=
          std::string::npos);
  }
}

TEST_CASE("a corrupt lz4 block or a batch that fails its check is refused at its chunk") {
  const Snapshot good = sample_snapshot();
  SUBCASE("lz4 block cut short") {
    Snapshot s = good;
    s.chunks[1] = rewrite_chunk(s.chunks[1], [](wire::SnapshotChunk& c) {
      std::string block = c.compressed_batch();
      block.resize(block.size() / 2);
      c.set_compressed_batch(block);
    });
    CHECK(refusal(s).find("chunk 1: ") != std::string::npos);
  }
  SUBCASE("batch check differs") {
    Snapshot s = good;
    s.chunks[1] = rewrite_chunk(
        s.chunks[1], [](wire::SnapshotChunk& c) { c.set_batch_check(c.batch_check() ^ 1); });
    CHECK(refusal(s) == "snapshot refused: chunk 1: the batch does not match its check (corrupt)");
  }
}

TEST_CASE("header fields this build cannot trust are refused") {
  const Snapshot good = sample_snapshot();
  const auto refused_header = [&](const std::function<void(wire::SnapshotHeader&)>& edit) {
    Snapshot s = good;
    s.header = rewrite_header(s.header, edit);
    return refusal(s);
  };
  CHECK(refused_header([](auto& h) { h.set_schema_version(2); }) ==
        "snapshot refused: schema version 2 (this build reads 1 to 1)");
  CHECK(refused_header([](auto& h) { h.set_schema_version(0); }).find("schema version 0") !=
        std::string::npos);
  CHECK(refused_header([](auto& h) {
          h.set_compression(static_cast<wire::ChunkCompression>(7));
        }) == "snapshot refused: chunk compression 7 is not lz4 block (1)");
  CHECK(refused_header([](auto& h) { h.set_compression(wire::CHUNK_COMPRESSION_UNSPECIFIED); }) ==
        "snapshot refused: chunk compression 0 is not lz4 block (1)");
  CHECK(refused_header([](auto& h) { h.set_database_count(0); }).find("a database count of 0") !=
        std::string::npos);
  CHECK(refused_header([](auto& h) { h.set_origin_region(64); }) ==
        "snapshot refused: origin region 64");
  CHECK(refused_header([](auto& h) { h.set_applied(2, h.applied(1)); }) ==
        "snapshot refused: applied vector entry 2 holds a stamp of region 1");
  CHECK(refused_header([](auto& h) {
          h.set_key_count(h.key_count() + 1);
        }).find("keys where the header says") != std::string::npos);
  CHECK(refused_header([](auto& h) {
          h.set_keyspace_digest(h.keyspace_digest() + 1);
        }).find("digest") != std::string::npos);
  // Items the applied vector does not cover: a replica holds only what it applied.
  CHECK(refused_header([](auto& h) {
          h.set_applied(1, 0);
        }).find("not covered by the applied vector") != std::string::npos);
}

TEST_CASE("key records that break a CRDT invariant or repeat a key are refused, never restored") {
  const Snapshot good = sample_snapshot();
  const auto refused_records = [&](const std::function<void(wire::SnapshotKeyBatch&)>& edit) {
    Snapshot s = good;
    s.chunks[0] = rewrite_batch(s.chunks[0], edit);
    return refusal(s);
  };
  CHECK(refused_records([](auto& b) { *b.add_keys() = b.keys(0); }).find("appears twice") !=
        std::string::npos);
  CHECK(refused_records([](auto& b) {
          b.mutable_keys(0)->set_database(4);
        }).find("names database 4 of a snapshot with 4") != std::string::npos);
  CHECK(refused_records([](auto& b) {
          b.mutable_keys(0)->set_key(std::string((1 << 20) + 1, 'k'));
        }).find("a key of 1048577 bytes is above the limit") != std::string::npos);
  CHECK(refused_records([](auto& b) {
          auto* element = b.mutable_keys(0)->add_set_elements();
          element->set_member("zzz");
          element->add_add_stamps(0);
        }).find("a set element has add stamp 0") != std::string::npos);
  CHECK(refused_records([](auto& b) {
          auto* t = b.mutable_keys(0)->add_ttl();
          t->set_stamp(1);
          t->set_deadline_ms(0);
        }).find("stamp or deadline 0") != std::string::npos);
  CHECK(refused_records([](auto& b) {
          auto* base = b.mutable_keys(0)->mutable_string_value()->add_bases();
          base->set_stamp(0);
        }).find("a register base has stamp 0") != std::string::npos);
  CHECK(refused_records([](auto& b) {
          auto* entry = b.mutable_keys(0)->mutable_string_value()->add_entries();
          entry->set_last(65);
          entry->set_first(65);
          entry->set_float_sum("not a number");
        }).find("float sum is not a number") != std::string::npos);
  CHECK(refused_records([](auto& b) {
          b.mutable_keys(0)->Clear();
        }).find("the key holds nothing") != std::string::npos);
}

TEST_CASE("seeded random byte flips in chunks never crash and never restore a different state") {
  const Snapshot good = sample_snapshot();
  auto world = history(77, 200);
  const std::uint64_t digest = world.replica(0).keyspace().digest();
  const std::uint64_t seed = 20240611;
  std::printf("snapshot-flips: seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  int refused = 0;
  int harmless = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    Snapshot s = good;
    auto& chunk = s.chunks[std::uniform_int_distribution<std::size_t>(0, s.chunks.size() - 1)(rng)];
    const int flips = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int f = 0; f < flips; ++f) {
      const std::size_t at = std::uniform_int_distribution<std::size_t>(0, chunk.size() - 1)(rng);
      chunk[at] =
          static_cast<char>(chunk[at] ^ (1 << std::uniform_int_distribution<int>(0, 7)(rng)));
    }
    auto result = read_snapshot(s);
    if (!result.ok()) {
      ++refused;
      CHECK(result.error().detail.rfind("snapshot refused: ", 0) == 0);
    } else {
      // A flip protobuf reads as the same value (a bool's 1 as 3) changes nothing.
      ++harmless;
      INFO("trial " << trial << " seed " << seed);
      CHECK(result.value().digest() == digest);
    }
  }
  std::printf("snapshot-flips: 3000 trials, %d refused, %d read the same state\n", refused,
              harmless);
  CHECK(refused > 2900);
}

TEST_CASE("a reader's first refusal is final") {
  const Snapshot good = sample_snapshot();
  SnapshotReader reader;
  REQUIRE(reader.take_header(as_bytes(good.header)).ok());
  auto first = reader.take_chunk(as_bytes(good.chunks[1]));
  REQUIRE_FALSE(first.ok());
  auto again = reader.take_chunk(as_bytes(good.chunks[0]));
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().detail == first.error().detail);
  auto finish = reader.finish();
  REQUIRE_FALSE(finish.ok());
  CHECK(finish.error().detail == first.error().detail);
}

TEST_CASE("a keyspace changed while the writer runs is refused, never restored as a mix") {
  Replica replica(RegionId{2});
  std::uint64_t now = sim::kStartUnixMs;
  for (int i = 0; i < 40; ++i) replica.set(0, "k" + std::to_string(i), "v", {}, ++now);
  SnapshotWriterOptions options;
  options.chunk_target_bytes = 1;
  options.scan_step_keys = 1;  // so most keys are read only after the change
  SnapshotWriter writer(replica.keyspace(), SnapshotOrigin{RegionId{2}, std::nullopt, 1}, options);
  SnapshotReader reader;
  REQUIRE(reader.take_header(as_bytes(writer.header())).ok());
  auto chunk = writer.next_chunk();
  REQUIRE(chunk.ok());
  REQUIRE(reader.take_chunk(as_bytes(*chunk.value())).ok());
  // The edge breaks the writer's contract: every key changes after the first chunk.
  for (int i = 0; i < 40; ++i) replica.set(0, "k" + std::to_string(i), "w", {}, ++now);
  std::string why;
  for (;;) {
    auto next = writer.next_chunk();
    REQUIRE(next.ok());
    if (!next.value()) break;
    if (auto r = reader.take_chunk(as_bytes(*next.value())); !r.ok()) {
      why = r.error().detail;
      break;
    }
  }
  if (why.empty()) {
    auto finished = reader.finish();
    REQUIRE_FALSE(finished.ok());
    why = finished.error().detail;
  }
  CHECK(why.find("not covered by the applied vector") != std::string::npos);
}

// The fuzz target's input (tests/fuzz/snapshot_decode_fuzz.cc): a mode byte, then messages
// each prefixed by its 4-byte big-endian length.
std::string fuzz_input(char mode, const std::vector<std::string>& messages) {
  std::string out(1, mode);
  for (const auto& m : messages) {
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((m.size() >> shift) & 0xFF));
    out += m;
  }
  return out;
}

// Not a property: writes the fuzz target's seed corpus when TERN_WRITE_FUZZ_CORPUS names a
// directory (tests/fuzz/corpus/snapshot_decode/ is made this way). Without it, it still checks
// that every stream seed reads back, so the corpus cannot silently go stale.
TEST_CASE("snapshot seeds read back and can be written as a fuzz corpus") {
  const char* dir = std::getenv("TERN_WRITE_FUZZ_CORPUS");  // NOLINT(concurrency-mt-unsafe)
  std::vector<std::pair<std::string, std::string>> seeds;
  const auto add_stream = [&](const std::string& name, const Snapshot& snapshot) {
    std::vector<std::string> messages{snapshot.header};
    messages.insert(messages.end(), snapshot.chunks.begin(), snapshot.chunks.end());
    CHECK(read_snapshot(snapshot).ok());
    seeds.emplace_back(name, fuzz_input('\0', messages));
  };
  add_stream("empty", write_snapshot(Keyspace(4)));
  auto world = history(5, 60);
  add_stream("history_small_chunks", write_snapshot(world.replica(0).keyspace(), 120));
  add_stream("history_one_chunk", write_snapshot(world.replica(1).keyspace()));
  // Key batches for the records mode: every key of one region, one batch per key.
  std::vector<std::string> batches;
  const Keyspace& keyspace = world.replica(2).keyspace();
  for (std::uint32_t db = 0; db < keyspace.database_count(); ++db) {
    for (const auto& [key, state] : keyspace.database(db)) {
      wire::SnapshotKeyBatch batch;
      crdt::encode_key(db, key, state, batch.add_keys());
      batches.push_back(batch.SerializeAsString());
    }
  }
  REQUIRE(!batches.empty());
  seeds.emplace_back("key_batches", fuzz_input('\1', batches));
  if (dir != nullptr) {
    for (const auto& [name, bytes] : seeds) {
      std::ofstream out(std::string(dir) + "/" + name + ".snap", std::ios::binary);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
  }
}

}  // namespace
}  // namespace tern::replication
