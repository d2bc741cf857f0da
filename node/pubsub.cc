#include "node/pubsub.h"

#include "node/glob_match.h"
#include "node/resp/reply_writer.h"

namespace tern::node {
namespace {

void deliver(ClientState& client, std::string_view kind, std::string_view pattern, std::string_view channel,
             std::string_view message) {
  resp::ReplyWriter out(client.output);
  out.set_protocol(client.protocol);
  out.push(pattern.empty() ? 3 : 4);
  out.bulk(kind);
  if (!pattern.empty()) out.bulk(pattern);
  out.bulk(channel);
  out.bulk(message);
  if (client.wake) client.wake();
}

}  // namespace

bool PubSub::subscribe(ClientState& client, const std::string& channel) {
  if (!client.channels.insert(channel).second) return false;
  channels_[channel].insert(&client);
  return true;
}

bool PubSub::unsubscribe(ClientState& client, const std::string& channel) {
  if (client.channels.erase(channel) == 0) return false;
  auto it = channels_.find(channel);
  if (it != channels_.end()) {
    it->second.erase(&client);
    if (it->second.empty()) channels_.erase(it);
  }
  return true;
}

bool PubSub::psubscribe(ClientState& client, const std::string& pattern) {
  if (!client.patterns.insert(pattern).second) return false;
  patterns_[pattern].insert(&client);
  return true;
}

bool PubSub::punsubscribe(ClientState& client, const std::string& pattern) {
  if (client.patterns.erase(pattern) == 0) return false;
  auto it = patterns_.find(pattern);
  if (it != patterns_.end()) {
    it->second.erase(&client);
    if (it->second.empty()) patterns_.erase(it);
  }
  return true;
}

void PubSub::forget(ClientState& client) {
  const auto channels = client.channels;
  for (const auto& c : channels) unsubscribe(client, c);
  const auto patterns = client.patterns;
  for (const auto& p : patterns) punsubscribe(client, p);
}

std::size_t PubSub::publish(std::string_view channel, std::string_view message) {
  // Delivery may close a subscriber (output buffer limit), which unsubscribes it: walk
  // copies of the subscriber lists, and skip clients that went away meanwhile.
  std::vector<std::pair<ClientState*, std::string>> targets;
  if (auto it = channels_.find(channel); it != channels_.end()) {
    for (ClientState* client : it->second) targets.emplace_back(client, std::string());
  }
  for (const auto& [pattern, clients] : patterns_) {
    if (!glob_match(pattern, channel)) continue;
    for (ClientState* client : clients) targets.emplace_back(client, pattern);
  }
  std::size_t receivers = 0;
  for (const auto& [client, pattern] : targets) {
    // Asked of this registry, not of the client, which may already be gone.
    const auto& registry = pattern.empty() ? channels_ : patterns_;
    const auto entry = registry.find(pattern.empty() ? channel : std::string_view(pattern));
    const bool still_there = entry != registry.end() && entry->second.count(client) != 0;
    if (!still_there) continue;
    deliver(*client, pattern.empty() ? "message" : "pmessage", pattern, channel, message);
    ++receivers;
  }
  return receivers;
}

std::vector<std::string> PubSub::channels(std::string_view pattern) const {
  std::vector<std::string> out;
  for (const auto& [channel, clients] : channels_) {
    if (pattern.empty() || glob_match(pattern, channel)) out.push_back(channel);
  }
  return out;
}

std::size_t PubSub::subscribers(const std::string& channel) const {
  auto it = channels_.find(channel);
  return it != channels_.end() ? it->second.size() : 0;
}

}  // namespace tern::node
