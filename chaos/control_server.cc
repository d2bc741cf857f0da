#include "chaos/control_server.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "chaos/control_command.h"
#include "node/resp/reply_writer.h"
#include "node/resp/request_parser.h"

namespace tern::chaos {
namespace {

constexpr std::size_t kReadChunk = 4096;

// Control requests are a few short words; these limits keep a confused or hostile client from
// making the proxy hold much.
node::resp::ParserLimits control_limits() {
  node::resp::ParserLimits limits;
  limits.max_bulk_len = 64 * 1024;
  limits.max_query_buffer = 1024 * 1024;
  limits.max_multibulk_len = 64;
  return limits;
}

// "2026-11-23T19:14:00.123Z": wall-clock time, so a drill can line the proxy's log up with its
// own history.
std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  const std::size_t length = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &parts);
  char out[48];
  std::snprintf(out, sizeof(out), "%.*s.%03dZ", static_cast<int>(length), text,
                static_cast<int>(millis));
  return out;
}

// Every command that changes a link is logged to stdout, one line each, as it was typed.
void log_link_command(const ControlCommand& command, std::span<const std::string_view> args) {
  if (target_link(command) == nullptr || std::holds_alternative<LinksCommand>(command)) return;
  std::string line = utc_timestamp() + " control:";
  for (const std::string_view arg : args) line.append(" ").append(arg.substr(0, 128));
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

class ControlSession : public std::enable_shared_from_this<ControlSession> {
 public:
  ControlSession(asio::ip::tcp::socket socket, Proxy& proxy)
      : socket_(std::move(socket)), proxy_(proxy), parser_(control_limits()) {}

  void read() {
    auto buffer = parser_.prepare(kReadChunk);
    socket_.async_read_some(
        asio::buffer(buffer.data(), buffer.size()),
        [self = shared_from_this()](const asio::error_code& error, std::size_t bytes) {
          if (error) return;  // closed by the client: nothing to answer
          self->parser_.commit(bytes);
          self->run_requests();
        });
  }

 private:
  void run_requests() {
    node::resp::ReplyWriter reply(out_);
    bool keep_open = true;
    while (keep_open) {
      const auto status = parser_.next(arguments_);
      if (status == node::resp::RequestParser::Status::kNeedMore) break;
      if (status == node::resp::RequestParser::Status::kError) {
        if (parser_.error_kind() == node::resp::RequestParser::ErrorKind::kProtocol) {
          reply.error(parser_.error());
        }
        keep_open = false;
        break;
      }
      auto command = parse_control_command(arguments_);
      if (!command.ok()) {
        reply.error(command.error());
        continue;
      }
      log_link_command(command.value(), arguments_);
      keep_open = proxy_.execute(command.value(), reply);
    }
    write(keep_open);
  }

  void write(bool keep_open) {
    if (out_.empty()) {
      if (keep_open) read();
      return;
    }
    asio::async_write(
        socket_, asio::buffer(out_),
        [self = shared_from_this(), keep_open](const asio::error_code& error, std::size_t) {
          self->out_.clear();
          if (error || !keep_open) {
            asio::error_code ignored;
            self->socket_.close(ignored);
            return;
          }
          self->read();
        });
  }

  asio::ip::tcp::socket socket_;
  Proxy& proxy_;
  node::resp::RequestParser parser_;
  std::vector<std::string_view> arguments_;
  std::string out_;
};

}  // namespace

Result<std::uint16_t> ControlServer::listen(const HostPort& address) {
  asio::error_code error;
  asio::ip::tcp::resolver resolver(io_);
  const auto endpoints = resolver.resolve(address.host, std::to_string(address.port),
                                          asio::ip::tcp::resolver::passive, error);
  if (error || endpoints.empty()) {
    return Error{"control: cannot resolve " + address.host + ": " + error.message()};
  }
  const asio::ip::tcp::endpoint endpoint = *endpoints.begin();
  acceptor_.open(endpoint.protocol(), error);
  if (!error) acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) return Error{"control: cannot listen on " + to_text(address) + ": " + error.message()};
  const std::uint16_t port = acceptor_.local_endpoint(error).port();
  accept();
  return port;
}

void ControlServer::accept() {
  acceptor_.async_accept([this](const asio::error_code& error, asio::ip::tcp::socket socket) {
    if (error == asio::error::operation_aborted) return;
    if (error) {
      // Out of descriptors, mostly: try again shortly instead of spinning.
      std::fprintf(stderr, "tern-chaos-proxy: control: accept failed: %s\n",
                   error.message().c_str());
      accept_retry_.expires_after(std::chrono::milliseconds(50));
      accept_retry_.async_wait([this](const asio::error_code& wait_error) {
        if (!wait_error) accept();
      });
      return;
    }
    std::make_shared<ControlSession>(std::move(socket), proxy_)->read();
    accept();
  });
}

}  // namespace tern::chaos
