#include "node/region/peer_link.h"

#include <chrono>

#include "node/log.h"
#include "replication/peer_message_codec.h"
#include "tls/peer_identity.h"

namespace tern::node {
namespace {

// A peer that connects and then says nothing must not hold a handshake open for ever.
constexpr auto kHandshakeDeadline = std::chrono::seconds(5);

}  // namespace

PeerLink::PeerLink(asio::ip::tcp::socket socket, tls::SharedContext context, tls::HandshakeSide side,
                   std::string description)
    : context_(std::move(context)),
      side_(side),
      stream_(std::move(socket), *context_),
      deadline_(stream_.get_executor()),
      description_(std::move(description)) {
}

void PeerLink::start(std::function<void(PeerLink&)> on_open, OnMessage on_message, OnClosed on_closed) {
  on_message_ = std::move(on_message);
  on_closed_ = std::move(on_closed);
  asio::error_code ec;
  stream_.lowest_layer().set_option(asio::ip::tcp::no_delay(true), ec);
  deadline_.expires_after(kHandshakeDeadline);
  deadline_.async_wait([self = shared_from_this()](const asio::error_code& error) {
    if (!error && !self->open_) self->fail("TLS handshake not finished within 5 s");
  });
  const tls::LogSink sink = [](tls::LogSeverity severity, std::string_view line) {
    log_line(severity == tls::LogSeverity::kWarning ? LogLevel::kWarning : LogLevel::kNotice, std::string(line));
  };
  tls::async_handshake_and_report(
      stream_, side_, description_, sink,
      [self = shared_from_this(), on_open = std::move(on_open)](const tls::HandshakeOutcome& outcome) {
        self->deadline_.cancel();
        if (self->closed_) return;
        if (!outcome.accepted) {
          self->fail("");  // already logged with its reason
          return;
        }
        if (X509* certificate = SSL_get1_peer_certificate(self->stream_.native_handle())) {
          self->certificate_names = tls::uri_names_of(certificate);
          X509_free(certificate);
        }
        self->open_ = true;
        on_open(*self);
        self->read();
        self->write();
      });
}

void PeerLink::read() {
  if (closed_) return;
  stream_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](const asio::error_code& error,
                                                                              std::size_t n) {
    if (self->closed_) return;
    if (error) {
      self->fail(error == asio::error::eof ? "closed by the peer" : error.message());
      return;
    }
    self->bytes_received_ += n;
    std::span<const std::byte> input(reinterpret_cast<const std::byte*>(self->buffer_.data()), n);
    while (!input.empty() && !self->closed_) {
      const auto step = self->decoder_.decode(input);
      input = input.subspan(step.consumed);
      if (step.status == replication::PeerFrameDecoder::Status::kPending) break;
      if (step.status != replication::PeerFrameDecoder::Status::kFrame) {
        self->fail("bad frame: " + std::string(self->decoder_.error()));
        return;
      }
      const std::string_view bytes = self->decoder_.message();
      auto parsed = replication::parse_peer_message(
          std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
      if (!parsed.ok()) {
        self->fail("bad message: " + parsed.error().detail);
        return;
      }
      self->on_message_(*self, parsed.value());
    }
    self->read();
  });
}

void PeerLink::send(std::string frame) {
  if (closed_) return;
  constexpr std::size_t kMaxQueued = 4096;
  if (queue_.size() >= kMaxQueued) {
    if (lossless_) {
      fail("more than 4096 frames waiting to be sent");
      return;
    }
    // The front is being written while writing_: drop the next one instead.
    queue_.erase(queue_.begin() + (writing_ ? 1 : 0));
  }
  queue_.push_back(std::move(frame));
  write();
}

void PeerLink::write() {
  if (!open_ || writing_ || closed_ || queue_.empty()) return;
  writing_ = true;
  asio::async_write(stream_, asio::buffer(queue_.front()),
                    [self = shared_from_this()](const asio::error_code& error, std::size_t) {
                      self->writing_ = false;
                      if (self->closed_) return;
                      if (error) {
                        self->fail(error.message());
                        return;
                      }
                      self->queue_.pop_front();
                      self->write();
                    });
}

void PeerLink::fail(const std::string& why) {
  if (closed_) return;
  if (!why.empty()) log_line(LogLevel::kVerbose, description_ + ": link closed: " + why);
  close();
}

void PeerLink::close() {
  if (closed_) return;
  closed_ = true;
  open_ = false;
  deadline_.cancel();
  asio::error_code ec;
  stream_.lowest_layer().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  stream_.lowest_layer().close(ec);
  if (on_closed_) {
    auto callback = std::move(on_closed_);
    callback(*this);
  }
}

}  // namespace tern::node
