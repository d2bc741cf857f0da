#include "node/resp/reply_writer.h"

#include <charconv>
#include <cstring>

namespace tern::node::resp {
namespace {

// Long enough for a prefix, a 64-bit number with its sign, and CRLF.
constexpr std::size_t kHeaderSize = 1 + 20 + 2;
// %.17g of any double: sign, 17 digits, point, "e-308".
constexpr std::size_t kDoubleSize = 32;

bool is_line_break(char c) { return c == '\r' || c == '\n'; }

std::string_view format_double(double d, char (&buffer)[kDoubleSize]) {
  // The precision overload of to_chars is specified as printf("%.*g") in the C locale,
  // including "inf", "-inf", "nan" and "-nan".
  const auto result =
      std::to_chars(buffer, buffer + kDoubleSize, d, std::chars_format::general, 17);
  return {buffer, static_cast<std::size_t>(result.ptr - buffer)};
}

}  // namespace

void ReplyWriter::header(char prefix, long long n) {
  char buffer[kHeaderSize];
  buffer[0] = prefix;
  char* end = std::to_chars(buffer + 1, buffer + kHeaderSize, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_.append(buffer, static_cast<std::size_t>(end - buffer));
}

void ReplyWriter::header(char prefix, std::size_t n) {
  char buffer[kHeaderSize];
  buffer[0] = prefix;
  char* end = std::to_chars(buffer + 1, buffer + kHeaderSize, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out_.append(buffer, static_cast<std::size_t>(end - buffer));
}

void ReplyWriter::line(char prefix, std::string_view text) {
  if (text.size() <= 64 && text.find_first_of("\r\n") == std::string_view::npos) {
    // The common case (+OK, +QUEUED, short errors): one append.
    char buffer[1 + 64 + 2];
    buffer[0] = prefix;
    std::memcpy(buffer + 1, text.data(), text.size());
    buffer[1 + text.size()] = '\r';
    buffer[2 + text.size()] = '\n';
    out_.append(buffer, text.size() + 3);
    return;
  }
  const std::size_t start = out_.size();
  out_.push_back(prefix);
  out_.append(text);
  for (std::size_t i = start + 1; i < out_.size(); ++i) {
    if (is_line_break(out_[i])) out_[i] = ' ';
  }
  out_.append("\r\n");
}

void ReplyWriter::simple(std::string_view s) { line('+', s); }

void ReplyWriter::error(std::string_view s) {
  while (!s.empty() && is_line_break(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_line_break(s.back())) s.remove_suffix(1);
  line('-', s);
}

void ReplyWriter::integer(long long v) { header(':', v); }

void ReplyWriter::bulk(std::string_view s) {
  // Short strings (keys, members, small values: most replies) go in one append.
  constexpr std::size_t kShort = 128;
  if (s.size() <= kShort) {
    char buffer[kHeaderSize + kShort + 2];
    buffer[0] = '$';
    char* end = std::to_chars(buffer + 1, buffer + kHeaderSize, s.size()).ptr;
    *end++ = '\r';
    *end++ = '\n';
    std::memcpy(end, s.data(), s.size());
    end += s.size();
    *end++ = '\r';
    *end++ = '\n';
    out_.append(buffer, static_cast<std::size_t>(end - buffer));
    return;
  }
  header('$', s.size());
  out_.append(s);
  out_.append("\r\n");
}

void ReplyWriter::null() { out_.append(resp3_ ? "_\r\n" : "$-1\r\n"); }

void ReplyWriter::null_array() { out_.append(resp3_ ? "_\r\n" : "*-1\r\n"); }

void ReplyWriter::array(std::size_t n) { header('*', n); }

void ReplyWriter::map(std::size_t pairs) {
  if (resp3_) {
    header('%', pairs);
  } else {
    header('*', pairs * 2);
  }
}

void ReplyWriter::set(std::size_t n) { header(resp3_ ? '~' : '*', n); }

void ReplyWriter::push(std::size_t n) { header(resp3_ ? '>' : '*', n); }

void ReplyWriter::double_value(double d) {
  char buffer[kDoubleSize];
  const std::string_view text = format_double(d, buffer);
  if (resp3_) {
    out_.push_back(',');
    out_.append(text);
    out_.append("\r\n");
  } else {
    bulk(text);
  }
}

void ReplyWriter::double_text(std::string_view text) {
  if (!resp3_) return bulk(text);
  out_.push_back(',');
  out_.append(text);
  out_.append("\r\n");
}

void ReplyWriter::boolean(bool b) {
  if (resp3_) {
    out_.append(b ? "#t\r\n" : "#f\r\n");
  } else {
    out_.append(b ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyWriter::verbatim(std::string_view s, std::string_view format) {
  if (!resp3_) return bulk(s);
  header('=', format.size() + 1 + s.size());
  out_.append(format);
  out_.push_back(':');
  out_.append(s);
  out_.append("\r\n");
}

void ReplyWriter::big_number(std::string_view digits) {
  if (!resp3_) return bulk(digits);
  out_.push_back('(');
  out_.append(digits);
  out_.append("\r\n");
}

}  // namespace tern::node::resp
