#include "node/region/region_service.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "node/log.h"
#include "node/region/hard_state_file.h"
#include "replication/peer_message_codec.h"
#include "tls/peer_identity.h"

namespace tern::node {
namespace {

asio::ip::address address_of(asio::io_context& io, const std::string& host, std::string* error) {
  asio::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) return address;
  asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, "", ec);
  if (ec || results.empty()) {
    *error = "can't resolve region node host '" + host + "': " + ec.message();
    return {};
  }
  return results.begin()->endpoint().address();
}

std::string role_text(election::Role role) {
  switch (role) {
    case election::Role::kLeader: return "leader";
    case election::Role::kCandidate: return "candidate";
    case election::Role::kPreCandidate: return "pre-candidate";
    case election::Role::kFollower: break;
  }
  return "follower";
}

}  // namespace

RegionService::RegionService(asio::io_context& io, const Settings& settings, std::string storage_base)
    : io_(io),
      settings_(settings),
      state_path_(storage_base + ".state"),
      log_path_(storage_base + ".log"),
      tick_timer_(io) {}

bool RegionService::start(std::string* error) {
  const auto& nodes = settings_.region_nodes;
  const auto self = std::find_if(nodes.begin(), nodes.end(),
                                 [&](const Settings::RegionNodeAddress& n) { return n.name == settings_.node_id; });
  if (settings_.node_id.empty() || self == nodes.end()) {
    *error = "node-id must name one of the region-nodes (node-id '" + settings_.node_id + "')";
    return false;
  }
  if (settings_.region_tls_ca_file.empty() || settings_.region_tls_cert_file.empty() ||
      settings_.region_tls_key_file.empty()) {
    *error = "region-nodes needs region-tls-ca-file, region-tls-cert-file and region-tls-key-file: "
             "peer links are mutual TLS only (tern-certs makes the files)";
    return false;
  }
  self_ = election::NodeId{static_cast<std::uint64_t>(self - nodes.begin()) + 1};
  self_name_ = self->name;
  election::Membership membership;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const election::NodeId id{i + 1};
    membership.voters.push_back(id);
    if (id == self_) continue;
    auto peer = std::make_unique<Peer>(io_);
    peer->address = nodes[i];
    peer->id = id;
    peers_.push_back(std::move(peer));
  }
  if (std::string problem = install_tls_contexts(); !problem.empty()) {
    *error = "region TLS: " + problem;
    return false;
  }

  auto loaded = load_hard_state(state_path_);
  if (auto* failure = std::get_if<HardStateError>(&loaded)) {
    *error = failure->message;
    return false;
  }
  election::PersistedState persisted;
  persisted.hard_state = std::get<election::HardState>(loaded);
  EntryLogFile::Loaded entries;
  auto opened = EntryLogFile::open(log_path_, &entries);
  if (auto* failure = std::get_if<std::string>(&opened)) {
    *error = *failure;
    return false;
  }
  log_file_.emplace(std::move(std::get<EntryLogFile>(opened)));
  if (entries.dropped_torn_tail) {
    log_line(LogLevel::kWarning, "Region log '" + log_path_ + "': dropped a record torn by a crash");
  }
  persisted.entries = std::move(entries.entries);
  // The keyspace itself is not stored: after a restart every logged entry is applied again, so
  // the commit index starts from zero (volatile in Raft: only term, vote and the log must
  // survive) and rises as the leader confirms it.
  persisted.hard_state.commit = election::LogIndex{};
  election::ElectionConfig config;
  config.self = self_;
  config.initial_membership = membership;
  config.random_seed = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  // Every write is an entry, and a follower fsyncs once per AppendEntries: long appends keep
  // the number of fsyncs per write low under pipelined load.
  config.max_entries_per_append = 1024;
  machine_ = std::make_unique<election::RaftStateMachine>(config, std::move(persisted));

  const auto address = address_of(io_, self->host, error);
  if (!error->empty()) return false;
  if (peers_.empty()) {
    log_line(LogLevel::kNotice, "Region " + settings_.region + ": node " + self_name_ + " is the region's only node");
    schedule_tick();
    drain();
    return true;
  }
  const auto peer_port = static_cast<std::uint16_t>(self->port + settings_.region_port_offset);
  acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(io_);
  asio::error_code ec;
  const asio::ip::tcp::endpoint endpoint(address, peer_port);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "can't listen for region peers on " + self->host + ":" + std::to_string(peer_port) + ": " + ec.message();
    return false;
  }
  log_line(LogLevel::kNotice, "Region " + settings_.region + ": node " + self_name_ + " of " +
                                  std::to_string(nodes.size()) + ", peer port " + std::to_string(peer_port) +
                                  ", term " + std::to_string(machine_->status().term.value));
  accept();
  for (auto& peer : peers_) dial(*peer);
  schedule_tick();
  drain();
  return true;
}

void RegionService::stop() {
  stopped_ = true;
  tick_timer_.cancel();
  asio::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  for (auto& peer : peers_) {
    peer->redial.cancel();
    if (peer->outgoing) peer->outgoing->close();
  }
  for (auto& link : std::vector<std::shared_ptr<PeerLink>>(incoming_)) link->close();
}

void RegionService::accept() {
  acceptor_->async_accept([this](const asio::error_code& error, asio::ip::tcp::socket socket) {
    if (stopped_) return;
    if (!error) {
      asio::error_code ec;
      const auto remote = socket.remote_endpoint(ec);
      const std::string from = ec ? "?" : remote.address().to_string() + ":" + std::to_string(remote.port());
      auto link = std::make_shared<PeerLink>(std::move(socket), accept_context_, asio::ssl::stream_base::server,
                                             "Region peer link from " + from);
      incoming_.push_back(link);
      link->start([](PeerLink&) {},
                  [this](PeerLink& l, const wire::PeerMessage& m) { on_message(l, m); },
                  [this](PeerLink& l) {
                    std::erase_if(incoming_, [&](const std::shared_ptr<PeerLink>& p) { return p.get() == &l; });
                  });
    }
    accept();
  });
}

void RegionService::dial(Peer& peer) {
  if (stopped_) return;
  std::string error;
  const auto address = address_of(io_, peer.address.host, &error);
  if (!error.empty()) {
    log_line(LogLevel::kWarning, error);
    schedule_redial(peer);
    return;
  }
  const asio::ip::tcp::endpoint endpoint(address,
                                         static_cast<std::uint16_t>(peer.address.port + settings_.region_port_offset));
  auto socket = std::make_shared<asio::ip::tcp::socket>(io_);
  socket->async_connect(endpoint, [this, &peer, socket](const asio::error_code& connect_error) {
    if (stopped_) return;
    if (connect_error) {
      schedule_redial(peer);
      return;
    }
    auto link = std::make_shared<PeerLink>(std::move(*socket), peer.dial_context, asio::ssl::stream_base::client,
                                           "Region peer link to " + peer.address.name);
    peer.outgoing = link;
    link->start(
        [this, &peer](PeerLink& l) {
          peer.failures = 0;
          wire::PeerMessage hello_message;
          wire::Hello* hello = hello_message.mutable_hello();
          hello->set_schema_version(1);
          hello->set_region_id(settings_.region_id);
          hello->set_node_id(self_.value);
          hello->set_purpose(wire::LINK_PURPOSE_REGION);
          hello->set_region_name(settings_.region);
          hello->set_node_name(self_name_);
          auto frame = replication::encode_frame(hello_message);
          if (frame.ok()) l.send(std::move(frame.value()));
          log_line(LogLevel::kVerbose, "Region peer link to " + peer.address.name + " is up");
          dispatch_writes();  // writes parked for want of this link
        },
        [](PeerLink&, const wire::PeerMessage&) {},  // nothing is sent back on a dialled link
        [this, &peer](PeerLink&) {
          peer.outgoing.reset();
          schedule_redial(peer);
        });
  });
}

void RegionService::schedule_redial(Peer& peer) {
  if (stopped_) return;
  // 50 ms, doubling to at most 1 s: a restarted node is found again well within an election.
  const int shift = std::min(peer.failures, 5);
  ++peer.failures;
  peer.redial.expires_after(std::chrono::milliseconds(std::min(1000, 50 << shift)));
  peer.redial.async_wait([this, &peer](const asio::error_code& error) {
    if (!error) dial(peer);
  });
}

void RegionService::schedule_tick() {
  tick_timer_.expires_after(std::chrono::milliseconds(settings_.region_tick_ms));
  tick_timer_.async_wait([this](const asio::error_code& error) {
    if (error || stopped_) return;
    ++ticks_;
    machine_->tick();
    drain();
    expire_forwards();
    dispatch_writes();
    schedule_tick();
  });
}

void RegionService::on_message(PeerLink& link, const wire::PeerMessage& message) {
  if (message.has_hello()) {
    const wire::Hello& hello = message.hello();
    const auto& nodes = settings_.region_nodes;
    const auto known = std::find_if(nodes.begin(), nodes.end(),
                                    [&](const Settings::RegionNodeAddress& n) { return n.name == hello.node_name(); });
    auto identity = tls::make_peer_identity(settings_.region, hello.node_name());
    const bool named = identity.ok() && std::find(link.certificate_names.begin(), link.certificate_names.end(),
                                                  identity.value().uri()) != link.certificate_names.end();
    if (hello.region_name() != settings_.region || known == nodes.end() || !named ||
        hello.node_id() != static_cast<std::uint64_t>(known - nodes.begin()) + 1) {
      log_line(LogLevel::kWarning, link.description() + " refused: its Hello names " + hello.region_name() + "/" +
                                       hello.node_name() + ", which its certificate or region-nodes do not match");
      link.close();
      return;
    }
    link.peer_name = hello.node_name();
    return;
  }
  if (!link.peer_name.empty() && message.has_forwarded_write()) {
    const wire::ForwardedWrite& write = message.forwarded_write();
    PendingWrite pending{id_of(link.peer_name), write.request_id(), write.database(),
                         static_cast<int>(write.resp_protocol()),
                         std::vector<std::string>(write.arguments().begin(), write.arguments().end()),
                         ticks_ + write_wait_ticks()};
    if (!on_forwarded || !forwarding_.park(std::move(pending))) {
      send_reply(id_of(link.peer_name), write.request_id(),
                 "-TRYAGAIN too many writes are waiting for a leader here, retry shortly\r\n", 0);
      return;
    }
    dispatch_writes();
    return;
  }
  if (!link.peer_name.empty() && message.has_published()) {
    if (on_published) on_published(message.published().channel(), message.published().message());
    return;
  }
  if (!link.peer_name.empty() && message.has_forwarded_reply()) {
    const wire::ForwardedReply& answer = message.forwarded_reply();
    auto write = forwarding_.answered(answer.request_id());
    if (!write) return;  // answered already (timed out), or not ours
    if (answer.retry()) {
      // The node we took for the leader no longer leads: wait for (or send to) the one that does.
      if (!forwarding_.park(std::move(*write)) && on_forwarded_reply) {
        on_forwarded_reply(answer.request_id(), "-TRYAGAIN too many writes are waiting for a leader here\r\n", 0);
      }
      dispatch_writes();
      return;
    }
    if (on_forwarded_reply) on_forwarded_reply(answer.request_id(), answer.reply(), answer.log_index());
    return;
  }
  if (!message.has_raft() || link.peer_name.empty()) {
    log_line(LogLevel::kWarning, link.description() + " refused: a message before its Hello, or of a kind a region "
                                                      "link does not carry");
    link.close();
    return;
  }
  auto decoded = replication::decode_raft_message(message.raft());
  if (!decoded.ok()) {
    log_line(LogLevel::kWarning, link.description() + " refused: " + decoded.error().detail);
    link.close();
    return;
  }
  const election::Message& raft = decoded.value();
  if (name_of(raft.from) != link.peer_name || raft.to != self_) return;  // not from whom it claims, or not for us
  if (soft_state_.leader && raft.from == *soft_state_.leader) last_leader_contact_ = std::chrono::steady_clock::now();
  machine_->step(raft);
  drain();
}

void RegionService::drain() {
  if (draining_) return;  // propose() from inside on_apply's callbacks: the loop below goes on
  draining_ = true;
  const std::uint64_t commit_before = reported_commit_;
  const bool leader_before = reported_leader_;
  while (machine_->has_output()) {
    election::Output output = machine_->take_output();
    // 1. Persist: entries, then the hard state, both fsync'd (a commit index beyond the log
    //    is clamped at restart, so this order is safe).
    if (output.snapshot) {
      log_line(LogLevel::kWarning, "Region: a snapshot arrived, which this version cannot install yet");
    }
    if (!output.entries.empty()) {
      const std::string failure = log_file_->write(output.entries);
      if (!failure.empty()) {
        log_line(LogLevel::kWarning, "Region: " + failure + "; not sending this round's messages");
        continue;
      }
    }
    if (output.hard_state) {
      const std::string failure = save_hard_state(state_path_, *output.hard_state);
      if (!failure.empty()) {
        // Sending a vote or an acknowledgement that is not durable could break Raft's safety:
        // say nothing this round; the election clock will ask again.
        log_line(LogLevel::kWarning, "Region: " + failure + "; not sending this round's messages");
        continue;
      }
    }
    // 2. Send.
    for (const auto& message : output.messages) send(message);
    // 3. Apply, in log order.
    for (const election::Entry& entry : output.committed_entries) {
      if (entry.kind == election::EntryKind::kApplication && on_apply) on_apply(entry.payload);
    }
    if (output.soft_state && *output.soft_state != soft_state_) {
      const bool deposed = soft_state_.role == election::Role::kLeader &&
                           output.soft_state->role != election::Role::kLeader;
      const election::Status now = machine_->status();
      if (deposed && now.last_log.index > now.applied) rebuild_pending_ = true;
      const bool leader_changed = output.soft_state->leader != soft_state_.leader;
      soft_state_ = *output.soft_state;
      if (leader_changed || soft_state_.role == election::Role::kLeader) {
        log_line(LogLevel::kNotice, "Region " + settings_.region + ": " + self_name_ + " is " +
                                        role_text(soft_state_.role) + ", leader " +
                                        (soft_state_.leader ? name_of(*soft_state_.leader) : std::string("unknown")) +
                                        ", term " + std::to_string(machine_->status().term.value));
      }
    }
  }
  draining_ = false;
  if (rebuild_pending_) rebuild();
  release_replies();
  if (on_drained) on_drained();
  reported_commit_ = machine_->status().commit.value;
  reported_leader_ = soft_state_.role == election::Role::kLeader;
  if (on_progress && (reported_commit_ != commit_before || reported_leader_ != leader_before)) {
    on_progress(reported_commit_, reported_leader_);
  }
  if (forwarding_.parked() > 0) dispatch_writes();
}

void RegionService::rebuild() {
  rebuild_pending_ = false;
  const std::uint64_t applied = machine_->status().applied.value;
  EntryLogFile::Loaded logged;
  auto reopened = EntryLogFile::open(log_path_, &logged);
  if (std::holds_alternative<std::string>(reopened)) {
    log_line(LogLevel::kWarning, "Region: can't read the log to rebuild: " + std::get<std::string>(reopened));
    return;
  }
  log_line(LogLevel::kNotice, "Region: " + self_name_ + " lost leadership with uncommitted writes applied; "
                                                        "rebuilding its keyspace from the log (" +
                                  std::to_string(applied) + " entries)");
  if (on_rebuild) on_rebuild();
  for (const election::Entry& entry : logged.entries) {
    if (entry.index.value > applied) break;
    if (entry.kind == election::EntryKind::kApplication && on_apply) on_apply(entry.payload);
  }
}

bool RegionService::forward(std::uint64_t request_id, std::uint32_t db, int protocol,
                            std::span<const std::string_view> args) {
  if (!forwarding_.park(PendingWrite{self_, request_id, db, protocol,
                                     std::vector<std::string>(args.begin(), args.end()),
                                     ticks_ + write_wait_ticks()})) {
    return false;
  }
  dispatch_writes();
  return true;
}

std::uint64_t RegionService::write_wait_ticks() const {
  // One more than the quotient: the next tick may come at once, and the wait is a minimum.
  return settings_.region_write_wait_ms / std::max<std::uint32_t>(1, settings_.region_tick_ms) + 1;
}

void RegionService::dispatch_writes() {
  if (dispatching_ || stopped_) return;  // run_here calls back into the node, which may forward
  dispatching_ = true;
  ForwardingSituation now{self_, soft_state_.accepts_writes, soft_state_.leader, false};
  if (now.leader) {
    for (const auto& peer : peers_) {
      if (peer->id == *now.leader) now.leader_link_up = peer->outgoing && peer->outgoing->open();
    }
  }
  // Bounded: a leader that dies with the write in flight must not hold the client for ever.
  constexpr std::uint64_t kReplyTimeoutMs = 5000;
  const std::uint64_t reply_deadline = ticks_ + kReplyTimeoutMs / std::max<std::uint32_t>(1, settings_.region_tick_ms);
  WriteForwarding::Dispatch plan = forwarding_.dispatch(now, ticks_, reply_deadline);
  for (PendingWrite& write : plan.run_here) {
    std::vector<std::string_view> args(write.args.begin(), write.args.end());
    auto [reply, index] = on_forwarded(write.db, write.protocol, args);
    if (index > machine_->status().commit.value) {
      held_replies_.push_back(HeldReply{write.from, write.request_id, std::move(reply), index});
    } else {
      deliver(write.from, write.request_id, reply, index);
    }
  }
  for (const PendingWrite& write : plan.send_to_leader) {
    wire::PeerMessage message;
    wire::ForwardedWrite* out = message.mutable_forwarded_write();
    out->set_request_id(write.request_id);
    out->set_database(write.db);
    out->set_resp_protocol(static_cast<std::uint32_t>(write.protocol));
    for (const std::string& a : write.args) out->add_arguments(a);
    send_frame(*now.leader, message);  // a lost frame is answered by the reply deadline
  }
  for (const PendingWrite& write : plan.bounce) {
    send_reply(write.from, write.request_id, {}, 0, /*retry=*/true);
  }
  for (const PendingWrite& write : plan.gave_up) {
    deliver(write.from, write.request_id,
            "-TRYAGAIN no leader in this region accepted the write within region-write-wait (" +
                std::to_string(settings_.region_write_wait_ms) + " ms), retry shortly\r\n",
            0);
  }
  dispatching_ = false;
}

void RegionService::deliver(election::NodeId to, std::uint64_t request_id, std::string_view reply,
                            std::uint64_t log_index) {
  if (to == self_) {
    if (on_forwarded_reply) on_forwarded_reply(request_id, reply, log_index);
  } else {
    send_reply(to, request_id, reply, log_index);
  }
}

void RegionService::expire_forwards() {
  for (const PendingWrite& write : forwarding_.overdue(ticks_)) {
    if (on_forwarded_reply) {
      on_forwarded_reply(write.request_id, "-TRYAGAIN the region's leader did not answer in time; the write may or may not "
                                           "have been applied\r\n", 0);
    }
  }
}

void RegionService::release_replies() {
  if (held_replies_.empty()) return;
  const std::uint64_t commit = machine_->status().commit.value;
  const bool leading = soft_state_.role == election::Role::kLeader;
  std::vector<HeldReply> still;
  for (auto& held : held_replies_) {
    if (held.log_index <= commit) {
      deliver(held.to, held.request_id, held.reply, held.log_index);
    } else if (!leading) {
      deliver(held.to, held.request_id,
                 "-TRYAGAIN leadership changed before this write committed; it may or may not have been applied\r\n", 0);
    } else {
      still.push_back(std::move(held));
    }
  }
  held_replies_ = std::move(still);
}

void RegionService::send_reply(election::NodeId to, std::uint64_t request_id, std::string_view reply,
                               std::uint64_t log_index, bool retry) {
  wire::PeerMessage message;
  wire::ForwardedReply* answer = message.mutable_forwarded_reply();
  answer->set_request_id(request_id);
  answer->set_reply(std::string(reply));
  answer->set_log_index(log_index);
  if (retry) answer->set_retry(true);
  send_frame(to, message);
}

void RegionService::broadcast_published(std::string_view channel, std::string_view message) {
  if (peers_.empty()) return;
  wire::PeerMessage out;
  out.mutable_published()->set_channel(std::string(channel));
  out.mutable_published()->set_message(std::string(message));
  auto frame = replication::encode_frame(out);
  if (!frame.ok()) return;
  for (auto& peer : peers_) {
    if (peer->outgoing && peer->outgoing->open()) peer->outgoing->send(frame.value());
  }
}

void RegionService::send_frame(election::NodeId to, const wire::PeerMessage& message) {
  for (auto& peer : peers_) {
    if (peer->id != to) continue;
    if (!peer->outgoing || !peer->outgoing->open()) return;  // lost; the follower times out
    auto frame = replication::encode_frame(message);
    if (frame.ok()) peer->outgoing->send(std::move(frame.value()));
    return;
  }
}

election::NodeId RegionService::id_of(const std::string& name) const {
  for (std::size_t i = 0; i < settings_.region_nodes.size(); ++i) {
    if (settings_.region_nodes[i].name == name) return election::NodeId{i + 1};
  }
  return election::NodeId{0};
}

std::size_t RegionService::replicas_at(std::uint64_t index) const {
  if (soft_state_.role != election::Role::kLeader) return 0;
  std::size_t count = 0;
  for (const auto& follower : machine_->status().followers) {
    if (follower.node != self_ && follower.match.value >= index) ++count;
  }
  return count;
}

std::string RegionService::transfer(const std::string& target) {
  if (soft_state_.role != election::Role::kLeader) return "ERR FAILOVER is not valid when server is a replica.";
  std::optional<election::NodeId> to;
  if (!target.empty()) {
    for (std::size_t i = 0; i < settings_.region_nodes.size(); ++i) {
      if (settings_.region_nodes[i].name == target) to = election::NodeId{i + 1};
    }
    if (!to || *to == self_) return "ERR FAILOVER target HOST and PORT is not a replica.";
  }
  auto started = machine_->transfer_leadership(to);
  if (!started.ok()) return "ERR FAILOVER could not start: " + std::string(election::refusal_message(started.error()));
  drain();
  return {};
}

std::optional<std::uint64_t> RegionService::propose(std::string payload) {
  if (!soft_state_.accepts_writes) return std::nullopt;
  // Everything proposed during one turn of the event loop becomes one entry (a sequence of
  // length-prefixed op batches): one append message, one fsync per node, for a whole pipelined
  // load. The entry's index is known now: the log's next one, since only proposals, made here,
  // append while this node leads and accepts writes.
  if (pending_payload_.empty()) {
    pending_index_ = machine_->status().last_log.index.value + 1;
    asio::post(io_, [this] {
      if (!stopped_) flush_proposals();
    });
  }
  const auto length = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) pending_payload_.push_back(static_cast<char>((length >> (8 * i)) & 0xff));
  pending_payload_ += payload;
  return pending_index_;
}

void RegionService::flush_proposals() {
  if (pending_payload_.empty()) return;
  std::string payload = std::move(pending_payload_);
  pending_payload_.clear();
  auto proposed = machine_->propose(std::move(payload));
  if (!proposed.ok() || proposed.value().index.value != pending_index_) {
    // Leadership moved between the commands and this turn's end: their entry is not where
    // they were told. Their writes are applied here; the rebuild on losing leadership removes
    // them, and the clients waiting for them are closed, as on a failover.
    log_line(LogLevel::kWarning, "Region: this turn's writes could not be appended at index " +
                                     std::to_string(pending_index_));
    if (on_lost_proposals) on_lost_proposals(pending_index_);
    std::erase_if(held_replies_, [&](HeldReply& held) {
      if (held.log_index != pending_index_) return false;
      deliver(held.to, held.request_id, "-TRYAGAIN leadership changed before this write was logged\r\n", 0);
      return true;
    });
    rebuild_pending_ = true;
  }
  drain();
}

void RegionService::send(const election::Message& message) {
  for (auto& peer : peers_) {
    if (peer->id != message.to) continue;
    if (!peer->outgoing || !peer->outgoing->open()) return;  // lost, as on a network: Raft retries
    auto frame = replication::encode_frame(replication::to_peer_message(message));
    if (frame.ok()) peer->outgoing->send(std::move(frame.value()));
    return;
  }
}

std::string RegionService::name_of(election::NodeId id) const {
  const auto& nodes = settings_.region_nodes;
  if (id.value == 0 || id.value > nodes.size()) return {};
  return nodes[id.value - 1].name;
}

RegionReport RegionService::report() const {
  RegionReport out;
  const election::Status status = machine_->status();
  out.role = role_text(status.role);
  out.leader = status.leader ? name_of(*status.leader) : "";
  out.term = status.term.value;
  out.commit = status.commit.value;
  out.applied = status.applied.value;
  out.last_index = status.last_log.index.value;
  out.accepts_writes = status.accepts_writes;
  if (status.role != election::Role::kLeader && status.leader && last_leader_contact_) {
    out.leader_contact_ms_ago = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::steady_clock::now() - *last_leader_contact_)
                                    .count();
  }
  out.writes_waiting = forwarding_.parked();
  out.writes_forwarded = forwarding_.in_flight();
  for (std::size_t i = 0; i < settings_.region_nodes.size(); ++i) {
    const auto& node = settings_.region_nodes[i];
    RegionNodeReport entry{node.name, node.host, node.port, node.name == self_name_, true, 0};
    for (const auto& peer : peers_) {
      if (peer->id.value == i + 1) entry.link_up = peer->outgoing && peer->outgoing->open();
    }
    for (const auto& follower : status.followers) {
      if (follower.node.value == i + 1) entry.match = follower.match.value;
    }
    out.nodes.push_back(std::move(entry));
  }
  return out;
}

}  // namespace tern::node
