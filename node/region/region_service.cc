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
  const tls::PeerTlsFiles files{settings_.region_tls_ca_file, settings_.region_tls_cert_file,
                                settings_.region_tls_key_file};
  std::vector<tls::PeerIdentity> others;
  election::Membership membership;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const election::NodeId id{i + 1};
    membership.voters.push_back(id);
    if (id == self_) continue;
    auto identity = tls::make_peer_identity(settings_.region, nodes[i].name);
    if (!identity.ok()) {
      *error = identity.error();
      return false;
    }
    auto dial_context = tls::make_peer_context(tls::PeerRole::kConnecting, files, {identity.value()});
    if (!dial_context.ok()) {
      *error = "region TLS: " + dial_context.error();
      return false;
    }
    others.push_back(identity.value());
    auto peer = std::make_unique<Peer>(io_);
    peer->address = nodes[i];
    peer->id = id;
    peer->dial_context = dial_context.value();
    peers_.push_back(std::move(peer));
  }
  auto accept_context = tls::make_peer_context(tls::PeerRole::kAccepting, files, others);
  if (!accept_context.ok()) {
    *error = "region TLS: " + accept_context.error();
    return false;
  }
  accept_context_ = accept_context.value();

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
  writer_ = std::make_unique<LogWriter>(
      io_, std::move(std::get<EntryLogFile>(opened)), state_path_,
      [this](std::uint64_t through, std::optional<election::EntryId> last, const std::string& failure) {
        on_written(through, last, failure);
      },
      settings_.region_fsync == Settings::RegionFsync::kNo         ? LogWriter::Sync::kNever
      : settings_.region_fsync == Settings::RegionFsync::kEverySec ? LogWriter::Sync::kEverySecond
                                                                   : LogWriter::Sync::kEveryWrite);
  if (entries.dropped_torn_tail) {
    log_line(LogLevel::kWarning, "Region log '" + log_path_ + "': dropped a record torn by a crash");
  }
  persisted.entries = std::move(entries.entries);
  // The keyspace itself is not stored: after a restart every logged entry is applied again, so
  // the commit index starts from zero (volatile in Raft: only term, vote and the log must
  // survive) and rises as the leader confirms it.
  persisted.hard_state.commit = election::LogIndex{};
  saved_hard_state_ = persisted.hard_state;
  election::ElectionConfig config;
  config.self = self_;
  config.initial_membership = membership;
  config.random_seed = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  // Every write is an entry, and a follower fsyncs once per AppendEntries: long appends keep
  // the number of fsyncs per write low under pipelined load.
  config.max_entries_per_append = 1024;
  // The log writer (log_writer.h) persists in the background: the leader replicates while its
  // own write syncs, and counts itself toward a commit once that write is durable.
  config.async_persistence = true;
  machine_ = std::make_unique<election::RaftStateMachine>(config, std::move(persisted));

  const auto address = address_of(io_, self->host, error);
  if (!error->empty()) return false;
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
  if (stopped_ || peer.connecting || peer.outgoing) return;  // one link per peer at a time
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
  peer.connecting = true;
  socket->async_connect(endpoint, [this, &peer, socket](const asio::error_code& connect_error) {
    peer.connecting = false;
    if (stopped_) return;
    if (connect_error) {
      peer.parked.clear();  // their clients time out with TRYAGAIN (forward_deadlines_)
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
          for (std::string& parked : peer.parked) l.send(std::move(parked));
          peer.parked.clear();
          log_line(LogLevel::kVerbose, "Region peer link to " + peer.address.name + " is up");
        },
        [](PeerLink&, const wire::PeerMessage&) {},  // nothing is sent back on a dialled link
        [this, &peer](PeerLink&) {
          peer.outgoing.reset();
          peer.parked.clear();
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
    const election::NodeId from = id_of(link.peer_name);
    // A new leader accepts writes once its first entry commits (one round): a follower that
    // already knows it may forward before then, so the write waits here for that round.
    constexpr std::size_t kMaxWaiting = 16384;
    if (soft_state_.role == election::Role::kLeader && !soft_state_.accepts_writes && on_forwarded &&
        waiting_forwards_.size() < kMaxWaiting) {
      waiting_forwards_.emplace_back(from, write);
      return;
    }
    run_forwarded(from, write);
    return;
  }
  if (!link.peer_name.empty() && message.has_forwarded_reply()) {
    const wire::ForwardedReply& answer = message.forwarded_reply();
    if (forward_deadlines_.erase(answer.request_id()) != 0 && on_forwarded_reply) {
      on_forwarded_reply(answer.request_id(), answer.reply(), answer.log_index());
    }
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
  machine_->step(raft);
  // Every message of this read (and of any other link ready in this turn) is stepped before
  // one drain: a follower that received several appends writes and syncs them together.
  schedule_drain();
}

void RegionService::schedule_drain() {
  if (drain_posted_) return;
  drain_posted_ = true;
  asio::post(io_, [this] {
    drain_posted_ = false;
    if (!stopped_) drain();
  });
}

void RegionService::drain() {
  if (draining_) return;  // propose() from inside on_apply's callbacks: the loop below goes on
  draining_ = true;
  const std::uint64_t commit_before = reported_commit_;
  const bool leader_before = reported_leader_;
  while (machine_->has_output()) {
    election::Output output = machine_->take_output();
    // 1. Persist, on the log writer's thread: entries, then the hard state (a commit index
    //    beyond the log is clamped at restart, so this order is safe).
    if (output.snapshot) {
      log_line(LogLevel::kWarning, "Region: a snapshot arrived, which this version cannot install yet");
    }
    LogWriter::Job job;
    job.entries = std::move(output.entries);
    // Only term and vote need to survive a crash: the commit index is volatile here (start()
    // resets it), so a hard state that differs from the saved one only by its commit is not
    // written. Saving it cost two fsyncs, a rename and a directory fsync per commit round.
    if (output.hard_state && (output.hard_state->term != saved_hard_state_.term ||
                              output.hard_state->voted_for != saved_hard_state_.voted_for)) {
      job.hard_state = *output.hard_state;
      saved_hard_state_ = *output.hard_state;
    }
    if (!job.entries.empty() || job.hard_state) writer_->submit(std::move(job));
    // 2. Send. A message that may promise something durable (a vote, an acknowledgement, a
    //    candidate's request after its own vote) waits for every write queued so far; a
    //    leader's appends and heartbeats promise nothing about its own storage and go now
    //    (thesis §10.2.1), since the state machine counts the leader's log only once written.
    const std::uint64_t waits_for = writer_->submitted();
    std::vector<election::Message> held;
    for (auto& message : output.messages) {
      const bool from_leader = std::holds_alternative<election::AppendEntries>(message.body) ||
                               std::holds_alternative<election::Heartbeat>(message.body) ||
                               std::holds_alternative<election::InstallSnapshot>(message.body);
      if (from_leader || written_through_ >= waits_for) {
        send(message);
      } else {
        held.push_back(std::move(message));
      }
    }
    if (!held.empty()) held_messages_.emplace_back(waits_for, std::move(held));
    // 3. Apply, in log order. A committed entry is durable on a majority, so it may be applied
    //    before this node's own write of it lands (after a crash it comes back from the leader).
    //    Entries of a term this process led hold its own writes, which it applied when it made
    //    them: decoding them again would only find every op already known.
    for (const election::Entry& entry : output.committed_entries) {
      if (entry.kind != election::EntryKind::kApplication || !on_apply) continue;
      if (led_term_ != 0 && entry.term.value == led_term_) continue;
      on_apply(entry.payload);
    }
    if (output.soft_state && *output.soft_state != soft_state_) {
      const bool deposed = soft_state_.role == election::Role::kLeader &&
                           output.soft_state->role != election::Role::kLeader;
      const election::Status now = machine_->status();
      if (deposed && now.last_log.index > now.applied) rebuild_pending_ = true;
      const bool leader_changed = output.soft_state->leader != soft_state_.leader;
      soft_state_ = *output.soft_state;
      if (soft_state_.role == election::Role::kLeader) led_term_ = machine_->term().value;
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
  if (!waiting_forwards_.empty() &&
      (soft_state_.accepts_writes || soft_state_.role != election::Role::kLeader)) {
    auto waiting = std::move(waiting_forwards_);
    waiting_forwards_.clear();
    for (const auto& [from, write] : waiting) run_forwarded(from, write);  // TRYAGAIN if deposed
  }
  release_replies();
  if (on_drained) on_drained();
  reported_commit_ = machine_->status().commit.value;
  reported_leader_ = soft_state_.role == election::Role::kLeader;
  if (on_progress && (reported_commit_ != commit_before || reported_leader_ != leader_before)) {
    on_progress(reported_commit_, reported_leader_);
  }
}

void RegionService::on_written(std::uint64_t through, std::optional<election::EntryId> last,
                               const std::string& failure) {
  if (stopped_) return;
  written_through_ = through;
  if (!failure.empty()) {
    // Saying nothing is safe (a lost message, to Raft); claiming what is not durable is not.
    log_line(LogLevel::kWarning, "Region: " + failure + "; not sending what waited for it");
    saved_hard_state_ = {};  // unknown: the next hard state is written whatever it holds
  }
  while (!held_messages_.empty() && held_messages_.front().first <= through) {
    if (failure.empty()) {
      for (const auto& message : held_messages_.front().second) send(message);
    }
    held_messages_.pop_front();
  }
  if (last) machine_->persisted(*last);
  drain();
}

void RegionService::rebuild() {
  rebuild_pending_ = false;
  writer_->wait_idle();  // the log file holds every applied entry once its queued writes land
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
  led_term_ = 0;  // the keyspace is emptied: every entry from here on must be applied
  for (const election::Entry& entry : logged.entries) {
    if (entry.index.value > applied) break;
    if (entry.kind == election::EntryKind::kApplication && on_apply) on_apply(entry.payload);
  }
}

void RegionService::run_forwarded(election::NodeId from, const wire::ForwardedWrite& write) {
  if (soft_state_.role != election::Role::kLeader || !on_forwarded) {
    send_reply(from, write.request_id(), "-TRYAGAIN this node no longer leads the region, retry shortly\r\n", 0);
    return;
  }
  std::vector<std::string_view> args(write.arguments().begin(), write.arguments().end());
  auto [reply, index] = on_forwarded(write.database(), static_cast<int>(write.resp_protocol()), args);
  if (index > machine_->status().commit.value) {
    held_replies_.push_back(HeldReply{from, write.request_id(), std::move(reply), index});
  } else {
    send_reply(from, write.request_id(), reply, index);
  }
}

bool RegionService::forward(std::uint64_t request_id, std::uint32_t db, int protocol,
                            std::span<const std::string_view> args) {
  if (!soft_state_.leader || *soft_state_.leader == self_) return false;
  const election::NodeId leader = *soft_state_.leader;
  for (auto& peer : peers_) {
    if (peer->id != leader) continue;
    wire::PeerMessage message;
    wire::ForwardedWrite* write = message.mutable_forwarded_write();
    write->set_request_id(request_id);
    write->set_database(db);
    write->set_resp_protocol(static_cast<std::uint32_t>(protocol));
    for (std::string_view a : args) write->add_arguments(std::string(a));
    auto frame = replication::encode_frame(message);
    if (!frame.ok()) return false;
    if (peer->outgoing) {
      peer->outgoing->send(std::move(frame.value()));  // queued while its handshake runs
    } else {
      // A node learns who leads from the leader's own link, possibly before its link to the
      // leader is up (a redial may be backing off): dial now and send once it is.
      constexpr std::size_t kMaxParked = 4096;
      if (peer->parked.size() >= kMaxParked) return false;
      peer->parked.push_back(std::move(frame.value()));
      if (!peer->connecting) {
        peer->redial.cancel();
        dial(*peer);
      }
    }
    // Bounded: a leader that dies with the write in flight must not hold the client for ever.
    constexpr std::uint64_t kForwardTimeoutMs = 5000;
    forward_deadlines_[request_id] = ticks_ + kForwardTimeoutMs / std::max<std::uint32_t>(1, settings_.region_tick_ms);
    return true;
  }
  return false;
}

void RegionService::expire_forwards() {
  for (auto it = forward_deadlines_.begin(); it != forward_deadlines_.end();) {
    if (it->second > ticks_) {
      ++it;
      continue;
    }
    const std::uint64_t request = it->first;
    it = forward_deadlines_.erase(it);
    if (on_forwarded_reply) {
      on_forwarded_reply(request, "-TRYAGAIN the region's leader did not answer in time; the write may or may not "
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
      send_reply(held.to, held.request_id, held.reply, held.log_index);
    } else if (!leading) {
      send_reply(held.to, held.request_id,
                 "-TRYAGAIN leadership changed before this write committed; it may or may not have been applied\r\n", 0);
    } else {
      still.push_back(std::move(held));
    }
  }
  held_replies_ = std::move(still);
}

void RegionService::send_reply(election::NodeId to, std::uint64_t request_id, std::string_view reply,
                               std::uint64_t log_index) {
  wire::PeerMessage message;
  wire::ForwardedReply* answer = message.mutable_forwarded_reply();
  answer->set_request_id(request_id);
  answer->set_reply(std::string(reply));
  answer->set_log_index(log_index);
  send_frame(to, message);
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
      send_reply(held.to, held.request_id, "-TRYAGAIN leadership changed before this write was logged\r\n", 0);
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
