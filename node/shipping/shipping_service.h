#pragma once
// ShippingService: the edge that moves committed ops between regions (replication/shipping/
// has the design and the decisions: ShipOutbox on the sending side, ShipGate on the receiving
// side). It owns the mutual-TLS links to the other regions' leaders and its own listener
// (client port + shipping-port-offset).
//
//  - Every node feeds every committed op batch of its region log, in log order, into its
//    outbox (committed()): a follower that becomes leader already holds what peers may lack.
//  - The leader dials each peer region, trying its nodes in turn until the leader accepts the
//    link; the receiver answers with its applied vector, and the outbox ships from there.
//  - A leader receiving batches passes them through the gate and proposes the ready ones to its
//    own region log (so its followers and a later leader have them); it acknowledges with its
//    applied vector, i.e. only what is committed and applied here, so a failover on this side
//    never loses an acknowledged batch.
//  - A node that does not lead refuses incoming links and closes its outgoing ones.
//
// Not yet (issue 6): the snapshot sent to a peer that is behind the retained ops (reported in
// INFO and logged), anti-entropy digests, PUBLISH across regions.
#include <asio.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/config/settings.h"
#include "node/region/peer_link.h"
#include "node/shipping/shipping_status.h"
#include "replication/shipping/ship_gate.h"
#include "replication/shipping/ship_outbox.h"

namespace tern::node {

class ShippingService {
 public:
  ShippingService(asio::io_context& io, const Settings& settings);
  // Validates the settings, builds the TLS contexts and listens. False with a message on any
  // problem (the server must not start).
  bool start(std::string* error);
  void stop();

  // Every committed op batch of the region log, in log order (Node::on_committed_batch).
  void committed(crdt::RegionId origin, crdt::Stamp last, const crdt::StampVector& context,
                 std::string_view bytes);
  // The keyspace was emptied and is being rebuilt from `start` (nothing, or a snapshot's
  // applied vector): the outbox starts again from there.
  void restart(const crdt::StampVector& start);

  // Set before start():
  std::function<bool()> accepts_writes;             // this node leads and may write
  std::function<crdt::StampVector()> applied;       // the keyspace's applied vector
  std::function<bool(std::string op_batch)> propose;  // to the region log; false: not leading

  // On the leader: a PUBLISH made in this region, for the other regions (best effort).
  void publish(std::string_view channel, std::string_view message);
  // A PUBLISH made in another region.
  std::function<void(std::string_view channel, std::string_view message)> on_published;

  [[nodiscard]] ShippingReport report() const;

 private:
  struct Outbound {
    Settings::PeerRegion region;
    std::vector<tls::SharedContext> dial_contexts;  // one per node: each names its node
    std::shared_ptr<PeerLink> link;
    bool ready = false;    // the receiver answered with its vector: batches may flow
    bool dialing = false;  // a connect is under way
    std::chrono::steady_clock::time_point last_heard;  // the last message from the receiver
    // The last time nothing was in flight or an acknowledgement moved: batches in flight with no
    // progress for shipping-link-timeout mean they are not arriving (a half-open link).
    std::chrono::steady_clock::time_point last_progress;
    crdt::StampVector last_acknowledged;
    std::uint64_t last_received_bytes = 0;  // as the receiver last reported
    std::size_t next_node = 0;
    int failures = 0;
    asio::steady_timer redial;
    PeerRegionReport counters;
    explicit Outbound(asio::io_context& io) : redial(io) {}
  };
  struct Inbound {
    std::shared_ptr<PeerLink> link;
    std::uint32_t region_id = 0;  // 0 until its Hello named it
    crdt::StampVector acknowledged;
    std::chrono::steady_clock::time_point last_sent;  // the last acknowledgement sent
    std::uint64_t received_bytes = 0;  // ops received on this link (reported in acknowledgements)
    std::uint64_t reported_bytes = 0;
  };

  void accept();
  void dial(Outbound& peer);
  void schedule_redial(Outbound& peer);
  void housekeeping();
  void schedule_housekeeping();
  void on_inbound_message(PeerLink& link, const wire::PeerMessage& message);
  void on_outbound_message(Outbound& peer, const wire::PeerMessage& message);
  void receive_batch(Inbound& from, const wire::ShipBatch& batch);
  void send_acks(bool force);
  void pump();
  void schedule_pump();
  void lead(bool leading);
  [[nodiscard]] std::uint64_t now_ms() const;
  [[nodiscard]] Inbound* inbound_of(const PeerLink& link);
  [[nodiscard]] PeerRegionReport* counters_of(std::uint32_t region_id);
  [[nodiscard]] shipping::ShipOutbox make_outbox(const crdt::StampVector& start) const;

  asio::io_context& io_;
  Settings settings_;
  crdt::RegionId self_;
  std::vector<std::unique_ptr<Outbound>> peers_;
  tls::SharedContext accept_context_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::vector<Inbound> inbound_;
  shipping::ShipOutbox outbox_;
  shipping::ShipGate gate_;
  asio::steady_timer housekeeping_timer_;
  asio::steady_timer flush_timer_;
  bool flush_armed_ = false;
  bool pump_posted_ = false;
  bool leading_ = false;
  bool stopped_ = false;
  bool warned_snapshot_ = false;
  std::chrono::steady_clock::time_point epoch_ = std::chrono::steady_clock::now();
};

}  // namespace tern::node
