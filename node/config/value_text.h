#pragma once
// Directive values as text, the way redis-server 7 reads and writes them. The strictness is
// Redis's (integers as string2ll: no '+', no leading zeros, no spaces), except where Redis
// silently accepts garbage: a memory value with no digits ("" or "kb") and one that
// overflows 64 bits are errors here, where Redis reads 0 or a wrapped number.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tern::node {

// An integer as Redis's string2ll reads it.
std::optional<std::int64_t> parse_config_integer(std::string_view text);

// A size as Redis's memtoull reads it: digits then an optional unit, any case:
// b, k = 1000, kb = 1024, m = 1000², mb = 1024², g = 1000³, gb = 1024³.
std::optional<std::uint64_t> parse_memory_value(std::string_view text);

// The form CONFIG REWRITE writes a size in: "1gb", "64mb", "512kb" when exact, else bytes.
std::string format_memory_for_file(std::uint64_t bytes);

// "yes" or "no", any case.
std::optional<bool> parse_yes_no(std::string_view text);

std::string ascii_lower(std::string_view text);
bool ascii_equals_ignore_case(std::string_view a, std::string_view b);

}  // namespace tern::node
