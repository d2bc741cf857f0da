#pragma once
// A sorted set's visible members in Redis order (score, then member bytes), with the range
// arguments Redis takes: score ranges ("(1.5", "-inf") and lex ranges ("[a", "(b", "-", "+").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/key_state.h"
#include "crdt/score_index.h"
#include "node/command.h"

namespace tern::node {

struct ScoredMember {
  double score;
  std::string member;
};

// The key's score index (O(log n) ranks); an absent state or one without members gives an
// empty index.
const crdt::ScoreIndex& score_index(const crdt::KeyState* state);
// Every member ordered by (score, member); an absent state is empty. O(n): for commands that
// visit every member anyway (ZUNION, ZINTER, ...).
std::vector<ScoredMember> ordered_members(const crdt::KeyState* state);
ScoredMember member_at(const crdt::ScoreIndex& index, std::size_t rank);

// The ranks [first, end) of a range's members, in Redis order.
struct RankSpan {
  std::size_t first = 0;
  std::size_t end = 0;
  [[nodiscard]] std::size_t size() const { return end > first ? end - first : 0; }
};

struct ScoreRange {
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;
  [[nodiscard]] bool above_min(double s) const { return min_exclusive ? s > min : s >= min; }
  [[nodiscard]] bool below_max(double s) const { return max_exclusive ? s < max : s <= max; }
  [[nodiscard]] bool contains(double s) const { return above_min(s) && below_max(s); }
};
RankSpan score_span(const crdt::ScoreIndex& index, const ScoreRange& range);
// False after replying "ERR min or max is not a float".
bool parse_score_range(Call& call, std::string_view min, std::string_view max, ScoreRange* out);

struct LexRange {
  std::string min, max;
  bool min_exclusive = false, max_exclusive = false;
  bool min_is_minus_infinity = false, max_is_plus_infinity = false;
  bool min_is_plus_infinity = false, max_is_minus_infinity = false;
  [[nodiscard]] bool above_min(std::string_view m) const;
  [[nodiscard]] bool below_max(std::string_view m) const;
  [[nodiscard]] bool contains(std::string_view m) const { return above_min(m) && below_max(m); }
};
// Lex ranges assume equal scores, as Redis's do: the search compares members only.
RankSpan lex_span(const crdt::ScoreIndex& index, const LexRange& range);
// False after replying "ERR min or max not valid string range item".
bool parse_lex_range(Call& call, std::string_view min, std::string_view max, LexRange* out);

}  // namespace tern::node
