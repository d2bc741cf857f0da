#pragma once
// Conversion between a key's whole CRDT state (KeyState::Parts, key_state.h) and its snapshot
// record, tern.wire.SnapshotKey in replication/proto/tern_snapshot.proto. The stream around the
// records (header, chunks, lz4, order and end checks) is replication/snapshot_{writer,reader}.h;
// this half needs no compression and does no I/O, so it stays in crdt/ next to op_codec.
//
// Decoding treats the bytes as hostile, as op_codec does. Before Protobuf builds anything,
// decode_key_batch counts every repeated element straight off the bytes against
// SnapshotLimits::max_records_per_batch. Then each record is read field by field (sizes against
// the limits, zero stamps, float text, a database beyond the keyspace) and handed to
// KeyState::from_parts, which refuses a state breaking an invariant the CRDT code assumes
// (order and uniqueness, items not covered by the applied vector, items a kill mark would have
// removed); the refusal names the rule. Nothing is asserted, and no invalid KeyState is built.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "crdt/key_state.h"
#include "crdt/op_codec.h"
#include "crdt/result.h"
#include "crdt/stamp.h"
#include "crdt/stamp_vector.h"
#include "replication/proto/tern_snapshot.pb.h"

namespace tern::crdt {

// The highest SnapshotHeader.schema_version this build reads, and the one it writes.
inline constexpr std::uint32_t kSnapshotSchemaVersion = 1;

struct SnapshotLimits {
  // Keys, and values/fields/members: op_codec's CodecLimits, so any key and value a region can
  // write can also travel in a snapshot.
  std::size_t max_key_bytes = CodecLimits{}.max_key_bytes;
  std::size_t max_value_bytes = CodecLimits{}.max_value_bytes;
  // Elements one key batch (one chunk) may make a reader build: key records, registers,
  // bases, counter entries and observations, set elements, TTL entries and kill marks. Each
  // costs tens of bytes decoded and can take two on the wire, so they are counted before
  // parsing. Four million is at most ~400 MB decoded. A key is never split across chunks, so
  // a key with more items than this cannot be snapshotted under the default (known gap).
  std::size_t max_records_per_batch = 4'000'000;
  // Size of one serialized key batch (a chunk, decompressed). The writer aims for far less
  // (SnapshotWriterOptions); a single key with a 512 MiB value must still fit.
  std::size_t max_batch_bytes = std::size_t{1} << 30;
  // Keys a snapshot may announce, and databases: bounds on what a header may make us expect.
  std::uint64_t max_keys = std::uint64_t{1} << 34;
  std::uint32_t max_databases = kMaxDatabases;
  // Entries of the applied vector; never above kMaxRegions.
  std::size_t max_regions = kMaxRegions;
};

// A refusal: the Errc a caller counts by, and a sentence naming the field or rule.
struct SnapshotRefusal {
  Errc code = Errc::kMalformed;
  std::string detail;
};

template <typename T>
class [[nodiscard]] SnapshotResult {
 public:
  SnapshotResult(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  SnapshotResult(SnapshotRefusal refusal)               // NOLINT(google-explicit-constructor)
      : data_(std::move(refusal)) {}
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(data_); }
  [[nodiscard]] const SnapshotRefusal& error() const { return std::get<SnapshotRefusal>(data_); }
  [[nodiscard]] T& value() & { return std::get<T>(data_); }
  [[nodiscard]] const T& value() const& { return std::get<T>(data_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(data_)); }

 private:
  std::variant<T, SnapshotRefusal> data_;
};

struct RestoredKey {
  std::uint32_t database = 0;
  std::string key;
  KeyState state;
};

// Replaces `*out` with the record of one key.
void encode_key(std::uint32_t database, std::string_view key, const KeyState& state,
                wire::SnapshotKey* out);

// The applied vector of a header: at most max_regions entries, entry i zero or a stamp of
// region i (kBadRegion otherwise).
SnapshotResult<StampVector> decode_applied_vector(std::span<const std::uint64_t> raw,
                                                  const SnapshotLimits& limits = {});

// One record, under the snapshot's applied vector and database count. Does not count
// elements (decode_key_batch does, before parsing).
SnapshotResult<RestoredKey> decode_key(const wire::SnapshotKey& in, const StampVector& applied,
                                       std::uint32_t database_count,
                                       const SnapshotLimits& limits = {});

// A serialized SnapshotKeyBatch: kTooLarge above max_batch_bytes or max_records_per_batch
// elements (counted before parsing), kMalformed for bytes that do not parse, then every record
// as decode_key reads it, in order.
SnapshotResult<std::vector<RestoredKey>> decode_key_batch(std::span<const std::byte> bytes,
                                                          const StampVector& applied,
                                                          std::uint32_t database_count,
                                                          const SnapshotLimits& limits = {});

}  // namespace tern::crdt
