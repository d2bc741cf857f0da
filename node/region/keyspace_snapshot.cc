#include "node/region/keyspace_snapshot.h"

#include <cstddef>
#include <span>

#include "replication/snapshot_reader.h"
#include "replication/snapshot_writer.h"

namespace tern::node {
namespace {

void put_length(std::string& out, std::size_t length) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((length >> (8 * i)) & 0xffU));
}

std::span<const std::byte> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

}  // namespace

std::variant<std::string, std::string> encode_keyspace_snapshot(
    const crdt::Keyspace& keyspace, const KeyspaceSnapshotOrigin& origin) {
  replication::SnapshotWriter writer(
      keyspace,
      replication::SnapshotOrigin{crdt::RegionId{origin.region}, origin.node, origin.snapshot_id});
  std::string out;
  put_length(out, writer.header().size());
  out += writer.header();
  for (;;) {
    auto chunk = writer.next_chunk();
    if (!chunk.ok())
      return std::variant<std::string, std::string>(std::in_place_index<1>, chunk.error().detail);
    if (!chunk.value()) break;
    put_length(out, chunk.value()->size());
    out += *chunk.value();
  }
  return std::variant<std::string, std::string>(std::in_place_index<0>, std::move(out));
}

std::variant<crdt::Keyspace, std::string> decode_keyspace_snapshot(std::string_view bytes,
                                                                   std::uint64_t hash_seed) {
  replication::SnapshotReader reader(hash_seed);
  bool header = true;
  while (!bytes.empty()) {
    if (bytes.size() < 4) return "a record length is cut short";
    std::uint64_t length = 0;
    for (int i = 3; i >= 0; --i)
      length = (length << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    bytes.remove_prefix(4);
    if (length > bytes.size()) return "a record is longer than what is left";
    const std::string_view record = bytes.substr(0, static_cast<std::size_t>(length));
    bytes.remove_prefix(static_cast<std::size_t>(length));
    auto taken =
        header ? reader.take_header(as_bytes(record)) : reader.take_chunk(as_bytes(record));
    if (!taken.ok()) return taken.error().detail;
    header = false;
    if (taken.value().complete && !bytes.empty()) return "bytes after the last chunk";
  }
  auto finished = reader.finish();
  if (!finished.ok()) return finished.error().detail;
  return std::move(finished.value());
}

}  // namespace tern::node
