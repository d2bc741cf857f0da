#include "node/glob_match.h"

#include <cstddef>

namespace tern::node {
namespace {

enum class TokenKind : unsigned char { kStar, kAnyByte, kClass, kLiteral };

// One pattern element. For a class, [members_begin, members_end) are its members (after '['
// and an optional '^', before the closing ']' or the end of the pattern).
struct Token {
  TokenKind kind = TokenKind::kLiteral;
  std::size_t end = 0;  // where the next token starts
  unsigned char literal = 0;
  bool negated = false;
  std::size_t members_begin = 0;
  std::size_t members_end = 0;
};

unsigned char fold(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c - 'A' + 'a') : c;
}

unsigned char byte_at(std::string_view text, std::size_t index) {
  return static_cast<unsigned char>(text[index]);
}

// Reads the token at `at` (< pattern.size()). How far a token reaches never depends on the
// text, which is what lets the matcher below restart at any token.
Token read_token(std::string_view pattern, std::size_t at) {
  const std::size_t size = pattern.size();
  Token token;
  switch (pattern[at]) {
    case '*':
      token.kind = TokenKind::kStar;
      token.end = at + 1;
      return token;
    case '?':
      token.kind = TokenKind::kAnyByte;
      token.end = at + 1;
      return token;
    case '\\':
      token.kind = TokenKind::kLiteral;
      if (size - at >= 2) {
        token.literal = byte_at(pattern, at + 1);
        token.end = at + 2;
      } else {
        token.literal = '\\';  // a trailing lone backslash is itself
        token.end = at + 1;
      }
      return token;
    case '[': {
      token.kind = TokenKind::kClass;
      std::size_t i = at + 1;
      token.negated = i < size && pattern[i] == '^';
      if (token.negated) ++i;
      token.members_begin = i;
      // The same walk as Redis: an escape takes two bytes, a range three (even when its end
      // is ']'), and running off the end closes the class there.
      while (true) {
        if (size - i >= 2 && pattern[i] == '\\') {
          i += 2;
        } else if (i == size) {
          token.members_end = size;
          token.end = size;
          return token;
        } else if (pattern[i] == ']') {
          token.members_end = i;
          token.end = i + 1;
          return token;
        } else if (size - i >= 3 && pattern[i + 1] == '-') {
          i += 3;
        } else {
          i += 1;
        }
      }
    }
    default:
      token.kind = TokenKind::kLiteral;
      token.literal = byte_at(pattern, at);
      token.end = at + 1;
      return token;
  }
}

bool class_matches(std::string_view pattern, const Token& token, unsigned char c, bool nocase) {
  bool found = false;
  std::size_t i = token.members_begin;
  while (i < token.members_end) {
    // The same walk as read_token, so members split at the same places.
    if (pattern.size() - i >= 2 && pattern[i] == '\\') {
      if (byte_at(pattern, i + 1) == c) found = true;  // case-sensitive, as in Redis
      i += 2;
    } else if (pattern.size() - i >= 3 && pattern[i + 1] == '-') {
      // A range may end on the closing bracket ("[a-]"), so it is bounded by the pattern,
      // not by members_end.
      unsigned char start = byte_at(pattern, i);
      unsigned char finish = byte_at(pattern, i + 2);
      if (start > finish) {
        const unsigned char swap = start;
        start = finish;
        finish = swap;
      }
      unsigned char subject = c;
      if (nocase) {
        start = fold(start);
        finish = fold(finish);
        subject = fold(subject);
      }
      if (subject >= start && subject <= finish) found = true;
      i += 3;
    } else {
      const unsigned char member = byte_at(pattern, i);
      if (nocase ? fold(member) == fold(c) : member == c) found = true;
      i += 1;
    }
  }
  return found != token.negated;
}

bool token_matches(std::string_view pattern, const Token& token, unsigned char c, bool nocase) {
  switch (token.kind) {
    case TokenKind::kAnyByte:
      return true;
    case TokenKind::kLiteral:
      return nocase ? fold(token.literal) == fold(c) : token.literal == c;
    case TokenKind::kClass:
      return class_matches(pattern, token, c, nocase);
    case TokenKind::kStar:
      break;
  }
  return false;
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text, bool nocase) {
  // Redis's loop runs only while both sides have bytes left, so an empty text matches only
  // an empty pattern (even "*" fails).
  if (text.empty()) return pattern.empty();

  // Greedy matching with one backtrack point: the last star seen. If the rest of the pattern
  // fails, let that star swallow one more byte and retry from just after it. Earlier stars
  // never need revisiting: any way they could absorb more text, the last star can absorb it
  // instead. Each restart advances `star_text`, so there are at most text.size() restarts of
  // at most pattern.size() steps each.
  constexpr std::size_t kNoStar = static_cast<std::size_t>(-1);
  std::size_t pattern_at = 0;
  std::size_t text_at = 0;
  std::size_t after_star = kNoStar;
  std::size_t star_text = 0;
  while (pattern_at < pattern.size() || text_at < text.size()) {
    if (pattern_at < pattern.size()) {
      const Token token = read_token(pattern, pattern_at);
      if (token.kind == TokenKind::kStar) {
        after_star = token.end;
        star_text = text_at;
        pattern_at = token.end;
        continue;
      }
      if (text_at < text.size() && token_matches(pattern, token, byte_at(text, text_at), nocase)) {
        pattern_at = token.end;
        ++text_at;
        continue;
      }
    }
    if (after_star != kNoStar && star_text < text.size()) {
      ++star_text;
      text_at = star_text;
      pattern_at = after_star;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace tern::node
