#pragma once
// Conversion between the election core's messages (replication/election/messages.h) and their
// wire form, tern.wire.PeerMessage / RaftMessage (replication/proto/tern_peer.proto), and the
// checked parse of a PeerMessage out of a frame's bytes.
//
// Decoding reads bytes another node sent, so it treats them as hostile: it refuses, with a
// WireError naming the field, anything the election core should never see, and never asserts.
// The core itself also treats every field as untrusted (messages.h); the checks here are the
// structural ones that hold for every message a correct sender writes, so a refusal means a bug
// or a hostile peer, and the link is closed:
//  - an unset oneof (a kind this build does not know) or an unknown EntryKind: kUnknownKind;
//  - an absent from/to/term, or an absent required sub-message: kMissingField;
//  - a term or index above max_term / max_index (2^63 - 1 by default, so that index + 1 and
//    prev.index + entry count never wrap in the core): kOutOfRange;
//  - more entries or members than the limits, or more repeated elements than
//    max_repeated_elements (counted straight off the bytes, before Protobuf builds an object for
//    any of them, as crdt::decode_batch does): kTooLarge;
//  - AppendEntries whose entries are not prev.index + 1, + 2, ... or whose terms decrease, start
//    below prev.term or exceed the message's term (a leader's log never holds a term above its
//    own, and terms never decrease along a log, §5.3); a rejection whose hint lies after the
//    rejected index; a snapshot chunk whose offset + size wraps; a membership naming a node
//    twice: kMalformed.
// Node ids are not checked against 0: types.h makes 0 a valid NodeId (absence is the unset field).
//
// Round trip: for every Message m that passes these checks, from_peer_message(to_peer_message(m))
// == m, field for field.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "replication/election/messages.h"
#include "replication/proto/tern_peer.pb.h"
#include "replication/wire_error.h"

namespace tern::replication {

// The highest Hello.schema_version this build speaks, and the one it sends.
inline constexpr std::uint32_t kPeerSchemaVersion = 1;
// Region ids fit the 6 region bits of an HLC stamp (crdt/stamp.h).
inline constexpr std::uint32_t kMaxRegionId = 63;

struct PeerCodecLimits {
  std::uint64_t max_term = std::numeric_limits<std::int64_t>::max();
  std::uint64_t max_index = std::numeric_limits<std::int64_t>::max();
  // Entries in one AppendEntries. The core sends at most max_entries_per_append (a few hundred);
  // this is a generous ceiling, not a tuning knob.
  std::size_t max_entries_per_append = 65536;
  // Voters plus learners of a snapshot's membership; a region is a handful of nodes.
  std::size_t max_members = 1024;
  // Arguments of one forwarded write (Redis allows more, but a forwarded write is one command).
  std::size_t max_forwarded_arguments = 1U << 20;
  // Every element of every repeated field of one message, counted before parsing: an empty
  // element costs two bytes on the wire and tens of bytes once built, so the frame's size alone
  // does not bound a message's memory.
  std::size_t max_repeated_elements = 1U << 20;
};

// The wire form of an election message.
wire::PeerMessage to_peer_message(const election::Message& message);
void encode_raft_message(const election::Message& message, wire::RaftMessage* out);

// The election message a PeerMessage holds; kUnknownKind when it holds another kind (or none).
WireResult<election::Message> from_peer_message(const wire::PeerMessage& in,
                                                const PeerCodecLimits& limits = {});
WireResult<election::Message> decode_raft_message(const wire::RaftMessage& in,
                                                  const PeerCodecLimits& limits = {});

// Parses a frame's message bytes (PeerFrameDecoder::message()). Refuses bytes that do not parse,
// more repeated elements than the limit, an unset body, and a Hello, ForwardedWrite,
// ForwardedReply, ShipBatch or ShipAck that breaks its rule in tern_peer.proto (check_* below).
// A RaftMessage is checked by from_peer_message, which the caller runs next.
WireResult<wire::PeerMessage> parse_peer_message(std::span<const std::byte> bytes,
                                                 const PeerCodecLimits& limits = {});

// The rules of the other kinds, which parse_peer_message also runs: Accepted, or why not.
//  - Hello: schema version 1 or above (a newer peer is fine: the link speaks the lower
//    version), a region id below 64, a node id present, a known purpose other than unspecified.
//  - ForwardedWrite: 1 to max_forwarded_arguments arguments, resp_protocol 0, 2 or 3.
//  - ShipBatch: a region id below 64, a last stamp of that region, a prev stamp of 0 or of
//    that region and before the last, at most 64 context entries, and a non-empty op batch (its
//    content is crdt::decode_batch's to check).
//  - ShipAck: at most 64 entries, each 0 or a stamp of the region it is indexed by.
struct Accepted {};
WireResult<Accepted> check_hello(const wire::Hello& hello);
WireResult<Accepted> check_forwarded_write(const wire::ForwardedWrite& write,
                                           const PeerCodecLimits& limits = {});
WireResult<Accepted> check_ship_batch(const wire::ShipBatch& batch,
                                      const PeerCodecLimits& limits = {});
WireResult<Accepted> check_ship_ack(const wire::ShipAck& ack, const PeerCodecLimits& limits = {});

}  // namespace tern::replication
