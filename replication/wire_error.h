#pragma once
// Refusals of the peer wire (peer_frame.h, peer_message_codec.h) as values. Every refusal ends
// the link: the peer is a tern node that sent something this build cannot trust, so the edge
// logs `detail` (which names the field and the values) and closes the connection; the peer
// reconnects and resumes from its acknowledged state. `code` is for counting refusals by kind.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tern::replication {

enum class WireErrc : std::uint8_t {
  kMalformed,           // not a valid frame or message, or fields that contradict each other
  kUnknownKind,         // an unset oneof or an unknown enum value: a newer writer (see .proto)
  kMissingField,        // a field every writer sets is absent
  kOutOfRange,          // a number beyond what this build accepts (a term, an index, a version)
  kTooLarge,            // beyond a size limit
  kUnsupportedVersion,  // a schema version this build does not speak
};

constexpr std::string_view wire_errc_name(WireErrc code) {
  switch (code) {
    case WireErrc::kMalformed:
      return "malformed";
    case WireErrc::kUnknownKind:
      return "unknown kind";
    case WireErrc::kMissingField:
      return "missing field";
    case WireErrc::kOutOfRange:
      return "out of range";
    case WireErrc::kTooLarge:
      return "too large";
    case WireErrc::kUnsupportedVersion:
      return "unsupported version";
  }
  return "unknown error";
}

struct WireError {
  WireErrc code = WireErrc::kMalformed;
  std::string detail;
};

template <typename T>
class [[nodiscard]] WireResult {
 public:
  WireResult(T value) : data_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  WireResult(WireError error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(data_); }
  [[nodiscard]] const WireError& error() const { return std::get<WireError>(data_); }
  [[nodiscard]] T& value() & { return std::get<T>(data_); }
  [[nodiscard]] const T& value() const& { return std::get<T>(data_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(data_)); }

 private:
  std::variant<T, WireError> data_;
};

}  // namespace tern::replication
