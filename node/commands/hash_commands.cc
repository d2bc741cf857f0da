// Hash commands. Each field is a CRDT register (crdt/README.md: HSET, HINCRBY rows); a
// command writes one op per field it changes.
#include <string>

#include "node/command_table.h"
#include "node/commands/arguments.h"
#include "node/commands/key_iteration.h"
#include "node/commands/random_picks.h"
#include "node/glob_match.h"
#include "node/node.h"

namespace tern::node {
namespace {

using crdt::ValueType;

crdt::Replica& replica(Call& call) { return call.node.store().replica(); }
std::uint64_t now(Call& call) { return call.node.store().now_ms(); }

const crdt::KeyState* hash_for_read(Call& call, std::string_view key, bool* ok) {
  const crdt::KeyState* state = lookup(call, key);
  *ok = check_type(call, state, ValueType::kHash);
  return state;
}

void hset(Call& call) {
  if (call.args.size() % 2 != 0) return reply_wrong_arity(call);
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kHash)) return;
  const std::string key(call.args[1]);
  long long added = 0;
  for (std::size_t i = 2; i + 1 < call.args.size(); i += 2) {
    auto result = replica(call).hset(call.client.db, key, std::string(call.args[i]), std::string(call.args[i + 1]), now(call));
    if (result.ok() && result.value()) ++added;
  }
  if (lower_case(call.args[0]) == "hmset") return call.reply.simple("OK");
  call.reply.integer(added);
}

void hsetnx(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kHash)) return;
  if (state != nullptr && state->hash_field(std::string(call.args[2])) != nullptr) return call.reply.integer(0);
  (void)replica(call).hset(call.client.db, std::string(call.args[1]), std::string(call.args[2]), std::string(call.args[3]), now(call));
  call.reply.integer(1);
}

void hget(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = hash_for_read(call, call.args[1], &ok);
  if (!ok) return;
  const crdt::Register* field = state != nullptr ? state->hash_field(std::string(call.args[2])) : nullptr;
  if (field == nullptr) return call.reply.null();
  call.reply.bulk(field->read().text);
}

void hmget(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = hash_for_read(call, call.args[1], &ok);
  if (!ok) return;
  call.reply.array(call.args.size() - 2);
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    const crdt::Register* field = state != nullptr ? state->hash_field(std::string(call.args[i])) : nullptr;
    if (field == nullptr) call.reply.null();
    else call.reply.bulk(field->read().text);
  }
}

void hgetall(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = hash_for_read(call, call.args[1], &ok);
  if (!ok) return;
  const auto fields = state != nullptr ? state->hash_fields() : decltype(state->hash_fields()){};
  call.reply.map(fields.size());
  for (const auto& [f, v] : fields) {
    call.reply.bulk(f);
    call.reply.bulk(v);
  }
}

void hkeys_or_vals(Call& call, bool keys) {
  bool ok = false;
  const crdt::KeyState* state = hash_for_read(call, call.args[1], &ok);
  if (!ok) return;
  const auto fields = state != nullptr ? state->hash_fields() : decltype(state->hash_fields()){};
  call.reply.array(fields.size());
  for (const auto& [f, v] : fields) call.reply.bulk(keys ? f : v);
}
void hkeys(Call& call) { hkeys_or_vals(call, true); }
void hvals(Call& call) { hkeys_or_vals(call, false); }

void hdel(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kHash)) return;
  const std::string key(call.args[1]);
  long long removed = 0;
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    auto result = replica(call).hdel(call.client.db, key, std::string(call.args[i]), now(call));
    if (result.ok() && result.value()) ++removed;
  }
  call.reply.integer(removed);
}

void hexists(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = hash_for_read(call, call.args[1], &ok);
  if (!ok) return;
  call.reply.integer(state != nullptr && state->hash_field(std::string(call.args[2])) != nullptr ? 1 : 0);
}

void hlen(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = hash_for_read(call, call.args[1], &ok);
  if (!ok) return;
  call.reply.integer(state == nullptr ? 0 : static_cast<long long>(state->count_members(ValueType::kHash, SIZE_MAX)));
}

void hstrlen(Call& call) {
  bool ok = false;
  const crdt::KeyState* state = hash_for_read(call, call.args[1], &ok);
  if (!ok) return;
  const crdt::Register* field = state != nullptr ? state->hash_field(std::string(call.args[2])) : nullptr;
  call.reply.integer(field == nullptr ? 0 : static_cast<long long>(field->read().text.size()));
}

void hincrby(Call& call) {
  long long delta = 0;
  if (!integer_argument(call, call.args[3], &delta)) return;
  auto result = replica(call).hincr_by(call.client.db, std::string(call.args[1]), std::string(call.args[2]), delta, now(call));
  if (!result.ok()) {
    if (result.error() == crdt::Errc::kNotInteger) return call.reply.error("ERR hash value is not an integer");
    return call.reply.error(crdt::errc_message(result.error()));
  }
  call.reply.integer(result.value());
}

void hincrbyfloat(Call& call) {
  long double delta = 0;
  if (!long_double_argument(call, call.args[3], &delta)) return;
  auto result = replica(call).hincr_by_float(call.client.db, std::string(call.args[1]), std::string(call.args[2]), delta, now(call));
  if (!result.ok()) {
    if (result.error() == crdt::Errc::kNotFloat) return call.reply.error("ERR hash value is not a float");
    return call.reply.error(crdt::errc_message(result.error()));
  }
  call.reply.bulk(result.value());
}

void hrandfield(Call& call) {
  bool with_values = false;
  long long count = 0;
  const bool has_count = call.args.size() >= 3;
  if (call.args.size() > 4) return reply_syntax_error(call);
  if (has_count && !integer_argument(call, call.args[2], &count)) return;
  if (call.args.size() == 4) {
    if (!equals_ignore_case(call.args[3], "WITHVALUES")) return reply_syntax_error(call);
    with_values = true;
  }
  if (has_count && (count < -(1LL << 62) || count > (1LL << 62))) return call.reply.error("ERR value is out of range");
  bool ok = false;
  const crdt::KeyState* state = hash_for_read(call, call.args[1], &ok);
  if (!ok) return;
  const auto fields = state != nullptr ? state->hash_fields() : decltype(state->hash_fields()){};
  if (!has_count) {
    if (fields.empty()) return call.reply.null();
    return call.reply.bulk(fields[random_indexes(fields.size(), 1)[0]].first);
  }
  const auto picks = random_indexes(fields.size(), count);
  if (with_values && call.client.protocol == 3) {
    call.reply.array(picks.size());
    for (auto i : picks) {
      call.reply.array(2);
      call.reply.bulk(fields[i].first);
      call.reply.bulk(fields[i].second);
    }
    return;
  }
  call.reply.array(picks.size() * (with_values ? 2 : 1));
  for (auto i : picks) {
    call.reply.bulk(fields[i].first);
    if (with_values) call.reply.bulk(fields[i].second);
  }
}

void hscan(Call& call) {
  ElementScan scan;
  if (!parse_element_scan(call, &scan)) return;
  bool ok = false;
  const crdt::KeyState* state = hash_for_read(call, call.args[1], &ok);
  if (!ok) return;
  std::vector<std::pair<std::string, std::string>> fields;
  const std::uint64_t next = scan_elements(call, state, ValueType::kHash, scan,
                                           [&](std::string_view field, const crdt::Register* reg) {
                                             fields.emplace_back(field, reg->read().text);
                                           });
  call.reply.array(2);
  call.reply.bulk(std::to_string(next));
  call.reply.array(fields.size() * 2);
  for (const auto& [f, v] : fields) {
    call.reply.bulk(f);
    call.reply.bulk(v);
  }
}

constexpr std::uint32_t kWriteOom = kWrite | kDenyOom;

constexpr CommandSpec kCommands[] = {
    {"hset", -4, kWriteOom | kFast, 1, 1, 1, hset, "hash", "Sets fields of a hash."},
    {"hmset", -4, kWriteOom | kFast, 1, 1, 1, hset, "hash", "Sets fields of a hash (old form)."},
    {"hsetnx", 4, kWriteOom | kFast, 1, 1, 1, hsetnx, "hash", "Sets a field only if it does not exist."},
    {"hget", 3, kReadOnly | kFast, 1, 1, 1, hget, "hash", "Returns a field's value."},
    {"hmget", -3, kReadOnly | kFast, 1, 1, 1, hmget, "hash", "Returns several fields' values."},
    {"hgetall", 2, kReadOnly, 1, 1, 1, hgetall, "hash", "Returns every field and value."},
    {"hkeys", 2, kReadOnly, 1, 1, 1, hkeys, "hash", "Returns every field."},
    {"hvals", 2, kReadOnly, 1, 1, 1, hvals, "hash", "Returns every value."},
    {"hdel", -3, kWrite | kFast, 1, 1, 1, hdel, "hash", "Deletes fields."},
    {"hexists", 3, kReadOnly | kFast, 1, 1, 1, hexists, "hash", "Tells whether a field exists."},
    {"hlen", 2, kReadOnly | kFast, 1, 1, 1, hlen, "hash", "Returns the number of fields."},
    {"hstrlen", 3, kReadOnly | kFast, 1, 1, 1, hstrlen, "hash", "Returns the length of a field's value."},
    {"hincrby", 4, kWriteOom | kFast, 1, 1, 1, hincrby, "hash", "Increments a field's integer value."},
    {"hincrbyfloat", 4, kWriteOom | kFast, 1, 1, 1, hincrbyfloat, "hash", "Increments a field's float value."},
    {"hrandfield", -2, kReadOnly, 1, 1, 1, hrandfield, "hash", "Returns random fields."},
    {"hscan", -3, kReadOnly, 1, 1, 1, hscan, "hash", "Iterates over fields and values."},
};

}  // namespace

std::span<const CommandSpec> hash_commands() { return kCommands; }

}  // namespace tern::node
