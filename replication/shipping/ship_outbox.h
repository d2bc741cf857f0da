#pragma once
// ShipOutbox: on a region's leader, the committed batches of the region log that some peer
// region may still need, and what to send each peer next (README.md, "Sending: the outbox").
// Pure: no I/O, no clock (times come in as milliseconds).
//
// Batches are added in region-log order, of every origin (relayed ones included). Each peer
// stream walks them from its cursor and ships those whose origin is not the peer and which the
// peer's acknowledged vector does not cover; consecutive batches of one origin are joined into
// one message. Memory is bounded twice: per peer by the bytes in flight (unacknowledged), and
// overall by the bytes retained, past which the oldest batches go and a peer that still needed
// them is told to take a snapshot instead.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include "replication/shipping/shipped_batch.h"

namespace tern::shipping {

struct ShipLimits {
  std::size_t max_message_bytes = 64 * 1024;    // ops in one message (a partial one waits...)
  std::uint64_t max_delay_ms = 2;               // ...at most this long for more
  std::size_t max_in_flight_bytes = 4 << 20;    // sent to one peer and not yet acknowledged...
  std::size_t max_in_flight_messages = 1024;    // ...in at most this many messages (small ones too)
  std::size_t max_retained_bytes = 256 << 20;   // kept for peers that are behind or away
};

struct PeerShipStatus {
  bool connected = false;
  bool needs_snapshot = false;
  std::size_t pending_batches = 0;  // retained, for this peer, not yet sent
  std::size_t pending_bytes = 0;
  std::size_t in_flight_bytes = 0;
  crdt::StampVector acknowledged;   // what the peer last said it has
  // When the oldest batch it still lacks was added (sent or not): its lag is now minus this.
  std::optional<std::uint64_t> oldest_unacknowledged_ms;
};

class ShipOutbox {
 public:
  // `start`: per origin, the greatest stamp before the first batch that will be added (the
  // applied vector of the state the log continues from); every batch's `prev` follows from it.
  ShipOutbox(crdt::RegionId self, ShipLimits limits, crdt::StampVector start);

  // A configured peer region: batches are retained for it even before it first connects.
  void add_peer(crdt::RegionId peer);

  // A committed batch of the region log, in log order. `last` is its greatest stamp (of
  // `origin`), `context` the join of its ops' contexts, `ops` a serialized OpBatch.
  void append(std::uint64_t log_index, crdt::RegionId origin, crdt::Stamp last, crdt::StampVector context,
              std::string ops, std::uint64_t now_ms);

  // The link to `peer` is up and the peer has `peer_has` (its gate's logged vector): shipping
  // resumes from the first batch that vector does not cover. Unsent state from an earlier link
  // is forgotten: what it sent and the peer did not acknowledge is sent again.
  void connected(crdt::RegionId peer, const crdt::StampVector& peer_has);
  void disconnected(crdt::RegionId peer);
  void acknowledged(crdt::RegionId peer, const crdt::StampVector& peer_has);

  // The messages to send `peer` now, in order (empty while nothing is due, the link is down, the
  // in-flight bound is reached, or the peer needs a snapshot). Marks them sent.
  std::vector<ShippedBatch> take_messages(crdt::RegionId peer, std::uint64_t now_ms);
  // When a partial message for `peer` becomes due, if one is waiting for more.
  [[nodiscard]] std::optional<std::uint64_t> next_due_ms(crdt::RegionId peer) const;

  // The peer misses ops no longer retained: only a snapshot (a state merge) brings it level.
  [[nodiscard]] bool needs_snapshot(crdt::RegionId peer) const;
  // After the peer has merged a snapshot: ship from its new vector.
  void snapshot_sent(crdt::RegionId peer, const crdt::StampVector& peer_has) { connected(peer, peer_has); }

  // This region merged a snapshot from a peer region: it now has ops up to `applied` that are
  // in no batch here. The next batch of each origin follows on from there, and a peer lacking
  // any of them needs a snapshot too (they cannot be shipped as batches).
  void merged_snapshot(const crdt::StampVector& applied);

  [[nodiscard]] PeerShipStatus status(crdt::RegionId peer) const;
  [[nodiscard]] std::size_t retained_bytes() const { return retained_bytes_; }
  [[nodiscard]] std::size_t retained_batches() const { return entries_.size(); }
  // The oldest log index still retained (nullopt when nothing is): the region log may compact
  // below it without any peer losing a batch it could still be sent.
  [[nodiscard]] std::optional<std::uint64_t> oldest_retained_log_index() const;

 private:
  struct Entry {
    std::uint64_t log_index;
    std::uint64_t added_ms;
    ShippedBatch batch;
  };
  struct Stream {
    bool connected = false;
    crdt::StampVector has;
    std::uint64_t cursor = 0;  // sequence number of the next entry to consider
    std::map<std::uint64_t, std::size_t> sent;  // unacknowledged: sequence number -> bytes
    std::size_t in_flight_bytes = 0;
    // Unacknowledged messages: the last sequence number of each (a message ends there).
    std::vector<std::uint64_t> message_ends;
  };

  [[nodiscard]] bool wanted_by(const Stream& stream, crdt::RegionId peer, const Entry& entry) const;
  [[nodiscard]] const Entry& at(std::uint64_t sequence) const { return entries_[sequence - base_]; }
  [[nodiscard]] std::uint64_t end() const { return base_ + entries_.size(); }
  void forget_acknowledged(crdt::RegionId peer, Stream& stream);
  void drop_unneeded();

  crdt::RegionId self_;
  ShipLimits limits_;
  std::deque<Entry> entries_;
  std::uint64_t base_ = 0;          // sequence number of entries_.front()
  std::size_t retained_bytes_ = 0;
  crdt::StampVector before_front_;  // per origin, the last stamp before entries_.front()
  crdt::StampVector last_added_;    // per origin, the last stamp added (the next batch's prev)
  std::map<std::uint8_t, Stream> streams_;  // by peer region id
};

}  // namespace tern::shipping
