// Syntax lines and their parser (see command_docs.h for the notation).
//
// The parser works in three passes over one line: lexing into words and the marks [ ] < > |
// ...; a recursive descent into a tree of words and groups; and lowering that tree into
// ArgumentDocs, which is where repeats are matched against the items before them and tokens
// are attached to what follows them. Errors name the offending word and its offset.
#include "node/command_docs.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <utility>

namespace tern::node {
namespace {

// ---------------------------------------------------------------------------------------------
// Lexing

enum class LexemeKind : std::uint8_t {
  kWord,
  kOpenOptional,   // [
  kCloseOptional,  // ]
  kOpenRequired,   // <
  kCloseRequired,  // >
  kBar,            // |
  kEllipsis,       // ...
};

struct Lexeme {
  LexemeKind kind;
  std::string_view text;
  std::size_t offset;
};

bool is_mark(char c) { return c == '[' || c == ']' || c == '<' || c == '>' || c == '|'; }

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::vector<Lexeme> lex(std::string_view line) {
  std::vector<Lexeme> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (is_space(c)) {
      ++i;
    } else if (is_mark(c)) {
      const LexemeKind kind = c == '['   ? LexemeKind::kOpenOptional
                              : c == ']' ? LexemeKind::kCloseOptional
                              : c == '<' ? LexemeKind::kOpenRequired
                              : c == '>' ? LexemeKind::kCloseRequired
                                         : LexemeKind::kBar;
      out.push_back({kind, line.substr(i, 1), i});
      ++i;
    } else if (line.substr(i, 3) == "...") {
      out.push_back({LexemeKind::kEllipsis, line.substr(i, 3), i});
      i += 3;
    } else {
      const std::size_t start = i;
      while (i < line.size() && !is_space(line[i]) && !is_mark(line[i]) &&
             line.substr(i, 3) != "...") {
        ++i;
      }
      out.push_back({LexemeKind::kWord, line.substr(start, i - start), start});
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The syntax tree

struct SyntaxNode {
  enum class Kind : std::uint8_t {
    kWord,
    kOptional,  // [ ... ]
    kRequired,  // < ... >
    kRepeat,    // [ ... ...]: the items before it, again; resolved into kMultiple
    kMultiple,  // items that may repeat (after resolution)
  };
  Kind kind = Kind::kWord;
  std::string_view word;
  std::size_t offset = 0;
  std::vector<std::vector<SyntaxNode>> alternatives;  // groups; kRepeat/kMultiple: exactly one
};

using Sequence = std::vector<SyntaxNode>;

class TreeParser {
 public:
  explicit TreeParser(std::span<const Lexeme> lexemes) : lexemes_(lexemes) {}

  bool parse_line(Sequence* out) {
    if (!parse_sequence(out)) return false;
    if (position_ != lexemes_.size()) return fail("unexpected '", lexemes_[position_]);
    return true;
  }

  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  [[nodiscard]] bool at_end() const { return position_ == lexemes_.size(); }
  [[nodiscard]] const Lexeme& next() const { return lexemes_[position_]; }

  bool fail(std::string_view what, const Lexeme& at) {
    error_ = std::string(what) + std::string(at.text) + "' at offset " + std::to_string(at.offset);
    return false;
  }
  bool fail_at_end(std::string_view what) {
    error_ = std::string(what) + " at the end of the line";
    return false;
  }

  // Items up to the end, a closing mark, '|' or '...'.
  bool parse_sequence(Sequence* out) {
    while (!at_end()) {
      const Lexeme& lexeme = next();
      switch (lexeme.kind) {
        case LexemeKind::kWord:
          out->push_back({SyntaxNode::Kind::kWord, lexeme.text, lexeme.offset, {}});
          ++position_;
          break;
        case LexemeKind::kOpenOptional:
        case LexemeKind::kOpenRequired: {
          SyntaxNode group;
          if (!parse_group(&group)) return false;
          out->push_back(std::move(group));
          break;
        }
        default:
          return true;
      }
    }
    return true;
  }

  bool parse_group(SyntaxNode* group) {
    const Lexeme& open = next();
    const bool optional = open.kind == LexemeKind::kOpenOptional;
    const LexemeKind close = optional ? LexemeKind::kCloseOptional : LexemeKind::kCloseRequired;
    ++position_;
    group->kind = optional ? SyntaxNode::Kind::kOptional : SyntaxNode::Kind::kRequired;
    group->offset = open.offset;
    while (true) {
      Sequence alternative;
      if (!parse_sequence(&alternative)) return false;
      if (at_end()) return fail_at_end("unclosed '" + std::string(open.text) + "'");
      if (alternative.empty()) return fail("empty alternative before '", next());
      group->alternatives.push_back(std::move(alternative));
      const Lexeme& mark = next();
      ++position_;
      if (mark.kind == close) return true;
      if (mark.kind == LexemeKind::kBar) continue;
      if (mark.kind == LexemeKind::kEllipsis && optional && group->alternatives.size() == 1) {
        if (at_end() || next().kind != close) return fail("'...' must end its group: '", mark);
        ++position_;
        group->kind = SyntaxNode::Kind::kRepeat;
        return true;
      }
      return fail("unexpected '", mark);
    }
  }

  std::span<const Lexeme> lexemes_;
  std::size_t position_ = 0;
  std::string error_;
};

// ---------------------------------------------------------------------------------------------
// Words

bool is_token_word(std::string_view word) {
  bool has_letter = false;
  for (char c : word) {
    if (c >= 'A' && c <= 'Z') {
      has_letter = true;
    } else if (!((c >= '0' && c <= '9') || c == '-' || c == '_')) {
      return false;
    }
  }
  return has_letter;
}

std::string_view placeholder_name(std::string_view word) { return word.substr(0, word.find(':')); }

bool is_placeholder_name(std::string_view name) {
  if (name.empty() || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

std::optional<ArgumentType> placeholder_type(std::string_view word) {
  const std::size_t colon = word.find(':');
  const std::string_view name = placeholder_name(word);
  if (colon == std::string_view::npos) {
    if (name == "key") return ArgumentType::kKey;
    if (name == "pattern") return ArgumentType::kPattern;
    if (name.starts_with("unix-time")) return ArgumentType::kUnixTime;
    return ArgumentType::kString;
  }
  const std::string_view type = word.substr(colon + 1);
  for (ArgumentType candidate :
       {ArgumentType::kKey, ArgumentType::kString, ArgumentType::kInteger, ArgumentType::kDouble,
        ArgumentType::kPattern, ArgumentType::kUnixTime}) {
    if (type == argument_type_name(candidate)) return candidate;
  }
  return std::nullopt;
}

bool is_token_node(const SyntaxNode& node) {
  return node.kind == SyntaxNode::Kind::kWord && is_token_word(node.word);
}

bool is_placeholder_node(const SyntaxNode& node) {
  return node.kind == SyntaxNode::Kind::kWord && !is_token_word(node.word);
}

// Whether `repeat` restates `original`: the same shape and words (placeholder types aside).
bool same_items(const Sequence& original, std::span<const SyntaxNode> repeat);

bool same_node(const SyntaxNode& a, const SyntaxNode& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == SyntaxNode::Kind::kWord) {
    return is_token_word(a.word) ? a.word == b.word
                                 : placeholder_name(a.word) == placeholder_name(b.word);
  }
  if (a.alternatives.size() != b.alternatives.size()) return false;
  for (std::size_t i = 0; i < a.alternatives.size(); ++i) {
    if (!same_items(a.alternatives[i], b.alternatives[i])) return false;
  }
  return true;
}

bool same_items(const Sequence& original, std::span<const SyntaxNode> repeat) {
  if (original.size() != repeat.size()) return false;
  for (std::size_t i = 0; i < original.size(); ++i) {
    if (!same_node(original[i], repeat[i])) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Lowering the tree into ArgumentDocs

std::string lower_case_copy(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string joined_names(const std::vector<ArgumentDoc>& arguments) {
  std::string name;
  for (const ArgumentDoc& argument : arguments) {
    if (!name.empty()) name += '_';
    name += argument.name;
  }
  return name;
}

class Lowering {
 public:
  bool lower_sequence(const Sequence& raw, std::vector<ArgumentDoc>* out) {
    Sequence items;
    if (!resolve_repeats(raw, &items)) return false;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const SyntaxNode& node = items[i];
      ArgumentDoc argument;
      if (is_token_node(node) && i + 1 < items.size() && takes_token(items[i + 1])) {
        if (!lower_node(items[i + 1], &argument)) return false;
        if (!argument.token.empty()) return fail("two tokens in a row", node);
        argument.token = std::string(node.word);
        ++i;
      } else if (!lower_node(node, &argument)) {
        return false;
      }
      out->push_back(std::move(argument));
    }
    return true;
  }

  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  bool fail(std::string_view what, const SyntaxNode& at) {
    error_ = std::string(what) + " at offset " + std::to_string(at.offset);
    if (at.kind == SyntaxNode::Kind::kWord) error_ += " ('" + std::string(at.word) + "')";
    return false;
  }

  // A token binds to a placeholder, a required group or a repeated item after it; before an
  // optional group it stands alone ([GET] [EX seconds] are two arguments).
  static bool takes_token(const SyntaxNode& node) {
    return is_placeholder_node(node) || node.kind == SyntaxNode::Kind::kRequired ||
           node.kind == SyntaxNode::Kind::kMultiple;
  }

  // Replaces each `[x ...]` and the items x it restates by one kMultiple node.
  bool resolve_repeats(const Sequence& raw, Sequence* out) {
    for (const SyntaxNode& node : raw) {
      if (node.kind != SyntaxNode::Kind::kRepeat) {
        out->push_back(node);
        continue;
      }
      const Sequence& repeated = node.alternatives.front();
      const std::size_t n = repeated.size();
      if (out->size() < n ||
          !same_items(repeated, std::span<const SyntaxNode>(*out).subspan(out->size() - n))) {
        return fail("'[... ...]' does not restate the items before it", node);
      }
      SyntaxNode multiple{SyntaxNode::Kind::kMultiple, {}, out->at(out->size() - n).offset, {}};
      multiple.alternatives.emplace_back(out->end() - static_cast<std::ptrdiff_t>(n), out->end());
      out->erase(out->end() - static_cast<std::ptrdiff_t>(n), out->end());
      out->push_back(std::move(multiple));
    }
    return true;
  }

  bool lower_node(const SyntaxNode& node, ArgumentDoc* out) {
    switch (node.kind) {
      case SyntaxNode::Kind::kWord: {
        if (is_token_word(node.word)) {
          out->name = lower_case_copy(node.word);
          out->type = ArgumentType::kPureToken;
          out->token = std::string(node.word);
          return true;
        }
        const std::string_view name = placeholder_name(node.word);
        if (!is_placeholder_name(name)) return fail("not a token or a placeholder", node);
        const std::optional<ArgumentType> type = placeholder_type(node.word);
        if (!type) return fail("unknown placeholder type", node);
        out->name = std::string(name);
        out->type = *type;
        return true;
      }
      case SyntaxNode::Kind::kOptional:
        if (!lower_alternatives(node, out)) return false;
        if (out->optional) return fail("optional twice", node);
        out->optional = true;
        return true;
      case SyntaxNode::Kind::kRequired:
        return lower_alternatives(node, out);
      case SyntaxNode::Kind::kMultiple: {
        const Sequence& items = node.alternatives.front();
        if (!lower_unit(items, out)) return false;
        if (out->multiple) return fail("repeated twice", node);
        out->multiple = true;
        // `TOKEN x [TOKEN x ...]`: the token is part of what repeats.
        out->multiple_token = !out->token.empty() && items.size() == 2 && is_token_node(items[0]);
        return true;
      }
      case SyntaxNode::Kind::kRepeat:
        break;
    }
    return fail("misplaced '...'", node);
  }

  bool lower_alternatives(const SyntaxNode& group, ArgumentDoc* out) {
    if (group.alternatives.size() == 1) return lower_unit(group.alternatives.front(), out);
    out->type = ArgumentType::kOneOf;
    for (const Sequence& alternative : group.alternatives) {
      ArgumentDoc choice;
      if (!lower_unit(alternative, &choice)) return false;
      out->arguments.push_back(std::move(choice));
    }
    out->name = joined_names(out->arguments);
    return true;
  }

  // Items that together make one argument: itself when they lower to one, else a block.
  bool lower_unit(const Sequence& raw, ArgumentDoc* out) {
    Sequence items;
    if (!resolve_repeats(raw, &items)) return false;
    const bool token_then_placeholders =
        items.size() >= 3 && is_token_node(items[0]) &&
        std::all_of(items.begin() + 1, items.end(), is_placeholder_node);
    std::vector<ArgumentDoc> arguments;
    if (token_then_placeholders) {  // LIMIT offset count: a block headed by its token
      if (!lower_sequence(Sequence(items.begin() + 1, items.end()), &arguments)) return false;
      out->type = ArgumentType::kBlock;
      out->token = std::string(items[0].word);
      out->name = joined_names(arguments);
      out->arguments = std::move(arguments);
      return true;
    }
    if (!lower_sequence(items, &arguments)) return false;
    if (arguments.size() == 1) {
      *out = std::move(arguments.front());
      return true;
    }
    out->type = ArgumentType::kBlock;
    out->name = joined_names(arguments);
    out->arguments = std::move(arguments);
    return true;
  }

  std::string error_;
};

// ---------------------------------------------------------------------------------------------
// The lines. Summaries are given for subcommands only; a command's is its CommandSpec's.

constexpr CommandSyntax kSyntax[] = {
    // connection
    {"ping", "PING [message]", {}},
    {"echo", "ECHO message", {}},
    {"auth", "AUTH [username] password", {}},
    {"hello", "HELLO [protover:integer [AUTH username password] [SETNAME clientname]]", {}},
    {"select", "SELECT index:integer", {}},
    {"quit", "QUIT", {}},
    {"reset", "RESET", {}},
    {"client", "CLIENT", {}},
    {"client|id", "CLIENT ID", "Returns this connection's id."},
    {"client|getname", "CLIENT GETNAME", "Returns this connection's name."},
    {"client|setname", "CLIENT SETNAME connection-name", "Names this connection."},
    {"client|info", "CLIENT INFO", "Describes this connection."},
    {"client|list",
     "CLIENT LIST [TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] "
     "[ID client-id:integer [client-id ...]]",
     "Describes the open connections."},
    {"client|kill",
     "CLIENT KILL <addr | "
     "<ID client-id:integer | TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB> | "
     "USER username | ADDR addr | LADDR laddr | SKIPME <YES | NO>> "
     "[<ID client-id | TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB> | "
     "USER username | ADDR addr | LADDR laddr | SKIPME <YES | NO>> ...]>",
     "Closes the connections that match."},
    {"client|no-evict", "CLIENT NO-EVICT <ON | OFF>", "Accepted; tern never evicts clients."},
    {"client|help", "CLIENT HELP", "Lists the CLIENT subcommands."},

    // geo
    {"geoadd",
     "GEOADD key [NX | XX] [CH] longitude:double latitude:double member "
     "[longitude latitude member ...]",
     {}},
    {"geopos", "GEOPOS key [member [member ...]]", {}},
    {"geodist", "GEODIST key member1 member2 [M | KM | FT | MI]", {}},
    {"geohash", "GEOHASH key [member [member ...]]", {}},
    {"geosearch",
     "GEOSEARCH key <FROMMEMBER member | FROMLONLAT longitude:double latitude:double> "
     "<BYRADIUS radius:double <M | KM | FT | MI> | "
     "BYBOX width:double height:double <M | KM | FT | MI>> "
     "[ASC | DESC] [COUNT count:integer [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]",
     {}},
    {"geosearchstore",
     "GEOSEARCHSTORE destination:key source:key "
     "<FROMMEMBER member | FROMLONLAT longitude:double latitude:double> "
     "<BYRADIUS radius:double <M | KM | FT | MI> | "
     "BYBOX width:double height:double <M | KM | FT | MI>> "
     "[ASC | DESC] [COUNT count:integer [ANY]] [STOREDIST]",
     {}},
    {"georadius_ro",
     "GEORADIUS_RO key longitude:double latitude:double radius:double <M | KM | FT | MI> "
     "[WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count:integer [ANY]] [ASC | DESC]",
     {}},
    {"georadiusbymember_ro",
     "GEORADIUSBYMEMBER_RO key member radius:double <M | KM | FT | MI> "
     "[WITHCOORD] [WITHDIST] [WITHHASH] [COUNT count:integer [ANY]] [ASC | DESC]",
     {}},

    // hash
    {"hset", "HSET key field value [field value ...]", {}},
    {"hmset", "HMSET key field value [field value ...]", {}},
    {"hsetnx", "HSETNX key field value", {}},
    {"hget", "HGET key field", {}},
    {"hmget", "HMGET key field [field ...]", {}},
    {"hgetall", "HGETALL key", {}},
    {"hkeys", "HKEYS key", {}},
    {"hvals", "HVALS key", {}},
    {"hdel", "HDEL key field [field ...]", {}},
    {"hexists", "HEXISTS key field", {}},
    {"hlen", "HLEN key", {}},
    {"hstrlen", "HSTRLEN key field", {}},
    {"hincrby", "HINCRBY key field increment:integer", {}},
    {"hincrbyfloat", "HINCRBYFLOAT key field increment:double", {}},
    {"hrandfield", "HRANDFIELD key [count:integer [WITHVALUES]]", {}},
    {"hscan", "HSCAN key cursor:integer [MATCH pattern] [COUNT count:integer]", {}},

    // generic keys
    {"del", "DEL key [key ...]", {}},
    {"unlink", "UNLINK key [key ...]", {}},
    {"exists", "EXISTS key [key ...]", {}},
    {"touch", "TOUCH key [key ...]", {}},
    {"type", "TYPE key", {}},
    {"keys", "KEYS pattern", {}},
    {"scan", "SCAN cursor:integer [MATCH pattern] [COUNT count:integer] [TYPE type]", {}},
    {"randomkey", "RANDOMKEY", {}},
    {"rename", "RENAME key newkey:key", {}},
    {"renamenx", "RENAMENX key newkey:key", {}},
    {"copy", "COPY source:key destination:key [DB destination-db:integer] [REPLACE]", {}},
    {"expire", "EXPIRE key seconds:integer [NX | XX | GT | LT]", {}},
    {"pexpire", "PEXPIRE key milliseconds:integer [NX | XX | GT | LT]", {}},
    {"expireat", "EXPIREAT key unix-time-seconds [NX | XX | GT | LT]", {}},
    {"pexpireat", "PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]", {}},
    {"ttl", "TTL key", {}},
    {"pttl", "PTTL key", {}},
    {"expiretime", "EXPIRETIME key", {}},
    {"pexpiretime", "PEXPIRETIME key", {}},
    {"persist", "PERSIST key", {}},

    // pub/sub
    {"subscribe", "SUBSCRIBE channel [channel ...]", {}},
    {"unsubscribe", "UNSUBSCRIBE [channel [channel ...]]", {}},
    {"psubscribe", "PSUBSCRIBE pattern [pattern ...]", {}},
    {"punsubscribe", "PUNSUBSCRIBE [pattern [pattern ...]]", {}},
    {"publish", "PUBLISH channel message", {}},
    {"pubsub", "PUBSUB", {}},
    {"pubsub|channels", "PUBSUB CHANNELS [pattern]", "Lists the channels with subscribers."},
    {"pubsub|numsub", "PUBSUB NUMSUB [channel [channel ...]]",
     "Counts the subscribers of each channel."},
    {"pubsub|numpat", "PUBSUB NUMPAT", "Counts the subscribed patterns."},
    {"pubsub|shardchannels", "PUBSUB SHARDCHANNELS [pattern]",
     "Lists shard channels (always none: tern has no shard channels)."},
    {"pubsub|shardnumsub", "PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]",
     "Counts shard channel subscribers (always zero)."},

    // server
    {"info", "INFO [section [section ...]]", {}},
    {"config", "CONFIG", {}},
    {"config|get", "CONFIG GET parameter [parameter ...]", "Reads configuration parameters."},
    {"config|set", "CONFIG SET parameter value [parameter value ...]",
     "Changes configuration parameters at run time."},
    {"config|resetstat", "CONFIG RESETSTAT", "Zeroes the statistics INFO reports."},
    {"config|rewrite", "CONFIG REWRITE", "Writes the running configuration to the config file."},
    {"dbsize", "DBSIZE", {}},
    {"flushdb", "FLUSHDB [ASYNC | SYNC]", {}},
    {"flushall", "FLUSHALL [ASYNC | SYNC]", {}},
    {"swapdb", "SWAPDB index1:integer index2:integer", {}},
    {"time", "TIME", {}},
    {"role", "ROLE", {}},
    {"sentinel", "SENTINEL subcommand:string [argument:string [argument:string ...]]", {}},
    {"failover", "FAILOVER [TO host:string port:integer]", {}},
    {"wait", "WAIT numreplicas:integer timeout:integer", {}},
    {"lastsave", "LASTSAVE", {}},
    {"save", "SAVE", {}},
    {"bgsave", "BGSAVE [SCHEDULE]", {}},
    {"command", "COMMAND", {}},
    {"command|count", "COMMAND COUNT", "Counts the commands this server serves."},
    {"command|info", "COMMAND INFO [command-name [command-name ...]]",
     "Describes commands: arity, flags, key positions."},
    {"command|docs", "COMMAND DOCS [command-name [command-name ...]]",
     "Documents commands: summary, group, arguments."},
    {"command|list", "COMMAND LIST", "Lists the names of all commands."},
    {"command|getkeys", "COMMAND GETKEYS command-name [arg [arg ...]]",
     "Finds the keys in a full command line."},
    {"slowlog", "SLOWLOG", {}},
    {"slowlog|get", "SLOWLOG GET [count:integer]", "Returns the newest slow log entries."},
    {"slowlog|len", "SLOWLOG LEN", "Counts the slow log entries."},
    {"slowlog|reset", "SLOWLOG RESET", "Empties the slow log."},
    {"latency", "LATENCY", {}},
    {"latency|latest", "LATENCY LATEST", "Returns the latest spike of each event."},
    {"latency|history", "LATENCY HISTORY event", "Returns the spikes recorded for an event."},
    {"latency|reset", "LATENCY RESET [event [event ...]]",
     "Forgets the spikes of some or all events."},
    {"memory", "MEMORY", {}},
    {"memory|usage", "MEMORY USAGE key [SAMPLES count:integer]",
     "Estimates the bytes a key takes."},
    {"object", "OBJECT", {}},
    {"object|encoding", "OBJECT ENCODING key", "Names the encoding Redis would use for the value."},
    {"object|refcount", "OBJECT REFCOUNT key", "Returns a value's reference count (always 1)."},
    {"object|idletime", "OBJECT IDLETIME key", "Seconds since the key was last accessed."},
    {"object|freq", "OBJECT FREQ key", "The key's access frequency (LFU policies only)."},
    {"shutdown", "SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", {}},

    // set
    {"sadd", "SADD key member [member ...]", {}},
    {"srem", "SREM key member [member ...]", {}},
    {"smembers", "SMEMBERS key", {}},
    {"sismember", "SISMEMBER key member", {}},
    {"smismember", "SMISMEMBER key member [member ...]", {}},
    {"scard", "SCARD key", {}},
    {"spop", "SPOP key [count:integer]", {}},
    {"srandmember", "SRANDMEMBER key [count:integer]", {}},
    {"smove", "SMOVE source:key destination:key member", {}},
    {"sinter", "SINTER key [key ...]", {}},
    {"sintercard", "SINTERCARD numkeys:integer key [key ...] [LIMIT limit:integer]", {}},
    {"sunion", "SUNION key [key ...]", {}},
    {"sdiff", "SDIFF key [key ...]", {}},
    {"sinterstore", "SINTERSTORE destination:key key [key ...]", {}},
    {"sunionstore", "SUNIONSTORE destination:key key [key ...]", {}},
    {"sdiffstore", "SDIFFSTORE destination:key key [key ...]", {}},
    {"sscan", "SSCAN key cursor:integer [MATCH pattern] [COUNT count:integer]", {}},

    // sorted set
    {"zadd", "ZADD key [NX | XX] [GT | LT] [CH] [INCR] score:double member [score member ...]", {}},
    {"zincrby", "ZINCRBY key increment:double member", {}},
    {"zrem", "ZREM key member [member ...]", {}},
    {"zscore", "ZSCORE key member", {}},
    {"zmscore", "ZMSCORE key member [member ...]", {}},
    {"zcard", "ZCARD key", {}},
    {"zcount", "ZCOUNT key min:double max:double", {}},
    {"zlexcount", "ZLEXCOUNT key min max", {}},
    {"zrank", "ZRANK key member", {}},
    {"zrevrank", "ZREVRANK key member", {}},
    {"zrange",
     "ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset:integer count:integer] "
     "[WITHSCORES]",
     {}},
    {"zrevrange", "ZREVRANGE key start:integer stop:integer [WITHSCORES]", {}},
    {"zrangebyscore",
     "ZRANGEBYSCORE key min:double max:double [WITHSCORES] "
     "[LIMIT offset:integer count:integer]",
     {}},
    {"zrevrangebyscore",
     "ZREVRANGEBYSCORE key max:double min:double [WITHSCORES] "
     "[LIMIT offset:integer count:integer]",
     {}},
    {"zrangebylex", "ZRANGEBYLEX key min max [LIMIT offset:integer count:integer]", {}},
    {"zrevrangebylex", "ZREVRANGEBYLEX key max min [LIMIT offset:integer count:integer]", {}},
    {"zrangestore",
     "ZRANGESTORE dst:key src:key min max [BYSCORE | BYLEX] [REV] "
     "[LIMIT offset:integer count:integer]",
     {}},
    {"zremrangebyrank", "ZREMRANGEBYRANK key start:integer stop:integer", {}},
    {"zremrangebyscore", "ZREMRANGEBYSCORE key min:double max:double", {}},
    {"zremrangebylex", "ZREMRANGEBYLEX key min max", {}},
    {"zpopmin", "ZPOPMIN key [count:integer]", {}},
    {"zpopmax", "ZPOPMAX key [count:integer]", {}},
    {"zrandmember", "ZRANDMEMBER key [count:integer [WITHSCORES]]", {}},
    {"zunionstore",
     "ZUNIONSTORE destination:key numkeys:integer key [key ...] "
     "[WEIGHTS weight:double [weight ...]] "
     "[AGGREGATE <SUM | MIN | MAX>]",
     {}},
    {"zinterstore",
     "ZINTERSTORE destination:key numkeys:integer key [key ...] "
     "[WEIGHTS weight:double [weight ...]] "
     "[AGGREGATE <SUM | MIN | MAX>]",
     {}},
    {"zdiffstore", "ZDIFFSTORE destination:key numkeys:integer key [key ...]", {}},
    {"zunion",
     "ZUNION numkeys:integer key [key ...] [WEIGHTS weight:double [weight ...]] "
     "[AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
     {}},
    {"zinter",
     "ZINTER numkeys:integer key [key ...] [WEIGHTS weight:double [weight ...]] "
     "[AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]",
     {}},
    {"zdiff", "ZDIFF numkeys:integer key [key ...] [WITHSCORES]", {}},
    {"zscan", "ZSCAN key cursor:integer [MATCH pattern] [COUNT count:integer]", {}},

    // string
    {"get", "GET key", {}},
    {"set",
     "SET key value [NX | XX] [GET] [EX seconds:integer | PX milliseconds:integer | "
     "EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
     {}},
    {"setnx", "SETNX key value", {}},
    {"setex", "SETEX key seconds:integer value", {}},
    {"psetex", "PSETEX key milliseconds:integer value", {}},
    {"getset", "GETSET key value", {}},
    {"getdel", "GETDEL key", {}},
    {"getex",
     "GETEX key [EX seconds:integer | PX milliseconds:integer | EXAT unix-time-seconds | "
     "PXAT unix-time-milliseconds | PERSIST]",
     {}},
    {"mget", "MGET key [key ...]", {}},
    {"mset", "MSET key value [key value ...]", {}},
    {"msetnx", "MSETNX key value [key value ...]", {}},
    {"append", "APPEND key value", {}},
    {"strlen", "STRLEN key", {}},
    {"getrange", "GETRANGE key start:integer end:integer", {}},
    {"substr", "SUBSTR key start:integer end:integer", {}},
    {"setrange", "SETRANGE key offset:integer value", {}},
    {"incr", "INCR key", {}},
    {"decr", "DECR key", {}},
    {"incrby", "INCRBY key increment:integer", {}},
    {"decrby", "DECRBY key decrement:integer", {}},
    {"incrbyfloat", "INCRBYFLOAT key increment:double", {}},

    // transactions
    {"multi", "MULTI", {}},
    {"exec", "EXEC", {}},
    {"discard", "DISCARD", {}},
    {"watch", "WATCH key [key ...]", {}},
    {"unwatch", "UNWATCH", {}},
};

std::unordered_map<std::string_view, CommandDocs> parse_all_lines() {
  std::unordered_map<std::string_view, CommandDocs> docs;
  for (const CommandSyntax& syntax : kSyntax) {
    ParsedSyntax parsed = parse_syntax_line(syntax.name, syntax.line);
    if (!parsed.error.empty()) parsed.arguments.clear();  // served without arguments
    const std::size_t bar = syntax.name.find('|');
    if (bar == std::string_view::npos) {
      docs[syntax.name].arguments = std::move(parsed.arguments);
    } else {
      docs[syntax.name.substr(0, bar)].subcommands.push_back(
          {syntax.name, syntax.summary, std::move(parsed.arguments)});
    }
  }
  return docs;
}

}  // namespace

std::string_view argument_type_name(ArgumentType type) {
  switch (type) {
    case ArgumentType::kKey:
      return "key";
    case ArgumentType::kString:
      return "string";
    case ArgumentType::kInteger:
      return "integer";
    case ArgumentType::kDouble:
      return "double";
    case ArgumentType::kPattern:
      return "pattern";
    case ArgumentType::kUnixTime:
      return "unix-time";
    case ArgumentType::kPureToken:
      return "pure-token";
    case ArgumentType::kOneOf:
      return "oneof";
    case ArgumentType::kBlock:
      return "block";
  }
  return "string";
}

ParsedSyntax parse_syntax_line(std::string_view name, std::string_view line) {
  ParsedSyntax result;
  const std::vector<Lexeme> lexemes = lex(line);
  // The name's words ("client|list": CLIENT LIST) open the line, in upper case.
  std::size_t first = 0;
  for (std::size_t start = 0; start <= name.size();) {
    const std::size_t bar = std::min(name.find('|', start), name.size());
    const std::string_view word = name.substr(start, bar - start);
    if (first >= lexemes.size() || lexemes[first].kind != LexemeKind::kWord ||
        !is_token_word(lexemes[first].text) || lower_case_copy(lexemes[first].text) != word) {
      result.error = "the line does not open with '" + std::string(word) + "' in upper case";
      return result;
    }
    ++first;
    start = bar + 1;
  }
  Sequence tree;
  TreeParser parser(std::span<const Lexeme>(lexemes).subspan(first));
  if (!parser.parse_line(&tree)) {
    result.error = parser.error();
    return result;
  }
  Lowering lowering;
  if (!lowering.lower_sequence(tree, &result.arguments)) {
    result.arguments.clear();
    result.error = lowering.error();
  }
  return result;
}

namespace {

ArgumentCountBounds bounds_of(const ArgumentDoc& argument) {
  ArgumentCountBounds bounds{1, 1};
  switch (argument.type) {
    case ArgumentType::kPureToken:
      bounds = {0, 0};  // the token, counted below, is all of it
      break;
    case ArgumentType::kOneOf: {
      bool first = true;
      for (const ArgumentDoc& choice : argument.arguments) {
        const ArgumentCountBounds b = bounds_of(choice);
        if (first) {
          bounds = b;
          first = false;
          continue;
        }
        bounds.min = std::min(bounds.min, b.min);
        bounds.max =
            bounds.max && b.max ? std::optional(std::max(*bounds.max, *b.max)) : std::nullopt;
      }
      break;
    }
    case ArgumentType::kBlock:
      bounds = argument_count_bounds(argument.arguments);
      break;
    default:
      break;
  }
  if (!argument.token.empty()) {
    bounds.min += 1;
    if (bounds.max) *bounds.max += 1;
  }
  if (argument.multiple) bounds.max = std::nullopt;
  if (argument.optional) bounds.min = 0;
  return bounds;
}

}  // namespace

ArgumentCountBounds argument_count_bounds(std::span<const ArgumentDoc> arguments) {
  ArgumentCountBounds total{0, 0};
  for (const ArgumentDoc& argument : arguments) {
    const ArgumentCountBounds b = bounds_of(argument);
    total.min += b.min;
    total.max = total.max && b.max ? std::optional(*total.max + *b.max) : std::nullopt;
  }
  return total;
}

std::span<const CommandSyntax> command_syntax_lines() { return kSyntax; }

const CommandDocs* find_command_docs(std::string_view name) {
  static const std::unordered_map<std::string_view, CommandDocs> kDocs = parse_all_lines();
  const auto it = kDocs.find(name);
  return it != kDocs.end() ? &it->second : nullptr;
}

void reply_argument_docs(resp::ReplyWriter& reply, std::span<const ArgumentDoc> arguments) {
  reply.array(arguments.size());
  for (const ArgumentDoc& argument : arguments) {
    const std::size_t flags = static_cast<std::size_t>(argument.optional) +
                              static_cast<std::size_t>(argument.multiple) +
                              static_cast<std::size_t>(argument.multiple_token);
    const bool nested =
        argument.type == ArgumentType::kOneOf || argument.type == ArgumentType::kBlock;
    reply.map(2 + static_cast<std::size_t>(!argument.token.empty()) +
              static_cast<std::size_t>(flags > 0) + static_cast<std::size_t>(nested));
    reply.bulk("name");
    reply.bulk(argument.name);
    reply.bulk("type");
    reply.bulk(argument_type_name(argument.type));
    if (!argument.token.empty()) {
      reply.bulk("token");
      reply.bulk(argument.token);
    }
    if (flags > 0) {  // redis-cli reads these as simple strings
      reply.bulk("flags");
      reply.set(flags);
      if (argument.optional) reply.simple("optional");
      if (argument.multiple) reply.simple("multiple");
      if (argument.multiple_token) reply.simple("multiple_token");
    }
    if (nested) {
      reply.bulk("arguments");
      reply_argument_docs(reply, argument.arguments);
    }
  }
}

}  // namespace tern::node
