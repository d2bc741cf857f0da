// libFuzzer target for snapshot reading: SnapshotReader (header, chunks, lz4, order and end
// checks) and crdt::decode_key_batch (the records, which the reader reaches only through a
// chunk whose check matches, something random bytes rarely make). Beyond "never crash" (ASan
// and UBSan watch), it checks that whatever is accepted is stable: the keyspace a stream
// restores, written again and read again, has the same digest; a key batch that decodes,
// re-encoded, decodes to the same states.
//
//   cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DTERN_FUZZ=ON \
//     -DCMAKE_BUILD_TYPE=Debug && cmake --build build/fuzz --target tern_fuzz_snapshot_decode
//   cp -r tests/fuzz/corpus/snapshot_decode /tmp/corpus && \
//     build/fuzz/tern_fuzz_snapshot_decode /tmp/corpus
//
// Input: the first byte picks the mode; the rest is messages, each a 4-byte big-endian length
// and that many bytes. Mode even: a stream (the first message is the header, the others
// chunks). Mode odd: each message is a serialized SnapshotKeyBatch. The seed corpus is written
// by the test case "snapshot seeds read back and can be written as a fuzz corpus"
// (TERN_WRITE_FUZZ_CORPUS=<dir> tern_replication_tests).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "crdt/snapshot_codec.h"
#include "replication/snapshot_reader.h"
#include "replication/snapshot_writer.h"

namespace tern::replication {
namespace {

// Small limits: a fuzz run should explore, not allocate gigabytes the defaults would allow.
crdt::SnapshotLimits fuzz_limits() {
  crdt::SnapshotLimits limits;
  limits.max_batch_bytes = std::size_t{1} << 20;
  limits.max_records_per_batch = 20'000;
  limits.max_keys = 100'000;
  limits.max_databases = 64;
  return limits;
}

std::vector<std::span<const std::byte>> split_messages(std::span<const std::byte> input) {
  std::vector<std::span<const std::byte>> out;
  while (input.size() >= 4) {
    const std::size_t length = (std::to_integer<std::size_t>(input[0]) << 24) |
                               (std::to_integer<std::size_t>(input[1]) << 16) |
                               (std::to_integer<std::size_t>(input[2]) << 8) |
                               std::to_integer<std::size_t>(input[3]);
    input = input.subspan(4);
    const std::size_t take = std::min(length, input.size());
    out.push_back(input.first(take));
    input = input.subspan(take);
  }
  return out;
}

std::span<const std::byte> as_bytes(const std::string& text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

void check_stream(const std::vector<std::span<const std::byte>>& messages) {
  if (messages.empty()) return;
  SnapshotReader reader(1, fuzz_limits());
  if (!reader.take_header(messages[0]).ok()) return;
  for (std::size_t i = 1; i < messages.size(); ++i) {
    if (!reader.take_chunk(messages[i]).ok()) return;
  }
  auto restored = reader.finish();
  if (!restored.ok()) return;
  // Accepted: written again and read again, it is the same state.
  SnapshotWriterOptions options;
  options.chunk_target_bytes = 64;
  options.limits = fuzz_limits();
  SnapshotWriter writer(restored.value(), SnapshotOrigin{crdt::RegionId{1}, std::nullopt, 9},
                        options);
  SnapshotReader again(2, fuzz_limits());
  if (!again.take_header(as_bytes(writer.header())).ok()) __builtin_trap();
  for (;;) {
    auto chunk = writer.next_chunk();
    if (!chunk.ok()) __builtin_trap();
    if (!chunk.value()) break;
    if (!again.take_chunk(as_bytes(*chunk.value())).ok()) __builtin_trap();
  }
  auto reread = again.finish();
  if (!reread.ok() || reread.value().digest() != restored.value().digest()) __builtin_trap();
}

void check_batches(const std::vector<std::span<const std::byte>>& messages) {
  // Everything any region could have applied: each region's greatest stamp.
  std::vector<std::uint64_t> everything(crdt::kMaxRegions);
  for (std::size_t r = 0; r < everything.size(); ++r) everything[r] = ~std::uint64_t{63} | r;
  const crdt::StampVector applied(everything);
  for (const auto& message : messages) {
    auto keys = crdt::decode_key_batch(message, applied, 16, fuzz_limits());
    if (!keys.ok()) continue;
    for (const auto& restored : keys.value()) {
      wire::SnapshotKeyBatch batch;
      crdt::encode_key(restored.database, restored.key, restored.state, batch.add_keys());
      const std::string bytes = batch.SerializeAsString();
      auto again = crdt::decode_key_batch(as_bytes(bytes), applied, 16, fuzz_limits());
      if (!again.ok() || again.value().size() != 1) __builtin_trap();
      crdt::Digest first;
      crdt::Digest second;
      restored.state.digest(first);
      again.value()[0].state.digest(second);
      if (first.value() != second.value() || again.value()[0].key != restored.key) __builtin_trap();
      if (again.value()[0].state.type() != again.value()[0].state.type_by_scan()) __builtin_trap();
    }
  }
}

}  // namespace
}  // namespace tern::replication

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto input = std::as_bytes(std::span<const std::uint8_t>(data, size));
  const auto messages = tern::replication::split_messages(input.subspan(1));
  if ((data[0] & 1) == 0) {
    tern::replication::check_stream(messages);
  } else {
    tern::replication::check_batches(messages);
  }
  return 0;
}
