#pragma once
// Counting the elements of repeated fields straight off Protobuf bytes, before parsing.
//
// Protobuf builds one object per element of a repeated message field, several times the two
// bytes an empty element takes on the wire, so a decoder that parses first can be made to
// allocate far more than it was sent. Every tern decoder of untrusted bytes (op batches,
// snapshot key batches, peer messages) first walks the bytes with this function and refuses
// what holds too many elements, before building anything.
//
// The walk follows the schema (`type`) into nested messages and skips every other field;
// whether the bytes are a valid message is for the parser to say, so the walk refuses only
// what it cannot step over.
#include <cstddef>

namespace google::protobuf {
class Descriptor;
class FieldDescriptor;
namespace io {
class CodedInputStream;
}
}  // namespace google::protobuf

namespace tern::crdt {

// Told of each element of a repeated field as the walk meets it. A packed run of numbers is
// reported once with `elements` = its byte length (an upper bound: every element takes at least
// one byte); anything else one element at a time. Returning false stops the walk (a limit was
// passed; the visitor remembers which).
class RepeatedElementVisitor {
 public:
  virtual bool on_elements(const google::protobuf::FieldDescriptor& field,
                           std::size_t elements) = 0;

 protected:
  ~RepeatedElementVisitor() = default;
};

enum class ElementWalk {
  kComplete,   // the bytes were walked to the end
  kMalformed,  // bytes the walk cannot step over, or nesting deeper than any tern schema
  kStopped,    // the visitor returned false
};

// Walks the message of `type` that fills `in` up to its current limit (callers push a limit
// of the whole buffer first, so every nested length is checked against what is left).
ElementWalk walk_repeated_elements(google::protobuf::io::CodedInputStream& in,
                                   const google::protobuf::Descriptor& type,
                                   RepeatedElementVisitor& visitor);

}  // namespace tern::crdt
