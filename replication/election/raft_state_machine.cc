// The Raft rules, one function per role and message kind. See raft_state_machine.h for the
// contract with the edge; comments cite the rule each branch implements.
#include "replication/election/raft_state_machine.h"

#include <algorithm>
#include <cassert>
#include <functional>
#include <utility>

namespace tern::election {

namespace {

template <typename... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <typename... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

bool is_from_leader(const MessageBody& body) {
  return std::holds_alternative<AppendEntries>(body) || std::holds_alternative<Heartbeat>(body) ||
         std::holds_alternative<InstallSnapshot>(body);
}

}  // namespace

std::string_view role_name(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown";
}

RaftStateMachine::RaftStateMachine(const ElectionConfig& config, PersistedState persisted)
    : self_(config.self),
      timing_(config.timing),
      pre_vote_(config.pre_vote),
      check_quorum_(config.check_quorum),
      max_entries_per_append_(std::max<std::size_t>(1, config.max_entries_per_append)),
      async_persistence_(config.async_persistence),
      snapshot_chunk_bytes_(std::max<std::size_t>(1, config.snapshot_chunk_bytes)),
      random_state_(config.random_seed),
      rejoin_id_(config.rejoin_id),
      term_(persisted.hard_state.term),
      voted_for_(persisted.hard_state.voted_for),
      snapshot_(persisted.snapshot.value_or(
          Snapshot{SnapshotMeta{EntryId{}, config.initial_membership}, {}})),
      log_(snapshot_.meta.last_included, std::move(persisted.entries), persisted.hard_state.commit),
      membership_(snapshot_.meta.membership),
      membership_scanned_through_(snapshot_.meta.last_included.index),
      role_(Follower{}) {
  timing_.heartbeat_ticks = std::max(1, timing_.heartbeat_ticks);
  timing_.election_ticks_min = std::max(timing_.heartbeat_ticks + 1, timing_.election_ticks_min);
  timing_.election_ticks_max = std::max(timing_.election_ticks_min + 1, timing_.election_ticks_max);
  // Committed membership changes after the snapshot were applied before the crash; apply them
  // again (they are not handed out anew: applied restarts at the snapshot, so they will be).
  advance_commit(log_.commit());
  persisted_ = log_.last_id();  // what storage handed us is durable
  reported_hard_state_ = hard_state();
  reported_soft_state_ = soft_state();
  reset_election_timer();
}

// ---- queries -------------------------------------------------------------------------------

Role RaftStateMachine::role() const {
  return std::visit(Overloaded{[](const Follower&) { return Role::kFollower; },
                               [](const PreCandidate&) { return Role::kPreCandidate; },
                               [](const Candidate&) { return Role::kCandidate; },
                               [](const Leader&) { return Role::kLeader; }},
                    role_);
}

std::optional<NodeId> RaftStateMachine::leader() const {
  if (const auto* follower = std::get_if<Follower>(&role_)) return follower->leader;
  if (std::holds_alternative<Leader>(role_)) return self_;
  return std::nullopt;
}

EntryId RaftStateMachine::last_committed() const {
  return {*log_.term_at(log_.commit()), log_.commit()};
}

bool RaftStateMachine::accepts_writes() const {
  const auto* leader = std::get_if<Leader>(&role_);
  return leader != nullptr && !leader->transfer_target &&
         log_.commit() >= leader->first_index_of_term;
}

HardState RaftStateMachine::hard_state() const { return {term_, voted_for_, log_.commit()}; }

SoftState RaftStateMachine::soft_state() const { return {role(), leader(), accepts_writes()}; }

Status RaftStateMachine::status() const {
  Status status;
  status.self = self_;
  status.role = role();
  status.is_voter = membership_.is_voter(self_);
  status.rejoining = rejoining();
  status.leader = leader();
  status.term = term_;
  status.commit = log_.commit();
  status.applied = log_.applied();
  status.last_committed = last_committed();
  status.last_log = log_.last_id();
  status.first_index = log_.first_index();
  status.accepts_writes = accepts_writes();
  if (const auto* leader = std::get_if<Leader>(&role_)) {
    status.transfer_target = leader->transfer_target;
    for (const auto& [node, progress] : leader->progress) {
      status.followers.push_back(FollowerProgress{
          node, membership_.is_voter(node), progress.match, progress.next, progress.state,
          progress.recently_active, rejoin_unsettled(progress.rejoin_id), progress.rejoin_id});
    }
  }
  return status;
}

bool RaftStateMachine::has_output() const {
  return !outbox_.empty() || snapshot_to_persist_ || log_.has_unpersisted() ||
         log_.applied() < log_.commit() || hard_state() != reported_hard_state_ ||
         soft_state() != reported_soft_state_;
}

Output RaftStateMachine::take_output() {
  Output output;
  if (const HardState now = hard_state(); now != reported_hard_state_) {
    output.hard_state = now;
    reported_hard_state_ = now;
  }
  output.snapshot = std::exchange(snapshot_to_persist_, std::nullopt);
  output.entries = log_.take_unpersisted();
  output.messages = std::exchange(outbox_, {});
  output.committed_entries = log_.take_committed();
  if (const SoftState now = soft_state(); now != reported_soft_state_) {
    output.soft_state = now;
    reported_soft_state_ = now;
  }
  return output;
}

// ---- time ----------------------------------------------------------------------------------

std::uint64_t RaftStateMachine::next_random() {
  // splitmix64: the same seed gives the same timeouts on every platform and standard library.
  std::uint64_t z = (random_state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31U);
}

// §5.2: each node draws a fresh timeout from a range at every reset, so split votes are rare and
// resolve quickly.
void RaftStateMachine::reset_election_timer() {
  election_elapsed_ = 0;
  const auto span =
      static_cast<std::uint64_t>(timing_.election_ticks_max - timing_.election_ticks_min);
  randomized_election_timeout_ =
      timing_.election_ticks_min + static_cast<int>(next_random() % span);
}

void RaftStateMachine::tick() {
  if (auto* leader = std::get_if<Leader>(&role_)) {
    tick_leader(*leader);
    return;
  }
  ++election_elapsed_;
  // Learners never campaign: they hold no vote and count for no majority.
  if (promotable() && election_elapsed_ >= randomized_election_timeout_) {
    campaign(pre_vote_ ? CampaignKind::kPreElection : CampaignKind::kElection);
  }
}

void RaftStateMachine::tick_leader(Leader& leader) {
  ++election_elapsed_;
  ++leader.heartbeat_elapsed;
  if (election_elapsed_ >= timing_.election_ticks_min) {
    election_elapsed_ = 0;
    // Check-quorum (thesis §6.2): a leader that has not heard from a majority within an election
    // timeout may have been replaced on the other side of a partition; it steps down so that it
    // stops acknowledging anything (no writes accepted, no reads as leader).
    if (check_quorum_ && !quorum_recently_active(leader)) {
      become_follower(term_, std::nullopt);
      return;
    }
    for (auto& [node, progress] : leader.progress) progress.recently_active = false;
  }
  // A transfer that did not finish within an election timeout is abandoned (thesis §3.10), so
  // the leader accepts writes again. It has its own clock: restarting the check-quorum round
  // for it (as etcd does) would let a cut-off leader lead longer.
  if (leader.transfer_target && ++leader.transfer_elapsed >= timing_.election_ticks_min) {
    leader.transfer_target.reset();
  }
  if (leader.heartbeat_elapsed >= timing_.heartbeat_ticks) {
    leader.heartbeat_elapsed = 0;
    broadcast_heartbeat(leader);
  }
}

bool RaftStateMachine::quorum_recently_active(const Leader& leader) const {
  std::size_t active = membership_.is_voter(self_) ? 1 : 0;
  for (const auto& [node, progress] : leader.progress) {
    if (progress.recently_active && membership_.is_voter(node)) ++active;
  }
  return active >= membership_.quorum();
}

bool RaftStateMachine::in_leader_lease() const {
  return check_quorum_ && leader().has_value() && election_elapsed_ < timing_.election_ticks_min;
}

// ---- role changes --------------------------------------------------------------------------

void RaftStateMachine::become_follower(Term term, std::optional<NodeId> leader) {
  if (term != term_) {
    term_ = term;
    voted_for_.reset();  // a new term: no vote cast in it yet (Figure 2, votedFor)
  }
  role_ = Follower{leader, std::nullopt};
  reset_election_timer();
}

void RaftStateMachine::become_pre_candidate() {
  // Thesis §9.6: the term stays; only a successful pre-vote leads to a real election.
  role_ = PreCandidate{};
  reset_election_timer();
}

void RaftStateMachine::become_candidate() {
  // §5.2: increment the term and vote for oneself.
  term_ = Term{term_.value + 1};
  voted_for_ = self_;
  role_ = Candidate{};
  reset_election_timer();
}

void RaftStateMachine::become_leader() {
  Leader leader;
  // §5.3: nextIndex starts just after the leader's last entry, matchIndex at zero.
  Progress initial;
  initial.next = next(log_.last_index());
  for (const NodeId node : membership_.voters) {
    if (node != self_) leader.progress[node] = initial;
  }
  for (const NodeId node : membership_.learners) {
    if (node != self_) leader.progress[node] = initial;
  }
  // §5.4.2 and §8: a leader commits entries of earlier terms only by committing one of its own,
  // so it appends an empty entry at once; until that commits it does not accept writes. Nor may
  // a membership change start before it (the single-server change rule, thesis §4.1 errata).
  const EntryId noop = log_.append(term_, EntryKind::kLeaderNoOp, {});
  leader.first_index_of_term = noop.index;
  leader.pending_membership_index = noop.index;
  role_ = std::move(leader);
  reset_election_timer();
  auto& active = std::get<Leader>(role_);
  if (!maybe_commit(active)) broadcast_append(active);
}

void RaftStateMachine::campaign(CampaignKind kind) {
  Term request_term;
  if (kind == CampaignKind::kPreElection) {
    become_pre_candidate();
    request_term = Term{term_.value + 1};
  } else {
    become_candidate();
    request_term = term_;
  }
  VoteTally* tally = kind == CampaignKind::kPreElection ? &std::get<PreCandidate>(role_).votes
                                                        : &std::get<Candidate>(role_).votes;
  if (record_vote(*tally, self_, true) == TallyResult::kWon) {
    // A single-voter region wins at once.
    if (kind == CampaignKind::kPreElection) {
      campaign(CampaignKind::kElection);
    } else {
      become_leader();
    }
    return;
  }
  const VoteRequest request{kind == CampaignKind::kPreElection, log_.last_id(),
                            kind == CampaignKind::kTransfer};
  for (const NodeId voter : membership_.voters) {
    if (voter != self_) send(voter, request_term, request);
  }
}

RaftStateMachine::TallyResult RaftStateMachine::record_vote(VoteTally& tally, NodeId voter,
                                                            bool granted) const {
  if (!membership_.is_voter(voter)) return TallyResult::kPending;
  tally.responses.emplace(voter, granted);  // a duplicate response does not count twice
  std::size_t yes = 0;
  std::size_t no = 0;
  for (const auto& [node, vote] : tally.responses) {
    if (!membership_.is_voter(node)) continue;
    (vote ? yes : no) += 1;
  }
  if (yes >= membership_.quorum()) return TallyResult::kWon;
  if (no >= membership_.quorum()) return TallyResult::kLost;
  return TallyResult::kPending;
}

// ---- messages in ---------------------------------------------------------------------------

void RaftStateMachine::step(const Message& message) {
  if (message.to != self_ || message.from == self_ || !membership_.contains(message.from)) return;
  const auto* vote_request = std::get_if<VoteRequest>(&message.body);
  const auto* vote_response = std::get_if<VoteResponse>(&message.body);

  // Figure 2, "Rules for all servers": a message from a later term makes us a follower of it.
  if (message.term > term_) {
    if (vote_request != nullptr) {
      // Thesis §4.2.3: a node that heard from a leader within the minimum election timeout
      // ignores requests to vote (real or pre), so a node that was cut off cannot depose a
      // healthy leader. A transfer (TimeoutNow) was asked for by that leader and goes through.
      if (in_leader_lease() && !vote_request->leadership_transfer) return;
    }
    const bool pre_vote_request = vote_request != nullptr && vote_request->pre_vote;
    // A granted pre-vote comes back at the candidate's prospective term: not a newer leader.
    const bool granted_pre_vote =
        vote_response != nullptr && vote_response->pre_vote && vote_response->granted;
    if (!pre_vote_request && !granted_pre_vote) {
      become_follower(message.term, is_from_leader(message.body)
                                        ? std::optional<NodeId>(message.from)
                                        : std::nullopt);
    }
  } else if (message.term < term_) {
    if ((check_quorum_ || pre_vote_) && (std::holds_alternative<AppendEntries>(message.body) ||
                                         std::holds_alternative<Heartbeat>(message.body))) {
      // A stale leader (e.g. one that was partitioned away) would otherwise keep sending; with
      // pre-vote or check-quorum we may never raise our term to its, so tell it ours and it
      // steps down (etcd's answer to the same liveness hole).
      send(message.from, term_, AppendResponse{});
    } else if (vote_request != nullptr && vote_request->pre_vote) {
      // Reject with our term so a pre-candidate from an old term catches up.
      send(message.from, term_, VoteResponse{true, false});
    }
    return;  // everything else from an old term is stale (Figure 2)
  }

  if (vote_request != nullptr) {
    handle_vote_request(message, *vote_request);
    return;
  }
  if (auto* leader = std::get_if<Leader>(&role_)) {
    step_leader(*leader, message);
  } else if (std::holds_alternative<Follower>(role_)) {
    step_follower(message);
  } else {
    step_candidate(message);
  }
}

void RaftStateMachine::handle_vote_request(const Message& message, const VoteRequest& request) {
  // §5.2: one vote per term, first come first served (a repeated request from the node we voted
  // for is granted again: the first answer may have been lost). A pre-vote for a later term
  // promises nothing, so it does not need a free vote.
  const bool can_vote = voted_for_ == message.from ||
                        (!voted_for_.has_value() && !leader().has_value()) ||
                        (request.pre_vote && message.term > term_);
  // §5.4.1: only for a candidate whose log is at least as up to date as ours.
  //
  // Whether we or the candidate are voters is the candidate's business, not ours (thesis
  // §4.2.2): a candidate asks only the nodes it believes are voters and counts only their
  // answers, so a true learner is never asked and never counted. But membership changes take
  // effect when a node learns they are committed, so a node may not know yet that it was
  // promoted, or that the candidate was; refusing on our own stale view can deadlock a region
  // (the simulation found one: the only up-to-date voters believed themselves learners).
  //
  // A rejoining node lost its disk: its log may lack entries it helped commit and it may have
  // voted in this term already, so its vote could elect a leader missing committed entries or
  // a second leader of a term. It refuses every (pre-)vote until it is a voter again.
  const bool grant = !rejoining() && can_vote && log_.candidate_is_up_to_date(request.last_log);
  if (!grant) {
    send(message.from, term_, VoteResponse{request.pre_vote, false});
    return;
  }
  // Answer at the request's term: for a pre-vote it is the candidate's prospective term.
  send(message.from, message.term, VoteResponse{request.pre_vote, true});
  if (!request.pre_vote) {
    voted_for_ = message.from;  // persisted (hard state) before the response is sent
    reset_election_timer();
  }
}

void RaftStateMachine::step_follower(const Message& message) {
  std::visit(Overloaded{
                 [&](const AppendEntries& append) {
                   std::get<Follower>(role_).leader = message.from;
                   election_elapsed_ = 0;
                   handle_append_entries(message, append);
                 },
                 [&](const Heartbeat& heartbeat) {
                   std::get<Follower>(role_).leader = message.from;
                   election_elapsed_ = 0;
                   handle_heartbeat(message, heartbeat);
                 },
                 [&](const InstallSnapshot& chunk) {
                   std::get<Follower>(role_).leader = message.from;
                   election_elapsed_ = 0;
                   handle_install_snapshot(message, chunk);
                 },
                 [&](const TimeoutNow&) {
                   // Thesis §3.10: start an election now, without pre-vote: the leader asked.
                   if (promotable()) campaign(CampaignKind::kTransfer);
                 },
                 [](const auto&) {},
             },
             message.body);
}

void RaftStateMachine::step_candidate(const Message& message) {
  if (is_from_leader(message.body)) {
    // §5.2: a candidate that hears from a leader of its own term (or a pre-candidate from a
    // leader of the current term) accepts it and returns to follower.
    become_follower(message.term, message.from);
    step_follower(message);
    return;
  }
  const auto* response = std::get_if<VoteResponse>(&message.body);
  if (response == nullptr) return;
  const bool pre = std::holds_alternative<PreCandidate>(role_);
  if (response->pre_vote != pre) return;  // an answer to a campaign we no longer run
  VoteTally& tally = pre ? std::get<PreCandidate>(role_).votes : std::get<Candidate>(role_).votes;
  switch (record_vote(tally, message.from, response->granted)) {
    case TallyResult::kWon:
      if (pre) {
        campaign(CampaignKind::kElection);
      } else {
        become_leader();
      }
      break;
    case TallyResult::kLost:
      become_follower(term_, std::nullopt);
      break;
    case TallyResult::kPending:
      break;
  }
}

void RaftStateMachine::handle_append_entries(const Message& message, const AppendEntries& append) {
  if (append.prev.index < log_.commit()) {
    // Everything up to our commit index agrees with every leader (§5.4); answer with it so the
    // leader moves on, instead of checking an entry that may be compacted.
    send(message.from, term_, AppendResponse{true, log_.commit(), {}, {}});
    return;
  }
  if (const std::optional<LogIndex> last_new = log_.append_after(append.prev, append.entries)) {
    // §5.3: commit up to min(leaderCommit, index of last new entry).
    advance_commit(std::min(append.leader_commit, *last_new));
    send(message.from, term_, AppendResponse{true, *last_new, {}, {}});
    return;
  }
  // §5.3 log matching failed: the leader will retry earlier. The hint names our last entry with
  // a term <= prev.term at or before prev.index: no entry after it can match.
  const EntryId hint = log_.find_conflict_by_term(append.prev.index, append.prev.term);
  send(message.from, term_, AppendResponse{false, append.prev.index, hint.index, hint.term});
}

void RaftStateMachine::handle_heartbeat(const Message& message, const Heartbeat& heartbeat) {
  // The leader sends min(our match, its commit), so every entry up to it is in our log and
  // matches the leader's.
  advance_commit(heartbeat.commit);
  send(message.from, term_, HeartbeatResponse{});
}

void RaftStateMachine::handle_install_snapshot(const Message& message,
                                               const InstallSnapshot& chunk) {
  auto& follower = std::get<Follower>(role_);
  auto& assembly = follower.snapshot_assembly;
  const auto generation = [](Term term, const SnapshotMeta& meta) {
    return std::pair{term, meta.last_included};
  };
  if (assembly && !(assembly->term == message.term && assembly->meta == chunk.meta)) {
    // A chunk of an older snapshot (reordered past a newer one) is stale; a newer snapshot
    // replaces the one being assembled.
    if (generation(message.term, chunk.meta) <= generation(assembly->term, assembly->meta)) return;
    assembly.reset();
  }
  if (!assembly) assembly = SnapshotAssembly{message.term, chunk.meta, {}, {}, std::nullopt};
  if (chunk.offset > kMaxSnapshotBytes || chunk.data.size() > kMaxSnapshotBytes - chunk.offset) {
    assembly.reset();  // nonsense from the network
    return;
  }
  if (chunk.done) assembly->total = chunk.offset + chunk.data.size();
  // Chunks may come duplicated or out of order (the leader sends them all at once, and a
  // network may reorder): a chunk past the assembled prefix waits in `early`; one that overlaps
  // it contributes only its new bytes; a duplicate contributes nothing.
  if (chunk.offset > assembly->data.size()) {
    if (assembly->early.size() >= kMaxEarlySnapshotChunks) {
      assembly.reset();  // too far out of order to hold: the leader starts over
      return;
    }
    assembly->early.emplace(chunk.offset, chunk.data);
  } else if (chunk.offset + chunk.data.size() > assembly->data.size()) {
    assembly->data.append(chunk.data, assembly->data.size() - chunk.offset);
  }
  while (!assembly->early.empty() && assembly->early.begin()->first <= assembly->data.size()) {
    const auto early = assembly->early.begin();
    if (early->first + early->second.size() > assembly->data.size()) {
      assembly->data.append(early->second, assembly->data.size() - early->first);
    }
    assembly->early.erase(early);
  }
  if (!assembly->total || assembly->data.size() < *assembly->total) return;
  if (assembly->data.size() != *assembly->total) {
    assembly.reset();  // chunks that disagree about the end: start over
    return;
  }
  Snapshot snapshot{std::move(assembly->meta), std::move(assembly->data)};
  assembly.reset();

  const EntryId last_included = snapshot.meta.last_included;
  if (last_included.index <= log_.commit()) {
    send(message.from, term_, AppendResponse{true, log_.commit(), {}, {}});
    return;
  }
  if (log_.holds(last_included)) {
    // Our log already holds the snapshot's last entry, so it agrees with the leader up to it
    // (§5.3): commit it and keep what follows (§7, "retain the entries following it").
    advance_commit(last_included.index);
    send(message.from, term_, AppendResponse{true, last_included.index, {}, {}});
    return;
  }
  // §7: discard the entire log and take the snapshot.
  log_.restore(last_included);
  // The edge persists an Output's snapshot before the next step, replacing its stored log: a
  // report of entries written before it no longer says anything about storage.
  persisted_ = last_included;
  membership_ = snapshot.meta.membership;
  membership_history_.clear();
  membership_scanned_through_ = last_included.index;
  snapshot_ = snapshot;
  snapshot_to_persist_ = std::move(snapshot);
  send(message.from, term_, AppendResponse{true, last_included.index, {}, {}});
}

void RaftStateMachine::step_leader(Leader& leader, const Message& message) {
  const auto found = leader.progress.find(message.from);
  if (found == leader.progress.end()) return;
  Progress& progress = found->second;
  if (const auto* response = std::get_if<AppendResponse>(&message.body)) {
    progress.recently_active = true;
    handle_append_response(leader, message.from, *response);
  } else if (const auto* heartbeat = std::get_if<HeartbeatResponse>(&message.body)) {
    progress.recently_active = true;
    note_rejoining(progress, heartbeat->rejoin_id);
    progress.probe_sent = false;
    if (progress.state == ReplicationState::kSnapshot &&
        ++progress.snapshot_wait_heartbeats >
            timing_.election_ticks_min / timing_.heartbeat_ticks) {
      // The snapshot (or its answer) was probably lost: probe again, which resends it if needed.
      progress.state = ReplicationState::kProbe;
      progress.next = next(progress.match);
    }
    // An empty AppendEntries doubles as a probe: it finds out whether the entries we streamed
    // arrived, and repairs the follower if they did not.
    if (progress.match < log_.last_index()) send_append(leader, message.from, true);
  }
}

void RaftStateMachine::handle_append_response(Leader& leader, NodeId from,
                                              const AppendResponse& response) {
  Progress& progress = leader.progress.at(from);
  note_rejoining(progress, response.rejoin_id);
  if (!response.accepted) {
    if (response.index == LogIndex{} && response.hint_index == LogIndex{}) {
      return;  // the stale-term answer to an old leader, or an empty rejection: nothing to learn
    }
    if (progress.state == ReplicationState::kReplicate) {
      if (response.index <= progress.match) return;  // stale
      progress.state = ReplicationState::kProbe;
      progress.next = next(progress.match);
    } else {
      if (response.index != previous(progress.next)) return;  // stale: not our last probe
      // Fast back-off: skip every entry the hint rules out, in the leader's log terms.
      LogIndex probe = response.index;
      if (response.hint_term > Term{}) {
        probe = log_.find_conflict_by_term(response.hint_index, response.hint_term).index;
      } else {
        probe = std::min(probe, response.hint_index);
      }
      progress.next = std::max(next(progress.match), std::min(response.index, next(probe)));
      if (progress.state == ReplicationState::kSnapshot) progress.state = ReplicationState::kProbe;
    }
    progress.probe_sent = false;
    send_append(leader, from, true);
    return;
  }

  const bool updated = progress.match < response.index;
  if (updated) {
    progress.match = response.index;
    progress.next = std::max(progress.next, next(response.index));
  }
  progress.probe_sent = false;
  if (progress.state != ReplicationState::kReplicate &&
      (updated || progress.state == ReplicationState::kProbe) &&
      (progress.state != ReplicationState::kSnapshot ||
       progress.match >= progress.pending_snapshot)) {
    progress.state = ReplicationState::kReplicate;
    progress.next = next(progress.match);
  }
  if (maybe_commit(leader)) {
    // Tell everyone the new commit index (and stream to whoever is behind).
    if (auto* still_leader = std::get_if<Leader>(&role_)) broadcast_append(*still_leader);
  } else if (progress.next <= log_.last_index()) {
    send_append(leader, from, false);
  }
  auto* current = std::get_if<Leader>(&role_);
  if (current != nullptr && current->transfer_target == from &&
      current->progress.at(from).match == log_.last_index()) {
    // Thesis §3.10: the target has every entry; let it start an election now.
    send(from, term_, TimeoutNow{});
  }
}

void RaftStateMachine::note_rejoining(Progress& progress, std::uint64_t rejoin_id) {
  if (rejoin_unsettled(rejoin_id) && rejoin_id != progress.rejoin_id) {
    progress.match = LogIndex{};
    progress.next = next(log_.last_index());
    progress.state = ReplicationState::kProbe;
    progress.probe_sent = false;
  }
  progress.rejoin_id = rejoin_id;
}

// ---- messages out --------------------------------------------------------------------------

void RaftStateMachine::send(NodeId to, Term term, MessageBody body) {
  if (auto* response = std::get_if<AppendResponse>(&body)) response->rejoin_id = rejoin_id_;
  if (auto* response = std::get_if<HeartbeatResponse>(&body)) response->rejoin_id = rejoin_id_;
  outbox_.push_back(Message{self_, to, term, std::move(body)});
}

void RaftStateMachine::send_append(Leader& leader, NodeId to, bool send_if_empty) {
  Progress& progress = leader.progress.at(to);
  if (progress.state == ReplicationState::kSnapshot) return;
  if (progress.state == ReplicationState::kProbe && progress.probe_sent) return;
  const LogIndex prev_index = previous(progress.next);
  const std::optional<Term> prev_term = log_.term_at(prev_index);
  std::vector<Entry> entries = log_.slice(progress.next, max_entries_per_append_);
  if (!prev_term || (entries.empty() && progress.next <= log_.last_index())) {
    // §7: the entries the follower needs were compacted away; send the snapshot instead, in
    // chunks of snapshot_chunk_bytes_ with their offsets, all at once: the link delivers them in
    // order, and a lost one leaves a gap the follower drops, so the snapshot wait below runs out
    // and the probe starts the whole snapshot again.
    const std::string& data = snapshot_.data;
    std::size_t offset = 0;
    do {
      const std::size_t size = std::min(snapshot_chunk_bytes_, data.size() - offset);
      send(to, term_,
           InstallSnapshot{snapshot_.meta, offset, data.substr(offset, size),
                           offset + size == data.size()});
      offset += size;
    } while (offset < data.size());
    progress.state = ReplicationState::kSnapshot;
    progress.pending_snapshot = snapshot_.meta.last_included.index;
    progress.snapshot_wait_heartbeats = 0;
    return;
  }
  if (entries.empty() && !send_if_empty) return;
  if (progress.state == ReplicationState::kReplicate && !entries.empty()) {
    progress.next = next(entries.back().index);  // optimistic: stream without waiting
  }
  if (progress.state == ReplicationState::kProbe) progress.probe_sent = true;
  send(to, term_,
       AppendEntries{EntryId{*prev_term, prev_index}, std::move(entries), log_.commit()});
}

void RaftStateMachine::broadcast_append(Leader& leader) {
  for (auto& [node, progress] : leader.progress) send_append(leader, node, true);
}

void RaftStateMachine::broadcast_heartbeat(Leader& leader) {
  for (auto& [node, progress] : leader.progress) {
    // Only what the follower is known to hold, so a heartbeat never commits past its log.
    send(node, term_, Heartbeat{std::min(progress.match, log_.commit())});
  }
}

// §5.3/§5.4.2: an entry is committed once a majority of voters store it, but the leader counts
// replicas only for an entry of its own term; earlier entries commit with it (Log Matching).
bool RaftStateMachine::maybe_commit(Leader& leader) {
  bool advanced = false;
  for (;;) {
    if (!std::holds_alternative<Leader>(role_)) return advanced;
    std::vector<LogIndex> matches;
    if (membership_.is_voter(self_)) matches.push_back(durable_index());
    for (const auto& [node, progress] : leader.progress) {
      // A voter that lost its disk may have forgotten a newer term it promised; until it is a
      // voter again its copy counts for nothing (README.md, "Rejoining after a lost disk").
      if (membership_.is_voter(node))
        matches.push_back(rejoin_unsettled(progress.rejoin_id) ? LogIndex{} : progress.match);
    }
    const std::size_t quorum = membership_.quorum();
    if (matches.size() < quorum) return advanced;
    std::sort(matches.begin(), matches.end(), std::greater<>());
    const LogIndex majority_index = matches[quorum - 1];
    if (majority_index <= log_.commit() || log_.term_at(majority_index) != term_) {
      return advanced;
    }
    advance_commit(majority_index);  // may change the membership, hence the loop
    advanced = true;
  }
}

// How much of our own log counts toward a commit. Storage writes Output::entries in order, each
// write cutting the stored log where its first entry goes, so after writing up to `persisted_`
// storage holds exactly our log's prefix up to it, if our log still has that entry (Log
// Matching); if the entry was overwritten since, nothing is counted until the next write lands.
LogIndex RaftStateMachine::durable_index() const {
  if (!async_persistence_) return log_.last_index();
  if (persisted_.index > log_.last_index() || log_.term_at(persisted_.index) != persisted_.term) {
    return LogIndex{};
  }
  return persisted_.index;
}

void RaftStateMachine::persisted(EntryId last) {
  persisted_ = last;
  if (auto* leader = std::get_if<Leader>(&role_)) {
    if (maybe_commit(*leader)) {
      if (auto* still_leader = std::get_if<Leader>(&role_)) broadcast_append(*still_leader);
    }
  }
}

// ---- commit and membership -----------------------------------------------------------------

void RaftStateMachine::advance_commit(LogIndex index) {
  log_.commit_to(index);
  while (membership_scanned_through_ < log_.commit()) {
    membership_scanned_through_ = next(membership_scanned_through_);
    const Entry* entry = log_.entry_at(membership_scanned_through_);
    if (entry == nullptr || entry->kind != EntryKind::kMembershipChange) continue;
    if (const auto change = decode_membership_change(entry->payload)) {
      apply_membership_change(entry->index, *change);
    }
  }
}

void RaftStateMachine::apply_membership_change(LogIndex index, const MembershipChange& change) {
  track_rejoin(change);
  auto& from = change.make_voter ? membership_.learners : membership_.voters;
  auto& to = change.make_voter ? membership_.voters : membership_.learners;
  const auto found = std::find(from.begin(), from.end(), change.node);
  if (found == from.end()) return;  // already applied, or names no one we know
  from.erase(found);
  to.insert(std::upper_bound(to.begin(), to.end(), change.node), change.node);
  membership_history_.emplace_back(index, membership_);
  // A leader or candidate that is no longer a voter cannot stay one (it would count itself).
  if (!promotable() && !std::holds_alternative<Follower>(role_)) {
    become_follower(term_, std::nullopt);
  }
}

void RaftStateMachine::track_rejoin(const MembershipChange& change) {
  if (!change.make_voter || change.rejoin_id == 0) return;
  settled_rejoins_.insert(change.rejoin_id);
  if (change.node == self_ && change.rejoin_id == rejoin_id_) {
    // The leader promoted us only once our log reached its commit index, after its no-op
    // committed (propose_membership_change): we hold every entry ever committed, so our vote is
    // as safe as any voter's again.
    rejoin_id_ = 0;
  }
}

Membership RaftStateMachine::membership_at(LogIndex index) const {
  Membership membership = snapshot_.meta.membership;
  for (const auto& [changed_at, after] : membership_history_) {
    if (changed_at <= index) membership = after;
  }
  return membership;
}

// ---- requests from the application ---------------------------------------------------------

Result<EntryId> RaftStateMachine::propose(std::string payload) {
  auto* leader = std::get_if<Leader>(&role_);
  if (leader == nullptr) return Refusal::kNotLeader;
  if (leader->transfer_target) return Refusal::kTransferInProgress;
  const EntryId id = log_.append(term_, EntryKind::kApplication, std::move(payload));
  if (!maybe_commit(*leader)) broadcast_append(*leader);
  return id;
}

Result<Done> RaftStateMachine::transfer_leadership(std::optional<NodeId> target) {
  auto* leader = std::get_if<Leader>(&role_);
  if (leader == nullptr) return Refusal::kNotLeader;
  if (!target) {
    // "The most up-to-date follower": the voter with the highest match index.
    for (const auto& [node, progress] : leader->progress) {
      if (!membership_.is_voter(node) || rejoin_unsettled(progress.rejoin_id)) continue;
      if (!target || progress.match > leader->progress.at(*target).match) target = node;
    }
    if (!target) return Refusal::kUnknownNode;
  }
  if (*target == self_) return Done{};
  if (!membership_.is_voter(*target)) return Refusal::kUnknownNode;
  leader->transfer_target = target;
  leader->transfer_elapsed = 0;  // one minimum election timeout to finish (tick_leader)
  Progress& progress = leader->progress.at(*target);
  if (progress.match == log_.last_index()) {
    send(*target, term_, TimeoutNow{});
  } else {
    send_append(*leader, *target, true);
  }
  return Done{};
}

Result<EntryId> RaftStateMachine::promote_learner(NodeId learner, std::uint64_t rejoin_id) {
  return propose_membership_change(MembershipChange{learner, true, rejoin_id});
}

Result<EntryId> RaftStateMachine::demote_voter(NodeId voter, std::uint64_t rejoin_id) {
  return propose_membership_change(MembershipChange{voter, false, rejoin_id});
}

Result<EntryId> RaftStateMachine::propose_membership_change(const MembershipChange& change) {
  auto* leader = std::get_if<Leader>(&role_);
  if (leader == nullptr) return Refusal::kNotLeader;
  if (leader->transfer_target) return Refusal::kTransferInProgress;
  // One change at a time, and not before this term's no-op commits (thesis §4.1 and its
  // errata): two configurations in use then differ by one node, so their majorities overlap.
  if (leader->pending_membership_index > log_.commit()) return Refusal::kMembershipChangePending;
  if (change.make_voter ? !membership_.is_learner(change.node)
                        : !membership_.is_voter(change.node)) {
    return Refusal::kUnknownNode;
  }
  if (!change.make_voter && change.node == self_) return Refusal::kLeaderCannotDemoteItself;
  if (change.make_voter && leader->progress.at(change.node).match < log_.commit()) {
    return Refusal::kLearnerNotCaughtUp;
  }
  // Promoting a rejoin: only on progress measured since we heard its id (note_rejoining reset
  // what it acknowledged before it lost its disk).
  if (change.make_voter && change.rejoin_id != 0 &&
      leader->progress.at(change.node).rejoin_id != change.rejoin_id) {
    return Refusal::kUnknownNode;
  }
  const EntryId id =
      log_.append(term_, EntryKind::kMembershipChange, encode_membership_change(change));
  leader->pending_membership_index = id.index;
  if (!maybe_commit(*leader)) broadcast_append(*leader);
  return id;
}

Result<SnapshotMeta> RaftStateMachine::compact(LogIndex index, std::string data) {
  if (index > log_.applied()) return Refusal::kIndexNotApplied;
  if (index <= log_.snapshot_last().index) return Refusal::kIndexAlreadyCompacted;
  const Membership membership = membership_at(index);
  log_.compact(index);
  snapshot_ = Snapshot{SnapshotMeta{log_.snapshot_last(), membership}, std::move(data)};
  std::erase_if(membership_history_, [index](const auto& change) { return change.first <= index; });
  return snapshot_.meta;
}

}  // namespace tern::election
