#pragma once
// A hand-driven region for the focused unit tests: the test decides which node ticks, and
// `deliver` runs messages to quiescence in send order, through an optional filter. Every
// message sent is kept in `sent` for inspection. The randomised simulation lives in
// simulated_region.h.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "replication/election/raft_state_machine.h"
#include "tests/replication/node_storage.h"

namespace tern::election::testing {

inline std::vector<NodeId> node_ids(std::initializer_list<std::uint64_t> values) {
  std::vector<NodeId> out;
  for (const std::uint64_t value : values) out.push_back(NodeId{value});
  return out;
}

class TestRegion {
 public:
  explicit TestRegion(Membership membership, ElectionConfig base = {})
      : membership_(std::move(membership)), base_(base) {
    for (const NodeId node : members()) start(node, {});
  }

  std::vector<NodeId> members() const {
    std::vector<NodeId> out = membership_.voters;
    out.insert(out.end(), membership_.learners.begin(), membership_.learners.end());
    return out;
  }

  // (Re)starts a node from `persisted` (what it finds on disk); `rejoining` as the edge sets it
  // for a node that lost its disk (ElectionConfig::rejoin_id, here 1000 + the node's id).
  void start(NodeId node, PersistedState persisted, bool rejoining = false) {
    ElectionConfig config = base_;
    config.rejoin_id = rejoining ? 1000 + node.value : 0;
    config.self = node;
    config.initial_membership = membership_;
    config.random_seed = node.value * 7919 + restarts_++;
    storage_[node].persisted = persisted;
    machines_[node] = std::make_unique<RaftStateMachine>(config, std::move(persisted));
    collect(node);
  }
  void restart(NodeId node) { start(node, storage_[node].persisted); }

  RaftStateMachine& operator[](NodeId node) { return *machines_.at(node); }
  NodeStorage& storage(NodeId node) { return storage_[node]; }
  const std::vector<Entry>& applied(NodeId node) { return applied_[node]; }

  void tick(NodeId node, int times = 1) {
    for (int i = 0; i < times; ++i) {
      machines_.at(node)->tick();
      collect(node);
    }
  }
  void tick_all(int times = 1) {
    for (int i = 0; i < times; ++i) {
      for (auto& [node, machine] : machines_) {
        machine->tick();
        collect(node);
      }
      deliver();
    }
  }

  // Ticks `node` alone until it leaves the follower role, then delivers to quiescence.
  void campaign(NodeId node) {
    for (int i = 0; i < 1000 && machines_.at(node)->role() == Role::kFollower; ++i) tick(node);
    deliver();
  }
  void elect(NodeId node) {
    campaign(node);
    REQUIRE(machines_.at(node)->role() == Role::kLeader);
  }

  void isolate(NodeId node) { isolated_.insert(node); }
  void heal() { isolated_.clear(); }
  // Messages for which `drop` returns true are lost.
  std::function<bool(const Message&)> drop;

  void deliver() {
    for (int round = 0; round < 10000 && !in_flight_.empty(); ++round) {
      std::vector<Message> batch = std::exchange(in_flight_, {});
      for (const Message& message : batch) {
        if (isolated_.count(message.from) || isolated_.count(message.to)) continue;
        if (drop && drop(message)) continue;
        const auto found = machines_.find(message.to);
        if (found == machines_.end()) continue;
        found->second->step(message);
        collect(message.to);
      }
    }
  }

  // Delivers a message the test made up, then collects the recipient's output.
  void inject(const Message& message) {
    machines_.at(message.to)->step(message);
    collect(message.to);
  }

  // Takes a node's output, persists it, queues its messages and records what it applied.
  void collect(NodeId node) {
    Output output = machines_.at(node)->take_output();
    storage_[node].persist(output);
    for (Message& message : output.messages) {
      sent.push_back(message);
      in_flight_.push_back(std::move(message));
    }
    auto& applied = applied_[node];
    if (output.snapshot) applied.clear();
    applied.insert(applied.end(), output.committed_entries.begin(), output.committed_entries.end());
  }

  template <typename Body>
  std::vector<Message> sent_of_kind(NodeId from, NodeId to) const {
    std::vector<Message> out;
    for (const Message& message : sent) {
      if (message.from == from && message.to == to && std::holds_alternative<Body>(message.body)) {
        out.push_back(message);
      }
    }
    return out;
  }

  std::vector<Message> sent;

 private:
  Membership membership_;
  ElectionConfig base_;
  std::uint64_t restarts_ = 0;
  std::map<NodeId, std::unique_ptr<RaftStateMachine>> machines_;
  std::map<NodeId, NodeStorage> storage_;
  std::map<NodeId, std::vector<Entry>> applied_;
  std::vector<Message> in_flight_;
  std::set<NodeId> isolated_;
};

inline Membership voters(std::initializer_list<std::uint64_t> ids) {
  return Membership{node_ids(ids), {}};
}

}  // namespace tern::election::testing
