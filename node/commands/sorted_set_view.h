#pragma once
// A sorted set's visible members in Redis order (score, then member bytes), with the range
// arguments Redis takes: score ranges ("(1.5", "-inf") and lex ranges ("[a", "(b", "-", "+").
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/key_state.h"
#include "node/command.h"

namespace tern::node {

struct ScoredMember {
  double score;
  std::string member;
};

// Ordered by (score, member); an absent state is empty.
std::vector<ScoredMember> ordered_members(const crdt::KeyState* state);

struct ScoreRange {
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  bool max_exclusive = false;
  [[nodiscard]] bool above_min(double s) const { return min_exclusive ? s > min : s >= min; }
  [[nodiscard]] bool below_max(double s) const { return max_exclusive ? s < max : s <= max; }
  [[nodiscard]] bool contains(double s) const { return above_min(s) && below_max(s); }
};
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
// False after replying "ERR min or max not valid string range item".
bool parse_lex_range(Call& call, std::string_view min, std::string_view max, LexRange* out);

}  // namespace tern::node
