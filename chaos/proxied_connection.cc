#include "chaos/proxied_connection.h"

#include "chaos/link.h"

namespace tern::chaos {
namespace {

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::size_t kMaxWrite = 64 * 1024;
// If take() gives nothing at an instant next_release() named (a rounding corner), look again
// this much later instead of spinning.
constexpr Nanoseconds kRetryLater = std::chrono::microseconds(100);

// SO_LINGER with a zero timeout: close() sends RST instead of FIN.
void close_with_reset(asio::ip::tcp::socket& socket) {
  if (!socket.is_open()) return;
  asio::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);
  socket.close(ignored);
}

void close_gracefully(asio::ip::tcp::socket& socket) {
  if (!socket.is_open()) return;
  asio::error_code ignored;
  socket.close(ignored);
}

}  // namespace

ProxiedConnection::Flow::Flow(Direction d, asio::io_context& io, std::uint64_t seed)
    : direction(d), shaper(seed), timer(io), read_buffer(new char[kReadChunk]) {}

ProxiedConnection::ProxiedConnection(Link& link, asio::ip::tcp::socket client, std::uint64_t seed)
    : link_(link),
      client_(std::move(client)),
      target_(link.io()),
      up_(Direction::kUp, link.io(), seed),
      down_(Direction::kDown, link.io(), seed ^ 0x9e3779b97f4a7c15ULL) {}

asio::ip::tcp::socket& ProxiedConnection::source_of(const Flow& flow) {
  return flow.direction == Direction::kUp ? client_ : target_;
}

asio::ip::tcp::socket& ProxiedConnection::sink_of(const Flow& flow) {
  return flow.direction == Direction::kUp ? target_ : client_;
}

void ProxiedConnection::start() {
  ++link_.counters().connections_open;
  asio::error_code ignored;
  client_.set_option(asio::ip::tcp::no_delay(true), ignored);
  const Instant now = Clock::now();
  for (const Direction d : kBothDirections) flow_of(d).shaper.set_faults(link_.faults().of(d), now);
  if (link_.faults().blackhole) {
    stage_ = Stage::kUndialled;
    read(up_);
    return;
  }
  dial();
}

void ProxiedConnection::dial() {
  stage_ = Stage::kDialling;
  asio::async_connect(
      target_, link_.targets(),
      [self = shared_from_this()](const asio::error_code& error, const asio::ip::tcp::endpoint&) {
        if (self->stage_ == Stage::kClosed) return;
        if (error) {
          // The client sees the target's refusal as a reset.
          ++self->link_.counters().connects_failed;
          self->close(CloseKind::kAbort);
          return;
        }
        asio::error_code ignored;
        self->target_.set_option(asio::ip::tcp::no_delay(true), ignored);
        self->stage_ = Stage::kOpen;
        self->read(self->up_);
        self->read(self->down_);
      });
}

void ProxiedConnection::read(Flow& flow) {
  if (flow.reading || flow.source_ended) return;
  const bool may_read =
      stage_ == Stage::kOpen || (stage_ == Stage::kUndialled && flow.direction == Direction::kUp);
  if (!may_read) return;
  if (queued_bytes(flow.direction) >= link_.max_buffer_bytes()) return;  // backpressure
  flow.reading = true;
  source_of(flow).async_read_some(
      asio::buffer(flow.read_buffer.get(), kReadChunk),
      [self = shared_from_this(), &flow](const asio::error_code& error, std::size_t bytes) {
        self->on_read(flow, error, bytes);
      });
}

void ProxiedConnection::on_read(Flow& flow, const asio::error_code& error, std::size_t bytes) {
  flow.reading = false;
  if (stage_ == Stage::kClosed) return;
  const std::size_t d = index_of(flow.direction);
  if (error == asio::error::eof && stage_ == Stage::kOpen) {
    flow.source_ended = true;
    pass_on_end_of_stream(flow);
    return;
  }
  if (error) {
    // A reset (or an end of stream with nobody to tell, before dialling) ends the connection.
    close(error == asio::error::eof ? CloseKind::kGraceful : CloseKind::kAbort);
    return;
  }
  if (link_.faults().drops(flow.direction) || stage_ == Stage::kUndialled) {
    link_.counters().dropped_bytes[d] += bytes;
  } else {
    flow.shaper.push(Clock::now(), std::string_view(flow.read_buffer.get(), bytes));
    release(flow);
  }
  read(flow);
}

void ProxiedConnection::release(Flow& flow) {
  if (stage_ != Stage::kOpen || flow.writing) return;
  const Instant now = Clock::now();
  const auto next = flow.shaper.next_release(now);
  if (!next) {
    pass_on_end_of_stream(flow);
    return;
  }
  if (*next > now) {
    arm(flow, *next);
    return;
  }
  flow.write_buffer.clear();
  if (flow.shaper.take(now, kMaxWrite, flow.write_buffer) == 0) {
    arm(flow, now + kRetryLater);
    return;
  }
  flow.writing = true;
  asio::async_write(
      sink_of(flow), asio::buffer(flow.write_buffer),
      [self = shared_from_this(), &flow](const asio::error_code& error, std::size_t bytes) {
        flow.writing = false;
        if (self->stage_ == Stage::kClosed) return;
        if (error) {
          self->close(CloseKind::kAbort);
          return;
        }
        self->link_.counters().forwarded_bytes[index_of(flow.direction)] += bytes;
        self->release(flow);
        self->read(flow);  // the queue shrank: a flow held back by its cap reads again
      });
}

void ProxiedConnection::arm(Flow& flow, Instant when) {
  if (flow.timer_armed && flow.armed_for == when) return;
  flow.timer_armed = true;
  flow.armed_for = when;
  // expires_at cancels a pending wait; its handler sees operation_aborted and leaves the flow
  // to the new one.
  flow.timer.expires_at(when);
  flow.timer.async_wait([self = shared_from_this(), &flow](const asio::error_code& error) {
    if (error == asio::error::operation_aborted || self->stage_ == Stage::kClosed) return;
    flow.timer_armed = false;
    self->release(flow);
  });
}

void ProxiedConnection::pass_on_end_of_stream(Flow& flow) {
  if (stage_ != Stage::kOpen || !flow.source_ended || flow.sink_shut || flow.writing ||
      !flow.shaper.empty() || link_.faults().drops(flow.direction)) {
    return;
  }
  asio::error_code ignored;
  sink_of(flow).shutdown(asio::socket_base::shutdown_send, ignored);
  flow.sink_shut = true;
  if (up_.sink_shut && down_.sink_shut) close(CloseKind::kGraceful);
}

void ProxiedConnection::apply_faults(const LinkFaults& before) {
  if (stage_ == Stage::kClosed) return;
  const LinkFaults& now_faults = link_.faults();
  if (stage_ == Stage::kUndialled && !now_faults.blackhole) {
    // Accepted during a blackhole, it never reached the target and what it sent is gone: an
    // RST makes the client start over instead of talking into a broken stream.
    reset();
    return;
  }
  const Instant now = Clock::now();
  for (const Direction d : kBothDirections) {
    Flow& flow = flow_of(d);
    flow.shaper.set_faults(now_faults.of(d), now);
    if (now_faults.drops(d) && !before.drops(d)) {
      // A direction that dies loses what was in flight on it.
      link_.counters().dropped_bytes[index_of(d)] += flow.shaper.discard();
    }
  }
  for (const Direction d : kBothDirections) {
    Flow& flow = flow_of(d);
    release(flow);
    pass_on_end_of_stream(flow);
    if (stage_ == Stage::kClosed) return;
    read(flow);
  }
}

void ProxiedConnection::reset() {
  if (stage_ == Stage::kClosed) return;
  ++link_.counters().connections_reset;
  close(CloseKind::kAbort);
}

void ProxiedConnection::close(CloseKind kind) {
  if (stage_ == Stage::kClosed) return;
  stage_ = Stage::kClosed;
  for (const Direction d : kBothDirections) {
    Flow& flow = flow_of(d);
    link_.counters().dropped_bytes[index_of(d)] += flow.shaper.discard();
    flow.timer.cancel();
  }
  if (kind == CloseKind::kAbort) {
    close_with_reset(client_);
    close_with_reset(target_);
  } else {
    close_gracefully(client_);
    close_gracefully(target_);
  }
  --link_.counters().connections_open;
  link_.forget(this);
}

}  // namespace tern::chaos
