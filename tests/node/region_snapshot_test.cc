// Region compaction's durable pieces: the .snapshot file (node/region/region_snapshot_file.h),
// the keyspace snapshot bytes (node/region/keyspace_snapshot.h) and the log's prefix cut
// (EntryLogFile::drop_through). A restart must find exactly what was written; damage anywhere is
// refused with a message, never trusted in part and never a crash. The last case measures how
// long a snapshot of many keys holds the event loop (TERN_SNAPSHOT_KEYS, default 20,000).
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>

#include "crdt/replica.h"
#include "node/region/entry_log_file.h"
#include "node/region/keyspace_snapshot.h"
#include "node/region/region_snapshot_file.h"

namespace tern::node {
namespace {

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("tern-region-snapshot-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::filesystem::remove(path);
  return path.string();
}

election::Snapshot sample_snapshot() {
  election::Snapshot snapshot;
  snapshot.meta.last_included = election::EntryId{election::Term{3}, election::LogIndex{41}};
  snapshot.meta.membership.voters = {election::NodeId{1}, election::NodeId{3}};
  snapshot.meta.membership.learners = {election::NodeId{2}};
  snapshot.data = std::string("keyspace\0bytes", 14) + std::string(5000, 'k');
  return snapshot;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

election::Entry entry(std::uint64_t term, std::uint64_t index, std::string payload) {
  election::Entry e;
  e.term = election::Term{term};
  e.index = election::LogIndex{index};
  e.payload = std::move(payload);
  return e;
}

crdt::Replica sample_replica(std::size_t keys) {
  crdt::Replica replica(crdt::RegionId{1}, 16);
  const std::uint64_t now = 1'700'000'000'000;
  for (std::size_t i = 0; i < keys; ++i) {
    const std::string n = std::to_string(i);
    replica.set(0, "s:" + n, "value-" + n, crdt::SetTtl{}, now + i);
    if (i % 10 == 0) {
      REQUIRE(replica.incr_by(1, "counter:" + n, static_cast<std::int64_t>(i), now + i).ok());
      REQUIRE(replica.hset(0, "h:" + n, "field", n, now + i).ok());
      REQUIRE(replica.sadd(2, "set:" + n, "member" + n, now + i).ok());
      REQUIRE(replica.zadd(0, "z:" + n, "m", static_cast<double>(i) / 3, now + i).ok());
      replica.set(0, "ttl:" + n, "x", crdt::SetTtl{crdt::SetTtl::Mode::kDeadline, now + 3'600'000},
                  now + i);
    }
  }
  return replica;
}

TEST_CASE("a region snapshot file gives back exactly the snapshot saved, and none is no snapshot") {
  const std::string path = temp_path("n1.snapshot");
  auto missing = load_region_snapshot(path);
  REQUIRE(missing.index() == 0);
  CHECK_FALSE(std::get<0>(missing).has_value());
  REQUIRE(save_region_snapshot(path, sample_snapshot()).empty());
  auto loaded = load_region_snapshot(path);
  REQUIRE(loaded.index() == 0);
  REQUIRE(std::get<0>(loaded).has_value());
  CHECK(*std::get<0>(loaded) == sample_snapshot());
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_CASE("a damaged region snapshot file is refused at every cut and every flipped byte") {
  const std::string path = temp_path("n2.snapshot");
  REQUIRE(save_region_snapshot(path, sample_snapshot()).empty());
  const std::string good = read_file(path);
  for (std::size_t cut = 0; cut < good.size(); cut += 97) {
    write_file(path, good.substr(0, cut));
    auto loaded = load_region_snapshot(path);
    REQUIRE(loaded.index() == 1);
    CHECK(std::get<1>(loaded).find("is damaged") != std::string::npos);
  }
  for (std::size_t at = 0; at < good.size(); at += 53) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    write_file(path, bad);
    CHECK(load_region_snapshot(path).index() == 1);
  }
}

TEST_CASE(
    "dropping the log prefix a snapshot covers keeps the later entries, also across a restart") {
  const std::string path = temp_path("n1.log");
  {
    EntryLogFile::Loaded loaded;
    auto opened = EntryLogFile::open(path, &loaded);
    auto& file = std::get<EntryLogFile>(opened);
    REQUIRE(file.write({entry(1, 1, "a"), entry(1, 2, "b"), entry(1, 3, "c"), entry(2, 4, "d")})
                .empty());
    const auto before = file.size_bytes();
    REQUIRE(file.drop_through(2).empty());
    CHECK(file.size_bytes() < before);
    // Writes go on after the cut: a conflicting entry still replaces its suffix (§5.3).
    REQUIRE(file.write({entry(3, 4, "D"), entry(3, 5, "e")}).empty());
  }
  EntryLogFile::Loaded loaded;
  auto opened = EntryLogFile::open(path, &loaded);
  REQUIRE(std::holds_alternative<EntryLogFile>(opened));
  REQUIRE(loaded.entries.size() == 3);
  CHECK(loaded.entries[0].index == election::LogIndex{3});
  CHECK(loaded.entries[1].payload == "D");
  CHECK(loaded.entries[2].index == election::LogIndex{5});
  // Dropping everything (a snapshot from the leader replaces the log) leaves an empty file.
  REQUIRE(std::get<EntryLogFile>(opened).drop_through(~std::uint64_t{0}).empty());
  CHECK(std::get<EntryLogFile>(opened).size_bytes() == 0);
  CHECK(std::filesystem::file_size(path) == 0);
}

TEST_CASE("keyspace snapshot bytes restore the same keyspace: digest, keys and applied stamps") {
  const crdt::Replica replica = sample_replica(500);
  auto encoded = encode_keyspace_snapshot(replica.keyspace(), KeyspaceSnapshotOrigin{1, 2, 7});
  REQUIRE(encoded.index() == 0);
  auto decoded = decode_keyspace_snapshot(std::get<0>(encoded), crdt::kDefaultKeyHashSeed);
  REQUIRE(std::holds_alternative<crdt::Keyspace>(decoded));
  const crdt::Keyspace& restored = std::get<crdt::Keyspace>(decoded);
  CHECK(restored.digest() == replica.keyspace().digest());
  CHECK(restored.applied() == replica.keyspace().applied());
  // And a replica restored from it stamps its next writes after everything it holds.
  crdt::Replica follower(crdt::RegionId{1}, 16);
  follower.restore_keyspace(std::get<crdt::Keyspace>(std::move(decoded)));
  CHECK(follower.keyspace().digest() == replica.keyspace().digest());
  CHECK(follower.clock().last() >= replica.clock().last());
}

TEST_CASE("keyspace snapshot bytes that are cut short or damaged are refused with a reason") {
  const crdt::Replica replica = sample_replica(300);
  const std::string good =
      std::get<0>(encode_keyspace_snapshot(replica.keyspace(), KeyspaceSnapshotOrigin{1, 2, 7}));
  for (std::size_t cut = 0; cut < good.size(); cut += 61) {
    auto decoded =
        decode_keyspace_snapshot(std::string_view(good).substr(0, cut), crdt::kDefaultKeyHashSeed);
    REQUIRE(std::holds_alternative<std::string>(decoded));
    CHECK_FALSE(std::get<std::string>(decoded).empty());
  }
  for (std::size_t at = 0; at < good.size(); at += 37) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x41);
    auto decoded = decode_keyspace_snapshot(bad, crdt::kDefaultKeyHashSeed);
    // A flip the checks cannot see (say, inside padding no check covers) must still give the
    // very same keyspace; anything else is refused.
    if (auto* restored = std::get_if<crdt::Keyspace>(&decoded)) {
      CHECK(restored->digest() == replica.keyspace().digest());
    }
  }
  CHECK(std::holds_alternative<std::string>(
      decode_keyspace_snapshot(good + "x", crdt::kDefaultKeyHashSeed)));
}

TEST_CASE("measure: snapshotting a keyspace of many keys (TERN_SNAPSHOT_KEYS, default 20000)") {
  const char* text = std::getenv("TERN_SNAPSHOT_KEYS");  // NOLINT(concurrency-mt-unsafe)
  const std::size_t keys = text != nullptr ? std::strtoull(text, nullptr, 10) : 20000;
  const crdt::Replica replica = sample_replica(keys);
  const auto started = std::chrono::steady_clock::now();
  auto encoded = encode_keyspace_snapshot(replica.keyspace(), KeyspaceSnapshotOrigin{1, 2, 7});
  const auto encoded_at = std::chrono::steady_clock::now();
  REQUIRE(encoded.index() == 0);
  election::Snapshot snapshot;
  snapshot.data = std::move(std::get<0>(encoded));
  const std::string path = temp_path("measure.snapshot");
  REQUIRE(save_region_snapshot(path, snapshot).empty());
  const auto saved_at = std::chrono::steady_clock::now();
  const auto read_back = load_region_snapshot(path);  // what the parent does after the child
  const auto read_at = std::chrono::steady_clock::now();
  REQUIRE(read_back.index() == 0);
  // Another seed than the writer's tables, as the node restores (node.cc says why).
  auto decoded = decode_keyspace_snapshot(snapshot.data, 0x5eed5eed5eed5eedULL);
  const auto decoded_at = std::chrono::steady_clock::now();
  REQUIRE(std::holds_alternative<crdt::Keyspace>(decoded));
  const auto ms = [](auto from, auto to) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
  };
  std::size_t total_keys = 0;
  for (std::uint32_t db = 0; db < replica.keyspace().database_count(); ++db) {
    total_keys += replica.keyspace().database(db).size();
  }
  MESSAGE(total_keys << " keys: snapshot " << snapshot.data.size() << " bytes; encode "
                     << ms(started, encoded_at) << " ms, write + fsync " << ms(encoded_at, saved_at)
                     << " ms, read back + checksum " << ms(saved_at, read_at)
                     << " ms, decode + verify " << ms(read_at, decoded_at) << " ms");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tern::node
