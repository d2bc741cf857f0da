#pragma once
// Expected failures of chaos/ travel as values: a reason in words, ready for stderr or a
// control reply. No caller branches on the kind of failure (bad input is always "refuse and
// say why"), so there is no error code, only the text.
#include <string>
#include <utility>
#include <variant>

namespace tern::chaos {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(data_); }
  // "" when ok, so a test or log line may name it unconditionally.
  [[nodiscard]] const std::string& error() const {
    static const std::string kNoError;
    const auto* failure = std::get_if<Error>(&data_);
    return failure != nullptr ? failure->message : kNoError;
  }
  [[nodiscard]] T& value() & { return std::get<T>(data_); }
  [[nodiscard]] const T& value() const& { return std::get<T>(data_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(data_)); }

 private:
  std::variant<T, Error> data_;
};

}  // namespace tern::chaos
