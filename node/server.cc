#include "node/server.h"

#include <chrono>

#include "node/connection.h"
#include "node/log.h"

namespace tern::node {

Server::Server(Node& node, asio::io_context& io)
    : node_(node), io_(io), tick_timer_(io), signals_(io, SIGTERM, SIGINT) {}

void Server::update_clock() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  node_.store().set_now_ms(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
}

bool Server::listen(std::string* error) {
  const Settings& s = node_.settings();
  // Port 0 lets the kernel choose (tests, several nodes on one machine); every further
  // address then binds the port the first one got.
  unsigned short port = s.port;
  for (std::string address : s.bind) {
    const bool optional = !address.empty() && address[0] == '-';
    if (optional) address.erase(0, 1);
    if (address == "*") address = "0.0.0.0";
    asio::error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) {
      if (optional) continue;
      *error = "Invalid bind address '" + address + "'";
      return false;
    }
    auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
    const asio::ip::tcp::endpoint endpoint(ip, port);
    acceptor->open(endpoint.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && ip.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(endpoint, ec);
    if (!ec) acceptor->listen(static_cast<int>(s.tcp_backlog), ec);
    if (ec) {
      if (optional) continue;
      *error = "Could not create server TCP listening socket " + address + ":" + std::to_string(port) + ": " +
               ec.message();
      return false;
    }
    port = acceptor->local_endpoint(ec).port();
    acceptors_.push_back(std::move(acceptor));
  }
  if (acceptors_.empty()) {
    *error = "no bind address could be used";
    return false;
  }
  node_.bound_port = port;
  return true;
}

void Server::run() {
  update_clock();
  node_.set_start_unix_ms(node_.store().now_ms());
  for (auto& acceptor : acceptors_) accept(*acceptor);
  signals_.async_wait([this](const asio::error_code& ec, int signal) {
    if (ec) return;
    stop(signal == SIGTERM ? "Received SIGTERM scheduling shutdown..." : "Received SIGINT scheduling shutdown...");
  });
  schedule_tick();
  log_line(LogLevel::kNotice, "Ready to accept connections tcp on port " + std::to_string(node_.bound_port));
  io_.run();
  log_line(LogLevel::kWarning, "tern is now ready to exit, bye bye...");
}

void Server::stop(const char* reason) {
  if (stopping_) return;
  stopping_ = true;
  log_line(LogLevel::kWarning, reason);
  asio::error_code ec;
  for (auto& acceptor : acceptors_) acceptor->close(ec);
  tick_timer_.cancel();
  signals_.cancel(ec);
  auto connections = connections_;
  for (auto& [raw, connection] : connections) connection->close();
  io_.stop();
}

void Server::forget(Connection* connection) { connections_.erase(connection); }

void Server::accept(asio::ip::tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (stopping_) return;
    if (!ec) {
      update_clock();
      ++node_.stats().total_connections_received;
      if (connections_.size() >= static_cast<std::size_t>(node_.settings().maxclients)) {
        ++node_.stats().rejected_connections;
        static const std::string kFull = "-ERR max number of clients reached\r\n";
        asio::error_code ignored;
        asio::write(socket, asio::buffer(kFull), ignored);
        socket.close(ignored);
      } else {
        auto connection = std::make_shared<Connection>(*this, std::move(socket));
        connections_.emplace(connection.get(), connection);
        connection->start();
      }
    } else if (ec == asio::error::no_descriptors) {
      log_line(LogLevel::kWarning, "Accepting client connection: " + ec.message());
    }
    accept(acceptor);
  });
}

void Server::schedule_tick() {
  const int hz = std::max(1, std::min(500, static_cast<int>(node_.settings().hz)));
  tick_timer_.expires_after(std::chrono::milliseconds(1000 / hz));
  tick_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopping_) return;
    tick();
    schedule_tick();
  });
}

void Server::tick() {
  update_clock();
  const std::uint64_t now = node_.store().now_ms();
  node_.stats().sample(now);
  node_.check_waiters();  // WAIT deadlines
  const auto timeout_s = static_cast<std::uint64_t>(node_.settings().timeout);
  if (timeout_s > 0) {
    std::vector<std::shared_ptr<Connection>> idle;
    for (auto& [raw, connection] : connections_) {
      const ClientState& c = connection->client();
      if (c.subscription_count() > 0) continue;  // Redis never times out pub/sub clients
      if (now > c.last_interaction_ms && now - c.last_interaction_ms > timeout_s * 1000) idle.push_back(connection);
    }
    for (auto& connection : idle) {
      log_line(LogLevel::kVerbose, "Closing idle client");
      connection->close();
    }
  }
  node_.active_expire_cycle();
}

}  // namespace tern::node
