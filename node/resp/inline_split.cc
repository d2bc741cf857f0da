#include "node/resp/inline_split.h"

#include <cstring>

namespace tern::node::resp {
namespace {

// isspace() in the C locale. Blanks between arguments are skipped with this set...
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// ...but an unquoted argument ends only at these (so "a\vb" is one argument, as in Redis).
bool ends_unquoted_argument(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0';
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

char unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

}  // namespace

bool split_inline_arguments(std::span<char> line, std::vector<ArgumentSpan>& arguments) {
  char* const text = line.data();
  std::size_t size = line.size();
  if (const void* nul = std::memchr(text, '\0', size); nul != nullptr) {
    size = static_cast<std::size_t>(static_cast<const char*>(nul) - text);
  }
  // Reading past the end yields '\0', as reading the C string would.
  const auto at = [&](std::size_t i) { return i < size ? text[i] : '\0'; };

  std::size_t read = 0;
  std::size_t write = 0;  // never ahead of `read`, so writes land on bytes already read
  while (true) {
    while (read < size && is_blank(text[read])) ++read;
    if (read >= size) return true;

    const std::size_t start = write;
    bool in_double_quotes = false;
    bool in_single_quotes = false;
    bool done = false;
    while (!done) {
      const char c = at(read);
      if (in_double_quotes) {
        if (c == '\\' && at(read + 1) == 'x' && is_hex_digit(at(read + 2)) &&
            is_hex_digit(at(read + 3))) {
          text[write++] = static_cast<char>(hex_value(at(read + 2)) * 16 + hex_value(at(read + 3)));
          read += 4;
        } else if (c == '\\' && at(read + 1) != '\0') {
          text[write++] = unescape(at(read + 1));
          read += 2;
        } else if (c == '"') {
          if (at(read + 1) != '\0' && !is_blank(at(read + 1))) return false;
          ++read;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated
        } else {
          text[write++] = c;
          ++read;
        }
      } else if (in_single_quotes) {
        if (c == '\\' && at(read + 1) == '\'') {
          text[write++] = '\'';
          read += 2;
        } else if (c == '\'') {
          if (at(read + 1) != '\0' && !is_blank(at(read + 1))) return false;
          ++read;
          done = true;
        } else if (c == '\0') {
          return false;  // unterminated
        } else {
          text[write++] = c;
          ++read;
        }
      } else if (ends_unquoted_argument(c)) {
        if (c != '\0') ++read;
        done = true;
      } else if (c == '"') {
        in_double_quotes = true;
        ++read;
      } else if (c == '\'') {
        in_single_quotes = true;
        ++read;
      } else {
        text[write++] = c;
        ++read;
      }
    }
    arguments.push_back(ArgumentSpan{start, write - start});
  }
}

}  // namespace tern::node::resp
