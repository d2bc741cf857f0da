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
  bool voter = true;          // leader only: false while it is a learner (rejoining)
  bool rejoining = false;     // leader only: its answers say it lost its disk
};

// Compaction and snapshot transfer (INFO replication's tern_region_snapshot_* fields).
struct RegionSnapshotReport {
  std::uint64_t index = 0;          // last included index of the latest snapshot (0: none)
  std::uint64_t bytes = 0;          // its size
  std::uint64_t taken = 0;          // snapshots this node took of its own keyspace
  std::uint64_t last_take_ms = 0;   // how long the last one took, start to durable
  std::uint64_t last_pause_ms = 0;  // how much of it held the event loop (fork, write, cut)
  std::uint64_t sent = 0;           // snapshots sent to followers (counted at offset 0)
  std::uint64_t chunks_sent = 0;
  std::uint64_t data_bytes_sent = 0;  // snapshot bytes in those chunks
  std::uint64_t wire_bytes_sent = 0;  // the frames that carried them, after lz4
  std::uint64_t installed = 0;      // snapshots received from a leader and restored
  std::uint64_t refused = 0;        // received snapshots that failed verification
  std::uint64_t log_bytes = 0;      // the region log file's size now
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
  bool voter = true;       // this node counts for elections and commit
  bool rejoining = false;  // started without its data: a learner until caught up
  RegionSnapshotReport snapshot;
  std::vector<RegionNodeReport> nodes;
};

}  // namespace tern::node
