#pragma once
// The bytes a region snapshot carries (RaftStateMachine::compact's `data`, InstallSnapshot's
// chunks, the .snapshot file): the keyspace's whole CRDT state as replication/SNAPSHOT.md's
// stream, a SnapshotHeader then SnapshotChunks, each prefixed by its length (u32,
// little-endian) so that one string holds them all.
//
// Encoding runs on the event loop and reads the keyspace as it is, so the caller must hold it
// still (the region service takes it only when the keyspace is exactly its applied log index,
// and nothing else runs meanwhile). Decoding trusts nothing: every length is checked against
// what is left, and SnapshotReader checks every chunk, key and the final digest.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "crdt/keyspace.h"

namespace tern::node {

struct KeyspaceSnapshotOrigin {
  std::uint8_t region = 0;
  std::uint64_t node = 0;
  std::uint64_t snapshot_id = 0;
};

// The whole keyspace, or why it cannot be written (a key too large for any chunk).
std::variant<std::string, std::string> encode_keyspace_snapshot(
    const crdt::Keyspace& keyspace, const KeyspaceSnapshotOrigin& origin);

// The keyspace the bytes describe, or why they were refused. `hash_seed` keys its tables.
std::variant<crdt::Keyspace, std::string> decode_keyspace_snapshot(std::string_view bytes,
                                                                   std::uint64_t hash_seed);

}  // namespace tern::node
