#pragma once
// Connection: one client socket. It reads into the request parser without copying, hands
// complete requests to the Node, and writes the replies with one write in flight at a time
// (replies produced meanwhile wait in ClientState::output and go out in the next write).
// Limits: query buffer (client-query-buffer-limit) and output buffer (client-output-buffer-limit
// by class) close the connection as Redis does; a protocol error gets its reply, then closes.
#include <array>
#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "node/client_state.h"
#include "node/command.h"
#include "node/resp/request_parser.h"

namespace tern::node {

class Server;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Server& server, asio::ip::tcp::socket socket);
  void start();
  // Writes what is pending; closes once a close was asked for and nothing is left to write.
  void flush();
  void close();
  [[nodiscard]] ClientState& client() { return client_; }
  [[nodiscard]] bool closed() const { return closed_; }

 private:
  void read();
  void on_read(std::size_t n);
  void process();
  bool over_output_limit();

  Server& server_;
  asio::ip::tcp::socket socket_;
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
  std::uint64_t soft_limit_since_ms_ = 0;
};

}  // namespace tern::node
