#include "node/commands/key_iteration.h"

#include <charconv>
#include <random>

#include "node/glob_match.h"
#include "node/node.h"

namespace tern::node {
namespace {

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

bool live(const Store& store, const crdt::KeyState& state) {
  return !state.expired_at(store.now_ms()) && state.type() != crdt::ValueType::kNone;
}

}  // namespace

void for_each_live_key(const Store& store, std::uint32_t db,
                       const std::function<void(const std::string&, const crdt::KeyState&)>& fn) {
  if (db >= store.databases()) return;
  for (const auto& [key, state] : store.replica().keyspace().database(db)) {
    if (live(store, state)) fn(key, state);
  }
}

// The keyspace's hash map gives no stable order across growth, so one call returns every
// matching key and cursor 0: the SCAN guarantee holds trivially, at the cost of one large
// reply on a large database.
ScanPage scan_keys(const Store& store, std::uint32_t db, const ScanRequest& request) {
  ScanPage page;
  if (request.cursor != 0) return page;  // no iteration is ever left open
  for_each_live_key(store, db, [&](const std::string& key, const crdt::KeyState& state) {
    if (!request.pattern.empty() && request.pattern != "*" && !glob_match(request.pattern, key)) return;
    if (!request.type.empty() && !equals_ignore_case(request.type, type_name(state.type()))) return;
    page.keys.push_back(key);
  });
  return page;
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
  const auto& map = store.replica().keyspace().database(db);
  if (map.empty()) return std::nullopt;
  static std::mt19937_64 rng{0x7e57};
  // Pick a random bucket and walk from it: cheap and good enough for RANDOMKEY.
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::size_t bucket = std::uniform_int_distribution<std::size_t>(0, map.bucket_count() - 1)(rng);
    for (auto it = map.begin(bucket); it != map.end(bucket); ++it) {
      if (live(store, it->second)) return it->first;
    }
  }
  for (const auto& [key, state] : map) {
    if (live(store, state)) return key;
  }
  return std::nullopt;
}

}  // namespace tern::node
