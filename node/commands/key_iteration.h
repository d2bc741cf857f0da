#pragma once
// Walking a database's keys for KEYS, SCAN, RANDOMKEY, DBSIZE and eviction sampling.
// Only live keys count: not expired, and holding a visible value (a key may be stored only
// as CRDT metadata, e.g. a delete that records counter observations).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "node/command.h"
#include "node/store.h"

namespace tern::node {

void for_each_live_key(const Store& store, std::uint32_t db,
                       const std::function<void(std::string_view, const crdt::KeyState&)>& fn);

struct ScanRequest {
  std::uint64_t cursor = 0;
  std::size_t count = 10;
  std::string pattern;  // "" = all
  std::string type;     // "" = any
};
struct ScanPage {
  std::uint64_t next_cursor = 0;
  std::vector<std::string> keys;
};
// SCAN's guarantee: a key present for the whole iteration is returned at least once.
ScanPage scan_keys(const Store& store, std::uint32_t db, const ScanRequest& request);
bool parse_scan_cursor(Call& call, std::string_view text, std::uint64_t* out);
// HSCAN/SSCAN/ZSCAN's arguments: key cursor [MATCH pattern] [COUNT n]. The pattern is ""
// when every element matches. False after replying an error.
bool parse_element_scan(Call& call, std::uint64_t* cursor, std::string* pattern);
// TYPE's answer for a value type ("string", "hash", "set", "zset", "none").
std::string_view type_name(crdt::ValueType type);
std::optional<std::string> random_live_key(const Store& store, std::uint32_t db);

}  // namespace tern::node
