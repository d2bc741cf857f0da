#pragma once
// Numbers as Redis reads and writes them in string values. Redis is strict: "010", " 1"
// and "1 " are not integers; floats reject NaN, spaces and empty text. INCRBYFLOAT prints
// a long double with 17 fractional digits, trailing zeros trimmed. Matching these exactly
// is what makes a tern counter read the same bytes as a Redis counter.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crdt/int128.h"

namespace tern::crdt {

std::optional<std::int64_t> parse_int64(std::string_view text);
std::optional<long double> parse_long_double(std::string_view text);
// Redis's ld2string(..., LD_STR_HUMAN); nullopt for NaN or infinity.
std::optional<std::string> format_long_double(long double value);
// Exact round-trip text for a long double, used on the wire ("%.21Lg").
std::string long_double_wire_text(long double value);
std::string format_int128(Int128 value);

}  // namespace tern::crdt
