// The region's durable files: the entry log (node/region/entry_log_file.h) and the term/vote
// file (node/region/hard_state_file.h). A restarted node must find exactly what it wrote, lose
// only a record torn by a crash, and refuse to start on damage it cannot explain.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <variant>

#include "node/region/entry_log_file.h"
#include "node/region/hard_state_file.h"

namespace tern::node {
namespace {

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("tern-region-storage-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::filesystem::remove(path);
  return path.string();
}

election::Entry entry(std::uint64_t term, std::uint64_t index, std::string payload) {
  election::Entry e;
  e.term = election::Term{term};
  e.index = election::LogIndex{index};
  e.payload = std::move(payload);
  return e;
}

std::vector<election::Entry> reopen(const std::string& path, bool* torn = nullptr) {
  EntryLogFile::Loaded loaded;
  auto opened = EntryLogFile::open(path, &loaded);
  REQUIRE(std::holds_alternative<EntryLogFile>(opened));
  if (torn != nullptr) *torn = loaded.dropped_torn_tail;
  return loaded.entries;
}

TEST_CASE("the entry log gives back after a restart exactly the entries written") {
  const std::string path = temp_path("entries-1.log");
  {
    EntryLogFile::Loaded loaded;
    auto opened = EntryLogFile::open(path, &loaded);
    REQUIRE(std::holds_alternative<EntryLogFile>(opened));
    auto& file = std::get<EntryLogFile>(opened);
    CHECK(file.write({entry(1, 1, "a"), entry(1, 2, std::string("b\0c", 3))}).empty());
    CHECK(file.write({entry(2, 3, std::string(100000, 'x'))}).empty());
  }
  const auto entries = reopen(path);
  REQUIRE(entries.size() == 3);
  CHECK(entries[1].payload == std::string("b\0c", 3));
  CHECK(entries[2].term == election::Term{2});
  CHECK(entries[2].payload.size() == 100000);
}

TEST_CASE("writing from an index already logged replaces that entry and every later one (§5.3)") {
  const std::string path = temp_path("entries-2.log");
  {
    EntryLogFile::Loaded loaded;
    auto opened = EntryLogFile::open(path, &loaded);
    auto& file = std::get<EntryLogFile>(opened);
    CHECK(file.write({entry(1, 1, "a"), entry(1, 2, "b"), entry(1, 3, "c")}).empty());
    CHECK(file.write({entry(2, 2, "B")}).empty());
  }
  const auto entries = reopen(path);
  REQUIRE(entries.size() == 2);
  CHECK(entries[1].payload == "B");
  CHECK(entries[1].term == election::Term{2});
}

TEST_CASE("a record torn by a crash is dropped at load and the entries before it stay") {
  const std::string path = temp_path("entries-3.log");
  {
    EntryLogFile::Loaded loaded;
    auto opened = EntryLogFile::open(path, &loaded);
    CHECK(std::get<EntryLogFile>(opened).write({entry(1, 1, "a"), entry(1, 2, "b")}).empty());
  }
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size - 3);  // the last record loses its checksum's end
  bool torn = false;
  const auto entries = reopen(path, &torn);
  CHECK(torn);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].payload == "a");
  // The file was cut back to whole records: appending continues from there.
  bool torn_again = true;
  CHECK(reopen(path, &torn_again).size() == 1);
  CHECK_FALSE(torn_again);
}

TEST_CASE("a damaged record before the last one stops the load with an error naming the file") {
  const std::string path = temp_path("entries-4.log");
  {
    EntryLogFile::Loaded loaded;
    auto opened = EntryLogFile::open(path, &loaded);
    CHECK(std::get<EntryLogFile>(opened).write({entry(1, 1, "aaaa"), entry(1, 2, "bbbb")}).empty());
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(22);  // inside the first record's payload
    f.put('X');
  }
  EntryLogFile::Loaded loaded;
  auto opened = EntryLogFile::open(path, &loaded);
  REQUIRE(std::holds_alternative<std::string>(opened));
  CHECK(std::get<std::string>(opened).find("is damaged") != std::string::npos);
  CHECK(std::get<std::string>(opened).find(path) != std::string::npos);
}

TEST_CASE("term and vote survive a restart and a missing file is the initial state and damage is refused") {
  const std::string path = temp_path("hard.state");
  auto missing = load_hard_state(path);
  REQUIRE(std::holds_alternative<election::HardState>(missing));
  CHECK(std::get<election::HardState>(missing) == election::HardState{});
  election::HardState state;
  state.term = election::Term{7};
  state.voted_for = election::NodeId{0};  // node id 0 is a real vote, not "none"
  state.commit = election::LogIndex{42};
  CHECK(save_hard_state(path, state).empty());
  auto loaded = load_hard_state(path);
  REQUIRE(std::holds_alternative<election::HardState>(loaded));
  CHECK(std::get<election::HardState>(loaded) == state);
  {
    std::ofstream damaged(path, std::ios::trunc);
    damaged << "tern-hard-state 1 term=x\n";
  }
  auto refused = load_hard_state(path);
  REQUIRE(std::holds_alternative<HardStateError>(refused));
  CHECK(std::get<HardStateError>(refused).message.find("damaged") != std::string::npos);
}

}  // namespace
}  // namespace tern::node
