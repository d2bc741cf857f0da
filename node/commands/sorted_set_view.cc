#include "node/commands/sorted_set_view.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace tern::node {

const crdt::ScoreIndex& score_index(const crdt::KeyState* state) {
  static const crdt::ScoreIndex kEmpty;
  const crdt::ScoreIndex* index = state == nullptr ? nullptr : state->sorted_set_index();
  return index == nullptr ? kEmpty : *index;
}

ScoredMember member_at(const crdt::ScoreIndex& index, std::size_t rank) {
  const auto& entry = index.at(rank);
  return ScoredMember{entry.score, entry.member};
}

std::vector<ScoredMember> ordered_members(const crdt::KeyState* state) {
  const crdt::ScoreIndex& index = score_index(state);
  std::vector<ScoredMember> out;
  out.reserve(index.size());
  index.visit_ranks(0, index.size(), false,
                    [&](const crdt::ScoreIndex::Entry& e) { out.push_back(ScoredMember{e.score, e.member}); });
  return out;
}

RankSpan score_span(const crdt::ScoreIndex& index, const ScoreRange& range) {
  // count_below_score(s, false) counts scores < s; (s, true) counts scores <= s.
  return RankSpan{index.count_below_score(range.min, range.min_exclusive),
                  index.count_below_score(range.max, !range.max_exclusive)};
}

RankSpan lex_span(const crdt::ScoreIndex& index, const LexRange& range) {
  const auto bound = [&](bool minus_infinity, bool plus_infinity, const std::string& member, bool below_or_equal) {
    if (minus_infinity) return std::size_t{0};
    if (plus_infinity) return index.size();
    return index.count_below_member(member, below_or_equal);
  };
  return RankSpan{bound(range.min_is_minus_infinity, range.min_is_plus_infinity, range.min, range.min_exclusive),
                  bound(range.max_is_minus_infinity, range.max_is_plus_infinity, range.max, !range.max_exclusive)};
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
