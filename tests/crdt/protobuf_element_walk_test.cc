// The element walk (crdt/protobuf_element_walk.h) that every decoder of untrusted bytes runs
// before parsing: it reports each element of each repeated field, packed runs by their length,
// descends into nested messages, stops when the visitor says so, and refuses bytes it cannot
// step over without reading past them.
#include "crdt/protobuf_element_walk.h"

#include <doctest/doctest.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>

#include <cstdint>
#include <map>
#include <string>

#include "replication/proto/tern_peer.pb.h"

namespace tern::crdt {
namespace {

namespace pb = google::protobuf;

// Sums what the walk reports per field name; stops once `limit` elements were reported.
struct Tally final : RepeatedElementVisitor {
  std::map<std::string, std::size_t> by_field;
  std::size_t total = 0;
  std::size_t limit = SIZE_MAX;
  bool on_elements(const pb::FieldDescriptor& field, std::size_t elements) override {
    by_field[field.name()] += elements;
    total += elements;
    return total <= limit;
  }
};

ElementWalk walk_bytes(const std::string& bytes, const pb::Descriptor& type, Tally& tally) {
  pb::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                              static_cast<int>(bytes.size()));
  in.PushLimit(static_cast<int>(bytes.size()));
  return walk_repeated_elements(in, type, tally);
}

wire::AppendEntries append_of(int entries) {
  wire::AppendEntries append;
  append.mutable_prev()->set_index(7);
  for (int i = 0; i < entries; ++i) append.add_entries()->set_payload("x");
  return append;
}

TEST_CASE("element walk: counts each repeated message and each repeated bytes element") {
  wire::ForwardedWrite write;
  for (const char* argument : {"SET", "k", "v"}) write.add_arguments(argument);
  Tally tally;
  CHECK(walk_bytes(write.SerializeAsString(), *wire::ForwardedWrite::descriptor(), tally) ==
        ElementWalk::kComplete);
  CHECK(tally.by_field["arguments"] == 3);

  Tally entries;
  CHECK(walk_bytes(append_of(5).SerializeAsString(), *wire::AppendEntries::descriptor(), entries) ==
        ElementWalk::kComplete);
  CHECK(entries.by_field["entries"] == 5);
  CHECK(entries.total == 5);  // the non-repeated prev is not counted
}

TEST_CASE("element walk: a packed run counts its byte length and nested messages are walked") {
  wire::SnapshotMeta meta;
  for (std::uint64_t voter : {1U, 2U, 300U}) meta.mutable_membership()->add_voters(voter);
  Tally tally;
  CHECK(walk_bytes(meta.SerializeAsString(), *wire::SnapshotMeta::descriptor(), tally) ==
        ElementWalk::kComplete);
  CHECK(tally.by_field["voters"] == 4);  // 1, 2 take a byte each, 300 takes two
}

TEST_CASE("element walk: stops when the visitor refuses before descending further") {
  Tally tally;
  tally.limit = 3;
  CHECK(walk_bytes(append_of(10).SerializeAsString(), *wire::AppendEntries::descriptor(), tally) ==
        ElementWalk::kStopped);
  CHECK(tally.total == 4);  // the fourth element passed the limit and nothing after it was seen
}

TEST_CASE("element walk: a length past the end and an undefined wire type are malformed") {
  const std::string bytes = append_of(2).SerializeAsString();
  for (std::size_t cut = 1; cut < bytes.size(); ++cut) {  // every cut ends cleanly
    Tally tally;
    const ElementWalk walked = walk_bytes(bytes.substr(0, cut), *wire::AppendEntries::descriptor(), tally);
    CHECK((walked == ElementWalk::kComplete || walked == ElementWalk::kMalformed));
    CHECK(tally.total <= 2);
  }
  Tally cut_inside;
  // Field 2 (entries), length 9, with only one byte after it.
  CHECK(walk_bytes(std::string("\x12\x09\x22", 3), *wire::AppendEntries::descriptor(), cut_inside) ==
        ElementWalk::kMalformed);
  Tally wire_type_seven;
  CHECK(walk_bytes(std::string("\x0f", 1), *wire::AppendEntries::descriptor(), wire_type_seven) ==
        ElementWalk::kMalformed);
}

TEST_CASE("element walk: fields the schema does not know are skipped and not counted") {
  // Field 9 (unknown to AppendEntries) holding bytes that would read as two entries, then one
  // real entry (field 2).
  const std::string unknown = std::string("\x4a\x04\x12\x00\x12\x00", 6);
  const std::string entry = std::string("\x12\x00", 2);
  Tally tally;
  CHECK(walk_bytes(unknown + entry, *wire::AppendEntries::descriptor(), tally) == ElementWalk::kComplete);
  CHECK(tally.total == 1);
}

}  // namespace
}  // namespace tern::crdt
