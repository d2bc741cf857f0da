#pragma once
// TlsConnection: a client connection on `tls-port`, RESP inside TLS (redis-cli --tls, redis-py
// with ssl=True). It runs the server side of the handshake, bounded by a deadline, and only then
// registers the client and serves it exactly as a plain connection (node/connection.h).
//
// The context (certificate, CA, tls-auth-clients) is the one current when the client connected;
// the connection keeps its shared_ptr for its whole life, so a reload (CONFIG SET tls-*, SIGHUP)
// never touches an existing connection (tls/README.md, "Reload model").
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <span>
#include <string>

#include "node/connection.h"
#include "tls/handshake_report.h"
#include "tls/peer_context.h"

namespace tern::node {

class TlsConnection final : public Connection {
 public:
  TlsConnection(Server& server, asio::ip::tcp::socket socket, tls::SharedContext context);
  // Handshakes; serves once it succeeded, closes with one log line when it did not.
  void start() override;

 private:
  void start_read(std::span<char> into) override;
  void start_write(const std::string& bytes) override;
  void close_transport() override;
  asio::ip::tcp::socket& tcp_socket() override { return stream_.next_layer(); }

  tls::SharedContext context_;  // declared before stream_: outlives the stream's SSL object
  tls::TlsStream stream_;
  asio::steady_timer handshake_deadline_;
};

}  // namespace tern::node
