#include "node/commands/sorted_set_view.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace tern::node {

std::vector<ScoredMember> ordered_members(const crdt::KeyState* state) {
  std::vector<ScoredMember> out;
  if (state == nullptr) return out;
  for (auto& [member, score] : state->sorted_set_members()) out.push_back({score, member});
  std::sort(out.begin(), out.end(), [](const ScoredMember& a, const ScoredMember& b) {
    return a.score != b.score ? a.score < b.score : a.member < b.member;
  });
  return out;
}

namespace {

// Redis's zslParseRange item: optional '(' then a strtod-complete number (inf allowed).
bool parse_score_item(std::string_view text, double* value, bool* exclusive) {
  *exclusive = false;
  if (!text.empty() && text[0] == '(') {
    *exclusive = true;
    text.remove_prefix(1);
  }
  if (text.empty()) return false;
  std::string copy(text);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || std::isnan(v)) return false;
  *value = v;
  return true;
}

bool parse_lex_item(std::string_view text, std::string* value, bool* exclusive, bool* minus_inf, bool* plus_inf) {
  *minus_inf = *plus_inf = *exclusive = false;
  if (text == "-") return *minus_inf = true;
  if (text == "+") return *plus_inf = true;
  if (text.empty()) return false;
  if (text[0] != '(' && text[0] != '[') return false;
  *exclusive = text[0] == '(';
  *value = std::string(text.substr(1));
  return true;
}

}  // namespace

bool parse_score_range(Call& call, std::string_view min, std::string_view max, ScoreRange* out) {
  if (!parse_score_item(min, &out->min, &out->min_exclusive) || !parse_score_item(max, &out->max, &out->max_exclusive)) {
    call.reply.error("ERR min or max is not a float");
    return false;
  }
  return true;
}

bool parse_lex_range(Call& call, std::string_view min, std::string_view max, LexRange* out) {
  if (!parse_lex_item(min, &out->min, &out->min_exclusive, &out->min_is_minus_infinity, &out->min_is_plus_infinity) ||
      !parse_lex_item(max, &out->max, &out->max_exclusive, &out->max_is_minus_infinity, &out->max_is_plus_infinity)) {
    call.reply.error("ERR min or max not valid string range item");
    return false;
  }
  return true;
}

bool LexRange::above_min(std::string_view m) const {
  if (min_is_minus_infinity) return true;
  if (min_is_plus_infinity) return false;
  return min_exclusive ? m > min : m >= min;
}

bool LexRange::below_max(std::string_view m) const {
  if (max_is_plus_infinity) return true;
  if (max_is_minus_infinity) return false;
  return max_exclusive ? m < max : m <= max;
}

}  // namespace tern::node
