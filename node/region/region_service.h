#pragma once
// RegionService: the edge that runs this node's election state machine
// (replication/election/) inside tern-server. It owns the peer links (mutual TLS, frames of
// PeerMessages), the election clock (an Asio timer, one tick per region-tick ms), and the
// durable hard state (hard_state_file.h); it drives RaftStateMachine and carries out its
// Output in the documented order: persist, then send, then apply.
//
// Not yet (issue 5, next steps): log entries carrying the node's CRDT op batches and applied on
// every node, writes forwarded to the leader, ack modes, WAIT, snapshots. Today the region
// elects a leader, fails over when it dies, and reports itself in ROLE and INFO replication.
#include <asio.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "node/config/settings.h"
#include "node/region/peer_link.h"
#include "node/region/region_status.h"
#include "replication/election/raft_state_machine.h"

namespace tern::node {

class RegionService {
 public:
  RegionService(asio::io_context& io, const Settings& settings, std::string state_path);
  // Validates the settings, loads the hard state, listens on the peer port and starts dialling
  // and ticking. False with a message on any problem (the server must not start).
  bool start(std::string* error);
  void stop();
  [[nodiscard]] RegionReport report() const;

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

  void accept();
  void dial(Peer& peer);
  void schedule_redial(Peer& peer);
  void schedule_tick();
  void on_message(PeerLink& link, const wire::PeerMessage& message);
  // Carries out everything the state machine has produced.
  void drain();
  void send(const election::Message& message);
  [[nodiscard]] std::string name_of(election::NodeId id) const;

  asio::io_context& io_;
  Settings settings_;
  std::string state_path_;
  election::NodeId self_;
  std::string self_name_;
  std::vector<std::unique_ptr<Peer>> peers_;  // every other node
  tls::SharedContext accept_context_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::shared_ptr<PeerLink>> incoming_;
  asio::steady_timer tick_timer_;
  std::unique_ptr<election::RaftStateMachine> machine_;
  election::SoftState soft_state_;
  bool stopped_ = false;
};

}  // namespace tern::node
