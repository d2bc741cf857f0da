#include "node/plain_connection.h"

#include <memory>

namespace tern::node {

PlainConnection::PlainConnection(Server& server, asio::ip::tcp::socket socket)
    : Connection(server, /*plaintext=*/true), socket_(std::move(socket)) {}

// The handlers keep the connection alive (shared_from_this) until they run.
void PlainConnection::start_read(std::span<char> into) {
  socket_.async_read_some(asio::buffer(into.data(), into.size()),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                            static_cast<PlainConnection&>(*self).read_done(ec, n);
                          });
}

void PlainConnection::start_write(const std::string& bytes) {
  asio::async_write(socket_, asio::buffer(bytes),
                    [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                      static_cast<PlainConnection&>(*self).write_done(ec, n);
                    });
}

void PlainConnection::close_transport() {
  asio::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

}  // namespace tern::node
