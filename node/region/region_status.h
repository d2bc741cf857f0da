#pragma once
// What ROLE and INFO replication show about the region: filled by RegionService, read by the
// command handlers through Node::region_report (node/ never includes the service itself).
#include <cstdint>
#include <string>
#include <vector>

namespace tern::node {

struct RegionNodeReport {
  std::string name;
  std::string host;
  std::uint16_t port = 0;  // client port
  bool self = false;
  bool link_up = false;       // this node's link to it (always true for self)
  std::uint64_t match = 0;    // leader only: highest log index known to be replicated there
};

struct RegionReport {
  std::string role;  // "leader", "follower", "candidate", "pre-candidate"
  std::string leader;  // name, or "" when none is known
  std::uint64_t term = 0;
  std::uint64_t commit = 0;
  std::uint64_t applied = 0;
  std::uint64_t last_index = 0;
  bool accepts_writes = false;
  // Follower only: milliseconds since the leader's last message (-1: never heard from it).
  std::int64_t leader_contact_ms_ago = -1;
  std::uint64_t writes_waiting = 0;    // parked until a leader is known (write_forwarding.h)
  std::uint64_t writes_forwarded = 0;  // sent to the leader, reply not yet back
  std::vector<RegionNodeReport> nodes;
};

}  // namespace tern::node
