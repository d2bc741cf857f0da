// The client-facing TLS context (Redis's tls-* directives): redis-cli --tls style clients, with
// and without certificates, and the parsing of tls-protocols.
#include "tls/client_context.h"

#include <doctest/doctest.h>

#include "tests/tls/tls_fixture.h"

namespace tern::tls::test {
namespace {

ClientTlsSettings settings_for(const Deployment& deployment, const std::string& auth_clients) {
  ClientTlsSettings settings;
  settings.certificate_file = node_certificate_path(deployment.good, east("node-1")).string();
  settings.key_file = node_key_path(deployment.good, east("node-1")).string();
  settings.ca_certificate_file = ca_certificate_path(deployment.good).string();
  settings.auth_clients = auth_clients;
  return settings;
}

SharedContext client_facing(const ClientTlsSettings& settings) {
  auto context = make_client_facing_context(settings);
  REQUIRE_MESSAGE(context.ok(), context.error());
  return std::move(context).value();
}

TEST_CASE("client TLS: with tls-auth-clients no, a client without a certificate is served") {
  Deployment deployment;
  Loopback loopback;
  SharedContext server = client_facing(settings_for(deployment, "no"));
  loopback.serve([server] { return server; });
  // Like `redis-cli --tls --cacert ca.crt`: verifies the server, presents nothing.
  auto client = loopback.connect(
      plain_client_context(ca_certificate_path(deployment.good), TLS1_3_VERSION, std::nullopt));
  loopback.run_until([&] { return client->handshake.has_value(); });
  REQUIRE_MESSAGE(client->handshake->accepted, client->handshake->refusal_reason);
  client->send("*1\r\n$4\r\nPING\r\n");
  loopback.run_until([&] { return client->exchanged(); });
  CHECK(client->reply == std::optional<std::string>("*1\r\n$4\r\nPING\r\n"));
  CHECK(loopback.log_lines().empty());
}

TEST_CASE("client TLS: TLS 1.2 clients are served by default, as by Redis") {
  Deployment deployment;
  Loopback loopback;
  SharedContext server = client_facing(settings_for(deployment, "no"));
  loopback.serve([server] { return server; });
  auto client = loopback.connect(
      plain_client_context(ca_certificate_path(deployment.good), TLS1_2_VERSION, std::nullopt));
  loopback.run_until([&] { return client->handshake.has_value(); });
  REQUIRE_MESSAGE(client->handshake->accepted, client->handshake->refusal_reason);
  CHECK(SSL_version(client->stream.native_handle()) == TLS1_2_VERSION);
}

TEST_CASE("client TLS: with tls-auth-clients yes, a client without a certificate is refused") {
  Deployment deployment;
  Loopback loopback;
  SharedContext server = client_facing(settings_for(deployment, "yes"));
  loopback.serve([server] { return server; });
  loopback.connect(
      plain_client_context(ca_certificate_path(deployment.good), TLS1_3_VERSION, std::nullopt));
  loopback.run_until([&] {
    return !loopback.servers().empty() && loopback.servers().front()->handshake.has_value();
  });
  CHECK_FALSE(loopback.servers().front()->handshake->accepted);
  CHECK(loopback.logged("the peer sent no certificate"));
}

TEST_CASE("client TLS: tls-protocols parses Redis's names into a version range") {
  CHECK(parse_tls_protocols("").value() == ProtocolRange{TLS1_2_VERSION, TLS1_3_VERSION});
  CHECK(parse_tls_protocols("TLSv1.3").value() == ProtocolRange{TLS1_3_VERSION, TLS1_3_VERSION});
  CHECK(parse_tls_protocols(" tlsv1.2  TLSv1.3 ").value() ==
        ProtocolRange{TLS1_2_VERSION, TLS1_3_VERSION});
  CHECK(parse_tls_protocols("TLSv1 TLSv1.1").value() ==
        ProtocolRange{TLS1_VERSION, TLS1_1_VERSION});
  CHECK(parse_tls_protocols("SSLv3").error() ==
        "invalid tls-protocols: unknown protocol 'SSLv3' (use TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3)");
  CHECK(parse_tls_protocols("TLSv1.1 TLSv1.3").error() ==
        "invalid tls-protocols: versions must be consecutive (missing tlsv1.2)");
}

TEST_CASE("client TLS: tls-protocols TLSv1.3 refuses a TLS 1.2 client") {
  Deployment deployment;
  Loopback loopback;
  auto settings = settings_for(deployment, "no");
  settings.protocols = "TLSv1.3";
  SharedContext server = client_facing(settings);
  loopback.serve([server] { return server; });
  loopback.connect(
      plain_client_context(ca_certificate_path(deployment.good), TLS1_2_VERSION, std::nullopt));
  loopback.run_until([&] {
    return !loopback.servers().empty() && loopback.servers().front()->handshake.has_value();
  });
  CHECK_FALSE(loopback.servers().front()->handshake->accepted);
  CHECK(loopback.logged("protocol version refused"));
}

TEST_CASE("client TLS: bad settings are refused with the directive named") {
  Deployment deployment;
  auto settings = settings_for(deployment, "maybe");
  CHECK(make_client_facing_context(settings).error() ==
        "invalid tls-auth-clients 'maybe' (use yes, no or optional)");

  settings = settings_for(deployment, "yes");
  settings.ca_certificate_file.clear();
  CHECK(make_client_facing_context(settings).error() ==
        "tls-ca-cert-file/tls-ca-cert-dir (needed by tls-auth-clients yes): no CA certificate "
        "file or directory configured");

  settings = settings_for(deployment, "no");
  settings.ciphersuites = "TLS_NO_SUCH_SUITE";
  CHECK(make_client_facing_context(settings).error().find(
            "invalid tls-ciphersuites 'TLS_NO_SUCH_SUITE'") == 0);

  settings = settings_for(deployment, "no");
  settings.key_file = (deployment.root.path() / "absent.key").string();
  CHECK(make_client_facing_context(settings).error() == "tls-cert-file/tls-key-file: cannot read " +
                                                            settings.key_file +
                                                            ": No such file or directory");
}

}  // namespace
}  // namespace tern::tls::test
