#pragma once
// Connection: one client socket. It reads into the request parser without copying, hands
// complete requests to the Node, and writes the replies with one write in flight at a time
// (replies produced meanwhile wait in ClientState::output and go out in the next write).
// Limits: query buffer (client-query-buffer-limit) and output buffer (client-output-buffer-limit
// by class) close the connection as Redis does; a protocol error gets its reply, then closes.
//
// The transport is a thin edge: Connection holds everything RESP (parsing, batching, AUTH,
// HELLO, pub/sub, held replies) and asks a subclass only to start one read, start one write and
// close. PlainConnection (a TCP socket, node/plain_connection.h) and TlsConnection (TLS over
// TCP, node/tls_connection.h) are those subclasses. The cost is one virtual call per read or
// write call, never per byte, and none for parsing or executing.
#include <array>
#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "node/client_state.h"
#include "node/command.h"
#include "node/resp/request_parser.h"

namespace tern::node {

class Server;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  // Begins serving: a plain connection at once, a TLS one once its handshake succeeded.
  virtual void start() = 0;
  // Writes what is pending; closes once a close was asked for and nothing is left to write.
  void flush();
  void close();
  [[nodiscard]] ClientState& client() { return client_; }
  [[nodiscard]] bool closed() const { return closed_; }

 protected:
  // `plaintext`: the socket carries RESP directly (its first bytes are checked for a TLS
  // ClientHello, the sign of a client that wanted tls-port).
  Connection(Server& server, bool plaintext);
  // Registers the client with the node and starts reading requests.
  void serve();
  // The transport: start one read into `into` / one write of `bytes` (kept alive by the caller
  // until done), each ending in read_done / write_done; and close the socket.
  virtual void start_read(std::span<char> into) = 0;
  virtual void start_write(const std::string& bytes) = 0;
  virtual void close_transport() = 0;
  [[nodiscard]] virtual asio::ip::tcp::socket& tcp_socket() = 0;
  void read_done(const asio::error_code& ec, std::size_t n);
  void write_done(const asio::error_code& ec, std::size_t n);
  [[nodiscard]] Server& server() { return server_; }

 private:
  void read();
  void on_read(std::size_t n);
  // A TLS ClientHello on the plaintext port: the client wanted tls-port.
  bool refuse_tls_on_plain_port();
  void process();
  bool over_output_limit();

  Server& server_;
  resp::RequestParser parser_;
  ClientState client_;
  std::string sending_;
  // A pipelined batch: up to kBatch parsed requests (views into the parser's buffer) and
  // their commands, run together after one round of key prefetches (Node::prefetch_keys).
  static constexpr std::size_t kBatch = 16;
  std::array<std::vector<std::string_view>, kBatch> batch_;
  std::array<const CommandSpec*, kBatch> specs_{};
  std::size_t batch_size_ = 0;  // requests parsed into batch_
  std::size_t batch_next_ = 0;  // the next one to run
  resp::RequestParser::Status batch_status_ = resp::RequestParser::Status::kNeedMore;  // how parsing stopped
  bool writing_ = false;
  bool reading_ = false;
  bool closed_ = false;
  bool registered_ = false;     // added to the node (serve() ran)
  bool first_read_ = true;      // the first bytes are checked for a TLS handshake
  const bool plaintext_;
  std::uint64_t soft_limit_since_ms_ = 0;
};

}  // namespace tern::node
