// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH. EXEC runs the queue in one go on the
// command thread, so no other client's command interleaves, as in Redis; WATCH makes EXEC
// fail when a watched key changed (by any client, an expiry, or later a remote region).
#include <string>

#include "node/command_table.h"
#include "node/commands/arguments.h"
#include "node/node.h"

namespace tern::node {
namespace {

void multi(Call& call) {
  if (call.client.in_multi) return call.reply.error("ERR MULTI calls can not be nested");
  call.client.in_multi = true;
  call.client.multi_error = false;
  call.client.queued.clear();
  call.reply.simple("OK");
}

void discard(Call& call) {
  if (!call.client.in_multi) return call.reply.error("ERR DISCARD without MULTI");
  call.client.in_multi = false;
  call.client.queued.clear();
  call.client.multi_error = false;
  call.node.unwatch_all(call.client);
  call.reply.simple("OK");
}

void exec(Call& call) {
  ClientState& c = call.client;
  if (!c.in_multi) return call.reply.error("ERR EXEC without MULTI");
  auto queued = std::move(c.queued);
  c.queued.clear();
  c.in_multi = false;
  const bool aborted = c.multi_error;
  const bool dirty = c.dirty_cas;
  c.multi_error = false;
  call.node.unwatch_all(c);
  if (aborted) return call.reply.error("EXECABORT Transaction discarded because of previous errors.");
  if (dirty) return call.reply.null_array();
  call.reply.array(queued.size());
  for (const auto& command : queued) {
    std::vector<std::string_view> args(command.begin(), command.end());
    const CommandSpec* spec = call.node.commands().find(args[0]);
    call.node.call(c, *spec, args);
  }
}

void watch(Call& call) {
  if (call.client.in_multi) return call.reply.error("ERR WATCH inside MULTI is not allowed");
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    // A key that has already expired counts as changed when it is watched and then gone.
    call.node.watch(call.client, call.client.db, std::string(call.args[i]));
  }
  call.reply.simple("OK");
}

void unwatch(Call& call) {
  call.node.unwatch_all(call.client);
  call.reply.simple("OK");
}

constexpr CommandSpec kCommands[] = {
    {"multi", 1, kFast | kNoMulti, 0, 0, 0, multi, "transactions", "Starts a transaction."},
    {"exec", 1, kNoMulti, 0, 0, 0, exec, "transactions", "Executes the queued commands."},
    {"discard", 1, kFast | kNoMulti, 0, 0, 0, discard, "transactions", "Discards the queued commands."},
    {"watch", -2, kFast | kNoMulti, 1, -1, 1, watch, "transactions", "Makes EXEC conditional on keys staying unchanged."},
    {"unwatch", 1, kFast | kNoMulti, 0, 0, 0, unwatch, "transactions", "Forgets watched keys."},
};

}  // namespace

std::span<const CommandSpec> transaction_commands() { return kCommands; }

}  // namespace tern::node
