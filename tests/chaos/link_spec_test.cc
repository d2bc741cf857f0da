// Addresses and links as tern-chaos-proxy's command line gives them.
#include "chaos/link_spec.h"

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace tern::chaos {
namespace {

TEST_CASE("link spec parses name listen and target") {
  const auto link = parse_link_spec("eu-us=127.0.0.1:7000->10.0.0.2:6379");
  REQUIRE_MESSAGE(link.ok(), link.error());
  CHECK(link.value() == LinkSpec{"eu-us", {"127.0.0.1", 7000}, {"10.0.0.2", 6379}});
}

TEST_CASE("link spec accepts host names and bracketed ipv6 hosts") {
  const auto link = parse_link_spec("v6=[::1]:0->localhost:6379");
  REQUIRE_MESSAGE(link.ok(), link.error());
  CHECK(link.value().listen == HostPort{"::1", 0});
  CHECK(link.value().target == HostPort{"localhost", 6379});
}

TEST_CASE("link spec refuses a target port of zero") {
  CHECK(parse_link_spec("a=127.0.0.1:0->127.0.0.1:0").error() ==
        "link a: the target port must not be 0");
}

TEST_CASE("link spec refuses malformed text with a reason") {
  for (const std::string_view bad :
       {"", "a", "a=127.0.0.1:1", "127.0.0.1:1->127.0.0.1:2", "a->b=c", "=127.0.0.1:1->h:2",
        "a=127.0.0.1->h:2", "a=127.0.0.1:1->h", "a=:1->h:2", "a=h:65536->h:2", "a=h:-1->h:2",
        "a=h:1->h:2x", "a=::1:5->h:2", "a=[::1->h:2", "a=[::1]5->h:2", "a b=h:1->h:2",
        "*=h:1->h:2"}) {
    CAPTURE(bad);
    const auto link = parse_link_spec(bad);
    CHECK_FALSE(link.ok());
    CHECK_FALSE(link.error().empty());
  }
}

TEST_CASE("link name allows letters digits dash underscore and dot only") {
  CHECK(is_valid_link_name("eu-west_1.a"));
  CHECK_FALSE(is_valid_link_name(""));
  CHECK_FALSE(is_valid_link_name("*"));
  CHECK_FALSE(is_valid_link_name("a b"));
  CHECK_FALSE(is_valid_link_name(std::string(65, 'a')));
}

TEST_CASE("host port text reads back as the same address") {
  for (const HostPort& address :
       {HostPort{"127.0.0.1", 1}, HostPort{"::1", 65535}, HostPort{"example.org", 0}}) {
    const auto again = parse_host_port(to_text(address));
    REQUIRE(again.ok());
    CHECK(again.value() == address);
  }
}

}  // namespace
}  // namespace tern::chaos
