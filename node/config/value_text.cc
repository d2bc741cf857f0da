#include "node/config/value_text.h"

#include <array>
#include <limits>
#include <utility>

#include "crdt/number_text.h"

namespace tern::node {

std::optional<std::int64_t> parse_config_integer(std::string_view text) {
  return crdt::parse_int64(text);
}

std::optional<std::uint64_t> parse_memory_value(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;  // also rejects a leading '-' or '+', as memtoull

  static constexpr std::array<std::pair<std::string_view, std::uint64_t>, 8> kUnits{{
      {"", 1},
      {"b", 1},
      {"k", 1000},
      {"kb", 1024},
      {"m", 1000 * 1000},
      {"mb", 1024 * 1024},
      {"g", 1000ULL * 1000 * 1000},
      {"gb", 1024ULL * 1024 * 1024},
  }};
  const std::string_view unit = text.substr(digits);
  std::uint64_t multiplier = 0;
  for (const auto& [name, factor] : kUnits) {
    if (ascii_equals_ignore_case(unit, name)) multiplier = factor;
  }
  if (multiplier == 0) return std::nullopt;

  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  if (value != 0 && multiplier > kMax / value) return std::nullopt;
  return value * multiplier;
}

std::string format_memory_for_file(std::uint64_t bytes) {
  constexpr std::uint64_t kGb = 1024ULL * 1024 * 1024;
  constexpr std::uint64_t kMb = 1024ULL * 1024;
  constexpr std::uint64_t kKb = 1024;
  if (bytes != 0 && bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes != 0 && bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes != 0 && bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

std::optional<bool> parse_yes_no(std::string_view text) {
  if (ascii_equals_ignore_case(text, "yes")) return true;
  if (ascii_equals_ignore_case(text, "no")) return false;
  return std::nullopt;
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

bool ascii_equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace tern::node
