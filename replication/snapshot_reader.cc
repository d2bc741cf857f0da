#include "replication/snapshot_reader.h"

#include <lz4.h>

#include <climits>
#include <string>
#include <utility>

#include "crdt/digest.h"
#include "replication/proto/tern_snapshot.pb.h"

namespace tern::replication {
namespace {

// The most an LZ4 block expands: a match length grows by at most 255 per input byte.
constexpr std::uint64_t kLz4MaxExpansion = 255;

WireErrc wire_code(crdt::Errc code) {
  switch (code) {
    case crdt::Errc::kTooLarge:
      return WireErrc::kTooLarge;
    case crdt::Errc::kMissingField:
      return WireErrc::kMissingField;
    case crdt::Errc::kBadRegion:
      return WireErrc::kOutOfRange;
    case crdt::Errc::kUnsupportedVersion:
      return WireErrc::kUnsupportedVersion;
    default:
      return WireErrc::kMalformed;
  }
}

}  // namespace

std::uint64_t snapshot_batch_check(std::string_view batch) {
  crdt::Digest check;
  check.add_bytes(batch);
  return check.value();
}

SnapshotReader::SnapshotReader(std::uint64_t hash_seed, crdt::SnapshotLimits limits)
    : hash_seed_(hash_seed), limits_(limits) {}

WireError SnapshotReader::fail(WireErrc code, std::string detail) {
  error_ = WireError{code, "snapshot refused: " + std::move(detail)};
  keyspace_.reset();  // a partial keyspace must not be used
  return *error_;
}

WireResult<SnapshotProgress> SnapshotReader::take_header(std::span<const std::byte> bytes) {
  if (error_) return *error_;
  if (info_) return fail(WireErrc::kMalformed, "a second header");
  if (bytes.size() > kMaxSnapshotHeaderBytes) {
    return fail(WireErrc::kTooLarge, "a header of " + std::to_string(bytes.size()) +
                                         " bytes (the limit is " +
                                         std::to_string(kMaxSnapshotHeaderBytes) + ")");
  }
  wire::SnapshotHeader header;
  if (!header.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(WireErrc::kMalformed, "the header does not parse");
  }
  if (header.schema_version() == 0 || header.schema_version() > crdt::kSnapshotSchemaVersion) {
    return fail(WireErrc::kUnsupportedVersion,
                "schema version " + std::to_string(header.schema_version()) +
                    " (this build reads 1 to " + std::to_string(crdt::kSnapshotSchemaVersion) +
                    ")");
  }
  if (header.compression() != wire::CHUNK_COMPRESSION_LZ4_BLOCK) {
    return fail(
        WireErrc::kUnknownKind,
        "chunk compression " + std::to_string(header.compression()) + " is not lz4 block (1)");
  }
  if (header.origin_region() >= crdt::kMaxRegions) {
    return fail(WireErrc::kOutOfRange, "origin region " + std::to_string(header.origin_region()));
  }
  if (header.database_count() == 0 || header.database_count() > limits_.max_databases) {
    return fail(WireErrc::kOutOfRange, "a database count of " +
                                           std::to_string(header.database_count()) + " (1 to " +
                                           std::to_string(limits_.max_databases) + " accepted)");
  }
  if (header.key_count() > limits_.max_keys) {
    return fail(WireErrc::kTooLarge, "a key count of " + std::to_string(header.key_count()) +
                                         " (the limit is " + std::to_string(limits_.max_keys) +
                                         ")");
  }
  auto applied = crdt::decode_applied_vector(
      std::span<const std::uint64_t>(header.applied().data(),
                                     static_cast<std::size_t>(header.applied_size())),
      limits_);
  if (!applied.ok()) return fail(wire_code(applied.error().code), applied.error().detail);

  SnapshotInfo info;
  info.snapshot_id = header.snapshot_id();
  info.origin_region = crdt::RegionId{static_cast<std::uint8_t>(header.origin_region())};
  if (header.has_origin_node()) info.origin_node = header.origin_node();
  info.applied = std::move(applied).value();
  info.database_count = header.database_count();
  info.key_count = header.key_count();
  info.keyspace_digest = header.keyspace_digest();
  keyspace_.emplace(info.database_count, hash_seed_);
  keyspace_->restore_applied(info.applied);
  info_ = std::move(info);
  return progress_;
}

WireResult<SnapshotProgress> SnapshotReader::take_chunk(std::span<const std::byte> bytes) {
  if (error_) return *error_;
  if (!info_) return fail(WireErrc::kMalformed, "a chunk before the header");
  const std::uint64_t expected = progress_.chunks;
  if (progress_.complete) {
    return fail(WireErrc::kMalformed,
                "a chunk after the last one (" + std::to_string(expected) + " chunks were taken)");
  }
  // The largest chunk a writer within our limits makes: the compressed batch and a few fields.
  const std::size_t max_chunk_bytes =
      static_cast<std::size_t>(LZ4_compressBound(
          static_cast<int>(std::min<std::size_t>(limits_.max_batch_bytes, LZ4_MAX_INPUT_SIZE)))) +
      64;
  if (bytes.size() > max_chunk_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail(WireErrc::kTooLarge, "chunk " + std::to_string(expected) + " has " +
                                         std::to_string(bytes.size()) + " bytes");
  }
  wire::SnapshotChunk chunk;
  if (!chunk.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return fail(WireErrc::kMalformed, "chunk " + std::to_string(expected) + " does not parse");
  }
  if (chunk.snapshot_id() != info_->snapshot_id) {
    return fail(WireErrc::kMalformed, "a chunk of snapshot " + std::to_string(chunk.snapshot_id()) +
                                          " in snapshot " + std::to_string(info_->snapshot_id));
  }
  if (chunk.index() != expected) {
    return fail(
        WireErrc::kMalformed,
        (chunk.index() < expected ? "chunk " + std::to_string(chunk.index()) + " again"
                                  : "chunk " + std::to_string(chunk.index()) + " out of order") +
            " (expected chunk " + std::to_string(expected) + ")");
  }
  const std::string prefix = "chunk " + std::to_string(expected) + ": ";
  const std::uint64_t keys_left = info_->key_count - progress_.keys;
  if (chunk.key_count() > keys_left) {
    return fail(WireErrc::kMalformed, prefix + std::to_string(chunk.key_count()) +
                                          " keys where the header leaves " +
                                          std::to_string(keys_left));
  }
  // Only an empty keyspace makes an empty chunk, and then it is the only one.
  if (chunk.key_count() == 0 && !(chunk.last() && expected == 0 && info_->key_count == 0)) {
    return fail(WireErrc::kMalformed, prefix + "no keys");
  }
  // Sizes, before any buffer is sized by them.
  const std::size_t compressed_size = chunk.compressed_batch().size();
  const std::uint64_t batch_bytes = chunk.batch_bytes();
  if (batch_bytes > limits_.max_batch_bytes || batch_bytes > LZ4_MAX_INPUT_SIZE) {
    return fail(WireErrc::kTooLarge, prefix + "a batch of " + std::to_string(batch_bytes) +
                                         " bytes (the limit is " +
                                         std::to_string(limits_.max_batch_bytes) + ")");
  }
  if (batch_bytes > kLz4MaxExpansion * compressed_size ||
      compressed_size >
          static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(batch_bytes)))) {
    return fail(WireErrc::kMalformed, prefix + std::to_string(compressed_size) +
                                          " compressed bytes cannot hold a batch of " +
                                          std::to_string(batch_bytes));
  }
  std::string batch(static_cast<std::size_t>(batch_bytes), '\0');
  if (batch_bytes > 0) {
    const int decoded =
        LZ4_decompress_safe(chunk.compressed_batch().data(), batch.data(),
                            static_cast<int>(compressed_size), static_cast<int>(batch_bytes));
    if (decoded != static_cast<int>(batch_bytes)) {
      return fail(WireErrc::kMalformed, prefix + "the lz4 block does not decode to the " +
                                            std::to_string(batch_bytes) + " bytes announced");
    }
  }
  if (snapshot_batch_check(batch) != chunk.batch_check()) {
    return fail(WireErrc::kMalformed, prefix + "the batch does not match its check (corrupt)");
  }
  auto records =
      crdt::decode_key_batch(std::as_bytes(std::span<const char>(batch.data(), batch.size())),
                             info_->applied, info_->database_count, limits_);
  if (!records.ok()) return fail(wire_code(records.error().code), prefix + records.error().detail);
  if (records.value().size() != chunk.key_count()) {
    return fail(WireErrc::kMalformed, prefix + std::to_string(records.value().size()) +
                                          " key records where the chunk says " +
                                          std::to_string(chunk.key_count()));
  }
  for (auto& record : records.value()) {
    const std::string key = record.key;
    if (!keyspace_->insert_restored(record.database, record.key, std::move(record.state))) {
      return fail(WireErrc::kMalformed, prefix + "key \"" + key.substr(0, 64) + "\" of database " +
                                            std::to_string(record.database) + " appears twice");
    }
  }
  progress_.keys += chunk.key_count();
  ++progress_.chunks;
  progress_.complete = chunk.last();
  return progress_;
}

WireResult<crdt::Keyspace> SnapshotReader::finish() {
  if (error_) return *error_;
  if (finished_) return fail(WireErrc::kMalformed, "finish() a second time");
  if (!info_) return fail(WireErrc::kMalformed, "truncated before the header");
  if (!progress_.complete) {
    return fail(WireErrc::kMalformed, "truncated: the last chunk did not arrive (" +
                                          std::to_string(progress_.chunks) + " chunks taken)");
  }
  if (progress_.keys != info_->key_count) {
    return fail(WireErrc::kMalformed, std::to_string(progress_.keys) +
                                          " keys where the header says " +
                                          std::to_string(info_->key_count));
  }
  const std::uint64_t digest = keyspace_->digest();
  if (digest != info_->keyspace_digest) {
    return fail(WireErrc::kMalformed, "the restored keyspace's digest " + std::to_string(digest) +
                                          " differs from the header's " +
                                          std::to_string(info_->keyspace_digest));
  }
  finished_ = true;
  crdt::Keyspace out = std::move(*keyspace_);
  keyspace_.reset();
  return out;
}

}  // namespace tern::replication
