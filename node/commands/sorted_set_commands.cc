// Sorted-set commands (leaderboards). Member presence is add-wins and a score is a register
// whose base is the last ZADD plus every ZINCRBY it had not seen (crdt/README.md), so
// concurrent ZINCRBYs in two regions both count. Reads work on the visible members in
// Redis order (sorted_set_view.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>

#include "node/command_table.h"
#include "node/commands/arguments.h"
#include "node/commands/key_iteration.h"
#include "node/commands/random_picks.h"
#include "node/commands/sorted_set_view.h"
#include "node/glob_match.h"
#include "node/node.h"

namespace tern::node {
namespace {

using crdt::ValueType;

crdt::Replica& replica(Call& call) { return call.node.store().replica(); }
std::uint64_t now(Call& call) { return call.node.store().now_ms(); }

const crdt::KeyState* zset_for_read(Call& call, std::string_view key, bool* ok) {
  const crdt::KeyState* state = lookup(call, key);
  *ok = check_type(call, state, ValueType::kSortedSet);
  return state;
}

std::optional<double> score_of(const crdt::KeyState* state, const std::string& member) {
  if (state == nullptr) return std::nullopt;
  const crdt::Register* reg = state->sorted_set_member(member);
  if (reg == nullptr) return std::nullopt;
  return crdt::score_from_register(*reg);
}

// ---- writes -----------------------------------------------------------------------------

void zadd(Call& call) {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = false;
  std::size_t i = 2;
  for (; i < call.args.size(); ++i) {
    const std::string_view a = call.args[i];
    if (equals_ignore_case(a, "NX")) nx = true;
    else if (equals_ignore_case(a, "XX")) xx = true;
    else if (equals_ignore_case(a, "GT")) gt = true;
    else if (equals_ignore_case(a, "LT")) lt = true;
    else if (equals_ignore_case(a, "CH")) ch = true;
    else if (equals_ignore_case(a, "INCR")) incr = true;
    else break;
  }
  const std::size_t elements = call.args.size() - i;
  if (elements == 0 || elements % 2 != 0) return reply_syntax_error(call);
  if (nx && xx) return call.reply.error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    return call.reply.error("ERR GT, LT, and/or NX options at the same time are not compatible");
  }
  if (incr && elements > 2) return call.reply.error("ERR INCR option supports a single increment-element pair");
  std::vector<double> scores;
  for (std::size_t j = i; j < call.args.size(); j += 2) {
    double score = 0;
    if (!double_argument(call, call.args[j], &score)) return;
    scores.push_back(score);
  }
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kSortedSet)) return;
  const std::string key(call.args[1]);
  long long added = 0;
  long long changed = 0;
  std::optional<double> incr_result;
  for (std::size_t j = i, n = 0; j < call.args.size(); j += 2, ++n) {
    const std::string member(call.args[j + 1]);
    state = call.node.store().peek(call.client.db, key);
    const auto current = score_of(state, member);
    if ((nx && current) || (xx && !current)) continue;
    double next = scores[n];
    if (incr && current) {
      next = *current + scores[n];
      if (std::isnan(next)) return call.reply.error("ERR resulting score is not a number (NaN)");
    }
    if (current && ((gt && next <= *current) || (lt && next >= *current))) continue;
    if (current && *current == next) {
      if (incr) incr_result = next;
      continue;
    }
    auto result = incr && current ? replica(call).zincr_by(call.client.db, key, member, scores[n], now(call))
                                  : replica(call).zadd(call.client.db, key, member, next, now(call)).ok()
                                        ? crdt::Result<double>(next)
                                        : crdt::Result<double>(crdt::Errc::kWrongType);
    if (!result.ok()) return call.reply.error(crdt::errc_message(result.error()));
    if (current) ++changed;
    else ++added;
    incr_result = result.value();
  }
  if (incr) return incr_result ? call.reply.double_value(*incr_result) : call.reply.null();
  call.reply.integer(ch ? added + changed : added);
}

void zincrby(Call& call) {
  double delta = 0;
  if (!double_argument(call, call.args[2], &delta)) return;
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kSortedSet)) return;
  const std::string member(call.args[3]);
  const auto current = score_of(state, member);
  if (current && std::isnan(*current + delta)) return call.reply.error("ERR resulting score is not a number (NaN)");
  auto result = current ? replica(call).zincr_by(call.client.db, std::string(call.args[1]), member, delta, now(call))
                        : (replica(call).zadd(call.client.db, std::string(call.args[1]), member, delta, now(call)).ok()
                               ? crdt::Result<double>(delta)
                               : crdt::Result<double>(crdt::Errc::kWrongType));
  if (!result.ok()) return call.reply.error(crdt::errc_message(result.error()));
  call.reply.double_value(result.value());
}

void zrem(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kSortedSet)) return;
  const std::string key(call.args[1]);
  long long removed = 0;
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    auto r = replica(call).zrem(call.client.db, key, std::string(call.args[i]), now(call));
    if (r.ok() && r.value()) ++removed;
  }
  call.reply.integer(removed);
}

// Replaces `destination` with `members`; replies the count.
void store_members(Call& call, const std::string& destination, const std::vector<ScoredMember>& members) {
  auto& r = replica(call);
  if (r.keyspace().find(call.client.db, destination) != nullptr) r.del(call.client.db, destination, now(call));
  for (const auto& m : members) (void)r.zadd(call.client.db, destination, m.member, m.score, now(call));
  call.reply.integer(static_cast<long long>(members.size()));
}

// ---- reads ------------------------------------------------------------------------------

void zscore(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[1], &ok);
  if (!ok) return;
  const auto score = score_of(state, std::string(call.args[2]));
  if (!score) return call.reply.null();
  call.reply.double_value(*score);
}

void zmscore(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[1], &ok);
  if (!ok) return;
  call.reply.array(call.args.size() - 2);
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    const auto score = score_of(state, std::string(call.args[i]));
    if (score) call.reply.double_value(*score);
    else call.reply.null();
  }
}

void zcard(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[1], &ok);
  if (!ok) return;
  call.reply.integer(state == nullptr ? 0 : static_cast<long long>(state->count_members(ValueType::kSortedSet, SIZE_MAX)));
}

void zcount(Call& call) {
  ScoreRange range;
  if (!parse_score_range(call, call.args[2], call.args[3], &range)) return;
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[1], &ok);
  if (!ok) return;
  call.reply.integer(static_cast<long long>(score_span(score_index(state), range).size()));
}

void zlexcount(Call& call) {
  LexRange range;
  if (!parse_lex_range(call, call.args[2], call.args[3], &range)) return;
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[1], &ok);
  if (!ok) return;
  call.reply.integer(static_cast<long long>(lex_span(score_index(state), range).size()));
}

void rank_generic(Call& call, bool reverse) {
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[1], &ok);
  if (!ok) return;
  const std::string member(call.args[2]);
  const auto score = score_of(state, member);
  if (!score) return call.reply.null();
  const crdt::ScoreIndex& index = score_index(state);
  const std::size_t rank = index.rank(*score, member);
  call.reply.integer(static_cast<long long>(reverse ? index.size() - 1 - rank : rank));
}
void zrank(Call& call) { rank_generic(call, false); }
void zrevrank(Call& call) { rank_generic(call, true); }

enum class RangeKind : std::uint8_t { kRank, kScore, kLex };

struct RangeRequest {
  RangeKind kind = RangeKind::kRank;
  bool reverse = false;
  bool with_scores = false;
  bool has_limit = false;
  long long offset = 0;
  long long count = -1;
  std::string_view start;  // as given: for reverse score/lex ranges, the max comes first
  std::string_view stop;
};

// The ranks a range names, walked in reply order by visit_ranks(first, end, reverse).
struct RankSelection {
  std::size_t first = 0;
  std::size_t end = 0;
  bool reverse = false;
  [[nodiscard]] std::size_t size() const { return end - first; }
};

// Finds the ranks a range names: O(log n), whatever the range's size. False after an error
// reply.
bool select_ranks(Call& call, const crdt::ScoreIndex& index, const RangeRequest& request, RankSelection* out) {
  *out = RankSelection{0, 0, request.reverse};
  const auto size = static_cast<long long>(index.size());
  if (request.kind == RangeKind::kRank) {
    long long start = 0;
    long long stop = 0;
    if (!integer_argument(call, request.start, &start) || !integer_argument(call, request.stop, &stop)) return false;
    if (start < 0) start += size;
    if (stop < 0) stop += size;
    if (start < 0) start = 0;
    if (start > stop || start >= size) return true;
    if (stop >= size) stop = size - 1;
    // Reverse ranks count from the top: ZREVRANGE 0 0 is the highest rank.
    out->first = static_cast<std::size_t>(request.reverse ? size - 1 - stop : start);
    out->end = static_cast<std::size_t>(request.reverse ? size - start : stop + 1);
    return true;
  }
  const std::string_view min = request.reverse ? request.stop : request.start;
  const std::string_view max = request.reverse ? request.start : request.stop;
  ScoreRange scores;
  LexRange lex;
  if (request.kind == RangeKind::kScore && !parse_score_range(call, min, max, &scores)) return false;
  if (request.kind == RangeKind::kLex && !parse_lex_range(call, min, max, &lex)) return false;
  if (request.has_limit && request.offset < 0) return true;
  const RankSpan span = request.kind == RangeKind::kScore ? score_span(index, scores) : lex_span(index, lex);
  const auto skip = static_cast<std::size_t>(request.has_limit ? request.offset : 0);
  if (skip >= span.size()) return true;
  std::size_t take = span.size() - skip;
  if (request.has_limit && request.count >= 0) take = std::min(take, static_cast<std::size_t>(request.count));
  out->first = request.reverse ? span.end - skip - take : span.first + skip;
  out->end = out->first + take;
  return true;
}

// The selected members, copied out (for commands that store or remove them).
bool select_range(Call& call, const crdt::ScoreIndex& index, const RangeRequest& request,
                  std::vector<ScoredMember>* out) {
  out->clear();
  RankSelection selection;
  if (!select_ranks(call, index, request, &selection)) return false;
  out->reserve(selection.size());
  index.visit_ranks(selection.first, selection.end, selection.reverse,
                    [&](const crdt::ScoreIndex::Entry& e) { out->push_back(ScoredMember{e.score, e.member}); });
  return true;
}

void reply_range(Call& call, const std::vector<ScoredMember>& members, bool with_scores) {
  if (with_scores && call.client.protocol == 3) {
    call.reply.array(members.size());
    for (const auto& m : members) {
      call.reply.array(2);
      call.reply.bulk(m.member);
      call.reply.double_value(m.score);
    }
    return;
  }
  call.reply.array(members.size() * (with_scores ? 2 : 1));
  for (const auto& m : members) {
    call.reply.bulk(m.member);
    if (with_scores) call.reply.double_value(m.score);
  }
}

// Parses the options after ZRANGE/ZRANGESTORE's key and bounds (from args[first]); the old
// forms (ZRANGEBYSCORE ...) pass their fixed kind and direction. False after an error reply.
bool parse_range_options(Call& call, std::size_t first, bool flexible, bool allow_withscores, RangeRequest* request) {
  for (std::size_t j = first; j < call.args.size(); ++j) {
    const std::string_view a = call.args[j];
    const std::size_t left = call.args.size() - j - 1;
    if (allow_withscores && equals_ignore_case(a, "WITHSCORES")) {
      request->with_scores = true;
    } else if (equals_ignore_case(a, "LIMIT") && left >= 2) {
      if (!integer_argument(call, call.args[j + 1], &request->offset) ||
          !integer_argument(call, call.args[j + 2], &request->count)) {
        return false;
      }
      request->has_limit = true;
      j += 2;
    } else if (flexible && equals_ignore_case(a, "REV")) {
      request->reverse = true;
    } else if (flexible && equals_ignore_case(a, "BYSCORE")) {
      request->kind = RangeKind::kScore;
    } else if (flexible && equals_ignore_case(a, "BYLEX")) {
      request->kind = RangeKind::kLex;
    } else {
      reply_syntax_error(call);
      return false;
    }
  }
  if (request->has_limit && request->kind == RangeKind::kRank) {
    call.reply.error("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return false;
  }
  if (request->with_scores && request->kind == RangeKind::kLex) {
    call.reply.error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return false;
  }
  return true;
}

void range_command(Call& call, RangeRequest request, std::size_t options_from, bool flexible, bool allow_withscores) {
  request.start = call.args[2];
  request.stop = call.args[3];
  if (!parse_range_options(call, options_from, flexible, allow_withscores, &request)) return;
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[1], &ok);
  if (!ok) return;
  // Written straight from the index: a reply of any size copies no member.
  const crdt::ScoreIndex& index = score_index(state);
  RankSelection selection;
  if (!select_ranks(call, index, request, &selection)) return;
  const bool pairs = request.with_scores && call.client.protocol == 3;
  call.reply.array(selection.size() * (request.with_scores && !pairs ? 2 : 1));
  index.visit_ranks(selection.first, selection.end, selection.reverse, [&](const crdt::ScoreIndex::Entry& e) {
    if (pairs) call.reply.array(2);
    call.reply.bulk(e.member);
    if (request.with_scores) call.reply.double_value(e.score);
  });
}

void zrange(Call& call) { range_command(call, {}, 4, true, true); }
void zrevrange(Call& call) {
  RangeRequest r;
  r.reverse = true;
  range_command(call, r, 4, false, true);
}
void zrangebyscore(Call& call) {
  RangeRequest r;
  r.kind = RangeKind::kScore;
  range_command(call, r, 4, false, true);
}
void zrevrangebyscore(Call& call) {
  RangeRequest r;
  r.kind = RangeKind::kScore;
  r.reverse = true;
  range_command(call, r, 4, false, true);
}
void zrangebylex(Call& call) {
  RangeRequest r;
  r.kind = RangeKind::kLex;
  range_command(call, r, 4, false, false);
}
void zrevrangebylex(Call& call) {
  RangeRequest r;
  r.kind = RangeKind::kLex;
  r.reverse = true;
  range_command(call, r, 4, false, false);
}

void zrangestore(Call& call) {
  RangeRequest request;
  request.start = call.args[3];
  request.stop = call.args[4];
  if (!parse_range_options(call, 5, true, false, &request)) return;
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[2], &ok);
  if (!ok) return;
  std::vector<ScoredMember> selected;
  if (!select_range(call, score_index(state), request, &selected)) return;
  store_members(call, std::string(call.args[1]), selected);
}

void remove_range(Call& call, RangeKind kind) {
  RangeRequest request;
  request.kind = kind;
  request.start = call.args[2];
  request.stop = call.args[3];
  bool ok = false;
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  ok = check_type(call, state, ValueType::kSortedSet);
  if (!ok) return;
  std::vector<ScoredMember> selected;
  if (!select_range(call, score_index(state), request, &selected)) return;
  const std::string key(call.args[1]);
  for (const auto& m : selected) (void)replica(call).zrem(call.client.db, key, m.member, now(call));
  call.reply.integer(static_cast<long long>(selected.size()));
}
void zremrangebyrank(Call& call) { remove_range(call, RangeKind::kRank); }
void zremrangebyscore(Call& call) { remove_range(call, RangeKind::kScore); }
void zremrangebylex(Call& call) { remove_range(call, RangeKind::kLex); }

void pop_generic(Call& call, bool max) {
  if (call.args.size() > 3) return reply_syntax_error(call);
  long long count = 1;
  const bool has_count = call.args.size() == 3;
  if (has_count) {
    if (!integer_argument(call, call.args[2], &count)) return;
    if (count < 0) return call.reply.error("ERR value is out of range, must be positive");
  }
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kSortedSet)) return;
  const crdt::ScoreIndex& index = score_index(state);
  const auto n = std::min<std::size_t>(index.size(), static_cast<std::size_t>(count));
  std::vector<ScoredMember> members;  // copied out: the removals below change the index
  members.reserve(n);
  index.visit_ranks(max ? index.size() - n : 0, max ? index.size() : n, max,
                    [&](const crdt::ScoreIndex::Entry& e) { members.push_back(ScoredMember{e.score, e.member}); });
  const std::string key(call.args[1]);
  for (const auto& m : members) (void)replica(call).zrem(call.client.db, key, m.member, now(call));
  if (!has_count || call.client.protocol == 2) {
    call.reply.array(n * 2);
    for (const auto& m : members) {
      call.reply.bulk(m.member);
      call.reply.double_value(m.score);
    }
    return;
  }
  reply_range(call, members, true);
}
void zpopmin(Call& call) { pop_generic(call, false); }
void zpopmax(Call& call) { pop_generic(call, true); }

void zrandmember(Call& call) {
  if (call.args.size() > 4) return reply_syntax_error(call);
  long long count = 0;
  const bool has_count = call.args.size() >= 3;
  bool with_scores = false;
  if (has_count && !integer_argument(call, call.args[2], &count)) return;
  if (call.args.size() == 4) {
    if (!equals_ignore_case(call.args[3], "WITHSCORES")) return reply_syntax_error(call);
    with_scores = true;
  }
  if (has_count && (count < -(1LL << 62) || count > (1LL << 62))) return call.reply.error("ERR value is out of range");
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[1], &ok);
  if (!ok) return;
  const crdt::ScoreIndex& index = score_index(state);
  if (!has_count) {
    if (index.size() == 0) return call.reply.null();
    return call.reply.bulk(index.at(random_indexes(index.size(), 1)[0]).member);
  }
  std::vector<ScoredMember> picked;
  for (auto i : random_indexes(index.size(), count)) picked.push_back(member_at(index, i));
  reply_range(call, picked, with_scores);
}

enum class Aggregate : std::uint8_t { kSum, kMin, kMax };
enum class SetOp : std::uint8_t { kUnion, kInter, kDiff };

double aggregate(Aggregate how, double a, double b) {
  switch (how) {
    case Aggregate::kMin: return std::min(a, b);
    case Aggregate::kMax: return std::max(a, b);
    case Aggregate::kSum: break;
  }
  const double sum = a + b;
  return std::isnan(sum) ? 0.0 : sum;  // Redis: inf + -inf counts as 0
}

// ZUNION/ZINTER/ZDIFF[STORE]: numkeys at args[numkeys_at]. Replies or stores.
void combine_command(Call& call, SetOp op, bool store) {
  const std::size_t numkeys_at = store ? 2 : 1;
  long long numkeys = 0;
  if (!integer_argument(call, call.args[numkeys_at], &numkeys)) return;
  if (numkeys < 1) {
    return call.reply.error("ERR at least 1 input key is needed for '" + lower_case(call.args[0]) + "' command");
  }
  const std::size_t keys_from = numkeys_at + 1;
  if (keys_from + static_cast<std::size_t>(numkeys) > call.args.size()) return reply_syntax_error(call);
  const std::size_t keys_end = keys_from + static_cast<std::size_t>(numkeys);
  std::vector<double> weights(static_cast<std::size_t>(numkeys), 1.0);
  Aggregate how = Aggregate::kSum;
  bool with_scores = false;
  for (std::size_t j = keys_end; j < call.args.size(); ++j) {
    const std::size_t left = call.args.size() - j - 1;
    if (op != SetOp::kDiff && equals_ignore_case(call.args[j], "WEIGHTS") && left >= static_cast<std::size_t>(numkeys)) {
      for (std::size_t w = 0; w < weights.size(); ++w) {
        std::string copy(call.args[j + 1 + w]);
        char* end = nullptr;
        const double v = std::strtod(copy.c_str(), &end);
        if (copy.empty() || end != copy.c_str() + copy.size() || std::isnan(v)) {
          return call.reply.error("ERR weight value is not a float");
        }
        weights[w] = v;
      }
      j += weights.size();
    } else if (op != SetOp::kDiff && equals_ignore_case(call.args[j], "AGGREGATE") && left >= 1) {
      const std::string_view a = call.args[++j];
      if (equals_ignore_case(a, "SUM")) how = Aggregate::kSum;
      else if (equals_ignore_case(a, "MIN")) how = Aggregate::kMin;
      else if (equals_ignore_case(a, "MAX")) how = Aggregate::kMax;
      else return reply_syntax_error(call);
    } else if (!store && equals_ignore_case(call.args[j], "WITHSCORES")) {
      with_scores = true;
    } else {
      return reply_syntax_error(call);
    }
  }
  // Inputs: sorted sets, or plain sets whose members score 1.
  std::vector<std::map<std::string, double>> inputs;
  for (std::size_t k = keys_from; k < keys_end; ++k) {
    const crdt::KeyState* state = lookup(call, call.args[k]);
    std::map<std::string, double> members;
    if (state != nullptr) {
      if (state->type() == ValueType::kSortedSet) {
        for (auto& [m, s] : state->sorted_set_members()) members.emplace(m, s);
      } else if (state->type() == ValueType::kSet) {
        for (auto& m : state->set_members()) members.emplace(m, 1.0);
      } else {
        return reply_wrong_type(call);
      }
    }
    inputs.push_back(std::move(members));
  }
  const auto weighted = [&](std::size_t k, double score) {
    const double v = score * weights[k];
    return std::isnan(v) ? 0.0 : v;
  };
  std::map<std::string, double> result;
  if (op == SetOp::kUnion) {
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      for (const auto& [m, s] : inputs[k]) {
        auto [it, fresh] = result.emplace(m, weighted(k, s));
        if (!fresh) it->second = aggregate(how, it->second, weighted(k, s));
      }
    }
  } else if (op == SetOp::kInter) {
    for (const auto& [m, s] : inputs[0]) {
      double acc = weighted(0, s);
      bool everywhere = true;
      for (std::size_t k = 1; k < inputs.size() && everywhere; ++k) {
        auto it = inputs[k].find(m);
        if (it == inputs[k].end()) everywhere = false;
        else acc = aggregate(how, acc, weighted(k, it->second));
      }
      if (everywhere) result.emplace(m, acc);
    }
  } else {
    for (const auto& [m, s] : inputs[0]) {
      bool elsewhere = false;
      for (std::size_t k = 1; k < inputs.size() && !elsewhere; ++k) elsewhere = inputs[k].count(m) != 0;
      if (!elsewhere) result.emplace(m, s);
    }
  }
  std::vector<ScoredMember> members;
  for (auto& [m, s] : result) members.push_back({s, m});
  std::sort(members.begin(), members.end(), [](const ScoredMember& a, const ScoredMember& b) {
    return a.score != b.score ? a.score < b.score : a.member < b.member;
  });
  if (store) return store_members(call, std::string(call.args[1]), members);
  reply_range(call, members, with_scores);
}
void zunionstore(Call& call) { combine_command(call, SetOp::kUnion, true); }
void zinterstore(Call& call) { combine_command(call, SetOp::kInter, true); }
void zdiffstore(Call& call) { combine_command(call, SetOp::kDiff, true); }
void zunion(Call& call) { combine_command(call, SetOp::kUnion, false); }
void zinter(Call& call) { combine_command(call, SetOp::kInter, false); }
void zdiff(Call& call) { combine_command(call, SetOp::kDiff, false); }

void zscan(Call& call) {
  ElementScan scan;
  if (!parse_element_scan(call, &scan)) return;
  bool ok = false;
  const crdt::KeyState* state = zset_for_read(call, call.args[1], &ok);
  if (!ok) return;
  std::vector<std::pair<std::string, double>> page;
  const std::uint64_t next = scan_elements(call, state, ValueType::kSortedSet, scan,
                                           [&](std::string_view member, const crdt::Register* reg) {
                                             page.emplace_back(member, crdt::score_from_register(*reg));
                                           });
  call.reply.array(2);
  call.reply.bulk(std::to_string(next));
  call.reply.array(page.size() * 2);
  for (const auto& [member, score] : page) {
    call.reply.bulk(member);
    char text[64];  // ZSCAN sends scores as bulk strings in both protocols
    const int n = std::snprintf(text, sizeof text, "%.17g", score);
    call.reply.bulk(std::string_view(text, static_cast<std::size_t>(n)));
  }
}

constexpr std::uint32_t kWriteOom = kWrite | kDenyOom;

constexpr CommandSpec kCommands[] = {
    {"zadd", -4, kWriteOom | kFast, 1, 1, 1, zadd, "sortedset", "Adds members or updates their scores."},
    {"zincrby", 4, kWriteOom | kFast, 1, 1, 1, zincrby, "sortedset", "Increments a member's score."},
    {"zrem", -3, kWrite | kFast, 1, 1, 1, zrem, "sortedset", "Removes members."},
    {"zscore", 3, kReadOnly | kFast, 1, 1, 1, zscore, "sortedset", "Returns a member's score."},
    {"zmscore", -3, kReadOnly | kFast, 1, 1, 1, zmscore, "sortedset", "Returns several members' scores."},
    {"zcard", 2, kReadOnly | kFast, 1, 1, 1, zcard, "sortedset", "Returns the number of members."},
    {"zcount", 4, kReadOnly | kFast, 1, 1, 1, zcount, "sortedset", "Counts members in a score range."},
    {"zlexcount", 4, kReadOnly | kFast, 1, 1, 1, zlexcount, "sortedset", "Counts members in a lex range."},
    {"zrank", 3, kReadOnly | kFast, 1, 1, 1, zrank, "sortedset", "Returns a member's rank."},
    {"zrevrank", 3, kReadOnly | kFast, 1, 1, 1, zrevrank, "sortedset", "Returns a member's rank, high to low."},
    {"zrange", -4, kReadOnly, 1, 1, 1, zrange, "sortedset", "Returns members by rank, score or lex range."},
    {"zrevrange", -4, kReadOnly, 1, 1, 1, zrevrange, "sortedset", "Returns members by rank, high to low."},
    {"zrangebyscore", -4, kReadOnly, 1, 1, 1, zrangebyscore, "sortedset", "Returns members in a score range."},
    {"zrevrangebyscore", -4, kReadOnly, 1, 1, 1, zrevrangebyscore, "sortedset", "Returns members in a score range, high to low."},
    {"zrangebylex", -4, kReadOnly, 1, 1, 1, zrangebylex, "sortedset", "Returns members in a lex range."},
    {"zrevrangebylex", -4, kReadOnly, 1, 1, 1, zrevrangebylex, "sortedset", "Returns members in a lex range, high to low."},
    {"zrangestore", -5, kWriteOom, 1, 2, 1, zrangestore, "sortedset", "Stores a range."},
    {"zremrangebyrank", 4, kWrite, 1, 1, 1, zremrangebyrank, "sortedset", "Removes members in a rank range."},
    {"zremrangebyscore", 4, kWrite, 1, 1, 1, zremrangebyscore, "sortedset", "Removes members in a score range."},
    {"zremrangebylex", 4, kWrite, 1, 1, 1, zremrangebylex, "sortedset", "Removes members in a lex range."},
    {"zpopmin", -2, kWrite | kFast, 1, 1, 1, zpopmin, "sortedset", "Removes and returns the lowest members."},
    {"zpopmax", -2, kWrite | kFast, 1, 1, 1, zpopmax, "sortedset", "Removes and returns the highest members."},
    {"zrandmember", -2, kReadOnly, 1, 1, 1, zrandmember, "sortedset", "Returns random members."},
    {"zunionstore", -4, kWriteOom, 1, 1, 1, zunionstore, "sortedset", "Stores a union."},
    {"zinterstore", -4, kWriteOom, 1, 1, 1, zinterstore, "sortedset", "Stores an intersection."},
    {"zdiffstore", -4, kWriteOom, 1, 1, 1, zdiffstore, "sortedset", "Stores a difference."},
    {"zunion", -3, kReadOnly, 0, 0, 0, zunion, "sortedset", "Returns a union."},
    {"zinter", -3, kReadOnly, 0, 0, 0, zinter, "sortedset", "Returns an intersection."},
    {"zdiff", -3, kReadOnly, 0, 0, 0, zdiff, "sortedset", "Returns a difference."},
    {"zscan", -3, kReadOnly, 1, 1, 1, zscan, "sortedset", "Iterates over members and scores."},
};

}  // namespace

std::span<const CommandSpec> sorted_set_commands() { return kCommands; }

}  // namespace tern::node
