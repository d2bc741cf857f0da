#pragma once
// The frame of a peer link: how one PeerMessage (replication/proto/tern_peer.proto) is cut out of
// the byte stream of a TLS 1.3 connection, without touching the connection (sans-I/O, in the
// shape of node/resp/request_parser.h).
//
// Frame layout, all integers big-endian:
//
//   offset  size  field
//        0     2  magic, 0xE7 'T'. 0xE7 is neither ASCII (RESP, HTTP, an inline command) nor
//                 a TLS record type (0x14..0x17), so a port mix-up is refused at the first byte.
//        2     1  frame format version, 1. Bumped only when this layout changes; the messages
//                 inside evolve by the .proto's rule and the Hello's schema version instead.
//        3     1  flags. Bit 0: the payload is an LZ4 block. Other bits are 0; a reader refuses
//                 a bit it does not know, since a new flag changes how the payload is read.
//        4     4  payload length: the bytes after this 12-byte header
//        8     4  message length: the serialized PeerMessage's length. Without bit 0 it equals
//                 the payload length; with it, it is the size the LZ4 block decompresses to.
//       12     n  payload: the serialized PeerMessage, or an LZ4 block of it (the raw block
//                 format of LZ4_compress_default, not the lz4 frame format: no magic, no
//                 checksum, the sizes live in the header above)
//
// There is no checksum: TLS 1.3's AEAD already authenticates every byte, so a corrupt frame can
// only come from a bug or from an authenticated peer that is hostile, and the checks below bound
// what either can make this node do.
//
// Limits and allocation. The decoder checks the header as soon as its 12 bytes are in, before it
// buffers a byte of payload: lengths above the limits, a compressed payload longer than LZ4 could
// ever produce for the claimed size, and a claimed size more than 255 times the payload (LZ4
// cannot expand further) are refused there. The payload buffer grows only as bytes arrive, and
// the message buffer is sized to the claimed length only once the whole payload is in and the
// ratio check has passed, so a peer cannot make this node allocate much more than it sent.
//
// Errors are final: after a kBad... status every decode() returns it again with nothing
// consumed, and error() says what was wrong in words (log it, then close the link).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "replication/wire_error.h"

namespace tern::wire {
class PeerMessage;
}  // namespace tern::wire

namespace tern::replication {

inline constexpr std::uint8_t kFrameMagic0 = 0xE7;
inline constexpr std::uint8_t kFrameMagic1 = 'T';
inline constexpr std::uint8_t kFrameFormatVersion = 1;
inline constexpr std::uint8_t kFrameFlagLz4 = 0x01;
inline constexpr std::size_t kFrameHeaderBytes = 12;
// The most an LZ4 block expands: a match length grows by at most 255 per input byte.
inline constexpr std::uint64_t kLz4MaxExpansion = 255;
// Default limits. A frame holds one message: an AppendEntries of a few hundred entries, a
// snapshot chunk or an op batch the shipper closes well below this. 64 MiB keeps one hostile
// frame's cost bounded while leaving room for large values (a 512 MiB value travels as a
// snapshot chunked by the edge, or needs larger limits on both ends).
inline constexpr std::size_t kDefaultMaxFrameBytes = std::size_t{64} << 20;

struct FrameLimits {
  std::size_t max_payload_bytes = kDefaultMaxFrameBytes;  // bytes after the header
  std::size_t max_message_bytes = kDefaultMaxFrameBytes;  // the decompressed message
};

struct FrameOptions {
  // Messages shorter than this go uncompressed: heartbeats and votes are a few dozen bytes, and
  // LZ4 gains nothing on them. A message that LZ4 does not shrink also goes uncompressed.
  std::size_t compress_from_bytes = 256;
  int lz4_acceleration = 1;  // LZ4_compress_fast's acceleration; 1 is LZ4_compress_default
  // Above 0: LZ4's high-compression encoder at this level (1 to 12) instead, for links where
  // bytes cost more than CPU (between regions). Same block format: the decoder is the same.
  int lz4_hc_level = 0;
  // The encoder refuses a message its peer's decoder would refuse (with default limits).
  std::size_t max_message_bytes = kDefaultMaxFrameBytes;
};

// One frame holding `message_bytes` (a serialized PeerMessage). kTooLarge above
// options.max_message_bytes or what the 32-bit lengths can say.
WireResult<std::string> encode_frame_bytes(std::string_view message_bytes,
                                           const FrameOptions& options = {});
// Serializes `message` and frames it.
WireResult<std::string> encode_frame(const wire::PeerMessage& message,
                                     const FrameOptions& options = {});

class PeerFrameDecoder {
 public:
  enum class Status : std::uint8_t {
    kPending,         // every byte given was consumed; the frame is not complete yet
    kFrame,           // a frame is complete: message() holds its serialized PeerMessage
    kBadMagic,        // the stream is not tern's peer protocol
    kBadVersion,      // a frame format version this build does not read
    kBadFlags,        // a flag bit this build does not know
    kBadLength,       // lengths that contradict each other or what LZ4 can produce
    kTooLarge,        // lengths above the limits
    kBadCompression,  // the LZ4 block does not decode to exactly the message length
    kTruncated,       // finish() was called in the middle of a frame
  };
  struct Step {
    Status status = Status::kPending;
    std::size_t consumed = 0;  // bytes of the input used; the caller passes the rest next time
  };

  explicit PeerFrameDecoder(FrameLimits limits = {});

  // Takes bytes from the stream, split anywhere. Consumes up to the end of the first frame that
  // completes (kFrame) or all of `input` (kPending); call again with the rest. Returns the error
  // status, consuming nothing, once an error was found.
  Step decode(std::span<const std::byte> input);

  // After kFrame: the serialized PeerMessage, valid until the next decode() or finish().
  [[nodiscard]] std::string_view message() const { return message_; }

  // The stream ended. True when it ended between frames; otherwise the decoder enters kTruncated.
  bool finish();

  [[nodiscard]] Status status() const { return status_; }
  [[nodiscard]] bool failed() const;
  [[nodiscard]] std::string_view error() const { return error_; }
  // Bytes held for the frame in progress (header and payload), for memory accounting.
  [[nodiscard]] std::size_t buffered_bytes() const { return header_filled_ + payload_.size(); }

 private:
  Step fail(Status status, std::string text, std::size_t consumed);
  Status check_header();
  Status finish_frame(std::span<const std::byte> payload);

  FrameLimits limits_;
  Status status_ = Status::kPending;
  std::array<std::byte, kFrameHeaderBytes> header_{};
  std::size_t header_filled_ = 0;
  bool compressed_ = false;
  std::size_t payload_length_ = 0;
  std::size_t message_length_ = 0;
  std::string payload_;  // the payload so far, when it arrived in more than one piece
  std::string message_;
  std::string error_;
};

std::string_view frame_status_name(PeerFrameDecoder::Status status);

}  // namespace tern::replication
