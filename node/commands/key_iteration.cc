#include "node/commands/key_iteration.h"

#include "node/commands/encoding.h"

#include <charconv>
#include <random>

#include "node/commands/arguments.h"
#include "node/commands/encoding.h"
#include "node/glob_match.h"
#include "node/node.h"

namespace tern::node {
namespace {

bool live(const Store& store, const crdt::KeyState& state) {
  return !state.expired_at(store.now_ms()) && state.type() != crdt::ValueType::kNone;
}

}  // namespace

void for_each_live_key(const Store& store, std::uint32_t db,
                       const std::function<void(std::string_view, const crdt::KeyState&)>& fn) {
  if (db >= store.databases()) return;
  for (const auto& [key, state] : store.replica().keyspace().database(db)) {
    if (live(store, state)) fn(key, state);
  }
}

// A step of the keyspace table's SCAN (crdt/key_table.h): Redis's guarantee, a key present
// for the whole iteration is returned at least once, across growth.
ScanPage scan_keys(const Store& store, std::uint32_t db, const ScanRequest& request) {
  ScanPage page;
  if (db >= store.databases()) return page;
  const auto& table = store.replica().keyspace().database(db);
  const bool any_name = request.pattern.empty() || request.pattern == "*";
  page.next_cursor = table.scan(request.cursor, request.count, [&](std::string_view key, const crdt::KeyState& state) {
    if (!live(store, state)) return;
    if (!any_name && !glob_match(request.pattern, key)) return;
    if (!request.type.empty() && !equals_ignore_case(request.type, type_name(state.type()))) return;
    page.keys.emplace_back(key);
  });
  return page;
}

std::string_view type_name(crdt::ValueType type) {
  switch (type) {
    case crdt::ValueType::kString: return "string";
    case crdt::ValueType::kHash: return "hash";
    case crdt::ValueType::kSet: return "set";
    case crdt::ValueType::kSortedSet: return "zset";
    case crdt::ValueType::kNone: break;
  }
  return "none";
}

bool parse_element_scan(Call& call, ElementScan* out) {
  if (!parse_scan_cursor(call, call.args[2], &out->cursor)) return false;
  out->pattern.clear();
  for (std::size_t i = 3; i < call.args.size(); i += 2) {
    if (i + 1 >= call.args.size()) return reply_syntax_error(call), false;
    if (equals_ignore_case(call.args[i], "MATCH")) {
      out->pattern = std::string(call.args[i + 1]);
    } else if (equals_ignore_case(call.args[i], "COUNT")) {
      long long count = 0;
      if (!integer_argument(call, call.args[i + 1], &count)) return false;
      if (count < 1) return reply_syntax_error(call), false;
      out->count = static_cast<std::size_t>(count);
    } else {
      return reply_syntax_error(call), false;
    }
  }
  if (out->pattern == "*") out->pattern.clear();
  return true;
}

std::uint64_t scan_elements(Call& call, const crdt::KeyState* state, crdt::ValueType type, const ElementScan& scan,
                            const std::function<void(std::string_view, const crdt::Register*)>& emit) {
  if (state == nullptr) return 0;
  const auto matching = [&](std::string_view member, const crdt::Register* reg) {
    if (scan.pattern.empty() || glob_match(scan.pattern, member)) emit(member, reg);
  };
  if (!compact_encoding(call, *state)) {
    // A COUNT beyond the table's size asks for everything: cap it so the bucket arithmetic
    // cannot overflow.
    const std::size_t count = std::min<std::size_t>(scan.count, std::size_t{1} << 32);
    return state->scan_members(type, scan.cursor, count, matching);
  }
  switch (type) {
    case crdt::ValueType::kHash:
      for (const auto& [field, value] : state->hash_fields()) matching(field, state->hash_field(field));
      break;
    case crdt::ValueType::kSet:
      for (const auto& member : state->set_members()) matching(member, nullptr);
      break;
    case crdt::ValueType::kSortedSet:
      if (const crdt::ScoreIndex* index = state->sorted_set_index()) {
        index->visit_ranks(0, index->size(), false, [&](const crdt::ScoreIndex::Entry& e) {
          matching(e.member, state->sorted_set_member(e.member));
        });
      }
      break;
    case crdt::ValueType::kNone:
    case crdt::ValueType::kString: break;
  }
  return 0;
}

bool parse_scan_cursor(Call& call, std::string_view text, std::uint64_t* out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (text.empty() || ec != std::errc() || ptr != end) {
    call.reply.error("ERR invalid cursor");
    return false;
  }
  return true;
}

std::optional<std::string> random_live_key(const Store& store, std::uint32_t db) {
  if (db >= store.databases()) return std::nullopt;
  const auto& table = store.replica().keyspace().database(db);
  static std::mt19937_64 rng{std::random_device{}()};
  for (int attempt = 0; attempt < 100 && !table.empty(); ++attempt) {
    auto it = table.sample(rng());
    if (live(store, (*it).value)) return std::string((*it).key);
  }
  for (const auto& [key, state] : table) {
    if (live(store, state)) return std::string(key);
  }
  return std::nullopt;
}

}  // namespace tern::node
