#pragma once
// SnapshotReader: rebuilds a keyspace from a snapshot's header and chunks, given in order
// (replication/proto/tern_snapshot.proto, replication/SNAPSHOT.md). Sans-I/O: the edge hands it
// each message's bytes as they arrive, and takes the keyspace from finish().
//
// The bytes come from a peer, so every one is checked (the list is in snapshot_reader.cc's
// take_chunk and take_header, and SNAPSHOT.md's "What a reader refuses"): a chunk before the
// header, after the last, out of order, repeated or of another snapshot; sizes above the limits
// or beyond what lz4 can produce, checked before any buffer is sized; an lz4 block that does
// not decode to exactly the size announced; a batch whose check does not match; any record
// crdt::decode_key_batch refuses; a key twice; and at finish(), a missing last chunk, a key
// count or a digest that differs from the header's. Errors are final: every later call returns
// the first one, whose detail names what was wrong (log it, drop the partial keyspace, and ask
// for a new snapshot).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "crdt/keyspace.h"
#include "crdt/snapshot_codec.h"
#include "crdt/stamp.h"
#include "replication/wire_error.h"

namespace tern::replication {

// A serialized header is a few hundred bytes (the applied vector has at most 64 entries).
inline constexpr std::size_t kMaxSnapshotHeaderBytes = 4096;

// The check a chunk carries of its key batch (FNV-1a 64, crdt/digest.h): corruption between
// writer and reader is found at the chunk it hits, not only by the digest at the end.
std::uint64_t snapshot_batch_check(std::string_view batch);

struct SnapshotInfo {
  std::uint64_t snapshot_id = 0;
  crdt::RegionId origin_region;
  std::optional<std::uint64_t> origin_node;
  crdt::StampVector applied;
  std::uint32_t database_count = 0;
  std::uint64_t key_count = 0;
  std::uint64_t keyspace_digest = 0;
};

struct SnapshotProgress {
  std::uint64_t chunks = 0;  // chunks taken
  std::uint64_t keys = 0;    // keys restored so far
  bool complete = false;     // the last chunk was taken: call finish()
};

class SnapshotReader {
 public:
  // `hash_seed` keys the rebuilt keyspace's tables (a server passes its random one).
  explicit SnapshotReader(std::uint64_t hash_seed = crdt::kDefaultKeyHashSeed,
                          crdt::SnapshotLimits limits = {});

  // The serialized SnapshotHeader; first, once.
  WireResult<SnapshotProgress> take_header(std::span<const std::byte> bytes);
  // The next serialized SnapshotChunk.
  WireResult<SnapshotProgress> take_chunk(std::span<const std::byte> bytes);
  // After the last chunk: checks the key count and the digest against the header and hands
  // over the keyspace (once).
  WireResult<crdt::Keyspace> finish();

  [[nodiscard]] const std::optional<SnapshotInfo>& info() const { return info_; }
  [[nodiscard]] const SnapshotProgress& progress() const { return progress_; }
  [[nodiscard]] bool failed() const { return error_.has_value(); }

 private:
  WireError fail(WireErrc code, std::string detail);

  std::uint64_t hash_seed_;
  crdt::SnapshotLimits limits_;
  std::optional<SnapshotInfo> info_;
  std::optional<crdt::Keyspace> keyspace_;
  SnapshotProgress progress_;
  bool finished_ = false;
  std::optional<WireError> error_;
};

}  // namespace tern::replication
