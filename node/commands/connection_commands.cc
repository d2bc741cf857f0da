// Connection commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET, CLIENT.
#include <algorithm>
#include <string>

#include "crdt/number_text.h"
#include "node/command_table.h"
#include "node/node.h"

namespace tern::node {
namespace {

constexpr std::string_view kCompatibleVersion = "7.0.15";  // the Redis version tern answers as
constexpr std::string_view kWrongPass = "WRONGPASS invalid username-password pair or user is disabled.";

bool parse_long(std::string_view text, long long* out) {
  auto v = crdt::parse_int64(text);
  if (!v) return false;
  *out = *v;
  return true;
}

bool password_matches(const Node& node, std::string_view user, std::string_view password) {
  const auto& required = node.settings().requirepass;
  if (user != "default") return false;
  return required.empty() || password == required;
}

void ping(Call& call) {
  if (call.args.size() > 2) return reply_wrong_arity(call);
  if (call.client.protocol == 2 && call.client.subscription_count() > 0) {
    call.reply.array(2);
    call.reply.bulk("pong");
    call.reply.bulk(call.args.size() == 2 ? call.args[1] : "");
    return;
  }
  if (call.args.size() == 2) return call.reply.bulk(call.args[1]);
  call.reply.simple("PONG");
}

void echo(Call& call) { call.reply.bulk(call.args[1]); }

void auth(Call& call) {
  if (call.args.size() > 3) return reply_syntax_error(call);
  const auto& required = call.node.settings().requirepass;
  if (call.args.size() == 2 && required.empty()) {
    return call.reply.error(
        "ERR AUTH <password> called without any password configured for the default user. Are you "
        "sure your configuration is correct?");
  }
  const std::string_view user = call.args.size() == 3 ? call.args[1] : "default";
  const std::string_view password = call.args.back();
  if (!password_matches(call.node, user, password)) return call.reply.error(kWrongPass);
  call.client.authenticated = true;
  call.reply.simple("OK");
}

void hello(Call& call) {
  int protocol = call.client.protocol;
  std::size_t i = 1;
  if (call.args.size() >= 2) {
    long long version = 0;
    if (!parse_long(call.args[1], &version)) {
      return call.reply.error("ERR Protocol version is not an integer or out of range");
    }
    if (version < 2 || version > 3) return call.reply.error("NOPROTO unsupported protocol version");
    protocol = static_cast<int>(version);
    i = 2;
  }
  std::string_view name;
  bool set_name = false;
  bool authenticated = call.client.authenticated;
  for (; i < call.args.size(); ++i) {
    const std::size_t left = call.args.size() - i - 1;
    if (equals_ignore_case(call.args[i], "AUTH") && left >= 2) {
      if (!password_matches(call.node, call.args[i + 1], call.args[i + 2])) return call.reply.error(kWrongPass);
      authenticated = true;
      i += 2;
    } else if (equals_ignore_case(call.args[i], "SETNAME") && left >= 1) {
      name = call.args[i + 1];
      set_name = true;
      ++i;
    } else {
      return call.reply.error("ERR Syntax error in HELLO option '" + std::string(call.args[i]) + "'");
    }
  }
  if (!authenticated && !call.node.settings().requirepass.empty()) {
    return call.reply.error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> "
        "AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol "
        "version at the same time");
  }
  if (set_name) {
    for (char c : name) {
      if (c < '!' || c > '~') return call.reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
    }
  }
  call.client.authenticated = authenticated;
  if (set_name) call.client.name = std::string(name);
  call.client.protocol = protocol;
  call.reply.set_protocol(protocol);
  call.reply.map(7);
  call.reply.bulk("server");
  call.reply.bulk("redis");
  call.reply.bulk("version");
  call.reply.bulk(kCompatibleVersion);
  call.reply.bulk("proto");
  call.reply.integer(protocol);
  call.reply.bulk("id");
  call.reply.integer(static_cast<long long>(call.client.id));
  call.reply.bulk("mode");
  call.reply.bulk("standalone");
  call.reply.bulk("role");
  call.reply.bulk("master");
  call.reply.bulk("modules");
  call.reply.array(0);
}

void select(Call& call) {
  long long index = 0;
  if (!parse_long(call.args[1], &index)) return reply_not_integer(call);
  if (index < 0 || index >= static_cast<long long>(call.node.store().databases())) {
    return call.reply.error("ERR DB index is out of range");
  }
  call.client.db = static_cast<std::uint32_t>(index);
  call.reply.simple("OK");
}

void quit(Call& call) {
  call.client.close_after_reply = true;
  call.reply.simple("OK");
}

void reset(Call& call) {
  ClientState& c = call.client;
  c.in_multi = false;
  c.multi_error = false;
  c.queued.clear();
  call.node.unwatch_all(c);
  call.node.pubsub().forget(c);
  c.db = 0;
  c.protocol = 2;
  c.name.clear();
  c.no_evict = false;
  c.authenticated = call.node.settings().requirepass.empty();
  call.reply.set_protocol(2);
  call.reply.simple("RESET");
}

std::string client_flags(const ClientState& c) {
  std::string flags;
  if (c.subscription_count() > 0) flags += 'P';
  if (c.in_multi) flags += 'x';
  if (c.close_after_reply) flags += 'c';
  if (c.no_evict) flags += 'e';
  if (flags.empty()) flags = "N";
  return flags;
}

std::string client_line(const Node& node, const ClientState& c, std::uint64_t now_ms) {
  const std::uint64_t age = now_ms > c.created_ms ? (now_ms - c.created_ms) / 1000 : 0;
  const std::uint64_t idle = now_ms > c.last_interaction_ms ? (now_ms - c.last_interaction_ms) / 1000 : 0;
  std::string line = "id=" + std::to_string(c.id) + " addr=" + c.address + " laddr=" + c.local_address +
                     " fd=" + std::to_string(c.fd) + " name=" + c.name + " age=" + std::to_string(age) +
                     " idle=" + std::to_string(idle) + " flags=" + client_flags(c) + " db=" + std::to_string(c.db) +
                     " sub=" + std::to_string(c.channels.size()) + " psub=" + std::to_string(c.patterns.size()) +
                     " ssub=0 multi=" + (c.in_multi ? std::to_string(c.queued.size()) : std::string("-1")) +
                     " qbuf=" + std::to_string(c.query_buffer_bytes) + " qbuf-free=0 argv-mem=0 multi-mem=0" +
                     " rbs=0 rbp=0 obl=0 oll=0 omem=" + std::to_string(c.output.size()) +
                     " tot-mem=" + std::to_string(c.output.capacity() + c.query_buffer_bytes) +
                     " events=r cmd=" + c.last_command + " user=default redir=-1 resp=" + std::to_string(c.protocol);
  (void)node;
  return line;
}

void client(Call& call) {
  const std::string sub = lower_case(call.args[1]);
  Node& node = call.node;
  ClientState& self = call.client;
  const std::size_t argc = call.args.size();
  if (sub == "id" && argc == 2) return call.reply.integer(static_cast<long long>(self.id));
  if (sub == "getname" && argc == 2) {
    if (self.name.empty()) return call.reply.null();
    return call.reply.bulk(self.name);
  }
  if (sub == "setname" && argc == 3) {
    for (char c : call.args[2]) {
      if (c < '!' || c > '~') {
        return call.reply.error("ERR Client names cannot contain spaces, newlines or special characters.");
      }
    }
    self.name = std::string(call.args[2]);
    return call.reply.simple("OK");
  }
  if (sub == "info" && argc == 2) {
    return call.reply.verbatim(client_line(node, self, node.store().now_ms()) + "\n");
  }
  if (sub == "list") {
    std::vector<std::uint64_t> ids;
    bool pubsub_only = false;
    bool normal_only = false;
    for (std::size_t i = 2; i < argc; ++i) {
      if (equals_ignore_case(call.args[i], "TYPE") && i + 1 < argc) {
        const std::string type = lower_case(call.args[++i]);
        if (type == "pubsub") pubsub_only = true;
        else if (type == "normal") normal_only = true;
        else if (type != "master" && type != "replica" && type != "slave") {
          return call.reply.error("ERR Unknown client type '" + std::string(call.args[i]) + "'");
        } else {
          return call.reply.verbatim("");
        }
      } else if (equals_ignore_case(call.args[i], "ID") && i + 1 < argc) {
        for (++i; i < argc; ++i) {
          long long id = 0;
          if (!parse_long(call.args[i], &id) || id <= 0) return call.reply.error("ERR Invalid client ID");
          ids.push_back(static_cast<std::uint64_t>(id));
        }
      } else {
        return reply_syntax_error(call);
      }
    }
    std::string text;
    for (const auto& [id, c] : node.clients()) {
      if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
      const bool is_pubsub = c->subscription_count() > 0;
      if ((pubsub_only && !is_pubsub) || (normal_only && is_pubsub)) continue;
      text += client_line(node, *c, node.store().now_ms()) + "\n";
    }
    return call.reply.verbatim(text);
  }
  if (sub == "kill" && argc >= 3) {
    // Victims are collected first: waking one closes it, which changes node.clients(). The
    // calling client is not woken: it closes after this reply, as in Redis.
    const auto kill = [&](const std::vector<ClientState*>& victims) {
      for (ClientState* c : victims) c->close_after_reply = true;
      for (ClientState* c : victims) {
        if (c != &self && c->wake) c->wake();
      }
    };
    if (argc == 3) {  // old form: CLIENT KILL ip:port
      for (const auto& [id, c] : node.clients()) {
        if (c->address == call.args[2]) {
          call.reply.simple("OK");
          kill({c});
          return;
        }
      }
      return call.reply.error("ERR No such client");
    }
    if ((argc - 2) % 2 != 0) return reply_syntax_error(call);
    std::uint64_t id_filter = 0;
    std::string addr, laddr;
    bool skip_me = true;
    for (std::size_t i = 2; i + 1 < argc; i += 2) {
      const std::string opt = lower_case(call.args[i]);
      const std::string_view value = call.args[i + 1];
      long long n = 0;
      if (opt == "id") {
        if (!parse_long(value, &n) || n <= 0) return call.reply.error("ERR client-id should be greater than 0");
        id_filter = static_cast<std::uint64_t>(n);
      } else if (opt == "addr") {
        addr = std::string(value);
      } else if (opt == "laddr") {
        laddr = std::string(value);
      } else if (opt == "skipme") {
        if (equals_ignore_case(value, "yes")) skip_me = true;
        else if (equals_ignore_case(value, "no")) skip_me = false;
        else return reply_syntax_error(call);
      } else if (opt == "user") {
        if (value != "default") return call.reply.error("ERR No such user '" + std::string(value) + "'");
      } else if (opt == "type") {
        const std::string type = lower_case(value);
        if (type != "normal" && type != "pubsub" && type != "master" && type != "replica" && type != "slave") {
          return call.reply.error("ERR Unknown client type '" + std::string(value) + "'");
        }
      } else {
        return reply_syntax_error(call);
      }
    }
    std::vector<ClientState*> victims;
    for (const auto& [id, c] : node.clients()) {
      if (id_filter != 0 && id != id_filter) continue;
      if (!addr.empty() && c->address != addr) continue;
      if (!laddr.empty() && c->local_address != laddr) continue;
      if (skip_me && c == &self) continue;
      victims.push_back(c);
    }
    call.reply.integer(static_cast<long long>(victims.size()));
    kill(victims);
    return;
  }
  if (sub == "no-evict" && argc == 3) {
    if (equals_ignore_case(call.args[2], "on")) self.no_evict = true;
    else if (equals_ignore_case(call.args[2], "off")) self.no_evict = false;
    else return reply_syntax_error(call);
    return call.reply.simple("OK");
  }
  if (sub == "help" && argc == 2) {
    static constexpr std::string_view kHelp[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GETNAME", "    Return the name of the current connection.",
        "ID", "    Return the ID of the current connection.",
        "INFO", "    Return information about the current client connection.",
        "KILL <ip:port>", "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are: ID, ADDR, LADDR, USER, TYPE, SKIPME.",
        "LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <id> [<id> ...]]", "    Return information about client connections.",
        "NO-EVICT (ON|OFF)", "    Accepted; tern never evicts clients.",
        "SETNAME <name>", "    Assign the name <name> to the current connection.",
        "HELP", "    Print this help."};
    call.reply.array(std::size(kHelp));
    for (auto line : kHelp) call.reply.simple(line);
    return;
  }
  reply_subcommand_error(call, {"id", "getname", "setname", "info", "list", "kill", "no-evict", "help"});
}

constexpr CommandSpec kCommands[] = {
    {"ping", -1, kFast | kSubscribeContext, 0, 0, 0, ping, "connection", "Checks the connection."},
    {"echo", 2, kFast, 0, 0, 0, echo, "connection", "Returns the given message."},
    {"auth", -2, kNoAuth | kFast | kNoMulti, 0, 0, 0, auth, "connection", "Authenticates the connection."},
    {"hello", -1, kNoAuth | kFast | kNoMulti, 0, 0, 0, hello, "connection", "Chooses RESP2 or RESP3, authenticates, names the connection."},
    {"select", 2, kFast, 0, 0, 0, select, "connection", "Changes the selected database."},
    {"quit", -1, kNoAuth | kFast | kNoMulti | kSubscribeContext, 0, 0, 0, quit, "connection", "Closes the connection."},
    {"reset", 1, kNoAuth | kFast | kNoMulti | kSubscribeContext, 0, 0, 0, reset, "connection", "Resets the connection."},
    {"client", -2, kAdmin, 0, 0, 0, client, "connection", "Client connection management."},
};

}  // namespace

std::span<const CommandSpec> connection_commands() { return kCommands; }

}  // namespace tern::node
