#include "node/store.h"

namespace tern::node {

Store::Store(crdt::RegionId region, std::uint32_t databases) : replica_(region, databases) {}

const crdt::KeyState* Store::find(std::uint32_t db, std::string_view key) {
  const crdt::KeyState* state = replica_.keyspace().find(db, key);
  if (state == nullptr) return nullptr;
  if (state->expired_at(now_ms_)) {
    if (!may_write_) return nullptr;
    // Lazy expiry (an op), then look again: writes stamped after the deadline survive it.
    const std::string name(key);
    replica_.expire_if_due(db, name, now_ms_);
    state = replica_.lookup(db, name, now_ms_);
    if (state == nullptr) return nullptr;
  } else if (state->type() == crdt::ValueType::kNone) {
    return nullptr;  // only CRDT metadata is stored (e.g. a delete that observed counters)
  }
  access_random_ ^= access_random_ << 13;
  access_random_ ^= access_random_ >> 7;
  access_random_ ^= access_random_ << 17;
  state->record_access(now_ms_, lfu_log_factor_, lfu_decay_minutes_, access_random_);
  return state;
}

const crdt::KeyState* Store::peek(std::uint32_t db, const std::string& key) const {
  return replica_.lookup(db, key, now_ms_);
}

void Store::recycle_ops(std::vector<crdt::Op> ops) {
  ops.clear();
  replica_.recycle_outbox(std::move(ops));
}

std::vector<crdt::Op> Store::take_ops() {
  auto ops = replica_.take_outbox();
  for (const auto& op : ops) {
    if (op.kind == crdt::OpKind::kExpired) ++expired_keys_;
  }
  return ops;
}

std::size_t Store::key_count(std::uint32_t db) const {
  if (db >= databases()) return 0;
  std::size_t n = 0;
  for (const auto& [key, state] : replica_.keyspace().database(db)) {
    if (!state.expired_at(now_ms_) && state.type() != crdt::ValueType::kNone) ++n;
  }
  return n;
}

std::size_t Store::volatile_key_count(std::uint32_t db) const {
  if (db >= databases()) return 0;
  std::size_t n = 0;
  for (const auto& [key, state] : replica_.keyspace().database(db)) {
    if (state.deadline_ms() && !state.expired_at(now_ms_) && state.type() != crdt::ValueType::kNone) ++n;
  }
  return n;
}

}  // namespace tern::node
