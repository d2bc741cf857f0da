#pragma once
// RegionService: the edge that runs this node's election state machine
// (replication/election/) inside tern-server. It owns the peer links (mutual TLS, frames of
// PeerMessages), the election clock (an Asio timer, one tick per region-tick ms), and the
// durable hard state (hard_state_file.h); it drives RaftStateMachine and carries out its
// Output: persist (queued to the log writer thread, log_writer.h), send (a message that may
// promise durability waits until the writes queued before it are done; a leader's appends go at
// once), then apply.
//
// The region log carries the leader's CRDT op batches; every node applies committed entries in
// log order (on_apply), and commit progress releases replies held for region-ack quorum
// (on_progress). Entries and the term/vote are durable (entry_log_file.h, hard_state_file.h).
//
// Compaction: once the log holds region-snapshot-entries applied entries (or grew by
// region-snapshot-bytes), the node snapshots its keyspace (on_take_snapshot, keyspace_snapshot.h)
// at a moment when the keyspace is exactly its applied index, writes it durably
// (region_snapshot_file.h), hands it to the core (compact) and drops the log file's prefix. A
// restarted node restores the snapshot (on_restore) and applies only the entries after it. A
// follower too far behind receives the snapshot from the leader in chunks (the core cuts them,
// region-snapshot-chunk-bytes each; every frame is lz4-compressed when that helps), restores
// it and replaces its log. A forked child serialises the keyspace (a copy-on-write image), so
// the loop is held only for the fork and the final write and cut; figures in
// replication/SNAPSHOT.md. The log file belongs to the writer thread: compaction's cut, the
// replacement by an installed snapshot and the rebuild's re-read go through
// LogWriter::with_file, after every write queued before them (log_writer.h).
//
// Rejoining: a node that starts without any region file is rejoining (ElectionConfig::rejoining,
// replication/election/README.md): it votes for no one, its acknowledgements count for no
// commit, the leader demotes it to learner, and promotes it back once its log reached the commit
// index. A marker file (<base>.rejoining) keeps that across restarts until it is a voter again.
// A brand-new region (every node empty) is told apart by the Hellos: when a majority, this node
// included, says it holds nothing, nothing was ever committed and the nodes vote at once.
#include <sys/types.h>

#include <asio.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <optional>
#include <string>
#include <vector>

#include "node/config/settings.h"
#include "node/region/entry_log_file.h"
#include "node/region/log_writer.h"
#include "node/region/peer_link.h"
#include "node/region/region_status.h"
#include "node/region/write_forwarding.h"
#include "replication/election/raft_state_machine.h"

namespace tern::node {

class RegionService {
 public:
  // `storage_base` names the durable files: <base>.state (term, vote), <base>.log (entries),
  // <base>.snapshot (the latest snapshot) and <base>.rejoining (present while rejoining).
  RegionService(asio::io_context& io, const Settings& settings, std::string storage_base);
  // Validates the settings, loads the hard state, listens on the peer port and starts dialling
  // and ticking. False with a message on any problem (the server must not start).
  bool start(std::string* error);
  void stop();
  [[nodiscard]] RegionReport report() const;
  // On the leader: adds `payload` (an op batch) to this turn's log entry; that entry's index,
  // or nullopt when this node is not a leader that accepts writes. Entries hold one or more
  // batches, each prefixed by its length (u32, little-endian): see for_each_batch.
  std::optional<std::uint64_t> propose(std::string payload);
  [[nodiscard]] bool accepts_writes() const { return soft_state_.accepts_writes; }
  // How many other nodes hold the log up to `index` (leader only; 0 elsewhere).
  [[nodiscard]] std::size_t replicas_at(std::uint64_t index) const;
  // FAILOVER: leadership transfer to the named node, or to the most up-to-date one when
  // `target` is empty. Empty on success (the transfer has started), else the error reply.
  std::string transfer(const std::string& target);

  // Set before start(): each committed application entry's payload, in log order, on every
  // node; and the commit index with whether this node leads, after every change.
  std::function<void(std::string_view payload)> on_apply;
  // A leader applied its own writes when it made them, so by default it does not decode them
  // again when they commit (on_apply is not called for them). Set before start() when on_apply
  // must see every committed entry on every node too (the shipping outbox, Node::
  // on_committed_batch).
  bool apply_own_entries = false;
  std::function<void(std::uint64_t commit, bool leader)> on_progress;
  // Empties the application state before the log is applied again from its first entry.
  std::function<void()> on_rebuild;
  // The application state as snapshot bytes (it is exactly the applied index when called), or
  // nullopt with `*error` set when it cannot be written.
  std::function<std::optional<std::string>(std::string* error)> on_take_snapshot;
  // Replaces the application state with a snapshot's bytes; empty on success, else why they
  // were refused (the state is then unchanged).
  std::function<std::string(std::string_view data)> on_restore;
  // After every round of output: lets WAIT see followers' progress (match indexes).
  std::function<void()> on_drained;
  // This turn's proposals could not be logged at the index they were promised.
  std::function<void(std::uint64_t index)> on_lost_proposals;
  // A write forwarded by a follower, to run here (the leader): its reply and log entry.
  std::function<std::pair<std::string, std::uint64_t>(std::uint32_t db, int protocol,
                                                      std::span<const std::string_view> args)>
      on_forwarded;
  // The leader's reply to a write this follower forwarded (or a TRYAGAIN made here).
  std::function<void(std::uint64_t request_id, std::string_view reply, std::uint64_t log_index)>
      on_forwarded_reply;

  // PUBLISH made on this node: sent to every other node of the region (best effort).
  void broadcast_published(std::string_view channel, std::string_view message);
  // A PUBLISH another node of the region sent here.
  std::function<void(std::string_view channel, std::string_view message)> on_published;

  // SIGHUP: rebuilds the peer-link contexts from the region-tls-* files (region_tls_contexts.cc).
  // New links handshake with them; links already open keep theirs. A sentence for the log.
  std::string reload_tls();

  // On a node that does not accept writes: sends a client's write to the leader, or parks it
  // until a leader is known (write_forwarding.h), for at most region-write-wait; the answer
  // comes through on_forwarded_reply. False when too many writes wait already.
  bool forward(std::uint64_t request_id, std::uint32_t db, int protocol,
               std::span<const std::string_view> args);

 private:
  struct Peer {
    Settings::RegionNodeAddress address;
    election::NodeId id;
    tls::SharedContext dial_context;
    std::shared_ptr<PeerLink> outgoing;
    asio::steady_timer redial;
    int failures = 0;
    explicit Peer(asio::io_context& io) : redial(io) {}
  };

  // Builds the accepting context and every peer's dialling context from the files, and installs
  // them all, or none: empty on success, else why not.
  std::string install_tls_contexts();
  void accept();
  // Builds the state machine from the files (hard state, snapshot, log); restores the
  // application from the snapshot when `restore` is set. False with a message on damage.
  bool load_machine(bool restore, std::string* error);
  // Snapshots and compacts when the log has grown past the thresholds and the keyspace is
  // exactly the applied index (on a leader: nothing proposed beyond it).
  void maybe_compact();
  // A child process serialises the keyspace (fork: a copy-on-write image of the moment it was
  // due); this takes its bytes once it exited (or waits for it with `wait`) and compacts.
  struct SnapshotChild {
    pid_t pid = 0;
    std::uint64_t index = 0;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::duration pause{};  // the event loop's share (the fork)
  };
  std::optional<SnapshotChild> snapshot_child_;
  void finish_snapshot_child(bool wait);
  // Hands the snapshot of `index` to the core, writes it durably and drops the log prefix.
  // `written`: the metadata of the file a child wrote to snapshot_next_path_ (renamed into place
  // when it matches what the core recorded), or nullptr to write the file here.
  void complete_compaction(std::uint64_t index, std::string data, std::chrono::steady_clock::duration took,
                           std::chrono::steady_clock::duration pause,
                           const election::SnapshotMeta* written = nullptr);
  // Persists a snapshot the leader sent (Output::snapshot); false when it was refused and the
  // state machine was reloaded from the files instead.
  bool install_snapshot(const election::Snapshot& snapshot);
  // Leader: demotes rejoining voters, promotes rejoining learners that caught up.
  void drive_rejoins();
  void finish_rejoining_if_done();
  void dial(Peer& peer);
  void schedule_redial(Peer& peer);
  void schedule_tick();
  void on_message(PeerLink& link, const wire::PeerMessage& message);
  // Carries out everything the state machine has produced.
  void drain();
  void send(const election::Message& message);
  // A leader applies its writes when it makes them, before they commit. If it loses leadership
  // with entries not yet committed, its keyspace may hold writes the region will never have:
  // it empties the keyspace and applies its log again up to what was applied (the rest comes
  // as the new leader commits it), so every node's state is exactly its committed log.
  void rebuild();
  [[nodiscard]] std::string name_of(election::NodeId id) const;
  [[nodiscard]] election::NodeId id_of(const std::string& name) const;

  asio::io_context& io_;
  Settings settings_;
  std::string state_path_;
  std::string log_path_;
  std::string snapshot_path_;
  std::string snapshot_next_path_;  // a snapshot child's output
  std::string rejoin_path_;
  std::uint64_t rejoin_id_ = 0;  // nonzero while the marker file names a rejoin in progress
  // Rejoining: peers whose Hello said they hold nothing, and whether one said it holds a log.
  std::vector<std::string> empty_peers_;
  bool region_has_history_ = false;
  std::uint64_t log_bytes_after_compaction_ = 0;
  RegionSnapshotReport snapshot_report_;
  std::unique_ptr<LogWriter> writer_;  // owns the log file; writes off the event loop
  // Messages that promise something durable (votes, acknowledgements), held until every write
  // queued before them is done: (writer job number, messages), in order.
  std::deque<std::pair<std::uint64_t, std::vector<election::Message>>> held_messages_;
  std::uint64_t written_through_ = 0;
  // Writer jobs up to this number were written before an installed snapshot replaced the log:
  // the entries they report are no longer in the file, so they do not count as persisted.
  std::uint64_t log_replaced_through_ = 0;
  void on_written(std::uint64_t through, std::optional<election::EntryId> last, const std::string& error);
  [[nodiscard]] std::uint64_t log_bytes() const { return writer_ ? writer_->size_bytes() : 0; }
  election::NodeId self_;
  std::string self_name_;
  election::Membership initial_membership_;
  std::vector<std::unique_ptr<Peer>> peers_;  // every other node
  tls::SharedContext accept_context_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::shared_ptr<PeerLink>> incoming_;
  asio::steady_timer tick_timer_;
  std::unique_ptr<election::RaftStateMachine> machine_;
  election::SoftState soft_state_;
  election::HardState saved_hard_state_;  // what <base>.state holds (its commit is not used)
  bool stopped_ = false;
  // Writes this node could not run itself: parked until a leader is known, or in flight to it.
  // Bounded: at most this many wait; more get -TRYAGAIN at once.
  static constexpr std::size_t kMaxParkedWrites = 100000;
  WriteForwarding forwarding_{kMaxParkedWrites};
  bool dispatching_ = false;
  std::optional<std::chrono::steady_clock::time_point> last_leader_contact_;
  void dispatch_writes();
  [[nodiscard]] std::uint64_t write_wait_ticks() const;
  // A reply for `to`'s client: handed to on_forwarded_reply when `to` is this node, else sent.
  void deliver(election::NodeId to, std::uint64_t request_id, std::string_view reply, std::uint64_t log_index);
  // On the leader: replies to forwarded writes, sent once their entry commits.
  struct HeldReply {
    election::NodeId to;
    std::uint64_t request_id;
    std::string reply;
    std::uint64_t log_index;
  };
  std::vector<HeldReply> held_replies_;
  std::uint64_t ticks_ = 0;
  // `retry`: the write was not run here (this node does not lead); the sender tries the leader.
  void send_reply(election::NodeId to, std::uint64_t request_id, std::string_view reply, std::uint64_t log_index,
                  bool retry = false);
  void send_frame(election::NodeId to, const wire::PeerMessage& message);
  void release_replies();
  void expire_forwards();
  bool draining_ = false;
  bool drain_posted_ = false;
  void schedule_drain();
  std::string pending_payload_;  // this turn's proposals, length-prefixed op batches
  std::uint64_t pending_index_ = 0;
  void flush_proposals();
  bool rebuild_pending_ = false;
  // The term this process leads or led last, whose application entries it applied as it made
  // them (so it skips them when they commit, unless apply_own_entries); 0 after a rebuild, a
  // restored snapshot or a reload, when the keyspace no longer holds them.
  std::uint64_t led_term_ = 0;
  std::uint64_t reported_commit_ = 0;
  bool reported_leader_ = false;
};

}  // namespace tern::node
