#include "replication/snapshot_writer.h"

#include <lz4.h>

#include <algorithm>
#include <utility>

#include "crdt/digest.h"
#include "replication/proto/tern_snapshot.pb.h"
#include "replication/snapshot_reader.h"

namespace tern::replication {
namespace {

std::size_t varint_size(std::size_t value) {
  std::size_t bytes = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++bytes;
  }
  return bytes;
}

void put_varint(std::string& out, std::size_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// SnapshotKeyBatch.keys is field 1, length-delimited: tag byte 0x0A. Appending serialized
// records this way builds the batch without holding a Protobuf object per key.
constexpr char kBatchKeysTag = 0x0A;

}  // namespace

SnapshotWriter::SnapshotWriter(const crdt::Keyspace& keyspace, SnapshotOrigin origin,
                               SnapshotWriterOptions options)
    : keyspace_(keyspace), origin_(origin), options_(std::move(options)) {
  for (std::uint32_t db = 0; db < keyspace_.database_count(); ++db) {
    key_count_ += keyspace_.database(db).size();
  }
  wire::SnapshotHeader header;
  header.set_schema_version(crdt::kSnapshotSchemaVersion);
  header.set_snapshot_id(origin_.snapshot_id);
  header.set_origin_region(origin_.region.value);
  if (origin_.node) header.set_origin_node(*origin_.node);
  header.mutable_applied()->Add(keyspace_.applied().raw().begin(), keyspace_.applied().raw().end());
  header.set_database_count(keyspace_.database_count());
  header.set_key_count(key_count_);
  header.set_keyspace_digest(keyspace_.digest());
  header.set_compression(wire::CHUNK_COMPRESSION_LZ4_BLOCK);
  header_ = header.SerializeAsString();
}

void SnapshotWriter::fill_pending() {
  wire::SnapshotKey record;
  while (pending_.empty() && database_ < keyspace_.database_count()) {
    const auto& db = keyspace_.database(database_);
    cursor_ = db.scan(cursor_, options_.scan_step_keys,
                      [&](std::string_view key, const crdt::KeyState& state) {
                        crdt::encode_key(database_, key, state, &record);
                        pending_.push_back(record.SerializeAsString());
                      });
    if (cursor_ == 0) ++database_;  // this database is done
  }
}

WireResult<std::optional<std::string>> SnapshotWriter::next_chunk() {
  if (done_) return std::optional<std::string>{};
  const std::size_t max_batch =
      std::min<std::size_t>(options_.limits.max_batch_bytes, LZ4_MAX_INPUT_SIZE);
  std::string batch;
  std::uint64_t keys = 0;
  for (;;) {
    if (pending_.empty()) fill_pending();
    if (pending_.empty()) break;
    const std::string& record = pending_.front();
    const std::size_t framed = 1 + varint_size(record.size()) + record.size();
    if (keys > 0 && batch.size() + framed > options_.chunk_target_bytes) break;
    if (batch.size() + framed > max_batch) {
      return WireError{WireErrc::kTooLarge, "a key record of " + std::to_string(record.size()) +
                                                " bytes does not fit a snapshot chunk (limit " +
                                                std::to_string(max_batch) + " bytes)"};
    }
    batch.push_back(kBatchKeysTag);
    put_varint(batch, record.size());
    batch += record;
    pending_.pop_front();
    ++keys;
  }
  // Look ahead one scan step, so the chunk knows whether it is the last.
  if (pending_.empty()) fill_pending();
  const bool last = pending_.empty();

  std::string compressed(
      static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(batch.size()))), '\0');
  const int written =
      LZ4_compress_default(batch.data(), compressed.data(), static_cast<int>(batch.size()),
                           static_cast<int>(compressed.size()));
  if (written <= 0 && !batch.empty()) {
    return WireError{WireErrc::kTooLarge, "lz4 could not compress a snapshot chunk"};
  }
  compressed.resize(static_cast<std::size_t>(std::max(written, 0)));

  wire::SnapshotChunk chunk;
  chunk.set_snapshot_id(origin_.snapshot_id);
  chunk.set_index(next_index_);
  chunk.set_last(last);
  chunk.set_key_count(keys);
  chunk.set_batch_bytes(batch.size());
  chunk.set_batch_check(snapshot_batch_check(batch));
  chunk.set_compressed_batch(std::move(compressed));
  ++next_index_;
  done_ = last;
  return std::optional<std::string>(chunk.SerializeAsString());
}

}  // namespace tern::replication
