#pragma once
// Redis's glob matching (stringmatchlen in redis 7's util.c), used by CONFIG GET, KEYS,
// SCAN MATCH, PSUBSCRIBE and PUBSUB CHANNELS.
//
//   *       any run of bytes, including none
//   ?       any one byte
//   [abc]   one byte of the set; [^abc] one byte not in it; [a-z] a range (either order)
//   \x      the byte x itself, outside or inside a class
//
// Redis's corner cases are kept, because clients see them: an unterminated class ("[ab")
// runs to the end of the pattern; "[a-]" is the range from 'a' to ']' (the class then never
// closes); a backslash inside a class always compares case-sensitively; a trailing lone
// backslash matches a backslash. And an empty text matches only the empty pattern, so "*"
// does not match "": KEYS and SCAN skip matching for a lone "*" (as Redis does) and must do
// the same to list the empty key.
//
// Unlike Redis, the match is iterative: it never recurses, and it backtracks only to the
// most recent '*', which is enough because every other token consumes exactly one byte. The
// work is at most O(pattern size × text size) whatever the pattern (Redis guards its
// recursion with a nesting limit of 1000 stars, past which it reports no match; tern has no
// such limit and answers correctly). Bytes compare as unsigned, so a range such as [a-\xff]
// covers the bytes 0x61..0xff (Redis compares plain chars, signed on x86); case folding
// (`nocase`) is ASCII only, as in Redis's C locale.
#include <string_view>

namespace tern::node {

[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace tern::node
