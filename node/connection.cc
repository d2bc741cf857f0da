#include "node/connection.h"

#include "node/log.h"
#include "node/server.h"

namespace tern::node {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;

std::string endpoint_text(const asio::ip::tcp::endpoint& e) {
  const auto address = e.address();
  std::string host = address.to_string();
  return host + ":" + std::to_string(e.port());
}

resp::ParserLimits parser_limits(const Settings& s) {
  resp::ParserLimits limits;
  limits.max_bulk_len = static_cast<std::size_t>(s.proto_max_bulk_len);
  limits.max_query_buffer = static_cast<std::size_t>(s.client_query_buffer_limit);
  return limits;
}

// AUTH, HELLO (which may carry AUTH) and RESET (which logs the client out).
bool can_change_authentication(std::string_view command) {
  const auto is = [&](std::string_view name) {
    if (command.size() != name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
      if ((command[i] | 0x20) != name[i]) return false;
    }
    return true;
  };
  return is("auth") || is("hello") || is("reset");
}

}  // namespace

Connection::Connection(Server& server, bool plaintext)
    : server_(server), parser_(parser_limits(server.node().settings())), plaintext_(plaintext) {
  // The idle `timeout` looks at every connection, a TLS one still in its handshake included:
  // it has been idle only since now.
  client_.created_ms = server.node().store().now_ms();
  client_.last_interaction_ms = client_.created_ms;
}

void Connection::serve() {
  if (closed_) return;
  Node& node = server_.node();
  asio::ip::tcp::socket& socket = tcp_socket();
  asio::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  if (node.settings().tcp_keepalive > 0) socket.set_option(asio::socket_base::keep_alive(true), ec);
  client_.id = node.next_client_id();
  client_.fd = static_cast<int>(socket.native_handle());
  const auto remote = socket.remote_endpoint(ec);
  if (!ec) client_.address = endpoint_text(remote);
  const auto local = socket.local_endpoint(ec);
  if (!ec) client_.local_address = endpoint_text(local);
  client_.created_ms = node.store().now_ms();
  client_.last_interaction_ms = client_.created_ms;
  client_.authenticated = node.settings().requirepass.empty();
  std::weak_ptr<Connection> weak = weak_from_this();
  client_.wake = [weak] {
    if (auto self = weak.lock()) self->flush();
  };
  // A blocked client (a forwarded write) continues on a fresh turn of the loop, not inside the
  // code that unblocked it.
  client_.resume = [weak, &io = server_.io()] {
    asio::post(io, [weak] {
      if (auto self = weak.lock(); self && !self->client_.blocked) self->process();
    });
  };
  node.add_client(client_);
  registered_ = true;
  read();
}

void Connection::read() {
  if (closed_ || reading_) return;
  reading_ = true;
  auto buffer = parser_.prepare(kReadChunk);
  start_read(buffer);
}

void Connection::read_done(const asio::error_code& ec, std::size_t n) {
  reading_ = false;
  if (ec) {
    close();
    return;
  }
  on_read(n);
}

// A TLS record starts 0x16 (handshake) 0x03 (major version); no RESP request starts with that
// control byte, so this cannot refuse a real client. Without it the ClientHello would be read as
// an inline command and the TLS client would wait for a ServerHello that never comes.
bool Connection::refuse_tls_on_plain_port() {
  const std::string_view input = parser_.buffered();
  if (input.empty() || input[0] != '\x16' || (input.size() > 1 && input[1] != '\x03')) return false;
  log_line(LogLevel::kWarning, "Client addr=" + client_.address +
                                   " sent a TLS handshake to the plaintext port; closing it" +
                                   (server_.node().settings().tls_port != 0
                                        ? " (TLS clients connect to tls-port " +
                                              std::to_string(server_.node().settings().tls_port) + ")"
                                        : " (no tls-port is configured)"));
  close();
  return true;
}

void Connection::on_read(std::size_t n) {
  if (closed_) return;
  parser_.commit(n);
  if (first_read_) {
    first_read_ = false;
    if (plaintext_ && refuse_tls_on_plain_port()) return;
  }
  server_.node().stats().net_input_bytes += n;
  server_.update_clock();
  batch_status_ = resp::RequestParser::Status::kCommand;  // new bytes: parse again
  process();
}

// Runs the parsed requests, parsing more in batches, until the input is used up, the client
// must wait (a write forwarded to the region's leader: ClientState::blocked), or it is closing.
// A blocked client resumes here when its reply arrives, with the rest of its batch intact: the
// parser's buffer does not move until the next read, which only happens after this returns
// unblocked.
void Connection::process() {
  if (closed_) return;
  Node& node = server_.node();
  while (!client_.close_after_reply) {
    while (batch_next_ < batch_size_ && !client_.close_after_reply) {
      const std::size_t i = batch_next_++;
      node.execute(client_, batch_[i], specs_[i]);
      if (node.shutdown_requested()) {
        server_.stop("SHUTDOWN");
        return;
      }
      if (closed_) return;  // CLIENT KILL of itself
      if (client_.blocked) {
        flush();  // the replies before the blocked request may go (flush holds what must wait)
        return;
      }
    }
    if (client_.close_after_reply || batch_status_ == resp::RequestParser::Status::kNeedMore) break;
    if (batch_status_ == resp::RequestParser::Status::kError) {
      if (parser_.error_kind() == resp::RequestParser::ErrorKind::kQueryBufferLimit) {
        ++node.stats().client_query_buffer_limit_disconnections;
        log_line(LogLevel::kWarning, "Closing client that reached max query buffer length: id=" +
                                         std::to_string(client_.id) + " addr=" + client_.address);
        close();
        return;
      }
      resp::ReplyWriter(client_.output).error(parser_.error());
      log_line(LogLevel::kVerbose, "Protocol error (" + std::string(parser_.error()) + ") from client: id=" +
                                       std::to_string(client_.id) + " addr=" + client_.address);
      client_.close_after_reply = true;
      break;
    }
    // Parse up to kBatch requests, then run them. A request that can change the client's
    // authentication ends the batch: the parser's limits for the requests after it depend on
    // its outcome (Redis bounds what unauthenticated clients may send).
    std::size_t parsed = 0;
    auto status = resp::RequestParser::Status::kCommand;
    while (parsed < kBatch) {
      parser_.set_authenticated(client_.authenticated);
      status = parser_.next(batch_[parsed]);
      if (status != resp::RequestParser::Status::kCommand) break;
      const bool may_change_auth = !client_.authenticated || can_change_authentication(batch_[parsed][0]);
      ++parsed;
      if (may_change_auth) break;
    }
    batch_size_ = parsed;
    batch_next_ = 0;
    batch_status_ = status;
    const std::span<const std::vector<std::string_view>> batch(batch_.data(), parsed);
    const std::span<const CommandSpec*> specs(specs_.data(), parsed);
    std::fill(specs.begin(), specs.end(), nullptr);
    if (parsed > 1) node.prefetch_keys(client_, batch, specs);
  }
  client_.query_buffer_bytes = parser_.buffered_bytes();
  if (over_output_limit()) return;
  flush();
  if (!client_.close_after_reply) read();
}

bool Connection::over_output_limit() {
  const Settings& s = server_.node().settings();
  const bool pubsub = client_.subscription_count() > 0;
  const auto& limit = s.output_buffer_limit(pubsub ? ClientClass::kPubSub : ClientClass::kNormal);
  const std::size_t pending = client_.output.size() + sending_.size();
  bool over = limit.hard_bytes > 0 && pending > limit.hard_bytes;
  if (!over && limit.soft_bytes > 0 && pending > limit.soft_bytes) {
    const std::uint64_t now = server_.node().store().now_ms();
    if (soft_limit_since_ms_ == 0) soft_limit_since_ms_ = now;
    over = now - soft_limit_since_ms_ >= limit.soft_seconds * 1000;
  } else if (limit.soft_bytes == 0 || pending <= limit.soft_bytes) {
    soft_limit_since_ms_ = 0;
  }
  if (!over) return false;
  ++server_.node().stats().client_output_buffer_limit_disconnections;
  log_line(LogLevel::kWarning, "Client id=" + std::to_string(client_.id) + " addr=" + client_.address +
                                   " closed for overcoming of output buffer limits.");
  close();
  return true;
}

void Connection::flush() {
  if (closed_) return;
  // Checked before anything else: output for a client whose write is stuck (it stopped
  // reading) keeps arriving from PUBLISH, and only this check bounds it.
  if (over_output_limit()) return;
  if (writing_) return;
  // Replies after a write the region has not committed yet wait for it (region-ack quorum).
  if (client_.wait_for_commit > server_.node().region_commit) return;
  if (client_.output.empty()) {
    if (client_.close_after_reply) close();
    return;
  }
  sending_.swap(client_.output);
  client_.output.clear();
  writing_ = true;
  start_write(sending_);
}

void Connection::write_done(const asio::error_code& ec, std::size_t n) {
  writing_ = false;
  if (ec) {
    close();
    return;
  }
  server_.node().stats().net_output_bytes += n;
  sending_.clear();
  if (sending_.capacity() > 1024 * 1024) std::string().swap(sending_);
  flush();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  close_transport();
  if (registered_) server_.node().remove_client(client_);
  client_.wake = nullptr;
  server_.forget(this);
}

}  // namespace tern::node
