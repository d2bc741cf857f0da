#pragma once
// A deterministic simulation of one region (FoundationDB's sim2 idea, without its globals): 3-5
// election state machines on one thread, a simulated clock in ticks and a simulated network, all
// driven by one seed, so any failure replays from its seed.
//
// The network delays every message by a random number of ticks (so it reorders), drops and
// duplicates some, occasionally holds one back for a long time, and applies partitions
// (symmetric and one-way) at delivery time. Nodes crash and restart from what they persisted
// (hard state, entries, snapshot); a crash loses everything else, and now and then its disk too:
// the node restarts empty and rejoining (ElectionConfig::rejoining), and the leader does what
// tern's edge does, demoting it to learner and promoting it once caught up (one lost disk at a
// time: losing a majority's disks loses data under any rule). On top of the faults the
// simulation proposes client writes, transfers leadership, compacts logs and moves nodes
// between voters and learners, all at random times.
//
// The invariants are checked as the run goes (see the check_* functions): election safety,
// one vote per term per node, leader completeness, state machine safety (every node applies the
// same entries in the same order, without gaps or duplicates, and never changes a committed
// one), monotonic commit, and check-quorum (an isolated leader steps down). After the faults
// heal, a leader must be elected and a write committed everywhere within a bound (liveness).
#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "replication/election/raft_state_machine.h"
#include "tests/replication/node_storage.h"

namespace tern::election::testing {

// splitmix64; the simulation's only randomness.
class SimulationRandom {
 public:
  explicit SimulationRandom(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
  }
  // Uniform in [low, high].
  std::uint64_t between(std::uint64_t low, std::uint64_t high) {
    return low + next() % (high - low + 1);
  }
  bool chance(double probability) {
    return static_cast<double>(next() >> 11U) * 0x1.0p-53 < probability;
  }
  template <typename T>
  const T& pick(const std::vector<T>& from) {
    return from[next() % from.size()];
  }

 private:
  std::uint64_t state_;
};

struct SimulationStats {
  std::uint64_t leaders_elected = 0;
  std::uint64_t entries_committed = 0;
  std::uint64_t snapshots_installed = 0;
  std::uint64_t transfers_completed = 0;
  std::uint64_t check_quorum_step_downs = 0;
  std::uint64_t membership_changes = 0;
  std::uint64_t crashes = 0;
  std::uint64_t disk_wipes = 0;
  std::uint64_t rejoins_completed = 0;
  std::uint64_t max_recovery_ticks = 0;
  std::uint64_t max_step_down_ticks = 0;

  void add(const SimulationStats& other) {
    leaders_elected += other.leaders_elected;
    entries_committed += other.entries_committed;
    snapshots_installed += other.snapshots_installed;
    transfers_completed += other.transfers_completed;
    check_quorum_step_downs += other.check_quorum_step_downs;
    membership_changes += other.membership_changes;
    crashes += other.crashes;
    disk_wipes += other.disk_wipes;
    rejoins_completed += other.rejoins_completed;
    max_recovery_ticks = std::max(max_recovery_ticks, other.max_recovery_ticks);
    max_step_down_ticks = std::max(max_step_down_ticks, other.max_step_down_ticks);
  }
};

class SimulatedRegion {
 public:
  static constexpr std::uint64_t kChaosTicks = 2500;
  // After healing: a leader accepting writes and one write applied everywhere within this bound
  // (20 maximum election timeouts; in practice far less, see stats().max_recovery_ticks).
  static constexpr std::uint64_t kRecoveryBoundTicks = 1200;
  // An isolated leader steps down within two check-quorum periods of its last contact; the
  // slack covers the ticks a node's clock may skip.
  static constexpr std::uint64_t kStepDownBoundTicks = 2 * 30 + 12;

  explicit SimulatedRegion(std::uint64_t seed) : seed_(seed), random_(seed) {
    const auto node_count = static_cast<std::uint64_t>(random_.between(3, 5));
    const bool with_learner = node_count > 3 && random_.chance(0.6);
    for (std::uint64_t id = 1; id <= node_count; ++id) {
      const bool learner = with_learner && id == node_count;
      (learner ? membership_.learners : membership_.voters).push_back(NodeId{id});
    }
    drop_rate_ = static_cast<double>(random_.between(0, 10)) / 100.0;
    duplicate_rate_ = static_cast<double>(random_.between(0, 5)) / 100.0;
    max_delay_ = random_.between(0, 4);
    // Some seeds single out leaders: crashing one soon after it appends (before its entries
    // reach everyone) is what leaves divergent uncommitted suffixes behind (Figure 8 of §5.4.2).
    leader_crash_rate_ = random_.chance(0.5) ? 0.01 : 0.0;
    small_batches_ = random_.chance(0.5);
    // Decided by the seed's parity, not drawn, so even seeds replay exactly as before.
    async_persistence_ = seed % 2 == 1;
    for (const NodeId node : all_nodes()) {
      nodes_[node];
      start(node);
    }
  }

  // Runs the whole scenario; returns the first violated invariant, if any.
  std::optional<std::string> run() {
    for (now_ = 0; now_ < kChaosTicks && !failure_; ++now_) {
      inject_faults();
      inject_requests();
      advance_one_tick();
      check_step_down();
    }
    if (!failure_) heal_and_check_liveness();
    return failure_;
  }

  const SimulationStats& stats() const { return stats_; }
  std::string trace() const {
    std::string out;
    for (const std::string& line : trace_) out += line + "\n";
    return out;
  }

 private:
  struct SimNode {
    std::unique_ptr<RaftStateMachine> machine;
    NodeStorage storage;
    bool up = false;
    bool wipe_on_restart = false;
    // tern's <base>.rejoining marker, holding the rejoin id: set with the wipe, removed once the
    // node votes again, so a restart in between continues the same rejoin.
    std::uint64_t rejoin_marker = 0;
    std::uint64_t restart_at = 0;
    std::vector<Entry> applied;  // the application: every committed entry, in order
    Role last_role = Role::kFollower;
    Term last_term;
    LogIndex last_commit;
    // Async persistence (odd seeds): writes queued but not yet durable, each with the messages
    // that wait for it; a crash loses them. And the last entry written, as the edge reports it.
    struct PendingWrite {
      Output persist;  // entries and hard state only
      std::vector<Message> held;
    };
    std::deque<PendingWrite> pending;
    std::optional<EntryId> last_written;
  };
  struct InFlight {
    std::uint64_t deliver_at;
    std::uint64_t sequence;
    Message message;
    bool operator<(const InFlight& other) const {
      return std::tie(deliver_at, sequence) < std::tie(other.deliver_at, other.sequence);
    }
  };
  struct Isolation {
    NodeId node;
    std::uint64_t since;
    std::uint64_t until;
  };

  std::vector<NodeId> all_nodes() const {
    std::vector<NodeId> out = membership_.voters;
    out.insert(out.end(), membership_.learners.begin(), membership_.learners.end());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::vector<NodeId> up_nodes() const {
    std::vector<NodeId> out;
    for (const auto& [id, node] : nodes_) {
      if (node.up) out.push_back(id);
    }
    return out;
  }

  void fail(const std::string& what) {
    if (!failure_) failure_ = "tick " + std::to_string(now_) + ": " + what;
  }
  void note(const std::string& line) {
    trace_.push_back("t" + std::to_string(now_) + " " + line);
    if (trace_.size() > 60) trace_.pop_front();
  }

  // ---- nodes ---------------------------------------------------------------------------------

  void start(NodeId id) {
    SimNode& node = nodes_.at(id);
    ElectionConfig config;
    config.self = id;
    config.initial_membership = membership_;
    config.random_seed = random_.next();
    config.max_entries_per_append = small_batches_ ? 1 : random_.between(1, 16);
    config.async_persistence = async_persistence_;
    node.pending.clear();
    node.last_written.reset();
    // Snapshots are a few hundred bytes here: chunks of 1-64 bytes make many messages, each of
    // which the network may drop, duplicate or reorder.
    config.snapshot_chunk_bytes = random_.between(1, 64);
    if (node.wipe_on_restart) {
      node.wipe_on_restart = false;
      node.storage = NodeStorage{};
      node.rejoin_marker = random_.next() | 1U;
      node.last_commit = LogIndex{};  // what it had committed is gone with the disk
      ++stats_.disk_wipes;
      note("n" + std::to_string(id.value) + " restarts with an empty disk, rejoining");
    }
    config.rejoin_id = node.rejoin_marker;
    node.machine = std::make_unique<RaftStateMachine>(config, node.storage.persisted);
    node.up = true;
    node.last_role = Role::kFollower;
    node.last_term = node.storage.persisted.hard_state.term;
    // Raft's commit index is volatile: with async persistence a crash may lose the latest
    // hard state's commit, so it only must not go backwards while the node runs.
    if (async_persistence_) node.last_commit = node.machine->commit_index();
    // The application restarts from its snapshot; the entries after it come back as committed.
    node.applied.clear();
    if (node.storage.persisted.snapshot) {
      restore_application(id, *node.storage.persisted.snapshot);
    }
    drain(id);
  }

  void crash(NodeId id) {
    SimNode& node = nodes_.at(id);
    node.up = false;
    node.machine.reset();
    node.pending.clear();  // never reached the disk
    node.last_written.reset();
    node.restart_at = now_ + random_.between(5, 400);
    // Its disk is lost too, unless another node is still rejoining from a lost disk, or some
    // node sees fewer than three voters: then the others would be no majority without it, and
    // the region would rightly stay unavailable (a rejoining node votes for no one).
    // Nor while the nodes disagree on the membership (a change is in flight): a node that does
    // not know a demotion committed still counts the demoted node, whose log may be the only
    // up-to-date one and which, a learner in its own view, never campaigns.
    bool tolerable = true;
    std::optional<Membership> seen;
    for (const auto& [other, sim] : nodes_) {
      if (sim.wipe_on_restart || sim.rejoin_marker != 0) tolerable = false;
      if (!sim.up || !sim.machine) continue;
      if (sim.machine->membership().voters.size() < 3) tolerable = false;
      if (seen && *seen != sim.machine->membership()) tolerable = false;
      seen = sim.machine->membership();
    }
    if (tolerable && random_.chance(0.25)) node.wipe_on_restart = true;
    ++stats_.crashes;
    note("crash n" + std::to_string(id.value));
  }

  static std::string encode_application(const std::vector<Entry>& applied, LogIndex through) {
    std::ostringstream out;
    for (const Entry& entry : applied) {
      if (entry.index > through) break;
      out << entry.term.value << ' ' << entry.index.value << ' ' << static_cast<int>(entry.kind)
          << ' ' << entry.payload.size() << ' ' << entry.payload << '\n';
    }
    return out.str();
  }

  void restore_application(NodeId id, const Snapshot& snapshot) {
    std::vector<Entry> applied;
    std::istringstream in(snapshot.data);
    std::uint64_t term = 0;
    std::uint64_t index = 0;
    int kind = 0;
    std::size_t size = 0;
    while (in >> term >> index >> kind >> size) {
      in.get();
      std::string payload(size, '\0');
      in.read(payload.data(), static_cast<std::streamsize>(size));
      applied.push_back(Entry{Term{term}, LogIndex{index}, static_cast<EntryKind>(kind), payload});
    }
    if (applied.size() != snapshot.meta.last_included.index.value ||
        (!applied.empty() && applied.back().id() != snapshot.meta.last_included)) {
      fail("snapshot of n" + std::to_string(id.value) + " at " +
           std::to_string(snapshot.meta.last_included.index.value) +
           " does not hold exactly the entries up to it");
      return;
    }
    for (const Entry& entry : applied) check_committed(id, entry);
    nodes_.at(id).applied = std::move(applied);
  }

  // Takes a node's output and does what the edge would: persist, then send, then apply.
  void drain(NodeId id) {
    SimNode& node = nodes_.at(id);
    while (node.up && node.machine->has_output()) {
      Output output = node.machine->take_output();
      if (output.hard_state) {
        const HardState& before = node.storage.persisted.hard_state;
        if (output.hard_state->term < before.term) fail("term went backwards");
        if (output.hard_state->commit < before.commit) fail("commit index went backwards");
      }
      if (async_persistence_ && !output.snapshot) {
        queue_write(id, std::move(output));
        continue;
      }
      // A snapshot replaces the log: whatever was queued before it lands first, unreported
      // (those entries leave the stored log with it; region_service.cc does the same).
      if (async_persistence_) complete_writes(id, node.pending.size(), false, false);
      node.storage.persist(output);
      if (!output.entries.empty()) node.last_written = output.entries.back().id();
      if (async_persistence_ && output.snapshot) {
        if (output.entries.empty()) node.last_written = output.snapshot->meta.last_included;
        node.machine->persisted(*node.last_written);
      }
      if (output.snapshot) {
        ++stats_.snapshots_installed;
        note("n" + std::to_string(id.value) + " installs snapshot at " +
             std::to_string(output.snapshot->meta.last_included.index.value));
        restore_application(id, *output.snapshot);
      }
      for (Message& message : output.messages) send(std::move(message));
      for (const Entry& entry : output.committed_entries) apply(id, entry);
    }
    if (node.up && node.rejoin_marker != 0 && !node.machine->rejoining()) node.rejoin_marker = 0;
    check_roles(id);
  }

  // What the edge does with async persistence (region_service.cc): the write is queued; a
  // leader's appends and heartbeats go now, any other message waits for every write queued
  // before it; committed entries are applied at once (a majority holds them).
  void queue_write(NodeId id, Output output) {
    SimNode& node = nodes_.at(id);
    SimNode::PendingWrite write;
    write.persist.entries = std::move(output.entries);
    write.persist.hard_state = output.hard_state;
    const bool writes = !write.persist.entries.empty() || write.persist.hard_state;
    for (Message& message : output.messages) {
      const bool from_leader = std::holds_alternative<AppendEntries>(message.body) ||
                               std::holds_alternative<Heartbeat>(message.body) ||
                               std::holds_alternative<InstallSnapshot>(message.body);
      if (from_leader || (node.pending.empty() && !writes)) {
        send(std::move(message));
      } else {
        write.held.push_back(std::move(message));
      }
    }
    if (writes || !write.held.empty()) node.pending.push_back(std::move(write));
    for (const Entry& entry : output.committed_entries) apply(id, entry);
  }

  // The first `count` queued writes land (one group commit), in order; then what waited goes.
  void complete_writes(NodeId id, std::size_t count, bool then_drain = true, bool report = true) {
    SimNode& node = nodes_.at(id);
    if (count == 0 || !node.up) return;
    for (std::size_t i = 0; i < count && !node.pending.empty(); ++i) {
      SimNode::PendingWrite write = std::move(node.pending.front());
      node.pending.pop_front();
      node.storage.persist(write.persist);
      if (!write.persist.entries.empty()) node.last_written = write.persist.entries.back().id();
      for (Message& message : write.held) send(std::move(message));
    }
    if (report && node.last_written) node.machine->persisted(*node.last_written);
    if (then_drain) drain(id);  // inside drain, its loop takes what persisted() produced
  }

  void apply(NodeId id, const Entry& entry) {
    SimNode& node = nodes_.at(id);
    const LogIndex expected{node.applied.size() + 1};
    if (entry.index != expected) {
      fail("n" + std::to_string(id.value) + " applied index " + std::to_string(entry.index.value) +
           " but expected " + std::to_string(expected.value) + " (gap or duplicate)");
      return;
    }
    check_committed(id, entry);
    node.applied.push_back(entry);
  }

  // State machine safety: whoever hands out index i hands out the same entry.
  void check_committed(NodeId id, const Entry& entry) {
    const Term reporter_term =
        nodes_.at(id).up && nodes_.at(id).machine ? nodes_.at(id).machine->term() : entry.term;
    const auto [found, inserted] =
        committed_.try_emplace(entry.index, CommittedEntry{entry, reporter_term});
    if (inserted) {
      ++stats_.entries_committed;
      return;
    }
    if (found->second.entry != entry) {
      fail("n" + std::to_string(id.value) + " applied (" + std::to_string(entry.term.value) + "," +
           std::to_string(entry.index.value) + ") but (" +
           std::to_string(found->second.entry.term.value) + "," +
           std::to_string(found->second.entry.index.value) + ") was committed there");
    }
    found->second.commit_term = std::min(found->second.commit_term, reporter_term);
  }

  // Election safety, leader completeness and the per-node bookkeeping of role changes.
  void check_roles(NodeId id) {
    SimNode& node = nodes_.at(id);
    if (!node.up) return;
    const RaftStateMachine& machine = *node.machine;
    if (machine.commit_index() < node.last_commit) fail("commit went backwards in memory");
    node.last_commit = machine.commit_index();
    const Role role = machine.role();
    if (role == Role::kLeader) {
      const auto [found, inserted] = leader_of_term_.try_emplace(machine.term().value, id);
      if (!inserted && found->second != id) {
        fail("two leaders in term " + std::to_string(machine.term().value) + ": n" +
             std::to_string(found->second.value) + " and n" + std::to_string(id.value));
      }
      if (node.last_role != Role::kLeader || node.last_term != machine.term()) {
        ++stats_.leaders_elected;
        note("n" + std::to_string(id.value) + " leads term " +
             std::to_string(machine.term().value));
        if (transfer_target_ == id) {
          ++stats_.transfers_completed;
          transfer_target_.reset();
        }
        check_leader_completeness(id);
      }
    } else if (node.last_role == Role::kLeader) {
      note("n" + std::to_string(id.value) + " steps down");
      for (const Isolation& isolation : isolations_) {
        if (isolation.node == id) {
          ++stats_.check_quorum_step_downs;
          stats_.max_step_down_ticks = std::max(stats_.max_step_down_ticks, now_ - isolation.since);
        }
      }
    }
    node.last_role = role;
    node.last_term = machine.term();
  }

  // §5.4: a leader of term T holds every entry committed in an earlier term.
  void check_leader_completeness(NodeId id) {
    const RaftStateMachine& machine = *nodes_.at(id).machine;
    const RaftLog& log = machine.log();
    for (const auto& [index, committed] : committed_) {
      if (committed.commit_term >= machine.term()) continue;
      if (index <= log.snapshot_last().index) continue;  // covered by its snapshot
      if (log.term_at(index) != committed.entry.term) {
        fail("leader n" + std::to_string(id.value) + " of term " +
             std::to_string(machine.term().value) + " lacks committed entry " +
             std::to_string(index.value));
        return;
      }
    }
  }

  // ---- network -------------------------------------------------------------------------------

  void send(Message message) {
    if (const auto* vote = std::get_if<VoteResponse>(&message.body);
        vote != nullptr && vote->granted && !vote->pre_vote) {
      // One vote per node per term, even across restarts (§5.2 and the persisted votedFor).
      const auto key = std::make_pair(message.from.value, message.term.value);
      const auto [found, inserted] = votes_.try_emplace(key, message.to);
      if (!inserted && found->second != message.to) {
        fail("n" + std::to_string(message.from.value) + " voted twice in term " +
             std::to_string(message.term.value));
      }
    }
    if (faults_on_ && random_.chance(drop_rate_)) return;
    const std::uint64_t copies = faults_on_ && random_.chance(duplicate_rate_) ? 2 : 1;
    for (std::uint64_t copy = 0; copy < copies; ++copy) {
      std::uint64_t delay = random_.between(0, max_delay_);
      if (faults_on_ && random_.chance(0.005)) delay += random_.between(20, 200);  // held back
      network_.insert(InFlight{now_ + delay, sequence_++, message});
    }
  }

  bool link_blocked(NodeId from, NodeId to) const {
    if (blocked_links_.count({from.value, to.value}) != 0) return true;
    for (const Isolation& isolation : isolations_) {
      if (isolation.node == from || isolation.node == to) return true;
    }
    return false;
  }

  void advance_one_tick() {
    // Deliver everything due (including what the deliveries send with no delay).
    while (!network_.empty() && network_.begin()->deliver_at <= now_ && !failure_) {
      InFlight in_flight = *network_.begin();
      network_.erase(network_.begin());
      const Message& message = in_flight.message;
      SimNode& to = nodes_.at(message.to);
      if (!to.up || link_blocked(message.from, message.to)) continue;
      to.machine->step(message);
      drain(message.to);
    }
    for (const NodeId id : all_nodes()) {
      SimNode& node = nodes_.at(id);
      if (!node.up) {
        if (node.restart_at <= now_) {
          note("restart n" + std::to_string(id.value));
          start(id);
        }
        continue;
      }
      // The disk finishes some of the queued writes now and then (async persistence only).
      if (async_persistence_ && !node.pending.empty() && random_.chance(0.5)) {
        complete_writes(id, static_cast<std::size_t>(random_.between(1, node.pending.size())));
        if (!node.up) continue;
      }
      // Clocks run at slightly different speeds: a node now and then misses a tick.
      if (faults_on_ && random_.chance(0.02)) continue;
      node.machine->tick();
      drain(id);
    }
  }

  // ---- faults and requests -------------------------------------------------------------------

  std::optional<NodeId> current_leader() const {
    std::optional<NodeId> leader;
    Term best;
    for (const auto& [id, node] : nodes_) {
      if (node.up && node.machine->role() == Role::kLeader && node.machine->term() >= best) {
        leader = id;
        best = node.machine->term();
      }
    }
    return leader;
  }

  void inject_faults() {
    // Partitions heal on schedule.
    std::erase_if(partitions_, [this](const auto& partition) {
      if (partition.first > now_) return false;
      for (const auto& link : partition.second) blocked_links_.erase(link);
      note("partition heals");
      return true;
    });
    std::erase_if(isolations_,
                  [this](const Isolation& isolation) { return isolation.until <= now_; });

    const std::vector<NodeId> nodes = all_nodes();
    if (random_.chance(0.003)) {
      const std::vector<NodeId> up = up_nodes();
      if (!up.empty()) crash(random_.pick(up));
    }
    if (random_.chance(0.003)) {
      // A random cut: each node lands on side A or B; one-way cuts block only A -> B.
      const bool one_way = random_.chance(0.3);
      std::set<std::pair<std::uint64_t, std::uint64_t>> links;
      std::vector<bool> side_a;
      for (std::size_t i = 0; i < nodes.size(); ++i) side_a.push_back(random_.chance(0.5));
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        for (std::size_t j = 0; j < nodes.size(); ++j) {
          if (side_a[i] && !side_a[j]) links.insert({nodes[i].value, nodes[j].value});
          if (!one_way && !side_a[i] && side_a[j]) links.insert({nodes[i].value, nodes[j].value});
        }
      }
      for (const auto& link : links) blocked_links_.insert(link);
      partitions_.emplace_back(now_ + random_.between(30, 500), links);
      note(std::string(one_way ? "one-way" : "symmetric") + " partition, " +
           std::to_string(links.size()) + " links");
    }
    if (random_.chance(leader_crash_rate_)) {
      if (const auto leader = current_leader()) crash(*leader);
    }
    if (random_.chance(0.002) && isolations_.empty()) {
      // Cut the leader off from everyone: check-quorum must make it step down.
      if (const auto leader = current_leader()) {
        isolations_.push_back(Isolation{*leader, now_, now_ + random_.between(80, 300)});
        note("isolate leader n" + std::to_string(leader->value));
      }
    }
  }

  void inject_requests() {
    if (random_.chance(0.15)) {
      const std::vector<NodeId> up = up_nodes();
      if (!up.empty()) {
        const NodeId at = random_.pick(up);
        const std::string payload = "s" + std::to_string(seed_) + "w" + std::to_string(writes_++);
        if (nodes_.at(at).machine->propose(payload).ok()) drain(at);
      }
    }
    const auto leader = current_leader();
    if (!leader) return;
    RaftStateMachine& machine = *nodes_.at(*leader).machine;
    if (random_.chance(0.003)) {
      std::optional<NodeId> target;
      if (random_.chance(0.7)) target = random_.pick(all_nodes());
      if (machine.transfer_leadership(target).ok()) {
        transfer_target_ = machine.status().transfer_target;
        note("transfer from n" + std::to_string(leader->value));
        drain(*leader);
      }
    }
    if (machine.accepts_writes() && random_.chance(0.05)) drive_rejoins(*leader, machine);
    if (random_.chance(0.002)) {
      const Membership& membership = machine.membership();
      Result<EntryId> change = Refusal::kUnknownNode;
      if (!membership.learners.empty() && random_.chance(0.5)) {
        change = machine.promote_learner(random_.pick(membership.learners));
      } else if (membership.voters.size() > 3 && !anyone_rejoining()) {
        // (Not while a node rejoins from a lost disk: with one copy fewer, shrinking the voters
        // can leave the only up-to-date log on a learner, which never campaigns.)
        change = machine.demote_voter(random_.pick(membership.voters));
      }
      if (change.ok()) {
        ++stats_.membership_changes;
        note("membership change proposed by n" + std::to_string(leader->value));
        drain(*leader);
      }
    }
    if (const std::vector<NodeId> up = up_nodes(); !up.empty() && random_.chance(0.02)) {
      const NodeId at = random_.pick(up);
      SimNode& node = nodes_.at(at);
      const LogIndex applied = node.machine->applied_index();
      const LogIndex index{applied.value -
                           std::min<std::uint64_t>(applied.value, random_.between(0, 4))};
      // Compaction goes through the same storage queue: what was queued before it lands first.
      if (async_persistence_) complete_writes(at, node.pending.size());
      std::string data = encode_application(node.applied, index);
      const auto meta = node.machine->compact(index, data);
      if (meta.ok()) node.storage.save_snapshot(Snapshot{meta.value(), std::move(data)});
    }
  }

  // tern's edge on the leader (node/region/region_service.cc): a voter whose answers say it is
  // rejoining is demoted to learner; a rejoining learner whose log reached the commit index is
  // promoted back (the core refuses it earlier).
  void drive_rejoins(NodeId leader, RaftStateMachine& machine) {
    for (const FollowerProgress& follower : machine.status().followers) {
      const bool voter = machine.membership().is_voter(follower.node);
      if (!follower.rejoining) continue;
      Result<EntryId> change = voter ? machine.demote_voter(follower.node, follower.rejoin_id)
                                     : machine.promote_learner(follower.node, follower.rejoin_id);
      if (change.ok()) {
        note(std::string(voter ? "demote" : "promote") + " rejoining n" +
             std::to_string(follower.node.value));
        if (!voter) ++stats_.rejoins_completed;
        drain(leader);
        return;
      }
    }
  }

  bool anyone_rejoining() const {
    for (const auto& [id, node] : nodes_) {
      if (node.wipe_on_restart || node.rejoin_marker != 0) return true;
    }
    return false;
  }

  // Check-quorum: a leader cut off from everyone stops leading within the bound.
  void check_step_down() {
    for (const Isolation& isolation : isolations_) {
      const SimNode& node = nodes_.at(isolation.node);
      if (node.up && node.machine->role() == Role::kLeader &&
          now_ > isolation.since + kStepDownBoundTicks && membership_.voters.size() > 1) {
        fail("isolated leader n" + std::to_string(isolation.node.value) + " still leads " +
             std::to_string(now_ - isolation.since) + " ticks after isolation");
      }
    }
  }

  // ---- liveness ------------------------------------------------------------------------------

  void heal_and_check_liveness() {
    faults_on_ = false;
    partitions_.clear();
    blocked_links_.clear();
    isolations_.clear();
    for (auto& [id, node] : nodes_) {
      if (!node.up) node.restart_at = now_;
    }
    note("heal");
    const std::uint64_t healed_at = now_;
    std::optional<EntryId> probe;
    std::uint64_t probe_at = 0;
    const std::string payload = "s" + std::to_string(seed_) + "-liveness";
    for (; now_ < healed_at + kRecoveryBoundTicks && !failure_; ++now_) {
      advance_one_tick();
      const auto leader = current_leader();
      if (leader && nodes_.at(*leader).machine->accepts_writes() &&
          (!probe || now_ > probe_at + 100)) {
        auto proposed = nodes_.at(*leader).machine->propose(payload);
        if (proposed.ok()) {
          probe = proposed.value();
          probe_at = now_;
          drain(*leader);
        }
      }
      if (everyone_applied(payload)) {
        stats_.max_recovery_ticks = std::max(stats_.max_recovery_ticks, now_ - healed_at);
        return;
      }
    }
    if (!failure_) {
      fail("no write committed on every node within " + std::to_string(kRecoveryBoundTicks) +
           " ticks after healing; nodes:\n" + describe_nodes());
    }
  }

  std::string describe_nodes() const {
    std::ostringstream out;
    for (const auto& [id, node] : nodes_) {
      if (!node.up) {
        out << "  n" << id.value << " down\n";
        continue;
      }
      const Status status = node.machine->status();
      out << "  n" << id.value << " " << role_name(status.role) << " term " << status.term.value
          << " voted "
          << (node.storage.persisted.hard_state.voted_for
                  ? std::to_string(node.storage.persisted.hard_state.voted_for->value)
                  : "-")
          << " leader " << (status.leader ? std::to_string(status.leader->value) : "-") << " last ("
          << status.last_log.term.value << "," << status.last_log.index.value << ") commit "
          << status.commit.value << " voters";
      for (const NodeId voter : node.machine->membership().voters) out << " " << voter.value;
      out << " learners";
      for (const NodeId learner : node.machine->membership().learners) out << " " << learner.value;
      if (status.rejoining) out << " rejoining";
      for (const FollowerProgress& follower : status.followers) {
        out << " | n" << follower.node.value << " match " << follower.match.value << " next "
            << follower.next.value << " state " << static_cast<int>(follower.state)
            << (follower.rejoining ? " rejoining" : "");
      }
      out << "\n";
    }
    return out.str();
  }

  bool everyone_applied(const std::string& payload) const {
    for (const auto& [id, node] : nodes_) {
      if (!node.up) return false;
      const bool found = std::any_of(node.applied.rbegin(), node.applied.rend(),
                                     [&](const Entry& entry) { return entry.payload == payload; });
      if (!found) return false;
    }
    return true;
  }

  struct CommittedEntry {
    Entry entry;
    Term commit_term;  // the lowest term of a node that reported it committed
  };

  std::uint64_t seed_;
  SimulationRandom random_;
  Membership membership_;  // the initial one
  double drop_rate_ = 0;
  double duplicate_rate_ = 0;
  std::uint64_t max_delay_ = 0;
  double leader_crash_rate_ = 0;
  bool small_batches_ = false;
  bool async_persistence_ = false;
  bool faults_on_ = true;

  std::uint64_t now_ = 0;
  std::map<NodeId, SimNode> nodes_;
  std::set<InFlight> network_;
  std::uint64_t sequence_ = 0;
  std::set<std::pair<std::uint64_t, std::uint64_t>> blocked_links_;
  std::vector<std::pair<std::uint64_t, std::set<std::pair<std::uint64_t, std::uint64_t>>>>
      partitions_;
  std::vector<Isolation> isolations_;
  std::optional<NodeId> transfer_target_;
  std::uint64_t writes_ = 0;

  std::map<std::uint64_t, NodeId> leader_of_term_;
  std::map<std::pair<std::uint64_t, std::uint64_t>, NodeId> votes_;
  std::map<LogIndex, CommittedEntry> committed_;
  std::optional<std::string> failure_;
  std::deque<std::string> trace_;
  SimulationStats stats_;
};

}  // namespace tern::election::testing
