// tern-chaos-proxy's command line and config file text.
#include "chaos/proxy_options.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tern::chaos {
namespace {

Result<ProxyOptions> parse(std::vector<std::string> args) { return parse_command_line(args); }

TEST_CASE("command line takes repeated links and a control address") {
  const auto options = parse({"--link", "a=127.0.0.1:0->127.0.0.1:6379", "--link",
                              "b=127.0.0.1:0->127.0.0.1:6380", "--control", "127.0.0.1:7100"});
  REQUIRE_MESSAGE(options.ok(), options.error());
  REQUIRE(options.value().links.size() == 2);
  CHECK(options.value().links[1].name == "b");
  CHECK(*options.value().control == HostPort{"127.0.0.1", 7100});
  CHECK(validate_options(options.value()).ok());
}

TEST_CASE("command line accepts the name equals value form") {
  const auto options = parse({"--link=a=127.0.0.1:0->127.0.0.1:6379", "--control=127.0.0.1:0",
                              "--max-buffer=65536", "--seed=7"});
  REQUIRE_MESSAGE(options.ok(), options.error());
  CHECK(options.value().links[0].target.port == 6379);
  CHECK(*options.value().max_buffer_bytes == 65536);
  CHECK(*options.value().seed == 7);
}

TEST_CASE("command line refuses unknown options stray words and missing values") {
  CHECK(parse({"--bogus", "1"}).error() == "unknown option 'bogus'");
  CHECK(parse({"link"}).error() == "unexpected argument 'link'");
  CHECK(parse({"--control"}).error() == "--control needs a value");
  CHECK(parse({"--"}).error() == "unexpected argument '--'");
  CHECK_FALSE(parse({"--link", "nonsense"}).ok());
  CHECK_FALSE(parse({"--seed", "x"}).ok());
}

TEST_CASE("max buffer must be within bounds") {
  CHECK_FALSE(parse({"--max-buffer", "1000"}).ok());
  CHECK_FALSE(parse({"--max-buffer", "2000000000"}).ok());
  CHECK(parse({"--max-buffer", "1048576"}).ok());
}

TEST_CASE("help and version are recognised without other options") {
  CHECK(parse({"--help"}).value().help);
  CHECK(parse({"-v"}).value().version);
}

TEST_CASE("config text adds links and skips comments and blank lines") {
  const auto options = merge_config_text(ProxyOptions{},
                                         "# links between regions\n"
                                         "\n"
                                         "link eu-us=127.0.0.1:0->127.0.0.1:6379   # shipper\n"
                                         "  control 127.0.0.1:7100\r\n"
                                         "seed 5\n");
  REQUIRE_MESSAGE(options.ok(), options.error());
  CHECK(options.value().links.size() == 1);
  CHECK(options.value().control->port == 7100);
  CHECK(*options.value().seed == 5);
}

TEST_CASE("command line values win over the config file") {
  auto options = parse({"--control", "127.0.0.1:1", "--link", "a=h:0->h:1"});
  REQUIRE(options.ok());
  const auto merged = merge_config_text(options.value(), "control 127.0.0.1:2\nlink b=h:0->h:2\n");
  REQUIRE(merged.ok());
  CHECK(merged.value().control->port == 1);
  CHECK(merged.value().links.size() == 2);
}

TEST_CASE("config text errors name the line") {
  CHECK(merge_config_text(ProxyOptions{}, "\n\nlink\n").error() == "line 3: 'link' has no value");
  CHECK(merge_config_text(ProxyOptions{}, "config other.conf\n").error() ==
        "line 1: unknown option 'config'");
  CHECK(merge_config_text(ProxyOptions{}, "link a=b\n").error().starts_with("line 1: bad link"));
}

TEST_CASE("validate requires a link and a control address") {
  CHECK(validate_options(ProxyOptions{}).error() == "give at least one --link NAME=LISTEN->TARGET");
  ProxyOptions no_control;
  no_control.links.push_back(LinkSpec{"a", {"h", 0}, {"h", 1}});
  CHECK(validate_options(no_control).error() == "give the control address: --control HOST:PORT");
}

TEST_CASE("validate refuses duplicate link names") {
  const auto options = parse({"--control", "h:1", "--link", "a=h:0->h:1", "--link", "a=h:0->h:2"});
  REQUIRE(options.ok());
  CHECK(validate_options(options.value()).error() == "link name 'a' is used twice");
}

}  // namespace
}  // namespace tern::chaos
