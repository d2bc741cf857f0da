#pragma once
// Server: the Asio edge of a node. One thread runs the io_context: it accepts connections,
// reads requests into each connection's parser, runs them on the Node and writes replies,
// like redis-server's event loop; a timer runs the periodic work (`hz` times a second:
// idle-client timeouts, active expiry, statistics). node/README.md explains the model.
//
// Two kinds of listener: `port` (plaintext RESP) and `tls-port` (RESP inside TLS, Redis's tls-*
// directives). Both hand their sockets to the same Connection logic; only the transport differs.
// The client TLS context is reloadable: CONFIG SET tls-* and SIGHUP rebuild it from the files,
// new connections take the new one and existing connections keep theirs.
#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "node/node.h"
#include "tls/reloadable_context.h"

namespace tern::node {

class Connection;

class Server {
 public:
  Server(Node& node, asio::io_context& io);
  // Binds every `bind` address on `port` and, with a tls-port, on `tls-port` after building the
  // client TLS context; false with a message when a required one fails or the TLS files are bad.
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
  // Rebuilds the client TLS context from the current settings: empty on success, else why not
  // (the old context stays). Also empty with no tls-port (nothing to rebuild).
  std::string reload_client_tls();
  // Set by main for a region's node: rebuilds the peer-link contexts (SIGHUP); a log line.
  std::function<std::string()> reload_peer_tls;

 private:
  struct Listener {
    std::unique_ptr<asio::ip::tcp::acceptor> acceptor;
    bool tls = false;
  };
  // Binds every `bind` address on `port`; the port actually bound (port 0: the kernel's choice).
  bool bind_all(std::uint16_t port, bool tls, std::uint16_t* bound, std::string* error);
  void accept(Listener& listener);
  void wait_for_reload_signal();
  void on_reload_signal();
  void schedule_tick();
  void tick();

  Node& node_;
  asio::io_context& io_;
  std::vector<Listener> listeners_;
  std::unique_ptr<tls::ReloadableContext> client_tls_;  // set when tls-port is
  asio::steady_timer tick_timer_;
  asio::signal_set signals_;
  asio::signal_set reload_signal_;  // SIGHUP
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;
  bool stopping_ = false;
};

}  // namespace tern::node
