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
// Not yet: compaction (the file grows with every write until snapshots arrive).
#include <cstdint>
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
