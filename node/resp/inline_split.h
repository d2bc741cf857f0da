#pragma once
// Splitting an inline command ("SET k \"a b\"\r\n" typed into telnet) into arguments, with the
// rules of Redis's sdssplitargs: blanks separate arguments; "double quotes" understand \n \r \t
// \b \a \xHH and escape any other character by itself; 'single quotes' understand only \'; a
// quote may start in the middle of an argument (a"b c" is one argument, `ab c`); a closing quote
// must be followed by a blank or the end of the line, otherwise the line is unbalanced.
//
// Why in place: unescaping only ever shrinks the text (every output byte consumes at least one
// input byte), so the arguments are rewritten over the line itself and returned as offsets into
// it. The request parser hands out views of its own buffer for inline and multibulk requests
// alike, without allocating per argument.
#include <cstddef>
#include <span>
#include <vector>

namespace tern::node::resp {

// One argument: `length` bytes at `offset` of the buffer it was cut from.
struct ArgumentSpan {
  std::size_t offset = 0;
  std::size_t length = 0;
};

// Rewrites `line` in place into its unescaped arguments and appends their spans (offsets into
// `line`) to `arguments`. Returns false on unbalanced quotes; `line` is then partly rewritten
// and `arguments` may hold some spans, so the caller discards both. Redis reads the line as a C
// string, so a NUL byte ends it here too (the request parser never passes one). A line of
// blanks yields no argument.
[[nodiscard]] bool split_inline_arguments(std::span<char> line,
                                          std::vector<ArgumentSpan>& arguments);

}  // namespace tern::node::resp
