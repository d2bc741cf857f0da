#pragma once
// What the tls/ tests share: a temporary directory, a deployment of certificates made with
// tern-certs' own code, and a loopback harness that runs real TLS handshakes on one io_context.
//
// The harness never sleeps. run_until() runs handlers one at a time until the test's condition
// holds, with a steady_timer deadline that makes the test fail instead of hang.
#include <doctest/doctest.h>
#include <openssl/ssl.h>
#include <stdlib.h>

#include <array>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tls/certificate_tool.h"
#include "tls/credential_files.h"
#include "tls/handshake_report.h"
#include "tls/peer_context.h"

namespace tern::tls::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "tern-tls-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline PeerIdentity east(const std::string& node_id) { return PeerIdentity{"east", node_id}; }

inline CertificateToolOptions tool_options(const std::filesystem::path& output_dir,
                                           std::vector<PeerIdentity> nodes) {
  CertificateToolOptions options;
  options.output_dir = output_dir;
  options.nodes = std::move(nodes);
  return options;
}

inline CertificateToolReport make_certificates(const CertificateToolOptions& options) {
  auto report = run_certificate_tool(options);
  REQUIRE_MESSAGE(report.ok(), report.error());
  return std::move(report).value();
}

// good/:    the deployment CA and east/node-1, east/node-2, east/node-3
// rogue/:   another CA and an east/node-2 signed by it
// expired/: an east/node-2 signed by the deployment CA whose validity ended yesterday
struct Deployment {
  TempDir root;
  std::filesystem::path good = root.path() / "good";
  std::filesystem::path rogue = root.path() / "rogue";
  std::filesystem::path expired = root.path() / "expired";

  Deployment() {
    make_certificates(tool_options(good, {east("node-1"), east("node-2"), east("node-3")}));
    make_certificates(tool_options(rogue, {east("node-2")}));
    auto expired_options = tool_options(expired, {east("node-2")});
    expired_options.ca_dir = good;
    expired_options.expired = true;
    make_certificates(expired_options);
  }

  // Node files from `dir`, trusting the deployment CA (good/ca.crt) whatever `dir` is.
  [[nodiscard]] PeerTlsFiles files(const std::filesystem::path& dir,
                                   const PeerIdentity& node) const {
    return PeerTlsFiles{ca_certificate_path(good).string(),
                        node_certificate_path(dir, node).string(),
                        node_key_path(dir, node).string()};
  }

  [[nodiscard]] SharedContext peer_context(PeerRole role, const std::filesystem::path& dir,
                                           const PeerIdentity& node,
                                           std::vector<PeerIdentity> expected) const {
    auto context = make_peer_context(role, files(dir, node), std::move(expected));
    REQUIRE_MESSAGE(context.ok(), context.error());
    return std::move(context).value();
  }
};

// A client context outside tern's rules, for playing a misbehaving or ordinary client: it trusts
// the deployment CA, verifies the server's chain, and presents a certificate only if given one.
inline SharedContext plain_client_context(const std::filesystem::path& ca_file, int highest_version,
                                          const std::optional<PeerTlsFiles>& certificate) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  REQUIRE(SSL_CTX_set_max_proto_version(native, highest_version) == 1);
  REQUIRE(load_trust_anchors(native, ca_file.string(), "").ok());
  if (certificate) {
    Status loaded =
        load_certificate_and_key(native, certificate->certificate_file, certificate->key_file, "");
    REQUIRE_MESSAGE(loaded.ok(), loaded.error());
  }
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  return context;
}

// The accepting end: handshake, then echo whatever arrives until the connection ends.
struct ServerSession : std::enable_shared_from_this<ServerSession> {
  ServerSession(SharedContext tls_context, asio::ip::tcp::socket socket)
      : context(std::move(tls_context)), stream(std::move(socket), *context) {}

  void start(const LogSink& sink) {
    async_handshake_and_report(stream, asio::ssl::stream_base::server, "inbound peer link", sink,
                               [self = shared_from_this()](const HandshakeOutcome& outcome) {
                                 self->handshake = outcome;
                                 if (outcome.accepted) {
                                   self->echo();
                                 } else {
                                   self->finished = true;
                                   asio::error_code ignored;
                                   self->stream.lowest_layer().close(ignored);
                                 }
                               });
  }

  void echo() {
    stream.async_read_some(asio::buffer(buffer), [self = shared_from_this()](
                                                     const asio::error_code& error, std::size_t n) {
      if (error) {
        self->finished = true;
        return;
      }
      asio::async_write(self->stream, asio::buffer(self->buffer.data(), n),
                        [self](const asio::error_code& write_error, std::size_t) {
                          if (write_error) {
                            self->finished = true;
                            return;
                          }
                          self->echo();
                        });
    });
  }

  SharedContext context;  // held for the stream's whole life, as a server connection would
  TlsStream stream;
  std::optional<HandshakeOutcome> handshake;
  bool finished = false;
  std::array<char, 256> buffer{};
};

// The connecting end: connect, handshake, then send() a message and read its echo.
struct ClientSession : std::enable_shared_from_this<ClientSession> {
  ClientSession(asio::io_context& io, SharedContext tls_context)
      : context(std::move(tls_context)), stream(io, *context) {}

  void start(const asio::ip::tcp::endpoint& server, const LogSink& sink) {
    stream.lowest_layer().async_connect(
        server, [self = shared_from_this(), sink](const asio::error_code& error) {
          if (error) {
            self->handshake = HandshakeOutcome{false, "connect failed: " + error.message()};
            return;
          }
          async_handshake_and_report(
              self->stream, asio::ssl::stream_base::client, "outbound peer link", sink,
              [self](const HandshakeOutcome& outcome) { self->handshake = outcome; });
        });
  }

  void send(std::string message) {
    reply.reset();
    read_failure.reset();
    outgoing = std::move(message);
    incoming.assign(outgoing.size(), '\0');
    asio::async_write(stream, asio::buffer(outgoing),
                      [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                        if (error) {
                          self->read_failure = describe_tls_failure(
                              self->stream.native_handle(), error, asio::ssl::stream_base::client);
                          return;
                        }
                        asio::async_read(self->stream, asio::buffer(self->incoming),
                                         [self](const asio::error_code& read_error, std::size_t) {
                                           if (read_error) {
                                             self->read_failure = describe_tls_failure(
                                                 self->stream.native_handle(), read_error,
                                                 asio::ssl::stream_base::client);
                                           } else {
                                             self->reply = self->incoming;
                                           }
                                         });
                      });
  }

  [[nodiscard]] bool exchanged() const { return reply.has_value() || read_failure.has_value(); }

  // The certificate the server presented, as a SHA-256 fingerprint ("" if none).
  [[nodiscard]] std::string server_fingerprint() {
    X509* certificate = SSL_get0_peer_certificate(stream.native_handle());
    if (certificate == nullptr) return {};
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    REQUIRE(X509_digest(certificate, EVP_sha256(), digest.data(), &length) == 1);
    return std::string(reinterpret_cast<const char*>(digest.data()), length);
  }

  SharedContext context;
  TlsStream stream;
  std::optional<HandshakeOutcome> handshake;
  std::string outgoing;
  std::string incoming;
  std::optional<std::string> reply;
  std::optional<std::string> read_failure;
};

// A client that speaks plaintext (RESP) to a TLS port, reading until the server hangs up.
struct PlaintextClient : std::enable_shared_from_this<PlaintextClient> {
  explicit PlaintextClient(asio::io_context& io) : socket(io) {}

  void start(const asio::ip::tcp::endpoint& server) {
    socket.async_connect(server, [self = shared_from_this()](const asio::error_code& error) {
      if (error) {
        self->finished = true;
        return;
      }
      asio::async_write(
          self->socket, asio::buffer(self->request),
          [self](const asio::error_code&, std::size_t) { self->read_until_closed(); });
    });
  }

  void read_until_closed() {
    socket.async_read_some(asio::buffer(buffer),
                           [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                             if (error) {
                               self->finished = true;
                               return;
                             }
                             self->read_until_closed();
                           });
  }

  asio::ip::tcp::socket socket;
  std::string request = "*1\r\n$4\r\nPING\r\n";
  std::array<char, 256> buffer{};
  bool finished = false;
};

// One io_context, one listening socket on 127.0.0.1 port 0, and the log lines of both ends.
class Loopback {
 public:
  static constexpr std::chrono::seconds kDeadline{20};

  Loopback() : acceptor_(io_, asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0)) {}

  // Accepts connections for as long as the test runs; each takes the context `context_source`
  // returns at the moment it is accepted (a ReloadableContext's current(), for instance).
  void serve(std::function<SharedContext()> context_source) {
    context_source_ = std::move(context_source);
    accept_next();
  }

  std::shared_ptr<ClientSession> connect(SharedContext context) {
    auto client = std::make_shared<ClientSession>(io_, std::move(context));
    client->start(acceptor_.local_endpoint(), sink());
    return client;
  }

  std::shared_ptr<PlaintextClient> connect_plaintext() {
    auto client = std::make_shared<PlaintextClient>(io_);
    client->start(acceptor_.local_endpoint());
    return client;
  }

  // Runs handlers until `done` holds; fails the test if the deadline passes first.
  void run_until(const std::function<bool()>& done) {
    auto expired = std::make_shared<bool>(false);
    asio::steady_timer deadline(io_, kDeadline);
    deadline.async_wait([expired](const asio::error_code& error) {
      if (!error) *expired = true;
    });
    while (!done() && !*expired) {
      if (io_.run_one() == 0) io_.restart();
    }
    REQUIRE_MESSAGE(!*expired, "the deadline passed before the condition held");
  }

  [[nodiscard]] LogSink sink() {
    return [this](LogSeverity, std::string_view line) { log_lines_.emplace_back(line); };
  }

  [[nodiscard]] const std::vector<std::string>& log_lines() const { return log_lines_; }
  [[nodiscard]] bool logged(std::string_view fragment) const {
    for (const auto& line : log_lines_) {
      if (line.find(fragment) != std::string::npos) return true;
    }
    return false;
  }
  [[nodiscard]] std::string all_log_lines() const {
    std::string text;
    for (const auto& line : log_lines_) text += line + "\n";
    return text;
  }

  [[nodiscard]] const std::vector<std::shared_ptr<ServerSession>>& servers() const {
    return servers_;
  }
  [[nodiscard]] asio::io_context& io() { return io_; }

 private:
  void accept_next() {
    acceptor_.async_accept([this](const asio::error_code& error, asio::ip::tcp::socket socket) {
      if (error) return;
      auto session = std::make_shared<ServerSession>(context_source_(), std::move(socket));
      servers_.push_back(session);
      session->start(sink());
      accept_next();
    });
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_;
  std::function<SharedContext()> context_source_;
  std::vector<std::shared_ptr<ServerSession>> servers_;
  std::vector<std::string> log_lines_;
};

}  // namespace tern::tls::test
