#include "node/node.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <random>

#include "crdt/op_codec.h"
#include "node/log.h"
#include "node/region/keyspace_snapshot.h"

namespace tern::node {
namespace {

bool arity_ok(const CommandSpec& spec, std::size_t argc) {
  const auto n = static_cast<long>(argc);
  return spec.arity > 0 ? n == spec.arity : n >= -spec.arity;
}

std::string watch_key(std::uint32_t db, std::string_view key) {
  std::string k = std::to_string(db);
  k.push_back('\0');
  k.append(key);
  return k;
}

}  // namespace

std::string lower_case(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool equals_ignore_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

void reply_wrong_arity(Call& call) {
  call.reply.error("ERR wrong number of arguments for '" + lower_case(call.args[0]) + "' command");
}
void reply_subcommand_error(Call& call, std::initializer_list<std::string_view> known) {
  const std::string sub = lower_case(call.args[1]);
  for (auto name : known) {
    if (name == sub) {
      call.reply.error("ERR wrong number of arguments for '" + lower_case(call.args[0]) + "|" + sub + "' command");
      return;
    }
  }
  std::string upper = lower_case(call.args[0]);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  call.reply.error("ERR unknown subcommand '" + std::string(call.args[1].substr(0, 128)) + "'. Try " + upper + " HELP.");
}

void reply_syntax_error(Call& call) { call.reply.error("ERR syntax error"); }
void reply_wrong_type(Call& call) {
  call.reply.error("WRONGTYPE Operation against a key holding the wrong kind of value");
}
void reply_not_integer(Call& call) { call.reply.error("ERR value is not an integer or out of range"); }

Node::Node(Config config)
    : config_(std::move(config)),
      store_(crdt::RegionId{static_cast<std::uint8_t>(config_.settings().region_id)},
             static_cast<std::uint32_t>(config_.settings().databases)) {}

void Node::add_client(ClientState& client) { clients_[client.id] = &client; }

void Node::remove_client(ClientState& client) {
  pubsub_.forget(client);
  unwatch_all(client);
  clients_.erase(client.id);
}

void Node::prefetch_keys(const ClientState& client, std::span<const std::vector<std::string_view>> batch,
                         std::span<const CommandSpec*> specs) const {
  const crdt::Keyspace& keyspace = store_.replica().keyspace();
  const auto first_key = [&](std::size_t i) -> const std::string_view* {
    const CommandSpec* spec = specs[i];
    if (spec == nullptr || spec->first_key <= 0) return nullptr;
    const auto at = static_cast<std::size_t>(spec->first_key);
    return at < batch[i].size() ? &batch[i][at] : nullptr;
  };
  for (std::size_t i = 0; i < batch.size(); ++i) {
    specs[i] = batch[i].empty() ? nullptr : commands_.find(batch[i][0]);
    if (const std::string_view* key = first_key(i)) keyspace.prefetch_slot(client.db, *key);
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (const std::string_view* key = first_key(i)) keyspace.prefetch_block(client.db, *key);
  }
}

void Node::execute(ClientState& client, std::span<const std::string_view> args, const CommandSpec* known_spec) {
  if (args.empty()) return;
  resp::ReplyWriter reply(client.output);
  reply.set_protocol(client.protocol);
  client.last_interaction_ms = store_.now_ms();
  const auto reject = [&](const std::string& message) {
    reply.error(message);
    ++stats_.total_error_replies;
    ++stats_.error_replies[message.substr(0, message.find(' '))];
    if (client.in_multi) client.multi_error = true;
  };

  const CommandSpec* spec = known_spec != nullptr ? known_spec : commands_.find(args[0]);
  if (spec == nullptr) {
    std::string message = "ERR unknown command '" + std::string(args[0].substr(0, 128)) +
                          "', with args beginning with: ";
    for (std::size_t i = 1; i < args.size() && message.size() < 128; ++i) {
      message += "'" + std::string(args[i].substr(0, 128 - std::min<std::size_t>(128, message.size()))) + "' ";
    }
    reject(message);
    return;
  }
  if (!arity_ok(*spec, args.size())) {
    auto& stats = stats_.commands[spec->name];
    ++stats.rejected_calls;
    reject("ERR wrong number of arguments for '" + std::string(spec->name) + "' command");
    return;
  }
  if (!client.authenticated && !settings().requirepass.empty() && (spec->flags & kNoAuth) == 0) {
    ++stats_.commands[spec->name].rejected_calls;
    reject("NOAUTH Authentication required.");
    return;
  }
  if (client.protocol == 2 && client.subscription_count() > 0 && (spec->flags & kSubscribeContext) == 0) {
    ++stats_.commands[spec->name].rejected_calls;
    reject("ERR Can't execute '" + std::string(spec->name) +
           "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
    return;
  }
  if ((spec->flags & kWrite) != 0 && region_accepts_writes && !region_accepts_writes()) {
    // A region's follower sends the write to the leader and answers with the leader's reply,
    // so clients need not know who leads. Inside MULTI it refuses, as a Redis replica does.
    if (!client.in_multi && region_forward) {
      const std::uint64_t request = next_forward_id_++;
      if (region_forward(request, client.db, client.protocol, args)) {
        forwarded_[request] = client.id;
        client.blocked = true;
        ++stats_.forwarded_writes;
        return;
      }
      ++stats_.commands[spec->name].rejected_calls;
      reject("TRYAGAIN too many writes are waiting for a leader here, retry shortly");
      return;
    }
    ++stats_.commands[spec->name].rejected_calls;
    reject("READONLY You can't write against a read only replica.");
    return;
  }
  if (client.in_multi && (spec->flags & kNoMulti) == 0) {
    std::vector<std::string> copy(args.begin(), args.end());
    client.queued.push_back(std::move(copy));
    reply.simple("QUEUED");
    return;
  }
  if (settings().maxmemory > 0 && (spec->flags & kDenyOom) != 0 && used_memory != nullptr &&
      used_memory() > settings().maxmemory && !evict_until_within_limit()) {
    ++stats_.commands[spec->name].rejected_calls;
    reject("OOM command not allowed when used memory > 'maxmemory'.");
    return;
  }
  call(client, *spec, args);
}

void Node::call(ClientState& client, const CommandSpec& spec, std::span<const std::string_view> args) {
  resp::ReplyWriter reply(client.output);
  reply.set_protocol(client.protocol);
  const std::size_t before = client.output.size();
  store_.set_access_tuning(settings().lfu_log_factor, settings().lfu_decay_time);
  const auto started = std::chrono::steady_clock::now();
  Call c{*this, client, args, reply};
  spec.handler(c);
  const auto usec = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  auto& stats = stats_.commands[spec.name];
  ++stats.calls;
  stats.usec += usec;
  ++stats_.total_commands_processed;
  if (client.output.size() > before && client.output[before] == '-') {
    ++stats.failed_calls;
    ++stats_.total_error_replies;
    const std::size_t end = client.output.find_first_of(" \r", before + 1);
    ++stats_.error_replies[client.output.substr(before + 1, end - before - 1)];
  }
  client.last_command = spec.name;
  after_write(client);
  record_slow(client, args, usec);
}

void Node::drain_ops() {
  ClientState none;
  after_write(none);
}

void Node::after_write(ClientState& client) {
  auto ops = store_.take_ops();
  if (ops.empty()) return store_.recycle_ops(std::move(ops));
  if (region_propose) {
    // The region log carries this command's ops to the other nodes, which apply them when
    // committed. With region-ack quorum the client's replies wait for that commit.
    const auto origin = crdt::RegionId{static_cast<std::uint8_t>(settings().region_id)};
    const auto index = region_propose(crdt::encode_batch(origin, 0, ops));
    if (index) client.last_proposed_index = *index;
    if (index && settings().region_ack == Settings::RegionAck::kQuorum && *index > region_commit) {
      client.wait_for_commit = std::max(client.wait_for_commit, *index);
    }
  }
  stats_.crdt_ops_emitted += ops.size();
  for (const auto& op : ops) {
    if (op.kind == crdt::OpKind::kExpired) ++stats_.expired_keys;
    if (watchers_.empty()) continue;
    if (op.kind == crdt::OpKind::kFlushDatabase) {
      touch_database(op.database);
    } else {
      touch_key(op.database, op.key);
    }
  }
  store_.recycle_ops(std::move(ops));
}

void Node::apply_region_batch(std::string_view entry) {
  // An entry is one or more op batches, each after its length (u32, little-endian).
  while (!entry.empty()) {
    if (entry.size() < 4) {
      log_line(LogLevel::kWarning, "Region log entry refused: a batch length is cut short");
      return;
    }
    std::uint32_t length = 0;
    for (int i = 3; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(entry[static_cast<std::size_t>(i)]);
    if (entry.size() - 4 < length) {
      log_line(LogLevel::kWarning, "Region log entry refused: a batch is longer than the entry");
      return;
    }
    apply_one_region_batch(entry.substr(4, length));
    entry.remove_prefix(4 + length);
  }
}

void Node::lose_region_proposals(std::uint64_t index) {
  std::vector<std::uint64_t> victims;
  for (auto& [id, client] : clients_) {
    if (client->wait_for_commit >= index) victims.push_back(id);
  }
  for (std::uint64_t id : victims) {
    const auto it = clients_.find(id);
    if (it == clients_.end()) continue;
    ClientState& client = *it->second;
    client.output.clear();
    client.wait_for_commit = 0;
    client.close_after_reply = true;
    if (client.wake) client.wake();
  }
}

void Node::apply_one_region_batch(std::string_view payload) {
  auto batch = crdt::decode_batch(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(payload.data()), payload.size()));
  if (!batch.ok()) {
    log_line(LogLevel::kWarning, "Region log entry refused: not an op batch this node can read");
    return;
  }
  crdt::Stamp last;
  crdt::StampVector context;
  for (const crdt::Op& op : batch.value().ops) {
    last = std::max(last, op.stamp);
    if (on_committed_batch) context.join(op.context);
    // The leader made these ops itself and has them already: receive() skips them.
    if (!store_.replica().receive(op, store_.now_ms())) continue;
    ++stats_.crdt_ops_received;
    if (op.kind == crdt::OpKind::kExpired) ++stats_.expired_keys;
    if (watchers_.empty()) continue;
    if (op.kind == crdt::OpKind::kFlushDatabase) {
      touch_database(op.database);
    } else {
      touch_key(op.database, op.key);
    }
  }
  if (on_committed_batch && !last.is_zero()) on_committed_batch(batch.value().origin, last, context, payload);
}

void Node::deliver_published(std::string_view channel, std::string_view message) {
  pubsub_.publish(channel, message);
  ++stats_.pubsub_messages;
}

Node::ForwardedOutcome Node::run_forwarded(std::uint32_t db, int protocol,
                                          std::span<const std::string_view> args) {
  ClientState forwarded;  // stands for the follower's client: its database and protocol
  forwarded.db = db < store_.databases() ? db : 0;
  forwarded.protocol = protocol == 3 ? 3 : 2;
  forwarded.authenticated = true;  // the follower has checked it; the peer link is mutual TLS
  forwarded.name = "forwarded";
  execute(forwarded, args);
  return ForwardedOutcome{std::move(forwarded.output), forwarded.last_proposed_index};
}

void Node::complete_forwarded(std::uint64_t request_id, std::string_view reply, std::uint64_t log_index) {
  const auto pending = forwarded_.find(request_id);
  if (pending == forwarded_.end()) return;  // answered already (a timeout), or unknown
  const std::uint64_t client_id = pending->second;
  forwarded_.erase(pending);
  const auto it = clients_.find(client_id);
  if (it == clients_.end()) return;  // the client left meanwhile
  ClientState& client = *it->second;
  client.output.append(reply);
  // Read your writes: the reply waits until this node has applied the write's entry.
  if (log_index > region_commit) client.wait_for_commit = std::max(client.wait_for_commit, log_index);
  client.blocked = false;
  if (client.resume) client.resume();
}

void Node::check_waiters() {
  if (waiters_.empty()) return;
  const std::uint64_t now = store_.now_ms();
  std::vector<std::pair<std::uint64_t, std::size_t>> done;  // client id, replicas
  std::erase_if(waiters_, [&](const Waiter& w) {
    const std::size_t have = region_replicas_at ? region_replicas_at(w.index) : 0;
    if (have < w.replicas && (w.deadline_ms == 0 || now < w.deadline_ms)) return false;
    done.emplace_back(w.client_id, have);
    return true;
  });
  for (const auto& [id, have] : done) {
    const auto it = clients_.find(id);
    if (it == clients_.end()) continue;
    ClientState& client = *it->second;
    resp::ReplyWriter(client.output).integer(static_cast<long long>(have));
    client.blocked = false;
    if (client.resume) client.resume();
  }
}

void Node::clear_for_region_rebuild() {
  store_.replica().clear_keyspace();
  for (std::uint32_t db = 0; db < store_.databases(); ++db) touch_database(db);  // WATCH sees it
}

std::optional<std::string> Node::take_region_snapshot(std::uint64_t snapshot_id, std::string* error) const {
  const KeyspaceSnapshotOrigin origin{static_cast<std::uint8_t>(settings().region_id), 0, snapshot_id};
  auto encoded = encode_keyspace_snapshot(store_.replica().keyspace(), origin);
  if (encoded.index() == 1) {
    *error = std::get<1>(encoded);
    return std::nullopt;
  }
  return std::move(std::get<0>(encoded));
}

std::string Node::restore_region_snapshot(std::string_view data) {
  // A fresh hash seed: the writer scanned its tables in bucket order, and inserting keys in the
  // bucket order of a table with the same seed clusters an open-addressing table so badly that
  // 1.5 million keys took minutes instead of seconds (measured: tests/node/region_snapshot_test.cc).
  std::random_device random;
  const std::uint64_t seed = (std::uint64_t{random()} << 32) ^ random();
  auto decoded = decode_keyspace_snapshot(data, seed);
  if (auto* refused = std::get_if<std::string>(&decoded)) return *refused;
  if (std::get<crdt::Keyspace>(decoded).database_count() != store_.databases()) {
    return "it has " + std::to_string(std::get<crdt::Keyspace>(decoded).database_count()) +
           " databases, this node " + std::to_string(store_.databases());
  }
  store_.replica().restore_keyspace(std::move(std::get<crdt::Keyspace>(decoded)));
  for (std::uint32_t db = 0; db < store_.databases(); ++db) touch_database(db);  // WATCH sees it
  return {};
}

void Node::on_region_progress(std::uint64_t commit, bool leader) {
  const bool deposed = region_leader_ && !leader;
  region_leader_ = leader;
  region_commit = commit;
  store_.set_may_write(leader);
  // Collected first: waking a client may close it, which removes it from clients_.
  std::vector<ClientState*> waiting;
  for (auto& [id, client] : clients_) {
    if (client->wait_for_commit != 0) waiting.push_back(client);
  }
  for (ClientState* client : waiting) {  // no wake here: nothing is closed in this loop
    if (client->wait_for_commit <= commit) {
      client->wait_for_commit = 0;
    } else if (deposed) {
      // Its write may never commit now: drop the held replies (they would claim success) and
      // close the connection, as a failover does in Redis; the client retries on the leader.
      client->output.clear();
      client->wait_for_commit = 0;
      client->close_after_reply = true;
    } else {
      continue;
    }
  }
  std::vector<std::uint64_t> to_wake;
  for (ClientState* client : waiting) {
    if (client->wait_for_commit == 0) to_wake.push_back(client->id);
  }
  for (std::uint64_t id : to_wake) {
    const auto it = clients_.find(id);  // still connected (an earlier wake may have closed it)
    if (it != clients_.end() && it->second->wake) it->second->wake();
  }
  check_waiters();
}

void Node::record_slow(const ClientState& client, std::span<const std::string_view> args, std::uint64_t usec) {
  const auto latency_threshold = settings().latency_monitor_threshold;
  if (latency_threshold > 0 && usec / 1000 >= static_cast<std::uint64_t>(latency_threshold)) {
    LatencyEvent& event = latency_events_["command"];
    const std::uint64_t ms = usec / 1000;
    const std::uint64_t now_s = store_.now_ms() / 1000;
    if (!event.history.empty() && event.history.back().first == now_s) {
      event.history.back().second = std::max(event.history.back().second, ms);
    } else {
      event.history.emplace_back(now_s, ms);
      if (event.history.size() > 160) event.history.pop_front();  // Redis keeps 160 samples
    }
    event.max_ms = std::max(event.max_ms, ms);
  }
  const long long threshold = settings().slowlog_log_slower_than;
  if (threshold < 0 || usec < static_cast<std::uint64_t>(threshold)) return;
  SlowLogEntry entry;
  entry.id = slowlog_next_id_++;
  entry.unix_seconds = store_.now_ms() / 1000;
  entry.duration_us = usec;
  // Like Redis: at most 32 arguments, each at most 128 bytes, with what was left out counted.
  const std::size_t shown = std::min<std::size_t>(args.size(), 32);
  for (std::size_t i = 0; i < shown; ++i) {
    if (i == 31 && args.size() > 32) {
      entry.args.push_back("... (" + std::to_string(args.size() - 31) + " more arguments)");
      break;
    }
    if (args[i].size() > 128) {
      entry.args.push_back(std::string(args[i].substr(0, 128)) + "... (" +
                           std::to_string(args[i].size() - 128) + " more bytes)");
    } else {
      entry.args.emplace_back(args[i]);
    }
  }
  entry.client_address = client.address;
  entry.client_name = client.name;
  slowlog_.push_front(std::move(entry));
  const auto max_len = static_cast<std::size_t>(std::max<long long>(0, settings().slowlog_max_len));
  while (slowlog_.size() > max_len) slowlog_.pop_back();
}

void Node::watch(ClientState& client, std::uint32_t db, const std::string& key) {
  for (const auto& [d, k] : client.watched) {
    if (d == db && k == key) return;
  }
  client.watched.emplace_back(db, key);
  watchers_[watch_key(db, key)].push_back(&client);
}

void Node::unwatch_all(ClientState& client) {
  for (const auto& [db, key] : client.watched) {
    auto it = watchers_.find(watch_key(db, key));
    if (it == watchers_.end()) continue;
    std::erase(it->second, &client);
    if (it->second.empty()) watchers_.erase(it);
  }
  client.watched.clear();
  client.dirty_cas = false;
}

void Node::touch_key(std::uint32_t db, const std::string& key) {
  if (watchers_.empty()) return;
  auto it = watchers_.find(watch_key(db, key));
  if (it == watchers_.end()) return;
  for (ClientState* c : it->second) c->dirty_cas = true;
}

void Node::touch_database(std::uint32_t db) {
  for (auto& [id, client] : clients_) {
    for (const auto& [d, key] : client->watched) {
      if (d == db) client->dirty_cas = true;
    }
  }
}

}  // namespace tern::node
