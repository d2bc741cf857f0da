#include "node/shipping/shipping_service.h"

#include <algorithm>
#include <utility>

#include "crdt/op_codec.h"
#include "node/log.h"
#include "replication/peer_message_codec.h"
#include "tls/peer_identity.h"

namespace tern::node {
namespace {

constexpr auto kHousekeepingPeriod = std::chrono::milliseconds(10);
// A receiver acknowledges at least this often, changes or not (shipping-link-timeout is longer).
constexpr auto kKeepalive = std::chrono::milliseconds(500);



// Waiting batches (received before what they depend on) hold at most this many bytes of ops;
// more are dropped, and the sender resends them after the gap is filled.
constexpr std::size_t kMaxWaitingBytes = 16 << 20;

crdt::StampVector vector_of(const google::protobuf::RepeatedField<std::uint64_t>& stamps) {
  return crdt::StampVector(std::vector<std::uint64_t>(stamps.begin(), stamps.end()));
}

void add_vector(const crdt::StampVector& vector, google::protobuf::RepeatedField<std::uint64_t>* out) {
  out->Add(vector.raw().begin(), vector.raw().end());
}

}  // namespace

ShippingService::ShippingService(asio::io_context& io, const Settings& settings)
    : io_(io),
      settings_(settings),
      self_{static_cast<std::uint8_t>(settings.region_id)},
      outbox_(make_outbox({})),
      gate_(self_, kMaxWaitingBytes),
      housekeeping_timer_(io),
      flush_timer_(io) {}

shipping::ShipOutbox ShippingService::make_outbox(const crdt::StampVector& start) const {
  shipping::ShipLimits limits;
  limits.max_message_bytes = settings_.shipping_batch_bytes;
  limits.max_delay_ms = settings_.shipping_batch_delay_ms;
  limits.max_in_flight_bytes = settings_.shipping_in_flight_bytes;
  limits.max_retained_bytes = settings_.shipping_retention_bytes;
  shipping::ShipOutbox outbox(self_, limits, start);
  for (const auto& peer : settings_.peer_regions) {
    outbox.add_peer(crdt::RegionId{static_cast<std::uint8_t>(peer.id)});
  }
  return outbox;
}

std::uint64_t ShippingService::now_ms() const {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - epoch_).count());
}

bool ShippingService::start(std::string* error) {
  if (settings_.region_nodes.empty()) {
    *error = "peer-regions needs region-nodes: committed writes are shipped from the region log "
             "(a one-node region lists just itself)";
    return false;
  }
  const auto self_node = std::find_if(settings_.region_nodes.begin(), settings_.region_nodes.end(),
                                      [&](const Settings::RegionNodeAddress& n) { return n.name == settings_.node_id; });
  if (self_node == settings_.region_nodes.end()) {
    *error = "node-id must name one of the region-nodes";
    return false;
  }
  const tls::PeerTlsFiles files{settings_.region_tls_ca_file, settings_.region_tls_cert_file,
                                settings_.region_tls_key_file};
  std::vector<tls::PeerIdentity> everyone;
  for (const auto& region : settings_.peer_regions) {
    if (region.id == settings_.region_id || region.name == settings_.region) {
      *error = "peer-regions names this region itself ('" + region.name + "', id " + std::to_string(region.id) + ")";
      return false;
    }
    auto peer = std::make_unique<Outbound>(io_);
    peer->region = region;
    peer->counters.name = region.name;
    peer->counters.id = region.id;
    for (const auto& node : region.nodes) {
      auto identity = tls::make_peer_identity(region.name, node.name);
      if (!identity.ok()) {
        *error = identity.error();
        return false;
      }
      auto context = tls::make_peer_context(tls::PeerRole::kConnecting, files, {identity.value()});
      if (!context.ok()) {
        *error = "shipping TLS: " + context.error();
        return false;
      }
      peer->dial_contexts.push_back(context.value());
      everyone.push_back(identity.value());
    }
    peers_.push_back(std::move(peer));
  }
  auto accept_context = tls::make_peer_context(tls::PeerRole::kAccepting, files, everyone);
  if (!accept_context.ok()) {
    *error = "shipping TLS: " + accept_context.error();
    return false;
  }
  accept_context_ = accept_context.value();

  asio::error_code ec;
  auto address = asio::ip::make_address(self_node->host, ec);
  if (ec) {
    asio::ip::tcp::resolver resolver(io_);
    const auto results = resolver.resolve(self_node->host, "", ec);
    if (ec || results.empty()) {
      *error = "can't resolve '" + self_node->host + "' for the shipping port: " + ec.message();
      return false;
    }
    address = results.begin()->endpoint().address();
  }
  const auto port = static_cast<std::uint16_t>(self_node->port + settings_.shipping_port_offset);
  acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(io_);
  const asio::ip::tcp::endpoint endpoint(address, port);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "can't listen for other regions on " + self_node->host + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  log_line(LogLevel::kNotice, "Shipping: region " + settings_.region + " exchanges writes with " +
                                  std::to_string(peers_.size()) + " other region(s), shipping port " +
                                  std::to_string(port));
  accept();
  schedule_housekeeping();
  return true;
}

void ShippingService::stop() {
  stopped_ = true;
  housekeeping_timer_.cancel();
  flush_timer_.cancel();
  asio::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  for (auto& peer : peers_) {
    peer->redial.cancel();
    if (peer->link) peer->link->close();
  }
  for (auto& in : std::vector<Inbound>(inbound_)) in.link->close();
}

// ---- the sending side ------------------------------------------------------------------------

void ShippingService::committed(crdt::RegionId origin, crdt::Stamp last, const crdt::StampVector& context,
                                std::string_view bytes) {
  if (origin == self_) gate_.note_own(last);  // batches from elsewhere that saw these ops may pass
  outbox_.append(0, origin, last, context, std::string(bytes), now_ms());
  schedule_pump();
}

void ShippingService::restart(const crdt::StampVector& start) {
  outbox_ = make_outbox(start);
  for (auto& peer : peers_) {
    if (peer->link) peer->link->close();  // the outbox forgot the streams; they reconnect
  }
}

void ShippingService::schedule_pump() {
  if (pump_posted_ || stopped_) return;
  pump_posted_ = true;
  // Once per event-loop turn: every batch committed in this turn goes in the same messages.
  asio::post(io_, [this] {
    pump_posted_ = false;
    if (!stopped_) pump();
  });
}

void ShippingService::pump() {
  if (!leading_) return;
  const std::uint64_t now = now_ms();
  std::optional<std::uint64_t> next_due;
  for (auto& peer : peers_) {
    const crdt::RegionId id{static_cast<std::uint8_t>(peer->region.id)};
    if (!peer->link || !peer->link->open() || !peer->ready) continue;
    if (outbox_.needs_snapshot(id)) {
      if (!warned_snapshot_) {
        log_line(LogLevel::kWarning, "Shipping: region " + peer->region.name +
                                         " misses writes no longer retained here (shipping-retention-bytes); "
                                         "catching up by snapshot is not implemented yet");
        warned_snapshot_ = true;
      }
      continue;
    }
    for (shipping::ShippedBatch& batch : outbox_.take_messages(id, now)) {
      wire::PeerMessage message;
      wire::ShipBatch* out = message.mutable_ship_batch();
      out->set_origin_region(batch.origin.value);
      out->set_prev_stamp(batch.prev.bits());
      out->set_last_stamp(batch.last.bits());
      add_vector(batch.context, out->mutable_context());
      peer->counters.ops_bytes_sent += batch.ops.size();
      out->set_op_batch(std::move(batch.ops));
      // Bytes between regions cost more than the CPU to save them: shipping-compression-level
      // picks LZ4's high-compression encoder (same block format, decoded as fast).
      replication::FrameOptions options;
      options.lz4_hc_level = static_cast<int>(settings_.shipping_compression_level);
      auto frame = replication::encode_frame(message, options);
      if (!frame.ok()) {
        log_line(LogLevel::kWarning, "Shipping: can't frame a batch for " + peer->region.name);
        continue;
      }
      peer->counters.wire_bytes_sent += frame.value().size();
      ++peer->counters.batches_sent;
      peer->link->send(std::move(frame.value()));
    }
    const auto due = outbox_.next_due_ms(id);
    if (due && (!next_due || *due < *next_due)) next_due = due;
  }
  // A partial message waits for more ops, at most shipping-batch-delay.
  if (next_due && !flush_armed_) {
    flush_armed_ = true;
    flush_timer_.expires_after(std::chrono::milliseconds(*next_due > now ? *next_due - now : 0));
    flush_timer_.async_wait([this](const asio::error_code& error) {
      flush_armed_ = false;
      if (!error && !stopped_) pump();
    });
  }
}

void ShippingService::dial(Outbound& peer) {
  if (stopped_ || !leading_ || peer.link || peer.dialing) return;
  const auto& node = peer.region.nodes[peer.next_node % peer.region.nodes.size()];
  const std::size_t index = peer.next_node % peer.region.nodes.size();
  peer.next_node = index + 1;
  asio::error_code ec;
  auto address = asio::ip::make_address(node.host, ec);
  if (ec) {
    asio::ip::tcp::resolver resolver(io_);
    const auto results = resolver.resolve(node.host, "", ec);
    if (ec || results.empty()) {
      log_line(LogLevel::kWarning, "Shipping: can't resolve " + node.host + " (region " + peer.region.name + ")");
      schedule_redial(peer);
      return;
    }
    address = results.begin()->endpoint().address();
  }
  const asio::ip::tcp::endpoint endpoint(address, static_cast<std::uint16_t>(node.port + settings_.shipping_port_offset));
  auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
  auto context = peer.dial_contexts[index];
  const std::string description = "Shipping link to " + peer.region.name + "/" + node.name;
  peer.dialing = true;
  socket->async_connect(endpoint, [this, &peer, socket, context, description](const asio::error_code& error) {
    peer.dialing = false;
    if (stopped_) return;
    if (error || !leading_) {
      schedule_redial(peer);
      return;
    }
    auto link = std::make_shared<PeerLink>(std::move(*socket), context, asio::ssl::stream_base::client, description);
    link->set_lossless(true);  // a batch dropped here would be a gap the receiver waits on
    peer.link = link;
    peer.ready = false;
    peer.last_heard = std::chrono::steady_clock::now();
    peer.last_progress = peer.last_heard;
    link->start(
        [this](PeerLink& l) {
          wire::PeerMessage hello_message;
          wire::Hello* hello = hello_message.mutable_hello();
          hello->set_schema_version(1);
          hello->set_region_id(settings_.region_id);
          const auto& nodes = settings_.region_nodes;
          const auto self_node = std::find_if(nodes.begin(), nodes.end(), [&](const Settings::RegionNodeAddress& n) {
            return n.name == settings_.node_id;
          });
          hello->set_node_id(static_cast<std::uint64_t>(self_node - nodes.begin()) + 1);
          hello->set_purpose(wire::LINK_PURPOSE_SHIPPING);
          hello->set_region_name(settings_.region);
          hello->set_node_name(settings_.node_id);
          auto frame = replication::encode_frame(hello_message);
          if (frame.ok()) l.send(std::move(frame.value()));
        },
        [this, &peer](PeerLink&, const wire::PeerMessage& message) { on_outbound_message(peer, message); },
        [this, &peer, raw = link.get()](PeerLink&) {
          if (peer.link.get() != raw) return;  // an older link of this peer
          const bool was_ready = peer.ready;
          peer.link.reset();
          peer.ready = false;
          outbox_.disconnected(crdt::RegionId{static_cast<std::uint8_t>(peer.region.id)});
          if (was_ready) {
            log_line(LogLevel::kNotice, "Shipping: link to region " + peer.region.name + " is down");
          }
          schedule_redial(peer);
        });
  });
}

void ShippingService::schedule_redial(Outbound& peer) {
  if (stopped_ || !leading_) return;
  // 50 ms, doubling to at most 1 s, trying the region's nodes in turn: a new leader over there
  // is found within about one round of its nodes.
  const int shift = std::min(peer.failures, 5);
  ++peer.failures;
  peer.redial.expires_after(std::chrono::milliseconds(std::min(1000, 50 << shift)));
  peer.redial.async_wait([this, &peer](const asio::error_code& error) {
    if (!error) dial(peer);
  });
}

void ShippingService::on_outbound_message(Outbound& peer, const wire::PeerMessage& message) {
  if (!message.has_ship_ack()) {
    log_line(LogLevel::kWarning, "Shipping: region " + peer.region.name + " sent a message a shipping link "
                                     "does not carry back; closing");
    if (peer.link) peer.link->close();
    return;
  }
  const crdt::RegionId id{static_cast<std::uint8_t>(peer.region.id)};
  const crdt::StampVector has = vector_of(message.ship_ack().logged());
  peer.last_heard = std::chrono::steady_clock::now();
  const std::uint64_t received = message.ship_ack().received_bytes();
  if (!(has == peer.last_acknowledged) || received != peer.last_received_bytes) {
    peer.last_acknowledged = has;
    peer.last_received_bytes = received;
    peer.last_progress = peer.last_heard;
  }
  if (!peer.ready) {
    // The first acknowledgement opens the stream: ship from what the receiver has.
    peer.ready = true;
    peer.failures = 0;
    ++peer.counters.connects;
    outbox_.connected(id, has);
    log_line(LogLevel::kNotice, "Shipping: link to region " + peer.region.name + " is up" +
                                    (peer.counters.connects > 1 ? " (resumed)" : ""));
  } else {
    outbox_.acknowledged(id, has);
  }
  pump();
}

void ShippingService::publish(std::string_view channel, std::string_view message) {
  if (!leading_) return;
  wire::PeerMessage out;
  out.mutable_published()->set_channel(std::string(channel));
  out.mutable_published()->set_message(std::string(message));
  auto frame = replication::encode_frame(out);
  if (!frame.ok()) return;
  for (auto& peer : peers_) {
    if (peer->link && peer->link->open() && peer->ready) peer->link->send(frame.value());
  }
}

// ---- the receiving side ----------------------------------------------------------------------

void ShippingService::accept() {
  acceptor_->async_accept([this](const asio::error_code& error, asio::ip::tcp::socket socket) {
    if (stopped_) return;
    if (!error) {
      asio::error_code ec;
      const auto remote = socket.remote_endpoint(ec);
      const std::string from = ec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
      auto link = std::make_shared<PeerLink>(std::move(socket), accept_context_, asio::ssl::stream_base::server,
                                             "Shipping link from " + from);
      link->set_lossless(true);
      inbound_.push_back(Inbound{link, 0, {}, {}, 0, 0});
      link->start([](PeerLink&) {},
                  [this](PeerLink& l, const wire::PeerMessage& m) { on_inbound_message(l, m); },
                  [this](PeerLink& l) {
                    if (Inbound* in = inbound_of(l); in != nullptr && in->region_id != 0) {
                      if (PeerRegionReport* counters = counters_of(in->region_id)) {
                        counters->wire_bytes_received += l.bytes_received();
                      }
                    }
                    std::erase_if(inbound_, [&](const Inbound& in) { return in.link.get() == &l; });
                  });
    }
    accept();
  });
}

PeerRegionReport* ShippingService::counters_of(std::uint32_t region_id) {
  for (auto& peer : peers_) {
    if (peer->region.id == region_id) return &peer->counters;
  }
  return nullptr;
}

ShippingService::Inbound* ShippingService::inbound_of(const PeerLink& link) {
  for (auto& in : inbound_) {
    if (in.link.get() == &link) return &in;
  }
  return nullptr;
}

void ShippingService::on_inbound_message(PeerLink& link, const wire::PeerMessage& message) {
  Inbound* in = inbound_of(link);
  if (in == nullptr) return;
  if (message.has_hello()) {
    const wire::Hello& hello = message.hello();
    const auto region = std::find_if(settings_.peer_regions.begin(), settings_.peer_regions.end(),
                                     [&](const Settings::PeerRegion& r) { return r.name == hello.region_name(); });
    bool known = region != settings_.peer_regions.end() && region->id == hello.region_id() &&
                 hello.purpose() == wire::LINK_PURPOSE_SHIPPING;
    if (known) {
      const bool listed = std::any_of(region->nodes.begin(), region->nodes.end(),
                                      [&](const Settings::RegionNodeAddress& n) { return n.name == hello.node_name(); });
      auto identity = tls::make_peer_identity(hello.region_name(), hello.node_name());
      known = listed && identity.ok() &&
              std::find(link.certificate_names.begin(), link.certificate_names.end(), identity.value().uri()) !=
                  link.certificate_names.end();
    }
    if (!known) {
      log_line(LogLevel::kWarning, link.description() + " refused: its Hello names " + hello.region_name() + "/" +
                                       hello.node_name() + ", which its certificate or peer-regions do not match");
      link.close();
      return;
    }
    if (!leading_) {
      // Only the leader takes batches: the dialler tries the region's other nodes.
      log_line(LogLevel::kVerbose, link.description() + " closed: this node does not lead region " + settings_.region);
      link.close();
      return;
    }
    in->region_id = hello.region_id();
    link.peer_name = hello.region_name() + "/" + hello.node_name();
    send_acks(true);  // the sender starts from what this region has
    return;
  }
  if (in->region_id != 0 && message.has_published()) {
    if (on_published) on_published(message.published().channel(), message.published().message());
    return;
  }
  if (in->region_id == 0 || !message.has_ship_batch()) {
    log_line(LogLevel::kWarning, link.description() + " refused: a message before its Hello, or of a kind a "
                                                      "shipping link does not carry");
    link.close();
    return;
  }
  receive_batch(*in, message.ship_batch());
}

void ShippingService::receive_batch(Inbound& from, const wire::ShipBatch& batch) {
  if (!leading_) {
    from.link->close();
    return;
  }
  PeerRegionReport* counters = counters_of(from.region_id);
  // The ops go into this region's log, and every node will apply them: check them here first,
  // so that nothing unreadable, or claiming another origin or other stamps, is ever logged.
  const std::string& bytes = batch.op_batch();
  auto decoded = crdt::decode_batch(std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()),
                                                               bytes.size()));
  crdt::Stamp last;
  bool consistent = decoded.ok() && decoded.value().origin.value == batch.origin_region();
  if (consistent) {
    for (const crdt::Op& op : decoded.value().ops) {
      last = std::max(last, op.stamp);
      if (op.stamp.bits() <= batch.prev_stamp()) consistent = false;
    }
    consistent = consistent && last.bits() == batch.last_stamp();
  }
  if (!consistent) {
    log_line(LogLevel::kWarning, from.link->description() + " refused: a shipped batch whose ops do not match "
                                                            "its origin and stamps");
    from.link->close();
    return;
  }
  if (counters != nullptr) {
    ++counters->batches_received;
    counters->ops_bytes_received += bytes.size();
  }
  from.received_bytes += bytes.size();
  shipping::ShippedBatch shipped{crdt::RegionId{static_cast<std::uint8_t>(batch.origin_region())},
                                 crdt::Stamp::from_bits(batch.prev_stamp()),
                                 crdt::Stamp::from_bits(batch.last_stamp()), vector_of(batch.context()), bytes};
  const auto verdict = gate_.offer(std::move(shipped));
  if (verdict == shipping::ShipGate::Verdict::kDuplicate && counters != nullptr) ++counters->duplicates_received;
  if (verdict == shipping::ShipGate::Verdict::kMalformed) {
    log_line(LogLevel::kWarning, from.link->description() + " refused: a shipped batch with contradictory stamps");
    from.link->close();
    return;
  }
  for (shipping::ShippedBatch& ready : gate_.take_ready()) {
    if (!propose || !propose(std::move(ready.ops))) {
      // Leadership moved while batches were arriving: the new leader's gate starts from its
      // applied vector and the senders resend what it lacks.
      lead(false);
      return;
    }
  }
}

void ShippingService::send_acks(bool force) {
  if (!leading_ || !applied) return;
  const crdt::StampVector now = applied();
  const auto clock = std::chrono::steady_clock::now();
  for (auto& in : inbound_) {
    if (in.region_id == 0 || !in.link->open()) continue;
    // Unchanged acknowledgements still go out every kKeepalive: the sender takes a silent link
    // for a dead one (a half-open or blackholed connection never says it is gone).
    const bool moved = !(in.acknowledged == now) || in.received_bytes != in.reported_bytes;
    if (!force && !moved && clock - in.last_sent < kKeepalive) continue;
    in.acknowledged = now;
    in.last_sent = clock;
    in.reported_bytes = in.received_bytes;
    wire::PeerMessage message;
    add_vector(now, message.mutable_ship_ack()->mutable_logged());
    message.mutable_ship_ack()->set_received_bytes(in.received_bytes);
    auto frame = replication::encode_frame(message);
    if (frame.ok()) in.link->send(std::move(frame.value()));
  }
}

// ---- leadership ------------------------------------------------------------------------------

void ShippingService::lead(bool leading) {
  if (leading == leading_) return;
  leading_ = leading;
  if (leading) {
    // Everything committed is applied (a leader accepts writes only then): the gate starts from it.
    gate_.reset(applied ? applied() : crdt::StampVector{});
    for (auto& peer : peers_) {
      peer->failures = 0;
      dial(*peer);
    }
    return;
  }
  for (auto& peer : peers_) {
    peer->redial.cancel();
    if (peer->link) peer->link->close();
  }
  for (auto& in : std::vector<Inbound>(inbound_)) in.link->close();
}

void ShippingService::schedule_housekeeping() {
  housekeeping_timer_.expires_after(kHousekeepingPeriod);
  housekeeping_timer_.async_wait([this](const asio::error_code& error) {
    if (error || stopped_) return;
    housekeeping();
    schedule_housekeeping();
  });
}

void ShippingService::housekeeping() {
  lead(accepts_writes && accepts_writes());
  const auto now = std::chrono::steady_clock::now();
  const auto timeout = std::chrono::milliseconds(settings_.shipping_link_timeout_ms);
  for (auto& peer : peers_) {
    if (!peer->link || !peer->ready) continue;
    const bool waiting = outbox_.status(crdt::RegionId{static_cast<std::uint8_t>(peer->region.id)}).in_flight_bytes > 0;
    if (!waiting) peer->last_progress = now;
    const char* why = now - peer->last_heard > timeout  ? "nothing from"
                      : now - peer->last_progress > timeout ? "no acknowledgement of what was sent to"
                                                            : nullptr;
    if (why != nullptr) {
      log_line(LogLevel::kWarning, std::string("Shipping: ") + why + " region " + peer->region.name + " in " +
                                       std::to_string(settings_.shipping_link_timeout_ms) +
                                       " ms; closing the link to reconnect");
      peer->link->close();
    }
  }
  send_acks(false);
  pump();
}

ShippingReport ShippingService::report() const {
  ShippingReport out;
  out.leader = leading_;
  out.retained_batches = outbox_.retained_batches();
  out.retained_bytes = outbox_.retained_bytes();
  out.waiting_batches = gate_.waiting_count();
  out.waiting_reason = gate_.first_waiting_reason();
  for (const auto& peer : peers_) {
    PeerRegionReport r = peer->counters;
    const crdt::RegionId id{static_cast<std::uint8_t>(peer->region.id)};
    const shipping::PeerShipStatus status = outbox_.status(id);
    r.outbound_up = peer->link && peer->link->open() && peer->ready;
    for (const Inbound& in : inbound_) {
      if (in.region_id != peer->region.id) continue;
      r.inbound_up = r.inbound_up || in.link->open();
      r.wire_bytes_received += in.link->bytes_received();
    }
    r.needs_snapshot = status.needs_snapshot;
    r.pending_batches = status.pending_batches;
    r.pending_bytes = status.pending_bytes;
    r.in_flight_bytes = status.in_flight_bytes;
    const std::uint64_t now = now_ms();
    r.lag_ms = status.oldest_unacknowledged_ms && *status.oldest_unacknowledged_ms < now
                   ? now - *status.oldest_unacknowledged_ms
                   : 0;
    out.peers.push_back(std::move(r));
  }
  return out;
}

}  // namespace tern::node
