#include "node/tls_connection.h"

#include <chrono>
#include <memory>

#include "node/log.h"
#include "node/server.h"

namespace tern::node {
namespace {

// A client that connects to tls-port and never finishes its handshake (a plaintext client that
// sent fewer than the five bytes of a record header, say, and waits) must not hold a connection
// for ever. Its close cancels the handshake, which logs the refusal.
constexpr auto kHandshakeDeadline = std::chrono::seconds(5);

}  // namespace

TlsConnection::TlsConnection(Server& server, asio::ip::tcp::socket socket,
                             tls::SharedContext context)
    : Connection(server, /*plaintext=*/false),
      context_(std::move(context)),
      stream_(std::move(socket), *context_),
      handshake_deadline_(stream_.get_executor()) {}

void TlsConnection::start() {
  asio::error_code ec;
  stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), ec);
  handshake_deadline_.expires_after(kHandshakeDeadline);
  handshake_deadline_.async_wait([weak = weak_from_this()](const asio::error_code& error) {
    if (error) return;  // cancelled: the handshake ended first
    if (auto self = weak.lock()) self->close();
  });
  const tls::LogSink sink = [](tls::LogSeverity severity, std::string_view line) {
    log_line(severity == tls::LogSeverity::kWarning ? LogLevel::kWarning : LogLevel::kNotice,
             std::string(line));
  };
  tls::async_handshake_and_report(
      stream_, asio::ssl::stream_base::server, "TLS client", sink,
      [self = shared_from_this()](const tls::HandshakeOutcome& outcome) {
        auto& connection = static_cast<TlsConnection&>(*self);
        connection.handshake_deadline_.cancel();
        if (connection.closed()) return;
        if (!outcome.accepted) {
          connection.close();  // already logged with its reason
          return;
        }
        connection.serve();
      });
}

void TlsConnection::start_read(std::span<char> into) {
  stream_.async_read_some(asio::buffer(into.data(), into.size()),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                            static_cast<TlsConnection&>(*self).read_done(ec, n);
                          });
}

void TlsConnection::start_write(const std::string& bytes) {
  asio::async_write(stream_, asio::buffer(bytes),
                    [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                      static_cast<TlsConnection&>(*self).write_done(ec, n);
                    });
}

// No close_notify: the socket is just closed, and the client sees the connection end.
void TlsConnection::close_transport() {
  handshake_deadline_.cancel();
  asio::error_code ec;
  stream_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.next_layer().close(ec);
}

}  // namespace tern::node
