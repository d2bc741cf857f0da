// glob_match against Redis's stringmatchlen: the cases of Redis's own tests and documentation,
// its corner cases, a differential test against a line-by-line port of the recursive C
// function, and patterns that make a naive backtracking matcher take exponential time.
#include "node/glob_match.h"

#include <doctest/doctest.h>

#include <cctype>
#include <cstdint>
#include <random>
#include <string>

namespace tern::node {
namespace {

// redis 7's stringmatchlen_impl, ported as literally as C++ allows (chars read as unsigned,
// as tern does; the nesting limit left out because the random patterns stay far below it).
// It reads pattern[pattern_len] in two places, like the C code, so it is called on
// std::string's NUL-terminated buffers only.
int redis_stringmatchlen(const char* pattern, int pattern_len, const char* string, int string_len,
                         int nocase, int* skip_longer_matches) {
  const auto byte = [](char c) { return static_cast<int>(static_cast<unsigned char>(c)); };
  while (pattern_len && string_len) {
    switch (pattern[0]) {
      case '*':
        while (pattern_len && pattern[1] == '*') {
          pattern++;
          pattern_len--;
        }
        if (pattern_len == 1) return 1;
        while (string_len) {
          if (redis_stringmatchlen(pattern + 1, pattern_len - 1, string, string_len, nocase,
                                   skip_longer_matches))
            return 1;
          if (*skip_longer_matches) return 0;
          string++;
          string_len--;
        }
        *skip_longer_matches = 1;
        return 0;
      case '?':
        string++;
        string_len--;
        break;
      case '[': {
        int negate, match;
        pattern++;
        pattern_len--;
        negate = pattern_len && pattern[0] == '^';
        if (negate) {
          pattern++;
          pattern_len--;
        }
        match = 0;
        while (1) {
          if (pattern_len >= 2 && pattern[0] == '\\') {
            pattern++;
            pattern_len--;
            if (pattern[0] == string[0]) match = 1;
          } else if (pattern_len == 0) {
            pattern--;
            pattern_len++;
            break;
          } else if (pattern[0] == ']') {
            break;
          } else if (pattern_len >= 3 && pattern[1] == '-') {
            int start = byte(pattern[0]);
            int end = byte(pattern[2]);
            int c = byte(string[0]);
            if (start > end) {
              int t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = std::tolower(start);
              end = std::tolower(end);
              c = std::tolower(c);
            }
            pattern += 2;
            pattern_len -= 2;
            if (c >= start && c <= end) match = 1;
          } else {
            if (!nocase) {
              if (pattern[0] == string[0]) match = 1;
            } else {
              if (std::tolower(byte(pattern[0])) == std::tolower(byte(string[0]))) match = 1;
            }
          }
          pattern++;
          pattern_len--;
        }
        if (negate) match = !match;
        if (!match) return 0;
        string++;
        string_len--;
        break;
      }
      case '\\':
        if (pattern_len >= 2) {
          pattern++;
          pattern_len--;
        }
        [[fallthrough]];
      default:
        if (!nocase) {
          if (pattern[0] != string[0]) return 0;
        } else {
          if (std::tolower(byte(pattern[0])) != std::tolower(byte(string[0]))) return 0;
        }
        string++;
        string_len--;
        break;
    }
    pattern++;
    pattern_len--;
    if (string_len == 0) {
      while (pattern_len && *pattern == '*') {
        pattern++;
        pattern_len--;
      }
      break;
    }
  }
  return pattern_len == 0 && string_len == 0;
}

bool redis_reference(const std::string& pattern, const std::string& text, bool nocase) {
  int skip_longer_matches = 0;
  return redis_stringmatchlen(pattern.c_str(), static_cast<int>(pattern.size()), text.c_str(),
                              static_cast<int>(text.size()), nocase ? 1 : 0,
                              &skip_longer_matches) != 0;
}

TEST_CASE("glob star matches any run of bytes") {
  CHECK(glob_match("*", "anything"));
  CHECK(glob_match("h*llo", "hllo"));
  CHECK(glob_match("h*llo", "heeeello"));
  CHECK(glob_match("*llo", "hello"));
  CHECK(glob_match("he*", "hello"));
  CHECK(glob_match("a*b*c", "aXXbYYc"));
  CHECK(glob_match("a**b", "ab"));
  CHECK_FALSE(glob_match("h*llo", "hella"));
  CHECK_FALSE(glob_match("a*b*c", "aXXbYY"));
}

TEST_CASE("glob question mark matches exactly one byte") {
  CHECK(glob_match("h?llo", "hello"));
  CHECK(glob_match("h?llo", "hallo"));
  CHECK_FALSE(glob_match("h?llo", "hllo"));
  CHECK_FALSE(glob_match("h?llo", "heello"));
  CHECK(glob_match("???", "abc"));
  CHECK_FALSE(glob_match("???", "ab"));
}

TEST_CASE("glob classes, negated classes and ranges") {
  CHECK(glob_match("h[ae]llo", "hello"));
  CHECK(glob_match("h[ae]llo", "hallo"));
  CHECK_FALSE(glob_match("h[ae]llo", "hillo"));
  CHECK(glob_match("h[^e]llo", "hallo"));
  CHECK_FALSE(glob_match("h[^e]llo", "hello"));
  CHECK(glob_match("h[a-b]llo", "hbllo"));
  CHECK_FALSE(glob_match("h[a-b]llo", "hcllo"));
  CHECK(glob_match("[z-a]", "m"));  // reversed bounds are swapped
  CHECK(glob_match("[0-9][0-9]", "42"));
  CHECK(glob_match("[^0-9]x", "ax"));
  CHECK_FALSE(glob_match("[^0-9]x", "5x"));
}

TEST_CASE("glob backslash escapes a special character outside and inside a class") {
  CHECK(glob_match("a\\*b", "a*b"));
  CHECK_FALSE(glob_match("a\\*b", "aXb"));
  CHECK(glob_match("\\?", "?"));
  CHECK_FALSE(glob_match("\\?", "x"));
  CHECK(glob_match("\\[a]", "[a]"));
  CHECK(glob_match("[\\]]", "]"));
  CHECK(glob_match("[\\-]", "-"));
  CHECK(glob_match("[\\^a]", "^"));
  CHECK(glob_match("a\\", "a\\"));  // a trailing lone backslash is a backslash
  CHECK(glob_match("\\\\", "\\"));
}

TEST_CASE("glob keeps Redis's corner cases of malformed classes") {
  CHECK(glob_match("[ab", "a"));  // an unterminated class runs to the end of the pattern
  CHECK_FALSE(glob_match("[ab", "ab"));
  CHECK_FALSE(glob_match("[", "a"));  // an empty unterminated class matches nothing
  CHECK(glob_match("[^", "a"));       // and its negation matches any one byte
  CHECK(glob_match("[a-]", "^"));     // "a-]" is the range ']'..'a', class never closes
  CHECK_FALSE(glob_match("[a-]x", "-x"));
  CHECK_FALSE(glob_match("[]", "]"));  // "]" right after "[" closes an empty class
  CHECK_FALSE(glob_match("x[]", "x]"));
  CHECK(glob_match("[^]", "]"));   // whose negation matches any one byte
  CHECK(glob_match("[\\]", "]"));  // "\]" is an escaped member: the class never closes
}

TEST_CASE("glob empty text matches only the empty pattern, as in Redis") {
  CHECK(glob_match("", ""));
  CHECK_FALSE(glob_match("*", ""));
  CHECK_FALSE(glob_match("**", ""));
  CHECK_FALSE(glob_match("", "a"));
  CHECK(glob_match("a*", "a"));  // a star after the last byte still matches nothing
}

TEST_CASE("glob nocase folds ASCII letters in literals, classes and ranges") {
  CHECK(glob_match("HELLO", "hello", true));
  CHECK_FALSE(glob_match("HELLO", "hello", false));
  CHECK(glob_match("h[AE]llo", "hello", true));
  CHECK(glob_match("[A-Z]", "q", true));
  CHECK_FALSE(glob_match("[A-Z]", "q", false));
  CHECK(glob_match("*-ZIPLIST-*", "hash-max-ziplist-entries", true));
  CHECK_FALSE(glob_match("[\\A]", "a", true));  // an escaped class member compares exactly
  CHECK(glob_match("\\A", "a", true));          // an escaped literal outside a class folds
}

TEST_CASE("glob compares bytes as unsigned, including NUL and high bytes") {
  using std::string_literals::operator""s;
  CHECK(glob_match("a?c"s, "a\0c"s));
  CHECK(glob_match("a\0*"s, "a\0zz"s));
  CHECK(glob_match("[a-\xff]", "\xe9"));
  CHECK_FALSE(glob_match("[a-\x7f]", "\xe9"));
  CHECK(glob_match("caf\xc3\xa9*", "caf\xc3\xa9s"));
}

TEST_CASE("glob agrees with a port of Redis's recursive matcher on random patterns") {
  const std::uint64_t seed = std::random_device{}();
  INFO("seed = " << seed);
  std::mt19937_64 random(seed);
  const std::string pattern_alphabet = "ab*?[]^-\\A";
  const std::string text_alphabet = "abAB-]^\\*";
  for (int round = 0; round < 200000; ++round) {
    std::string pattern;
    std::string text;
    const auto pattern_size = random() % 9;
    const auto text_size = random() % 8;
    for (std::uint64_t i = 0; i < pattern_size; ++i)
      pattern += pattern_alphabet[random() % pattern_alphabet.size()];
    for (std::uint64_t i = 0; i < text_size; ++i)
      text += text_alphabet[random() % text_alphabet.size()];
    const bool nocase = random() % 2 == 0;
    INFO("pattern = '" << pattern << "' text = '" << text << "' nocase = " << nocase);
    REQUIRE(glob_match(pattern, text, nocase) == redis_reference(pattern, text, nocase));
  }
}

TEST_CASE("glob answers pathological star patterns in polynomial time") {
  const std::string many_a(10000, 'a');
  CHECK_FALSE(glob_match("a*a*a*a*a*a*a*a*b", many_a));
  CHECK(glob_match("a*a*a*a*a*a*a*a*a", many_a));
  std::string star_pairs;
  for (int i = 0; i < 200; ++i) star_pairs += "*a";
  CHECK_FALSE(glob_match(star_pairs + "b", many_a));
  CHECK(glob_match(star_pairs, many_a));
  // More stars than Redis's nesting limit of 1000: tern still answers correctly.
  std::string many_stars;
  for (int i = 0; i < 1500; ++i) many_stars += "a*";
  CHECK(glob_match(many_stars, std::string(3000, 'a')));
  CHECK_FALSE(glob_match(many_stars, std::string(1499, 'a')));
}

}  // namespace
}  // namespace tern::node
