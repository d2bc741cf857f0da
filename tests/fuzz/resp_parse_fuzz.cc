// libFuzzer target for RequestParser, the first code to touch bytes from a client.
//
// Each input is a byte stream from a client. It is parsed under two sets of limits (Redis's
// defaults, and tiny ones so that the size errors and the unauthenticated limits are reached by
// short inputs) and three ways of cutting it into reads: whole, one byte at a time, and chunks
// of random sizes drawn from a hash of the input. Beyond "never crash" (ASan and UBSan watch,
// and the parser poisons the bytes outside the committed ones under ASan), it checks:
//   - fed whole, the parser agrees with reference_parse below, a plain non-incremental reading
//     of the same Redis rules that builds every argument as a new string;
//   - however the input is cut, the commands and the final status and error are the same,
//     except that a size error ("too big ...", query buffer limit) may come earlier when the
//     input arrives in pieces, exactly as in Redis; then the commands before it are a prefix;
//   - every command has at least one argument, views taken by several next() calls stay intact
//     until the next feed, and buffered_bytes() is the unparsed tail.
//
//   cmake -S . -B build/fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DTERN_FUZZ=ON \
//     -DCMAKE_BUILD_TYPE=Debug && cmake --build build/fuzz --target tern_fuzz_resp_parse
//   cp -r tests/fuzz/corpus/resp_parse /tmp/corpus && build/fuzz/tern_fuzz_resp_parse /tmp/corpus
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "node/resp/request_parser.h"

namespace tern::node::resp {
namespace {

using Command = std::vector<std::string>;

enum class End { kNeedMore, kError };

struct Outcome {
  std::vector<Command> commands;
  End end = End::kNeedMore;
  std::string error;
  bool size_error = false;   // an error whose timing depends on how the input was cut
  std::size_t unparsed = 0;  // bytes left when it ended needing more
};

void check(bool condition) {
  if (!condition) __builtin_trap();
}

bool is_size_error(std::string_view error) {
  return error == "ERR Protocol error: too big mbulk count string" ||
         error == "ERR Protocol error: too big bulk count string" ||
         error == "ERR Protocol error: too big inline request" ||
         error == "Closing client that reached max query buffer length";
}

// --- the reference: whole input, obvious code, new strings ------------------------------------

constexpr std::size_t kNotFound = static_cast<std::size_t>(-1);

// strchr over a NUL-terminated buffer: the first `c` at or after `from`, unless a NUL is first.
std::size_t c_string_find(std::string_view s, std::size_t from, char c) {
  for (std::size_t i = from; i < s.size(); ++i) {
    if (s[i] == c) return i;
    if (s[i] == '\0') return kNotFound;
  }
  return kNotFound;
}

// string2ll's grammar, checked textually, then the value by from_chars.
bool reference_number(std::string_view text, long long& value) {
  if (text.empty() || text.size() > 20) return false;
  if (text == "0") {
    value = 0;
    return true;
  }
  const std::string_view digits = text[0] == '-' ? text.substr(1) : text;
  if (digits.empty() || digits[0] == '0') return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

bool reference_split(std::string_view line, std::vector<std::string>& out) {
  const std::string text(line.substr(0, line.find('\0')));  // C string
  const auto at = [&](std::size_t i) { return i < text.size() ? text[i] : '\0'; };
  const auto blank = [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
  const auto hex = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  };
  const auto hex_value = [](char c) {
    return c <= '9' ? c - '0' : (c >= 'a' ? c - 'a' + 10 : c - 'A' + 10);
  };
  std::size_t i = 0;
  while (true) {
    while (blank(at(i))) ++i;
    if (at(i) == '\0') return true;
    std::string current;
    char quote = 0;
    while (true) {
      const char c = at(i);
      if (quote == '"') {
        if (c == '\\' && at(i + 1) == 'x' && hex(at(i + 2)) && hex(at(i + 3))) {
          current += static_cast<char>(hex_value(at(i + 2)) * 16 + hex_value(at(i + 3)));
          i += 4;
        } else if (c == '\\' && at(i + 1) != '\0') {
          const char e = at(i + 1);
          current += e == 'n'   ? '\n'
                     : e == 'r' ? '\r'
                     : e == 't' ? '\t'
                     : e == 'b' ? '\b'
                     : e == 'a' ? '\a'
                                : e;
          i += 2;
        } else if (c == '"') {
          if (at(i + 1) != '\0' && !blank(at(i + 1))) return false;
          ++i;
          break;
        } else if (c == '\0') {
          return false;
        } else {
          current += c;
          ++i;
        }
      } else if (quote == '\'') {
        if (c == '\\' && at(i + 1) == '\'') {
          current += '\'';
          i += 2;
        } else if (c == '\'') {
          if (at(i + 1) != '\0' && !blank(at(i + 1))) return false;
          ++i;
          break;
        } else if (c == '\0') {
          return false;
        } else {
          current += c;
          ++i;
        }
      } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
        if (c != '\0') ++i;
        break;
      } else if (c == '"' || c == '\'') {
        quote = c;
        ++i;
      } else {
        current += c;
        ++i;
      }
    }
    out.push_back(std::move(current));
  }
}

Outcome reference_parse(std::string_view in, const ParserLimits& limits, bool authenticated) {
  Outcome outcome;
  const auto fail = [&](const char* error) {
    outcome.end = End::kError;
    outcome.error = error;
    outcome.size_error = is_size_error(error);
    return outcome;
  };
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::string_view rest = in.substr(pos);
    Command command;
    std::size_t used = 0;
    if (rest[0] == '*') {
      const std::size_t cr = c_string_find(rest, 0, '\r');
      if (cr == kNotFound) {
        if (rest.size() > limits.max_inline_len) {
          return fail("ERR Protocol error: too big mbulk count string");
        }
        break;
      }
      if (cr + 1 >= rest.size()) break;
      long long count = 0;
      if (!reference_number(rest.substr(1, cr - 1), count) ||
          (count > 0 && static_cast<unsigned long long>(count) > limits.max_multibulk_len)) {
        return fail("ERR Protocol error: invalid multibulk length");
      }
      if (count > 10 && !authenticated) {
        return fail("ERR Protocol error: unauthenticated multibulk length");
      }
      used = cr + 2;
      bool complete = true;
      for (long long i = 0; i < count; ++i) {
        const std::size_t line_end = c_string_find(rest, used, '\r');
        if (line_end == kNotFound) {
          if (rest.size() - used > limits.max_inline_len) {
            return fail("ERR Protocol error: too big bulk count string");
          }
          complete = false;
          break;
        }
        if (line_end + 1 >= rest.size()) {
          complete = false;
          break;
        }
        if (rest[used] != '$') {
          const char got = rest[used] == '\r' || rest[used] == '\n' ? ' ' : rest[used];
          outcome.end = End::kError;
          outcome.error = std::string("ERR Protocol error: expected '$', got '") + got + "'";
          return outcome;
        }
        long long length = 0;
        if (!reference_number(rest.substr(used + 1, line_end - used - 1), length) || length < 0 ||
            static_cast<unsigned long long>(length) > limits.max_bulk_len) {
          return fail("ERR Protocol error: invalid bulk length");
        }
        if (length > 16384 && !authenticated) {
          return fail("ERR Protocol error: unauthenticated bulk length");
        }
        used = line_end + 2;
        if (rest.size() - used < static_cast<std::size_t>(length) + 2) {
          complete = false;
          break;
        }
        command.emplace_back(rest.substr(used, static_cast<std::size_t>(length)));
        used += static_cast<std::size_t>(length) + 2;
      }
      if (!complete) break;
    } else {
      const std::size_t newline = c_string_find(rest, 0, '\n');
      if (newline == kNotFound) {
        if (rest.size() > limits.max_inline_len) {
          return fail("ERR Protocol error: too big inline request");
        }
        break;
      }
      std::string_view line = rest.substr(0, newline);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!reference_split(line, command)) {
        return fail("ERR Protocol error: unbalanced quotes in request");
      }
      used = newline + 1;
    }
    if (!command.empty()) outcome.commands.push_back(std::move(command));
    pos += used;
  }
  if (in.size() - pos > limits.max_query_buffer) {
    return fail("Closing client that reached max query buffer length");
  }
  outcome.unparsed = in.size() - pos;
  return outcome;
}

// --- the parser under test ------------------------------------------------------------------

Outcome parse(const std::vector<std::string_view>& reads, const ParserLimits& limits,
              bool authenticated) {
  RequestParser parser(limits);
  parser.set_authenticated(authenticated);
  Outcome outcome;
  std::size_t fed = 0;
  std::vector<std::string_view> args;
  std::vector<std::vector<std::string_view>> held;  // views of every command since the feed
  std::vector<Command> copies;
  for (std::string_view read : reads) {
    parser.feed(read);
    fed += read.size();
    held.clear();
    copies.clear();
    RequestParser::Status status;
    while ((status = parser.next(args)) == RequestParser::Status::kCommand) {
      check(!args.empty());
      held.push_back(args);
      copies.emplace_back(args.begin(), args.end());
    }
    // Parsing later commands must not have disturbed the views of earlier ones.
    for (std::size_t i = 0; i < held.size(); ++i) {
      check(copies[i] == Command(held[i].begin(), held[i].end()));
    }
    outcome.commands.insert(outcome.commands.end(), copies.begin(), copies.end());
    check(parser.buffered_bytes() <= fed);
    check(parser.capacity_bytes() >= parser.buffered_bytes());
    if (status == RequestParser::Status::kError) {
      check(!parser.error().empty());
      check((parser.error_kind() == RequestParser::ErrorKind::kQueryBufferLimit) ==
            (parser.error() == "Closing client that reached max query buffer length"));
      outcome.end = End::kError;
      outcome.error = std::string(parser.error());
      outcome.size_error = is_size_error(outcome.error);
      check(parser.next(args) == RequestParser::Status::kError);  // errors are final
      return outcome;
    }
    check(parser.error_kind() == RequestParser::ErrorKind::kNone);
  }
  outcome.unparsed = parser.buffered_bytes();
  return outcome;
}

bool same(const Outcome& a, const Outcome& b) {
  return a.commands == b.commands && a.end == b.end && a.error == b.error &&
         (a.end == End::kError || a.unparsed == b.unparsed);
}

// A cut-up reading agrees with the whole one, or stopped at a size error after a prefix of it.
bool consistent(const Outcome& cut, const Outcome& whole) {
  if (same(cut, whole)) return true;
  if (cut.end != End::kError || !cut.size_error) return false;
  if (cut.commands.size() > whole.commands.size()) return false;
  for (std::size_t i = 0; i < cut.commands.size(); ++i) {
    if (cut.commands[i] != whole.commands[i]) return false;
  }
  return true;
}

std::uint64_t hash_of(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a
  for (char c : bytes) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  }
  return hash;
}

std::uint64_t next_random(std::uint64_t& state) {  // splitmix64
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void check_input(std::string_view input, const ParserLimits& limits, bool authenticated,
                 std::uint64_t seed) {
  const Outcome whole = parse({input}, limits, authenticated);
  check(same(whole, reference_parse(input, limits, authenticated)));

  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i) bytes.push_back(input.substr(i, 1));
  check(consistent(parse(bytes, limits, authenticated), whole));

  std::vector<std::string_view> chunks;
  std::uint64_t state = seed;
  for (std::size_t at = 0; at < input.size();) {
    const std::uint64_t r = next_random(state);
    const std::size_t size = 1 + ((r & 3) == 0 ? (r >> 8) % 512 : (r >> 8) % 16);
    chunks.push_back(input.substr(at, size));
    at += chunks.back().size();
  }
  check(consistent(parse(chunks, limits, authenticated), whole));
}

}  // namespace
}  // namespace tern::node::resp

// libFuzzer names its entry point.
extern "C" int LLVMFuzzerTestOneInput(  // NOLINT(readability-identifier-naming)
    const std::uint8_t* data, std::size_t size) {
  using namespace tern::node::resp;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::uint64_t seed = hash_of(input);

  check_input(input, ParserLimits{}, ((seed >> 62) & 1) != 0, seed);

  ParserLimits tiny;
  tiny.max_inline_len = 24;
  tiny.max_bulk_len = 40;
  tiny.max_multibulk_len = 12;
  tiny.max_query_buffer = 96;
  check_input(input, tiny, (seed >> 63) != 0, seed >> 1);
  return 0;
}
