#pragma once
// What a command handler sees (Call) and what the command table knows about each command
// (CommandSpec: arity, flags and key positions as redis-server reports them in COMMAND).
// Handlers parse and check every argument before they change anything (validate, then
// mutate), and write their reply through `reply`.
#include <cstdint>
#include <span>
#include <string_view>

#include "node/client_state.h"
#include "node/resp/reply_writer.h"

namespace tern::node {

class Node;

struct Call {
  Node& node;
  ClientState& client;
  std::span<const std::string_view> args;  // args[0] is the command name as sent
  resp::ReplyWriter& reply;
};

using Handler = void (*)(Call&);

enum CommandFlag : std::uint32_t {
  kWrite = 1U << 0,
  kReadOnly = 1U << 1,
  kAdmin = 1U << 2,
  kPubSub = 1U << 3,
  kNoAuth = 1U << 4,     // allowed before AUTH
  kFast = 1U << 5,
  kDenyOom = 1U << 6,    // refused over maxmemory under noeviction
  kNoMulti = 1U << 7,    // executed at once even inside MULTI (EXEC, DISCARD, WATCH, ...)
  kSubscribeContext = 1U << 8,  // allowed while a RESP2 client is subscribed
  kLoading = 1U << 9,
  kStale = 1U << 10,
};

struct CommandSpec {
  std::string_view name;  // lower case
  int arity;              // > 0: exactly; < 0: at least -arity (command name included)
  std::uint32_t flags;
  int first_key;
  int last_key;  // -1: last argument
  int key_step;
  Handler handler;
  std::string_view group;    // COMMAND DOCS group: string, generic, hash, ...
  std::string_view summary;  // one line, tern's words
};

}  // namespace tern::node
