#pragma once
// Expected failures of tls/ travel as values: a reason in words, ready for a log line, a CONFIG SET
// reply or tern-certs' stderr. tls/ has no error codes because no caller branches on the kind of
// failure: every one of them ends in "refuse, log, keep what we had".
#include <string>
#include <utility>
#include <variant>

namespace tern::tls {

struct Error {
  std::string message;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(data_); }
  // "" when ok, so that a log or test message may name it unconditionally.
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

// Success or a reason, for operations that produce nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error.message)), failed_(true) {}  // NOLINT
  [[nodiscard]] bool ok() const { return !failed_; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::string error_;
  bool failed_ = false;
};

}  // namespace tern::tls
