// The metrics endpoint's pure parts: the HTTP request head reader (node/metrics/
// http_request_head.h) accepts GET /metrics, refuses what is not HTTP/1.x or too long without
// waiting for more, and the Prometheus text (metrics_text.h) has one HELP/TYPE per family, the
// peer region as a label, and escaped label values.
#include <doctest/doctest.h>

#include <string>

#include "node/metrics/http_request_head.h"
#include "node/metrics/metrics_text.h"

namespace tern::node {
namespace {

TEST_CASE("metrics http head: a complete GET gives method and path without the query") {
  const auto head = parse_http_request_head("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(head.status == HttpRequestHead::Status::kComplete);
  CHECK(head.method == "GET");
  CHECK(head.path == "/metrics");
}

TEST_CASE("metrics http head: a head cut short waits for more") {
  CHECK(parse_http_request_head("GET /metrics HTTP/1.1\r\nHost:").status == HttpRequestHead::Status::kIncomplete);
  CHECK(parse_http_request_head("GE").status == HttpRequestHead::Status::kIncomplete);
}

TEST_CASE("metrics http head: a first line that is not HTTP is refused at once") {
  CHECK(parse_http_request_head("PING\r\n").status == HttpRequestHead::Status::kBad);
  CHECK(parse_http_request_head("get /metrics HTTP/1.1\r\n\r\n").status == HttpRequestHead::Status::kBad);
  CHECK(parse_http_request_head("GET metrics HTTP/1.1\r\n\r\n").status == HttpRequestHead::Status::kBad);
  CHECK(parse_http_request_head("GET /metrics SPDY/3\r\n\r\n").status == HttpRequestHead::Status::kBad);
}

TEST_CASE("metrics http head: a head longer than the limit is refused") {
  std::string endless = "GET /metrics HTTP/1.1\r\n";
  endless += std::string(9000, 'x');
  CHECK(parse_http_request_head(endless, 8192).status == HttpRequestHead::Status::kTooLarge);
  std::string complete_but_long = "GET /metrics HTTP/1.1\r\nX: " + std::string(9000, 'y') + "\r\n\r\n";
  CHECK(parse_http_request_head(complete_but_long, 8192).status == HttpRequestHead::Status::kTooLarge);
}

TEST_CASE("metrics text: peer regions are labels and every family is declared once") {
  MetricsInput input;
  input.region = "east";
  input.clock_skew_warnings = 3;
  ShippingReport shipping;
  PeerRegionReport west;
  west.name = "west";
  west.outbound_up = true;
  west.lag_ms = 12;
  west.wire_bytes_sent = 4096;
  PeerRegionReport odd;
  odd.name = "a\"b";
  shipping.peers = {west, odd};
  input.shipping = shipping;
  const std::string text = render_metrics(input);
  CHECK(text.find("tern_peer_lag_ms{region=\"east\",peer=\"west\"} 12\n") != std::string::npos);
  CHECK(text.find("tern_peer_link_up{region=\"east\",peer=\"west\"} 1\n") != std::string::npos);
  CHECK(text.find("tern_peer_wire_bytes_sent_total{region=\"east\",peer=\"west\"} 4096\n") != std::string::npos);
  CHECK(text.find("peer=\"a\\\"b\"") != std::string::npos);
  CHECK(text.find("tern_clock_skew_warnings_total{region=\"east\"} 3\n") != std::string::npos);
  std::size_t declarations = 0;
  for (std::size_t at = text.find("# TYPE tern_peer_lag_ms "); at != std::string::npos;
       at = text.find("# TYPE tern_peer_lag_ms ", at + 1)) {
    ++declarations;
  }
  CHECK(declarations == 1);
  CHECK(text.find("tern_region_term") == std::string::npos);  // no region report given
}

}  // namespace
}  // namespace tern::node
