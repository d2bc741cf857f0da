// RequestParser against redis-server 7.0's request handling (networking.c). Every accepted form
// is fed whole, cut in two at every byte offset, and one byte at a time, and must give the same
// commands each way. Error texts are Redis's, byte for byte; the cases marked "as Redis does"
// were checked against redis-server 7.0.15.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "node/resp/request_parser.h"

namespace tern::node::resp {
namespace {

using namespace std::string_literals;
using Command = std::vector<std::string>;
using Status = RequestParser::Status;
using ErrorKind = RequestParser::ErrorKind;

// What a parser produced: the commands (copied, since views die at the next feed), and how the
// last next() ended.
struct Outcome {
  std::vector<Command> commands;
  Status last = Status::kNeedMore;
  std::string error;
  ErrorKind error_kind = ErrorKind::kNone;
};

void drain(RequestParser& parser, Outcome& outcome) {
  std::vector<std::string_view> args;
  while (true) {
    outcome.last = parser.next(args);
    if (outcome.last != Status::kCommand) break;
    REQUIRE_FALSE(args.empty());
    outcome.commands.emplace_back(args.begin(), args.end());
  }
  outcome.error = std::string(parser.error());
  outcome.error_kind = parser.error_kind();
}

Outcome parse_pieces(const std::vector<std::string_view>& pieces, ParserLimits limits = {},
                     bool authenticated = true) {
  RequestParser parser(limits);
  parser.set_authenticated(authenticated);
  Outcome outcome;
  for (std::string_view piece : pieces) {
    parser.feed(piece);
    drain(parser, outcome);
    if (outcome.last == Status::kError) break;
  }
  return outcome;
}

Outcome parse_whole(std::string_view wire, ParserLimits limits = {}, bool authenticated = true) {
  return parse_pieces({wire}, limits, authenticated);
}

Outcome parse_byte_by_byte(std::string_view wire, ParserLimits limits = {},
                           bool authenticated = true) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < wire.size(); ++i) pieces.push_back(wire.substr(i, 1));
  return parse_pieces(pieces, limits, authenticated);
}

void check_same(const Outcome& got, const Outcome& want) {
  CHECK(got.commands == want.commands);
  CHECK(got.last == want.last);
  CHECK(got.error == want.error);
  CHECK(got.error_kind == want.error_kind);
}

// The outcome of `wire` does not depend on how it is cut into reads.
void check_every_cut(std::string_view wire, const Outcome& want, ParserLimits limits = {},
                     bool authenticated = true) {
  check_same(parse_whole(wire, limits, authenticated), want);
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    CAPTURE(cut);
    check_same(parse_pieces({wire.substr(0, cut), wire.substr(cut)}, limits, authenticated), want);
  }
  check_same(parse_byte_by_byte(wire, limits, authenticated), want);
}

void check_commands(std::string_view wire, const std::vector<Command>& want) {
  check_every_cut(wire, Outcome{want, Status::kNeedMore, "", ErrorKind::kNone});
}

void check_error(std::string_view wire, const std::string& error,
                 const std::vector<Command>& before = {}, ParserLimits limits = {},
                 bool authenticated = true) {
  check_every_cut(wire, Outcome{before, Status::kError, error, ErrorKind::kProtocol}, limits,
                  authenticated);
}

std::string multibulk(const Command& args) {
  std::string wire = "*" + std::to_string(args.size()) + "\r\n";
  for (const std::string& arg : args) {
    wire += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  }
  return wire;
}

// --- multibulk -------------------------------------------------------------------------------

TEST_CASE("multibulk request yields its arguments wherever the input is cut") {
  check_commands("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", {{"SET", "key", "value"}});
}

TEST_CASE("bulk payload is binary safe: CR, LF, NUL and an asterisk inside are data") {
  const std::string payload = "a\r\nb\0c*\n$"s;
  check_commands(multibulk({"ECHO", payload}), {{"ECHO", payload}});
}

TEST_CASE("empty bulk is an empty argument") {
  check_commands("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", {{"SET", "k", ""}});
}

TEST_CASE("the two bytes after a bulk payload are skipped unchecked, as Redis does") {
  check_commands("*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n", {{"PING"}, {"PING"}});
}

TEST_CASE("the byte after a header's CR is skipped unchecked, as Redis does") {
  check_commands("*1\rX$4\rYPING\r\n", {{"PING"}});
}

TEST_CASE("a zero or negative multibulk count is an empty request and is skipped") {
  check_commands("*0\r\n*-1\r\n*-10\r\n*1\r\n$4\r\nPING\r\n", {{"PING"}});
}

TEST_CASE("the most negative long long count is an empty request") {
  check_commands("*-9223372036854775808\r\n*1\r\n$4\r\nPING\r\n", {{"PING"}});
}

TEST_CASE("a multibulk count up to INT_MAX is accepted and waits for its arguments") {
  check_commands("*2147483647\r\n$3\r\nSET\r\n", {});
}

TEST_CASE("a bulk length up to proto-max-bulk-len is accepted and waits for its payload") {
  check_commands("*1\r\n$536870912\r\nabc", {});
}

TEST_CASE("a bulk longer than 64 KiB arriving one byte at a time is one argument") {
  const std::string payload(70000, 'v');
  const std::string wire = multibulk({"SET", "k", payload});
  const std::vector<Command> want = {{"SET", "k", payload}};
  CHECK(parse_whole(wire).commands == want);
  CHECK(parse_byte_by_byte(wire).commands == want);
}

// --- inline ----------------------------------------------------------------------------------

TEST_CASE("inline request splits on blanks and drops the CR before its LF") {
  check_commands("SET  key\tvalue \r\n", {{"SET", "key", "value"}});
}

TEST_CASE("inline request may end with a bare LF") {
  check_commands("GET key\nPING\n", {{"GET", "key"}, {"PING"}});
}

TEST_CASE("inline CR inside the line separates arguments, as Redis does") {
  check_commands("PING\rPING\n", {{"PING", "PING"}});
}

TEST_CASE("inline double quotes understand the escapes n r t b a, backslash, quote and xHH") {
  check_commands("ECHO \"a\\x41\\n\\r\\t\\b\\a\\\\\\\"\\q\\xfF\"\r\n",
                 {{"ECHO", "aA\n\r\t\b\a\\\"q\xff"}});
}

TEST_CASE("inline double quotes keep an incomplete or non-hex x escape as its characters") {
  check_commands("ECHO \"a\\x4\" \"\\xZZ\"\r\n", {{"ECHO", "ax4", "xZZ"}});
}

TEST_CASE("inline single quotes understand only the escaped single quote") {
  check_commands("ECHO 'a\\'b\\n\"c'\r\n", {{"ECHO", "a'b\\n\"c"}});
}

TEST_CASE("inline quote opened inside an argument joins the quoted text to it") {
  check_commands("ECHO a\"b c\"\r\n", {{"ECHO", "ab c"}});
}

TEST_CASE("inline empty quotes are an empty argument") {
  check_commands("SET k \"\" ''\r\n", {{"SET", "k", "", ""}});
}

TEST_CASE("inline closing quote may be followed by any blank, vertical tab and form feed too") {
  check_commands("ECHO \"a\"\v'b'\f\r\n", {{"ECHO", "a", "b"}});
}

TEST_CASE("inline vertical tab is skipped before an argument but does not end one") {
  check_commands("\vECHO a\vb\r\n", {{"ECHO", "a\vb"}});
}

TEST_CASE("inline trailing backslash outside quotes is a plain character") {
  check_commands("ECHO a\\\r\n", {{"ECHO", "a\\"}});
}

TEST_CASE("blank inline lines are skipped") {
  check_commands("\r\n\n   \r\n \t \nPING\r\n", {{"PING"}});
}

TEST_CASE("inline arguments longer than 64 KiB are accepted when the line ends in the same read") {
  const std::string value(70000, 'v');
  const Outcome outcome = parse_whole("SET k " + value + "\r\n");
  CHECK(outcome.last == Status::kNeedMore);
  CHECK(outcome.commands == std::vector<Command>{{"SET", "k", value}});
}

// --- line ends hidden by NUL (Redis scans with strchr) -------------------------------------

TEST_CASE("a NUL before an inline line's LF hides it, so the request never completes") {
  check_commands("PING\0x\nPING\n"s, {});
}

TEST_CASE("a NUL before a header's CR hides it, so the request never completes") {
  check_commands("*1\0\r\n$4\r\nPING\r\n"s, {});
  check_commands("*1\r\n$4\0\r\nPING\r\n"s, {});
}

TEST_CASE("a line hidden by NUL still ends in the size error once 64 KiB are buffered") {
  const std::string wire = "PING\0\n"s + std::string(65536, 'x');
  check_same(
      parse_whole(wire),
      Outcome{
          {}, Status::kError, "ERR Protocol error: too big inline request", ErrorKind::kProtocol});
}

// --- pipelining ------------------------------------------------------------------------------

TEST_CASE("pipelined requests of every form come out in order wherever the input is cut") {
  const std::string wire =
      "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
      "SET k \"a b\"\r\n"
      "\r\n"
      "*0\r\n"
      "*1\r\n$0\r\n\r\n"
      "ECHO 'x\\'y'\n" +
      multibulk({"ECHO", "\r\n"}) + "PING\r\n";
  check_commands(
      wire, {{"GET", "k"}, {"SET", "k", "a b"}, {""}, {"ECHO", "x'y"}, {"ECHO", "\r\n"}, {"PING"}});
}

TEST_CASE("10000 pipelined commands in one buffer are all returned in order") {
  std::string wire;
  std::vector<Command> want;
  for (int i = 0; i < 10000; ++i) {
    const std::string key = "key:" + std::to_string(i);
    if (i % 3 == 0) {
      wire += "SET " + key + " \"v " + std::to_string(i) + "\"\r\n";
      want.push_back({"SET", key, "v " + std::to_string(i)});
    } else {
      want.push_back({"INCRBY", key, std::to_string(i)});
      wire += multibulk(want.back());
    }
  }
  const Outcome outcome = parse_whole(wire);
  CHECK(outcome.last == Status::kNeedMore);
  REQUIRE(outcome.commands.size() == want.size());
  CHECK(outcome.commands == want);
}

// --- errors ----------------------------------------------------------------------------------

TEST_CASE("a count line without CR within 64 KiB is 'too big mbulk count string'") {
  const std::string at_limit = "*" + std::string(65535, '1');  // 65536 bytes buffered: waits
  CHECK(parse_whole(at_limit).last == Status::kNeedMore);
  const Outcome over = parse_whole(at_limit + "1");
  CHECK(over.last == Status::kError);
  CHECK(over.error == "ERR Protocol error: too big mbulk count string");
}

TEST_CASE("a non-number count is 'invalid multibulk length'") {
  for (const char* wire :
       {"*abc\r\n", "*\r\n", "*3 \r\n", "* 3\r\n", "*+1\r\n", "*01\r\n", "*-0\r\n", "*-\r\n",
        "*1.0\r\n", "*-9223372036854775809\r\n", "*100000000000000000000\r\n"}) {
    CAPTURE(wire);
    check_error(wire, "ERR Protocol error: invalid multibulk length");
  }
}

TEST_CASE("a count above INT_MAX is 'invalid multibulk length'") {
  check_error("*2147483648\r\n", "ERR Protocol error: invalid multibulk length");
}

TEST_CASE("a count above max_multibulk_len is 'invalid multibulk length'") {
  ParserLimits limits;
  limits.max_multibulk_len = 3;
  check_commands("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", {{"a", "b", "c"}});
  check_error("*4\r\n", "ERR Protocol error: invalid multibulk length", {}, limits);
}

TEST_CASE("a bulk header not starting with a dollar sign is 'expected' naming that byte") {
  check_error("*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n",
              "ERR Protocol error: expected '$', got 'f'");
}

TEST_CASE("the 'expected' error shows a CR or LF byte as a space, as Redis does") {
  check_error("*1\r\n\r\n", "ERR Protocol error: expected '$', got ' '");
  check_error("*1\r\n\n\r\n", "ERR Protocol error: expected '$', got ' '");
}

TEST_CASE("a bulk header without CR within 64 KiB is 'too big bulk count string'") {
  const std::string prefix = "*1\r\n";
  CHECK(parse_whole(prefix + "$" + std::string(65535, '1')).last == Status::kNeedMore);
  const Outcome over = parse_whole(prefix + "$" + std::string(65536, '1'));
  CHECK(over.error == "ERR Protocol error: too big bulk count string");
  // Redis looks for the CR before the '$', so junk there is reported the same way.
  CHECK(parse_whole(prefix + std::string(70000, 'x')).error ==
        "ERR Protocol error: too big bulk count string");
}

TEST_CASE("a negative, malformed or too long bulk length is 'invalid bulk length'") {
  for (const char* wire : {"*1\r\n$-1\r\n", "*1\r\n$04\r\n", "*1\r\n$abc\r\n", "*1\r\n$\r\n",
                           "*1\r\n$+4\r\n", "*1\r\n$536870913\r\n"}) {
    CAPTURE(wire);
    check_error(wire, "ERR Protocol error: invalid bulk length");
  }
}

TEST_CASE("a bulk length above a lowered max_bulk_len is 'invalid bulk length'") {
  ParserLimits limits;
  limits.max_bulk_len = 4;
  check_error("*2\r\n$4\r\nECHO\r\n$5\r\n", "ERR Protocol error: invalid bulk length", {}, limits);
}

TEST_CASE("unbalanced inline quotes are 'unbalanced quotes in request'") {
  for (const char* wire :
       {"ECHO \"ab\r\n", "ECHO 'ab\r\n", "ECHO \"a\"b\r\n", "ECHO 'a'b\r\n", "ECHO \"a\\\"\r\n"}) {
    CAPTURE(wire);
    check_error(wire, "ERR Protocol error: unbalanced quotes in request");
  }
}

TEST_CASE("an inline line without LF within 64 KiB is 'too big inline request'") {
  CHECK(parse_whole(std::string(65536, 'x')).last == Status::kNeedMore);
  const Outcome over = parse_whole(std::string(65537, 'x'));
  CHECK(over.last == Status::kError);
  CHECK(over.error == "ERR Protocol error: too big inline request");
  CHECK(over.error_kind == ErrorKind::kProtocol);
}

TEST_CASE("commands before a protocol error are still returned") {
  check_error("PING\r\n*1\r\n$x\r\n", "ERR Protocol error: invalid bulk length", {{"PING"}});
}

TEST_CASE("a protocol error is final: later input is not parsed") {
  RequestParser parser;
  parser.feed("*1\r\n$-5\r\n");
  std::vector<std::string_view> args;
  CHECK(parser.next(args) == Status::kError);
  parser.feed("PING\r\n");
  CHECK(parser.next(args) == Status::kError);
  CHECK(args.empty());
  CHECK(parser.error() == "ERR Protocol error: invalid bulk length");
}

// --- authentication --------------------------------------------------------------------------

TEST_CASE("before AUTH a count above 10 is 'unauthenticated multibulk length'") {
  check_commands(multibulk(Command(10, "a")), {Command(10, "a")});
  check_error("*11\r\n", "ERR Protocol error: unauthenticated multibulk length", {}, {}, false);
  RequestParser parser;
  parser.set_authenticated(false);
  parser.feed(multibulk(Command(10, "a")));
  std::vector<std::string_view> args;
  CHECK(parser.next(args) == Status::kCommand);
}

TEST_CASE("before AUTH a bulk above 16384 bytes is 'unauthenticated bulk length'") {
  check_error("*1\r\n$16385\r\n", "ERR Protocol error: unauthenticated bulk length", {}, {}, false);
  check_commands(multibulk({std::string(16384, 'p')}), {{std::string(16384, 'p')}});
  RequestParser parser;
  parser.set_authenticated(false);
  parser.feed("*1\r\n$16384\r\n");
  std::vector<std::string_view> args;
  CHECK(parser.next(args) == Status::kNeedMore);
}

TEST_CASE("before AUTH an invalid count is still 'invalid multibulk length'") {
  check_error("*2147483648\r\n", "ERR Protocol error: invalid multibulk length", {}, {}, false);
}

TEST_CASE("authenticating lifts the unauthenticated limits from the next request on") {
  RequestParser parser;
  parser.set_authenticated(false);
  parser.feed("AUTH secret\r\n*11\r\n");
  std::vector<std::string_view> args;
  REQUIRE(parser.next(args) == Status::kCommand);
  parser.set_authenticated(true);  // the server ran AUTH
  CHECK(parser.next(args) == Status::kNeedMore);
}

// --- query buffer limit ----------------------------------------------------------------------

TEST_CASE("an unfinished request over max_query_buffer is a query buffer limit error") {
  ParserLimits limits;
  limits.max_query_buffer = 1000;
  RequestParser parser(limits);
  parser.feed("*1\r\n$2000\r\n" + std::string(985, 'x'));  // 996 bytes buffered
  std::vector<std::string_view> args;
  CHECK(parser.next(args) == Status::kNeedMore);
  parser.feed("xxxxx");  // 1001
  CHECK(parser.next(args) == Status::kError);
  CHECK(parser.error_kind() == ErrorKind::kQueryBufferLimit);
  CHECK(parser.error() == "Closing client that reached max query buffer length");
}

TEST_CASE("complete requests are returned even when the read made the buffer exceed the limit") {
  ParserLimits limits;
  limits.max_query_buffer = 100;
  const std::string set = multibulk({"SET", "k", std::string(200, 'v')});
  check_every_cut(set + "PING\r\n", Outcome{{{"SET", "k", std::string(200, 'v')}, {"PING"}},
                                            Status::kNeedMore,
                                            "",
                                            ErrorKind::kNone});
  check_same(parse_whole(set + "*1\r\n$500\r\n" + std::string(100, 'x'), limits),
             Outcome{{{"SET", "k", std::string(200, 'v')}},
                     Status::kError,
                     "Closing client that reached max query buffer length",
                     ErrorKind::kQueryBufferLimit});
}

// --- limits at run time ----------------------------------------------------------------------

TEST_CASE("set_limits applies to the next header") {
  RequestParser parser;
  parser.feed("*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\n*2\r\n$4\r\nECHO\r\n$5\r\n");
  std::vector<std::string_view> args;
  REQUIRE(parser.next(args) == Status::kCommand);
  ParserLimits limits;
  limits.max_bulk_len = 4;
  parser.set_limits(limits);
  CHECK(parser.next(args) == Status::kError);
  CHECK(parser.error() == "ERR Protocol error: invalid bulk length");
}

// --- buffer ----------------------------------------------------------------------------------

TEST_CASE("argument views of several commands stay valid until the next prepare") {
  RequestParser parser;
  parser.feed("*2\r\n$3\r\nGET\r\n$1\r\na\r\nSET b \"x\\ty\"\r\nECHO 'c d'\r\n");
  std::vector<std::string_view> first;
  std::vector<std::string_view> second;
  std::vector<std::string_view> third;
  REQUIRE(parser.next(first) == Status::kCommand);
  REQUIRE(parser.next(second) == Status::kCommand);
  REQUIRE(parser.next(third) == Status::kCommand);
  CHECK(first == std::vector<std::string_view>{"GET", "a"});
  CHECK(second == std::vector<std::string_view>{"SET", "b", "x\ty"});
  CHECK(third == std::vector<std::string_view>{"ECHO", "c d"});
}

TEST_CASE("reading into prepare's region and committing is the same as feeding") {
  const std::string wire = "*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\nPING\r\n";
  RequestParser parser;
  Outcome outcome;
  for (std::size_t at = 0; at < wire.size(); at += 7) {
    const std::span<char> room = parser.prepare(7);
    REQUIRE(room.size() >= 7);
    const std::string_view chunk = std::string_view(wire).substr(at, 7);
    std::copy(chunk.begin(), chunk.end(), room.begin());
    parser.commit(chunk.size());
    drain(parser, outcome);
  }
  CHECK(outcome.commands == std::vector<Command>{{"ECHO", "abc"}, {"PING"}});
}

TEST_CASE("buffered_bytes counts only the unfinished request") {
  RequestParser parser;
  parser.feed("PING\r\n*1\r\n$4\r\nPI");
  CHECK(parser.buffered_bytes() == 16);
  std::vector<std::string_view> args;
  REQUIRE(parser.next(args) == Status::kCommand);
  CHECK(parser.next(args) == Status::kNeedMore);
  CHECK(parser.buffered_bytes() == 10);
  CHECK(parser.capacity_bytes() >= 16);
}

TEST_CASE("a buffer grown past 64 KiB is released once it is empty") {
  RequestParser parser;
  parser.feed(multibulk({"SET", "k", std::string(1 << 20, 'v')}));
  std::vector<std::string_view> args;
  REQUIRE(parser.next(args) == Status::kCommand);
  CHECK(parser.capacity_bytes() > (1 << 20));
  const std::size_t read_size = 16384;
  const std::span<char> room = parser.prepare(read_size);
  CHECK(room.size() >= read_size);
  CHECK(parser.capacity_bytes() <= 65536);
}

TEST_CASE("a large bulk arriving in small reads is parsed in linear time") {
  // Rescanning the held bytes on every read would take minutes here.
  const std::size_t size = 32 << 20;
  const std::string wire = "*2\r\n$4\r\nECHO\r\n$" + std::to_string(size) + "\r\n";
  const std::string chunk(1024, 'z');
  RequestParser parser;
  std::vector<std::string_view> args;
  const auto start = std::chrono::steady_clock::now();
  parser.feed(wire);
  REQUIRE(parser.next(args) == Status::kNeedMore);
  for (std::size_t sent = 0; sent < size; sent += chunk.size()) {
    parser.feed(chunk);
    REQUIRE(parser.next(args) == Status::kNeedMore);
  }
  parser.feed("\r\n");
  REQUIRE(parser.next(args) == Status::kCommand);
  CHECK(args[1].size() == size);
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("32 MiB bulk in 1 KiB reads: %.3f s\n", seconds);
  CHECK(seconds < 20.0);
}

TEST_CASE("a long junk inline line arriving in small reads is scanned once") {
  // 60,000 one-byte reads of a line just under the inline limit: each read scans one new byte.
  RequestParser parser;
  std::vector<std::string_view> args;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 60000; ++i) {
    parser.feed("x");
    REQUIRE(parser.next(args) == Status::kNeedMore);
  }
  parser.feed("\n");
  REQUIRE(parser.next(args) == Status::kCommand);
  CHECK(args[0].size() == 60000);
  const auto seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 20.0);
}

}  // namespace
}  // namespace tern::node::resp
