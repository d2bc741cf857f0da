#include "replication/peer_frame.h"

#include <lz4.h>
#include <lz4hc.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#include "replication/proto/tern_peer.pb.h"

namespace tern::replication {
namespace {

constexpr std::size_t kMaxLength32 = std::numeric_limits<std::uint32_t>::max();
// LZ4's block functions take int sizes and refuse inputs above LZ4_MAX_INPUT_SIZE.
constexpr std::size_t kMaxLz4Bytes = LZ4_MAX_INPUT_SIZE;

void put_u32(std::string& out, std::size_t at, std::size_t value) {
  out[at] = static_cast<char>((value >> 24) & 0xFF);
  out[at + 1] = static_cast<char>((value >> 16) & 0xFF);
  out[at + 2] = static_cast<char>((value >> 8) & 0xFF);
  out[at + 3] = static_cast<char>(value & 0xFF);
}

std::size_t get_u32(const std::byte* at) {
  return (std::to_integer<std::size_t>(at[0]) << 24) | (std::to_integer<std::size_t>(at[1]) << 16) |
         (std::to_integer<std::size_t>(at[2]) << 8) | std::to_integer<std::size_t>(at[3]);
}

std::string header(std::uint8_t flags, std::size_t payload_length, std::size_t message_length) {
  std::string out(kFrameHeaderBytes, '\0');
  out[0] = static_cast<char>(kFrameMagic0);
  out[1] = static_cast<char>(kFrameMagic1);
  out[2] = static_cast<char>(kFrameFormatVersion);
  out[3] = static_cast<char>(flags);
  put_u32(out, 4, payload_length);
  put_u32(out, 8, message_length);
  return out;
}

std::string hex_byte(std::byte value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const auto bits = std::to_integer<unsigned>(value);
  return std::string("0x") + kDigits[bits >> 4] + kDigits[bits & 0xF];
}

}  // namespace

WireResult<std::string> encode_frame_bytes(std::string_view message_bytes,
                                           const FrameOptions& options) {
  const std::size_t size = message_bytes.size();
  if (size > options.max_message_bytes || size > kMaxLength32) {
    return WireError{
        WireErrc::kTooLarge,
        "a peer message of " + std::to_string(size) + " bytes is above the frame limit of " +
            std::to_string(std::min(options.max_message_bytes, kMaxLength32)) + " bytes"};
  }
  if (size >= options.compress_from_bytes && size > 0 && size <= kMaxLz4Bytes) {
    const int bound = LZ4_compressBound(static_cast<int>(size));
    std::string frame(kFrameHeaderBytes + static_cast<std::size_t>(bound), '\0');
    const int compressed =
        options.lz4_hc_level > 0
            ? LZ4_compress_HC(message_bytes.data(), frame.data() + kFrameHeaderBytes, static_cast<int>(size),
                              bound, std::min(options.lz4_hc_level, LZ4HC_CLEVEL_MAX))
            : LZ4_compress_fast(message_bytes.data(), frame.data() + kFrameHeaderBytes,
                                static_cast<int>(size), bound, std::max(1, options.lz4_acceleration));
    // Only worth it when it shrinks; 0 (failure) cannot happen with a compressBound buffer, but
    // the uncompressed frame below is a correct answer either way.
    if (compressed > 0 && static_cast<std::size_t>(compressed) < size) {
      frame.resize(kFrameHeaderBytes + static_cast<std::size_t>(compressed));
      const std::string head = header(kFrameFlagLz4, static_cast<std::size_t>(compressed), size);
      std::memcpy(frame.data(), head.data(), kFrameHeaderBytes);
      return frame;
    }
  }
  std::string frame = header(0, size, size);
  frame.append(message_bytes);
  return frame;
}

WireResult<std::string> encode_frame(const wire::PeerMessage& message,
                                     const FrameOptions& options) {
  const std::size_t size = message.ByteSizeLong();
  // Protobuf refuses to serialize 2 GiB or more; check first so the refusal has our words.
  if (size > options.max_message_bytes || size > static_cast<std::size_t>(INT32_MAX)) {
    return WireError{WireErrc::kTooLarge, "a peer message of " + std::to_string(size) +
                                              " bytes is above the frame limit of " +
                                              std::to_string(options.max_message_bytes) + " bytes"};
  }
  std::string bytes;
  if (!message.SerializeToString(&bytes)) {
    return WireError{WireErrc::kMalformed, "the peer message could not be serialized"};
  }
  return encode_frame_bytes(bytes, options);
}

// ---- decoding ------------------------------------------------------------------------------

PeerFrameDecoder::PeerFrameDecoder(FrameLimits limits) : limits_(limits) {
  // LZ4 sizes are ints: a larger limit could not be honoured anyway.
  limits_.max_payload_bytes = std::min(limits_.max_payload_bytes, kMaxLz4Bytes);
  limits_.max_message_bytes = std::min(limits_.max_message_bytes, kMaxLz4Bytes);
}

bool PeerFrameDecoder::failed() const {
  return status_ != Status::kPending && status_ != Status::kFrame;
}

PeerFrameDecoder::Step PeerFrameDecoder::fail(Status status, std::string text,
                                              std::size_t consumed) {
  status_ = status;
  error_ = std::move(text);
  header_filled_ = 0;
  payload_.clear();
  payload_.shrink_to_fit();
  message_.clear();
  message_.shrink_to_fit();
  return {status, consumed};
}

PeerFrameDecoder::Status PeerFrameDecoder::check_header() {
  if (header_[0] != std::byte{kFrameMagic0} || header_[1] != std::byte{kFrameMagic1}) {
    return Status::kBadMagic;
  }
  if (header_[2] != std::byte{kFrameFormatVersion}) return Status::kBadVersion;
  const auto flags = std::to_integer<std::uint8_t>(header_[3]);
  if ((flags & ~kFrameFlagLz4) != 0) return Status::kBadFlags;
  compressed_ = (flags & kFrameFlagLz4) != 0;
  payload_length_ = get_u32(&header_[4]);
  message_length_ = get_u32(&header_[8]);
  if (payload_length_ > limits_.max_payload_bytes || message_length_ > limits_.max_message_bytes) {
    return Status::kTooLarge;
  }
  if (!compressed_) {
    return payload_length_ == message_length_ ? Status::kPending : Status::kBadLength;
  }
  // A compressed payload is never empty and never longer than LZ4's worst case for the claimed
  // size; the claimed size is never more than LZ4 can expand the payload to.
  if (payload_length_ == 0 ||
      payload_length_ >
          static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(message_length_))) ||
      static_cast<std::uint64_t>(message_length_) >
          static_cast<std::uint64_t>(payload_length_) * kLz4MaxExpansion) {
    return Status::kBadLength;
  }
  return Status::kPending;
}

PeerFrameDecoder::Step PeerFrameDecoder::decode(std::span<const std::byte> input) {
  if (failed()) return {status_, 0};
  if (status_ == Status::kFrame) {
    // The previous frame's message is released; its buffer is kept for the next one.
    message_.clear();
    status_ = Status::kPending;
  }
  std::size_t used = 0;
  if (header_filled_ == 0 && !input.empty()) {
    // The first byte is checked alone, so a stranger is refused at once.
    header_[0] = input[0];
    header_filled_ = 1;
    used = 1;
    if (header_[0] != std::byte{kFrameMagic0}) {
      return fail(Status::kBadMagic,
                  "not a tern peer frame: first byte " + hex_byte(header_[0]) + ", expected 0xe7",
                  used);
    }
  }
  if (header_filled_ < kFrameHeaderBytes) {
    const std::size_t take = std::min(kFrameHeaderBytes - header_filled_, input.size() - used);
    if (take > 0) std::memcpy(header_.data() + header_filled_, input.data() + used, take);
    header_filled_ += take;
    used += take;
    if (header_filled_ < kFrameHeaderBytes) return {Status::kPending, used};
    switch (check_header()) {
      case Status::kPending:
        break;
      case Status::kBadMagic:
        return fail(Status::kBadMagic,
                    "not a tern peer frame: magic " + hex_byte(header_[0]) + " " +
                        hex_byte(header_[1]) + ", expected 0xe7 0x54",
                    used);
      case Status::kBadVersion:
        return fail(Status::kBadVersion,
                    "peer frame format version " +
                        std::to_string(std::to_integer<unsigned>(header_[2])) +
                        " is not supported (this build reads version " +
                        std::to_string(kFrameFormatVersion) + ")",
                    used);
      case Status::kBadFlags:
        return fail(Status::kBadFlags,
                    "peer frame has unknown flag bits " + hex_byte(header_[3]) +
                        " (this build knows 0x01, lz4)",
                    used);
      case Status::kTooLarge:
        return fail(Status::kTooLarge,
                    "peer frame too large: payload " + std::to_string(payload_length_) +
                        " bytes (limit " + std::to_string(limits_.max_payload_bytes) +
                        "), message " + std::to_string(message_length_) + " bytes (limit " +
                        std::to_string(limits_.max_message_bytes) + ")",
                    used);
      default:
        return fail(Status::kBadLength,
                    std::string("peer frame lengths are inconsistent: ") +
                        (compressed_ ? "lz4 payload " : "uncompressed payload ") +
                        std::to_string(payload_length_) + " bytes for a message of " +
                        std::to_string(message_length_) + " bytes",
                    used);
    }
  }

  const std::size_t missing = payload_length_ - payload_.size();
  const std::span<const std::byte> rest = input.subspan(used);
  if (payload_.empty() && rest.size() >= missing) {
    // The whole payload is in this input: read it in place, without copying it first.
    return {finish_frame(rest.first(missing)), used + missing};
  }
  const std::size_t take = std::min(missing, rest.size());
  if (take > 0) payload_.append(reinterpret_cast<const char*>(rest.data()), take);
  used += take;
  if (payload_.size() < payload_length_) return {Status::kPending, used};
  const std::string payload = std::move(payload_);
  payload_.clear();
  return {finish_frame(std::as_bytes(std::span<const char>(payload.data(), payload.size()))), used};
}

PeerFrameDecoder::Status PeerFrameDecoder::finish_frame(std::span<const std::byte> payload) {
  header_filled_ = 0;
  const auto* source = reinterpret_cast<const char*>(payload.data());
  if (!compressed_) {
    message_.clear();
    if (!payload.empty()) message_.assign(source, payload.size());
    status_ = Status::kFrame;
    return status_;
  }
  // Sized only now: the header passed the limit and ratio checks and the whole payload is here.
  message_.resize(message_length_);
  const int decoded = LZ4_decompress_safe(source, message_.data(), static_cast<int>(payload.size()),
                                          static_cast<int>(message_length_));
  if (decoded < 0 || static_cast<std::size_t>(decoded) != message_length_) {
    // A negative result covers both garbage and a block that would overrun the claimed size.
    const std::string prefix =
        "peer frame's lz4 payload of " + std::to_string(payload.size()) + " bytes ";
    const std::string claimed = std::to_string(message_length_);
    fail(Status::kBadCompression,
         decoded < 0
             ? prefix + "is not an LZ4 block that fits the " + claimed + " bytes the header says"
             : prefix + "decodes to " + std::to_string(decoded) + " bytes, the header says " +
                   claimed,
         0);
    return status_;
  }
  status_ = Status::kFrame;
  return status_;
}

bool PeerFrameDecoder::finish() {
  if (failed()) return false;
  if (header_filled_ == 0) return true;
  const std::string text = header_filled_ < kFrameHeaderBytes
                               ? "the peer stream ended " + std::to_string(header_filled_) +
                                     " bytes into a frame header of " +
                                     std::to_string(kFrameHeaderBytes)
                               : "the peer stream ended " + std::to_string(payload_.size()) +
                                     " bytes into a payload of " + std::to_string(payload_length_);
  fail(Status::kTruncated, text, 0);
  return false;
}

std::string_view frame_status_name(PeerFrameDecoder::Status status) {
  using Status = PeerFrameDecoder::Status;
  switch (status) {
    case Status::kPending:
      return "pending";
    case Status::kFrame:
      return "frame";
    case Status::kBadMagic:
      return "bad magic";
    case Status::kBadVersion:
      return "bad version";
    case Status::kBadFlags:
      return "bad flags";
    case Status::kBadLength:
      return "bad length";
    case Status::kTooLarge:
      return "too large";
    case Status::kBadCompression:
      return "bad compression";
    case Status::kTruncated:
      return "truncated";
  }
  return "unknown";
}

}  // namespace tern::replication
