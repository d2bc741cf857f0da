#include "crdt/snapshot_codec.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

#include "crdt/number_text.h"
#include "crdt/protobuf_element_walk.h"

namespace tern::crdt {
namespace {

namespace pb = google::protobuf;

template <typename T>
using Repeated = pb::RepeatedPtrField<T>;

// A check with no value to return: nullopt when it passes.
using Refusal = std::optional<SnapshotRefusal>;

SnapshotRefusal refuse(Errc code, std::string detail) {
  return SnapshotRefusal{code, std::move(detail)};
}

// ---- encoding ----------------------------------------------------------------------------

void encode_entries(const std::vector<CounterEntry>& entries, Repeated<wire::Observation>* out) {
  out->Reserve(static_cast<int>(entries.size()));
  for (const auto& entry : entries) encode_counter_entry(entry, out->Add());
}

void encode_register(const Register::Parts& parts, wire::SnapshotRegister* out) {
  out->mutable_bases()->Reserve(static_cast<int>(parts.bases.size()));
  for (const auto& base : parts.bases) {
    wire::SnapshotBase* b = out->add_bases();
    b->set_stamp(base.stamp.bits());
    b->set_deleted(base.deleted);
    b->set_value(base.value);
    encode_entries(base.observed, b->mutable_observed());
  }
  encode_entries(parts.entries, out->mutable_entries());
}

void encode_named(const std::vector<KeyState::NamedRegister>& registers,
                  Repeated<wire::SnapshotNamedRegister>* out) {
  out->Reserve(static_cast<int>(registers.size()));
  for (const auto& named : registers) {
    wire::SnapshotNamedRegister* n = out->Add();
    n->set_name(named.name);
    encode_register(named.parts, n->mutable_state());
  }
}

template <typename Item>
void encode_timed(const std::vector<Item>& items, Repeated<wire::SnapshotTimedStamp>* out) {
  out->Reserve(static_cast<int>(items.size()));
  for (const auto& item : items) {
    wire::SnapshotTimedStamp* t = out->Add();
    t->set_stamp(item.stamp.bits());
    t->set_deadline_ms(item.deadline_ms);
  }
}

// ---- decoding ----------------------------------------------------------------------------

Refusal decode_entries(const Repeated<wire::Observation>& in, std::vector<CounterEntry>* out) {
  out->reserve(static_cast<std::size_t>(in.size()));
  for (const auto& o : in) {
    auto entry = decode_counter_entry(o);
    if (!entry.ok()) {
      return refuse(entry.error(), entry.error() == Errc::kMissingField
                                       ? "a counter entry has last stamp 0"
                                       : "a counter entry's float sum is not a number");
    }
    out->push_back(entry.value());
  }
  return std::nullopt;
}

Refusal decode_bytes(const std::string& in, std::size_t limit, std::string_view what,
                     std::string* out) {
  if (in.size() > limit) {
    return refuse(Errc::kTooLarge, std::string(what) + " of " + std::to_string(in.size()) +
                                       " bytes is above the limit of " + std::to_string(limit));
  }
  *out = in;
  return std::nullopt;
}

Refusal decode_register(const wire::SnapshotRegister& in, const SnapshotLimits& limits,
                        Register::Parts* out) {
  out->bases.reserve(static_cast<std::size_t>(in.bases_size()));
  for (const auto& b : in.bases()) {
    if (b.stamp() == 0) return refuse(Errc::kMissingField, "a register base has stamp 0");
    Base base;
    base.stamp = Stamp::from_bits(b.stamp());
    base.deleted = b.deleted();
    if (auto refused = decode_bytes(b.value(), limits.max_value_bytes, "a value", &base.value)) {
      return refused;
    }
    if (auto refused = decode_entries(b.observed(), &base.observed)) return refused;
    out->bases.push_back(std::move(base));
  }
  return decode_entries(in.entries(), &out->entries);
}

Refusal decode_named(const Repeated<wire::SnapshotNamedRegister>& in, const SnapshotLimits& limits,
                     std::vector<KeyState::NamedRegister>* out) {
  out->reserve(static_cast<std::size_t>(in.size()));
  for (const auto& n : in) {
    KeyState::NamedRegister named;
    if (auto refused =
            decode_bytes(n.name(), limits.max_value_bytes, "a field or member name", &named.name)) {
      return refused;
    }
    if (auto refused = decode_register(n.state(), limits, &named.parts)) return refused;
    out->push_back(std::move(named));
  }
  return std::nullopt;
}

template <typename Item>
Refusal decode_timed(const Repeated<wire::SnapshotTimedStamp>& in, std::vector<Item>* out) {
  out->reserve(static_cast<std::size_t>(in.size()));
  for (const auto& t : in) {
    if (t.stamp() == 0 || t.deadline_ms() == 0) {
      return refuse(Errc::kMissingField, "a TTL entry or kill mark has stamp or deadline 0");
    }
    out->push_back(Item{Stamp::from_bits(t.stamp()), t.deadline_ms()});
  }
  return std::nullopt;
}

// ---- counting before parsing -------------------------------------------------------------

// Counts the records of a key batch (protobuf_element_walk.h says why).
class KeyBatchRecordLimit final : public RepeatedElementVisitor {
 public:
  explicit KeyBatchRecordLimit(std::size_t limit) : limit_(limit) {}
  bool on_elements(const pb::FieldDescriptor& field, std::size_t elements) override {
    if (field.type() != pb::FieldDescriptor::TYPE_MESSAGE) return true;  // no object each
    count_ += elements;
    return count_ <= limit_;
  }

 private:
  std::size_t limit_;
  std::size_t count_ = 0;
};

}  // namespace

void encode_key(std::uint32_t database, std::string_view key, const KeyState& state,
                wire::SnapshotKey* out) {
  out->Clear();
  out->set_database(database);
  out->set_key(std::string(key));
  const KeyState::Parts parts = state.export_parts();
  if (!parts.string.bases.empty() || !parts.string.entries.empty()) {
    encode_register(parts.string, out->mutable_string_value());
  }
  encode_named(parts.hash_fields, out->mutable_hash_fields());
  encode_named(parts.sorted_set_members, out->mutable_sorted_set_members());
  out->mutable_set_elements()->Reserve(static_cast<int>(parts.set_elements.size()));
  for (const auto& element : parts.set_elements) {
    wire::SnapshotSetElement* e = out->add_set_elements();
    e->set_member(element.member);
    e->mutable_add_stamps()->Reserve(static_cast<int>(element.add_stamps.size()));
    for (Stamp s : element.add_stamps) e->add_add_stamps(s.bits());
  }
  encode_timed(parts.ttl, out->mutable_ttl());
  encode_timed(parts.kills, out->mutable_kills());
}

SnapshotResult<StampVector> decode_applied_vector(std::span<const std::uint64_t> raw,
                                                  const SnapshotLimits& limits) {
  const std::size_t max_regions = std::min<std::size_t>(limits.max_regions, kMaxRegions);
  if (raw.size() > max_regions) {
    return refuse(Errc::kBadRegion, "the applied vector has " + std::to_string(raw.size()) +
                                        " entries, above " + std::to_string(max_regions));
  }
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != 0 && Stamp::from_bits(raw[i]).region().value != i) {
      return refuse(Errc::kBadRegion, "applied vector entry " + std::to_string(i) +
                                          " holds a stamp of region " +
                                          std::to_string(Stamp::from_bits(raw[i]).region().value));
    }
  }
  return StampVector(std::vector<std::uint64_t>(raw.begin(), raw.end()));
}

SnapshotResult<RestoredKey> decode_key(const wire::SnapshotKey& in, const StampVector& applied,
                                       std::uint32_t database_count, const SnapshotLimits& limits) {
  RestoredKey out;
  if (in.database() >= database_count) {
    return refuse(Errc::kMalformed, "a key record names database " + std::to_string(in.database()) +
                                        " of a snapshot with " + std::to_string(database_count));
  }
  out.database = in.database();
  if (auto refused = decode_bytes(in.key(), limits.max_key_bytes, "a key", &out.key)) {
    return *refused;
  }
  KeyState::Parts parts;
  if (in.has_string_value()) {
    if (auto refused = decode_register(in.string_value(), limits, &parts.string)) return *refused;
  }
  if (auto refused = decode_named(in.hash_fields(), limits, &parts.hash_fields)) return *refused;
  if (auto refused = decode_named(in.sorted_set_members(), limits, &parts.sorted_set_members)) {
    return *refused;
  }
  parts.set_elements.reserve(static_cast<std::size_t>(in.set_elements_size()));
  for (const auto& e : in.set_elements()) {
    KeyState::SetElement element;
    if (auto refused =
            decode_bytes(e.member(), limits.max_value_bytes, "a set member", &element.member)) {
      return *refused;
    }
    element.add_stamps.reserve(static_cast<std::size_t>(e.add_stamps_size()));
    for (std::uint64_t s : e.add_stamps()) element.add_stamps.push_back(Stamp::from_bits(s));
    parts.set_elements.push_back(std::move(element));
  }
  if (auto refused = decode_timed(in.ttl(), &parts.ttl)) return *refused;
  if (auto refused = decode_timed(in.kills(), &parts.kills)) return *refused;
  const std::string_view broken = KeyState::first_broken_rule(parts, applied);
  if (!broken.empty())
    return refuse(Errc::kMalformed, "a key record breaks a rule: " + std::string(broken));
  auto state = KeyState::from_parts(std::move(parts), applied);
  if (!state.ok()) return refuse(state.error(), "a key record could not be rebuilt");
  out.state = std::move(state).value();
  return out;
}

SnapshotResult<std::vector<RestoredKey>> decode_key_batch(std::span<const std::byte> bytes,
                                                          const StampVector& applied,
                                                          std::uint32_t database_count,
                                                          const SnapshotLimits& limits) {
  if (bytes.size() > limits.max_batch_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return refuse(Errc::kTooLarge, "the key batch of " + std::to_string(bytes.size()) +
                                       " bytes is above the limit (max_batch_bytes)");
  }
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  {
    pb::io::CodedInputStream in(data, size);
    in.PushLimit(size);  // so every nested length can be checked against what is left
    KeyBatchRecordLimit records(limits.max_records_per_batch);
    switch (walk_repeated_elements(in, *wire::SnapshotKeyBatch::descriptor(), records)) {
      case ElementWalk::kComplete:
        break;
      case ElementWalk::kMalformed:
        return refuse(Errc::kMalformed, "the key batch does not parse");
      case ElementWalk::kStopped:
        return refuse(Errc::kTooLarge, "the key batch holds more than " +
                                           std::to_string(limits.max_records_per_batch) +
                                           " records (max_records_per_batch)");
    }
  }
  wire::SnapshotKeyBatch batch;
  if (!batch.ParseFromArray(data, size))
    return refuse(Errc::kMalformed, "the key batch does not parse");
  std::vector<RestoredKey> out;
  out.reserve(static_cast<std::size_t>(batch.keys_size()));
  for (const auto& record : batch.keys()) {
    auto key = decode_key(record, applied, database_count, limits);
    if (!key.ok()) return key.error();
    out.push_back(std::move(key).value());
  }
  return out;
}

}  // namespace tern::crdt
