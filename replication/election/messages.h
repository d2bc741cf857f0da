#pragma once
// The messages nodes of one region exchange. Plain structs: the edge translates them to the
// peer .proto and back; a message from the network is untrusted and the state machine treats
// every field as such (a stale, duplicated, reordered or nonsensical message is ignored or
// answered, never asserted on).
//
// Every message carries the sender's term; `step` handles the term comparison for all kinds
// first (Figure 2, "Rules for all servers"), then the role's step function handles the body.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "replication/election/types.h"

namespace tern::election {

// RequestVote (§5.2) and its pre-vote twin (thesis §9.6). A pre-vote asks "would you vote for me
// at term `Message::term`?" without anyone changing their term, so a node that was partitioned
// away cannot disrupt the region by coming back with an inflated term.
struct VoteRequest {
  bool pre_vote = false;
  EntryId last_log;  // for the election restriction (§5.4.1)
  // Set by a leadership transfer (TimeoutNow): voters skip the check-quorum lease, since the
  // current leader asked for this election.
  bool leadership_transfer = false;
  bool operator==(const VoteRequest&) const = default;
};

struct VoteResponse {
  bool pre_vote = false;
  bool granted = false;
  bool operator==(const VoteResponse&) const = default;
};

// AppendEntries (§5.3). `prev` is the entry just before `entries`; the follower accepts only if
// its log holds that entry (Log Matching).
struct AppendEntries {
  EntryId prev;
  std::vector<Entry> entries;
  LogIndex leader_commit;
  bool operator==(const AppendEntries&) const = default;
};

// The answer to AppendEntries and InstallSnapshot.
//  - accepted: `index` is the follower's last index known to match the leader's log.
//  - rejected: `index` is the rejected `prev.index`; (hint_index, hint_term) is the follower's
//    last entry at or before it with a term <= prev.term, so that the leader can skip a whole
//    conflicting term in one round trip instead of one index at a time (the optimisation
//    sketched at the end of §5.3).
struct AppendResponse {
  bool accepted = false;
  LogIndex index;
  LogIndex hint_index;
  Term hint_term;
  // Nonzero: the follower is rejoining after losing its disk (ElectionConfig::rejoin_id): the
  // leader tracks its progress but does not count it toward a commit majority (it may have
  // forgotten a term it promised a newer leader) until a committed promotion names this id, and
  // the edge demotes it, then promotes it once caught up, naming this id.
  std::uint64_t rejoin_id = 0;
  bool operator==(const AppendResponse&) const = default;
};

// Heartbeats carry no entries and no log check, only a commit index the recipient is known to
// hold (min(match, leader commit)); they assert leadership (§5.2) and feed check-quorum.
struct Heartbeat {
  LogIndex commit;
  bool operator==(const Heartbeat&) const = default;
};

struct HeartbeatResponse {
  std::uint64_t rejoin_id = 0;  // as in AppendResponse
  bool operator==(const HeartbeatResponse&) const = default;
};

// InstallSnapshot (§7). The leader sends the snapshot as consecutive chunks of at most
// ElectionConfig::snapshot_chunk_bytes (`offset` into the data, `done` on the last). A follower
// assembles chunks from one leader and one snapshot and restores when `done` arrives; a chunk it
// already holds (a duplicate) is ignored, a gap drops the assembly until the leader starts over
// at offset 0.
struct InstallSnapshot {
  SnapshotMeta meta;
  std::uint64_t offset = 0;
  std::string data;
  bool done = true;
  bool operator==(const InstallSnapshot&) const = default;
};

// Leadership transfer (thesis §3.10): the leader tells a caught-up voter to start an election
// at once, skipping pre-vote and the election timeout.
struct TimeoutNow {
  bool operator==(const TimeoutNow&) const = default;
};

using MessageBody = std::variant<VoteRequest, VoteResponse, AppendEntries, AppendResponse,
                                 Heartbeat, HeartbeatResponse, InstallSnapshot, TimeoutNow>;

struct Message {
  NodeId from;
  NodeId to;
  Term term;
  MessageBody body;
  bool operator==(const Message&) const = default;
};

}  // namespace tern::election
