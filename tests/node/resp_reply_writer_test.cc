// ReplyWriter's bytes for every reply type under RESP2 and RESP3. The expected bytes are what
// redis-server 7.0.15 sent for the same reply (HELLO 2/3, DEBUG PROTOCOL, ZSCORE, EVAL returning
// {double=...}, BLPOP timing out, CLIENT INFO, SUBSCRIBE).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "node/resp/reply_writer.h"

namespace tern::node::resp {
namespace {

using namespace std::string_literals;

template <typename Write>
std::string written(int protocol, Write write) {
  std::string out;
  ReplyWriter writer(out);
  writer.set_protocol(protocol);
  write(writer);
  return out;
}

std::string resp2_double(double d) {
  return written(2, [&](ReplyWriter& w) { w.double_value(d); });
}
std::string resp3_double(double d) {
  return written(3, [&](ReplyWriter& w) { w.double_value(d); });
}

TEST_CASE("protocol defaults to RESP2 and follows set_protocol") {
  std::string out;
  ReplyWriter writer(out);
  CHECK(writer.protocol() == 2);
  writer.set_protocol(3);
  CHECK(writer.protocol() == 3);
  writer.set_protocol(2);
  CHECK(writer.protocol() == 2);
}

TEST_CASE("writer appends after what the output already holds") {
  std::string out = "+PONG\r\n";
  ReplyWriter writer(out);
  writer.integer(7);
  writer.ok();
  CHECK(out == "+PONG\r\n:7\r\n+OK\r\n");
}

TEST_CASE("simple string, integer and bulk are the same in RESP2 and RESP3") {
  for (int protocol : {2, 3}) {
    CAPTURE(protocol);
    CHECK(written(protocol, [](ReplyWriter& w) { w.simple("PONG"); }) == "+PONG\r\n");
    CHECK(written(protocol, [](ReplyWriter& w) { w.ok(); }) == "+OK\r\n");
    CHECK(written(protocol, [](ReplyWriter& w) { w.integer(0); }) == ":0\r\n");
    CHECK(written(protocol, [](ReplyWriter& w) { w.integer(-42); }) == ":-42\r\n");
    CHECK(written(protocol, [](ReplyWriter& w) {
            w.integer(std::numeric_limits<long long>::min());
          }) == ":-9223372036854775808\r\n");
    CHECK(written(protocol, [](ReplyWriter& w) { w.bulk("foo"); }) == "$3\r\nfoo\r\n");
    CHECK(written(protocol, [](ReplyWriter& w) { w.bulk(""); }) == "$0\r\n\r\n");
    CHECK(written(protocol, [](ReplyWriter& w) { w.bulk("a\r\n\0b"s); }) == "$5\r\na\r\n\0b\r\n"s);
    CHECK(written(protocol, [](ReplyWriter& w) { w.array(3); }) == "*3\r\n");
    CHECK(written(protocol, [](ReplyWriter& w) { w.array(0); }) == "*0\r\n");
  }
}

TEST_CASE("error is written with its code after '-'") {
  CHECK(written(2, [](ReplyWriter& w) { w.error("ERR syntax error"); }) == "-ERR syntax error\r\n");
  CHECK(written(3, [](ReplyWriter& w) {
          w.error("WRONGTYPE Operation against a key holding the wrong kind of value");
        }) == "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

TEST_CASE("error drops CR and LF at its ends and turns inner ones into spaces, as Redis does") {
  // redis.error_reply("ERR a\r\nb\n") reaches the client as "-ERR a  b".
  CHECK(written(2, [](ReplyWriter& w) { w.error("ERR a\r\nb\n"); }) == "-ERR a  b\r\n");
  CHECK(written(2, [](ReplyWriter& w) { w.error("\r\nERR x\ry"); }) == "-ERR x y\r\n");
}

TEST_CASE("simple string turns CR and LF into spaces so the reply stays one line") {
  // redis.status_reply("a\r\nb") reaches the client as "+a  b".
  CHECK(written(2, [](ReplyWriter& w) { w.simple("a\r\nb"); }) == "+a  b\r\n");
}

TEST_CASE("null is a bulk of length -1 in RESP2 and _ in RESP3") {
  CHECK(written(2, [](ReplyWriter& w) { w.null(); }) == "$-1\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.null(); }) == "_\r\n");
}

TEST_CASE("null array is an array of length -1 in RESP2 and _ in RESP3") {
  CHECK(written(2, [](ReplyWriter& w) { w.null_array(); }) == "*-1\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.null_array(); }) == "_\r\n");
}

TEST_CASE("map is an array of twice the pairs in RESP2 and %pairs in RESP3") {
  CHECK(written(2, [](ReplyWriter& w) { w.map(7); }) == "*14\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.map(7); }) == "%7\r\n");
  CHECK(written(2, [](ReplyWriter& w) { w.map(0); }) == "*0\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.map(0); }) == "%0\r\n");
}

TEST_CASE("set is an array in RESP2 and ~n in RESP3") {
  CHECK(written(2, [](ReplyWriter& w) { w.set(3); }) == "*3\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.set(3); }) == "~3\r\n");
}

TEST_CASE("push is an array in RESP2 and >n in RESP3") {
  const auto subscribe = [](ReplyWriter& w) {
    w.push(3);
    w.bulk("subscribe");
    w.bulk("ch");
    w.integer(1);
  };
  CHECK(written(2, subscribe) == "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
  CHECK(written(3, subscribe) == ">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
}

TEST_CASE("boolean is :1 and :0 in RESP2 and #t and #f in RESP3") {
  CHECK(written(2, [](ReplyWriter& w) { w.boolean(true); }) == ":1\r\n");
  CHECK(written(2, [](ReplyWriter& w) { w.boolean(false); }) == ":0\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.boolean(true); }) == "#t\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.boolean(false); }) == "#f\r\n");
}

TEST_CASE("verbatim string is a bulk in RESP2 and =len with its format in RESP3") {
  const std::string text = "This is a verbatim\nstring";
  CHECK(written(2, [&](ReplyWriter& w) { w.verbatim(text); }) ==
        "$25\r\nThis is a verbatim\nstring\r\n");
  CHECK(written(3, [&](ReplyWriter& w) { w.verbatim(text); }) ==
        "=29\r\ntxt:This is a verbatim\nstring\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.verbatim("# x", "mkd"); }) == "=7\r\nmkd:# x\r\n");
  CHECK(written(3, [](ReplyWriter& w) { w.verbatim(""); }) == "=4\r\ntxt:\r\n");
}

TEST_CASE("big number is a bulk in RESP2 and (digits in RESP3") {
  const std::string digits = "1234567999999999999999999999999999999";
  CHECK(written(2, [&](ReplyWriter& w) { w.big_number(digits); }) == "$37\r\n" + digits + "\r\n");
  CHECK(written(3, [&](ReplyWriter& w) { w.big_number(digits); }) == "(" + digits + "\r\n");
}

TEST_CASE("double is a bulk of %.17g in RESP2 and ,%.17g in RESP3, as Redis 7.0 prints it") {
  struct Case {
    double value;
    const char* text;
  };
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Case cases[] = {{inf, "inf"},
                        {-inf, "-inf"},
                        {1.5, "1.5"},
                        {0.1, "0.10000000000000001"},
                        {1e300, "1.0000000000000001e+300"},
                        {-0.0, "-0"},
                        {0.0, "0"},
                        {3.0, "3"},
                        {1e-300, "1e-300"},
                        {100.0, "100"},
                        {1e17, "1e+17"},
                        {123456789012345678.0, "1.2345678901234568e+17"},
                        {123456789.123, "123456789.123"},
                        {3.141, "3.141"},
                        {nan, "nan"},
                        {-nan, "-nan"}};
  for (const Case& c : cases) {
    CAPTURE(c.text);
    const std::string text = c.text;
    CHECK(resp2_double(c.value) == "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n");
    CHECK(resp3_double(c.value) == "," + text + "\r\n");
  }
}

TEST_CASE("double formatting equals printf %.17g for random bit patterns") {
  const std::uint64_t seed = std::random_device{}();
  std::printf("double formatting seed: %llu\n", static_cast<unsigned long long>(seed));
  CAPTURE(seed);
  std::mt19937_64 random(seed);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t bits = random();
    double value = 0;
    std::memcpy(&value, &bits, sizeof value);
    char expected[64];
    std::snprintf(expected, sizeof expected, "%.17g", value);
    CAPTURE(expected);
    REQUIRE(resp3_double(value) == "," + std::string(expected) + "\r\n");
  }
}

}  // namespace
}  // namespace tern::node::resp
