// Pub/sub: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB. Messages are
// delivered on this node; shipping them to other regions comes with replication.
#include <string>

#include "node/command_table.h"
#include "node/commands/arguments.h"
#include "node/node.h"

namespace tern::node {
namespace {

void confirm(Call& call, std::string_view kind, std::string_view name, bool null_name = false) {
  call.reply.push(3);
  call.reply.bulk(kind);
  if (null_name) call.reply.null();
  else call.reply.bulk(name);
  call.reply.integer(static_cast<long long>(call.client.subscription_count()));
}

void subscribe(Call& call) {
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    call.node.pubsub().subscribe(call.client, std::string(call.args[i]));
    confirm(call, "subscribe", call.args[i]);
  }
}

void psubscribe(Call& call) {
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    call.node.pubsub().psubscribe(call.client, std::string(call.args[i]));
    confirm(call, "psubscribe", call.args[i]);
  }
}

void unsubscribe(Call& call) {
  if (call.args.size() == 1) {
    const auto channels = call.client.channels;
    if (channels.empty()) return confirm(call, "unsubscribe", "", true);
    for (const auto& c : channels) {
      call.node.pubsub().unsubscribe(call.client, c);
      confirm(call, "unsubscribe", c);
    }
    return;
  }
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    call.node.pubsub().unsubscribe(call.client, std::string(call.args[i]));
    confirm(call, "unsubscribe", call.args[i]);
  }
}

void punsubscribe(Call& call) {
  if (call.args.size() == 1) {
    const auto patterns = call.client.patterns;
    if (patterns.empty()) return confirm(call, "punsubscribe", "", true);
    for (const auto& p : patterns) {
      call.node.pubsub().punsubscribe(call.client, p);
      confirm(call, "punsubscribe", p);
    }
    return;
  }
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    call.node.pubsub().punsubscribe(call.client, std::string(call.args[i]));
    confirm(call, "punsubscribe", call.args[i]);
  }
}

void publish(Call& call) {
  const std::size_t receivers = call.node.pubsub().publish(call.args[1], call.args[2]);
  ++call.node.stats().pubsub_messages;
  // The reply counts this node's receivers, as PUBLISH does in Redis Cluster; the other nodes
  // and regions get the message too (best effort).
  if (call.node.on_publish) call.node.on_publish(call.args[1], call.args[2]);
  call.reply.integer(static_cast<long long>(receivers));
}

void pubsub(Call& call) {
  const std::string sub = lower_case(call.args[1]);
  PubSub& hub = call.node.pubsub();
  if (sub == "channels" && call.args.size() <= 3) {
    const auto channels = hub.channels(call.args.size() == 3 ? call.args[2] : std::string_view());
    call.reply.array(channels.size());
    for (const auto& c : channels) call.reply.bulk(c);
    return;
  }
  if (sub == "numsub") {
    call.reply.map(call.args.size() - 2);
    for (std::size_t i = 2; i < call.args.size(); ++i) {
      call.reply.bulk(call.args[i]);
      call.reply.integer(static_cast<long long>(hub.subscribers(std::string(call.args[i]))));
    }
    return;
  }
  if (sub == "numpat" && call.args.size() == 2) return call.reply.integer(static_cast<long long>(hub.pattern_count()));
  if (sub == "shardchannels" && call.args.size() <= 3) return call.reply.array(0);
  if (sub == "shardnumsub") {
    call.reply.map(call.args.size() - 2);
    for (std::size_t i = 2; i < call.args.size(); ++i) {
      call.reply.bulk(call.args[i]);
      call.reply.integer(0);
    }
    return;
  }
  reply_subcommand_error(call, {"channels", "numsub", "numpat", "shardchannels", "shardnumsub", "help"});
}

constexpr std::uint32_t kSub = kPubSub | kSubscribeContext | kNoMulti;

constexpr CommandSpec kCommands[] = {
    {"subscribe", -2, kSub, 0, 0, 0, subscribe, "pubsub", "Listens for messages on channels."},
    {"unsubscribe", -1, kSub, 0, 0, 0, unsubscribe, "pubsub", "Stops listening on channels."},
    {"psubscribe", -2, kSub, 0, 0, 0, psubscribe, "pubsub", "Listens for messages on channels matching patterns."},
    {"punsubscribe", -1, kSub, 0, 0, 0, punsubscribe, "pubsub", "Stops listening on patterns."},
    {"publish", 3, kPubSub | kFast, 0, 0, 0, publish, "pubsub", "Posts a message to a channel."},
    {"pubsub", -2, kPubSub, 0, 0, 0, pubsub, "pubsub", "Inspects channels and subscribers."},
};

}  // namespace

std::span<const CommandSpec> pubsub_commands() { return kCommands; }

}  // namespace tern::node
