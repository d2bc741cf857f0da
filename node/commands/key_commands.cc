// Generic key commands: DEL, UNLINK, EXISTS, TYPE, TOUCH, KEYS, SCAN, RANDOMKEY, RENAME,
// RENAMENX, COPY, the EXPIRE family, TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST.
// RENAME and COPY rewrite the destination from the source's visible contents (a counter
// arrives as a plain value, a set as fresh adds): what a Redis user sees, made of ops every
// region applies alike.
#include <algorithm>
#include <limits>
#include <random>
#include <string>

#include "node/command_table.h"
#include "node/commands/arguments.h"
#include "node/commands/key_iteration.h"
#include "node/glob_match.h"
#include "node/node.h"

namespace tern::node {
namespace {

using crdt::ValueType;

crdt::Replica& replica(Call& call) { return call.node.store().replica(); }
std::uint64_t now(Call& call) { return call.node.store().now_ms(); }

void del(Call& call) {
  long long removed = 0;
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    const std::string key(call.args[i]);
    if (lookup(call, key, false) != nullptr && replica(call).del(call.client.db, key, now(call))) ++removed;
  }
  call.reply.integer(removed);
}

void exists(Call& call) {
  long long count = 0;
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    if (lookup(call, call.args[i]) != nullptr) ++count;
  }
  call.reply.integer(count);
}

void touch(Call& call) {
  long long count = 0;
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    if (lookup(call, call.args[i], false) != nullptr) ++count;
  }
  call.reply.integer(count);
}

void type(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  call.reply.simple(state == nullptr ? "none" : type_name(state->type()));
}

void keys(Call& call) {
  std::vector<std::string> found;
  const bool all = call.args[1] == "*";
  for_each_live_key(call.node.store(), call.client.db, [&](std::string_view key, const crdt::KeyState&) {
    if (all || glob_match(call.args[1], key)) found.emplace_back(key);
  });
  call.reply.array(found.size());
  for (const auto& k : found) call.reply.bulk(k);
}

void scan(Call& call) {
  ScanRequest request;
  if (!parse_scan_cursor(call, call.args[1], &request.cursor)) return;
  for (std::size_t i = 2; i < call.args.size(); i += 2) {
    if (i + 1 >= call.args.size()) return reply_syntax_error(call);
    const std::string_view value = call.args[i + 1];
    if (equals_ignore_case(call.args[i], "MATCH")) {
      request.pattern = std::string(value);
    } else if (equals_ignore_case(call.args[i], "COUNT")) {
      long long count = 0;
      if (!integer_argument(call, value, &count)) return;
      if (count < 1) return reply_syntax_error(call);
      request.count = static_cast<std::size_t>(count);
    } else if (equals_ignore_case(call.args[i], "TYPE")) {
      request.type = std::string(value);
    } else {
      return reply_syntax_error(call);
    }
  }
  const ScanPage page = scan_keys(call.node.store(), call.client.db, request);
  call.reply.array(2);
  call.reply.bulk(std::to_string(page.next_cursor));
  call.reply.array(page.keys.size());
  for (const auto& k : page.keys) call.reply.bulk(k);
}

void randomkey(Call& call) {
  auto key = random_live_key(call.node.store(), call.client.db);
  if (!key) return call.reply.null();
  call.reply.bulk(*key);
}

// Writes `source`'s visible contents (and TTL) to `key` in `db`, replacing what is there.
void write_copy(Call& call, std::uint32_t db, const std::string& key, const crdt::KeyState& source) {
  crdt::Replica& r = replica(call);
  const std::uint64_t t = now(call);
  if (r.keyspace().find(db, key) != nullptr) r.del(db, key, t);
  switch (source.type()) {
    case ValueType::kString:
      r.set(db, key, source.string_register().read().text, {}, t);
      break;
    case ValueType::kHash:
      for (auto& [field, value] : source.hash_fields()) (void)r.hset(db, key, field, value, t);
      break;
    case ValueType::kSet:
      for (auto& member : source.set_members()) (void)r.sadd(db, key, member, t);
      break;
    case ValueType::kSortedSet:
      for (auto& [member, score] : source.sorted_set_members()) (void)r.zadd(db, key, member, score, t);
      break;
    case ValueType::kNone:
      break;
  }
  if (auto deadline = source.deadline_ms()) r.expire_at(db, key, *deadline, t);
}

void rename_generic(Call& call, bool only_if_absent) {
  const std::string from(call.args[1]);
  const std::string to(call.args[2]);
  const crdt::KeyState* source = lookup(call, from, false);
  if (source == nullptr) return call.reply.error("ERR no such key");
  if (from == to) return only_if_absent ? call.reply.integer(0) : call.reply.simple("OK");
  if (only_if_absent && lookup(call, to, false) != nullptr) return call.reply.integer(0);
  const crdt::KeyState copy = *source;  // the writes below may move the map's nodes
  write_copy(call, call.client.db, to, copy);
  replica(call).del(call.client.db, from, now(call));
  if (only_if_absent) return call.reply.integer(1);
  call.reply.simple("OK");
}
void rename(Call& call) { rename_generic(call, false); }
void renamenx(Call& call) { rename_generic(call, true); }

void copy(Call& call) {
  std::uint32_t db = call.client.db;
  bool replace = false;
  for (std::size_t i = 3; i < call.args.size(); ++i) {
    if (equals_ignore_case(call.args[i], "REPLACE")) {
      replace = true;
    } else if (equals_ignore_case(call.args[i], "DB") && i + 1 < call.args.size()) {
      long long index = 0;
      if (!integer_argument(call, call.args[++i], &index)) return;
      if (index < 0 || index >= static_cast<long long>(call.node.store().databases())) {
        return call.reply.error("ERR DB index is out of range");
      }
      db = static_cast<std::uint32_t>(index);
    } else {
      return reply_syntax_error(call);
    }
  }
  const std::string from(call.args[1]);
  const std::string to(call.args[2]);
  const crdt::KeyState* source = lookup(call, from, false);
  if (source == nullptr) return call.reply.integer(0);
  if (db == call.client.db && from == to) {
    return call.reply.error("ERR source and destination objects are the same");
  }
  if (!replace && call.node.store().find(db, to) != nullptr) return call.reply.integer(0);
  const crdt::KeyState snapshot = *source;
  write_copy(call, db, to, snapshot);
  call.reply.integer(1);
}

enum class ExpireCondition : std::uint8_t { kAlways, kNx, kXx, kGt, kLt };

void expire_generic(Call& call, bool seconds, bool absolute) {
  long long amount = 0;
  if (!integer_argument(call, call.args[2], &amount)) return;
  ExpireCondition condition = ExpireCondition::kAlways;
  bool nx = false, xx = false, gt = false, lt = false;
  for (std::size_t i = 3; i < call.args.size(); ++i) {
    const std::string_view a = call.args[i];
    if (equals_ignore_case(a, "NX")) nx = true;
    else if (equals_ignore_case(a, "XX")) xx = true;
    else if (equals_ignore_case(a, "GT")) gt = true;
    else if (equals_ignore_case(a, "LT")) lt = true;
    else return call.reply.error("ERR Unsupported option " + std::string(a));
  }
  if (nx && (xx || gt || lt)) {
    return call.reply.error("ERR NX and XX, GT or LT options at the same time are not compatible");
  }
  if (gt && lt) return call.reply.error("ERR GT and LT options at the same time are not compatible");
  if (nx) condition = ExpireCondition::kNx;
  if (xx) condition = ExpireCondition::kXx;
  if (gt) condition = ExpireCondition::kGt;
  if (lt) condition = ExpireCondition::kLt;

  constexpr long long kMax = std::numeric_limits<long long>::max();
  const auto invalid = [&] {
    call.reply.error("ERR invalid expire time in '" + lower_case(call.args[0]) + "' command");
  };
  long long when = amount;
  if (seconds) {
    if (when > kMax / 1000 || when < std::numeric_limits<long long>::min() / 1000) return invalid();
    when *= 1000;
  }
  if (!absolute) {
    const auto base = static_cast<long long>(now(call));
    if ((when > 0 && when > kMax - base)) return invalid();
    when += base;
  }
  const std::string key(call.args[1]);
  const crdt::KeyState* state = lookup(call, key, false);
  if (state == nullptr) return call.reply.integer(0);
  const auto current = state->deadline_ms();
  switch (condition) {
    case ExpireCondition::kNx:
      if (current) return call.reply.integer(0);
      break;
    case ExpireCondition::kXx:
      if (!current) return call.reply.integer(0);
      break;
    case ExpireCondition::kGt:  // no TTL counts as infinite
      if (!current || when <= static_cast<long long>(*current)) return call.reply.integer(0);
      break;
    case ExpireCondition::kLt:
      if (current && when >= static_cast<long long>(*current)) return call.reply.integer(0);
      break;
    case ExpireCondition::kAlways:
      break;
  }
  const std::uint64_t deadline = when < 0 ? 0 : static_cast<std::uint64_t>(when);
  replica(call).expire_at(call.client.db, key, deadline, now(call));
  call.reply.integer(1);
}
void expire(Call& call) { expire_generic(call, true, false); }
void pexpire(Call& call) { expire_generic(call, false, false); }
void expireat(Call& call) { expire_generic(call, true, true); }
void pexpireat(Call& call) { expire_generic(call, false, true); }

void ttl_generic(Call& call, bool milliseconds, bool absolute) {
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (state == nullptr) return call.reply.integer(-2);
  const auto deadline = state->deadline_ms();
  if (!deadline) return call.reply.integer(-1);
  if (absolute) {
    return call.reply.integer(static_cast<long long>(milliseconds ? *deadline : *deadline / 1000));
  }
  const std::uint64_t t = now(call);
  const long long left = *deadline > t ? static_cast<long long>(*deadline - t) : 0;
  call.reply.integer(milliseconds ? left : (left + 500) / 1000);
}
void ttl(Call& call) { ttl_generic(call, false, false); }
void pttl(Call& call) { ttl_generic(call, true, false); }
void expiretime(Call& call) { ttl_generic(call, false, true); }
void pexpiretime(Call& call) { ttl_generic(call, true, true); }

void persist(Call& call) {
  const std::string key(call.args[1]);
  if (lookup(call, key, false) == nullptr) return call.reply.integer(0);
  call.reply.integer(replica(call).persist(call.client.db, key, now(call)) ? 1 : 0);
}

constexpr CommandSpec kCommands[] = {
    {"del", -2, kWrite, 1, -1, 1, del, "generic", "Deletes keys."},
    {"unlink", -2, kWrite | kFast, 1, -1, 1, del, "generic", "Deletes keys (tern frees at once)."},
    {"exists", -2, kReadOnly | kFast, 1, -1, 1, exists, "generic", "Counts the keys that exist."},
    {"touch", -2, kReadOnly | kFast, 1, -1, 1, touch, "generic", "Counts the keys that exist, updating their access time."},
    {"type", 2, kReadOnly | kFast, 1, 1, 1, type, "generic", "Returns the type of a key's value."},
    {"keys", 2, kReadOnly, 0, 0, 0, keys, "generic", "Returns the keys matching a pattern."},
    {"scan", -2, kReadOnly, 0, 0, 0, scan, "generic", "Iterates over the keys."},
    {"randomkey", 1, kReadOnly, 0, 0, 0, randomkey, "generic", "Returns a random key."},
    {"rename", 3, kWrite, 1, 2, 1, rename, "generic", "Renames a key."},
    {"renamenx", 3, kWrite | kFast, 1, 2, 1, renamenx, "generic", "Renames a key if the new name is free."},
    {"copy", -3, kWrite | kDenyOom, 1, 2, 1, copy, "generic", "Copies a key's value."},
    {"expire", -3, kWrite | kFast, 1, 1, 1, expire, "generic", "Sets a TTL in seconds."},
    {"pexpire", -3, kWrite | kFast, 1, 1, 1, pexpire, "generic", "Sets a TTL in milliseconds."},
    {"expireat", -3, kWrite | kFast, 1, 1, 1, expireat, "generic", "Sets a deadline as a Unix time in seconds."},
    {"pexpireat", -3, kWrite | kFast, 1, 1, 1, pexpireat, "generic", "Sets a deadline as a Unix time in milliseconds."},
    {"ttl", 2, kReadOnly | kFast, 1, 1, 1, ttl, "generic", "Returns the TTL in seconds."},
    {"pttl", 2, kReadOnly | kFast, 1, 1, 1, pttl, "generic", "Returns the TTL in milliseconds."},
    {"expiretime", 2, kReadOnly | kFast, 1, 1, 1, expiretime, "generic", "Returns the deadline as a Unix time in seconds."},
    {"pexpiretime", 2, kReadOnly | kFast, 1, 1, 1, pexpiretime, "generic", "Returns the deadline as a Unix time in milliseconds."},
    {"persist", 2, kWrite | kFast, 1, 1, 1, persist, "generic", "Removes a key's TTL."},
};

}  // namespace

std::span<const CommandSpec> key_commands() { return kCommands; }

}  // namespace tern::node
