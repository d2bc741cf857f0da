#pragma once
// RequestParser: the bytes a client sends, cut into commands, without touching a socket.
//
// It follows redis-server 7.0 (networking.c, processMultibulkBuffer and processInlineBuffer)
// byte for byte, quirks included, because clients and tests depend on them:
//   - A request starting with '*' is multibulk: "*<n>\r\n" then n times "$<len>\r\n<bytes>\r\n".
//     Numbers are Redis's string2ll (no '+', no leading zeros, "-0" invalid). *0 and *-n are
//     empty requests, skipped. The two bytes after a header's '\r' and after a bulk payload are
//     consumed without being checked ("*1\rX$4\r\nPINGxx" is PING), as Redis does.
//   - Anything else is an inline line up to '\n' (one '\r' before it is dropped), split by
//     split_inline_arguments (inline_split.h); a blank line is skipped.
//   - Redis looks for line ends with strchr on its NUL-terminated buffer, so a NUL byte before a
//     header's '\r' or an inline line's '\n' hides it: the request never completes and only the
//     size limits below end it. Bulk payloads are binary safe.
//   - A header or inline line without its terminator within max_inline_len bytes of buffered
//     input is an error ("too big ... count string", "too big inline request").
//   - Before AUTH (set_authenticated(false)) a count above 10 or a bulk above 16384 bytes is an
//     error (Redis 7.0's limits for unauthenticated clients).
//
// Ownership: the parser owns one contiguous buffer; the caller reads from the socket straight
// into prepare()'s region and commit()s the count. Every argument, inline or multibulk, is a
// view into that buffer (inline arguments are unescaped in place). Only prepare() and feed()
// (which calls it) move bytes, so views stay valid until then: a caller may take several
// commands with next() and run them all before reading again. next() never allocates per argument
// and does O(new bytes) work: line scans resume where they stopped, and bytes are moved only when
// prepare() needs room.
//
// Errors are final. The protocol errors carry Redis's exact reply text (send it, then close, as
// Redis does). ErrorKind::kQueryBufferLimit (an unfinished request holding more than
// max_query_buffer bytes) has no reply in Redis: it logs "Closing client that reached max query
// buffer length" and closes; error() then returns that log text.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/resp/inline_split.h"

namespace tern::node::resp {

struct ParserLimits {
  std::size_t max_bulk_len = 512ull * 1024 * 1024;       // proto-max-bulk-len
  std::size_t max_query_buffer = 1024ull * 1024 * 1024;  // client-query-buffer-limit
  // Redis's PROTO_INLINE_MAX_SIZE: an inline line, or a "*<n>"/"$<len>" header, whose end is not
  // found within this many buffered bytes is an error.
  std::size_t max_inline_len = std::size_t{64} * 1024;
  // Largest multibulk count. Redis 7.0 accepts up to INT_MAX (the 1024*1024 limit of Redis <= 6.0
  // is gone; unauthenticated clients are limited to 10 instead, see set_authenticated).
  std::size_t max_multibulk_len = 2147483647;
};

class RequestParser {
 public:
  enum class Status { kCommand, kNeedMore, kError };
  enum class ErrorKind { kNone, kProtocol, kQueryBufferLimit };

  explicit RequestParser(ParserLimits limits = {});

  // CONFIG SET at run time; applies from the next header or size check on.
  void set_limits(ParserLimits limits);
  [[nodiscard]] const ParserLimits& limits() const { return limits_; }

  // Whether the client may send requests of any size. Pass false while the connection still has
  // to AUTH (a password is required and it has not authenticated): counts above 10 and bulks
  // above 16384 bytes are then errors, as in Redis 7.0. Default true (no password configured).
  // Call it after running AUTH/HELLO and before the next next().
  void set_authenticated(bool authenticated) { authenticated_ = authenticated; }

  // Zero-copy reads: a writable region of at least `min_bytes` after the buffered bytes. The
  // caller reads into it and calls commit(n) with the count written. prepare() may move or
  // reallocate the buffer, which invalidates every argument view returned before.
  std::span<char> prepare(std::size_t min_bytes);
  void commit(std::size_t n);         // n <= the size of the span prepare() returned
  void feed(std::string_view bytes);  // prepare + copy + commit (tests, small inputs)

  // Parses the next complete request into `args` (cleared first). kCommand: `args` holds at
  // least one view, valid until the next prepare()/feed(). kNeedMore: everything buffered was
  // consumed or is an unfinished request. kError: see error() and error_kind(); every later call
  // returns kError again.
  Status next(std::vector<std::string_view>& args);

  [[nodiscard]] std::string_view error() const { return error_; }
  [[nodiscard]] ErrorKind error_kind() const { return error_kind_; }

  // Unparsed bytes held: the unfinished request plus anything after it (CLIENT LIST qbuf).
  [[nodiscard]] std::size_t buffered_bytes() const { return end_ - begin_; }
  // Those bytes themselves (the connection peeks at a new client's first bytes).
  [[nodiscard]] std::string_view buffered() const { return {request(), request_bytes()}; }
  // Bytes allocated for the buffer (used_memory accounting).
  [[nodiscard]] std::size_t capacity_bytes() const { return capacity_; }

 private:
  enum class Step { kComplete, kSkip, kNeedMore, kError };
  enum class LineEnd { kFound, kNeedMore };
  enum class Request { kUnknown, kMultibulkCount, kMultibulkArguments, kInline };

  Step parse_multibulk();
  Step parse_inline();
  LineEnd find_line_end(char terminator, std::size_t& at);
  Step fail(std::string text);
  Status need_more();
  void reset_request();
  void poison_consumed_bytes();
  void unpoison_consumed_bytes();
  void poison_free_tail();
  void unpoison_free_tail();

  [[nodiscard]] char* request() const { return buffer_.get() + begin_; }
  [[nodiscard]] std::size_t request_bytes() const { return end_ - begin_; }

  ParserLimits limits_;
  bool authenticated_ = true;

  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // first byte of the current (unfinished) request
  std::size_t end_ = 0;    // end of committed bytes

  // State of the current request; offsets are relative to begin_, so moving the buffer keeps
  // them valid.
  Request request_ = Request::kUnknown;
  std::size_t position_ = 0;         // bytes of the request parsed so far
  std::size_t scanned_to_ = 0;       // the current line's terminator is not before this
  bool line_hidden_by_nul_ = false;  // a NUL came first: the line never ends (see above)
  long long arguments_left_ = 0;
  long long bulk_length_ = -1;  // -1: the next "$<len>" header is still to be read
  std::vector<ArgumentSpan> arguments_;

  // Under AddressSanitizer: [0, poisoned_prefix_) and [end_, poisoned_tail_end_) are poisoned.
  [[maybe_unused]] std::size_t poisoned_prefix_ = 0;
  [[maybe_unused]] std::size_t poisoned_tail_end_ = 0;

  ErrorKind error_kind_ = ErrorKind::kNone;
  std::string error_;
};

}  // namespace tern::node::resp
