#pragma once
// The region log's entries on disk, so a restarted node still holds what it acknowledged
// (Raft's durability assumption: a follower's log never loses an entry it reported as matched)
// and rebuilds its keyspace by applying the log again. An append-only file of records:
//   u32 payload length, u64 term, u64 index, u8 kind, payload, u32 checksum (FNV-1a of the
//   26 header bytes and the payload), all little-endian.
// Writes are followed by fsync before the state machine's messages go out (raft_state_machine.h,
// Output). A torn last record (a crash mid-write) is dropped at load; a damaged record in the
// middle stops the load with an error, because entries after it cannot be trusted.
//
// Compaction (region_service.h): once a snapshot covering a prefix is durable, drop_through
// rewrites the file without that prefix (the entries after the snapshot, copied into <path>.tmp,
// fsync'd, renamed over the file). A rewrite rather than segment files because compaction runs
// at the applied index, where only the few uncommitted entries remain after it: the copy is
// small, and one file keeps load and the record format unchanged. A crash before the rename
// leaves the old file, whose extra prefix the snapshot covers (the load skips it).
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "replication/election/types.h"

namespace tern::node {

class EntryLogFile {
 public:
  struct Loaded {
    std::vector<election::Entry> entries;
    bool dropped_torn_tail = false;
  };
  // Opens (creating) the file and reads every record. The error names the file.
  static std::variant<EntryLogFile, std::string> open(const std::string& path, Loaded* loaded);

  EntryLogFile(EntryLogFile&& other) noexcept;
  EntryLogFile& operator=(EntryLogFile&&) = delete;
  ~EntryLogFile();

  // Deletes every entry at or after entries.front().index, appends `entries`, fsyncs (unless
  // `sync` is false: a log writer syncs once for several writes). Empty on success, else why not.
  std::string write(const std::vector<election::Entry>& entries, bool sync = true);
  // fdatasync: everything written so far is durable. Empty on success, else why not.
  std::string sync();
  // Drops every entry at or below `index` (a durable snapshot covers them): rewrites the file
  // with the rest. Empty on success, else why not (the file is then unchanged).
  std::string drop_through(std::uint64_t index);
  // Bytes in the file (the compaction threshold's measure).
  [[nodiscard]] std::uint64_t size_bytes() const { return end_; }
  // The index of the last record in the file, if any.
  [[nodiscard]] std::optional<std::uint64_t> last_index() const {
    return offsets_.empty() ? std::nullopt : std::optional<std::uint64_t>(offsets_.back().first);
  }

 private:
  EntryLogFile(std::string path, int fd, std::vector<std::pair<std::uint64_t, std::uint64_t>> offsets,
               std::uint64_t end);
  std::string path_;
  int fd_ = -1;
  // (index, byte offset of its record), in index order.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> offsets_;
  std::uint64_t end_ = 0;
  bool tail_beyond_end_ = false;  // the file may hold bytes after end_ (a cut or a failed write)
};

}  // namespace tern::node
