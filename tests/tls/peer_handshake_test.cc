// Peer links: mutual TLS 1.3 between nodes of one deployment, and each way it must refuse a
// connection, with the reason in the log. Every case runs real handshakes over loopback TCP.
#include <doctest/doctest.h>

#include "tests/tls/tls_fixture.h"

namespace tern::tls::test {
namespace {

// node-1 accepts links from node-2; node-2 dials node-1.
struct PeerLink {
  Deployment deployment;
  Loopback loopback;

  explicit PeerLink(std::vector<PeerIdentity> accepted = {east("node-2")}) {
    SharedContext server = deployment.peer_context(PeerRole::kAccepting, deployment.good,
                                                   east("node-1"), std::move(accepted));
    loopback.serve([server] { return server; });
  }

  std::shared_ptr<ClientSession> dial_as(const std::filesystem::path& dir,
                                         const PeerIdentity& node) {
    return loopback.connect(
        deployment.peer_context(PeerRole::kConnecting, dir, node, {east("node-1")}));
  }

  // Waits for the server's verdict on the one connection made so far.
  std::shared_ptr<ServerSession> server_verdict() {
    loopback.run_until([&] {
      return !loopback.servers().empty() && loopback.servers().front()->handshake.has_value();
    });
    return loopback.servers().front();
  }
};

TEST_CASE("peer link: mutual TLS 1.3 handshake succeeds with certificates of the deployment") {
  PeerLink link;
  auto client = link.dial_as(link.deployment.good, east("node-2"));
  link.loopback.run_until([&] { return client->handshake.has_value(); });
  REQUIRE_MESSAGE(client->handshake->accepted, client->handshake->refusal_reason);
  auto server = link.server_verdict();
  REQUIRE_MESSAGE(server->handshake->accepted, server->handshake->refusal_reason);

  CHECK(SSL_version(client->stream.native_handle()) == TLS1_3_VERSION);
  CHECK(SSL_version(server->stream.native_handle()) == TLS1_3_VERSION);
  // Mutual: each side holds the other's certificate.
  CHECK(SSL_get0_peer_certificate(client->stream.native_handle()) != nullptr);
  CHECK(SSL_get0_peer_certificate(server->stream.native_handle()) != nullptr);

  client->send("replicate batch 1");
  link.loopback.run_until([&] { return client->exchanged(); });
  CHECK(client->reply == std::optional<std::string>("replicate batch 1"));
  CHECK(link.loopback.log_lines().empty());
}

TEST_CASE("peer link: a certificate signed by another CA is refused, reason logged") {
  PeerLink link;
  link.dial_as(link.deployment.rogue, east("node-2"));
  auto server = link.server_verdict();
  CHECK_FALSE(server->handshake->accepted);
  INFO(link.loopback.all_log_lines());
  CHECK(link.loopback.logged("inbound peer link 127.0.0.1:"));
  CHECK(link.loopback.logged("refused: peer certificate refused: not signed by the deployment CA"));
}

TEST_CASE("peer link: an expired certificate is refused, reason logged") {
  PeerLink link;
  link.dial_as(link.deployment.expired, east("node-2"));
  auto server = link.server_verdict();
  CHECK_FALSE(server->handshake->accepted);
  INFO(link.loopback.all_log_lines());
  CHECK(link.loopback.logged("refused: peer certificate refused: expired (notAfter "));
}

TEST_CASE("peer link: a certificate naming another node is refused, reason logged") {
  PeerLink link({east("node-3")});  // node-1 expects node-3; node-2 dials
  auto client = link.dial_as(link.deployment.good, east("node-2"));
  auto server = link.server_verdict();
  CHECK_FALSE(server->handshake->accepted);
  INFO(link.loopback.all_log_lines());
  CHECK(link.loopback.logged(
      "refused: peer certificate refused: names tern://east/node-2, expected tern://east/node-3"));

  // TLS 1.3: the dialling side learns of the refusal on its first read, as an alert.
  link.loopback.run_until([&] { return client->handshake.has_value(); });
  if (client->handshake->accepted) {
    client->send("hello");
    link.loopback.run_until([&] { return client->exchanged(); });
    REQUIRE(client->read_failure.has_value());
    CHECK(client->read_failure->find("the other side refused this connection (alert: ") == 0);
  }
}

TEST_CASE("peer link: the dialling side refuses a server that names another node") {
  Deployment deployment;
  Loopback loopback;
  // node-3 answers where node-2 expects node-1.
  SharedContext server = deployment.peer_context(PeerRole::kAccepting, deployment.good,
                                                 east("node-3"), {east("node-2")});
  loopback.serve([server] { return server; });
  auto client = loopback.connect(deployment.peer_context(PeerRole::kConnecting, deployment.good,
                                                         east("node-2"), {east("node-1")}));
  loopback.run_until([&] { return client->handshake.has_value(); });
  CHECK_FALSE(client->handshake->accepted);
  INFO(loopback.all_log_lines());
  CHECK(loopback.logged("outbound peer link 127.0.0.1:"));
  CHECK(loopback.logged(
      "refused: peer certificate refused: names tern://east/node-3, expected tern://east/node-1"));
}

TEST_CASE("peer link: a plaintext client is refused, reason logged") {
  PeerLink link;
  auto client = link.loopback.connect_plaintext();
  auto server = link.server_verdict();
  CHECK_FALSE(server->handshake->accepted);
  INFO(link.loopback.all_log_lines());
  CHECK(link.loopback.logged("refused: plaintext connection refused: not a TLS ClientHello"));
  link.loopback.run_until([&] { return client->finished; });  // and the server hung up
}

TEST_CASE("peer link: a client offering only TLS 1.2 is refused") {
  PeerLink link;
  const auto& deployment = link.deployment;
  auto client = link.loopback.connect(
      plain_client_context(ca_certificate_path(deployment.good), TLS1_2_VERSION,
                           deployment.files(deployment.good, east("node-2"))));
  auto server = link.server_verdict();
  CHECK_FALSE(server->handshake->accepted);
  INFO(link.loopback.all_log_lines());
  CHECK(link.loopback.logged("refused: protocol version refused"));
  link.loopback.run_until([&] { return client->handshake.has_value(); });
  CHECK_FALSE(client->handshake->accepted);
}

TEST_CASE("peer link: a client without a certificate is refused") {
  PeerLink link;
  auto client = link.loopback.connect(plain_client_context(
      ca_certificate_path(link.deployment.good), TLS1_3_VERSION, std::nullopt));
  auto server = link.server_verdict();
  CHECK_FALSE(server->handshake->accepted);
  INFO(link.loopback.all_log_lines());
  CHECK(link.loopback.logged("refused: peer certificate refused: the peer sent no certificate"));
}

}  // namespace
}  // namespace tern::tls::test
