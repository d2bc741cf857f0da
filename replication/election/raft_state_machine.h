#pragma once
// The election and replication core of one node of a region: Raft (Ongaro & Ousterhout 2014;
// section numbers below are the paper's, "thesis" is Ongaro's 2014 dissertation) as a pure
// state machine, in the shape of etcd-io/raft (`Step`, ticks, per-role step functions, `Ready`)
// and ScyllaDB's raft::fsm (roles as a variant, so a role's data exists only in that role).
//
// It does no I/O, reads no clock and owns its only source of randomness (seeded by the caller).
// The edge drives it with three kinds of input and drains one kind of output:
//
//   tick()           every tick of the edge's timer (10 ms by default, see ElectionTiming)
//   step(message)    every message that arrives from a peer, untrusted
//   propose(payload) a client write, on the leader
//   take_output()    after any of the above: see Output for what to do, and in which order
//
// Ownership: the state machine owns the in-memory log and the latest snapshot's bytes (so it can
// send them to a lagging follower); the edge owns durable storage and the application state.
// After a crash the edge rebuilds the state machine from what it persisted (PersistedState);
// everything else (role, leader, progress of followers, votes received) is volatile.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "replication/election/log.h"
#include "replication/election/messages.h"
#include "replication/election/types.h"

namespace tern::election {

// Timing in ticks. Defaults assume one tick = 10 ms: heartbeats every 50 ms, an election
// timeout drawn uniformly from [300 ms, 600 ms) afresh at every reset (§5.2 randomised timeouts),
// so a failed leader is replaced in well under the one-second target of DESIGN.md.
struct ElectionTiming {
  int heartbeat_ticks = 5;
  int election_ticks_min = 30;  // also the check-quorum period and the leader lease
  int election_ticks_max = 60;  // exclusive
};

struct ElectionConfig {
  NodeId self;
  // The region's nodes when the log holds no snapshot; afterwards the snapshot's membership and
  // the committed membership changes after it are authoritative.
  Membership initial_membership;
  ElectionTiming timing;
  bool pre_vote = true;      // thesis §9.6
  bool check_quorum = true;  // thesis §6.2 (leader steps down) and §4.2.3 (followers' lease)
  std::size_t max_entries_per_append = 64;
  // The edge persists Output::entries in the background instead of before the next step (thesis
  // §10.2.1: the leader may write its log in parallel with replicating it). Then a leader counts
  // its own log toward a commit only up to what the edge reported durable through persisted();
  // a follower's edge still sends its acknowledgements only once they are durable. Off: every
  // Output is persisted before the next call, and the leader counts its whole log.
  bool async_persistence = false;
  // A snapshot travels as InstallSnapshot messages of at most this many data bytes each, so no
  // message (or peer frame) grows with the keyspace.
  std::size_t snapshot_chunk_bytes = std::size_t{1} << 20;
  // Nonzero: the node lost its storage (it starts empty in a region that has a history) and
  // this id, chosen at random by the edge and kept until the node votes again, names this
  // rejoin. It may have forgotten a vote and entries it acknowledged, so it withholds votes, does
  // not campaign and announces the id (AppendResponse::rejoin_id) until a committed promotion
  // naming it has made it a voter again (the leader demotes it, and promotes it once caught
  // up). See README.md, "Rejoining after a lost disk".
  std::uint64_t rejoin_id = 0;
  std::uint64_t random_seed = 0;  // the only randomness: election timeouts
};

// What a node finds in its storage at startup. A node that never persisted anything passes the
// default value.
struct PersistedState {
  HardState hard_state;
  std::optional<Snapshot> snapshot;
  std::vector<Entry> entries;  // in index order, as written from Output::entries
};

enum class Role : std::uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
std::string_view role_name(Role role);

// Volatile state the edge shows or reacts to (ROLE, redirects, accepting writes). Reported in
// Output whenever it changes.
struct SoftState {
  Role role = Role::kFollower;
  std::optional<NodeId> leader;
  // The leader has committed an entry of its own term, so its commit index is current (§8),
  // and it is not handing leadership over: it may accept writes.
  bool accepts_writes = false;
  bool operator==(const SoftState&) const = default;
};

// What to do after driving the state machine, in this order (etcd doc.go's rule):
//  1. persist: if `snapshot` is set, replace the log with it (delete every persisted entry) and
//     restore the application from its data; then delete persisted entries at or after
//     entries.front().index and write `entries`; then write `hard_state`. All three must be
//     durable (fsync) before step 2; writing entries before hard state keeps a crash in between
//     harmless (a commit index beyond the persisted log is clamped at restart);
//  2. send `messages` (they may promise what step 1 wrote: a vote, an acknowledged entry);
//  3. apply `committed_entries` in order (skip kLeaderNoOp; kMembershipChange is informational,
//     the state machine has already applied it).
struct Output {
  std::optional<HardState> hard_state;
  std::optional<Snapshot> snapshot;
  std::vector<Entry> entries;
  std::vector<Message> messages;
  std::vector<Entry> committed_entries;
  std::optional<SoftState> soft_state;

  [[nodiscard]] bool empty() const {
    return !hard_state && !snapshot && entries.empty() && messages.empty() &&
           committed_entries.empty() && !soft_state;
  }
};

enum class ReplicationState : std::uint8_t {
  kProbe,      // searching for the last matching entry, one AppendEntries per heartbeat
  kReplicate,  // streaming entries optimistically
  kSnapshot,   // an InstallSnapshot is in flight; appends paused
};

// The leader's view of one other node (INFO replication).
struct FollowerProgress {
  NodeId node;
  bool voter = false;
  LogIndex match;
  LogIndex next;
  ReplicationState state = ReplicationState::kProbe;
  bool recently_active = false;
  bool rejoining = false;       // its last answer named a rejoin id not yet settled by a promotion
  std::uint64_t rejoin_id = 0;  // that id
};

struct Status {
  NodeId self;
  Role role = Role::kFollower;
  bool is_voter = false;
  std::optional<NodeId> leader;
  Term term;
  LogIndex commit;
  LogIndex applied;  // handed out in Output::committed_entries
  EntryId last_committed;
  EntryId last_log;
  LogIndex first_index;
  bool accepts_writes = false;
  bool rejoining = false;  // withholding votes after a lost disk (ElectionConfig::rejoin_id)
  std::optional<NodeId> transfer_target;
  std::vector<FollowerProgress> followers;  // leader only
};

class RaftStateMachine {
 public:
  RaftStateMachine(const ElectionConfig& config, PersistedState persisted);

  // Advances logical time by one tick: followers and candidates count toward an election,
  // leaders toward a heartbeat and a check-quorum round.
  void tick();
  // Handles one message from a peer. Stale, duplicated, reordered or malformed messages are
  // ignored or answered; nothing a peer sends can make this fail.
  void step(const Message& message);
  // Appends a client payload on the leader; the entry is the client's only once it comes back
  // in Output::committed_entries with this id.
  Result<EntryId> propose(std::string payload);
  // Leadership transfer (thesis §3.10) to `target`, or to the most up-to-date voter if nullopt.
  // The leader stops accepting proposals until the transfer finishes or times out (one minimum
  // election timeout).
  Result<Done> transfer_leadership(std::optional<NodeId> target);
  // A learner becomes a voter once it has caught up with the leader's commit index; a voter
  // other than the leader becomes a learner. Through the log, one change at a time; effective on
  // every node when committed.
  Result<EntryId> promote_learner(NodeId learner, std::uint64_t rejoin_id = 0);
  // `rejoin_id`: the id a rejoining node announced (FollowerProgress), 0 for any other change.
  Result<EntryId> demote_voter(NodeId voter, std::uint64_t rejoin_id = 0);
  // The application has taken a snapshot of its state after applying `index`: drop the log up to
  // it (§7). `data` is what a lagging follower will receive. Returns the snapshot's metadata
  // (last included entry, membership), which the edge persists with the data; it may then delete
  // persisted entries up to `index`.
  Result<SnapshotMeta> compact(LogIndex index, std::string data);
  // A node that started rejoining learns that the region is new after all (every node it can
  // hear from a majority of is empty too, so nothing was ever committed): it votes again.
  void stop_rejoining() { rejoin_id_ = 0; }
  [[nodiscard]] bool rejoining() const { return rejoin_id_ != 0; }

  // With async_persistence: the edge's storage now holds the log up to `last` (the last entry of
  // the Output::entries it finished writing, in order). A leader may commit on it. Not for writes
  // that landed before an installed Output::snapshot replaced the stored log (the snapshot's
  // last entry counts as persisted once it is installed).
  void persisted(EntryId last);

  // Drains everything to persist, send and apply since the last call.
  Output take_output();
  [[nodiscard]] bool has_output() const;

  [[nodiscard]] Status status() const;
  [[nodiscard]] NodeId self() const { return self_; }
  [[nodiscard]] Role role() const;
  [[nodiscard]] std::optional<NodeId> leader() const;
  [[nodiscard]] Term term() const { return term_; }
  [[nodiscard]] LogIndex commit_index() const { return log_.commit(); }
  [[nodiscard]] LogIndex applied_index() const { return log_.applied(); }
  // The last committed entry's id: a new leader's application starts its hybrid logical clock
  // above the stamps of everything up to it.
  [[nodiscard]] EntryId last_committed() const;
  [[nodiscard]] bool accepts_writes() const;
  [[nodiscard]] const Membership& membership() const { return membership_; }
  [[nodiscard]] const RaftLog& log() const { return log_; }
  [[nodiscard]] const Snapshot& latest_snapshot() const { return snapshot_; }

 private:
  struct Progress {
    LogIndex match;
    LogIndex next;
    ReplicationState state = ReplicationState::kProbe;
    bool probe_sent = false;
    LogIndex pending_snapshot;
    int snapshot_wait_heartbeats = 0;
    bool recently_active = false;
    std::uint64_t rejoin_id = 0;  // as its last answer said: nonzero is not counted for commit
  };
  struct SnapshotAssembly {
    Term term;
    SnapshotMeta meta;
    std::string data;                            // the contiguous prefix received
    std::map<std::uint64_t, std::string> early;  // chunks past it, by offset
    std::optional<std::uint64_t> total;          // known once the `done` chunk arrived
  };
  // Bounds on what a (buggy or hostile) leader can make a follower hold while assembling.
  static constexpr std::uint64_t kMaxSnapshotBytes = std::uint64_t{1} << 40;
  static constexpr std::size_t kMaxEarlySnapshotChunks = 1U << 16;
  struct Follower {
    std::optional<NodeId> leader;
    std::optional<SnapshotAssembly> snapshot_assembly;
  };
  struct VoteTally {
    std::map<NodeId, bool> responses;
  };
  struct PreCandidate {
    VoteTally votes;
  };
  struct Candidate {
    VoteTally votes;
  };
  struct Leader {
    std::map<NodeId, Progress> progress;
    int heartbeat_elapsed = 0;
    std::optional<NodeId> transfer_target;
    int transfer_elapsed = 0;
    LogIndex first_index_of_term;  // the no-op; committed => commit index is current (§8)
    LogIndex pending_membership_index;
  };
  enum class CampaignKind : std::uint8_t { kPreElection, kElection, kTransfer };
  enum class TallyResult : std::uint8_t { kPending, kWon, kLost };

  void become_follower(Term term, std::optional<NodeId> leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void campaign(CampaignKind kind);
  TallyResult record_vote(VoteTally& tally, NodeId voter, bool granted) const;

  void tick_leader(Leader& leader);
  void step_leader(Leader& leader, const Message& message);
  void step_candidate(const Message& message);
  void step_follower(const Message& message);

  void handle_vote_request(const Message& message, const VoteRequest& request);
  void handle_append_entries(const Message& message, const AppendEntries& append);
  void handle_heartbeat(const Message& message, const Heartbeat& heartbeat);
  void handle_install_snapshot(const Message& message, const InstallSnapshot& chunk);
  void handle_append_response(Leader& leader, NodeId from, const AppendResponse& response);
  // A follower's answers say whether it is rejoining; when it starts to, what it acknowledged
  // before is gone with its disk, so its progress starts over with a probe.
  void note_rejoining(Progress& progress, std::uint64_t rejoin_id);

  void send(NodeId to, Term term, MessageBody body);
  void send_append(Leader& leader, NodeId to, bool send_if_empty);
  void broadcast_append(Leader& leader);
  void broadcast_heartbeat(Leader& leader);
  bool maybe_commit(Leader& leader);
  [[nodiscard]] LogIndex durable_index() const;
  [[nodiscard]] bool quorum_recently_active(const Leader& leader) const;

  void advance_commit(LogIndex index);
  void apply_membership_change(LogIndex index, const MembershipChange& change);
  [[nodiscard]] Membership membership_at(LogIndex index) const;
  Result<EntryId> propose_membership_change(const MembershipChange& change);

  void reset_election_timer();
  std::uint64_t next_random();
  // A rejoining node is never promotable: it must not campaign before it is a voter again.
  [[nodiscard]] bool promotable() const { return membership_.is_voter(self_) && !rejoining(); }
  // What a committed membership change means for rejoins: a promotion naming an id settles it
  // (on the node itself, the rejoin ends).
  void track_rejoin(const MembershipChange& change);
  [[nodiscard]] bool rejoin_unsettled(std::uint64_t rejoin_id) const {
    return rejoin_id != 0 && settled_rejoins_.count(rejoin_id) == 0;
  }
  [[nodiscard]] bool in_leader_lease() const;
  [[nodiscard]] HardState hard_state() const;
  [[nodiscard]] SoftState soft_state() const;

  NodeId self_;
  ElectionTiming timing_;
  bool pre_vote_;
  bool check_quorum_;
  std::size_t max_entries_per_append_;
  bool async_persistence_;
  EntryId persisted_;  // with async_persistence: the last entry the edge reported durable
  std::size_t snapshot_chunk_bytes_;
  std::uint64_t random_state_;
  std::uint64_t rejoin_id_;
  // Rejoin ids named by committed promotions this node has applied (since its last restart or
  // snapshot): a late answer still naming one does not make the leader demote the node again.
  std::set<std::uint64_t> settled_rejoins_;

  Term term_;
  std::optional<NodeId> voted_for_;
  Snapshot snapshot_;  // the latest snapshot: compaction point, membership, bytes to send
  RaftLog log_;
  Membership membership_;
  // Membership changes committed after the snapshot point, to find the membership at any
  // compaction index; and how far committed entries have been scanned for changes.
  std::vector<std::pair<LogIndex, Membership>> membership_history_;
  LogIndex membership_scanned_through_;

  std::variant<Follower, PreCandidate, Candidate, Leader> role_;
  int election_elapsed_ = 0;
  int randomized_election_timeout_ = 0;

  std::vector<Message> outbox_;
  std::optional<Snapshot> snapshot_to_persist_;
  HardState reported_hard_state_;
  SoftState reported_soft_state_;
};

}  // namespace tern::election
