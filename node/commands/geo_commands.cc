// Geospatial commands. A geo set is a sorted set whose scores are 52-bit geohashes
// (node/geo/geohash.h), so GEOADD is ZADD with computed scores and goes through the same
// replica writes (the CRDT sorted set of crdt/README.md); every other command only reads.
//
// Replies are the bytes redis-server 7.0 sends: coordinates as Redis's human long doubles
// (17 decimals, trailing zeros cut; RESP3 ',' doubles), distances with 4 decimals (rounded as
// Redis rounds them) as bulk strings in both protocols, errors in Redis's words and order (the
// key's type first, then the options left to right, then the combination checks).
//
// Searching scans the cells Redis scans (geo::search_cells) in Redis's order, over the set's
// members in score order, so unsorted results, ANY's early stop and the rare member Redis's
// cells miss are Redis's too; and it sorts as Redis does (a stable sort, or with COUNT
// below the number found, Redis's partial quicksort), so members at equal distances come out
// in Redis's order as well. A search copies the set's members once (KeyState has no score
// index to start a range from) and sorts only those inside the scanned cells.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "crdt/number_text.h"
#include "node/command_table.h"
#include "node/commands/arguments.h"
#include "node/commands/sorted_set_view.h"
#include "node/geo/geohash.h"
#include "node/node.h"

namespace tern::node {
namespace {

using crdt::ValueType;

crdt::Replica& replica(Call& call) { return call.node.store().replica(); }
std::uint64_t now(Call& call) { return call.node.store().now_ms(); }

// ---- arguments ----------------------------------------------------------------------------

// Redis matches options and units with strcasecmp, which stops at a NUL byte.
bool option_is(std::string_view argument, std::string_view name) {
  return equals_ignore_case(argument.substr(0, argument.find('\0')), name);
}

// getDoubleFromObjectOrReply with a command's own message ("need numeric radius").
bool double_or_reply(Call& call, std::string_view text, std::string_view error, double* out) {
  const std::string copy(text);
  const bool leading_space =
      !copy.empty() && std::isspace(static_cast<unsigned char>(copy[0])) != 0;
  char* end = nullptr;
  errno = 0;
  const double v = copy.empty() || leading_space ? 0 : std::strtod(copy.c_str(), &end);
  if (copy.empty() || leading_space || end != copy.c_str() + copy.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) ||
      std::isnan(v)) {
    call.reply.error(error);
    return false;
  }
  *out = v;
  return true;
}

// A longitude and a latitude, each a float, together inside Redis's range.
bool position_or_reply(Call& call, std::string_view longitude, std::string_view latitude,
                       geo::Position* out) {
  if (!double_argument(call, longitude, &out->longitude) ||
      !double_argument(call, latitude, &out->latitude)) {
    return false;
  }
  if (!geo::is_valid_position(*out)) {
    std::vector<char> text(800);  // "%f" of 1e308 is 316 characters
    const int n =
        std::snprintf(text.data(), text.size(), "ERR invalid longitude,latitude pair %f,%f",
                      out->longitude, out->latitude);
    call.reply.error(std::string_view(text.data(), static_cast<std::size_t>(std::max(n, 0))));
    return false;
  }
  return true;
}

// Meters per unit; nullopt after replying.
std::optional<double> unit_or_reply(Call& call, std::string_view unit) {
  if (option_is(unit, "m")) return 1.0;
  if (option_is(unit, "km")) return 1000.0;
  if (option_is(unit, "ft")) return 0.3048;
  if (option_is(unit, "mi")) return 1609.34;
  call.reply.error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return std::nullopt;
}

// "<radius> <unit>" into the shape.
bool radius_or_reply(Call& call, std::string_view radius, std::string_view unit,
                     geo::SearchShape* shape) {
  double value = 0;
  if (!double_or_reply(call, radius, "ERR need numeric radius", &value)) return false;
  if (value < 0) {
    call.reply.error("ERR radius cannot be negative");
    return false;
  }
  const auto to_meters = unit_or_reply(call, unit);
  if (!to_meters) return false;
  shape->kind = geo::SearchShape::Kind::kRadius;
  shape->radius = value;
  shape->to_meters = *to_meters;
  return true;
}

// "<width> <height> <unit>" into the shape.
bool box_or_reply(Call& call, std::span<const std::string_view> args, geo::SearchShape* shape) {
  double width = 0;
  double height = 0;
  if (!double_or_reply(call, args[0], "ERR need numeric width", &width) ||
      !double_or_reply(call, args[1], "ERR need numeric height", &height)) {
    return false;
  }
  if (height < 0 || width < 0) {
    call.reply.error("ERR height or width cannot be negative");
    return false;
  }
  const auto to_meters = unit_or_reply(call, args[2]);
  if (!to_meters) return false;
  shape->kind = geo::SearchShape::Kind::kBox;
  shape->width = width;
  shape->height = height;
  shape->to_meters = *to_meters;
  return true;
}

// ---- reads of the set ---------------------------------------------------------------------

const crdt::KeyState* geo_set_for_read(Call& call, std::string_view key, bool* ok) {
  const crdt::KeyState* state = lookup(call, key);
  *ok = check_type(call, state, ValueType::kSortedSet);
  return state;
}

std::optional<double> member_score(const crdt::KeyState* state, std::string_view member) {
  if (state == nullptr) return std::nullopt;
  const crdt::Register* reg = state->sorted_set_member(std::string(member));
  if (reg == nullptr) return std::nullopt;
  return crdt::score_from_register(*reg);
}

void reply_coordinate(Call& call, double degrees) {
  // Always finite: decoded positions are clamped into range.
  call.reply.double_text(crdt::format_long_double(degrees).value_or("0"));
}

// Redis's addReplyDoubleDistance: four decimals, a bulk string in both protocols. 7.0 does not
// print with "%.4f" but rounds distance * 10^4 to an integer (llrint, ties to even) and prints
// that, so a distance like 9030961.41514999978 reads 9030961.4152, not printf's ...4151.
void reply_distance(Call& call, double distance) {
  if (distance == 0) return call.reply.bulk("0.0000");
  const long long scaled = std::llrint(distance * 10000.0);
  const unsigned long long magnitude = scaled < 0 ? 0ULL - static_cast<unsigned long long>(scaled)
                                                  : static_cast<unsigned long long>(scaled);
  char text[64];
  const int n = std::snprintf(text, sizeof text, "%s%llu.%04llu", scaled < 0 ? "-" : "",
                              magnitude / 10000, magnitude % 10000);
  call.reply.bulk(std::string_view(
      text, static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(sizeof text) - 1))));
}

// ---- commands -----------------------------------------------------------------------------

// GEOADD key [NX|XX] [CH] longitude latitude member [...]
void geoadd(Call& call) {
  bool nx = false;
  bool xx = false;
  bool ch = false;
  std::size_t first = 2;
  for (; first < call.args.size(); ++first) {
    const std::string_view a = call.args[first];
    if (option_is(a, "nx")) {
      nx = true;
    } else if (option_is(a, "xx")) {
      xx = true;
    } else if (option_is(a, "ch")) {
      ch = true;
    } else {
      break;
    }
  }
  const std::size_t elements = call.args.size() - first;
  if (elements % 3 != 0 || (nx && xx) || elements == 0) return reply_syntax_error(call);
  std::vector<double> scores;
  for (std::size_t i = first; i < call.args.size(); i += 3) {
    geo::Position position;
    if (!position_or_reply(call, call.args[i], call.args[i + 1], &position)) return;
    scores.push_back(geo::score_of(position));
  }
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kSortedSet)) return;
  const std::string key(call.args[1]);
  long long added = 0;
  long long changed = 0;
  for (std::size_t i = first, n = 0; i < call.args.size(); i += 3, ++n) {
    const std::string member(call.args[i + 2]);
    const auto current = member_score(call.node.store().peek(call.client.db, key), member);
    if ((nx && current) || (xx && !current) || (current && *current == scores[n])) continue;
    auto result = replica(call).zadd(call.client.db, key, member, scores[n], now(call));
    if (!result.ok()) return call.reply.error(crdt::errc_message(result.error()));
    ++(current ? changed : added);
  }
  call.reply.integer(ch ? added + changed : added);
}

// GEOPOS key member [...]
void geopos(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = geo_set_for_read(call, call.args[1], &ok);
  if (!ok) return;
  call.reply.array(call.args.size() - 2);
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    const auto score = member_score(state, call.args[i]);
    if (!score) {
      call.reply.null_array();
      continue;
    }
    const geo::Position position = geo::position_of_score(*score);
    call.reply.array(2);
    reply_coordinate(call, position.longitude);
    reply_coordinate(call, position.latitude);
  }
}

// GEOHASH key member [...]
void geohash(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = geo_set_for_read(call, call.args[1], &ok);
  if (!ok) return;
  call.reply.array(call.args.size() - 2);
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    const auto score = member_score(state, call.args[i]);
    if (!score) {
      call.reply.null();
      continue;
    }
    call.reply.bulk(geo::standard_geohash(geo::position_of_score(*score)));
  }
}

// GEODIST key member1 member2 [unit]
void geodist(Call& call) {
  double to_meters = 1;
  if (call.args.size() == 5) {
    const auto unit = unit_or_reply(call, call.args[4]);
    if (!unit) return;
    to_meters = *unit;
  } else if (call.args.size() > 5) {
    return reply_syntax_error(call);
  }
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (state == nullptr) return call.reply.null();
  if (!check_type(call, state, ValueType::kSortedSet)) return;
  const auto first = member_score(state, call.args[2]);
  const auto second = member_score(state, call.args[3]);
  if (!first || !second) return call.reply.null();
  reply_distance(
      call, geo::distance_meters(geo::position_of_score(*first), geo::position_of_score(*second)) /
                to_meters);
}

// ---- searches -----------------------------------------------------------------------------

enum class SearchCommand : std::uint8_t {
  kRadiusAroundPosition,  // GEORADIUS_RO key longitude latitude radius unit ...
  kRadiusAroundMember,    // GEORADIUSBYMEMBER_RO key member radius unit ...
  kSearch,                // GEOSEARCH key FROM... BY... ...
  kSearchStore,           // GEOSEARCHSTORE destination key FROM... BY... ...
};

enum class Order : std::uint8_t { kNone, kAscending, kDescending };

struct SearchRequest {
  geo::SearchShape shape;
  bool with_distance = false;
  bool with_hash = false;
  bool with_coordinates = false;
  bool any = false;  // stop at COUNT matches instead of finding all and keeping the nearest
  bool store_distance = false;
  long long count = 0;  // 0: no limit
  Order order = Order::kNone;
};

struct Match {
  const ScoredMember* member;
  geo::Position position;
  double distance_meters;
};

// Parses everything after the fixed arguments. `state` is the source set (nullptr when
// absent: FROMMEMBER is then not looked up, as in Redis). False after an error reply.
bool parse_search(Call& call, SearchCommand command, const crdt::KeyState* state, std::size_t first,
                  SearchRequest* request) {
  const bool search = command == SearchCommand::kSearch || command == SearchCommand::kSearchStore;
  const bool store = command == SearchCommand::kSearchStore;
  bool from_member = false;
  bool from_position = false;
  bool by_radius = false;
  bool by_box = false;
  const std::size_t size = call.args.size();
  for (std::size_t i = first; i < size; ++i) {
    const std::string_view a = call.args[i];
    if (option_is(a, "withdist")) {
      request->with_distance = true;
    } else if (option_is(a, "withhash")) {
      request->with_hash = true;
    } else if (option_is(a, "withcoord")) {
      request->with_coordinates = true;
    } else if (option_is(a, "any")) {
      request->any = true;
    } else if (option_is(a, "asc")) {
      request->order = Order::kAscending;
    } else if (option_is(a, "desc")) {
      request->order = Order::kDescending;
    } else if (option_is(a, "count") && i + 1 < size) {
      if (!integer_argument(call, call.args[i + 1], &request->count)) return false;
      if (request->count <= 0) {
        call.reply.error("ERR COUNT must be > 0");
        return false;
      }
      ++i;
    } else if (option_is(a, "storedist") && store) {
      request->store_distance = true;
    } else if (option_is(a, "frommember") && i + 1 < size && search && !from_position) {
      if (state != nullptr) {
        const auto score = member_score(state, call.args[i + 1]);
        if (!score) {
          call.reply.error("ERR could not decode requested zset member");
          return false;
        }
        request->shape.center = geo::position_of_score(*score);
      }
      from_member = true;
      ++i;
    } else if (option_is(a, "fromlonlat") && i + 2 < size && search && !from_member) {
      if (!position_or_reply(call, call.args[i + 1], call.args[i + 2], &request->shape.center)) {
        return false;
      }
      from_position = true;
      i += 2;
    } else if (option_is(a, "byradius") && i + 2 < size && search && !by_box) {
      if (!radius_or_reply(call, call.args[i + 1], call.args[i + 2], &request->shape)) return false;
      by_radius = true;
      i += 2;
    } else if (option_is(a, "bybox") && i + 3 < size && search && !by_radius) {
      if (!box_or_reply(call, call.args.subspan(i + 1, 3), &request->shape)) return false;
      by_box = true;
      i += 3;
    } else {
      reply_syntax_error(call);
      return false;
    }
  }
  if (store && (request->with_distance || request->with_hash || request->with_coordinates)) {
    call.reply.error(
        "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return false;
  }
  if (search && !from_member && !from_position) {
    call.reply.error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                     std::string(call.args[0]));
    return false;
  }
  if (search && !by_radius && !by_box) {
    call.reply.error("ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                     std::string(call.args[0]));
    return false;
  }
  if (request->any && request->count == 0) {
    call.reply.error("ERR the ANY argument requires COUNT argument");
    return false;
  }
  return true;
}

// The members inside the shape, in the order Redis finds them: cell by cell, each cell's
// members by (score, member). With `limit` > 0, stops once that many are found (ANY).
// `candidates` receives the members whose scores fall in a scanned cell (the matches point
// into it): one pass over the set, and a sort of the candidates only.
std::vector<Match> find_matches(const crdt::KeyState& state, const geo::SearchShape& shape,
                                std::size_t limit, std::vector<ScoredMember>* candidates) {
  // The cells Redis scans: not the zero ones, and not a repeat of the cell scanned last
  // (neighbours coincide when the cells are as large as half the map).
  const geo::SearchCells cells = geo::search_cells(shape);
  std::vector<geo::ScoreSpan> spans;
  std::size_t last_scanned = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].is_zero()) continue;
    if (last_scanned != 0 && cells[i] == cells[last_scanned]) continue;
    spans.push_back(geo::score_span(cells[i]));
    last_scanned = i;
  }
  const auto in_a_span = [&](double score) {
    return std::any_of(spans.begin(), spans.end(), [score](const geo::ScoreSpan& span) {
      return span.min <= score && score < span.max;
    });
  };
  candidates->clear();
  for (auto& [member, score] : state.sorted_set_members()) {
    if (in_a_span(score)) candidates->push_back({score, std::move(member)});
  }
  std::sort(candidates->begin(), candidates->end(),
            [](const ScoredMember& a, const ScoredMember& b) {
              return a.score != b.score ? a.score < b.score : a.member < b.member;
            });

  std::vector<Match> matches;
  const auto full = [&] { return limit != 0 && matches.size() >= limit; };
  for (const geo::ScoreSpan& span : spans) {
    if (full()) break;
    auto it = std::lower_bound(candidates->begin(), candidates->end(), span.min,
                               [](const ScoredMember& m, double score) { return m.score < score; });
    for (; it != candidates->end() && it->score < span.max; ++it) {
      const geo::Position position = geo::position_of_score(it->score);
      if (const auto distance = geo::distance_if_inside(shape, position)) {
        matches.push_back({&*it, position, *distance});
      }
      if (full()) break;
    }
  }
  return matches;
}

// Redis's comparator for nearest first: -1, 0 or 1.
int compare_ascending(const Match& a, const Match& b) {
  if (a.distance_meters > b.distance_meters) return 1;
  if (a.distance_meters == b.distance_meters) return 0;
  return -1;
}

// Bentley and McIlroy's quicksort ("Engineering a Sort Function", 1993) as Redis's pqsort runs
// it when COUNT keeps fewer members than were found: a partition that misses the wanted
// positions [wanted_first, wanted_last] is left unsorted. Reimplemented step for step because
// the permutation it leaves among equal distances is part of Redis's reply.
template <typename Compare>
void partial_quicksort(std::vector<Match>& v, std::size_t begin, std::size_t n,
                       std::size_t wanted_first, std::size_t wanted_last, Compare compare) {
  const auto swap_at = [&](std::size_t i, std::size_t j) { std::swap(v[i], v[j]); };
  const auto insertion_sort = [&](std::size_t from, std::size_t count) {
    for (std::size_t m = from + 1; m < from + count; ++m) {
      for (std::size_t l = m; l > from && compare(v[l - 1], v[l]) > 0; --l) swap_at(l, l - 1);
    }
  };
  const auto median_of_three = [&](std::size_t a, std::size_t b, std::size_t c) {
    return compare(v[a], v[b]) < 0
               ? (compare(v[b], v[c]) < 0 ? b : (compare(v[a], v[c]) < 0 ? c : a))
               : (compare(v[b], v[c]) > 0 ? b : (compare(v[a], v[c]) < 0 ? a : c));
  };
  const auto swap_blocks = [&](std::size_t a, std::size_t b, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) swap_at(a + i, b + i);
  };
  const auto wanted = [&](std::size_t from, std::size_t count) {
    return !(wanted_last < from || wanted_first >= from + count);
  };
  for (;;) {
    if (n < 7) return insertion_sort(begin, n);
    std::size_t middle = begin + n / 2;
    if (n > 7) {
      std::size_t low = begin;
      std::size_t high = begin + n - 1;
      if (n > 40) {  // pseudo-median of nine
        const std::size_t d = n / 8;
        low = median_of_three(low, low + d, low + 2 * d);
        middle = median_of_three(middle - d, middle, middle + d);
        high = median_of_three(high - 2 * d, high - d, high);
      }
      middle = median_of_three(low, middle, high);
    }
    swap_at(begin, middle);  // the pivot waits at `begin`
    // Split-end partitioning: equals to the pivot gather at both ends, then move to the middle.
    // (BSD's qsort switches to insertion sort after a pass without swaps; Redis 7's pqsort
    // does not, and neither does this.)
    std::size_t equal_left = begin + 1;
    std::size_t left = begin + 1;
    std::size_t right = begin + n - 1;
    std::size_t equal_right = begin + n - 1;
    for (;;) {
      int order = 0;
      while (left <= right && (order = compare(v[left], v[begin])) <= 0) {
        if (order == 0) swap_at(equal_left++, left);
        ++left;
      }
      while (left <= right && (order = compare(v[right], v[begin])) >= 0) {
        if (order == 0) swap_at(right, equal_right--);
        --right;
      }
      if (left > right) break;
      swap_at(left++, right--);
    }
    const std::size_t end = begin + n;
    std::size_t r = std::min(equal_left - begin, left - equal_left);
    swap_blocks(begin, left - r, r);
    r = std::min(equal_right - right, end - equal_right - 1);
    swap_blocks(left, end - r, r);
    // The two sides are disjoint, so sorting them in either order leaves the same result:
    // recurse into the smaller and loop on the larger to keep the stack O(log n) whatever the
    // data (Redis always recurses into the left one).
    struct Side {
      std::size_t begin;
      std::size_t n;
    };
    Side lower{begin, left - equal_left};
    Side upper{end - (equal_right - right), equal_right - right};
    const auto needed = [&](const Side& side) { return side.n > 1 && wanted(side.begin, side.n); };
    if (!needed(lower)) lower.n = 0;
    if (!needed(upper)) upper.n = 0;
    if (lower.n > upper.n) std::swap(lower, upper);
    if (lower.n != 0) {
      partial_quicksort(v, lower.begin, lower.n, wanted_first, wanted_last, compare);
    }
    if (upper.n == 0) return;
    begin = upper.begin;
    n = upper.n;
  }
}

// Redis sorts all matches with glibc's qsort, a stable merge sort, unless COUNT keeps fewer
// than were found; then the first `keep` positions come from the partial quicksort above.
void sort_matches(std::vector<Match>* matches, Order order, std::size_t keep) {
  if (order == Order::kNone || matches->empty()) return;
  const bool descending = order == Order::kDescending;
  const auto compare = [descending](const Match& a, const Match& b) {
    return descending ? -compare_ascending(a, b) : compare_ascending(a, b);
  };
  if (keep >= matches->size()) {
    std::stable_sort(matches->begin(), matches->end(),
                     [&](const Match& a, const Match& b) { return compare(a, b) < 0; });
    return;
  }
  partial_quicksort(*matches, 0, matches->size(), 0, keep - 1, compare);
}

void reply_matches(Call& call, const SearchRequest& request, const std::vector<Match>& matches) {
  const std::size_t extras = (request.with_distance ? 1 : 0) + (request.with_hash ? 1 : 0) +
                             (request.with_coordinates ? 1 : 0);
  call.reply.array(matches.size());
  for (const Match& m : matches) {
    if (extras != 0) call.reply.array(extras + 1);
    call.reply.bulk(m.member->member);
    if (request.with_distance) reply_distance(call, m.distance_meters / request.shape.to_meters);
    // Found scores lie in a cell's span, in [0, 2^54): truncated as Redis's implicit cast does.
    if (request.with_hash) call.reply.integer(static_cast<long long>(m.member->score));
    if (request.with_coordinates) {
      call.reply.array(2);
      reply_coordinate(call, m.position.longitude);
      reply_coordinate(call, m.position.latitude);
    }
  }
}

void delete_if_present(Call& call, const std::string& key) {
  auto& r = replica(call);
  if (r.keyspace().find(call.client.db, key) != nullptr) r.del(call.client.db, key, now(call));
}

// Replaces `destination` with the matches (scores: geohashes, or distances in the request's
// unit with STOREDIST); an empty result deletes it.
void store_matches(Call& call, const SearchRequest& request, const std::string& destination,
                   const std::vector<Match>& matches) {
  delete_if_present(call, destination);
  auto& r = replica(call);
  for (const Match& m : matches) {
    const double score =
        request.store_distance ? m.distance_meters / request.shape.to_meters : m.member->score;
    (void)r.zadd(call.client.db, destination, m.member->member, score, now(call));
  }
  call.reply.integer(static_cast<long long>(matches.size()));
}

void search_command(Call& call, SearchCommand command) {
  const bool store = command == SearchCommand::kSearchStore;
  bool ok = false;
  const crdt::KeyState* state = geo_set_for_read(call, call.args[store ? 2 : 1], &ok);
  if (!ok) return;
  SearchRequest request;
  std::size_t first = store ? 3 : 2;
  if (command == SearchCommand::kRadiusAroundPosition) {
    first = 6;
    if (!position_or_reply(call, call.args[2], call.args[3], &request.shape.center)) return;
    if (!radius_or_reply(call, call.args[4], call.args[5], &request.shape)) return;
  } else if (command == SearchCommand::kRadiusAroundMember) {
    first = 5;
    if (state != nullptr) {  // an absent set only has its options checked
      const auto score = member_score(state, call.args[2]);
      if (!score) return call.reply.error("ERR could not decode requested zset member");
      request.shape.center = geo::position_of_score(*score);
      if (!radius_or_reply(call, call.args[3], call.args[4], &request.shape)) return;
    }
  }
  if (!parse_search(call, command, state, first, &request)) return;

  const std::string destination = store ? std::string(call.args[1]) : std::string();
  if (state == nullptr) {
    if (!store) return call.reply.array(0);
    delete_if_present(call, destination);
    return call.reply.integer(0);
  }
  // COUNT keeps the nearest, so it sorts unless ANY asked for the first found.
  if (request.count != 0 && request.order == Order::kNone && !request.any) {
    request.order = Order::kAscending;
  }

  std::vector<ScoredMember> candidates;
  const auto limit = request.any ? static_cast<std::size_t>(request.count) : 0;
  std::vector<Match> matches = find_matches(*state, request.shape, limit, &candidates);
  const std::size_t keep = request.count == 0
                               ? matches.size()
                               : std::min(matches.size(), static_cast<std::size_t>(request.count));
  sort_matches(&matches, request.order, keep);
  matches.resize(keep);
  if (store) return store_matches(call, request, destination, matches);
  reply_matches(call, request, matches);
}

void geosearch(Call& call) { search_command(call, SearchCommand::kSearch); }
void geosearchstore(Call& call) { search_command(call, SearchCommand::kSearchStore); }
void georadius_ro(Call& call) { search_command(call, SearchCommand::kRadiusAroundPosition); }
void georadiusbymember_ro(Call& call) { search_command(call, SearchCommand::kRadiusAroundMember); }

constexpr std::uint32_t kWriteOom = kWrite | kDenyOom;

constexpr CommandSpec kCommands[] = {
    {"geoadd", -5, kWriteOom, 1, 1, 1, geoadd, "geo", "Adds members at positions."},
    {"geopos", -2, kReadOnly, 1, 1, 1, geopos, "geo", "Returns members' positions."},
    {"geodist", -4, kReadOnly, 1, 1, 1, geodist, "geo",
     "Returns the distance between two members."},
    {"geohash", -2, kReadOnly, 1, 1, 1, geohash, "geo",
     "Returns members' standard geohash strings."},
    {"geosearch", -7, kReadOnly, 1, 1, 1, geosearch, "geo",
     "Returns members inside a radius or a box."},
    {"geosearchstore", -8, kWriteOom, 1, 2, 1, geosearchstore, "geo",
     "Stores members inside a radius or a box."},
    {"georadius_ro", -6, kReadOnly, 1, 1, 1, georadius_ro, "geo",
     "Returns members within a radius of a position."},
    {"georadiusbymember_ro", -5, kReadOnly, 1, 1, 1, georadiusbymember_ro, "geo",
     "Returns members within a radius of a member."},
};

}  // namespace

std::span<const CommandSpec> geo_commands() { return kCommands; }

}  // namespace tern::node
