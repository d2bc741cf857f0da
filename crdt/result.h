#pragma once
// Expected failures travel as values. An Errc is added only when some caller acts on it;
// `errc_message` is the one table from Errc to Redis-style wire text.
#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace tern::crdt {

enum class Errc : std::uint8_t {
  kWrongType,
  kNotInteger,
  kNotFloat,
  kOverflow,
  kNanOrInfinity,
  kUnknownOp,
  kMissingField,
  kTooLarge,
  kBadRegion,
  kMalformed,
  kUnsupportedVersion,
};

constexpr std::string_view errc_message(Errc errc) {
  switch (errc) {
    case Errc::kWrongType: return "WRONGTYPE Operation against a key holding the wrong kind of value";
    case Errc::kNotInteger: return "ERR value is not an integer or out of range";
    case Errc::kNotFloat: return "ERR value is not a valid float";
    case Errc::kOverflow: return "ERR increment or decrement would overflow";
    case Errc::kNanOrInfinity: return "ERR increment would produce NaN or Infinity";
    case Errc::kUnknownOp: return "ERR operation record has an unknown kind";
    case Errc::kMissingField: return "ERR operation record is missing a required field";
    case Errc::kTooLarge: return "ERR operation record exceeds a size limit";
    case Errc::kBadRegion: return "ERR operation record names an impossible region";
    case Errc::kMalformed: return "ERR operation record is malformed";
    case Errc::kUnsupportedVersion: return "ERR operation batch has an unsupported schema version";
  }
  return "ERR unknown error";
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Errc errc) : data_(errc) {}            // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(data_); }
  [[nodiscard]] Errc error() const { return std::get<Errc>(data_); }
  [[nodiscard]] T& value() & { return std::get<T>(data_); }
  [[nodiscard]] const T& value() const& { return std::get<T>(data_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(data_)); }

 private:
  std::variant<T, Errc> data_;
};

}  // namespace tern::crdt
