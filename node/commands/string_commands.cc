// String and counter commands. Every write becomes crdt ops through the Replica; values
// that depend on the old value (APPEND, SETRANGE) are resolved here and written as a SET
// that keeps the TTL, as crdt/README.md's conflict table describes.
#include <algorithm>
#include <limits>
#include <string>

#include "crdt/number_text.h"
#include "node/command_table.h"
#include "node/commands/arguments.h"
#include "node/commands/expiry_arguments.h"
#include "node/node.h"

namespace tern::node {
namespace {

using crdt::SetTtl;
using crdt::ValueType;

constexpr std::size_t kMaxStringBytes = 512ULL * 1024 * 1024;

void reply_errc(Call& call, crdt::Errc errc) { call.reply.error(crdt::errc_message(errc)); }

crdt::Replica& replica(Call& call) { return call.node.store().replica(); }
std::uint64_t now(Call& call) { return call.node.store().now_ms(); }

void get(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (state == nullptr) return call.reply.null();
  if (!check_type(call, state, ValueType::kString)) return;
  call.reply.bulk(string_value(*state));
}

struct SetOptions {
  bool nx = false;
  bool xx = false;
  bool get = false;
  SetTtl ttl;
};

ExpiryUnit expiry_unit(std::string_view option) {
  if (equals_ignore_case(option, "EX")) return ExpiryUnit::kSeconds;
  if (equals_ignore_case(option, "PX")) return ExpiryUnit::kMilliseconds;
  if (equals_ignore_case(option, "EXAT")) return ExpiryUnit::kUnixSeconds;
  return ExpiryUnit::kUnixMilliseconds;
}

bool is_expiry_option(std::string_view option) {
  return equals_ignore_case(option, "EX") || equals_ignore_case(option, "PX") ||
         equals_ignore_case(option, "EXAT") || equals_ignore_case(option, "PXAT");
}

// Parses SET's options from args[3...]; false after replying an error. Like Redis, every
// option's syntax is checked before the expiry amount is read.
bool parse_set_options(Call& call, SetOptions* out) {
  std::optional<std::size_t> expiry_at;
  bool keep_ttl = false;
  for (std::size_t i = 3; i < call.args.size(); ++i) {
    const std::string_view a = call.args[i];
    const bool has_next = i + 1 < call.args.size();
    if (equals_ignore_case(a, "NX") && !out->xx) {
      out->nx = true;
    } else if (equals_ignore_case(a, "XX") && !out->nx) {
      out->xx = true;
    } else if (equals_ignore_case(a, "GET")) {
      out->get = true;
    } else if (equals_ignore_case(a, "KEEPTTL") && !expiry_at) {
      keep_ttl = true;
    } else if (is_expiry_option(a) && !keep_ttl && !expiry_at && has_next) {
      expiry_at = i;
      ++i;
    } else {
      reply_syntax_error(call);
      return false;
    }
  }
  if (keep_ttl) out->ttl.mode = SetTtl::Mode::kKeep;
  if (expiry_at) {
    auto deadline = positive_expiry_deadline(call, call.args[*expiry_at + 1], expiry_unit(call.args[*expiry_at]));
    if (!deadline) return false;
    out->ttl = {SetTtl::Mode::kDeadline, *deadline};
  }
  return true;
}

// SET's core: the conditions, the optional old value, the write. Replies as SET does.
void set_generic(Call& call, std::string_view key, std::string_view value, const SetOptions& options) {
  const crdt::KeyState* state = lookup(call, key, options.get);
  std::optional<std::string> old;
  if (options.get && state != nullptr) {
    if (!check_type(call, state, ValueType::kString)) return;
    old = string_value(*state);
  }
  if ((options.nx && state != nullptr) || (options.xx && state == nullptr)) {
    return options.get ? (old ? call.reply.bulk(*old) : call.reply.null()) : call.reply.null();
  }
  replica(call).set(call.client.db, std::string(key), std::string(value), options.ttl, now(call));
  if (options.get) return old ? call.reply.bulk(*old) : call.reply.null();
  call.reply.simple("OK");
}

void set(Call& call) {
  SetOptions options;
  if (!parse_set_options(call, &options)) return;
  set_generic(call, call.args[1], call.args[2], options);
}

void setnx(Call& call) {
  if (lookup(call, call.args[1], false) != nullptr) return call.reply.integer(0);
  replica(call).set(call.client.db, std::string(call.args[1]), std::string(call.args[2]), {}, now(call));
  call.reply.integer(1);
}

void setex_generic(Call& call, ExpiryUnit unit) {
  auto deadline = positive_expiry_deadline(call, call.args[2], unit);
  if (!deadline) return;
  replica(call).set(call.client.db, std::string(call.args[1]), std::string(call.args[3]),
                    {SetTtl::Mode::kDeadline, *deadline}, now(call));
  call.reply.simple("OK");
}
void setex(Call& call) { setex_generic(call, ExpiryUnit::kSeconds); }
void psetex(Call& call) { setex_generic(call, ExpiryUnit::kMilliseconds); }

void getset(Call& call) {
  SetOptions options;
  options.get = true;
  set_generic(call, call.args[1], call.args[2], options);
}

void getdel(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (state == nullptr) return call.reply.null();
  if (!check_type(call, state, ValueType::kString)) return;
  const std::string value = string_value(*state);
  replica(call).del(call.client.db, std::string(call.args[1]), now(call));
  call.reply.bulk(value);
}

void getex(Call& call) {
  std::optional<std::uint64_t> deadline;
  bool persist = false;
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    const std::string_view a = call.args[i];
    const bool has_next = i + 1 < call.args.size();
    const bool chosen = deadline.has_value() || persist;
    if (!chosen && equals_ignore_case(a, "PERSIST")) {
      persist = true;
    } else if (!chosen && has_next && is_expiry_option(a)) {
      const ExpiryUnit unit = expiry_unit(a);
      deadline = positive_expiry_deadline(call, call.args[++i], unit);
      if (!deadline) return;
    } else {
      return reply_syntax_error(call);
    }
  }
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (state == nullptr) return call.reply.null();
  if (!check_type(call, state, ValueType::kString)) return;
  const std::string value = string_value(*state);
  const std::string key(call.args[1]);
  if (deadline) {
    replica(call).expire_at(call.client.db, key, *deadline, now(call));
  } else if (persist) {
    replica(call).persist(call.client.db, key, now(call));
  }
  call.reply.bulk(value);
}

void mget(Call& call) {
  call.reply.array(call.args.size() - 1);
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    const crdt::KeyState* state = lookup(call, call.args[i]);
    if (state == nullptr || state->type() != ValueType::kString) {
      call.reply.null();
    } else {
      call.reply.bulk(string_value(*state));
    }
  }
}

void mset(Call& call) {
  if (call.args.size() % 2 == 0) return reply_wrong_arity(call);
  for (std::size_t i = 1; i < call.args.size(); i += 2) {
    replica(call).set(call.client.db, std::string(call.args[i]), std::string(call.args[i + 1]), {}, now(call));
  }
  call.reply.simple("OK");
}

void msetnx(Call& call) {
  if (call.args.size() % 2 == 0) return reply_wrong_arity(call);
  for (std::size_t i = 1; i < call.args.size(); i += 2) {
    if (lookup(call, call.args[i], false) != nullptr) return call.reply.integer(0);
  }
  for (std::size_t i = 1; i < call.args.size(); i += 2) {
    replica(call).set(call.client.db, std::string(call.args[i]), std::string(call.args[i + 1]), {}, now(call));
  }
  call.reply.integer(1);
}

bool check_size(Call& call, std::size_t size) {
  if (size > std::min<std::size_t>(kMaxStringBytes, call.node.settings().proto_max_bulk_len)) {
    call.reply.error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
  }
  return true;
}

void append(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kString)) return;
  std::string value = state != nullptr ? string_value(*state) : std::string();
  if (!check_size(call, value.size() + call.args[2].size())) return;
  value.append(call.args[2]);
  const std::size_t length = value.size();
  replica(call).set(call.client.db, std::string(call.args[1]), std::move(value), {SetTtl::Mode::kKeep, 0}, now(call));
  call.reply.integer(static_cast<long long>(length));
}

void strlen_command(Call& call) {
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (state == nullptr) return call.reply.integer(0);
  if (!check_type(call, state, ValueType::kString)) return;
  call.reply.integer(static_cast<long long>(string_value(*state).size()));
}

void getrange(Call& call) {
  long long start = 0;
  long long end = 0;
  if (!integer_argument(call, call.args[2], &start) || !integer_argument(call, call.args[3], &end)) return;
  const crdt::KeyState* state = lookup(call, call.args[1]);
  if (state == nullptr) return call.reply.bulk("");
  if (!check_type(call, state, ValueType::kString)) return;
  const std::string value = string_value(*state);
  const auto len = static_cast<long long>(value.size());
  // Redis: both negative and start > end gives "", then negatives count from the end.
  if (start < 0 && end < 0 && start > end) return call.reply.bulk("");
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return call.reply.bulk("");
  call.reply.bulk(std::string_view(value).substr(static_cast<std::size_t>(start),
                                                 static_cast<std::size_t>(end - start + 1)));
}

void setrange(Call& call) {
  long long offset = 0;
  if (!integer_argument(call, call.args[2], &offset)) return;
  if (offset < 0) return call.reply.error("ERR offset is out of range");
  const crdt::KeyState* state = lookup(call, call.args[1], false);
  if (!check_type(call, state, ValueType::kString)) return;
  const std::string_view patch = call.args[3];
  std::string value = state != nullptr ? string_value(*state) : std::string();
  if (patch.empty()) return call.reply.integer(static_cast<long long>(value.size()));
  if (!check_size(call, static_cast<std::size_t>(offset) + patch.size())) return;
  const std::size_t needed = static_cast<std::size_t>(offset) + patch.size();
  if (value.size() < needed) value.resize(needed, '\0');
  value.replace(static_cast<std::size_t>(offset), patch.size(), patch);
  const std::size_t length = value.size();
  replica(call).set(call.client.db, std::string(call.args[1]), std::move(value), {SetTtl::Mode::kKeep, 0}, now(call));
  call.reply.integer(static_cast<long long>(length));
}

void incr_generic(Call& call, long long delta) {
  auto result = replica(call).incr_by(call.client.db, std::string(call.args[1]), delta, now(call));
  if (!result.ok()) return reply_errc(call, result.error());
  call.reply.integer(result.value());
}
void incr(Call& call) { incr_generic(call, 1); }
void decr(Call& call) { incr_generic(call, -1); }
void incrby(Call& call) {
  long long delta = 0;
  if (!integer_argument(call, call.args[2], &delta)) return;
  incr_generic(call, delta);
}
void decrby(Call& call) {
  long long delta = 0;
  if (!integer_argument(call, call.args[2], &delta)) return;
  if (delta == std::numeric_limits<long long>::min()) return call.reply.error("ERR decrement would overflow");
  incr_generic(call, -delta);
}

void incrbyfloat(Call& call) {
  long double delta = 0;
  if (!long_double_argument(call, call.args[2], &delta)) return;
  auto result = replica(call).incr_by_float(call.client.db, std::string(call.args[1]), delta, now(call));
  if (!result.ok()) return reply_errc(call, result.error());
  call.reply.bulk(result.value());
}

constexpr std::uint32_t kWriteOom = kWrite | kDenyOom;

constexpr CommandSpec kCommands[] = {
    {"get", 2, kReadOnly | kFast, 1, 1, 1, get, "string", "Returns the string value of a key."},
    {"set", -3, kWriteOom, 1, 1, 1, set, "string", "Sets the string value of a key, with options."},
    {"setnx", 3, kWriteOom | kFast, 1, 1, 1, setnx, "string", "Sets the value of a key only when it does not exist."},
    {"setex", 4, kWriteOom, 1, 1, 1, setex, "string", "Sets a value and a TTL in seconds."},
    {"psetex", 4, kWriteOom, 1, 1, 1, psetex, "string", "Sets a value and a TTL in milliseconds."},
    {"getset", 3, kWriteOom | kFast, 1, 1, 1, getset, "string", "Sets a value and returns the old one."},
    {"getdel", 2, kWrite | kFast, 1, 1, 1, getdel, "string", "Returns a value and deletes the key."},
    {"getex", -2, kWrite | kFast, 1, 1, 1, getex, "string", "Returns a value and changes its TTL."},
    {"mget", -2, kReadOnly | kFast, 1, -1, 1, mget, "string", "Returns the values of several keys."},
    {"mset", -3, kWriteOom, 1, -1, 2, mset, "string", "Sets several keys."},
    {"msetnx", -3, kWriteOom, 1, -1, 2, msetnx, "string", "Sets several keys only when none exists."},
    {"append", 3, kWriteOom | kFast, 1, 1, 1, append, "string", "Appends to a string value."},
    {"strlen", 2, kReadOnly | kFast, 1, 1, 1, strlen_command, "string", "Returns the length of a string value."},
    {"getrange", 4, kReadOnly, 1, 1, 1, getrange, "string", "Returns a substring."},
    {"substr", 4, kReadOnly, 1, 1, 1, getrange, "string", "Returns a substring (old name of GETRANGE)."},
    {"setrange", 4, kWriteOom, 1, 1, 1, setrange, "string", "Overwrites part of a string value."},
    {"incr", 2, kWriteOom | kFast, 1, 1, 1, incr, "string", "Increments a counter by one."},
    {"decr", 2, kWriteOom | kFast, 1, 1, 1, decr, "string", "Decrements a counter by one."},
    {"incrby", 3, kWriteOom | kFast, 1, 1, 1, incrby, "string", "Increments a counter."},
    {"decrby", 3, kWriteOom | kFast, 1, 1, 1, decrby, "string", "Decrements a counter."},
    {"incrbyfloat", 3, kWriteOom | kFast, 1, 1, 1, incrbyfloat, "string", "Increments a floating-point counter."},
};

}  // namespace

std::span<const CommandSpec> string_commands() { return kCommands; }

}  // namespace tern::node
