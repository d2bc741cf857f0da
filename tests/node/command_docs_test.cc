// COMMAND DOCS syntax lines: every command in the table has one that parses and agrees with its
// arity; the parser builds the trees redis-server 7 describes for the same syntax; bad lines are
// refused with a reason; and the RESP form carries flags as simple strings, as redis-cli reads
// them.
#include "node/command_docs.h"

#include <doctest/doctest.h>

#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "node/command_table.h"

namespace tern::node {
namespace {

using Type = ArgumentType;

// Builders for expected trees.
ArgumentDoc leaf(std::string name, Type type) {
  ArgumentDoc argument;
  argument.name = std::move(name);
  argument.type = type;
  return argument;
}

ArgumentDoc pure_token(const std::string& token) {
  ArgumentDoc argument = leaf({}, Type::kPureToken);
  for (char c : token)
    argument.name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  argument.token = token;
  return argument;
}

ArgumentDoc with_token(ArgumentDoc argument, std::string token) {
  argument.token = std::move(token);
  return argument;
}

ArgumentDoc optional(ArgumentDoc argument) {
  argument.optional = true;
  return argument;
}

ArgumentDoc multiple(ArgumentDoc argument) {
  argument.multiple = true;
  return argument;
}

ArgumentDoc group(std::string name, Type type, std::vector<ArgumentDoc> arguments) {
  ArgumentDoc argument = leaf(std::move(name), type);
  argument.arguments = std::move(arguments);
  return argument;
}

// Every field, so a mismatch shows where it is.
std::string describe(const std::vector<ArgumentDoc>& arguments) {
  std::string out;
  for (const ArgumentDoc& a : arguments) {
    if (!out.empty()) out += ", ";
    out += a.name + ":" + std::string(argument_type_name(a.type));
    if (!a.token.empty()) out += " token=" + a.token;
    if (a.optional) out += " optional";
    if (a.multiple) out += " multiple";
    if (a.multiple_token) out += " multiple_token";
    if (!a.arguments.empty()) out += " (" + describe(a.arguments) + ")";
  }
  return out;
}

std::vector<ArgumentDoc> parsed(std::string_view name, std::string_view line) {
  ParsedSyntax result = parse_syntax_line(name, line);
  INFO("error: ", result.error);
  REQUIRE(result.error.empty());
  return std::move(result.arguments);
}

std::string parse_error(std::string_view name, std::string_view line) {
  return parse_syntax_line(name, line).error;
}

const CommandSyntax* syntax_of(std::string_view name) {
  for (const CommandSyntax& syntax : command_syntax_lines()) {
    if (syntax.name == name) return &syntax;
  }
  return nullptr;
}

std::string bounds_text(const ArgumentCountBounds& bounds) {
  return std::to_string(bounds.min) + ".." + (bounds.max ? std::to_string(*bounds.max) : "any");
}

// ------------------------------------------------------------------------------------------
// The table

TEST_CASE("command docs: every command in the table has a syntax line that parses") {
  const CommandTable table;
  for (const CommandSpec* spec : table.all()) {
    CAPTURE(spec->name);
    const CommandSyntax* syntax = syntax_of(spec->name);
    REQUIRE_MESSAGE(syntax != nullptr, "no syntax line in node/command_docs.cc for ", spec->name);
    const ParsedSyntax result = parse_syntax_line(syntax->name, syntax->line);
    CHECK_MESSAGE(result.error.empty(), syntax->line, ": ", result.error);
    CHECK(find_command_docs(spec->name) != nullptr);
  }
}

TEST_CASE("command docs: every syntax line's argument count agrees with its command's arity") {
  // arity > 0: exactly arity - 1 arguments. arity < 0: at least -arity - 1, so the line may ask
  // for more than the table checks (the handler checks the rest) but never for fewer.
  const CommandTable table;
  for (const CommandSyntax& syntax : command_syntax_lines()) {
    const std::size_t bar = syntax.name.find('|');
    const CommandSpec* spec = table.find(syntax.name.substr(0, bar));
    if (spec == nullptr) continue;  // reported by the stale-line case
    const ParsedSyntax result = parse_syntax_line(syntax.name, syntax.line);
    if (!result.error.empty()) continue;  // reported by the parse case
    const CommandDocs* docs = find_command_docs(spec->name);
    if (bar == std::string_view::npos && docs != nullptr && !docs->subcommands.empty()) {
      continue;  // a container: its subcommands' lines carry the arguments
    }
    ArgumentCountBounds bounds = argument_count_bounds(result.arguments);
    if (bar != std::string_view::npos) {  // the subcommand's name is an argument of its command
      bounds.min += 1;
      if (bounds.max) *bounds.max += 1;
    }
    CAPTURE(syntax.line);
    CAPTURE(spec->arity);
    CAPTURE(bounds_text(bounds));
    const auto needed = static_cast<std::size_t>(std::abs(spec->arity) - 1);
    if (spec->arity > 0 && bar == std::string_view::npos) {
      CHECK(bounds.min == needed);
      CHECK(bounds.max == needed);
    } else {
      CHECK(bounds.min >= needed);
    }
  }
}

TEST_CASE("command docs: a container command's own line has no arguments, only subcommands") {
  const CommandTable table;
  for (const CommandSpec* spec : table.all()) {
    const CommandDocs* docs = find_command_docs(spec->name);
    if (docs == nullptr || docs->subcommands.empty()) continue;
    CAPTURE(spec->name);
    CHECK(docs->arguments.empty());
    for (const SubcommandDocs& sub : docs->subcommands) {
      CHECK(sub.name.starts_with(std::string(spec->name) + "|"));
      CHECK_FALSE(sub.summary.empty());
    }
  }
}

TEST_CASE("command docs: every syntax line belongs to a command in the table, once") {
  const CommandTable table;
  std::set<std::string_view> seen;
  for (const CommandSyntax& syntax : command_syntax_lines()) {
    CAPTURE(syntax.name);
    CHECK(seen.insert(syntax.name).second);
    const std::size_t bar = syntax.name.find('|');
    CHECK(table.find(syntax.name.substr(0, bar)) != nullptr);
    // Summaries of commands come from their CommandSpec; subcommands carry their own.
    CHECK(syntax.summary.empty() == (bar == std::string_view::npos));
  }
}

// ------------------------------------------------------------------------------------------
// Parsed trees, as redis-server 7.0 describes the same syntax

TEST_CASE("command docs: SET parses into oneofs of pure tokens and of tokened values") {
  const std::vector<ArgumentDoc> expected = {
      leaf("key", Type::kKey),
      leaf("value", Type::kString),
      optional(group("nx_xx", Type::kOneOf, {pure_token("NX"), pure_token("XX")})),
      optional(pure_token("GET")),
      optional(group("seconds_milliseconds_unix-time-seconds_unix-time-milliseconds_keepttl",
                     Type::kOneOf,
                     {with_token(leaf("seconds", Type::kInteger), "EX"),
                      with_token(leaf("milliseconds", Type::kInteger), "PX"),
                      with_token(leaf("unix-time-seconds", Type::kUnixTime), "EXAT"),
                      with_token(leaf("unix-time-milliseconds", Type::kUnixTime), "PXAT"),
                      pure_token("KEEPTTL")})),
  };
  const auto actual = parsed("set", syntax_of("set")->line);
  CHECK(describe(actual) == describe(expected));
  CHECK(actual == expected);
}

TEST_CASE("command docs: ZADD's repeated score and member become one multiple block") {
  const std::vector<ArgumentDoc> expected = {
      leaf("key", Type::kKey),
      optional(group("nx_xx", Type::kOneOf, {pure_token("NX"), pure_token("XX")})),
      optional(group("gt_lt", Type::kOneOf, {pure_token("GT"), pure_token("LT")})),
      optional(pure_token("CH")),
      optional(pure_token("INCR")),
      multiple(group("score_member", Type::kBlock,
                     {leaf("score", Type::kDouble), leaf("member", Type::kString)})),
  };
  const auto actual = parsed("zadd", syntax_of("zadd")->line);
  CHECK(describe(actual) == describe(expected));
  CHECK(actual == expected);
}

TEST_CASE("command docs: a token before two placeholders heads a block (ZRANGE's LIMIT)") {
  const std::vector<ArgumentDoc> expected = {
      leaf("key", Type::kKey),
      leaf("start", Type::kString),
      leaf("stop", Type::kString),
      optional(group("byscore_bylex", Type::kOneOf, {pure_token("BYSCORE"), pure_token("BYLEX")})),
      optional(pure_token("REV")),
      optional(with_token(group("offset_count", Type::kBlock,
                                {leaf("offset", Type::kInteger), leaf("count", Type::kInteger)}),
                          "LIMIT")),
      optional(pure_token("WITHSCORES")),
  };
  const auto actual = parsed("zrange", syntax_of("zrange")->line);
  CHECK(describe(actual) == describe(expected));
  CHECK(actual == expected);
}

TEST_CASE("command docs: a token before a placeholder and more heads only that placeholder") {
  // GEOSEARCH's BYBOX width height unit: BYBOX belongs to width, as in Redis's description.
  const std::vector<ArgumentDoc> expected = {
      leaf("key", Type::kKey),
      group("width_height_m_km", Type::kBlock,
            {with_token(leaf("width", Type::kDouble), "BYBOX"), leaf("height", Type::kDouble),
             group("m_km", Type::kOneOf, {pure_token("M"), pure_token("KM")})}),
      optional(
          group("count_any", Type::kBlock,
                {with_token(leaf("count", Type::kInteger), "COUNT"), optional(pure_token("ANY"))})),
  };
  const auto actual = parsed(
      "box", "BOX key <BYBOX width:double height:double <M | KM>> [COUNT count:integer [ANY]]");
  CHECK(describe(actual) == describe(expected));
  CHECK(actual == expected);
}

TEST_CASE("command docs: nested optional groups keep their own flags (HELLO)") {
  const std::vector<ArgumentDoc> expected = {
      optional(group("protover_username_password_clientname", Type::kBlock,
                     {leaf("protover", Type::kInteger),
                      optional(with_token(
                          group("username_password", Type::kBlock,
                                {leaf("username", Type::kString), leaf("password", Type::kString)}),
                          "AUTH")),
                      optional(with_token(leaf("clientname", Type::kString), "SETNAME"))}))};
  const auto actual = parsed("hello", syntax_of("hello")->line);
  CHECK(describe(actual) == describe(expected));
  CHECK(actual == expected);
}

TEST_CASE("command docs: a subcommand line opens with both names (CLIENT LIST)") {
  const std::vector<ArgumentDoc> expected = {
      optional(with_token(group("normal_master_replica_pubsub", Type::kOneOf,
                                {pure_token("NORMAL"), pure_token("MASTER"), pure_token("REPLICA"),
                                 pure_token("PUBSUB")}),
                          "TYPE")),
      optional(with_token(multiple(leaf("client-id", Type::kInteger)), "ID")),
  };
  const auto actual = parsed("client|list", syntax_of("client|list")->line);
  CHECK(describe(actual) == describe(expected));
  CHECK(actual == expected);
}

TEST_CASE("command docs: a repeated token with its value sets multiple_token") {
  ArgumentDoc prefix = optional(multiple(with_token(leaf("prefix", Type::kString), "PREFIX")));
  prefix.multiple_token = true;
  const auto actual = parsed("track", "TRACK [PREFIX prefix [PREFIX prefix ...]]");
  CHECK(describe(actual) == describe({prefix}));
  CHECK(actual == std::vector<ArgumentDoc>{prefix});
}

TEST_CASE("command docs: a token before a repeated value is not itself repeated (WEIGHTS)") {
  const auto actual = parsed("w", "W [WEIGHTS weight:double [weight ...]]");
  const std::vector<ArgumentDoc> expected = {
      optional(multiple(with_token(leaf("weight", Type::kDouble), "WEIGHTS")))};
  CHECK(describe(actual) == describe(expected));
  CHECK(actual == expected);
}

TEST_CASE("command docs: placeholder types default by name and can be given after a colon") {
  const auto actual = parsed("t", "T key pattern unix-time-seconds value n:integer d:double k:key");
  const std::vector<ArgumentDoc> expected = {leaf("key", Type::kKey),
                                             leaf("pattern", Type::kPattern),
                                             leaf("unix-time-seconds", Type::kUnixTime),
                                             leaf("value", Type::kString),
                                             leaf("n", Type::kInteger),
                                             leaf("d", Type::kDouble),
                                             leaf("k", Type::kKey)};
  CHECK(describe(actual) == describe(expected));
}

// ------------------------------------------------------------------------------------------
// Bad lines and bounds

TEST_CASE("command docs: a line that does not open with its command's name is refused") {
  CHECK_FALSE(parse_error("get", "GETX key").empty());
  CHECK_FALSE(parse_error("get", "get key").empty());  // the name is written in upper case
  CHECK_FALSE(parse_error("client|list", "CLIENT key").empty());
}

TEST_CASE("command docs: unbalanced and empty groups are refused") {
  CHECK_FALSE(parse_error("x", "X [a").empty());
  CHECK_FALSE(parse_error("x", "X a]").empty());
  CHECK_FALSE(parse_error("x", "X <a | b]").empty());
  CHECK_FALSE(parse_error("x", "X [a |]").empty());
  CHECK_FALSE(parse_error("x", "X []").empty());
}

TEST_CASE("command docs: a repeat that does not restate the items before it is refused") {
  CHECK_FALSE(parse_error("x", "X a [b ...]").empty());
  CHECK_FALSE(parse_error("x", "X [a ...]").empty());
  CHECK_FALSE(parse_error("x", "X a b [a b c ...]").empty());
  CHECK_FALSE(parse_error("x", "X <a ...>").empty());
}

TEST_CASE("command docs: unknown placeholder types and odd words are refused") {
  CHECK_FALSE(parse_error("x", "X a:float").empty());
  CHECK_FALSE(parse_error("x", "X Mixed").empty());
  CHECK_FALSE(parse_error("x", "X a.b").empty());
}

TEST_CASE("command docs: argument count bounds follow optional, multiple and oneof") {
  CHECK(bounds_text(argument_count_bounds(parsed("set", syntax_of("set")->line))) == "2..6");
  CHECK(bounds_text(argument_count_bounds(parsed("get", "GET key"))) == "1..1");
  CHECK(bounds_text(argument_count_bounds(parsed("del", "DEL key [key ...]"))) == "1..any");
  CHECK(bounds_text(argument_count_bounds(parsed("q", "Q [a <B | C c>]"))) == "0..3");
}

// ------------------------------------------------------------------------------------------
// The RESP form

TEST_CASE("command docs: arguments are written as maps with flags as simple strings") {
  std::string out;
  resp::ReplyWriter reply(out);
  reply_argument_docs(reply, parsed("t", "T [EX seconds:integer | KEEPTTL]"));
  CHECK(out ==
        "*1\r\n"
        "*8\r\n$4\r\nname\r\n$15\r\nseconds_keepttl\r\n$4\r\ntype\r\n$5\r\noneof\r\n"
        "$5\r\nflags\r\n*1\r\n+optional\r\n"
        "$9\r\narguments\r\n*2\r\n"
        "*6\r\n$4\r\nname\r\n$7\r\nseconds\r\n$4\r\ntype\r\n$7\r\ninteger\r\n"
        "$5\r\ntoken\r\n$2\r\nEX\r\n"
        "*6\r\n$4\r\nname\r\n$7\r\nkeepttl\r\n$4\r\ntype\r\n$10\r\npure-token\r\n"
        "$5\r\ntoken\r\n$7\r\nKEEPTTL\r\n");
}

TEST_CASE("command docs: under RESP3 the maps and the flag set keep their types") {
  std::string out;
  resp::ReplyWriter reply(out);
  reply.set_protocol(3);
  reply_argument_docs(reply, parsed("t", "T [key [key ...]]"));
  CHECK(out ==
        "*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n"
        "$5\r\nflags\r\n~2\r\n+optional\r\n+multiple\r\n");
}

}  // namespace
}  // namespace tern::node
