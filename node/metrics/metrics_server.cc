#include "node/metrics/metrics_server.h"

#include <chrono>

#include "node/metrics/http_request_head.h"

namespace tern::node {
namespace {

constexpr std::size_t kMaxHeadBytes = 8192;
constexpr auto kRequestDeadline = std::chrono::seconds(5);

std::string response(const char* status, const char* content_type, const std::string& body) {
  return std::string("HTTP/1.1 ") + status + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

// One connection: read the request head, answer, close.
class MetricsExchange : public std::enable_shared_from_this<MetricsExchange> {
 public:
  MetricsExchange(asio::ip::tcp::socket socket, const std::function<std::string()>& render)
      : socket_(std::move(socket)), deadline_(socket_.get_executor()), render_(render) {}

  void start() {
    deadline_.expires_after(kRequestDeadline);
    deadline_.async_wait([self = shared_from_this()](const asio::error_code& error) {
      if (!error) self->close();
    });
    read();
  }

 private:
  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](const asio::error_code& error,
                                                                                std::size_t n) {
      if (error) {
        self->close();
        return;
      }
      self->received_.append(self->buffer_.data(), n);
      const HttpRequestHead head = parse_http_request_head(self->received_, kMaxHeadBytes);
      switch (head.status) {
        case HttpRequestHead::Status::kIncomplete:
          self->read();
          return;
        case HttpRequestHead::Status::kBad:
          self->answer(response("400 Bad Request", "text/plain", "not an HTTP/1.x request\n"));
          return;
        case HttpRequestHead::Status::kTooLarge:
          self->answer(response("431 Request Header Fields Too Large", "text/plain", "request head over 8 KiB\n"));
          return;
        case HttpRequestHead::Status::kComplete:
          break;
      }
      if (head.path != "/metrics") {
        self->answer(response("404 Not Found", "text/plain", "only /metrics is served here\n"));
      } else if (head.method != "GET" && head.method != "HEAD") {
        self->answer(response("405 Method Not Allowed", "text/plain", "GET /metrics\n"));
      } else {
        std::string full = response("200 OK", "text/plain; version=0.0.4; charset=utf-8", self->render_());
        if (head.method == "HEAD") full.resize(full.find("\r\n\r\n") + 4);
        self->answer(std::move(full));
      }
    });
  }

  void answer(std::string text) {
    reply_ = std::move(text);
    asio::async_write(socket_, asio::buffer(reply_), [self = shared_from_this()](const asio::error_code&, std::size_t) {
      self->close();
    });
  }

  void close() {
    deadline_.cancel();
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  std::function<std::string()> render_;
  std::array<char, 4096> buffer_{};
  std::string received_;
  std::string reply_;
};

}  // namespace

MetricsServer::MetricsServer(asio::io_context& io, std::function<std::string()> render)
    : io_(io), render_(std::move(render)) {}

bool MetricsServer::start(const std::string& host, std::uint16_t port, std::string* error) {
  asio::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    *error = "metrics-bind '" + host + "' is not an IP address";
    return false;
  }
  acceptor_ = std::make_unique<asio::ip::tcp::acceptor>(io_);
  const asio::ip::tcp::endpoint endpoint(address, port);
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    *error = "can't listen for metrics on " + host + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  bound_port_ = acceptor_->local_endpoint(ec).port();
  accept();
  return true;
}

void MetricsServer::stop() {
  stopped_ = true;
  asio::error_code ignored;
  if (acceptor_) acceptor_->close(ignored);
}

void MetricsServer::accept() {
  acceptor_->async_accept([this](const asio::error_code& error, asio::ip::tcp::socket socket) {
    if (stopped_) return;
    if (!error) std::make_shared<MetricsExchange>(std::move(socket), render_)->start();
    accept();
  });
}

}  // namespace tern::node
