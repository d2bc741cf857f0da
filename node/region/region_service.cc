#include "node/region/region_service.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <fcntl.h>
#include <limits>
#include <random>
#include <csignal>
#include <iterator>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "node/log.h"
#include "node/region/hard_state_file.h"
#include "node/region/region_snapshot_file.h"
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

bool file_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

// Writes the rejoin marker holding `id` (or removes it for 0) and makes that durable: fsync of
// the file and the directory.
bool set_marker(const std::string& path, std::uint64_t id) {
  if (id != 0) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    const std::string text = "tern-rejoin " + std::to_string(id) + "\n";
    const bool synced = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                        ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) return false;
  } else if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return false;
  }
  const std::size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return true;
}

// The rejoin id a marker holds; 0 when absent or unreadable (then a new one is chosen).
std::uint64_t read_marker(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  std::uint64_t id = 0;
  if (!(in >> word >> id) || word != "tern-rejoin") return 0;
  return id;
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
      snapshot_path_(storage_base + ".snapshot"),
      snapshot_next_path_(storage_base + ".snapshot.next"),
      rejoin_path_(storage_base + ".rejoining"),
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
  election::Membership& membership = initial_membership_;
  membership = {};
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

  // No region file at all: either a brand-new region or a node that lost its disk. Until it
  // knows which, it is rejoining (region_service.h); the marker keeps that across a crash.
  const bool no_files = !file_exists(state_path_) && !file_exists(log_path_) && !file_exists(snapshot_path_);
  if (no_files || file_exists(rejoin_path_)) {
    rejoin_id_ = no_files ? 0 : read_marker(rejoin_path_);
    while (rejoin_id_ == 0) rejoin_id_ = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
    if (!set_marker(rejoin_path_, rejoin_id_)) {
      *error = "can't write '" + rejoin_path_ + "': " + std::strerror(errno);
      return false;
    }
  }
  if (!load_machine(true, error)) return false;
  if (rejoin_id_ != 0) {
    log_line(LogLevel::kNotice, "Region " + settings_.region + ": " + self_name_ +
                                    " starts without its region data; it votes only once it has caught up "
                                    "(or once a majority says the region is new)");
  }

  const auto address = address_of(io_, self->host, error);
  if (!error->empty()) return false;
  if (peers_.empty()) {
    // The region's only node is the whole region: starting without data, it starts it anew.
    if (machine_->rejoining()) {
      machine_->stop_rejoining();
      finish_rejoining_if_done();
    }
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

bool RegionService::load_machine(bool restore, std::string* error) {
  // A reload (after a refused snapshot) starts from the files, so the old writer first lands
  // what it has queued (a term or vote among it) and goes; its completions still queued on the
  // loop are dropped, and whatever waited for those writes is dropped too, as lost messages.
  writer_.reset();
  held_messages_.clear();
  written_through_ = 0;
  log_replaced_through_ = 0;
  led_term_ = 0;
  auto loaded = load_hard_state(state_path_);
  if (auto* failure = std::get_if<HardStateError>(&loaded)) {
    *error = failure->message;
    return false;
  }
  election::PersistedState persisted;
  persisted.hard_state = std::get<election::HardState>(loaded);
  auto snapshot = load_region_snapshot(snapshot_path_);
  if (auto* failure = std::get_if<std::string>(&snapshot)) {
    *error = *failure;
    return false;
  }
  persisted.snapshot = std::move(std::get<0>(snapshot));
  const std::uint64_t snapshot_index = persisted.snapshot ? persisted.snapshot->meta.last_included.index.value : 0;
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
  // The log must continue the snapshot: a gap means entries were lost between them.
  if (!entries.entries.empty() && entries.entries.front().index.value > snapshot_index + 1) {
    *error = "the region log '" + log_path_ + "' starts at index " +
             std::to_string(entries.entries.front().index.value) + " but " +
             (persisted.snapshot ? "the snapshot '" + snapshot_path_ + "' ends at " + std::to_string(snapshot_index)
                                 : std::string("there is no snapshot")) +
             "; refusing to start (move the region files away to rejoin from the leader)";
    return false;
  }
  if (restore && persisted.snapshot && on_restore) {
    const std::string refused = on_restore(persisted.snapshot->data);
    if (!refused.empty()) {
      *error = "the region snapshot '" + snapshot_path_ + "' was refused: " + refused +
               "; refusing to start (move the region files away to rejoin from the leader)";
      return false;
    }
  }
  if (persisted.snapshot) {
    snapshot_report_.index = snapshot_index;
    snapshot_report_.bytes = persisted.snapshot->data.size();
  }
  log_bytes_after_compaction_ = log_bytes();
  persisted.entries = std::move(entries.entries);
  // The keyspace itself is the snapshot's: the commit index starts from the snapshot (volatile
  // in Raft: only term, vote and the log must survive; the core clamps it) and every entry after
  // it is applied again as the leader confirms it.
  persisted.hard_state.commit = election::LogIndex{};
  saved_hard_state_ = persisted.hard_state;
  election::ElectionConfig config;
  config.self = self_;
  config.initial_membership = initial_membership_;
  config.random_seed = std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32);
  // Every write is an entry, and a follower fsyncs once per AppendEntries: long appends keep
  // the number of fsyncs per write low under pipelined load.
  config.max_entries_per_append = 1024;
  config.snapshot_chunk_bytes = static_cast<std::size_t>(settings_.region_snapshot_chunk_bytes);
  // The log writer (log_writer.h) persists in the background: the leader replicates while its
  // own write syncs, and counts itself toward a commit once that write is durable.
  config.async_persistence = true;
  config.rejoin_id = rejoin_id_;
  machine_ = std::make_unique<election::RaftStateMachine>(config, std::move(persisted));
  soft_state_ = {};
  return true;
}

void RegionService::stop() {
  stopped_ = true;
  if (snapshot_child_) {
    ::kill(snapshot_child_->pid, SIGKILL);
    finish_snapshot_child(true);
  }
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
          const election::Status status = machine_->status();
          hello->set_has_state(status.term.value > 0 || status.last_log.index.value > 0);
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
    if (soft_state_.role == election::Role::kLeader) drive_rejoins();
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
    if (machine_->rejoining()) {
      if (hello.has_state()) {
        region_has_history_ = true;
      } else if (std::find(empty_peers_.begin(), empty_peers_.end(), hello.node_name()) == empty_peers_.end()) {
        empty_peers_.push_back(hello.node_name());
      }
      // A majority holding nothing (this node among them) means no entry ever committed: a
      // new region, whose nodes vote from the start.
      const election::Status status = machine_->status();
      const bool self_empty = status.term.value == 0 && status.last_log.index.value == 0;
      if (!region_has_history_ && self_empty && 1 + empty_peers_.size() >= nodes.size() / 2 + 1) {
        machine_->stop_rejoining();
        log_line(LogLevel::kNotice, "Region " + settings_.region + ": a majority of its nodes hold nothing; " +
                                        self_name_ + " takes part in a new region");
        finish_rejoining_if_done();
      }
    }
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
  if (!writer_) return;    // the region stopped: a reload could not reopen its files
  draining_ = true;
  const std::uint64_t commit_before = reported_commit_;
  const bool leader_before = reported_leader_;
  while (machine_->has_output()) {
    election::Output output = machine_->take_output();
    // 1. Persist: a snapshot from the leader (restored first, then written, then the log
    //    emptied, on this thread once the writes queued before it landed); then entries and the
    //    hard state, on the log writer's thread (a commit index beyond the log is clamped at
    //    restart, so this order is safe).
    if (output.snapshot && !install_snapshot(*output.snapshot)) {
      if (!writer_) break;  // the reload failed and stopped the region
      continue;
    }
    LogWriter::Job job;
    job.entries = std::move(output.entries);
    // Only term and vote need to survive a crash: the commit index is volatile here
    // (load_machine resets it), so a hard state that differs from the saved one only by its
    // commit is not written. Saving it cost two fsyncs, a rename and a directory fsync per
    // commit round.
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
    //    them: decoding them again would only find every op already known. Unless on_apply must
    //    see every committed batch (apply_own_entries: the shipping outbox is fed in log order
    //    on every node, the leader included).
    for (const election::Entry& entry : output.committed_entries) {
      if (entry.kind != election::EntryKind::kApplication || !on_apply) continue;
      if (!apply_own_entries && led_term_ != 0 && entry.term.value == led_term_) continue;
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
  maybe_compact();
  finish_rejoining_if_done();
  release_replies();
  if (on_drained) on_drained();
  reported_commit_ = machine_->status().commit.value;
  reported_leader_ = soft_state_.role == election::Role::kLeader;
  if (on_progress && (reported_commit_ != commit_before || reported_leader_ != leader_before)) {
    on_progress(reported_commit_, reported_leader_);
  }
  if (forwarding_.parked() > 0) dispatch_writes();
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
  // A write that landed before an installed snapshot replaced the log names an entry the file
  // no longer holds (the core took the snapshot's last entry as persisted when it installed it).
  if (last && through > log_replaced_through_) machine_->persisted(*last);
  drain();
}

bool RegionService::install_snapshot(const election::Snapshot& snapshot) {
  const std::uint64_t index = snapshot.meta.last_included.index.value;
  const std::string refused = on_restore ? on_restore(snapshot.data) : std::string("no application to restore");
  std::string failure;
  if (!refused.empty()) {
    ++snapshot_report_.refused;
    failure = "the snapshot at index " + std::to_string(index) + " from the leader was refused: " + refused;
  } else {
    // The keyspace is the snapshot's now: entries of a term this process led are no longer
    // in it, so from here on every committed entry is applied.
    led_term_ = 0;
    failure = save_region_snapshot(snapshot_path_, snapshot);
    // §7: the snapshot replaces the whole log (the core discarded it too), after the writes
    // queued before it landed; writes queued from here on follow the snapshot.
    if (failure.empty()) {
      writer_->with_file([&](EntryLogFile& file) {
        failure = file.drop_through(std::numeric_limits<std::uint64_t>::max());
      });
      log_replaced_through_ = writer_->submitted();
    }
  }
  if (failure.empty()) {
    ++snapshot_report_.installed;
    snapshot_report_.index = index;
    snapshot_report_.bytes = snapshot.data.size();
    log_bytes_after_compaction_ = log_bytes();
    log_line(LogLevel::kNotice, "Region: " + self_name_ + " installed the leader's snapshot at index " +
                                    std::to_string(index) + " (" + std::to_string(snapshot.data.size()) + " bytes)");
    return true;
  }
  // Nothing of this output is sent (it would acknowledge the snapshot): the state machine is
  // rebuilt from the files as after a restart, and the leader sends the snapshot again. A
  // refused snapshot left the keyspace as it was; one that could not be written is in it
  // already, and the entries applied again on top of it merge idempotently.
  log_line(LogLevel::kWarning, "Region: " + failure + "; reloading the region state from disk");
  std::string error;
  if (!load_machine(false, &error)) {
    log_line(LogLevel::kWarning, "Region: can't reload the region state (" + error + "); stopping the region");
    stop();
  }
  return false;
}

void RegionService::maybe_compact() {
  if (!on_take_snapshot || stopped_ || !writer_) return;
  if (snapshot_child_) {
    finish_snapshot_child(false);
    return;
  }
  const election::Status status = machine_->status();
  const std::uint64_t applied = status.applied.value;
  const std::uint64_t compacted = machine_->log().snapshot_last().index.value;
  if (applied <= compacted) return;
  const bool entries_due = applied - compacted >= settings_.region_snapshot_entries;
  const std::uint64_t size = log_bytes();
  const bool bytes_due = size > log_bytes_after_compaction_ &&
                         size - log_bytes_after_compaction_ >= settings_.region_snapshot_bytes;
  if (!entries_due && !bytes_due) return;
  // The snapshot must be the state of exactly the applied log. A follower applies only what
  // committed; a leader applies its writes when it makes them, so it waits for a moment when
  // everything it appended has committed and nothing is proposed for this turn.
  if (rebuild_pending_ || !pending_payload_.empty()) return;
  if (status.role == election::Role::kLeader && status.last_log.index.value != applied) return;
  const std::optional<election::Term> term = machine_->log().term_at(election::LogIndex{applied});
  if (!term) return;
  // What compact() will record: the applied entry and the membership, which the core updates as
  // entries commit, and every committed entry is applied by now.
  const election::SnapshotMeta meta{election::EntryId{*term, election::LogIndex{applied}}, machine_->membership()};
  const auto started = std::chrono::steady_clock::now();
  // Serialising a large keyspace takes seconds (about 2 µs a key): a child process does it on
  // a copy-on-write image of this moment, as Redis's BGSAVE does, while this loop goes on
  // serving. It writes the whole snapshot file, fsync'd, as <base>.snapshot.next and exits;
  // finish_snapshot_child reads it back and renames it over <base>.snapshot. Without fork (it
  // failed) the snapshot is taken inline.
  const pid_t child = ::fork();
  if (child == 0) {
    // The child holds copies of every socket: close them (a listening socket kept open by a
    // child outliving a killed server would stop the restarted one from binding its port), and
    // die with the parent.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() == 1) ::_exit(4);
    if (::close_range(3, ~0U, 0) != 0) {
      for (int fd = 3, last = static_cast<int>(::sysconf(_SC_OPEN_MAX)); fd < last && fd < 65536; ++fd) ::close(fd);
    }
    std::string error;
    std::optional<std::string> data = on_take_snapshot(&error);
    if (!data) ::_exit(2);
    ::_exit(save_region_snapshot(snapshot_next_path_, election::Snapshot{meta, std::move(*data)}).empty() ? 0 : 3);
  }
  if (child > 0) {
    snapshot_child_ = SnapshotChild{child, applied, started,
                                    std::chrono::steady_clock::now() - started};
    return;
  }
  log_line(LogLevel::kWarning, std::string("Region: can't fork to snapshot (") + std::strerror(errno) +
                                   "); snapshotting on the event loop");
  std::string error;
  std::optional<std::string> data = on_take_snapshot(&error);
  if (!data) {
    log_line(LogLevel::kWarning, "Region: can't snapshot the keyspace: " + error);
    log_bytes_after_compaction_ = size;  // not again before the log has grown as much
    return;
  }
  const auto took = std::chrono::steady_clock::now() - started;
  complete_compaction(applied, std::move(*data), took, took);
}

void RegionService::finish_snapshot_child(bool wait) {
  int status = 0;
  const pid_t done = ::waitpid(snapshot_child_->pid, &status, wait ? 0 : WNOHANG);
  if (done == 0) return;  // still writing
  const SnapshotChild child = *snapshot_child_;
  snapshot_child_.reset();
  if (done < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    log_line(LogLevel::kWarning, "Region: the snapshot process failed (status " + std::to_string(status) +
                                     "); the log is compacted next time");
    ::unlink(snapshot_next_path_.c_str());
    log_bytes_after_compaction_ = log_bytes();
    return;
  }
  if (stopped_) return;
  const auto started = std::chrono::steady_clock::now();
  auto loaded = load_region_snapshot(snapshot_next_path_);
  if (loaded.index() != 0 || !std::get<0>(loaded)) {
    log_line(LogLevel::kWarning, "Region: can't read the snapshot process's '" + snapshot_next_path_ +
                                     "' back: " + (loaded.index() == 1 ? std::get<1>(loaded) : std::string("missing")));
    ::unlink(snapshot_next_path_.c_str());
    return;
  }
  election::Snapshot snapshot = std::move(*std::get<0>(loaded));
  log_line(LogLevel::kVerbose,
           "Region: snapshot process done; the fork held the event loop " +
               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(child.pause).count()) +
               " ms, reading its file back " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                       .count()) +
               " ms");
  complete_compaction(child.index, std::move(snapshot.data), std::chrono::steady_clock::now() - child.started,
                      child.pause + (std::chrono::steady_clock::now() - started), &snapshot.meta);
}

void RegionService::complete_compaction(std::uint64_t index, std::string data,
                                        std::chrono::steady_clock::duration took,
                                        std::chrono::steady_clock::duration pause,
                                        const election::SnapshotMeta* written) {
  const auto started = std::chrono::steady_clock::now();
  const std::size_t bytes = data.size();
  // Refused when a snapshot from the leader has replaced the log meanwhile: nothing to do.
  auto meta = machine_->compact(election::LogIndex{index}, std::move(data));
  if (!meta.ok()) {
    ::unlink(snapshot_next_path_.c_str());
    return;
  }
  // The child's file is durable already: when it says what the core recorded, renaming it
  // over the snapshot (and syncing the directory) is the whole write.
  std::string failure;
  if (written != nullptr && *written == meta.value() &&
      ::rename(snapshot_next_path_.c_str(), snapshot_path_.c_str()) == 0) {
    const std::size_t slash = snapshot_path_.rfind('/');
    const std::string directory =
        slash == std::string::npos ? "." : snapshot_path_.substr(0, slash == 0 ? 1 : slash);
    const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir >= 0) {
      ::fsync(dir);
      ::close(dir);
    }
  } else {
    ::unlink(snapshot_next_path_.c_str());
    failure = save_region_snapshot(snapshot_path_, machine_->latest_snapshot());
  }
  // Only once the snapshot is durable may the entries it covers leave the log file; the cut
  // waits for the writes queued before it (some of them hold entries it covers).
  if (failure.empty()) {
    writer_->with_file([&](EntryLogFile& file) { failure = file.drop_through(index); });
  }
  pause += std::chrono::steady_clock::now() - started;
  const auto ms = [](std::chrono::steady_clock::duration d) {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  if (!failure.empty()) {
    log_line(LogLevel::kWarning, "Region: compaction at index " + std::to_string(index) + ": " + failure);
    log_bytes_after_compaction_ = log_bytes();
    return;
  }
  ++snapshot_report_.taken;
  snapshot_report_.index = index;
  snapshot_report_.bytes = bytes;
  snapshot_report_.last_take_ms = ms(took);
  snapshot_report_.last_pause_ms = ms(pause);
  log_bytes_after_compaction_ = log_bytes();
  log_line(LogLevel::kVerbose, "Region: " + self_name_ + " compacted its log at index " + std::to_string(index) +
                                   " (snapshot " + std::to_string(bytes) + " bytes, " + std::to_string(ms(took)) +
                                   " ms, event loop held " + std::to_string(ms(pause)) + " ms)");
}

void RegionService::drive_rejoins() {
  if (!soft_state_.accepts_writes) return;
  const election::Status status = machine_->status();
  for (const auto& follower : status.followers) {
    // Every configured node is meant to vote: any learner is one that lost its disk.
    if (follower.voter && !follower.rejoining) continue;
    // A voter that lost its disk becomes a learner; a learner that lost its disk becomes a
    // voter again once its log reached the commit index (the core refuses it before).
    const std::uint64_t rejoin_id = follower.rejoining ? follower.rejoin_id : 0;
    auto change = follower.voter ? machine_->demote_voter(follower.node, rejoin_id)
                                 : machine_->promote_learner(follower.node, rejoin_id);
    if (change.ok()) {
      log_line(LogLevel::kNotice, "Region: " + std::string(follower.voter ? "demoting " : "promoting ") +
                                      name_of(follower.node) + (follower.voter ? " to learner: it lost its data"
                                                                               : " to voter: it has caught up"));
      drain();
      return;  // one membership change at a time
    }
  }
}

void RegionService::finish_rejoining_if_done() {
  if (rejoin_id_ == 0 || machine_->rejoining()) return;
  if (!set_marker(rejoin_path_, 0)) {
    log_line(LogLevel::kWarning, "Region: can't remove '" + rejoin_path_ + "': " + std::strerror(errno));
    return;
  }
  rejoin_id_ = 0;
  log_line(LogLevel::kNotice, "Region " + settings_.region + ": " + self_name_ + " votes again");
}

void RegionService::rebuild() {
  rebuild_pending_ = false;
  if (!writer_) return;
  const std::uint64_t applied = machine_->status().applied.value;
  EntryLogFile::Loaded logged;
  // Read once every applied entry's write has landed, with the writer off the file.
  std::string unreadable;
  writer_->with_file([&](EntryLogFile&) {
    auto reopened = EntryLogFile::open(log_path_, &logged);
    if (auto* failure = std::get_if<std::string>(&reopened)) unreadable = *failure;
  });
  if (!unreadable.empty()) {
    log_line(LogLevel::kWarning, "Region: can't read the log to rebuild: " + unreadable);
    return;
  }
  led_term_ = 0;  // the keyspace is emptied: every entry from here on must be applied
  log_line(LogLevel::kNotice, "Region: " + self_name_ + " lost leadership with uncommitted writes applied; "
                                                        "rebuilding its keyspace from the log (" +
                                  std::to_string(applied) + " entries)");
  // From the latest snapshot (the state of a committed prefix), then the log after it.
  const election::Snapshot& snapshot = machine_->latest_snapshot();
  const std::uint64_t from = snapshot.meta.last_included.index.value;
  if (from == 0) {
    if (on_rebuild) on_rebuild();
  } else if (const std::string refused = on_restore ? on_restore(snapshot.data) : "no application"; !refused.empty()) {
    log_line(LogLevel::kWarning, "Region: can't restore its own snapshot to rebuild: " + refused);
    return;
  }
  for (const election::Entry& entry : logged.entries) {
    if (entry.index.value <= from) continue;
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
    if (!frame.ok()) {
      log_line(LogLevel::kWarning, "Region: can't frame a message to " + name_of(message.to) + ": " +
                                       frame.error().detail);
      return;
    }
    if (const auto* chunk = std::get_if<election::InstallSnapshot>(&message.body)) {
      if (chunk->offset == 0) ++snapshot_report_.sent;
      ++snapshot_report_.chunks_sent;
      snapshot_report_.data_bytes_sent += chunk->data.size();
      snapshot_report_.wire_bytes_sent += frame.value().size();
    }
    peer->outgoing->send(std::move(frame.value()));
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
  out.voter = status.is_voter;
  out.rejoining = status.rejoining;
  out.snapshot = snapshot_report_;
  out.snapshot.log_bytes = log_bytes();
  for (std::size_t i = 0; i < settings_.region_nodes.size(); ++i) {
    const auto& node = settings_.region_nodes[i];
    RegionNodeReport entry{node.name, node.host, node.port, node.name == self_name_, true, 0};
    for (const auto& peer : peers_) {
      if (peer->id.value == i + 1) entry.link_up = peer->outgoing && peer->outgoing->open();
    }
    for (const auto& follower : status.followers) {
      if (follower.node.value == i + 1) {
        entry.match = follower.match.value;
        entry.voter = follower.voter;
        entry.rejoining = follower.rejoining;
      }
    }
    out.nodes.push_back(std::move(entry));
  }
  return out;
}

}  // namespace tern::node
