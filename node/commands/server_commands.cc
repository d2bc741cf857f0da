// Server commands: INFO, CONFIG, DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, COMMAND, SLOWLOG,
// LATENCY, MEMORY, OBJECT, SHUTDOWN, LASTSAVE, SAVE/BGSAVE (refused: no persistence).
#include <sys/time.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "crdt/number_text.h"
#include "node/command_docs.h"
#include "node/command_table.h"
#include "node/commands/arguments.h"
#include "node/commands/encoding.h"
#include "node/commands/info_report.h"
#include "node/commands/key_iteration.h"
#include "node/glob_match.h"
#include "node/log.h"
#include "node/node.h"

namespace tern::node {
namespace {

void info(Call& call) {
  std::vector<std::string> sections;
  for (std::size_t i = 1; i < call.args.size(); ++i) sections.push_back(lower_case(call.args[i]));
  call.reply.verbatim(info_report(call.node, sections));
}

void dbsize(Call& call) {
  std::size_t n = 0;
  for_each_live_key(call.node.store(), call.client.db, [&](std::string_view, const crdt::KeyState&) { ++n; });
  call.reply.integer(static_cast<long long>(n));
}

bool flush_mode_ok(Call& call) {
  if (call.args.size() > 2) return reply_syntax_error(call), false;
  if (call.args.size() == 2 && !equals_ignore_case(call.args[1], "ASYNC") && !equals_ignore_case(call.args[1], "SYNC")) {
    reply_syntax_error(call);
    return false;
  }
  return true;
}

void flushdb(Call& call) {
  if (!flush_mode_ok(call)) return;
  auto& store = call.node.store();
  store.replica().flush_database(call.client.db, store.now_ms());
  call.reply.simple("OK");
}

void flushall(Call& call) {
  if (!flush_mode_ok(call)) return;
  auto& store = call.node.store();
  for (std::uint32_t db = 0; db < store.databases(); ++db) {
    if (!store.replica().keyspace().database(db).empty()) store.replica().flush_database(db, store.now_ms());
  }
  call.reply.simple("OK");
}

void swapdb(Call& call) {
  // Swapping whole databases is not an operation the CRDT core can replicate as one op.
  call.reply.error("ERR SWAPDB is not supported by tern (databases are replicated key by key)");
}

void time_command(Call& call) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  call.reply.array(2);
  call.reply.bulk(std::to_string(tv.tv_sec));
  call.reply.bulk(std::to_string(tv.tv_usec));
}

void lastsave(Call& call) { call.reply.integer(static_cast<long long>(call.node.start_unix_ms() / 1000)); }

void save(Call& call) {
  call.reply.error("ERR tern keeps no snapshot files (no persistence); data survives in the other nodes and regions");
}

void config(Call& call) {
  const std::string sub = lower_case(call.args[1]);
  Config& cfg = call.node.config();
  if (sub == "get" && call.args.size() >= 3) {
    std::vector<std::pair<std::string, std::string>> found;
    for (std::size_t i = 2; i < call.args.size(); ++i) {
      for (auto& kv : cfg.get(call.args[i])) {
        if (std::find(found.begin(), found.end(), kv) == found.end()) found.push_back(std::move(kv));
      }
    }
    call.reply.map(found.size());
    for (const auto& [name, value] : found) {
      call.reply.bulk(name);
      call.reply.bulk(value);
    }
    return;
  }
  if (sub == "set" && call.args.size() >= 4 && call.args.size() % 2 == 0) {
    std::vector<std::pair<std::string, std::string>> changes;
    for (std::size_t i = 2; i + 1 < call.args.size(); i += 2) {
      changes.emplace_back(lower_case(call.args[i]), std::string(call.args[i + 1]));
    }
    const Config before = cfg;
    if (auto error = cfg.set(changes)) return call.reply.error(error->message);
    // Any tls-* change rebuilds the client TLS context from the files, as Redis does (so setting
    // tls-cert-file to the same path re-reads a rotated file). A context that cannot be built
    // undoes the whole CONFIG SET: the old settings and the old context stay.
    const auto tls_change = std::find_if(changes.begin(), changes.end(),
                                         [](const auto& change) { return change.first.starts_with("tls-"); });
    if (tls_change != changes.end() && call.node.client_tls_reload) {
      if (std::string problem = call.node.client_tls_reload(); !problem.empty()) {
        cfg = before;
        log_line(LogLevel::kWarning, "CONFIG SET " + tls_change->first + ": " + problem);
        return call.reply.error("ERR CONFIG SET failed (possibly related to argument '" + tls_change->first +
                                "') - Unable to update TLS configuration: " + problem);
      }
      log_line(LogLevel::kNotice, "CONFIG SET " + tls_change->first + ": client TLS context rebuilt");
    }
    configure_log(call.node.settings().loglevel, call.node.settings().logfile);
    return call.reply.simple("OK");
  }
  if (sub == "resetstat" && call.args.size() == 2) {
    call.node.stats().reset();
    call.node.slowlog().clear();
    return call.reply.simple("OK");
  }
  if (sub == "rewrite" && call.args.size() == 2) {
    if (call.node.config_file.empty()) return call.reply.error("ERR The server is running without a config file");
    std::ifstream in(call.node.config_file);
    std::stringstream original;
    original << in.rdbuf();
    const std::string text = cfg.rewrite(original.str());
    const std::string temp = call.node.config_file + ".tmp";
    {
      std::ofstream out(temp, std::ios::trunc);
      out << text;
      if (!out) return call.reply.error("ERR Rewriting config file: cannot write " + temp);
    }
    if (std::rename(temp.c_str(), call.node.config_file.c_str()) != 0) {
      return call.reply.error("ERR Rewriting config file: cannot replace " + call.node.config_file);
    }
    log_line(LogLevel::kNotice, "CONFIG REWRITE executed with success.");
    return call.reply.simple("OK");
  }
  reply_subcommand_error(call, {"get", "set", "resetstat", "rewrite", "help"});
}

void reply_flags(Call& call, const CommandSpec& spec) {
  std::vector<std::string_view> flags;
  if (spec.flags & kWrite) flags.push_back("write");
  if (spec.flags & kReadOnly) flags.push_back("readonly");
  if (spec.flags & kDenyOom) flags.push_back("denyoom");
  if (spec.flags & kAdmin) flags.push_back("admin");
  if (spec.flags & kPubSub) flags.push_back("pubsub");
  if (spec.flags & kNoAuth) flags.push_back("no_auth");
  if (spec.flags & kFast) flags.push_back("fast");
  if (spec.flags & kNoMulti) flags.push_back("no_multi");
  call.reply.set(flags.size());
  for (auto f : flags) call.reply.simple(f);
}

void reply_command_info(Call& call, const CommandSpec& spec) {
  call.reply.array(10);
  call.reply.bulk(spec.name);
  call.reply.integer(spec.arity);
  reply_flags(call, spec);
  call.reply.integer(spec.first_key);
  call.reply.integer(spec.last_key);
  call.reply.integer(spec.key_step);
  call.reply.set(1);
  call.reply.simple(std::string("@") + std::string(spec.group));
  call.reply.set(0);  // tips
  call.reply.set(0);  // key specs
  call.reply.array(0);  // subcommands
}

// One command's (or subcommand's) COMMAND DOCS map: summary, since, group, and arguments when
// it takes any, which is what redis-cli builds its help and hints from (node/command_docs.h).
void reply_docs_map(Call& call, std::string_view summary, std::string_view group,
                    std::span<const ArgumentDoc> arguments, std::size_t extra_fields) {
  call.reply.map(3 + static_cast<std::size_t>(!arguments.empty()) + extra_fields);
  call.reply.bulk("summary");
  call.reply.bulk(summary);
  call.reply.bulk("since");
  call.reply.bulk("1.0.0");
  call.reply.bulk("group");
  call.reply.bulk(group);
  if (!arguments.empty()) {
    call.reply.bulk("arguments");
    reply_argument_docs(call.reply, arguments);
  }
}

void reply_command_docs(Call& call, const CommandSpec& spec) {
  const CommandDocs* docs = find_command_docs(spec.name);
  if (docs == nullptr) return reply_docs_map(call, spec.summary, spec.group, {}, 0);
  const bool container = !docs->subcommands.empty();
  reply_docs_map(call, spec.summary, spec.group, docs->arguments, container ? 1 : 0);
  if (!container) return;
  call.reply.bulk("subcommands");
  call.reply.map(docs->subcommands.size());
  for (const SubcommandDocs& sub : docs->subcommands) {
    call.reply.bulk(sub.name);
    reply_docs_map(call, sub.summary, spec.group, sub.arguments, 0);
  }
}

void command(Call& call) {
  const auto& table = call.node.commands();
  if (call.args.size() == 1) {
    call.reply.array(table.all().size());
    for (const CommandSpec* spec : table.all()) reply_command_info(call, *spec);
    return;
  }
  const std::string sub = lower_case(call.args[1]);
  if (sub == "count" && call.args.size() == 2) return call.reply.integer(static_cast<long long>(table.all().size()));
  if (sub == "info") {
    if (call.args.size() == 2) {
      call.reply.array(table.all().size());
      for (const CommandSpec* spec : table.all()) reply_command_info(call, *spec);
      return;
    }
    call.reply.array(call.args.size() - 2);
    for (std::size_t i = 2; i < call.args.size(); ++i) {
      const CommandSpec* spec = table.find(call.args[i]);
      if (spec == nullptr) call.reply.null();
      else reply_command_info(call, *spec);
    }
    return;
  }
  if (sub == "docs") {
    std::vector<const CommandSpec*> specs;
    if (call.args.size() == 2) {
      specs = table.all();
    } else {
      for (std::size_t i = 2; i < call.args.size(); ++i) {
        if (const CommandSpec* spec = table.find(call.args[i])) specs.push_back(spec);
      }
    }
    call.reply.map(specs.size());
    for (const CommandSpec* spec : specs) {
      call.reply.bulk(spec->name);
      reply_command_docs(call, *spec);
    }
    return;
  }
  if (sub == "list") {
    call.reply.array(table.all().size());
    for (const CommandSpec* spec : table.all()) call.reply.bulk(spec->name);
    return;
  }
  if (sub == "getkeys" && call.args.size() >= 3) {
    const CommandSpec* spec = table.find(call.args[2]);
    if (spec == nullptr) return call.reply.error("ERR Invalid command specified");
    const long argc = static_cast<long>(call.args.size()) - 2;
    if ((spec->arity > 0 && argc != spec->arity) || (spec->arity < 0 && argc < -spec->arity)) {
      return call.reply.error("ERR Invalid number of arguments specified for command");
    }
    if (spec->first_key == 0) return call.reply.error("ERR The command has no key arguments");
    std::vector<std::string_view> keys;
    const long last = spec->last_key < 0 ? argc + spec->last_key : spec->last_key;
    for (long i = spec->first_key; i <= last; i += spec->key_step) keys.push_back(call.args[static_cast<std::size_t>(i) + 2]);
    call.reply.array(keys.size());
    for (auto k : keys) call.reply.bulk(k);
    return;
  }
  reply_subcommand_error(call, {"count", "info", "docs", "list", "getkeys", "help"});
}

void slowlog(Call& call) {
  const std::string sub = lower_case(call.args[1]);
  auto& log = call.node.slowlog();
  if (sub == "len" && call.args.size() == 2) return call.reply.integer(static_cast<long long>(log.size()));
  if (sub == "reset" && call.args.size() == 2) {
    log.clear();
    return call.reply.simple("OK");
  }
  if (sub == "get" && call.args.size() <= 3) {
    long long count = 10;
    if (call.args.size() == 3) {
      if (!integer_argument(call, call.args[2], &count)) return;
      if (count < -1) return call.reply.error("ERR count should be greater than or equal to -1");
      if (count == -1) count = static_cast<long long>(log.size());
    }
    const std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(count), log.size());
    call.reply.array(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& e = log[i];
      call.reply.array(6);
      call.reply.integer(static_cast<long long>(e.id));
      call.reply.integer(static_cast<long long>(e.unix_seconds));
      call.reply.integer(static_cast<long long>(e.duration_us));
      call.reply.array(e.args.size());
      for (const auto& a : e.args) call.reply.bulk(a);
      call.reply.bulk(e.client_address);
      call.reply.bulk(e.client_name);
    }
    return;
  }
  reply_subcommand_error(call, {"get", "len", "reset", "help"});
}

void latency(Call& call) {
  const std::string sub = lower_case(call.args[1]);
  auto& events = call.node.latency_events();
  if (sub == "latest" && call.args.size() == 2) {
    call.reply.array(events.size());
    for (const auto& [name, event] : events) {
      call.reply.array(4);
      call.reply.bulk(name);
      call.reply.integer(static_cast<long long>(event.history.back().first));
      call.reply.integer(static_cast<long long>(event.history.back().second));
      call.reply.integer(static_cast<long long>(event.max_ms));
    }
    return;
  }
  if (sub == "history" && call.args.size() == 3) {
    auto it = events.find(std::string(call.args[2]));
    if (it == events.end()) return call.reply.array(0);
    call.reply.array(it->second.history.size());
    for (const auto& [when, ms] : it->second.history) {
      call.reply.array(2);
      call.reply.integer(static_cast<long long>(when));
      call.reply.integer(static_cast<long long>(ms));
    }
    return;
  }
  if (sub == "reset") {
    long long reset = 0;
    if (call.args.size() == 2) {
      reset = static_cast<long long>(events.size());
      events.clear();
    } else {
      for (std::size_t i = 2; i < call.args.size(); ++i) reset += static_cast<long long>(events.erase(std::string(call.args[i])));
    }
    return call.reply.integer(reset);
  }
  reply_subcommand_error(call, {"latest", "reset", "history", "help"});
}

// Approximate bytes of a key: its name, its visible payload and its CRDT metadata.
std::size_t key_memory(const std::string& key, const crdt::KeyState& state) {
  std::size_t bytes = 64 + key.size() + state.metadata_bytes();
  switch (state.type()) {
    case crdt::ValueType::kString: bytes += state.string_register().read().text.size(); break;
    case crdt::ValueType::kHash:
      for (const auto& [f, v] : state.hash_fields()) bytes += f.size() + v.size() + 16;
      break;
    case crdt::ValueType::kSet:
      for (const auto& m : state.set_members()) bytes += m.size() + 16;
      break;
    case crdt::ValueType::kSortedSet:
      for (const auto& [m, s] : state.sorted_set_members()) bytes += m.size() + 24;
      break;
    case crdt::ValueType::kNone: break;
  }
  return bytes;
}

void memory(Call& call) {
  const std::string sub = lower_case(call.args[1]);
  if (sub == "usage" && call.args.size() >= 3) {
    for (std::size_t i = 3; i < call.args.size(); ++i) {
      if (equals_ignore_case(call.args[i], "SAMPLES") && i + 1 < call.args.size()) {
        long long samples = 0;
        if (!integer_argument(call, call.args[++i], &samples)) return;
      } else {
        return reply_syntax_error(call);
      }
    }
    const std::string key(call.args[2]);
    const crdt::KeyState* state = lookup(call, key, false);
    if (state == nullptr) return call.reply.null();
    return call.reply.integer(static_cast<long long>(key_memory(key, *state)));
  }
  reply_subcommand_error(call, {"usage", "help"});
}

void object(Call& call) {
  const std::string sub = lower_case(call.args[1]);
  if (call.args.size() != 3 || (sub != "encoding" && sub != "refcount" && sub != "idletime" && sub != "freq")) {
    return reply_subcommand_error(call, {"encoding", "refcount", "idletime", "freq", "help"});
  }
  // Like Redis's LOOKUP_NOTOUCH: inspecting a key does not count as an access.
  const crdt::KeyState* state = call.node.store().peek(call.client.db, std::string(call.args[2]));
  if (state == nullptr) return call.reply.null();
  const MaxmemoryPolicy policy = call.node.settings().maxmemory_policy;
  const bool lfu = policy == MaxmemoryPolicy::kAllkeysLfu || policy == MaxmemoryPolicy::kVolatileLfu;
  if (sub == "refcount") return call.reply.integer(1);
  if (sub == "idletime") {
    if (lfu) {
      return call.reply.error(
          "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching "
          "between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    const std::uint64_t now = call.node.store().now_ms();
    const std::uint64_t last = state->last_access_ms();
    return call.reply.integer(static_cast<long long>(now > last ? (now - last) / 1000 : 0));
  }
  if (sub == "freq") {
    if (!lfu) {
      return call.reply.error(
          "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when "
          "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    }
    return call.reply.integer(state->access_frequency(call.node.store().now_ms(), call.node.settings().lfu_decay_time));
  }
  call.reply.bulk(encoding_name(call, *state));
}

void shutdown(Call& call) {
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    const std::string a = lower_case(call.args[i]);
    if (a != "nosave" && a != "save" && a != "now" && a != "force" && a != "abort") return reply_syntax_error(call);
    if (a == "abort") return call.reply.error("ERR No shutdown in progress.");
  }
  log_line(LogLevel::kWarning, "User requested shutdown...");
  call.node.request_shutdown();
  call.client.close_after_reply = true;  // Redis closes the connection without a reply
}

// ROLE in Redis's shapes: the region's leader answers as a master listing the other nodes,
// a follower as a replica of the leader; a single-node region is a master without replicas.
void role(Call& call) {
  if (!call.node.region_report) {
    call.reply.array(3);
    call.reply.bulk("master");
    call.reply.integer(0);
    call.reply.array(0);
    return;
  }
  const RegionReport region = call.node.region_report();
  if (region.role == "leader") {
    call.reply.array(3);
    call.reply.bulk("master");
    call.reply.integer(static_cast<long long>(region.commit));
    std::size_t others = 0;
    for (const auto& n : region.nodes) others += n.self ? 0 : 1;
    call.reply.array(others);
    for (const auto& n : region.nodes) {
      if (n.self) continue;
      call.reply.array(3);
      call.reply.bulk(n.host);
      call.reply.bulk(std::to_string(n.port));
      call.reply.bulk(std::to_string(n.match));
    }
    return;
  }
  const RegionNodeReport* leader = nullptr;
  for (const auto& n : region.nodes) {
    if (n.name == region.leader) leader = &n;
  }
  call.reply.array(5);
  call.reply.bulk("slave");
  call.reply.bulk(leader ? leader->host : "?");
  call.reply.integer(leader ? leader->port : -1);
  call.reply.bulk(leader ? "connected" : "connect");
  call.reply.integer(static_cast<long long>(region.applied));
}

constexpr CommandSpec kCommands[] = {
    {"role", 1, kFast, 0, 0, 0, role, "server", "Returns the node's role in its region."},
    {"info", -1, kStale, 0, 0, 0, info, "server", "Returns information and statistics about the server."},
    {"config", -2, kAdmin, 0, 0, 0, config, "server", "Gets, sets, rewrites configuration."},
    {"dbsize", 1, kReadOnly | kFast, 0, 0, 0, dbsize, "server", "Returns the number of keys in the database."},
    {"flushdb", -1, kWrite, 0, 0, 0, flushdb, "server", "Removes all keys from the selected database."},
    {"flushall", -1, kWrite, 0, 0, 0, flushall, "server", "Removes all keys from all databases."},
    {"swapdb", 3, kWrite | kFast, 0, 0, 0, swapdb, "server", "Not supported: refused with an error."},
    {"time", 1, kFast, 0, 0, 0, time_command, "server", "Returns the server time."},
    {"lastsave", 1, kFast, 0, 0, 0, lastsave, "server", "Returns the server's start time (no saves)."},
    {"save", 1, kAdmin | kNoMulti, 0, 0, 0, save, "server", "Refused: tern has no persistence."},
    {"bgsave", -1, kAdmin, 0, 0, 0, save, "server", "Refused: tern has no persistence."},
    {"command", -1, kStale, 0, 0, 0, command, "server", "Returns information about commands."},
    {"slowlog", -2, kAdmin, 0, 0, 0, slowlog, "server", "Reads or resets the slow log."},
    {"latency", -2, kAdmin, 0, 0, 0, latency, "server", "Latency monitor: command latency spikes above latency-monitor-threshold."},
    {"memory", -2, kReadOnly, 0, 0, 0, memory, "server", "Memory usage of a key."},
    {"object", -2, kReadOnly, 2, 2, 1, object, "generic", "Inspects a key's internals."},
    {"shutdown", -1, kAdmin | kNoMulti, 0, 0, 0, shutdown, "server", "Stops the server."},
};

}  // namespace

std::span<const CommandSpec> server_commands() { return kCommands; }

}  // namespace tern::node
