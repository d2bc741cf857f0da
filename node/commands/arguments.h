#pragma once
// Argument parsing shared by command families, with redis-server's error replies. Each
// function returns false after replying, so a handler can `if (!...) return;`.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crdt/key_state.h"
#include "node/command.h"

namespace tern::node {

// Integers as Redis's string2ll reads them ("ERR value is not an integer or out of range").
bool integer_argument(Call& call, std::string_view text, long long* out);
// Doubles as Redis's getDoubleFromObject ("ERR value is not a valid float"); NaN refused.
bool double_argument(Call& call, std::string_view text, double* out);
bool long_double_argument(Call& call, std::string_view text, long double* out);

// The key's visible state, lazily expiring it; counts keyspace hits and misses when `read`.
const crdt::KeyState* lookup(Call& call, std::string_view key, bool read = true);
// Replies WRONGTYPE and returns false when `state` exists and is not of `type`.
bool check_type(Call& call, const crdt::KeyState* state, crdt::ValueType type);

// A string value's bytes (GET); the state must be a string.
std::string string_value(const crdt::KeyState& state);

}  // namespace tern::node
