#pragma once
// Conversion between Op (crdt/op.h) and its wire form, tern.wire.Op and tern.wire.OpBatch in
// replication/proto/tern_ops.proto.
//
// Decoding reads bytes another region sent, so it treats them as hostile. It checks every
// field that KeyState::apply and Keyspace::apply trust (a region id that indexes a vector, a
// stamp that must be nonzero, a text that must be a number) and returns an Errc instead of an
// Op that would misbehave there. It never asserts, and what it builds is bounded by
// CodecLimits, not only by the input's size: decode_batch counts the ops and observation
// records straight off the bytes before Protobuf builds an object for any of them, and
// reserves nothing that an input-chosen count alone could inflate.
//
// What an op carries on the wire is what apply reads for its kind (the table is at the top of
// op_codec.cc); a field its kind does not use is not sent and decodes as its default. A hash
// set, sorted-set add or register removal carries only the observations of its own register,
// since those are the only ones apply looks up. So an Op built the way Replica builds it comes
// back field for field.
//
// A refusal must never hit an op that its origin has already applied: the origin would keep a
// write every other region drops. The limits in CodecLimits are therefore limits on what a
// region may write at all; the command layer refuses larger writes before they become ops.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crdt/op.h"
#include "crdt/result.h"
#include "crdt/stamp.h"
#include "replication/proto/tern_ops.pb.h"

namespace tern::crdt {

// The highest OpBatch.schema_version this build reads and the one it writes.
inline constexpr std::uint32_t kSchemaVersion = 1;
// Databases a keyspace may have; a larger index is refused before it can size anything.
inline constexpr std::uint32_t kMaxDatabases = 1U << 16;

struct CodecLimits {
  // Keys (and the keys inside a FLUSHDB's observations). Redis allows 512 MB keys, but a key
  // is copied into every index and every op that names it; 1 MiB is far beyond any real key
  // and keeps a hostile batch from multiplying one huge key across thousands of ops.
  std::size_t max_key_bytes = std::size_t{1} << 20;
  // String values, hash fields and values, set and sorted-set members: Redis's
  // proto-max-bulk-len default, so any value a Redis client can write can replicate.
  std::size_t max_value_bytes = std::size_t{512} << 20;
  // Observation records one batch (or one op, for decode_op) may make a receiver build:
  // every counter entry, every register record and every key record counts, so empty records
  // cannot stand in for entries. Counted straight off the bytes before Protobuf builds
  // anything, because each element costs tens of bytes of memory and can take two on the wire.
  // A million records is at most ~100 MB decoded. The sender closes a batch before it would
  // pass this; counting Op::observed and flush_observed records and their entries never
  // undercounts. (A FLUSHDB lists every counter entry of its database, so one over this limit
  // cannot replicate: the command layer must refuse or split it.)
  std::size_t max_observations = 1'000'000;
  // Entries of an op's context, and the bound on a batch's origin region. Never above
  // kMaxRegions, which the 6 region bits of a stamp fix; a smaller value suits a deployment
  // that knows its region count.
  std::size_t max_regions = kMaxRegions;
  // Ops in one batch, also counted before parsing: a decoded Op is ~250 bytes and an empty
  // one two bytes on the wire.
  std::size_t max_ops_per_batch = 1'000'000;
  // Encoded size of one batch. A batch must be able to hold one op carrying the largest value
  // (512 MiB) with its key and observations, so this is 1 GiB, half of Protobuf's 2 GiB
  // ceiling on one message. The sender fills batches far below it in normal operation.
  std::size_t max_batch_bytes = std::size_t{1} << 30;
};

struct DecodedBatch {
  RegionId origin;
  std::uint64_t first_log_index = 0;
  std::vector<Op> ops;
  // A garbage-collection mark (no ops): the stable vector to collect below.
  std::optional<StampVector> collect_garbage_below;
};

// One counter entry's wire form (an Observation), shared by ops and snapshots.
void encode_counter_entry(const CounterEntry& entry, wire::Observation* out);
// Refuses a zero `last` stamp (kMissingField) and a float sum that is not a number (kMalformed).
Result<CounterEntry> decode_counter_entry(const wire::Observation& in);

// Replaces `*out` with the wire form of `op`.
void encode_op(const Op& op, wire::Op* out);
// One op, checked field by field (see op_codec.cc for each refusal and its Errc). Does not
// check the stamp's region against a batch origin; decode_batch does.
Result<Op> decode_op(const wire::Op& in, const CodecLimits& limits = {});

// A serialized OpBatch at kSchemaVersion. Every op's stamp must name `origin`, and the ops
// are the origin's log entries first_log_index, first_log_index + 1, ...
std::string encode_batch(RegionId origin, std::uint64_t first_log_index, std::span<const Op> ops);
// A batch that carries no ops but a garbage-collection mark (DecodedBatch::collect_garbage_below).
std::string encode_collect_garbage(RegionId origin, const StampVector& stable);
// Refuses, with the first failure found: a batch over max_batch_bytes (kTooLarge), bytes
// that do not parse (kMalformed), a schema version of 0 or above kSchemaVersion
// (kUnsupportedVersion), an origin at or above max_regions (kBadRegion), more than
// max_ops_per_batch ops or max_observations records (kTooLarge), log indexes that would wrap
// (kMalformed), any op decode_op refuses, and an op stamped by a region other than the origin
// (kBadRegion).
Result<DecodedBatch> decode_batch(std::span<const std::byte> bytes, const CodecLimits& limits = {});

}  // namespace tern::crdt
