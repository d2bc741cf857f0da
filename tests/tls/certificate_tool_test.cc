// tern-certs: what it makes, that it keeps what is fine, that it says why it will not, and the
// binary itself (usage, a run, a re-run, and `openssl verify` on the output).
#include "tls/certificate_tool.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/tls/tls_fixture.h"
#include "tls/certificate_issuer.h"
#include "tls/pem_file.h"

namespace tern::tls::test {
namespace {

std::string contents(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::filesystem::perms mode_of(const std::filesystem::path& path) {
  return std::filesystem::status(path).permissions() & std::filesystem::perms::mask;
}

struct CommandResult {
  int status = -1;
  std::string output;  // stdout and stderr together
};

CommandResult run_command(const std::string& command) {
  CommandResult result;
  std::FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 512> buffer{};
  while (std::fgets(buffer.data(), static_cast<int>(buffer.size()), pipe) != nullptr) {
    result.output += buffer.data();
  }
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

bool openssl_cli_available() { return run_command("openssl version").status == 0; }

TEST_CASE("peer identity: names follow node/config's alphabet and form tern:// URIs") {
  CHECK(make_peer_identity("eu-west", "node_1.a").value().uri() == "tern://eu-west/node_1.a");
  CHECK(parse_peer_identity("east/node-3").value() == PeerIdentity{"east", "node-3"});
  CHECK(parse_peer_identity("east/node/3").error() ==
        "node id 'node/3' must be 1 to 64 letters, digits, '.', '_' or '-'");
  CHECK(parse_peer_identity("node-3").error() == "'node-3' is not <region>/<node-id>");
  CHECK_FALSE(make_peer_identity("", "node-1").ok());
  CHECK_FALSE(make_peer_identity("east", std::string(65, 'n')).ok());
}

TEST_CASE("tern-certs makes a CA and node certificates that chain and name their node") {
  TempDir dir;
  make_certificates(tool_options(dir.path(), {east("node-1")}));
  auto ca = read_certificate_file(ca_certificate_path(dir.path()));
  auto certificate = read_certificate_file(node_certificate_path(dir.path(), east("node-1")));
  auto key = read_private_key_file(node_key_path(dir.path(), east("node-1")));
  REQUIRE(ca.ok());
  REQUIRE(certificate.ok());
  REQUIRE(key.ok());
  CHECK(uri_names_of(certificate.value().get()) == std::vector<std::string>{"tern://east/node-1"});
  CHECK(node_certificate_problem(certificate.value().get(), key.value().get(), ca.value().get(),
                                 east("node-1"), false) == "");
  CHECK(X509_check_ca(ca.value().get()) != 0);
  CHECK(X509_check_ca(certificate.value().get()) == 0);  // a node cannot sign certificates
}

TEST_CASE("tern-certs writes keys with mode 0600 and certificates with 0644") {
  TempDir dir;
  make_certificates(tool_options(dir.path(), {east("node-1")}));
  CHECK(mode_of(ca_key_path(dir.path())) == kPrivateKeyMode);
  CHECK(mode_of(node_key_path(dir.path(), east("node-1"))) == kPrivateKeyMode);
  CHECK(mode_of(ca_certificate_path(dir.path())) == kCertificateMode);
  CHECK(mode_of(node_certificate_path(dir.path(), east("node-1"))) == kCertificateMode);
}

TEST_CASE("tern-certs keeps valid files on a second run and replaces them with force") {
  TempDir dir;
  make_certificates(tool_options(dir.path(), {east("node-1")}));
  const std::string ca_before = contents(ca_certificate_path(dir.path()));
  const std::string node_before = contents(node_certificate_path(dir.path(), east("node-1")));
  const std::string key_before = contents(node_key_path(dir.path(), east("node-1")));

  auto again = make_certificates(tool_options(dir.path(), {east("node-1")}));
  CHECK(contents(ca_certificate_path(dir.path())) == ca_before);
  CHECK(contents(node_certificate_path(dir.path(), east("node-1"))) == node_before);
  CHECK(contents(node_key_path(dir.path(), east("node-1"))) == key_before);
  REQUIRE(again.lines.size() == 2);
  CHECK(again.lines[0].find("kept ") == 0);
  CHECK(again.lines[1].find("kept ") == 0);

  auto forced = tool_options(dir.path(), {east("node-1")});
  forced.force = true;
  make_certificates(forced);
  CHECK(contents(ca_certificate_path(dir.path())) != ca_before);
  CHECK(contents(node_certificate_path(dir.path(), east("node-1"))) != node_before);
}

TEST_CASE("tern-certs refuses to overwrite a file that exists but does not fit") {
  TempDir dir;
  make_certificates(tool_options(dir.path(), {east("node-1")}));
  const auto certificate = node_certificate_path(dir.path(), east("node-1"));
  std::ofstream(certificate, std::ios::trunc) << "garbage";
  auto refused = run_certificate_tool(tool_options(dir.path(), {east("node-1")}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find(certificate.string() + " holds no readable certificate") == 0);
  CHECK(refused.error().find("run with --force to replace it") != std::string::npos);
  CHECK(contents(certificate) == "garbage");

  std::filesystem::remove(node_key_path(dir.path(), east("node-1")));
  refused = run_certificate_tool(tool_options(dir.path(), {east("node-1")}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find(certificate.string() + " exists but ") == 0);
}

TEST_CASE("tern-certs --server-names adds DNS and IP names that host-name checks accept") {
  TempDir dir;
  auto options = tool_options(dir.path(), {east("server")});
  options.server_names = {"localhost", "127.0.0.1", "::1", "cache.example.com"};
  make_certificates(options);
  auto certificate = read_certificate_file(node_certificate_path(dir.path(), east("server")));
  REQUIRE(certificate.ok());
  X509* x509 = certificate.value().get();
  CHECK(X509_check_host(x509, "localhost", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(x509, "cache.example.com", 0, 0, nullptr) == 1);
  CHECK(X509_check_host(x509, "other.example.com", 0, 0, nullptr) != 1);
  CHECK(X509_check_ip_asc(x509, "127.0.0.1", 0) == 1);
  CHECK(X509_check_ip_asc(x509, "::1", 0) == 1);
  CHECK(uri_names_of(x509) == std::vector<std::string>{"tern://east/server"});  // peers unaffected

  // Kept on a re-run with the same names; a certificate lacking a requested name is refused.
  CHECK(make_certificates(options).lines[1].find("kept ") == 0);
  options.server_names.push_back("10.0.0.7");
  auto refused = run_certificate_tool(options);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("the certificate does not name the server 10.0.0.7") !=
        std::string::npos);
}

TEST_CASE("tern-certs --server-names refuses what is neither a host name nor an IP address") {
  TempDir dir;
  for (const std::string& bad :
       std::vector<std::string>{"", "-leading.example", "a..b", "under_score", "*.example.com",
                                std::string(64, 'a') + ".com"}) {
    INFO("name '" << bad << "'");
    auto options = tool_options(dir.path(), {east("server")});
    options.server_names = {bad};
    auto refused = run_certificate_tool(options);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error() == "--server-names: '" + bad + "' is not a host name or IP address");
  }
  CHECK_FALSE(std::filesystem::exists(ca_certificate_path(dir.path())));  // checked before writing
}

TEST_CASE("tern-certs makes expired certificates with a CA from another directory") {
  TempDir dir;
  make_certificates(tool_options(dir.path() / "good", {}));
  auto options = tool_options(dir.path() / "expired", {east("node-2")});
  options.ca_dir = dir.path() / "good";
  options.expired = true;
  make_certificates(options);
  CHECK_FALSE(std::filesystem::exists(ca_certificate_path(dir.path() / "expired")));
  auto certificate =
      read_certificate_file(node_certificate_path(dir.path() / "expired", east("node-2")));
  REQUIRE(certificate.ok());
  CHECK(X509_cmp_current_time(X509_get0_notAfter(certificate.value().get())) < 0);
  // Asking again for an expired certificate keeps the one made.
  auto again = make_certificates(options);
  CHECK(again.lines.back().find("kept ") == 0);

  options.ca_dir = dir.path() / "missing";
  auto refused = run_certificate_tool(options);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("--ca-dir: no CA in ") == 0);
}

TEST_CASE("tern-certs reports a directory it cannot create") {
  TempDir dir;
  std::ofstream(dir.path() / "file") << "not a directory";
  auto refused = run_certificate_tool(tool_options(dir.path() / "file" / "certs", {}));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().find("cannot create directory " +
                             (dir.path() / "file" / "certs").string()) == 0);
}

TEST_CASE("tern-certs binary: --help, a run, a re-run that overwrites nothing, openssl verify") {
  const std::string binary = TERN_CERTS_BINARY;
  auto help = run_command(binary + " --help");
  CHECK(help.status == 0);
  CHECK(help.output.find("Usage: tern-certs --dir DIR") == 0);
  CHECK(run_command(binary + " --bogus").status == 2);
  CHECK(run_command(binary + " east/node-1").output.find("--dir is required") != std::string::npos);

  TempDir dir;
  const std::string out = dir.path().string();
  auto first = run_command(binary + " --dir " + out + " east/node-1 west/node-1");
  REQUIRE_MESSAGE(first.status == 0, first.output);
  const std::string certificate_before = contents(dir.path() / "node-1.west.crt");
  auto second = run_command(binary + " --dir " + out + " east/node-1 west/node-1");
  REQUIRE_MESSAGE(second.status == 0, second.output);
  CHECK(second.output.find("created") == std::string::npos);
  CHECK(contents(dir.path() / "node-1.west.crt") == certificate_before);

  if (!openssl_cli_available()) {
    MESSAGE("openssl CLI not installed; skipping `openssl verify`");
    return;
  }
  auto verified = run_command("openssl verify -CAfile " + out + "/ca.crt " + out +
                              "/node-1.east.crt " + out + "/node-1.west.crt");
  CHECK_MESSAGE(verified.status == 0, verified.output);
  auto expired =
      run_command(binary + " --ca-dir " + out + " --dir " + out + "/expired --expired east/node-2");
  REQUIRE_MESSAGE(expired.status == 0, expired.output);
  auto refused =
      run_command("openssl verify -CAfile " + out + "/ca.crt " + out + "/expired/node-2.east.crt");
  CHECK(refused.status != 0);
  CHECK(refused.output.find("certificate has expired") != std::string::npos);
}

}  // namespace
}  // namespace tern::tls::test
