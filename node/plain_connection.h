#pragma once
// PlainConnection: a client connection on `port`, RESP straight over TCP. Everything but the
// socket calls lives in Connection (node/connection.h).
#include <asio.hpp>
#include <span>
#include <string>

#include "node/connection.h"

namespace tern::node {

class PlainConnection final : public Connection {
 public:
  PlainConnection(Server& server, asio::ip::tcp::socket socket);
  void start() override { serve(); }

 private:
  void start_read(std::span<char> into) override;
  void start_write(const std::string& bytes) override;
  void close_transport() override;
  asio::ip::tcp::socket& tcp_socket() override { return socket_; }

  asio::ip::tcp::socket socket_;
};

}  // namespace tern::node
