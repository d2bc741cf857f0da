#pragma once
// Redis's representation names (OBJECT ENCODING) from the same thresholds Redis uses
// (hash-max-listpack-entries, set-max-intset-entries, ...). tern keeps one representation per
// type; the names tell tools what Redis would do, and the compact ones also decide that
// HSCAN/SSCAN/ZSCAN answer in one page, as Redis does for them.
#include <cstddef>
#include <string_view>

#include "crdt/key_state.h"
#include "node/command.h"

namespace tern::node {

// A positive integer directive's value, 0 when unset or not positive.
std::size_t config_number(Call& call, std::string_view name);
// "int", "embstr", "raw", "listpack", "intset", "hashtable", "skiplist" or "none". At most
// O(threshold): a collection above its entry threshold is named without visiting members.
std::string_view encoding_name(Call& call, const crdt::KeyState& state);
// Listpack or intset: Redis returns such a collection whole from one SCAN call.
bool compact_encoding(Call& call, const crdt::KeyState& state);

}  // namespace tern::node
