#pragma once
// Server: the Asio edge of a node. One thread runs the io_context: it accepts connections,
// reads requests into each connection's parser, runs them on the Node and writes replies,
// like redis-server's event loop; a timer runs the periodic work (`hz` times a second:
// idle-client timeouts, active expiry, statistics). node/README.md explains the model.
#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "node/node.h"

namespace tern::node {

class Connection;

class Server {
 public:
  Server(Node& node, asio::io_context& io);
  // Binds every `bind` address on `port`; false with a message when a required one fails.
  bool listen(std::string* error);
  // Runs until SHUTDOWN or SIGTERM/SIGINT.
  void run();
  void stop(const char* reason);

  [[nodiscard]] Node& node() { return node_; }
  [[nodiscard]] asio::io_context& io() { return io_; }
  [[nodiscard]] std::size_t connection_count() const { return connections_.size(); }
  void forget(Connection* connection);
  // Refreshes the node's cached clock (once per event, like Redis's cached mstime).
  void update_clock();

 private:
  void accept(asio::ip::tcp::acceptor& acceptor);
  void schedule_tick();
  void tick();

  Node& node_;
  asio::io_context& io_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors_;
  asio::steady_timer tick_timer_;
  asio::signal_set signals_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;
  bool stopping_ = false;
};

}  // namespace tern::node
