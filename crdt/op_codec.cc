#include "crdt/op_codec.h"

// What each kind carries besides database, key, stamp and context (everything else stays at
// its default), which is what KeyState::apply and Keyspace::apply read for it:
//
//   kind              wire member      fields
//   kSetString        set_string       value, observed, deadline_ms, keep_ttl
//   kIncrement        increment        target, path, group, first, int_sum, float_sum
//   kIncrementFloat   increment_float  target, path, group, first, int_sum, float_sum
//   kHashSet          hash_set         path (the field), value, observed of (kHashField, path)
//   kRemoveRegister   remove_register  target, path, observed of (target, path)
//   kSetAdd           set_add          path (the member)
//   kSetRemove        set_remove       path (the member)
//   kSortedSetAdd     sorted_set_add   path (the member), score,
//                                      observed of (kSortedSetMember, path)
//   kDelete           delete           observed
//   kExpire           expire           deadline_ms
//   kPersist          persist          -
//   kExpired          expired          deadline_ms
//   kFlushDatabase    flush_database   flush_observed; the key is empty
//
// Both increments carry the whole counter entry after them (slot and both sums): apply
// installs it as is, wherever the entry's earlier versions were dropped.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <optional>
#include <utility>

#include "crdt/number_text.h"
#include "crdt/protobuf_element_walk.h"

namespace tern::crdt {
namespace {

namespace pb = google::protobuf;

template <typename T>
using Repeated = pb::RepeatedPtrField<T>;

// A check that has no value to return: nullopt when it passes.
using Refusal = std::optional<Errc>;

// ---- encoding ----------------------------------------------------------------------------

wire::RegisterTarget to_wire(RegisterTarget target) {
  switch (target) {
    case RegisterTarget::kString:
      return wire::REGISTER_TARGET_STRING;
    case RegisterTarget::kHashField:
      return wire::REGISTER_TARGET_HASH_FIELD;
    case RegisterTarget::kSortedSetMember:
      return wire::REGISTER_TARGET_SORTED_SET_MEMBER;
  }
  return wire::REGISTER_TARGET_STRING;
}

// The wire spells zero as empty text, the common case. -0 keeps its text: the sign bit of a
// sum reaches Keyspace::digest, so dropping it would make two regions' digests differ.
std::string float_sum_text(long double sum) {
  if (sum == 0 && !std::signbit(sum)) return {};
  return long_double_wire_text(sum);
}

void encode_entries(const std::vector<CounterEntry>& entries, Repeated<wire::Observation>* out) {
  out->Reserve(static_cast<int>(entries.size()));
  for (const auto& entry : entries) encode_counter_entry(entry, out->Add());
}

void encode_registers(const std::vector<RegisterObservations>& registers,
                      Repeated<wire::RegisterObservations>* out) {
  out->Reserve(static_cast<int>(registers.size()));
  for (const auto& reg : registers) {
    wire::RegisterObservations* o = out->Add();
    o->set_target(to_wire(reg.target));
    o->set_path(reg.path);
    encode_entries(reg.entries, o->mutable_entries());
  }
}

// The observations of the op's own register, found the way KeyState::apply finds them (the
// first record naming it); the only ones apply reads for a single-register write.
void encode_own_entries(const Op& op, RegisterTarget target, Repeated<wire::Observation>* out) {
  for (const auto& reg : op.observed) {
    if (reg.target == target && reg.path == op.path) {
      encode_entries(reg.entries, out);
      return;
    }
  }
}

// Increment and IncrementFloat have the same fields: the whole counter entry after the op.
template <typename Message>
void encode_increment(const Op& op, Message* out) {
  out->set_target(to_wire(op.target));
  out->set_path(op.path);
  out->set_group(op.group.bits());
  out->set_first(op.first.bits());
  out->set_int_sum(op.int_sum);
  out->set_float_sum(float_sum_text(op.float_sum));
}

// ---- decoding ----------------------------------------------------------------------------

// What one decode (a batch, or decode_op's one op) may build: observation entries, register
// records and key records all count (CodecLimits::max_observations).
class RecordBudget {
 public:
  explicit RecordBudget(std::size_t limit) : left_(limit) {}
  [[nodiscard]] Refusal take(int count) {
    const auto n = static_cast<std::size_t>(count);
    if (n > left_) return Errc::kTooLarge;
    left_ -= n;
    return std::nullopt;
  }

 private:
  std::size_t left_;
};

Refusal decode_float_sum(const std::string& text, long double* out) {
  if (text.empty()) {
    *out = 0;
    return std::nullopt;
  }
  const auto sum = parse_long_double(text);
  if (!sum) return Errc::kMalformed;
  *out = *sum;
  return std::nullopt;
}

// Proto3 enums keep numbers this build does not know; such a target is refused, not guessed.
Refusal decode_target(wire::RegisterTarget in, RegisterTarget* out) {
  switch (in) {
    case wire::REGISTER_TARGET_STRING:
      *out = RegisterTarget::kString;
      return std::nullopt;
    case wire::REGISTER_TARGET_HASH_FIELD:
      *out = RegisterTarget::kHashField;
      return std::nullopt;
    case wire::REGISTER_TARGET_SORTED_SET_MEMBER:
      *out = RegisterTarget::kSortedSetMember;
      return std::nullopt;
    default:
      return Errc::kMalformed;
  }
}

// A field or member name. Empty is legal (Redis allows an empty field or member); the string
// register has no name, so a path beside it is a record no writer produces.
Refusal decode_path(const std::string& in, RegisterTarget target, const CodecLimits& limits,
                    std::string* out) {
  if (in.size() > limits.max_value_bytes) return Errc::kTooLarge;
  if (target == RegisterTarget::kString && !in.empty()) return Errc::kMalformed;
  *out = in;
  return std::nullopt;
}

Refusal decode_entries(const Repeated<wire::Observation>& in, RecordBudget& budget,
                       std::vector<CounterEntry>* out) {
  if (auto refused = budget.take(in.size())) return refused;
  out->reserve(static_cast<std::size_t>(in.size()));
  for (const auto& o : in) {
    auto entry = decode_counter_entry(o);
    if (!entry.ok()) return entry.error();
    out->push_back(entry.value());
  }
  return std::nullopt;
}

Refusal decode_registers(const Repeated<wire::RegisterObservations>& in, const CodecLimits& limits,
                         RecordBudget& budget, std::vector<RegisterObservations>* out) {
  if (auto refused = budget.take(in.size())) return refused;
  out->reserve(static_cast<std::size_t>(in.size()));
  for (const auto& o : in) {
    RegisterObservations reg;
    if (auto refused = decode_target(o.target(), &reg.target)) return refused;
    if (auto refused = decode_path(o.path(), reg.target, limits, &reg.path)) return refused;
    if (auto refused = decode_entries(o.entries(), budget, &reg.entries)) return refused;
    out->push_back(std::move(reg));
  }
  return std::nullopt;
}

template <typename Message>
Refusal decode_increment(const Message& in, const CodecLimits& limits, Op* op) {
  if (auto refused = decode_target(in.target(), &op->target)) return refused;
  if (auto refused = decode_path(in.path(), op->target, limits, &op->path)) return refused;
  op->group = Stamp::from_bits(in.group());
  op->first = Stamp::from_bits(in.first());
  op->int_sum = in.int_sum();
  return decode_float_sum(in.float_sum(), &op->float_sum);
}

// Observations of the op's own register travel as bare entries; rebuild the record apply
// looks up. No entries means no record, as Replica writes it.
Refusal decode_own_entries(const Repeated<wire::Observation>& in, RegisterTarget target,
                           RecordBudget& budget, Op* op) {
  if (in.empty()) return std::nullopt;
  RegisterObservations reg{target, op->path, {}};
  if (auto refused = decode_entries(in, budget, &reg.entries)) return refused;
  op->observed.push_back(std::move(reg));
  return std::nullopt;
}

Refusal decode_value(const std::string& in, const CodecLimits& limits, std::string* out) {
  if (in.size() > limits.max_value_bytes) return Errc::kTooLarge;
  *out = in;
  return std::nullopt;
}

// The fields every kind has.
Refusal decode_common(const wire::Op& in, const CodecLimits& limits, Op* op) {
  if (in.stamp() == 0) return Errc::kMissingField;
  op->stamp = Stamp::from_bits(in.stamp());
  // The keyspace refuses such a database itself; refusing here keeps the number from ever
  // reaching code that might size something by it.
  if (in.database() >= kMaxDatabases) return Errc::kTooLarge;
  op->database = in.database();
  if (in.key().size() > limits.max_key_bytes) return Errc::kTooLarge;
  op->key = in.key();
  // Context index i holds region i's newest applied stamp, whose low bits therefore say i;
  // StampVector would silently drop entries past kMaxRegions.
  const std::size_t max_regions = std::min<std::size_t>(limits.max_regions, kMaxRegions);
  if (static_cast<std::size_t>(in.context_size()) > max_regions) return Errc::kBadRegion;
  std::vector<std::uint64_t> context(in.context().begin(), in.context().end());
  for (std::size_t i = 0; i < context.size(); ++i) {
    if (context[i] != 0 && Stamp::from_bits(context[i]).region().value != i) {
      return Errc::kBadRegion;
    }
  }
  op->context = StampVector(std::move(context));
  return std::nullopt;
}

// Each kind's own fields; `op` already holds the common ones.
Refusal decode_kind(const wire::Op& in, const CodecLimits& limits, RecordBudget& budget, Op* op) {
  // FLUSHDB is database-scoped: a key there is a record no writer produces.
  if (in.kind_case() == wire::Op::kFlushDatabase && !in.key().empty()) return Errc::kMalformed;
  switch (in.kind_case()) {
    case wire::Op::kSetString: {
      const auto& m = in.set_string();
      op->kind = OpKind::kSetString;
      if (auto refused = decode_value(m.value(), limits, &op->value)) return refused;
      op->deadline_ms = m.deadline_ms();
      op->keep_ttl = m.keep_ttl();
      return decode_registers(m.observed(), limits, budget, &op->observed);
    }
    case wire::Op::kIncrement:
      op->kind = OpKind::kIncrement;
      return decode_increment(in.increment(), limits, op);
    case wire::Op::kIncrementFloat:
      op->kind = OpKind::kIncrementFloat;
      return decode_increment(in.increment_float(), limits, op);
    case wire::Op::kHashSet: {
      const auto& m = in.hash_set();
      op->kind = OpKind::kHashSet;
      if (auto refused = decode_path(m.field(), RegisterTarget::kHashField, limits, &op->path)) {
        return refused;
      }
      if (auto refused = decode_value(m.value(), limits, &op->value)) return refused;
      return decode_own_entries(m.observed(), RegisterTarget::kHashField, budget, op);
    }
    case wire::Op::kRemoveRegister: {
      const auto& m = in.remove_register();
      op->kind = OpKind::kRemoveRegister;
      if (auto refused = decode_target(m.target(), &op->target)) return refused;
      if (auto refused = decode_path(m.path(), op->target, limits, &op->path)) return refused;
      return decode_own_entries(m.observed(), op->target, budget, op);
    }
    case wire::Op::kSetAdd:
      op->kind = OpKind::kSetAdd;
      return decode_value(in.set_add().member(), limits, &op->path);
    case wire::Op::kSetRemove:
      op->kind = OpKind::kSetRemove;
      return decode_value(in.set_remove().member(), limits, &op->path);
    case wire::Op::kSortedSetAdd: {
      const auto& m = in.sorted_set_add();
      op->kind = OpKind::kSortedSetAdd;
      if (auto refused = decode_value(m.member(), limits, &op->path)) return refused;
      // ZADD refuses NaN; +inf and -inf are scores Redis accepts.
      if (std::isnan(m.score())) return Errc::kMalformed;
      op->score = m.score();
      return decode_own_entries(m.observed(), RegisterTarget::kSortedSetMember, budget, op);
    }
    case wire::Op::kDelete:
      op->kind = OpKind::kDelete;
      return decode_registers(in.delete_().observed(), limits, budget, &op->observed);
    case wire::Op::kExpire:
      op->kind = OpKind::kExpire;
      // Zero is proto3's "absent"; EXPIRE always has a deadline (a past one is a DEL).
      if (in.expire().deadline_ms() == 0) return Errc::kMissingField;
      op->deadline_ms = in.expire().deadline_ms();
      return std::nullopt;
    case wire::Op::kPersist:
      op->kind = OpKind::kPersist;
      return std::nullopt;
    case wire::Op::kExpired:
      op->kind = OpKind::kExpired;
      if (in.expired().deadline_ms() == 0) return Errc::kMissingField;
      op->deadline_ms = in.expired().deadline_ms();
      return std::nullopt;
    case wire::Op::kFlushDatabase: {
      op->kind = OpKind::kFlushDatabase;
      const auto& keys = in.flush_database().observed();
      if (auto refused = budget.take(keys.size())) return refused;
      op->flush_observed.reserve(static_cast<std::size_t>(keys.size()));
      for (const auto& k : keys) {
        KeyObservations key;
        if (k.key().size() > limits.max_key_bytes) return Errc::kTooLarge;
        key.key = k.key();
        if (auto refused = decode_registers(k.registers(), limits, budget, &key.registers)) {
          return refused;
        }
        op->flush_observed.push_back(std::move(key));
      }
      return std::nullopt;
    }
    case wire::Op::KIND_NOT_SET:
      break;
  }
  return Errc::kUnknownOp;
}

// One op, drawing on `budget`; in a batch, its stamp must name the batch's `origin`.
Result<Op> decode_checked(const wire::Op& in, const CodecLimits& limits, RecordBudget& budget,
                          std::optional<RegionId> origin) {
  if (in.kind_case() == wire::Op::KIND_NOT_SET) return Errc::kUnknownOp;
  Op op;
  if (auto refused = decode_common(in, limits, &op)) return *refused;
  if (origin && op.stamp.region() != *origin) return Errc::kBadRegion;
  if (auto refused = decode_kind(in, limits, budget, &op)) return *refused;
  return op;
}

// ---- counting before parsing -------------------------------------------------------------

// Counts ops and the records inside them (protobuf_element_walk.h says why), stopping at the
// first limit passed.
class BatchElementLimits final : public RepeatedElementVisitor {
 public:
  explicit BatchElementLimits(const CodecLimits& limits) : limits_(limits) {}
  bool on_elements(const pb::FieldDescriptor& field, std::size_t elements) override {
    if (field.type() != pb::FieldDescriptor::TYPE_MESSAGE) return true;  // no object each
    if (field.message_type() == wire::Op::descriptor()) {
      ops_ += elements;
      return ops_ <= limits_.max_ops_per_batch;
    }
    records_ += elements;
    return records_ <= limits_.max_observations;
  }

 private:
  const CodecLimits& limits_;
  std::size_t ops_ = 0;
  std::size_t records_ = 0;
};

}  // namespace

void encode_counter_entry(const CounterEntry& entry, wire::Observation* out) {
  out->set_group(entry.group.bits());
  out->set_first(entry.first.bits());
  out->set_last(entry.last.bits());
  out->set_int_sum(entry.int_sum);
  out->set_float_sum(float_sum_text(entry.float_sum));
}

Result<CounterEntry> decode_counter_entry(const wire::Observation& in) {
  // `last` names the entry's region and orders its states; a zero one names neither.
  if (in.last() == 0) return Errc::kMissingField;
  CounterEntry entry;
  entry.group = Stamp::from_bits(in.group());
  entry.first = Stamp::from_bits(in.first());
  entry.last = Stamp::from_bits(in.last());
  entry.int_sum = in.int_sum();
  if (auto refused = decode_float_sum(in.float_sum(), &entry.float_sum)) return *refused;
  return entry;
}

void encode_op(const Op& op, wire::Op* out) {
  out->Clear();
  out->set_database(op.database);
  if (op.kind != OpKind::kFlushDatabase) out->set_key(op.key);
  out->set_stamp(op.stamp.bits());
  out->mutable_context()->Add(op.context.raw().begin(), op.context.raw().end());
  switch (op.kind) {
    case OpKind::kSetString: {
      auto* m = out->mutable_set_string();
      m->set_value(op.value);
      encode_registers(op.observed, m->mutable_observed());
      m->set_deadline_ms(op.deadline_ms);
      m->set_keep_ttl(op.keep_ttl);
      break;
    }
    case OpKind::kIncrement:
      encode_increment(op, out->mutable_increment());
      break;
    case OpKind::kIncrementFloat:
      encode_increment(op, out->mutable_increment_float());
      break;
    case OpKind::kHashSet: {
      auto* m = out->mutable_hash_set();
      m->set_field(op.path);
      m->set_value(op.value);
      encode_own_entries(op, RegisterTarget::kHashField, m->mutable_observed());
      break;
    }
    case OpKind::kRemoveRegister: {
      auto* m = out->mutable_remove_register();
      m->set_target(to_wire(op.target));
      m->set_path(op.path);
      encode_own_entries(op, op.target, m->mutable_observed());
      break;
    }
    case OpKind::kSetAdd:
      out->mutable_set_add()->set_member(op.path);
      break;
    case OpKind::kSetRemove:
      out->mutable_set_remove()->set_member(op.path);
      break;
    case OpKind::kSortedSetAdd: {
      auto* m = out->mutable_sorted_set_add();
      m->set_member(op.path);
      m->set_score(op.score);
      encode_own_entries(op, RegisterTarget::kSortedSetMember, m->mutable_observed());
      break;
    }
    case OpKind::kDelete:
      encode_registers(op.observed, out->mutable_delete_()->mutable_observed());
      break;
    case OpKind::kExpire:
      out->mutable_expire()->set_deadline_ms(op.deadline_ms);
      break;
    case OpKind::kPersist:
      out->mutable_persist();
      break;
    case OpKind::kExpired:
      out->mutable_expired()->set_deadline_ms(op.deadline_ms);
      break;
    case OpKind::kFlushDatabase: {
      auto* keys = out->mutable_flush_database()->mutable_observed();
      keys->Reserve(static_cast<int>(op.flush_observed.size()));
      for (const auto& key : op.flush_observed) {
        auto* k = keys->Add();
        k->set_key(key.key);
        encode_registers(key.registers, k->mutable_registers());
      }
      break;
    }
  }
}

Result<Op> decode_op(const wire::Op& in, const CodecLimits& limits) {
  RecordBudget budget(limits.max_observations);
  return decode_checked(in, limits, budget, std::nullopt);
}

std::string encode_batch(RegionId origin, std::uint64_t first_log_index, std::span<const Op> ops) {
  wire::OpBatch batch;
  batch.set_schema_version(kSchemaVersion);
  batch.set_origin_region(origin.value);
  batch.set_first_log_index(first_log_index);
  batch.mutable_ops()->Reserve(static_cast<int>(ops.size()));
  for (const auto& op : ops) encode_op(op, batch.add_ops());
  return batch.SerializeAsString();
}

Result<DecodedBatch> decode_batch(std::span<const std::byte> bytes, const CodecLimits& limits) {
  if (bytes.size() > limits.max_batch_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return Errc::kTooLarge;
  }
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  {
    pb::io::CodedInputStream in(data, size);
    in.PushLimit(size);  // so every nested length can be checked against what is left
    BatchElementLimits counts(limits);
    switch (walk_repeated_elements(in, *wire::OpBatch::descriptor(), counts)) {
      case ElementWalk::kComplete:
        break;
      case ElementWalk::kMalformed:
        return Errc::kMalformed;
      case ElementWalk::kStopped:
        return Errc::kTooLarge;
    }
  }
  wire::OpBatch batch;
  if (!batch.ParseFromArray(data, size)) return Errc::kMalformed;
  if (batch.schema_version() == 0 || batch.schema_version() > kSchemaVersion) {
    return Errc::kUnsupportedVersion;
  }
  const std::size_t max_regions = std::min<std::size_t>(limits.max_regions, kMaxRegions);
  if (batch.origin_region() >= max_regions) return Errc::kBadRegion;
  const auto count = static_cast<std::size_t>(batch.ops_size());
  if (count > limits.max_ops_per_batch) return Errc::kTooLarge;
  // The ops are log entries first_log_index, first_log_index + 1, ...: none may wrap around.
  if (count > 0 &&
      batch.first_log_index() > std::numeric_limits<std::uint64_t>::max() - (count - 1)) {
    return Errc::kMalformed;
  }
  DecodedBatch out;
  out.origin = RegionId{static_cast<std::uint8_t>(batch.origin_region())};
  out.first_log_index = batch.first_log_index();
  out.ops.reserve(count);
  // One budget for the whole batch: it bounds what the batch makes this region hold.
  RecordBudget budget(limits.max_observations);
  for (const auto& wire_op : batch.ops()) {
    auto op = decode_checked(wire_op, limits, budget, out.origin);
    if (!op.ok()) return op.error();
    out.ops.push_back(std::move(op).value());
  }
  return out;
}

}  // namespace tern::crdt
