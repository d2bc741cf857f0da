// The peer frame (replication/peer_frame.h): a frame decodes the same however the stream cuts
// it, frames follow each other in one buffer, every malformed header or payload is refused with
// words saying why and before anything large is allocated, errors are final, and no corruption
// crashes the decoder.
#include "replication/peer_frame.h"

#include <doctest/doctest.h>
#include <lz4.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "replication/peer_message_codec.h"
#include "tests/replication/peer_wire_samples.h"

namespace tern::replication {
namespace {

using testing::as_bytes;
using Status = PeerFrameDecoder::Status;

std::string frame_of(std::string_view message_bytes, const FrameOptions& options = {}) {
  auto frame = encode_frame_bytes(message_bytes, options);
  REQUIRE(frame.ok());
  return frame.value();
}

std::string frame_of(const wire::PeerMessage& message) {
  auto frame = encode_frame(message);
  REQUIRE(frame.ok());
  return frame.value();
}

// A 12-byte header with the given fields.
std::string raw_header(std::uint8_t flags, std::uint32_t payload_length,
                       std::uint32_t message_length, std::uint8_t version = kFrameFormatVersion) {
  std::string out = {static_cast<char>(kFrameMagic0), static_cast<char>(kFrameMagic1),
                     static_cast<char>(version), static_cast<char>(flags)};
  for (const std::uint32_t value : {payload_length, message_length}) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((value >> shift) & 0xFF));
    }
  }
  return out;
}

// Feeds each piece in turn and collects every message; stops at the first error.
struct Decoded {
  std::vector<std::string> messages;
  Status status = Status::kPending;
};
Decoded decode_pieces(PeerFrameDecoder& decoder, const std::vector<std::string_view>& pieces) {
  Decoded out;
  for (const std::string_view piece : pieces) {
    std::span<const std::byte> rest = as_bytes(piece);
    for (;;) {
      const auto step = decoder.decode(rest);
      out.status = step.status;
      if (step.status == Status::kFrame) {
        out.messages.emplace_back(decoder.message());
        rest = rest.subspan(step.consumed);
        continue;
      }
      if (step.status != Status::kPending) return out;
      CHECK(step.consumed == rest.size());
      break;
    }
  }
  return out;
}

// A message that compresses well and is long enough to be compressed.
std::string compressible_message() {
  std::string out;
  for (int i = 0; i < 200; ++i) out += "SET key:" + std::to_string(i % 7) + " value\r\n";
  return out;
}

TEST_CASE("the encoder compresses a message only when it is long enough and lz4 shrinks it") {
  const std::string long_text = compressible_message();
  const std::string compressed = frame_of(long_text);
  CHECK(static_cast<std::uint8_t>(compressed[3]) == kFrameFlagLz4);
  CHECK(compressed.size() < long_text.size());

  const std::string short_text = "PING";
  CHECK(static_cast<std::uint8_t>(frame_of(short_text)[3]) == 0);

  // Random bytes do not shrink: sent as they are rather than expanded by lz4.
  std::mt19937_64 random(1);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(random());
  const std::string noise_frame = frame_of(noise);
  CHECK(static_cast<std::uint8_t>(noise_frame[3]) == 0);
  CHECK(noise_frame.size() == kFrameHeaderBytes + noise.size());
}

TEST_CASE("a high-compression frame is smaller on text and decodes with the same decoder") {
  std::string text;
  std::mt19937_64 random(3);
  for (int i = 0; i < 400; ++i) {
    text += "{\"user\":" + std::to_string(random() % 100000) + ",\"locale\":\"en-US\",\"cart\":[" +
            std::to_string(random() % 9999) + "]}";
  }
  FrameOptions high;
  high.lz4_hc_level = 6;
  const std::string fast_frame = frame_of(text);
  const std::string high_frame = frame_of(text, high);
  CHECK(static_cast<std::uint8_t>(high_frame[3]) == kFrameFlagLz4);
  CHECK(high_frame.size() < fast_frame.size());
  PeerFrameDecoder decoder;
  const Decoded decoded = decode_pieces(decoder, {high_frame});
  REQUIRE(decoded.messages.size() == 1);
  CHECK(decoded.messages[0] == text);
}

TEST_CASE("a peer frame decodes to the same message wherever the stream is cut") {
  const std::string long_text = compressible_message();
  for (const std::string& message : {long_text, std::string("PING"), std::string()}) {
    const std::string frame = frame_of(message);
    INFO("frame of " << frame.size() << " bytes, flags " << int{frame[3]});
    for (std::size_t cut = 0; cut <= frame.size(); ++cut) {
      PeerFrameDecoder decoder;
      const std::string_view wire = frame;
      const Decoded out = decode_pieces(decoder, {wire.substr(0, cut), wire.substr(cut)});
      REQUIRE(out.messages.size() == 1);
      CHECK(out.messages[0] == message);
      CHECK(decoder.finish());
    }
    // And one byte at a time.
    PeerFrameDecoder decoder;
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < frame.size(); ++i)
      bytes.push_back(std::string_view(frame).substr(i, 1));
    const Decoded out = decode_pieces(decoder, bytes);
    REQUIRE(out.messages.size() == 1);
    CHECK(out.messages[0] == message);
  }
}

TEST_CASE("peer frames back to back in one buffer decode in order, however the buffer is cut") {
  std::vector<std::string> messages;
  std::string stream;
  for (const auto& message : testing::sample_election_messages()) {
    messages.push_back(to_peer_message(message).SerializeAsString());
  }
  for (const auto& [name, message] : testing::sample_link_messages()) {
    messages.push_back(message.SerializeAsString());
  }
  messages.push_back(compressible_message());
  messages.emplace_back();
  for (const auto& message : messages) stream += frame_of(message);

  PeerFrameDecoder whole;
  const Decoded at_once = decode_pieces(whole, {stream});
  CHECK(at_once.messages == messages);

  const std::uint64_t seed = std::random_device{}();
  MESSAGE("seed " << seed);
  std::mt19937_64 random(seed);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::string_view> pieces;
    for (std::size_t at = 0; at < stream.size();) {
      const std::size_t size = std::uniform_int_distribution<std::size_t>(0, 300)(random);
      pieces.push_back(std::string_view(stream).substr(at, size));
      at += size;
    }
    PeerFrameDecoder decoder;
    const Decoded out = decode_pieces(decoder, pieces);
    REQUIRE(out.messages == messages);
    CHECK(decoder.finish());
  }
}

TEST_CASE("a stream that is not tern's peer protocol is refused at its first byte") {
  PeerFrameDecoder decoder;
  const std::string resp = "*1\r\n$4\r\nPING\r\n";
  const auto step = decoder.decode(as_bytes(resp));
  CHECK(step.status == Status::kBadMagic);
  CHECK(step.consumed == 1);
  CHECK(decoder.error() == "not a tern peer frame: first byte 0x2a, expected 0xe7");

  PeerFrameDecoder second_byte;
  std::string frame = frame_of("PING");
  frame[1] = 'X';
  CHECK(second_byte.decode(as_bytes(frame)).status == Status::kBadMagic);
  CHECK(second_byte.error() == "not a tern peer frame: magic 0xe7 0x58, expected 0xe7 0x54");
}

TEST_CASE("a frame of a format version this build does not read is refused") {
  PeerFrameDecoder decoder;
  const std::string frame = raw_header(0, 4, 4, 2) + "PING";
  CHECK(decoder.decode(as_bytes(frame)).status == Status::kBadVersion);
  CHECK(decoder.error() ==
        "peer frame format version 2 is not supported (this build reads version 1)");
}

TEST_CASE("a frame with a flag bit this build does not know is refused") {
  PeerFrameDecoder decoder;
  const std::string frame = raw_header(0x02, 4, 4) + "PING";
  CHECK(decoder.decode(as_bytes(frame)).status == Status::kBadFlags);
  CHECK(decoder.error() == "peer frame has unknown flag bits 0x02 (this build knows 0x01, lz4)");
}

TEST_CASE("a frame above the limits is refused as soon as its header arrives") {
  SUBCASE("an absurd decompressed size") {
    PeerFrameDecoder decoder;
    const std::string header = raw_header(kFrameFlagLz4, 1000, 0xFFFFFFFF);
    const auto step = decoder.decode(as_bytes(header));
    CHECK(step.status == Status::kTooLarge);
    CHECK(step.consumed == kFrameHeaderBytes);
    CHECK(decoder.buffered_bytes() == 0);
    CHECK(decoder.error() ==
          "peer frame too large: payload 1000 bytes (limit 67108864), message 4294967295 bytes "
          "(limit 67108864)");
  }
  SUBCASE("a payload above a configured limit") {
    PeerFrameDecoder decoder(FrameLimits{.max_payload_bytes = 100, .max_message_bytes = 1000});
    const std::string header = raw_header(0, 101, 101);
    CHECK(decoder.decode(as_bytes(header)).status == Status::kTooLarge);
  }
  SUBCASE("a frame exactly at the limit is accepted") {
    PeerFrameDecoder decoder(FrameLimits{.max_payload_bytes = 100, .max_message_bytes = 100});
    const std::string frame = raw_header(0, 100, 100) + std::string(100, 'x');
    CHECK(decoder.decode(as_bytes(frame)).status == Status::kFrame);
  }
}

TEST_CASE(
    "a compressed frame claiming more than lz4 can expand its payload to is refused at "
    "the header") {
  PeerFrameDecoder decoder;
  // 100 bytes of lz4 decode to at most 25,500; within the 64 MiB limit, so only the ratio
  // rule can refuse it before the payload is buffered.
  const std::string header = raw_header(kFrameFlagLz4, 100, 100 * 255 + 1);
  const auto step = decoder.decode(as_bytes(header));
  CHECK(step.status == Status::kBadLength);
  CHECK(decoder.error() ==
        "peer frame lengths are inconsistent: lz4 payload 100 bytes for a message of 25501 bytes");
  // At the ratio itself the header passes and the decoder waits for the payload.
  PeerFrameDecoder at_ratio;
  CHECK(at_ratio.decode(as_bytes(raw_header(kFrameFlagLz4, 100, 100 * 255))).status ==
        Status::kPending);
}

TEST_CASE("a compressed payload longer than lz4's worst case for its size is refused") {
  PeerFrameDecoder decoder;
  const int bound = LZ4_compressBound(10);
  const std::string header = raw_header(kFrameFlagLz4, static_cast<std::uint32_t>(bound) + 1, 10);
  CHECK(decoder.decode(as_bytes(header)).status == Status::kBadLength);
}

TEST_CASE("an uncompressed frame whose payload and message lengths differ is refused") {
  PeerFrameDecoder decoder;
  const std::string frame = raw_header(0, 4, 5) + "PING";
  CHECK(decoder.decode(as_bytes(frame)).status == Status::kBadLength);
  CHECK(decoder.error() ==
        "peer frame lengths are inconsistent: uncompressed payload 4 bytes for a message of 5 "
        "bytes");
}

TEST_CASE("a corrupted lz4 payload is refused, never decoded into something else") {
  const std::string message = compressible_message();
  const std::string frame = frame_of(message);
  REQUIRE(static_cast<std::uint8_t>(frame[3]) == kFrameFlagLz4);
  const std::string_view payload = std::string_view(frame).substr(kFrameHeaderBytes);

  SUBCASE("an offset pointing before the start of the output") {
    // A first sequence of no literals whose match reaches back 0xFFFF bytes into nothing.
    std::string corrupt = frame.substr(0, kFrameHeaderBytes);
    corrupt += std::string("\x00\xFF\xFF", 3);
    corrupt += std::string(payload.size() - 3, '\0');
    PeerFrameDecoder decoder;
    CHECK(decoder.decode(as_bytes(corrupt)).status == Status::kBadCompression);
    CHECK(decoder.error() == "peer frame's lz4 payload of " + std::to_string(payload.size()) +
                                 " bytes is not an LZ4 block that fits the " +
                                 std::to_string(message.size()) + " bytes the header says");
  }
  SUBCASE("a header that claims one byte more than the block holds") {
    const std::string lying = raw_header(kFrameFlagLz4, static_cast<std::uint32_t>(payload.size()),
                                         static_cast<std::uint32_t>(message.size() + 1)) +
                              std::string(payload);
    PeerFrameDecoder decoder;
    CHECK(decoder.decode(as_bytes(lying)).status == Status::kBadCompression);
    CHECK(decoder.error() == "peer frame's lz4 payload of " + std::to_string(payload.size()) +
                                 " bytes decodes to " + std::to_string(message.size()) +
                                 " bytes, the header says " + std::to_string(message.size() + 1));
  }
  SUBCASE("a header that claims one byte less than the block holds") {
    const std::string lying = raw_header(kFrameFlagLz4, static_cast<std::uint32_t>(payload.size()),
                                         static_cast<std::uint32_t>(message.size() - 1)) +
                              std::string(payload);
    PeerFrameDecoder decoder;
    CHECK(decoder.decode(as_bytes(lying)).status == Status::kBadCompression);
  }
}

TEST_CASE("a stream that ends inside a frame is refused as truncated") {
  const std::string frame = frame_of(compressible_message());
  for (std::size_t cut = 1; cut < frame.size(); ++cut) {
    PeerFrameDecoder decoder;
    const Decoded out = decode_pieces(decoder, {std::string_view(frame).substr(0, cut)});
    REQUIRE(out.messages.empty());
    CHECK_FALSE(decoder.finish());
    CHECK(decoder.status() == Status::kTruncated);
    CHECK(decoder.error().find("the peer stream ended ") == 0);
  }
  PeerFrameDecoder header_cut;
  (void)header_cut.decode(as_bytes(std::string_view(frame).substr(0, 5)));
  CHECK_FALSE(header_cut.finish());
  CHECK(header_cut.error() == "the peer stream ended 5 bytes into a frame header of 12");
}

TEST_CASE("after an error the decoder refuses everything, even a valid frame") {
  PeerFrameDecoder decoder;
  CHECK(decoder.decode(as_bytes("GET / HTTP/1.1\r\n")).status == Status::kBadMagic);
  const std::string good = frame_of("PING");
  const auto step = decoder.decode(as_bytes(good));
  CHECK(step.status == Status::kBadMagic);
  CHECK(step.consumed == 0);
  CHECK_FALSE(decoder.finish());
  CHECK(decoder.status() == Status::kBadMagic);
}

TEST_CASE("the encoder refuses a message above its limit instead of writing a frame peers refuse") {
  FrameOptions options;
  options.max_message_bytes = 100;
  const auto frame = encode_frame_bytes(std::string(101, 'x'), options);
  REQUIRE_FALSE(frame.ok());
  CHECK(frame.error().code == WireErrc::kTooLarge);
  CHECK(encode_frame_bytes(std::string(100, 'x'), options).ok());
}

// Byte flips anywhere in a stream of frames: the decoder and then the message codec must
// return a status or an error, never crash (ASan/UBSan builds make "crash" strict).
TEST_CASE("random byte flips in a stream of frames never crash the decoder or the codec") {
  std::string stream;
  for (const auto& message : testing::sample_election_messages()) {
    stream += frame_of(to_peer_message(message));
  }
  for (const auto& [name, message] : testing::sample_link_messages()) stream += frame_of(message);

  const std::uint64_t seed = std::random_device{}();
  MESSAGE("seed " << seed);
  std::mt19937_64 random(seed);
  std::size_t frames = 0;
  std::size_t errors = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string corrupt = stream;
    const int flips = std::uniform_int_distribution<int>(1, 4)(random);
    for (int flip = 0; flip < flips; ++flip) {
      const auto at = std::uniform_int_distribution<std::size_t>(0, corrupt.size() - 1)(random);
      corrupt[at] =
          static_cast<char>(corrupt[at] ^ std::uniform_int_distribution<int>(1, 255)(random));
    }
    PeerFrameDecoder decoder(
        FrameLimits{.max_payload_bytes = 1 << 20, .max_message_bytes = 1 << 20});
    const Decoded out = decode_pieces(decoder, {corrupt});
    frames += out.messages.size();
    if (decoder.failed()) ++errors;
    for (const std::string& bytes : out.messages) {
      const auto parsed = parse_peer_message(as_bytes(bytes));
      if (parsed.ok() && parsed.value().has_raft()) (void)from_peer_message(parsed.value());
    }
  }
  MESSAGE(frames << " frames decoded, " << errors << " of 3000 streams refused");
  CHECK(errors > 0);
}

}  // namespace
}  // namespace tern::replication
