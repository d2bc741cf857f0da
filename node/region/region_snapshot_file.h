#pragma once
// The region's latest snapshot on disk, tern-region-<node>.snapshot: the metadata the election
// core needs (last included entry, membership at it) and the snapshot bytes
// (keyspace_snapshot.h), so that a restarted node restores its keyspace from it and then applies
// only the log entries after it.
//
//   "TRNSNAP1", u64 term, u64 index, u32 voter count, u64 voters..., u32 learner count,
//   u64 learners..., u64 data length, data, u64 FNV-1a 64 of everything before it
//   (all little-endian)
//
// Written to <path>.tmp, fsync'd, renamed over <path>, and the directory fsync'd: a crash leaves
// either the old snapshot or the new one, never a mix. Damage (a short file, a count beyond
// what is left, a checksum that differs) is refused with a message naming the file; it is
// never trusted in part.
#include <optional>
#include <string>
#include <variant>

#include "replication/election/types.h"

namespace tern::node {

// Empty on success, else why not.
std::string save_region_snapshot(const std::string& path, const election::Snapshot& snapshot);

// nullopt when the file does not exist (no snapshot taken yet); the error names the file.
std::variant<std::optional<election::Snapshot>, std::string> load_region_snapshot(
    const std::string& path);

}  // namespace tern::node
