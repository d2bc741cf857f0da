#include "node/resp/request_parser.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <utility>

// Under AddressSanitizer the bytes the parser may not read (consumed ones after prepare(), and
// the free tail after commit()) are poisoned, so a view or scan that strays outside the
// committed bytes is reported even though it stays inside the allocation.
#if defined(__SANITIZE_ADDRESS__)
#define TERN_RESP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TERN_RESP_ASAN 1
#endif
#endif
#if defined(TERN_RESP_ASAN)
#include <sanitizer/asan_interface.h>
#endif

namespace tern::node::resp {
namespace {

constexpr std::size_t kInitialCapacity = std::size_t{16} * 1024;
// An empty buffer larger than this is given back at the next prepare(), so one big request does
// not pin its memory for the life of the connection.
constexpr std::size_t kKeepCapacity = 4 * kInitialCapacity;
// Sanitized builds poison this many free bytes after the committed ones (see poison_free_tail).
[[maybe_unused]] constexpr std::size_t kPoisonedTailBytes = std::size_t{64} * 1024;
// Redis 7.0 before AUTH: larger counts and bulks are refused (CVE-2021-32675).
constexpr long long kUnauthenticatedMaxCount = 10;
constexpr long long kUnauthenticatedMaxBulk = 16384;

// Redis's string2ll: an optional '-', then "0" alone or digits without a leading zero, at most
// 20 characters, within long long. Anything else (empty, '+', spaces, "-0", overflow) is invalid.
bool parse_length(const char* text, std::size_t size, long long& value) {
  if (size == 0 || size >= 21) return false;
  if (size == 1 && text[0] == '0') {
    value = 0;
    return true;
  }
  std::size_t i = 0;
  const bool negative = text[0] == '-';
  if (negative) ++i;
  if (i == size || text[i] < '1' || text[i] > '9') return false;
  unsigned long long magnitude = 0;
  for (; i < size; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    const auto digit = static_cast<unsigned long long>(text[i] - '0');
    if (magnitude > (ULLONG_MAX - digit) / 10) return false;
    magnitude = magnitude * 10 + digit;
  }
  if (negative) {
    if (magnitude > static_cast<unsigned long long>(LLONG_MAX) + 1) return false;
    value = magnitude == static_cast<unsigned long long>(LLONG_MAX) + 1
                ? LLONG_MIN
                : -static_cast<long long>(magnitude);
  } else {
    if (magnitude > static_cast<unsigned long long>(LLONG_MAX)) return false;
    value = static_cast<long long>(magnitude);
  }
  return true;
}

bool exceeds(long long value, std::size_t limit) {
  return value > 0 && static_cast<unsigned long long>(value) > limit;
}

}  // namespace

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {}

void RequestParser::set_limits(ParserLimits limits) { limits_ = limits; }

std::span<char> RequestParser::prepare(std::size_t min_bytes) {
  unpoison_free_tail();
  if (begin_ == end_) {
    unpoison_consumed_bytes();
    begin_ = 0;
    end_ = 0;
    if (capacity_ > kKeepCapacity && min_bytes <= kInitialCapacity) {
      buffer_.reset();
      capacity_ = 0;
    }
  }
  if (capacity_ - end_ < min_bytes) {
    unpoison_consumed_bytes();
    const std::size_t held = end_ - begin_;
    // Move the held bytes down only when the consumed bytes before them pay for the move, so
    // every byte is moved at most once after being consumed; otherwise grow geometrically.
    if (begin_ >= held && capacity_ - held >= min_bytes) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, held);
    } else {
      const std::size_t capacity = std::max({capacity_ * 2, held + min_bytes, kInitialCapacity});
      auto grown = std::make_unique_for_overwrite<char[]>(capacity);
      if (held > 0) std::memcpy(grown.get(), buffer_.get() + begin_, held);
      buffer_ = std::move(grown);
      capacity_ = capacity;
    }
    begin_ = 0;
    end_ = held;
  }
  poison_consumed_bytes();
  return {buffer_.get() + end_, capacity_ - end_};
}

void RequestParser::commit(std::size_t n) {
  end_ += std::min(n, capacity_ - end_);
  poison_free_tail();
}

void RequestParser::feed(std::string_view bytes) {
  if (bytes.empty()) return;
  const std::span<char> room = prepare(bytes.size());
  std::memcpy(room.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

RequestParser::Status RequestParser::next(std::vector<std::string_view>& args) {
  args.clear();
  if (error_kind_ != ErrorKind::kNone) return Status::kError;
  while (true) {
    if (request_ == Request::kUnknown) {
      if (begin_ == end_) return Status::kNeedMore;
      request_ = request()[0] == '*' ? Request::kMultibulkCount : Request::kInline;
    }
    const Step step = request_ == Request::kInline ? parse_inline() : parse_multibulk();
    switch (step) {
      case Step::kComplete: {
        const char* data = request();
        for (const ArgumentSpan& argument : arguments_) {
          args.emplace_back(data + argument.offset, argument.length);
        }
        begin_ += position_;
        reset_request();
        return Status::kCommand;
      }
      case Step::kSkip:
        begin_ += position_;
        reset_request();
        continue;
      case Step::kNeedMore:
        return need_more();
      case Step::kError:
        return Status::kError;
    }
  }
}

RequestParser::Step RequestParser::parse_multibulk() {
  const char* data = request();
  if (request_ == Request::kMultibulkCount) {
    std::size_t line_end = 0;
    if (find_line_end('\r', line_end) == LineEnd::kNeedMore) {
      if (request_bytes() - position_ > limits_.max_inline_len) {
        return fail("ERR Protocol error: too big mbulk count string");
      }
      return Step::kNeedMore;
    }
    if (line_end + 2 > request_bytes()) return Step::kNeedMore;  // the byte after '\r'
    long long count = 0;
    if (!parse_length(data + position_ + 1, line_end - position_ - 1, count) ||
        exceeds(count, limits_.max_multibulk_len)) {
      return fail("ERR Protocol error: invalid multibulk length");
    }
    if (count > kUnauthenticatedMaxCount && !authenticated_) {
      return fail("ERR Protocol error: unauthenticated multibulk length");
    }
    position_ = line_end + 2;
    if (count <= 0) return Step::kSkip;
    arguments_left_ = count;
    arguments_.clear();
    arguments_.reserve(static_cast<std::size_t>(std::min(count, 1024LL)));
    request_ = Request::kMultibulkArguments;
  }

  while (arguments_left_ > 0) {
    if (bulk_length_ < 0) {
      std::size_t line_end = 0;
      if (find_line_end('\r', line_end) == LineEnd::kNeedMore) {
        if (request_bytes() - position_ > limits_.max_inline_len) {
          return fail("ERR Protocol error: too big bulk count string");
        }
        return Step::kNeedMore;
      }
      if (line_end + 2 > request_bytes()) return Step::kNeedMore;
      if (data[position_] != '$') {
        // Redis formats the byte with %c and turns CR and LF into spaces.
        const char got = data[position_] == '\r' || data[position_] == '\n' ? ' ' : data[position_];
        return fail(std::string("ERR Protocol error: expected '$', got '") + got + "'");
      }
      long long length = 0;
      if (!parse_length(data + position_ + 1, line_end - position_ - 1, length) || length < 0 ||
          exceeds(length, limits_.max_bulk_len)) {
        return fail("ERR Protocol error: invalid bulk length");
      }
      if (length > kUnauthenticatedMaxBulk && !authenticated_) {
        return fail("ERR Protocol error: unauthenticated bulk length");
      }
      position_ = line_end + 2;
      bulk_length_ = length;
    }
    const auto length = static_cast<std::size_t>(bulk_length_);
    // The payload and the two bytes after it, which Redis skips without looking at them.
    if (request_bytes() - position_ < length + 2) return Step::kNeedMore;
    arguments_.push_back(ArgumentSpan{position_, length});
    position_ += length + 2;
    bulk_length_ = -1;
    --arguments_left_;
  }
  return Step::kComplete;
}

RequestParser::Step RequestParser::parse_inline() {
  std::size_t newline = 0;
  if (find_line_end('\n', newline) == LineEnd::kNeedMore) {
    if (request_bytes() - position_ > limits_.max_inline_len) {
      return fail("ERR Protocol error: too big inline request");
    }
    return Step::kNeedMore;
  }
  char* data = request();
  std::size_t line_end = newline;
  if (line_end > 0 && data[line_end - 1] == '\r') --line_end;
  arguments_.clear();
  if (!split_inline_arguments(std::span<char>(data, line_end), arguments_)) {
    return fail("ERR Protocol error: unbalanced quotes in request");
  }
  position_ = newline + 1;
  return arguments_.empty() ? Step::kSkip : Step::kComplete;
}

// Finds the current line's terminator at or after position_, resuming where the last call
// stopped. Like Redis's strchr, a NUL byte before the terminator hides it for good.
RequestParser::LineEnd RequestParser::find_line_end(char terminator, std::size_t& at) {
  if (line_hidden_by_nul_) return LineEnd::kNeedMore;
  const char* data = request();
  const std::size_t size = request_bytes();
  std::size_t i = std::max(scanned_to_, position_);
  for (; i < size; ++i) {
    if (data[i] == terminator) break;
    if (data[i] == '\0') {
      line_hidden_by_nul_ = true;
      break;
    }
  }
  scanned_to_ = i;
  if (line_hidden_by_nul_ || i == size) return LineEnd::kNeedMore;
  at = i;
  return LineEnd::kFound;
}

RequestParser::Step RequestParser::fail(std::string text) {
  error_kind_ = ErrorKind::kProtocol;
  error_ = std::move(text);
  return Step::kError;
}

RequestParser::Status RequestParser::need_more() {
  if (buffered_bytes() > limits_.max_query_buffer) {
    error_kind_ = ErrorKind::kQueryBufferLimit;
    error_ = "Closing client that reached max query buffer length";
    return Status::kError;
  }
  return Status::kNeedMore;
}

void RequestParser::reset_request() {
  request_ = Request::kUnknown;
  position_ = 0;
  scanned_to_ = 0;
  line_hidden_by_nul_ = false;
  arguments_left_ = 0;
  bulk_length_ = -1;
  arguments_.clear();
}

// AddressSanitizer bookkeeping; each call costs at most the bytes consumed or read since the
// last one, so a sanitized build stays linear. Consumed bytes stay readable until prepare(),
// since views of them are valid until then.
void RequestParser::poison_consumed_bytes() {
#if defined(TERN_RESP_ASAN)
  if (begin_ > poisoned_prefix_) {
    ASAN_POISON_MEMORY_REGION(buffer_.get() + poisoned_prefix_, begin_ - poisoned_prefix_);
  }
  poisoned_prefix_ = begin_;
#endif
}

void RequestParser::unpoison_consumed_bytes() {
#if defined(TERN_RESP_ASAN)
  if (poisoned_prefix_ > 0) ASAN_UNPOISON_MEMORY_REGION(buffer_.get(), poisoned_prefix_);
  poisoned_prefix_ = 0;
#endif
}

// Only a window after the committed bytes is poisoned: enough to catch a scan or view that
// overruns, without touching the shadow of a huge free tail on every read.
void RequestParser::poison_free_tail() {
#if defined(TERN_RESP_ASAN)
  poisoned_tail_end_ = std::min(capacity_, end_ + kPoisonedTailBytes);
  if (poisoned_tail_end_ > end_) {
    ASAN_POISON_MEMORY_REGION(buffer_.get() + end_, poisoned_tail_end_ - end_);
  }
#endif
}

void RequestParser::unpoison_free_tail() {
#if defined(TERN_RESP_ASAN)
  if (poisoned_tail_end_ > end_) {
    ASAN_UNPOISON_MEMORY_REGION(buffer_.get() + end_, poisoned_tail_end_ - end_);
  }
  poisoned_tail_end_ = 0;
#endif
}

}  // namespace tern::node::resp
