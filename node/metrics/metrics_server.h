#pragma once
// MetricsServer: the Prometheus endpoint (metrics-port). Answers GET /metrics with
// render_metrics() of what the node knows now, then closes the connection; anything else gets
// 404, 405, 400 or 431. Each request's head is bounded (8 KiB) and must arrive within 5 s.
#include <asio.hpp>
#include <functional>
#include <memory>
#include <string>

namespace tern::node {

class MetricsServer {
 public:
  MetricsServer(asio::io_context& io, std::function<std::string()> render);
  // Listens on host:port; false with a message when it cannot.
  bool start(const std::string& host, std::uint16_t port, std::string* error);
  void stop();
  [[nodiscard]] std::uint16_t bound_port() const { return bound_port_; }

 private:
  void accept();

  asio::io_context& io_;
  std::function<std::string()> render_;
  std::unique_ptr<asio::ip::tcp::acceptor> acceptor_;
  std::uint16_t bound_port_ = 0;
  bool stopped_ = false;
};

}  // namespace tern::node
