#include "node/server.h"

#include <chrono>

#include "node/connection.h"
#include "node/log.h"
#include "node/plain_connection.h"
#include "node/tls_connection.h"

namespace tern::node {

namespace {

// Redis's tls-* directives, as tls/ takes them (tls/ does not know node/'s Settings).
tls::ClientTlsSettings client_tls_settings(const Settings& s) {
  tls::ClientTlsSettings out;
  out.certificate_file = s.tls_cert_file;
  out.key_file = s.tls_key_file;
  out.key_file_password = s.tls_key_file_pass;
  out.ca_certificate_file = s.tls_ca_cert_file;
  out.ca_certificate_dir = s.tls_ca_cert_dir;
  out.auth_clients = s.tls_auth_clients;
  out.protocols = s.tls_protocols;
  out.ciphers = s.tls_ciphers;
  out.ciphersuites = s.tls_ciphersuites;
  out.prefer_server_ciphers = s.tls_prefer_server_ciphers;
  out.session_caching = s.tls_session_caching;
  out.session_cache_size = s.tls_session_cache_size;
  out.session_cache_timeout_seconds = s.tls_session_cache_timeout;
  return out;
}

}  // namespace

Server::Server(Node& node, asio::io_context& io)
    : node_(node), io_(io), tick_timer_(io), signals_(io, SIGTERM, SIGINT), reload_signal_(io, SIGHUP) {}

void Server::update_clock() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  node_.store().set_now_ms(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
}

bool Server::bind_all(std::uint16_t port, bool tls, std::uint16_t* bound, std::string* error) {
  const Settings& s = node_.settings();
  // Port 0 lets the kernel choose (tests, several nodes on one machine); every further
  // address then binds the port the first one got.
  const std::size_t before = listeners_.size();
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
      *error = std::string("Could not create server ") + (tls ? "TLS" : "TCP") + " listening socket " + address +
               ":" + std::to_string(port) + ": " + ec.message();
      return false;
    }
    port = acceptor->local_endpoint(ec).port();
    listeners_.push_back(Listener{std::move(acceptor), tls});
  }
  if (listeners_.size() == before) {
    *error = "no bind address could be used";
    return false;
  }
  *bound = port;
  return true;
}

bool Server::listen(std::string* error) {
  const Settings& s = node_.settings();
  // As in Redis: with a tls-port, port 0 means no plaintext listener at all. Without one, port 0
  // keeps tern's meaning (the kernel picks a port).
  const bool plaintext = s.port != 0 || s.tls_port == 0;
  if (plaintext && !bind_all(s.port, /*tls=*/false, &node_.bound_port, error)) return false;
  if (s.tls_port != 0) {
    auto context = tls::ReloadableContext::create(
        [&node = node_] { return tls::make_client_facing_context(client_tls_settings(node.settings())); });
    if (!context.ok()) {
      *error = "Failed to configure TLS for tls-port " + std::to_string(s.tls_port) + ": " + context.error();
      return false;
    }
    client_tls_ = std::move(context).value();
    std::uint16_t bound = 0;
    if (!bind_all(s.tls_port, /*tls=*/true, &bound, error)) return false;
    node_.client_tls_reload = [this] { return reload_client_tls(); };
  }
  return true;
}

std::string Server::reload_client_tls() {
  if (!client_tls_) return {};
  const tls::Status status = client_tls_->reload();
  return status.ok() ? std::string() : status.error();
}

void Server::run() {
  update_clock();
  node_.set_start_unix_ms(node_.store().now_ms());
  for (auto& listener : listeners_) accept(listener);
  signals_.async_wait([this](const asio::error_code& ec, int signal) {
    if (ec) return;
    stop(signal == SIGTERM ? "Received SIGTERM scheduling shutdown..." : "Received SIGINT scheduling shutdown...");
  });
  wait_for_reload_signal();
  schedule_tick();
  const Settings& s = node_.settings();
  if (s.port != 0 || s.tls_port == 0) {
    log_line(LogLevel::kNotice, "Ready to accept connections tcp on port " + std::to_string(node_.bound_port));
  }
  if (s.tls_port != 0) log_line(LogLevel::kNotice, "Ready to accept connections tls on port " + std::to_string(s.tls_port));
  io_.run();
  log_line(LogLevel::kWarning, "tern is now ready to exit, bye bye...");
}

void Server::stop(const char* reason) {
  if (stopping_) return;
  stopping_ = true;
  log_line(LogLevel::kWarning, reason);
  asio::error_code ec;
  for (auto& listener : listeners_) listener.acceptor->close(ec);
  tick_timer_.cancel();
  signals_.cancel(ec);
  reload_signal_.cancel(ec);
  auto connections = connections_;
  for (auto& [raw, connection] : connections) connection->close();
  io_.stop();
}

void Server::forget(Connection* connection) { connections_.erase(connection); }

void Server::wait_for_reload_signal() {
  reload_signal_.async_wait([this](const asio::error_code& ec, int) {
    if (ec || stopping_) return;
    on_reload_signal();
    wait_for_reload_signal();
  });
}

// SIGHUP: every TLS context is rebuilt from the files its directives name, so certificates
// rotated in place (tern-certs writes by rename) take effect without a restart. Each context
// is rebuilt whole or not at all; existing connections and peer links keep the one they have.
void Server::on_reload_signal() {
  const Settings& s = node_.settings();
  if (!client_tls_) {
    log_line(LogLevel::kNotice, "SIGHUP: no tls-port, no client TLS context to reload");
  } else if (std::string problem = reload_client_tls(); problem.empty()) {
    log_line(LogLevel::kNotice, "SIGHUP: client TLS (tls-port " + std::to_string(s.tls_port) +
                                    ") reloaded from tls-cert-file " + s.tls_cert_file);
  } else {
    log_line(LogLevel::kWarning, "SIGHUP: client TLS (tls-port " + std::to_string(s.tls_port) + "): " + problem);
  }
  if (reload_peer_tls) {
    log_line(LogLevel::kNotice, "SIGHUP: " + reload_peer_tls());
  }
}

void Server::accept(Listener& listener) {
  listener.acceptor->async_accept([this, &listener](const asio::error_code& ec, asio::ip::tcp::socket socket) {
    if (stopping_) return;
    if (!ec) {
      update_clock();
      ++node_.stats().total_connections_received;
      if (connections_.size() >= static_cast<std::size_t>(node_.settings().maxclients)) {
        ++node_.stats().rejected_connections;
        // A TLS client cannot read plaintext; it is just closed.
        static const std::string kFull = "-ERR max number of clients reached\r\n";
        asio::error_code ignored;
        if (!listener.tls) asio::write(socket, asio::buffer(kFull), ignored);
        socket.close(ignored);
      } else {
        std::shared_ptr<Connection> connection;
        if (listener.tls) {
          connection = std::make_shared<TlsConnection>(*this, std::move(socket), client_tls_->current());
        } else {
          connection = std::make_shared<PlainConnection>(*this, std::move(socket));
        }
        connections_.emplace(connection.get(), connection);
        connection->start();
      }
    } else if (ec == asio::error::no_descriptors) {
      log_line(LogLevel::kWarning, "Accepting client connection: " + ec.message());
    }
    accept(listener);
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
