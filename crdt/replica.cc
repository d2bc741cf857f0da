#include "crdt/replica.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "crdt/number_text.h"

namespace tern::crdt {
namespace {

const Register* find_register(const KeyState* state, RegisterTarget target, const std::string& path) {
  if (state == nullptr) return nullptr;
  switch (target) {
    case RegisterTarget::kString: return &state->string_register();
    case RegisterTarget::kHashField: return state->hash_field(path);
    case RegisterTarget::kSortedSetMember: return state->sorted_set_member(path);
  }
  return nullptr;
}

ValueType type_of(RegisterTarget target) {
  switch (target) {
    case RegisterTarget::kString: return ValueType::kString;
    case RegisterTarget::kHashField: return ValueType::kHash;
    case RegisterTarget::kSortedSetMember: return ValueType::kSortedSet;
  }
  return ValueType::kNone;
}

// The register as stored (present or not) whose entries an increment continues.
const Register* raw_register(const Keyspace& keyspace, std::uint32_t db, const std::string& key,
                             RegisterTarget target, const std::string& path) {
  const KeyState* state = keyspace.find(db, key);
  return state != nullptr ? state->stored_register(target, path) : nullptr;
}

}  // namespace

Replica::Replica(RegionId region, std::uint32_t databases, std::uint64_t max_skew_ms)
    : clock_(region, max_skew_ms), keyspace_(databases) {}

Replica::Replica(RegionId region, Keyspace restored, std::uint64_t max_skew_ms)
    : clock_(region, max_skew_ms), keyspace_(std::move(restored)) {
  for (std::size_t r = 0; r < keyspace_.applied().size(); ++r) {
    clock_.observe(keyspace_.applied().at(RegionId{static_cast<std::uint8_t>(r)}));
  }
}

bool Replica::receive(const Op& op, std::uint64_t now_unix_ms) {
  if (keyspace_.applied().covers(op.stamp)) return false;
  clock_.update(op.stamp, now_unix_ms);
  return keyspace_.apply(op);
}

void Replica::merge_snapshot(const Keyspace& other) {
  keyspace_.join(other);
  for (std::size_t r = 0; r < keyspace_.applied().size(); ++r) {
    clock_.observe(keyspace_.applied().at(RegionId{static_cast<std::uint8_t>(r)}));
  }
}

std::vector<Op> Replica::take_outbox() {
  std::vector<Op> out;
  out.swap(outbox_);
  return out;
}

Op Replica::new_op(OpKind kind, std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms) {
  Op op;
  op.kind = kind;
  op.database = db;
  op.key = key;
  op.stamp = clock_.now(now_unix_ms);
  op.context = keyspace_.applied();
  return op;
}

void Replica::commit(Op op) {
  keyspace_.apply(op);
  outbox_.push_back(std::move(op));
}

const KeyState* Replica::lookup(std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms) const {
  const KeyState* state = keyspace_.find(db, key);
  if (state == nullptr || state->expired_at(now_unix_ms) || state->type() == ValueType::kNone) {
    return nullptr;
  }
  return state;
}

bool Replica::expire_if_due(std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms) {
  bool expired = false;
  // Each round kills every item stamped before the deadline, TTL entries included, so the
  // loop ends: what survives was written after the deadline it just passed.
  for (int round = 0; round < 8; ++round) {
    const KeyState* state = keyspace_.find(db, key);
    if (state == nullptr || !state->expired_at(now_unix_ms)) break;
    Op op = new_op(OpKind::kExpired, db, key, now_unix_ms);
    op.deadline_ms = *state->deadline_ms();
    commit(std::move(op));
    expired = true;
  }
  return expired;
}

const KeyState* Replica::prepare_write(std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms) {
  // One lookup when nothing is due (the common case); expire_if_due looks again only then.
  const KeyState* state = keyspace_.find(db, key);
  if (state == nullptr) return nullptr;
  if (!state->expired_at(now_unix_ms)) return state->type() == ValueType::kNone ? nullptr : state;
  expire_if_due(db, key, now_unix_ms);
  return lookup(db, key, now_unix_ms);
}

Result<const KeyState*> Replica::prepare_typed_write(std::uint32_t db, const std::string& key,
                                                     ValueType type, std::uint64_t now_unix_ms) {
  const KeyState* state = keyspace_.find(db, key);
  if (state == nullptr) return static_cast<const KeyState*>(nullptr);
  if (!state->expired_at(now_unix_ms)) {
    const ValueType current = state->type();
    if (current == ValueType::kNone) return static_cast<const KeyState*>(nullptr);
    if (current != type) return Errc::kWrongType;
    return state;
  }
  return prepare_write(db, key, now_unix_ms);
}

void Replica::set(std::uint32_t db, const std::string& key, std::string value, SetTtl ttl,
                  std::uint64_t now_unix_ms) {
  // A deadline must lie after the write's own stamp, or expiry (which kills by stamp) could
  // not reach it; the HLC may run ahead of this region's physical clock.
  if (ttl.mode == SetTtl::Mode::kDeadline &&
      ttl.deadline_ms <= std::max(now_unix_ms, clock_.last().unix_ms())) {
    del(db, key, now_unix_ms);  // Redis: a deadline already passed leaves no key
    return;
  }
  prepare_write(db, key, now_unix_ms);
  Op op = new_op(OpKind::kSetString, db, key, now_unix_ms);
  op.value = std::move(value);
  // The stored state, visible or not: a deleted counter's delete base still holds what it
  // observed, and this SET, which replaces it, must keep those increments subtracted.
  if (const KeyState* stored = keyspace_.find(db, key)) op.observed = stored->observe_counters();
  op.keep_ttl = ttl.mode == SetTtl::Mode::kKeep;
  if (ttl.mode == SetTtl::Mode::kDeadline) op.deadline_ms = ttl.deadline_ms;
  commit(std::move(op));
}

// An increment continues this region's entry in the group of the winner it sees now: the op
// starts as a copy of that entry (both sums, its first stamp), and the caller adds the delta.
Op Replica::increment_op(OpKind kind, std::uint32_t db, const std::string& key, RegisterTarget target,
                         const std::string& path, std::uint64_t now_unix_ms) {
  Op op = new_op(kind, db, key, now_unix_ms);
  op.target = target;
  op.path = path;
  const Register* raw = raw_register(keyspace_, db, key, target, path);
  op.group = raw != nullptr ? raw->winner_stamp() : Stamp{};
  CounterEntry prior;
  if (raw != nullptr) {
    if (auto e = raw->entry(region(), op.group)) prior = *e;
  }
  op.int_sum = prior.int_sum;
  op.float_sum = prior.float_sum;
  op.first = prior.first.is_zero() ? op.stamp : prior.first;
  return op;
}

Result<std::int64_t> Replica::add_integer(std::uint32_t db, const std::string& key,
                                          RegisterTarget target, const std::string& path,
                                          std::int64_t delta, std::uint64_t now_unix_ms) {
  auto prepared = prepare_typed_write(db, key, type_of(target), now_unix_ms);
  if (!prepared.ok()) return prepared.error();
  const Register* reg = find_register(prepared.value(), target, path);
  std::int64_t current = 0;
  if (reg != nullptr) {
    const auto reading = reg->integer();
    if (reading.present && !reading.is_integer) return Errc::kNotInteger;
    current = reading.value;
  }
  if ((delta < 0 && current < 0 && delta < std::numeric_limits<std::int64_t>::min() - current) ||
      (delta > 0 && current > 0 && delta > std::numeric_limits<std::int64_t>::max() - current)) {
    return Errc::kOverflow;
  }
  Op op = increment_op(OpKind::kIncrement, db, key, target, path, now_unix_ms);
  // Entry sums wrap modulo 2^64; only the difference between two readings is ever used.
  op.int_sum = static_cast<std::int64_t>(static_cast<std::uint64_t>(op.int_sum) + static_cast<std::uint64_t>(delta));
  commit(std::move(op));
  return current + delta;
}

Result<long double> Replica::add_float(std::uint32_t db, const std::string& key, RegisterTarget target,
                                       const std::string& path, long double delta,
                                       std::uint64_t now_unix_ms) {
  auto prepared = prepare_typed_write(db, key, type_of(target), now_unix_ms);
  if (!prepared.ok()) return prepared.error();
  const Register* reg = find_register(prepared.value(), target, path);
  long double current = 0;
  if (reg != nullptr && reg->read().present) {
    auto n = reg->number();
    if (!n) return Errc::kNotFloat;
    current = *n;
  }
  const long double next = current + delta;
  if (std::isnan(next) || std::isinf(next)) return Errc::kNanOrInfinity;
  Op op = increment_op(OpKind::kIncrementFloat, db, key, target, path, now_unix_ms);
  op.float_sum += delta;
  commit(std::move(op));
  const Register* after = find_register(keyspace_.find(db, key), target, path);
  auto n = after != nullptr ? after->number() : std::nullopt;
  return n ? *n : next;
}

Result<std::int64_t> Replica::incr_by(std::uint32_t db, const std::string& key, std::int64_t delta,
                                      std::uint64_t now_unix_ms) {
  return add_integer(db, key, RegisterTarget::kString, "", delta, now_unix_ms);
}

Result<std::string> Replica::incr_by_float(std::uint32_t db, const std::string& key, long double delta,
                                           std::uint64_t now_unix_ms) {
  auto result = add_float(db, key, RegisterTarget::kString, "", delta, now_unix_ms);
  if (!result.ok()) return result.error();
  return keyspace_.find(db, key)->string_register().read().text;
}

Result<bool> Replica::hset(std::uint32_t db, const std::string& key, const std::string& field,
                           std::string value, std::uint64_t now_unix_ms) {
  auto prepared = prepare_typed_write(db, key, ValueType::kHash, now_unix_ms);
  if (!prepared.ok()) return prepared.error();
  const Register* existing = find_register(prepared.value(), RegisterTarget::kHashField, field);
  Op op = new_op(OpKind::kHashSet, db, key, now_unix_ms);
  op.path = field;
  op.value = std::move(value);
  const Register* raw = raw_register(keyspace_, db, key, RegisterTarget::kHashField, field);
  if (raw != nullptr) {  // entries of a deleted field too: the new value has seen them
    if (auto e = raw->observations(); !e.empty()) op.observed.push_back({RegisterTarget::kHashField, field, std::move(e)});
  }
  commit(std::move(op));
  return existing == nullptr;
}

Result<std::int64_t> Replica::hincr_by(std::uint32_t db, const std::string& key, const std::string& field,
                                       std::int64_t delta, std::uint64_t now_unix_ms) {
  return add_integer(db, key, RegisterTarget::kHashField, field, delta, now_unix_ms);
}

Result<std::string> Replica::hincr_by_float(std::uint32_t db, const std::string& key,
                                            const std::string& field, long double delta,
                                            std::uint64_t now_unix_ms) {
  auto result = add_float(db, key, RegisterTarget::kHashField, field, delta, now_unix_ms);
  if (!result.ok()) return result.error();
  return keyspace_.find(db, key)->hash_field(field)->read().text;
}

void Replica::remove_from_collection(std::uint32_t db, const std::string& key, const KeyState& state,
                                     OpKind kind, RegisterTarget target, const std::string& path,
                                     std::size_t visible_count, std::uint64_t now_unix_ms) {
  if (visible_count <= 1) {
    // The last one out takes the key with it, as in Redis.
    Op op = new_op(OpKind::kDelete, db, key, now_unix_ms);
    op.observed = state.observe_counters();
    commit(std::move(op));
    return;
  }
  Op op = new_op(kind, db, key, now_unix_ms);
  op.target = target;
  op.path = path;
  if (kind == OpKind::kRemoveRegister) {
    const Register* reg = state.stored_register(target, path);
    if (reg != nullptr) {
      if (auto e = reg->observations(); !e.empty()) op.observed.push_back({target, path, std::move(e)});
    }
  }
  commit(std::move(op));
}

Result<bool> Replica::hdel(std::uint32_t db, const std::string& key, const std::string& field,
                           std::uint64_t now_unix_ms) {
  auto prepared = prepare_typed_write(db, key, ValueType::kHash, now_unix_ms);
  if (!prepared.ok()) return prepared.error();
  const KeyState* state = prepared.value();
  if (state == nullptr || state->hash_field(field) == nullptr) return false;
  remove_from_collection(db, key, *state, OpKind::kRemoveRegister, RegisterTarget::kHashField, field,
                         state->count_members(ValueType::kHash, 2), now_unix_ms);
  return true;
}

Result<bool> Replica::sadd(std::uint32_t db, const std::string& key, const std::string& member,
                           std::uint64_t now_unix_ms) {
  auto prepared = prepare_typed_write(db, key, ValueType::kSet, now_unix_ms);
  if (!prepared.ok()) return prepared.error();
  const bool existed = prepared.value() != nullptr && prepared.value()->set_contains(member);
  if (existed) return false;  // Redis: no change, nothing to replicate
  Op op = new_op(OpKind::kSetAdd, db, key, now_unix_ms);
  op.path = member;
  commit(std::move(op));
  return true;
}

Result<bool> Replica::srem(std::uint32_t db, const std::string& key, const std::string& member,
                           std::uint64_t now_unix_ms) {
  auto prepared = prepare_typed_write(db, key, ValueType::kSet, now_unix_ms);
  if (!prepared.ok()) return prepared.error();
  const KeyState* state = prepared.value();
  if (state == nullptr || !state->set_contains(member)) return false;
  remove_from_collection(db, key, *state, OpKind::kSetRemove, RegisterTarget::kString, member,
                         state->count_members(ValueType::kSet, 2), now_unix_ms);
  return true;
}

Result<bool> Replica::zadd(std::uint32_t db, const std::string& key, const std::string& member,
                           double score, std::uint64_t now_unix_ms) {
  if (std::isnan(score)) return Errc::kNotFloat;
  auto prepared = prepare_typed_write(db, key, ValueType::kSortedSet, now_unix_ms);
  if (!prepared.ok()) return prepared.error();
  const Register* existing = find_register(prepared.value(), RegisterTarget::kSortedSetMember, member);
  Op op = new_op(OpKind::kSortedSetAdd, db, key, now_unix_ms);
  op.path = member;
  op.score = score;
  if (const Register* raw = raw_register(keyspace_, db, key, RegisterTarget::kSortedSetMember, member)) {
    if (auto e = raw->observations(); !e.empty()) {
      op.observed.push_back({RegisterTarget::kSortedSetMember, member, std::move(e)});
    }
  }
  commit(std::move(op));
  return existing == nullptr;
}

Result<double> Replica::zincr_by(std::uint32_t db, const std::string& key, const std::string& member,
                                 double delta, std::uint64_t now_unix_ms) {
  auto result = add_float(db, key, RegisterTarget::kSortedSetMember, member, delta, now_unix_ms);
  if (!result.ok()) return result.error();
  return static_cast<double>(result.value());
}

Result<bool> Replica::zrem(std::uint32_t db, const std::string& key, const std::string& member,
                           std::uint64_t now_unix_ms) {
  auto prepared = prepare_typed_write(db, key, ValueType::kSortedSet, now_unix_ms);
  if (!prepared.ok()) return prepared.error();
  const KeyState* state = prepared.value();
  if (state == nullptr || state->sorted_set_member(member) == nullptr) return false;
  remove_from_collection(db, key, *state, OpKind::kRemoveRegister, RegisterTarget::kSortedSetMember,
                         member, state->count_members(ValueType::kSortedSet, 2), now_unix_ms);
  return true;
}

bool Replica::del(std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms) {
  const KeyState* state = prepare_write(db, key, now_unix_ms);
  if (state == nullptr) return false;
  Op op = new_op(OpKind::kDelete, db, key, now_unix_ms);
  op.observed = state->observe_counters();
  commit(std::move(op));
  return true;
}

bool Replica::expire_at(std::uint32_t db, const std::string& key, std::uint64_t deadline_ms,
                        std::uint64_t now_unix_ms) {
  const KeyState* state = prepare_write(db, key, now_unix_ms);
  if (state == nullptr) return false;
  if (deadline_ms <= std::max(now_unix_ms, clock_.last().unix_ms())) return del(db, key, now_unix_ms);
  Op op = new_op(OpKind::kExpire, db, key, now_unix_ms);
  op.deadline_ms = deadline_ms;
  commit(std::move(op));
  return true;
}

bool Replica::persist(std::uint32_t db, const std::string& key, std::uint64_t now_unix_ms) {
  const KeyState* state = prepare_write(db, key, now_unix_ms);
  if (state == nullptr || !state->deadline_ms()) return false;
  commit(new_op(OpKind::kPersist, db, key, now_unix_ms));
  return true;
}

void Replica::flush_database(std::uint32_t db, std::uint64_t now_unix_ms) {
  if (db >= keyspace_.database_count()) return;
  Op op = new_op(OpKind::kFlushDatabase, db, "", now_unix_ms);
  for (const auto& [key, state] : keyspace_.database(db)) {
    auto observed = state.observe_counters();
    if (!observed.empty()) op.flush_observed.push_back({std::string(key), std::move(observed)});
  }
  commit(std::move(op));
}

}  // namespace tern::crdt
