#include "crdt/protobuf_element_walk.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>

#include <cstdint>

namespace tern::crdt {
namespace {

namespace pb = google::protobuf;

// Deeper than any path in tern's schemas (the deepest, PeerMessage > RaftMessage >
// InstallSnapshot > SnapshotMeta > Membership, is five); none has a recursive message.
constexpr int kMaxNesting = 8;

bool is_packable(const pb::FieldDescriptor& field) {
  return field.type() != pb::FieldDescriptor::TYPE_MESSAGE &&
         field.type() != pb::FieldDescriptor::TYPE_BYTES &&
         field.type() != pb::FieldDescriptor::TYPE_STRING &&
         field.type() != pb::FieldDescriptor::TYPE_GROUP;
}

ElementWalk walk(pb::io::CodedInputStream& in, const pb::Descriptor& type, int depth,
                 RepeatedElementVisitor& visitor) {
  if (depth > kMaxNesting) return ElementWalk::kMalformed;
  for (;;) {
    const std::uint32_t tag = in.ReadTag();
    if (tag == 0) return in.ConsumedEntireMessage() ? ElementWalk::kComplete : ElementWalk::kMalformed;
    const int number = static_cast<int>(tag >> 3);
    if (number == 0) return ElementWalk::kMalformed;
    const pb::FieldDescriptor* field = type.FindFieldByNumber(number);
    const pb::FieldDescriptor* repeated = field != nullptr && field->is_repeated() ? field : nullptr;
    std::size_t elements = 1;
    switch (tag & 7) {
      case 0: {  // varint
        std::uint64_t ignored = 0;
        if (!in.ReadVarint64(&ignored)) return ElementWalk::kMalformed;
        break;
      }
      case 1: {  // fixed64
        std::uint64_t ignored = 0;
        if (!in.ReadLittleEndian64(&ignored)) return ElementWalk::kMalformed;
        break;
      }
      case 5: {  // fixed32
        std::uint32_t ignored = 0;
        if (!in.ReadLittleEndian32(&ignored)) return ElementWalk::kMalformed;
        break;
      }
      case 2: {  // length-delimited: a message, bytes, or a packed run of numbers
        std::uint32_t length = 0;
        if (!in.ReadVarint32(&length)) return ElementWalk::kMalformed;
        if (length > static_cast<std::uint32_t>(in.BytesUntilLimit())) return ElementWalk::kMalformed;
        if (field != nullptr && field->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
          // Counted before its insides, so a limit stops the walk before it descends.
          if (repeated != nullptr && !visitor.on_elements(*repeated, 1)) return ElementWalk::kStopped;
          const auto outer = in.PushLimit(static_cast<int>(length));
          const ElementWalk inner = walk(in, *field->message_type(), depth + 1, visitor);
          if (inner != ElementWalk::kComplete) return inner;
          in.PopLimit(outer);
          continue;
        }
        if (repeated != nullptr && is_packable(*repeated)) elements = length;
        if (!in.Skip(static_cast<int>(length))) return ElementWalk::kMalformed;
        break;
      }
      default:  // groups and the undefined wire types 6 and 7; no tern writer emits them
        return ElementWalk::kMalformed;
    }
    if (repeated != nullptr && !visitor.on_elements(*repeated, elements)) return ElementWalk::kStopped;
  }
}

}  // namespace

ElementWalk walk_repeated_elements(pb::io::CodedInputStream& in, const pb::Descriptor& type,
                                   RepeatedElementVisitor& visitor) {
  return walk(in, type, 0, visitor);
}

}  // namespace tern::crdt
