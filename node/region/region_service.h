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
// (on_progress). Entries and the term/vote are durable (entry_log_file.h, hard_state_file.h):
// a restarted node rebuilds its keyspace by applying its log again. Not yet (issue 5, next
// steps): compaction with snapshots, writes forwarded from
// followers (they answer READONLY), WAIT, snapshots, and the resync of a deposed leader that
// had applied writes which never committed.
#include <asio.hpp>
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
#include "replication/election/raft_state_machine.h"

namespace tern::node {

class RegionService {
 public:
  // `storage_base` names the durable files: <base>.state (term, vote) and <base>.log (entries).
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
  std::function<void(std::uint64_t commit, bool leader)> on_progress;
  // Empties the application state before the log is applied again from its first entry.
  std::function<void()> on_rebuild;
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

  // On a follower: sends a client's write to the leader; false when none is reachable.
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
    bool connecting = false;
    // Forwarded writes for this peer made while no link to it was open: sent once one is.
    std::vector<std::string> parked;
    explicit Peer(asio::io_context& io) : redial(io) {}
  };

  void accept();
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
  std::unique_ptr<LogWriter> writer_;  // owns the log file; writes off the event loop
  // Messages that promise something durable (votes, acknowledgements), held until every write
  // queued before them is done: (writer job number, messages), in order.
  std::deque<std::pair<std::uint64_t, std::vector<election::Message>>> held_messages_;
  std::uint64_t written_through_ = 0;
  void on_written(std::uint64_t through, std::optional<election::EntryId> last, const std::string& error);
  election::NodeId self_;
  std::string self_name_;
  std::vector<std::unique_ptr<Peer>> peers_;  // every other node
  tls::SharedContext accept_context_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::shared_ptr<PeerLink>> incoming_;
  asio::steady_timer tick_timer_;
  std::unique_ptr<election::RaftStateMachine> machine_;
  election::SoftState soft_state_;
  election::HardState saved_hard_state_;  // what <base>.state holds (its commit is not used)
  bool stopped_ = false;
  // Writes this follower forwarded, by request id: the tick count after which they time out.
  std::map<std::uint64_t, std::uint64_t> forward_deadlines_;
  // On the leader: replies to forwarded writes, sent once their entry commits.
  struct HeldReply {
    election::NodeId to;
    std::uint64_t request_id;
    std::string reply;
    std::uint64_t log_index;
  };
  std::vector<HeldReply> held_replies_;
  // On a new leader that does not accept writes yet: forwarded writes, run once it does.
  std::vector<std::pair<election::NodeId, wire::ForwardedWrite>> waiting_forwards_;
  void run_forwarded(election::NodeId from, const wire::ForwardedWrite& write);
  std::uint64_t ticks_ = 0;
  void send_reply(election::NodeId to, std::uint64_t request_id, std::string_view reply, std::uint64_t log_index);
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
  // them (so it skips them when they commit); 0 after a rebuild or a restart.
  std::uint64_t led_term_ = 0;
  std::uint64_t reported_commit_ = 0;
  bool reported_leader_ = false;
};

}  // namespace tern::node
