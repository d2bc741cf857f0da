#pragma once
// SnapshotWriter: cuts a keyspace's whole CRDT state into a header and a sequence of chunks
// (replication/proto/tern_snapshot.proto, replication/SNAPSHOT.md), for a follower or peer that
// is too far behind the log. Sans-I/O: it returns bytes, and the edge sends them.
//
// Why here and not in crdt/: each chunk is an lz4 block, and crdt/ links nothing but the
// standard library and Protobuf. The key records themselves are crdt/snapshot_codec.h's.
//
// Streaming. The writer walks each database with KeyTable::scan's cursor, a few keys at a
// time, and holds only the records of one chunk (about chunk_target_bytes) plus one scan step:
// never the whole snapshot. The header (key count, digest) is computed at construction, which
// reads every key once but copies none.
//
// The keyspace must not change from construction to the last chunk: the edge stops applying
// while it writes, or writes from a copy. If it did change, the chunks would not add up to the
// header, and the reader refuses the snapshot at the end (key count or digest); nothing wrong
// is ever restored silently.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "crdt/keyspace.h"
#include "crdt/snapshot_codec.h"
#include "crdt/stamp.h"
#include "replication/wire_error.h"

namespace tern::replication {

struct SnapshotOrigin {
  crdt::RegionId region;
  std::optional<std::uint64_t> node;  // the writing node's election NodeId, if it has one
  std::uint64_t snapshot_id = 0;      // the edge picks it (random, or a counter); chunks repeat it
};

struct SnapshotWriterOptions {
  // Aimed-for size of a chunk's key batch before compression. A chunk closes before a record
  // that would take it past this, and holds at least one record, so a single larger key makes
  // a larger chunk (up to limits.max_batch_bytes).
  std::size_t chunk_target_bytes = std::size_t{1} << 20;
  // Keys asked of each scan step (KeyTable::scan's count).
  std::size_t scan_step_keys = 64;
  // The reader's limits: the writer refuses to produce a chunk a default reader would refuse.
  crdt::SnapshotLimits limits;
};

class SnapshotWriter {
 public:
  SnapshotWriter(const crdt::Keyspace& keyspace, SnapshotOrigin origin,
                 SnapshotWriterOptions options = {});

  // The serialized SnapshotHeader; send it before the first chunk.
  [[nodiscard]] const std::string& header() const { return header_; }

  // The next serialized SnapshotChunk, or nullopt once the chunk flagged `last` was returned.
  // An empty keyspace gives one empty chunk. kTooLarge when one key's record alone is above
  // what a reader accepts (limits.max_batch_bytes, or lz4's input limit); the snapshot cannot
  // be sent then.
  WireResult<std::optional<std::string>> next_chunk();

  [[nodiscard]] bool done() const { return done_; }
  [[nodiscard]] std::uint64_t chunks_written() const { return next_index_; }
  [[nodiscard]] std::uint64_t key_count() const { return key_count_; }

 private:
  // Scans until some records are pending or every database is done.
  void fill_pending();

  const crdt::Keyspace& keyspace_;
  SnapshotOrigin origin_;
  SnapshotWriterOptions options_;
  std::string header_;
  std::uint64_t key_count_ = 0;
  // Scan position: the database and its cursor (0 both before and after a database's scan).
  std::uint32_t database_ = 0;
  std::uint64_t cursor_ = 0;
  std::deque<std::string> pending_;  // serialized SnapshotKey records not yet in a chunk
  std::uint64_t next_index_ = 0;
  bool done_ = false;
};

}  // namespace tern::replication
