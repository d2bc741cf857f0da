#pragma once
// ProxiedConnection: one client connection accepted on a link and its connection to the target,
// as two flows (up: client -> target, down: target -> client). Each flow reads its source into
// a Shaper, arms one steady_timer for the instant the shaper names, and writes what the shaper
// releases to its sink, one write at a time. All on the one io_context thread.
//
// Invariants and ownership:
//   - The Link owns the connection (a shared_ptr in its table); every pending handler holds
//     another, so a connection the link forgets lives until its last handler has run.
//   - A flow reads only while it holds (queued plus being written) less than the link's
//     max-buffer bytes: a slow, delayed or stalled sink pushes back on the source through TCP
//     instead of growing memory. So a direction holds at most max-buffer + one read.
//   - A FIN travels like a byte: a source's end of stream is passed on (shutdown of the sink's
//     send side) only once everything read before it has been written. A dropping direction
//     (blackhole, half-open) swallows the FIN too, and passes it on when the fault is lifted.
//   - Any read or write error other than end of stream closes both sockets with RST, so the
//     far end sees the reset the near end saw (the proxy does not hide failures).
#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "chaos/direction.h"
#include "chaos/link_faults.h"
#include "chaos/shaper.h"

namespace tern::chaos {

class Link;

class ProxiedConnection : public std::enable_shared_from_this<ProxiedConnection> {
 public:
  ProxiedConnection(Link& link, asio::ip::tcp::socket client, std::uint64_t seed);

  // Dials the target and starts both flows. On a blackholed link it does not dial: it reads
  // the client and drops what it reads.
  void start();
  // The link's faults changed from `before` to its current ones; applies them at once, to
  // queued bytes too.
  void apply_faults(const LinkFaults& before);
  // RESET and CUT: both ends get an RST, queued bytes are dropped.
  void reset();
  // Bytes read in this direction and not yet written (LINKS's *_queued): the shaper's queue
  // plus a write in progress.
  [[nodiscard]] std::size_t queued_bytes(Direction direction) const {
    const Flow& flow = direction == Direction::kUp ? up_ : down_;
    return flow.shaper.buffered_bytes() + (flow.writing ? flow.write_buffer.size() : 0);
  }

 private:
  enum class Stage : std::uint8_t { kDialling, kUndialled, kOpen, kClosed };
  enum class CloseKind : std::uint8_t { kGraceful, kAbort };

  struct Flow {
    Flow(Direction direction, asio::io_context& io, std::uint64_t seed);
    Direction direction;
    Shaper shaper;
    asio::steady_timer timer;
    std::unique_ptr<char[]> read_buffer;
    std::string write_buffer;
    Instant armed_for{};
    bool reading = false;
    bool writing = false;
    bool timer_armed = false;
    bool source_ended = false;  // end of stream read from the source
    bool sink_shut = false;     // the FIN was passed on
  };

  asio::ip::tcp::socket& source_of(const Flow& flow);
  asio::ip::tcp::socket& sink_of(const Flow& flow);
  Flow& flow_of(Direction direction) { return direction == Direction::kUp ? up_ : down_; }

  void dial();
  void read(Flow& flow);
  void on_read(Flow& flow, const asio::error_code& error, std::size_t bytes);
  void release(Flow& flow);
  void arm(Flow& flow, Instant when);
  void pass_on_end_of_stream(Flow& flow);
  void close(CloseKind kind);

  Link& link_;
  asio::ip::tcp::socket client_;
  asio::ip::tcp::socket target_;
  Flow up_;
  Flow down_;
  Stage stage_ = Stage::kDialling;
};

}  // namespace tern::chaos
