#pragma once
// PeerLink: one TLS connection between two nodes of a region, carrying frames
// (replication/peer_frame.h) of PeerMessages. A node dials every other node and sends on the
// link it dialled; it reads what others send on the links they dialled to it. Two links per
// pair keeps each one simple (one writer, one reader) and needs no tie-breaking; Raft tolerates
// a message lost while a link is down.
//
// Lifetime: the link keeps itself alive (shared_from_this) while an operation is pending; the
// owner holds a shared_ptr to send and calls close() to end it.
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "replication/peer_frame.h"
#include "replication/proto/tern_peer.pb.h"
#include "tls/handshake_report.h"
#include "tls/peer_context.h"

namespace tern::node {

class PeerLink : public std::enable_shared_from_this<PeerLink> {
 public:
  using OnMessage = std::function<void(PeerLink& link, const wire::PeerMessage& message)>;
  using OnClosed = std::function<void(PeerLink& link)>;

  PeerLink(asio::ip::tcp::socket socket, tls::SharedContext context, tls::HandshakeSide side,
           std::string description);
  // Handshakes (bounded by a deadline), then reads frames until the link fails or is closed.
  // `on_open` runs once the handshake succeeded.
  void start(std::function<void(PeerLink&)> on_open, OnMessage on_message, OnClosed on_closed);
  // Queues a framed message; dropped when the link is not open (the sender retries by protocol).
  // When kMaxQueued frames wait already, a lossy link (region links: Raft resends what matters)
  // drops the oldest one not being written; a lossless link (shipping: a stream with no gaps)
  // closes instead, and the sender resumes from what the receiver acknowledged.
  void send(std::string frame);
  void set_lossless(bool lossless) { lossless_ = lossless; }
  void close();
  [[nodiscard]] bool open() const { return open_; }
  [[nodiscard]] const std::string& description() const { return description_; }
  // Bytes read off the TLS stream so far (frames, compressed as they travel).
  [[nodiscard]] std::uint64_t bytes_received() const { return bytes_received_; }
  // Set by the owner once the peer's Hello named it (accepting side).
  std::string peer_name;
  // The certificate's tern:// URI names, read after the handshake.
  std::vector<std::string> certificate_names;

 private:
  void read();
  void write();
  void fail(const std::string& why);

  tls::SharedContext context_;  // outlives the stream's SSL object
  tls::HandshakeSide side_;
  tls::TlsStream stream_;
  asio::steady_timer deadline_;
  std::string description_;
  replication::PeerFrameDecoder decoder_;
  std::array<char, 64 * 1024> buffer_{};  // a long append arrives in few reads
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool lossless_ = false;
  std::uint64_t bytes_received_ = 0;
  bool open_ = false;
  bool closed_ = false;
  OnMessage on_message_;
  OnClosed on_closed_;
};

}  // namespace tern::node
