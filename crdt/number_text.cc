#include "crdt/number_text.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace tern::crdt {

std::optional<std::int64_t> parse_int64(std::string_view text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  if (text == "0") return 0;
  std::size_t i = 0;
  const bool negative = text[0] == '-';
  if (negative) i = 1;
  if (i >= text.size() || text[i] < '1' || text[i] > '9') return std::nullopt;
  UnsignedInt128 magnitude = 0;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    magnitude = magnitude * 10 + static_cast<unsigned>(text[i] - '0');
    if (magnitude > (static_cast<UnsignedInt128>(1) << 63)) return std::nullopt;
  }
  if (negative) {
    return static_cast<std::int64_t>(-static_cast<Int128>(magnitude));
  }
  if (magnitude > static_cast<UnsignedInt128>(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(magnitude);
}

std::optional<long double> parse_long_double(std::string_view text) {
  if (text.empty() || text.size() > 5000) return std::nullopt;
  const unsigned char first = static_cast<unsigned char>(text.front());
  const unsigned char last = static_cast<unsigned char>(text.back());
  if (std::isspace(first) || std::isspace(last)) return std::nullopt;
  const std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const long double value = std::strtold(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || std::isnan(value)) return std::nullopt;
  if (errno == ERANGE && (value == HUGE_VALL || value == -HUGE_VALL || std::fpclassify(value) == FP_ZERO)) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> format_long_double(long double value) {
  if (std::isnan(value) || std::isinf(value)) return std::nullopt;
  char buffer[5600];
  int length = std::snprintf(buffer, sizeof buffer, "%.17Lf", value);
  if (length <= 0 || static_cast<std::size_t>(length) >= sizeof buffer) return std::nullopt;
  std::string text(buffer, static_cast<std::size_t>(length));
  if (text.find('.') != std::string::npos) {
    while (!text.empty() && text.back() == '0') text.pop_back();
    if (!text.empty() && text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

std::string long_double_wire_text(long double value) {
  char buffer[64];
  const int length = std::snprintf(buffer, sizeof buffer, "%.21Lg", value);
  return std::string(buffer, static_cast<std::size_t>(length > 0 ? length : 0));
}

std::string format_int128(Int128 value) {
  if (value == 0) return "0";
  const bool negative = value < 0;
  UnsignedInt128 magnitude =
      negative ? static_cast<UnsignedInt128>(-(value + 1)) + 1 : static_cast<UnsignedInt128>(value);
  std::string digits;
  while (magnitude > 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  }
  if (negative) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

}  // namespace tern::crdt
