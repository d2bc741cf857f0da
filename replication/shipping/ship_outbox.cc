#include "replication/shipping/ship_outbox.h"

#include <algorithm>
#include <utility>

namespace tern::shipping {

ShipOutbox::ShipOutbox(crdt::RegionId self, ShipLimits limits, crdt::StampVector start)
    : self_(self), limits_(limits), before_front_(start), last_added_(std::move(start)) {}

void ShipOutbox::add_peer(crdt::RegionId peer) {
  if (peer == self_) return;
  auto& stream = streams_[peer.value];
  stream.cursor = std::max(stream.cursor, base_);
}

void ShipOutbox::append(std::uint64_t log_index, crdt::RegionId origin, crdt::Stamp last,
                        crdt::StampVector context, std::string ops, std::uint64_t now_ms) {
  ShippedBatch batch{origin, last_added_.at(origin), last, std::move(context), std::move(ops)};
  last_added_.raise(last);
  retained_bytes_ += batch.ops.size();
  entries_.push_back(Entry{log_index, now_ms, std::move(batch)});
  drop_unneeded();
}

bool ShipOutbox::wanted_by(const Stream& stream, crdt::RegionId peer, const Entry& entry) const {
  return entry.batch.origin != peer && !stream.has.covers(entry.batch.last);
}

void ShipOutbox::connected(crdt::RegionId peer, const crdt::StampVector& peer_has) {
  if (peer == self_) return;
  Stream& stream = streams_[peer.value];
  stream.connected = true;
  stream.has = peer_has;
  stream.sent.clear();
  stream.message_ends.clear();
  stream.in_flight_bytes = 0;
  stream.cursor = base_;  // batches the peer has are skipped as the walk meets them
  drop_unneeded();
}

void ShipOutbox::disconnected(crdt::RegionId peer) {
  const auto it = streams_.find(peer.value);
  if (it == streams_.end()) return;
  it->second.connected = false;
  it->second.sent.clear();
  it->second.message_ends.clear();
  it->second.in_flight_bytes = 0;
}

void ShipOutbox::forget_acknowledged(crdt::RegionId peer, Stream& stream) {
  for (auto it = stream.sent.begin(); it != stream.sent.end();) {
    if (it->first < base_ || !wanted_by(stream, peer, at(it->first))) {
      stream.in_flight_bytes -= it->second;
      it = stream.sent.erase(it);
    } else {
      ++it;
    }
  }
  // A message is acknowledged once its last batch is.
  std::erase_if(stream.message_ends, [&](std::uint64_t end) { return !stream.sent.contains(end); });
}

void ShipOutbox::acknowledged(crdt::RegionId peer, const crdt::StampVector& peer_has) {
  const auto it = streams_.find(peer.value);
  if (it == streams_.end()) return;
  it->second.has.join(peer_has);  // acknowledgements may arrive out of order: never go back
  forget_acknowledged(peer, it->second);
  drop_unneeded();
}

void ShipOutbox::drop_unneeded() {
  while (!entries_.empty()) {
    const Entry& front = entries_.front();
    bool someone_needs = false;
    for (const auto& [id, stream] : streams_) {
      if (wanted_by(stream, crdt::RegionId{id}, front)) someone_needs = true;
    }
    if (someone_needs && retained_bytes_ <= limits_.max_retained_bytes) break;
    before_front_.raise(front.batch.last);
    retained_bytes_ -= front.batch.ops.size();
    entries_.pop_front();
    ++base_;
  }
  for (auto& [id, stream] : streams_) {
    stream.cursor = std::max(stream.cursor, base_);
    if (!stream.sent.empty() && stream.sent.begin()->first < base_) forget_acknowledged(crdt::RegionId{id}, stream);
  }
}

void ShipOutbox::merged_snapshot(const crdt::StampVector& applied) {
  before_front_.join(applied);
  last_added_.join(applied);
}

bool ShipOutbox::needs_snapshot(crdt::RegionId peer) const {
  const auto it = streams_.find(peer.value);
  if (it == streams_.end()) return false;
  // Some origin's ops before the front were dropped while the peer lacked them.
  const auto& dropped = before_front_.raw();
  for (std::size_t r = 0; r < dropped.size(); ++r) {
    if (r == peer.value || dropped[r] == 0) continue;
    if (!it->second.has.covers(crdt::Stamp::from_bits(dropped[r]))) return true;
  }
  return false;
}

std::vector<ShippedBatch> ShipOutbox::take_messages(crdt::RegionId peer, std::uint64_t now_ms) {
  std::vector<ShippedBatch> out;
  const auto found = streams_.find(peer.value);
  if (found == streams_.end() || !found->second.connected || needs_snapshot(peer)) return out;
  Stream& stream = found->second;
  const auto due = next_due_ms(peer);
  if (!due || *due > now_ms) return out;  // nothing wanted, or a partial message may still grow
  while (stream.cursor < end()) {
    // A message: the wanted batches of one origin that follow one another in the walk,
    // up to max_message_bytes (a single larger batch goes alone).
    std::optional<ShippedBatch> message;
    std::uint64_t next = stream.cursor;
    std::vector<std::pair<std::uint64_t, std::size_t>> taken;
    while (next < end()) {
      const Entry& entry = at(next);
      if (!wanted_by(stream, peer, entry)) {
        // Skipping what the peer has (or sent itself) keeps the message's batches consecutive
        // in their origin's sequence: coverage is always a prefix of each origin's ops.
        ++next;
        continue;
      }
      if (message && (entry.batch.origin != message->origin ||
                      message->ops.size() + entry.batch.ops.size() > limits_.max_message_bytes)) {
        break;
      }
      if (!message) {
        message = entry.batch;
      } else {
        // Serialized Protobuf messages concatenate into one whose repeated fields follow one
        // another: the joined OpBatch holds both batches' ops in order.
        message->ops += entry.batch.ops;
        message->last = entry.batch.last;
        message->context.join(entry.batch.context);
      }
      taken.emplace_back(next, entry.batch.ops.size());
      ++next;
    }
    if (!message) {
      stream.cursor = next;
      break;
    }
    if (stream.in_flight_bytes > 0 && (stream.in_flight_bytes + message->ops.size() > limits_.max_in_flight_bytes ||
                                       stream.message_ends.size() >= limits_.max_in_flight_messages)) {
      break;  // backpressure: wait for acknowledgements
    }
    stream.message_ends.push_back(taken.back().first);
    for (const auto& [sequence, bytes] : taken) {
      stream.sent[sequence] = bytes;
      stream.in_flight_bytes += bytes;
    }
    stream.cursor = next;
    out.push_back(std::move(*message));
  }
  return out;
}

std::optional<std::uint64_t> ShipOutbox::next_due_ms(crdt::RegionId peer) const {
  const auto it = streams_.find(peer.value);
  if (it == streams_.end() || !it->second.connected) return std::nullopt;
  const Stream& stream = it->second;
  std::optional<std::uint64_t> oldest;
  std::size_t bytes = 0;
  for (std::uint64_t s = stream.cursor; s < end(); ++s) {
    const Entry& entry = at(s);
    if (!wanted_by(stream, peer, entry)) continue;
    if (!oldest) oldest = entry.added_ms;
    bytes += entry.batch.ops.size();
    if (bytes >= limits_.max_message_bytes) return *oldest;  // a full message is due at once
  }
  if (!oldest) return std::nullopt;
  return *oldest + limits_.max_delay_ms;
}

PeerShipStatus ShipOutbox::status(crdt::RegionId peer) const {
  PeerShipStatus out;
  const auto it = streams_.find(peer.value);
  if (it == streams_.end()) return out;
  const Stream& stream = it->second;
  out.connected = stream.connected;
  out.needs_snapshot = needs_snapshot(peer);
  out.in_flight_bytes = stream.in_flight_bytes;
  out.acknowledged = stream.has;
  for (std::uint64_t s = base_; s < end(); ++s) {
    if (!wanted_by(stream, peer, at(s))) continue;
    if (!out.oldest_unacknowledged_ms) out.oldest_unacknowledged_ms = at(s).added_ms;
    if (s < stream.cursor) continue;  // sent, not yet acknowledged
    ++out.pending_batches;
    out.pending_bytes += at(s).batch.ops.size();
  }
  return out;
}

std::optional<std::uint64_t> ShipOutbox::oldest_retained_log_index() const {
  if (entries_.empty()) return std::nullopt;
  return entries_.front().log_index;
}

}  // namespace tern::shipping
