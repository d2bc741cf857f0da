#pragma once
// Channels and patterns: who listens to what, and delivery of a PUBLISH into each
// subscriber's output in its own protocol (RESP2 array, RESP3 push). Local to this node for
// now; cross-region delivery comes with replication (issue 6).
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "node/client_state.h"

namespace tern::node {

class PubSub {
 public:
  // Return true when the client was not yet subscribed to it.
  bool subscribe(ClientState& client, const std::string& channel);
  bool unsubscribe(ClientState& client, const std::string& channel);
  bool psubscribe(ClientState& client, const std::string& pattern);
  bool punsubscribe(ClientState& client, const std::string& pattern);
  // Drops every subscription of a client that is going away or RESETs.
  void forget(ClientState& client);

  // Delivers to channel subscribers and matching pattern subscribers; returns receivers.
  std::size_t publish(std::string_view channel, std::string_view message);

  [[nodiscard]] std::vector<std::string> channels(std::string_view pattern) const;  // "" = all
  [[nodiscard]] std::size_t subscribers(const std::string& channel) const;
  [[nodiscard]] std::size_t pattern_count() const { return patterns_.size(); }
  [[nodiscard]] std::size_t channel_count() const { return channels_.size(); }

 private:
  std::map<std::string, std::set<ClientState*>, std::less<>> channels_;
  std::map<std::string, std::set<ClientState*>, std::less<>> patterns_;
};

}  // namespace tern::node
