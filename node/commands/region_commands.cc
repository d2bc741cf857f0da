// The commands that let clients find and move a region's leader:
//  - SENTINEL, answered by every node of a region as a Redis Sentinel would, with the region's
//    name as the master name, so Sentinel-aware clients (redis-py's Sentinel, Lettuce, ...)
//    find the current leader after a failover. A single-node region is its own master.
//  - FAILOVER [TO host port]: the leader hands leadership over (Raft leadership transfer).
#include <string>
#include <vector>

#include "node/command_table.h"
#include "node/commands/arguments.h"
#include "node/node.h"

namespace tern::node {
namespace {

struct Member {
  std::string name;
  std::string host;
  std::uint16_t port = 0;
  bool up = true;
};

// The region as Sentinel sees it: the leader (if known) and the other nodes.
struct Topology {
  std::optional<Member> leader;
  std::vector<Member> replicas;
  std::vector<Member> others;  // every node but this one (the "other sentinels")
};

Topology topology(Call& call) {
  Topology t;
  if (!call.node.region_report) {
    t.leader = Member{call.node.node_id, "127.0.0.1", call.node.bound_port, true};
    return t;
  }
  const RegionReport region = call.node.region_report();
  for (const auto& n : region.nodes) {
    Member m{n.name, n.host, n.port, n.link_up};
    if (!n.self) t.others.push_back(m);
    if (n.name == region.leader) {
      t.leader = m;
    } else {
      t.replicas.push_back(m);
    }
  }
  return t;
}

void reply_pairs(Call& call, const std::vector<std::pair<std::string, std::string>>& pairs) {
  call.reply.array(pairs.size() * 2);
  for (const auto& [k, v] : pairs) {
    call.reply.bulk(k);
    call.reply.bulk(v);
  }
}

void reply_master(Call& call, const Member& leader, std::size_t replicas, std::size_t others) {
  reply_pairs(call, {{"name", call.node.settings().region},
                     {"ip", leader.host},
                     {"port", std::to_string(leader.port)},
                     {"runid", leader.name},
                     {"flags", "master"},
                     {"num-slaves", std::to_string(replicas)},
                     {"num-other-sentinels", std::to_string(others)},
                     {"quorum", std::to_string(others / 2 + 1)}});
}

void reply_member(Call& call, const Member& m, const char* flags, const Member* leader) {
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"name", m.host + ":" + std::to_string(m.port)},
      {"ip", m.host},
      {"port", std::to_string(m.port)},
      {"runid", m.name},
      {"flags", std::string(flags) + (m.up ? "" : ",disconnected")}};
  if (leader != nullptr) {
    pairs.emplace_back("master-host", leader->host);
    pairs.emplace_back("master-port", std::to_string(leader->port));
  }
  reply_pairs(call, pairs);
}

void sentinel(Call& call) {
  const std::string sub = lower_case(call.args[1]);
  const bool named = call.args.size() == 3;
  if (named && call.args[2] != call.node.settings().region && sub != "sentinels") {
    if (sub == "get-master-addr-by-name") return call.reply.null_array();
    return call.reply.error("ERR No such master with that name");
  }
  const Topology t = topology(call);
  if (sub == "masters" && call.args.size() == 2) {
    if (!t.leader) return call.reply.array(0);
    call.reply.array(1);
    return reply_master(call, *t.leader, t.replicas.size(), t.others.size());
  }
  if (sub == "master" && named) {
    if (!t.leader) return call.reply.error("ERR No such master with that name");
    return reply_master(call, *t.leader, t.replicas.size(), t.others.size());
  }
  if (sub == "get-master-addr-by-name" && named) {
    if (!t.leader) return call.reply.null_array();
    call.reply.array(2);
    call.reply.bulk(t.leader->host);
    call.reply.bulk(std::to_string(t.leader->port));
    return;
  }
  if ((sub == "replicas" || sub == "slaves") && named) {
    call.reply.array(t.replicas.size());
    for (const auto& r : t.replicas) reply_member(call, r, "slave", t.leader ? &*t.leader : nullptr);
    return;
  }
  if (sub == "sentinels" && named) {
    if (call.args[2] != call.node.settings().region) return call.reply.error("ERR No such master with that name");
    call.reply.array(t.others.size());
    for (const auto& o : t.others) reply_member(call, o, "sentinel", nullptr);
    return;
  }
  reply_subcommand_error(call, {"masters", "master", "get-master-addr-by-name", "replicas", "slaves", "sentinels"});
}

void failover(Call& call) {
  std::string target;
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    if (equals_ignore_case(call.args[i], "TO") && i + 2 < call.args.size()) {
      const std::string host(call.args[i + 1]);
      const std::string port(call.args[i + 2]);
      if (call.node.region_report) {
        for (const auto& n : call.node.region_report().nodes) {
          if (n.host == host && std::to_string(n.port) == port) target = n.name;
        }
      }
      if (target.empty()) return call.reply.error("ERR FAILOVER target HOST and PORT is not a replica.");
      i += 2;
    } else {
      return reply_syntax_error(call);
    }
  }
  if (!call.node.region_transfer) return call.reply.error("ERR FAILOVER requires connected replicas.");
  const std::string failure = call.node.region_transfer(target);
  if (!failure.empty()) return call.reply.error(failure);
  call.reply.simple("OK");
}

// WAIT numreplicas timeout: blocks until that many other nodes of the region hold the
// client's last write (its log entry), or `timeout` ms pass (0: no limit), and answers how many
// do. A single node answers 0 at once; a follower refuses, as a Redis replica does.
void wait_command(Call& call) {
  long long replicas = 0;
  long long timeout = 0;
  if (!integer_argument(call, call.args[1], &replicas) || !integer_argument(call, call.args[2], &timeout)) return;
  if (timeout < 0) return call.reply.error("ERR timeout is negative");
  if (!call.node.region_replicas_at) return call.reply.integer(0);
  if (call.node.region_report && call.node.region_report().role != "leader") {
    return call.reply.error("ERR WAIT cannot be used with replica instances.");
  }
  const std::uint64_t index = call.client.last_proposed_index;
  const std::size_t have = call.node.region_replicas_at(index);
  if (replicas <= 0 || have >= static_cast<std::size_t>(replicas)) return call.reply.integer(static_cast<long long>(have));
  call.client.blocked = true;
  call.node.add_waiter(Node::Waiter{call.client.id, index, static_cast<std::size_t>(replicas),
                                    timeout == 0 ? 0 : call.node.store().now_ms() + static_cast<std::uint64_t>(timeout)});
}

constexpr CommandSpec kCommands[] = {
    {"wait", 3, kNoMulti, 0, 0, 0, wait_command, "generic", "Waits for other nodes to hold the client's writes."},
    {"sentinel", -2, kAdmin, 0, 0, 0, sentinel, "sentinel", "Finds the region's leader, as Redis Sentinel answers."},
    {"failover", -1, kAdmin | kNoMulti, 0, 0, 0, failover, "server", "Hands the region's leadership to another node."},
};

}  // namespace

std::span<const CommandSpec> region_commands() { return kCommands; }

}  // namespace tern::node
