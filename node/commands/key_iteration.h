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
struct ElementScan {
  std::uint64_t cursor = 0;
  std::size_t count = 10;
  std::string pattern;
};
bool parse_element_scan(Call& call, ElementScan* out);
// One HSCAN/SSCAN/ZSCAN page of `state`'s `type` payload: calls emit(member, register) for
// the matching members (register null for sets; both valid only during the call) and
// returns the next cursor. A collection
// Redis would hold compactly (listpack, intset) comes whole with cursor 0, whatever the
// cursor given, as Redis does (sorted sets in score order, the others in member order); a
// larger one pages by the KeyTable cursor, about COUNT members at a time.
std::uint64_t scan_elements(Call& call, const crdt::KeyState* state, crdt::ValueType type, const ElementScan& scan,
                            const std::function<void(std::string_view, const crdt::Register*)>& emit);
// TYPE's answer for a value type ("string", "hash", "set", "zset", "none").
std::string_view type_name(crdt::ValueType type);
std::optional<std::string> random_live_key(const Store& store, std::uint32_t db);

}  // namespace tern::node
