// Reload without restart: new connections take the new context, existing ones keep theirs, and a
// reload that cannot build a context changes nothing.
#include "tls/reloadable_context.h"

#include <doctest/doctest.h>

#include <fstream>

#include "tests/tls/tls_fixture.h"

namespace tern::tls::test {
namespace {

// node-1 listens through a ReloadableContext; node-2 dials.
struct ReloadingServer {
  Deployment deployment;
  Loopback loopback;
  std::unique_ptr<ReloadableContext> holder;

  ReloadingServer() {
    auto created = ReloadableContext::create(peer_context_builder(
        PeerRole::kAccepting, deployment.files(deployment.good, east("node-1")), {east("node-2")}));
    REQUIRE_MESSAGE(created.ok(), created.error());
    holder = std::move(created).value();
    loopback.serve([this] { return holder->current(); });
  }

  std::shared_ptr<ClientSession> connected_client() {
    auto client = loopback.connect(deployment.peer_context(PeerRole::kConnecting, deployment.good,
                                                           east("node-2"), {east("node-1")}));
    loopback.run_until([&] { return client->handshake.has_value(); });
    REQUIRE_MESSAGE(client->handshake->accepted, client->handshake->refusal_reason);
    return client;
  }

  void require_echo(ClientSession& client, const std::string& message) {
    client.send(message);
    loopback.run_until([&] { return client.exchanged(); });
    REQUIRE_MESSAGE(client.reply.has_value(), client.read_failure.value_or(""));
    CHECK(*client.reply == message);
  }
};

TEST_CASE("reload: new connections get the new certificate, an existing link keeps working") {
  ReloadingServer server;
  auto old_link = server.connected_client();
  server.require_echo(*old_link, "before reload");
  const std::string old_fingerprint = old_link->server_fingerprint();
  const std::weak_ptr<asio::ssl::context> old_context = server.holder->current();

  // Rotate node-1's certificate in place, as an operator would, and reload.
  auto rotate = tool_options(server.deployment.good, {east("node-1")});
  rotate.ca_dir = server.deployment.good;
  rotate.force = true;
  make_certificates(rotate);
  Status reloaded = server.holder->reload();
  REQUIRE_MESSAGE(reloaded.ok(), reloaded.error());
  CHECK(server.holder->generation() == 2);

  auto new_link = server.connected_client();
  CHECK(new_link->server_fingerprint() != old_fingerprint);
  server.require_echo(*new_link, "after reload, new link");

  // The old link was made with the old context and still carries data through it.
  server.require_echo(*old_link, "after reload, old link");
  CHECK(old_link->server_fingerprint() == old_fingerprint);
  CHECK_FALSE(old_context.expired());  // kept alive by the old link's server session alone
  CHECK(server.holder->current() != old_context.lock());
}

TEST_CASE("reload: a broken certificate file keeps the old context and reports why") {
  ReloadingServer server;
  const SharedContext before = server.holder->current();
  const auto certificate = node_certificate_path(server.deployment.good, east("node-1"));
  std::ofstream(certificate, std::ios::trunc) << "-----BEGIN CERTIFICATE-----\nnot base64\n";

  Status reloaded = server.holder->reload();
  CHECK_FALSE(reloaded.ok());
  INFO(reloaded.error());
  CHECK(reloaded.error().find("TLS reload failed, keeping the current context: ") == 0);
  CHECK(reloaded.error().find("cannot load certificate " + certificate.string()) !=
        std::string::npos);
  CHECK(server.holder->current() == before);
  CHECK(server.holder->generation() == 1);

  // New connections still get the old, working context.
  auto link = server.connected_client();
  server.require_echo(*link, "still serving");
}

TEST_CASE("reload: a key that does not match the certificate keeps the old context") {
  ReloadingServer server;
  const SharedContext before = server.holder->current();
  std::filesystem::copy_file(node_key_path(server.deployment.good, east("node-2")),
                             node_key_path(server.deployment.good, east("node-1")),
                             std::filesystem::copy_options::overwrite_existing);
  Status reloaded = server.holder->reload();
  CHECK_FALSE(reloaded.ok());
  INFO(reloaded.error());
  CHECK(reloaded.error().find("does not match certificate") != std::string::npos);
  CHECK(server.holder->current() == before);
}

TEST_CASE("reload: a missing file is named in the error") {
  ReloadingServer server;
  std::filesystem::remove(ca_certificate_path(server.deployment.good));
  Status reloaded = server.holder->reload();
  CHECK_FALSE(reloaded.ok());
  CHECK(reloaded.error().find("cannot read " +
                              ca_certificate_path(server.deployment.good).string() +
                              ": No such file or directory") != std::string::npos);
}

}  // namespace
}  // namespace tern::tls::test
