#pragma once
// LogWriter: the region log's storage writes on a thread of their own, so the event loop keeps
// serving clients and peers while a write syncs (group commit: writes queued meanwhile share
// the next fdatasync). Raft's rules still hold because the edge (region_service.cc) sends a
// message that promises durability (a vote, an acknowledgement) only once the writes queued
// before it are done, and the leader counts its own log toward a commit only up to what this
// writer reported durable (ElectionConfig::async_persistence, thesis §10.2.1).
//
// "Durable" means fsync'd with Sync::kEveryWrite (region-fsync always, the default); with the
// other modes it means handed to the OS (write()), which survives a crash of the process but not
// of the OS (README, region-fsync).
//
// Jobs are done in submission order; each completion runs on the io_context, in order, with the
// highest job number done and the last entry written. A failed job fails every job of its group
// (the caller drops what waited for them, as a lost message).
//
// The rule for the file: only this writer touches the EntryLogFile it was given, and only its
// thread writes it. Every other operation on the log (compaction's drop_through, replacing the
// log when a snapshot is installed, re-reading it for a rebuild) goes through with_file, which
// runs it on the caller's thread after every job submitted before it has landed and while the
// thread keeps off the file (no write or background fsync meanwhile). So such an operation sees
// the log as the jobs before it left it, and jobs submitted after it apply to what it left.
// Opening the log file elsewhere while a writer exists is allowed only inside with_file; to
// reopen it for good, destroy the writer first (the destructor lands every queued job).
#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "node/region/entry_log_file.h"
#include "replication/election/types.h"

namespace tern::node {

class LogWriter {
 public:
  // When entries reach the disk (region-fsync): before their job counts as written, about once
  // a second, or whenever the OS writes them back. The hard state is fsync'd in every mode.
  enum class Sync : std::uint8_t { kEveryWrite, kEverySecond, kNever };
  struct Job {
    std::vector<election::Entry> entries;
    std::optional<election::HardState> hard_state;  // written after the entries
  };
  // (done through job number, last entry written so far or nullopt, error or empty)
  using OnDone = std::function<void(std::uint64_t, std::optional<election::EntryId>, const std::string&)>;

  LogWriter(asio::io_context& io, EntryLogFile file, std::string state_path, OnDone on_done,
            Sync sync = Sync::kEveryWrite);
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;
  ~LogWriter();  // finishes the queued jobs, then joins

  // Queues a job; its number (1, 2, ...).
  std::uint64_t submit(Job job);
  // Blocks until every submitted job is written (completions still arrive through the loop).
  void wait_idle();
  // Waits until every submitted job is written, then runs `operation` on this thread with the
  // file, the writer thread held off it (see the rule above). Blocks the caller for at most the
  // writes already queued. If the operation leaves the file without the last entry written so
  // far, later completions report no entry until a new write lands.
  void with_file(const std::function<void(EntryLogFile&)>& operation);
  [[nodiscard]] std::uint64_t submitted() const { return submitted_; }
  // Bytes in the file after the latest write or with_file (the compaction threshold's measure).
  [[nodiscard]] std::uint64_t size_bytes() const { return size_bytes_.load(std::memory_order_relaxed); }

 private:
  void run();

  asio::io_context& io_;
  EntryLogFile file_;  // touched by the thread, or by with_file, only under file_mutex_
  std::mutex file_mutex_;
  std::optional<election::EntryId> last_written_;  // under file_mutex_
  std::atomic<std::uint64_t> size_bytes_{0};
  std::string state_path_;
  OnDone on_done_;
  Sync sync_;
  std::uint64_t submitted_ = 0;  // event-loop side

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<Job> queue_;
  std::uint64_t queued_through_ = 0;
  std::uint64_t written_through_ = 0;
  bool stopping_ = false;
  // Completions still queued on the loop after the writer is gone find this expired.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::thread thread_;  // last: starts once every member above exists
};

}  // namespace tern::node
