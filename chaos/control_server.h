#pragma once
// ControlServer: the control port. It speaks RESP (node/resp's request parser and reply
// writer), so redis-cli, redis-py and any Redis client drive the proxy. Each session reads,
// parses whatever complete requests arrived (pipelining works), runs them on the Proxy and
// writes the replies; it reads again only after the write, so a client that does not read its
// replies cannot make the proxy buffer without bound. A protocol error is answered and the
// session closed, as Redis does.
#include <asio.hpp>
#include <cstdint>

#include "chaos/link_spec.h"
#include "chaos/proxy.h"
#include "chaos/result.h"

namespace tern::chaos {

class ControlServer {
 public:
  ControlServer(asio::io_context& io, Proxy& proxy)
      : io_(io), proxy_(proxy), acceptor_(io), accept_retry_(io) {}

  // Binds and starts accepting; returns the bound port.
  [[nodiscard]] Result<std::uint16_t> listen(const HostPort& address);

 private:
  void accept();

  asio::io_context& io_;
  Proxy& proxy_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
};

}  // namespace tern::chaos
