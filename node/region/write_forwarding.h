#pragma once
// WriteForwarding: where each write that this node cannot apply itself goes, and when it gives
// up. Pure bookkeeping (no I/O, no clock: time is the region's tick count), driven by
// RegionService.
//
// A write reaches a node that does not accept writes (a follower, a leader still committing its
// first entry or handing over, a candidate). The client must not need to know who leads, and a
// failover takes a few hundred milliseconds, so the write waits ("parks") until there is
// somewhere to run it, for at most region-write-wait; only then does the client get -TRYAGAIN:
//   - this node accepts writes now: run it here;
//   - another node leads and the link to it is up: a local client's write is sent there;
//     a write another node forwarded here is bounced back to it ("retry"), to go to the leader;
//   - nobody is known to lead: keep waiting.
// Forwarded writes then wait for the leader's reply (in flight) for a bounded time too.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "replication/election/types.h"

namespace tern::node {

struct PendingWrite {
  election::NodeId from;  // the node whose client sent it (this node for its own clients)
  std::uint64_t request_id = 0;
  std::uint32_t db = 0;
  int protocol = 2;
  std::vector<std::string> args;
  std::uint64_t give_up_tick = 0;  // parked past this tick: the client gets -TRYAGAIN
};

// What this node knows of its region right now.
struct ForwardingSituation {
  election::NodeId self;
  bool accepts_writes = false;
  std::optional<election::NodeId> leader;
  bool leader_link_up = false;  // the outgoing link to `leader` is open
};

class WriteForwarding {
 public:
  explicit WriteForwarding(std::size_t max_parked) : max_parked_(max_parked) {}

  // False when max_parked writes already wait: the caller refuses at once (bounded memory).
  bool park(PendingWrite write);

  struct Dispatch {
    std::vector<PendingWrite> run_here;
    std::vector<PendingWrite> send_to_leader;  // this node's clients' writes; now in flight
    std::vector<PendingWrite> bounce;          // other nodes' writes: they resend to the leader
    std::vector<PendingWrite> gave_up;         // waited region-write-wait without a leader
  };
  // Decides for every parked write, oldest first. Writes sent to the leader are remembered as in
  // flight until answered() or until `reply_deadline_tick`.
  Dispatch dispatch(const ForwardingSituation& now, std::uint64_t tick, std::uint64_t reply_deadline_tick);

  // The leader answered a write this node sent: it is no longer in flight. nullopt for an
  // unknown or already expired request.
  std::optional<PendingWrite> answered(std::uint64_t request_id);
  // Writes in flight whose reply deadline has passed.
  std::vector<PendingWrite> overdue(std::uint64_t tick);

  [[nodiscard]] std::size_t parked() const { return parked_.size(); }
  [[nodiscard]] std::size_t in_flight() const { return in_flight_.size(); }

 private:
  std::size_t max_parked_;
  std::deque<PendingWrite> parked_;  // in arrival order: a client's pipeline stays in order
  struct InFlight {
    PendingWrite write;
    std::uint64_t reply_deadline_tick;
  };
  std::map<std::uint64_t, InFlight> in_flight_;  // by request id (this node's clients only)
};

}  // namespace tern::node
