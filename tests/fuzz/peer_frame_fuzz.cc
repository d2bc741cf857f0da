// libFuzzer target for the peer link's decoding path: PeerFrameDecoder cuts frames out of the
// input, parse_peer_message checks each frame's message and from_peer_message converts a raft
// message for the election core; this is the first code to touch bytes from another node.
// Beyond "never crash" (ASan and UBSan watch for that), it checks two properties:
//  - the decoder gives the same frames when the input arrives in two pieces, cut where the
//    first input byte says, as when it arrives at once;
//  - whatever election message decodes, once re-encoded, decodes again to the same message.
//
//   cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DTERN_FUZZ=ON \
//     -DCMAKE_BUILD_TYPE=Debug && cmake --build build/fuzz --target tern_fuzz_peer_frame
//   cp -r tests/fuzz/corpus/peer_frame /tmp/corpus && build/fuzz/tern_fuzz_peer_frame /tmp/corpus
//
// The seed corpus is written by the test case "peer frame seeds of every kind decode and can be
// written as a fuzz corpus" (TERN_WRITE_FUZZ_CORPUS=<dir>).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "replication/peer_frame.h"
#include "replication/peer_message_codec.h"

namespace tern::replication {
namespace {

// Small limits keep each run fast; the rules do not change with the numbers.
constexpr FrameLimits kLimits{.max_payload_bytes = 1 << 20, .max_message_bytes = 1 << 20};

struct Frames {
  std::vector<std::string> messages;
  PeerFrameDecoder::Status status = PeerFrameDecoder::Status::kPending;
};

Frames decode_all(std::span<const std::span<const std::byte>> pieces) {
  Frames out;
  PeerFrameDecoder decoder(kLimits);
  for (std::span<const std::byte> rest : pieces) {
    for (;;) {
      const auto step = decoder.decode(rest);
      out.status = step.status;
      if (step.consumed > rest.size()) __builtin_trap();
      rest = rest.subspan(step.consumed);
      if (step.status == PeerFrameDecoder::Status::kFrame) {
        out.messages.emplace_back(decoder.message());
        continue;
      }
      if (step.status == PeerFrameDecoder::Status::kPending && !rest.empty()) __builtin_trap();
      break;
    }
    if (decoder.failed()) break;
  }
  return out;
}

void check_message(const std::string& bytes) {
  const auto as_bytes = [](const std::string& text) {
    return std::as_bytes(std::span<const char>(text.data(), text.size()));
  };
  const auto parsed = parse_peer_message(as_bytes(bytes));
  if (!parsed.ok() || !parsed.value().has_raft()) return;
  const auto first = from_peer_message(parsed.value());
  if (!first.ok()) return;
  const std::string again = to_peer_message(first.value()).SerializeAsString();
  const auto reparsed = parse_peer_message(as_bytes(again));
  if (!reparsed.ok()) __builtin_trap();
  const auto second = from_peer_message(reparsed.value());
  if (!second.ok() || !(second.value() == first.value())) __builtin_trap();
}

}  // namespace
}  // namespace tern::replication

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tern::replication;  // NOLINT(google-build-using-namespace)
  const auto input = std::as_bytes(std::span<const std::uint8_t>(data, size));
  const std::span<const std::byte> whole[] = {input};
  const Frames at_once = decode_all(whole);
  if (size > 0) {
    const std::size_t cut = std::to_integer<std::size_t>(input[0]) * size / 256;
    const std::span<const std::byte> pieces[] = {input.first(cut), input.subspan(cut)};
    const Frames split = decode_all(pieces);
    if (split.messages != at_once.messages || split.status != at_once.status) __builtin_trap();
  }
  for (const std::string& message : at_once.messages) check_message(message);
  return 0;
}
