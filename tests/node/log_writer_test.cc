// The region log's writer thread (node/region/log_writer.h): jobs land in submission order, a
// later job's cut of a suffix applies to what earlier jobs wrote, and every completion arrives
// on the event loop, in order, naming the last entry written.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "node/region/entry_log_file.h"
#include "node/region/hard_state_file.h"
#include "node/region/log_writer.h"

namespace tern::node {
namespace {

std::string writer_temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("tern-log-writer-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::filesystem::remove(path);
  return path.string();
}

election::Entry log_entry(std::uint64_t term, std::uint64_t index, std::string payload) {
  election::Entry e;
  e.term = election::Term{term};
  e.index = election::LogIndex{index};
  e.payload = std::move(payload);
  return e;
}

struct Completion {
  std::uint64_t through;
  std::optional<election::EntryId> last;
  std::string error;
};

TEST_CASE("the log writer lands jobs in order and reports each group on the event loop") {
  const std::string log_path = writer_temp_path("writer.log");
  const std::string state_path = writer_temp_path("writer.state");
  asio::io_context io;
  std::vector<Completion> completions;
  {
    EntryLogFile::Loaded loaded;
    auto opened = EntryLogFile::open(log_path, &loaded);
    REQUIRE(std::holds_alternative<EntryLogFile>(opened));
    LogWriter writer(io, std::move(std::get<EntryLogFile>(opened)), state_path,
                     [&](std::uint64_t through, std::optional<election::EntryId> last, const std::string& error) {
                       completions.push_back({through, last, error});
                     });
    CHECK(writer.submit({{log_entry(1, 1, "a"), log_entry(1, 2, "b")}, std::nullopt}) == 1);
    election::HardState hard_state;
    hard_state.term = election::Term{2};
    hard_state.voted_for = election::NodeId{3};
    // A new leader's entries replace index 2 onwards (§5.3), after the first job's.
    CHECK(writer.submit({{log_entry(2, 2, "c"), log_entry(2, 3, "d")}, hard_state}) == 2);
    CHECK(writer.submit({{}, std::nullopt}) == 3);  // nothing to write: still reported in order
    writer.wait_idle();
    io.run();
  }
  REQUIRE(!completions.empty());
  for (std::size_t i = 1; i < completions.size(); ++i) CHECK(completions[i].through > completions[i - 1].through);
  const Completion& last = completions.back();
  CHECK(last.through == 3);
  CHECK(last.error.empty());
  REQUIRE(last.last.has_value());
  CHECK(*last.last == election::EntryId{election::Term{2}, election::LogIndex{3}});

  EntryLogFile::Loaded reloaded;
  auto reopened = EntryLogFile::open(log_path, &reloaded);
  REQUIRE(std::holds_alternative<EntryLogFile>(reopened));
  REQUIRE(reloaded.entries.size() == 3);
  CHECK(reloaded.entries[0].payload == "a");
  CHECK(reloaded.entries[1].payload == "c");
  CHECK(reloaded.entries[2].payload == "d");
  auto state = load_hard_state(state_path);
  REQUIRE(std::holds_alternative<election::HardState>(state));
  CHECK(std::get<election::HardState>(state).term == election::Term{2});
  CHECK(std::get<election::HardState>(state).voted_for == election::NodeId{3});
}

TEST_CASE("with region-fsync everysec or no the log writer still reports each write and keeps them") {
  for (const LogWriter::Sync sync : {LogWriter::Sync::kEverySecond, LogWriter::Sync::kNever}) {
    const std::string log_path = writer_temp_path("lazy.log");
    asio::io_context io;
    std::optional<election::EntryId> reported;
    {
      EntryLogFile::Loaded loaded;
      auto opened = EntryLogFile::open(log_path, &loaded);
      REQUIRE(std::holds_alternative<EntryLogFile>(opened));
      LogWriter writer(
          io, std::move(std::get<EntryLogFile>(opened)), writer_temp_path("lazy.state"),
          [&](std::uint64_t, std::optional<election::EntryId> last, const std::string&) { reported = last; }, sync);
      writer.submit({{log_entry(1, 1, "a")}, std::nullopt});
      writer.submit({{log_entry(1, 2, "b")}, std::nullopt});
      writer.wait_idle();
      io.run();
    }
    CHECK(reported == election::EntryId{election::Term{1}, election::LogIndex{2}});
    EntryLogFile::Loaded reloaded;
    auto reopened = EntryLogFile::open(log_path, &reloaded);
    REQUIRE(std::holds_alternative<EntryLogFile>(reopened));
    CHECK(reloaded.entries.size() == 2);
  }
}

TEST_CASE("with_file runs after every write queued before it, and writes after it follow what it left") {
  const std::string log_path = writer_temp_path("ordered.log");
  asio::io_context io;
  std::vector<Completion> completions;
  {
    EntryLogFile::Loaded loaded;
    auto opened = EntryLogFile::open(log_path, &loaded);
    REQUIRE(std::holds_alternative<EntryLogFile>(opened));
    LogWriter writer(io, std::move(std::get<EntryLogFile>(opened)), writer_temp_path("ordered.state"),
                     [&](std::uint64_t through, std::optional<election::EntryId> last, const std::string& error) {
                       completions.push_back({through, last, error});
                     });
    // Many jobs queued while the thread runs: the compaction cut must see all of them.
    for (std::uint64_t i = 1; i <= 200; ++i) writer.submit({{log_entry(1, i, std::to_string(i))}, std::nullopt});
    std::string failure;
    std::optional<std::uint64_t> last_before_cut;
    writer.with_file([&](EntryLogFile& file) {
      last_before_cut = file.last_index();
      failure = file.drop_through(150);
    });
    CHECK(failure.empty());
    CHECK(last_before_cut == std::optional<std::uint64_t>(200));
    const std::uint64_t after_cut = writer.size_bytes();
    CHECK(after_cut > 0);
    writer.submit({{log_entry(1, 201, "201")}, std::nullopt});
    // A snapshot replaces the whole log: the writer no longer names an entry the file lost.
    writer.with_file([&](EntryLogFile& file) { failure = file.drop_through(~std::uint64_t{0}); });
    CHECK(failure.empty());
    CHECK(writer.size_bytes() == 0);
    writer.submit({{}, election::HardState{}});  // a job with no entry reports none
    writer.submit({{log_entry(2, 301, "301")}, std::nullopt});
    writer.wait_idle();
    io.run();
  }
  REQUIRE(completions.size() >= 2);
  CHECK(completions.back().through == 203);
  REQUIRE(completions.back().last.has_value());
  CHECK(*completions.back().last == election::EntryId{election::Term{2}, election::LogIndex{301}});
  for (const Completion& c : completions) {
    if (c.through == 202) CHECK(!c.last.has_value());
  }
  EntryLogFile::Loaded reloaded;
  auto reopened = EntryLogFile::open(log_path, &reloaded);
  REQUIRE(std::holds_alternative<EntryLogFile>(reopened));
  REQUIRE(reloaded.entries.size() == 1);
  CHECK(reloaded.entries[0].index == election::LogIndex{301});
}

TEST_CASE("a compaction cut keeps the entries after it and later writes append to them") {
  const std::string log_path = writer_temp_path("cut.log");
  asio::io_context io;
  {
    EntryLogFile::Loaded loaded;
    auto opened = EntryLogFile::open(log_path, &loaded);
    REQUIRE(std::holds_alternative<EntryLogFile>(opened));
    LogWriter writer(io, std::move(std::get<EntryLogFile>(opened)), writer_temp_path("cut.state"),
                     [](std::uint64_t, std::optional<election::EntryId>, const std::string&) {});
    for (std::uint64_t i = 1; i <= 10; ++i) writer.submit({{log_entry(1, i, "x")}, std::nullopt});
    std::string failure;
    writer.with_file([&](EntryLogFile& file) { failure = file.drop_through(7); });
    CHECK(failure.empty());
    // A new leader's entry replaces index 10 (a cut of a suffix after the compaction).
    writer.submit({{log_entry(2, 10, "y"), log_entry(2, 11, "z")}, std::nullopt});
    writer.wait_idle();
    io.run();
  }
  EntryLogFile::Loaded reloaded;
  auto reopened = EntryLogFile::open(log_path, &reloaded);
  REQUIRE(std::holds_alternative<EntryLogFile>(reopened));
  REQUIRE(reloaded.entries.size() == 4);
  CHECK(reloaded.entries[0].index == election::LogIndex{8});
  CHECK(reloaded.entries[2].payload == "y");
  CHECK(reloaded.entries[3].payload == "z");
}

}  // namespace
}  // namespace tern::node
