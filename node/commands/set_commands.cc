// Set commands: an add-wins observed-remove set per key (crdt/README.md, SADD/SREM row).
// Multi-key results (SINTER, SUNION, SDIFF and their STORE forms) are computed here from the
// visible members; a STORE writes the result as fresh adds after deleting the destination.
#include <algorithm>
#include <set>
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

void sadd(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kSet)) return;
  const std::string key(call.args[1]);
  long long added = 0;
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    auto r = replica(call).sadd(call.client.db, key, std::string(call.args[i]), now(call));
    if (r.ok() && r.value()) ++added;
  }
  call.reply.integer(added);
}

void srem(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kSet)) return;
  const std::string key(call.args[1]);
  long long removed = 0;
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    auto r = replica(call).srem(call.client.db, key, std::string(call.args[i]), now(call));
    if (r.ok() && r.value()) ++removed;
  }
  call.reply.integer(removed);
}

// Reads a set argument; false after replying WRONGTYPE. A missing key is the empty set.
bool read_set(Call& call, std::string_view key, std::vector<std::string>* members, bool* exists = nullptr) {
  const crdt::KeyState* state = lookup(call, key);
  if (!check_type(call, state, ValueType::kSet)) return false;
  if (exists != nullptr) *exists = state != nullptr;
  members->clear();
  if (state != nullptr) *members = state->set_members();
  return true;
}

void reply_members(Call& call, const std::vector<std::string>& members) {
  call.reply.set(members.size());
  for (const auto& m : members) call.reply.bulk(m);
}

void smembers(Call& call) {
  std::vector<std::string> members;
  if (!read_set(call, call.args[1], &members)) return;
  reply_members(call, members);
}

void sismember(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (!check_type(call, state, ValueType::kSet)) return;
  call.reply.integer(state != nullptr && state->set_contains(std::string(call.args[2])) ? 1 : 0);
}

void smismember(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (!check_type(call, state, ValueType::kSet)) return;
  call.reply.array(call.args.size() - 2);
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    call.reply.integer(state != nullptr && state->set_contains(std::string(call.args[i])) ? 1 : 0);
  }
}

void scard(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (!check_type(call, state, ValueType::kSet)) return;
  call.reply.integer(state == nullptr ? 0 : static_cast<long long>(state->count_members(ValueType::kSet, SIZE_MAX)));
}

void spop_or_srandmember(Call& call, bool pop) {
  if (call.args.size() > 3) return reply_syntax_error(call);
  long long count = 1;
  const bool has_count = call.args.size() == 3;
  if (has_count) {
    if (!integer_argument(call, call.args[2], &count)) return;
    if (pop && count < 0) return call.reply.error("ERR value is out of range, must be positive");
    if (count < -(1LL << 62) || count > (1LL << 62)) return call.reply.error("ERR value is out of range");
  }
  std::vector<std::string> members;
  bool exists = false;
  if (!read_set(call, call.args[1], &members, &exists)) return;
  if (!has_count) {
    if (members.empty()) return call.reply.null();
    const std::string chosen = members[random_indexes(members.size(), 1)[0]];
    if (pop) (void)replica(call).srem(call.client.db, std::string(call.args[1]), chosen, now(call));
    return call.reply.bulk(chosen);
  }
  const auto picks = random_indexes(members.size(), count);
  if (pop) {
    call.reply.set(picks.size());
  } else {
    call.reply.array(picks.size());
  }
  const std::string key(call.args[1]);
  for (auto i : picks) {
    if (pop) (void)replica(call).srem(call.client.db, key, members[i], now(call));
    call.reply.bulk(members[i]);
  }
}
void spop(Call& call) { spop_or_srandmember(call, true); }
void srandmember(Call& call) { spop_or_srandmember(call, false); }

void smove(Call& call) {
  const crdt::KeyState* source = lookup(call, call.args[1], false);
  const crdt::KeyState* destination = lookup(call, call.args[2], false);
  if (!check_type(call, source, ValueType::kSet) || !check_type(call, destination, ValueType::kSet)) return;
  const std::string member(call.args[3]);
  if (source == nullptr || !source->set_contains(member)) return call.reply.integer(0);
  if (call.args[1] == call.args[2]) return call.reply.integer(1);
  const std::string from(call.args[1]);
  const std::string to(call.args[2]);
  (void)replica(call).srem(call.client.db, from, member, now(call));
  (void)replica(call).sadd(call.client.db, to, member, now(call));
  call.reply.integer(1);
}

enum class Algebra : std::uint8_t { kInter, kUnion, kDiff };

// Computes the algebra over keys args[first..]; false after replying an error.
bool combine(Call& call, Algebra op, std::size_t first, std::size_t last, std::vector<std::string>* out) {
  std::vector<std::string> result;
  std::vector<std::string> members;
  for (std::size_t i = first; i < last; ++i) {
    if (!read_set(call, call.args[i], &members)) return false;
    if (i == first) {
      result = members;
      continue;
    }
    std::vector<std::string> next;
    switch (op) {
      case Algebra::kInter:
        std::set_intersection(result.begin(), result.end(), members.begin(), members.end(), std::back_inserter(next));
        break;
      case Algebra::kUnion:
        std::set_union(result.begin(), result.end(), members.begin(), members.end(), std::back_inserter(next));
        break;
      case Algebra::kDiff:
        std::set_difference(result.begin(), result.end(), members.begin(), members.end(), std::back_inserter(next));
        break;
    }
    result = std::move(next);
  }
  *out = std::move(result);
  return true;
}

void store_set(Call& call, const std::string& destination, const std::vector<std::string>& members) {
  auto& r = replica(call);
  if (r.keyspace().find(call.client.db, destination) != nullptr) r.del(call.client.db, destination, now(call));
  for (const auto& m : members) (void)r.sadd(call.client.db, destination, m, now(call));
  call.reply.integer(static_cast<long long>(members.size()));
}

void sinter(Call& call) {
  std::vector<std::string> out;
  if (combine(call, Algebra::kInter, 1, call.args.size(), &out)) reply_members(call, out);
}
void sunion(Call& call) {
  std::vector<std::string> out;
  if (combine(call, Algebra::kUnion, 1, call.args.size(), &out)) reply_members(call, out);
}
void sdiff(Call& call) {
  std::vector<std::string> out;
  if (combine(call, Algebra::kDiff, 1, call.args.size(), &out)) reply_members(call, out);
}
void sinterstore(Call& call) {
  std::vector<std::string> out;
  if (combine(call, Algebra::kInter, 2, call.args.size(), &out)) store_set(call, std::string(call.args[1]), out);
}
void sunionstore(Call& call) {
  std::vector<std::string> out;
  if (combine(call, Algebra::kUnion, 2, call.args.size(), &out)) store_set(call, std::string(call.args[1]), out);
}
void sdiffstore(Call& call) {
  std::vector<std::string> out;
  if (combine(call, Algebra::kDiff, 2, call.args.size(), &out)) store_set(call, std::string(call.args[1]), out);
}

void sintercard(Call& call) {
  long long numkeys = 0;
  if (!integer_argument(call, call.args[1], &numkeys)) return;
  if (numkeys <= 0) return call.reply.error("ERR numkeys should be greater than 0");
  const auto keys_end = static_cast<std::size_t>(numkeys) + 2;
  if (keys_end > call.args.size()) return call.reply.error("ERR Number of keys can't be greater than number of args");
  long long limit = 0;
  for (std::size_t i = keys_end; i < call.args.size(); i += 2) {
    if (!equals_ignore_case(call.args[i], "LIMIT") || i + 1 >= call.args.size()) return reply_syntax_error(call);
    if (!integer_argument(call, call.args[i + 1], &limit)) return;
    if (limit < 0) return call.reply.error("ERR LIMIT can't be negative");
  }
  std::vector<std::string> out;
  if (!combine(call, Algebra::kInter, 2, keys_end, &out)) return;
  const auto n = static_cast<long long>(out.size());
  call.reply.integer(limit > 0 ? std::min(limit, n) : n);
}

void sscan(Call& call) {
  ElementScan scan;
  if (!parse_element_scan(call, &scan)) return;
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (!check_type(call, state, ValueType::kSet)) return;
  std::vector<std::string> page;
  const std::uint64_t next = scan_elements(call, state, ValueType::kSet, scan,
                                           [&](std::string_view member, const crdt::Register*) { page.emplace_back(member); });
  call.reply.array(2);
  call.reply.bulk(std::to_string(next));
  call.reply.array(page.size());
  for (const auto& m : page) call.reply.bulk(m);
}

constexpr std::uint32_t kWriteOom = kWrite | kDenyOom;

constexpr CommandSpec kCommands[] = {
    {"sadd", -3, kWriteOom | kFast, 1, 1, 1, sadd, "set", "Adds members to a set."},
    {"srem", -3, kWrite | kFast, 1, 1, 1, srem, "set", "Removes members from a set."},
    {"smembers", 2, kReadOnly, 1, 1, 1, smembers, "set", "Returns every member."},
    {"sismember", 3, kReadOnly | kFast, 1, 1, 1, sismember, "set", "Tells whether a member is in a set."},
    {"smismember", -3, kReadOnly | kFast, 1, 1, 1, smismember, "set", "Tells whether members are in a set."},
    {"scard", 2, kReadOnly | kFast, 1, 1, 1, scard, "set", "Returns the number of members."},
    {"spop", -2, kWrite | kFast, 1, 1, 1, spop, "set", "Removes and returns random members."},
    {"srandmember", -2, kReadOnly, 1, 1, 1, srandmember, "set", "Returns random members."},
    {"smove", 4, kWrite | kFast, 1, 2, 1, smove, "set", "Moves a member to another set."},
    {"sinter", -2, kReadOnly, 1, -1, 1, sinter, "set", "Intersects sets."},
    {"sintercard", -3, kReadOnly, 0, 0, 0, sintercard, "set", "Counts an intersection."},
    {"sunion", -2, kReadOnly, 1, -1, 1, sunion, "set", "Unites sets."},
    {"sdiff", -2, kReadOnly, 1, -1, 1, sdiff, "set", "Subtracts sets."},
    {"sinterstore", -3, kWriteOom, 1, -1, 1, sinterstore, "set", "Stores an intersection."},
    {"sunionstore", -3, kWriteOom, 1, -1, 1, sunionstore, "set", "Stores a union."},
    {"sdiffstore", -3, kWriteOom, 1, -1, 1, sdiffstore, "set", "Stores a difference."},
    {"sscan", -3, kReadOnly, 1, 1, 1, sscan, "set", "Iterates over members."},
};

}  // namespace

std::span<const CommandSpec> set_commands() { return kCommands; }

}  // namespace tern::node
