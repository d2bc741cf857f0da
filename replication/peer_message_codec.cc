#include "replication/peer_message_codec.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

#include "crdt/protobuf_element_walk.h"

namespace tern::replication {
namespace {

namespace pb = google::protobuf;
using election::Message;

WireError error(WireErrc code, std::string detail) { return WireError{code, std::move(detail)}; }

// ---- encoding ------------------------------------------------------------------------------

void encode_entry_id(election::EntryId id, wire::EntryId* out) {
  out->set_term(id.term.value);
  out->set_index(id.index.value);
}

wire::EntryKind encode_entry_kind(election::EntryKind kind) {
  switch (kind) {
    case election::EntryKind::kApplication:
      return wire::ENTRY_KIND_APPLICATION;
    case election::EntryKind::kLeaderNoOp:
      return wire::ENTRY_KIND_LEADER_NO_OP;
    case election::EntryKind::kMembershipChange:
      return wire::ENTRY_KIND_MEMBERSHIP_CHANGE;
  }
  return wire::ENTRY_KIND_APPLICATION;  // unreachable: the switch names every kind
}

void encode_membership(const election::Membership& membership, wire::Membership* out) {
  for (const election::NodeId node : membership.voters) out->add_voters(node.value);
  for (const election::NodeId node : membership.learners) out->add_learners(node.value);
}

// One overload per body kind; std::visit picks it.
struct BodyEncoder {
  wire::RaftMessage* out;

  void operator()(const election::VoteRequest& body) const {
    auto* m = out->mutable_vote_request();
    m->set_pre_vote(body.pre_vote);
    encode_entry_id(body.last_log, m->mutable_last_log());
    m->set_leadership_transfer(body.leadership_transfer);
  }
  void operator()(const election::VoteResponse& body) const {
    auto* m = out->mutable_vote_response();
    m->set_pre_vote(body.pre_vote);
    m->set_granted(body.granted);
  }
  void operator()(const election::AppendEntries& body) const {
    auto* m = out->mutable_append_entries();
    encode_entry_id(body.prev, m->mutable_prev());
    m->mutable_entries()->Reserve(static_cast<int>(body.entries.size()));
    for (const election::Entry& entry : body.entries) {
      auto* e = m->add_entries();
      e->set_term(entry.term.value);
      e->set_index(entry.index.value);
      e->set_kind(encode_entry_kind(entry.kind));
      e->set_payload(entry.payload);
    }
    m->set_leader_commit(body.leader_commit.value);
  }
  void operator()(const election::AppendResponse& body) const {
    auto* m = out->mutable_append_response();
    m->set_accepted(body.accepted);
    m->set_index(body.index.value);
    m->set_hint_index(body.hint_index.value);
    m->set_hint_term(body.hint_term.value);
    m->set_rejoin_id(body.rejoin_id);
  }
  void operator()(const election::Heartbeat& body) const {
    out->mutable_heartbeat()->set_commit(body.commit.value);
  }
  void operator()(const election::HeartbeatResponse& body) const {
    out->mutable_heartbeat_response()->set_rejoin_id(body.rejoin_id);
  }
  void operator()(const election::InstallSnapshot& body) const {
    auto* m = out->mutable_install_snapshot();
    encode_entry_id(body.meta.last_included, m->mutable_meta()->mutable_last_included());
    encode_membership(body.meta.membership, m->mutable_meta()->mutable_membership());
    m->set_offset(body.offset);
    m->set_data(body.data);
    m->set_done(body.done);
  }
  void operator()(const election::TimeoutNow& /*body*/) const { out->mutable_timeout_now(); }
};

// ---- decoding ------------------------------------------------------------------------------

// Checks shared by the body decoders: the limits and the message's term.
struct Checker {
  const PeerCodecLimits& limits;
  election::Term message_term;

  [[nodiscard]] std::optional<WireError> term(std::string_view field, std::uint64_t value) const {
    if (value <= limits.max_term) return std::nullopt;
    return error(WireErrc::kOutOfRange, std::string(field) + " " + std::to_string(value) +
                                            " is above the highest term " +
                                            std::to_string(limits.max_term));
  }
  [[nodiscard]] std::optional<WireError> index(std::string_view field, std::uint64_t value) const {
    if (value <= limits.max_index) return std::nullopt;
    return error(WireErrc::kOutOfRange, std::string(field) + " " + std::to_string(value) +
                                            " is above the highest index " +
                                            std::to_string(limits.max_index));
  }
  [[nodiscard]] WireResult<election::EntryId> entry_id(std::string_view field,
                                                       const wire::EntryId& in) const {
    if (auto refused = term(std::string(field) + ".term", in.term())) return *refused;
    if (auto refused = index(std::string(field) + ".index", in.index())) return *refused;
    return election::EntryId{election::Term{in.term()}, election::LogIndex{in.index()}};
  }
};

WireResult<election::EntryKind> decode_entry_kind(int kind, std::size_t position) {
  switch (kind) {
    case wire::ENTRY_KIND_APPLICATION:
      return election::EntryKind::kApplication;
    case wire::ENTRY_KIND_LEADER_NO_OP:
      return election::EntryKind::kLeaderNoOp;
    case wire::ENTRY_KIND_MEMBERSHIP_CHANGE:
      return election::EntryKind::kMembershipChange;
    default:
      return error(WireErrc::kUnknownKind, "append_entries.entries[" + std::to_string(position) +
                                               "].kind " + std::to_string(kind) +
                                               " is not an entry kind this build knows");
  }
}

WireResult<election::Membership> decode_membership(const wire::Membership& in,
                                                   const PeerCodecLimits& limits) {
  const auto members =
      static_cast<std::size_t>(in.voters_size()) + static_cast<std::size_t>(in.learners_size());
  if (members > limits.max_members) {
    return error(WireErrc::kTooLarge, "snapshot membership lists " + std::to_string(members) +
                                          " nodes, above the limit of " +
                                          std::to_string(limits.max_members));
  }
  election::Membership out;
  out.voters.reserve(static_cast<std::size_t>(in.voters_size()));
  out.learners.reserve(static_cast<std::size_t>(in.learners_size()));
  std::unordered_set<std::uint64_t> seen;
  for (const std::uint64_t node : in.voters()) {
    if (!seen.insert(node).second) {
      return error(WireErrc::kMalformed,
                   "snapshot membership names node " + std::to_string(node) + " twice");
    }
    out.voters.push_back(election::NodeId{node});
  }
  for (const std::uint64_t node : in.learners()) {
    if (!seen.insert(node).second) {
      return error(WireErrc::kMalformed,
                   "snapshot membership names node " + std::to_string(node) + " twice");
    }
    out.learners.push_back(election::NodeId{node});
  }
  return out;
}

WireResult<election::MessageBody> decode_append_entries(const wire::AppendEntries& in,
                                                        const Checker& check) {
  if (!in.has_prev()) return error(WireErrc::kMissingField, "append_entries.prev is absent");
  auto prev = check.entry_id("append_entries.prev", in.prev());
  if (!prev.ok()) return prev.error();
  if (auto refused = check.index("append_entries.leader_commit", in.leader_commit())) {
    return *refused;
  }
  const auto count = static_cast<std::size_t>(in.entries_size());
  if (count > check.limits.max_entries_per_append) {
    return error(WireErrc::kTooLarge, "append_entries holds " + std::to_string(count) +
                                          " entries, above the limit of " +
                                          std::to_string(check.limits.max_entries_per_append));
  }
  election::AppendEntries out;
  out.prev = prev.value();
  out.leader_commit = election::LogIndex{in.leader_commit()};
  if (prev.value().term > check.message_term) {
    return error(WireErrc::kMalformed,
                 "append_entries.prev.term " + std::to_string(prev.value().term.value) +
                     " is above the message's term " + std::to_string(check.message_term.value));
  }
  out.entries.reserve(count);
  election::Term last_term = prev.value().term;
  for (std::size_t i = 0; i < count; ++i) {
    const wire::Entry& entry = in.entries(static_cast<int>(i));
    const std::string field = "append_entries.entries[" + std::to_string(i) + "]";
    // Only a caller that raised max_index to 2^64 - 1 could make this sum wrap.
    if (prev.value().index.value > std::numeric_limits<std::uint64_t>::max() - 1 - i) {
      return error(WireErrc::kOutOfRange, field + ".index would pass 2^64 - 1");
    }
    const std::uint64_t expected_index = prev.value().index.value + 1 + i;
    if (entry.index() != expected_index) {
      return error(WireErrc::kMalformed, field + ".index " + std::to_string(entry.index()) +
                                             " is not prev.index + " + std::to_string(i + 1) +
                                             " = " + std::to_string(expected_index));
    }
    if (auto refused = check.index(field + ".index", entry.index())) return *refused;
    const election::Term term{entry.term()};
    if (term < last_term || term > check.message_term) {
      return error(WireErrc::kMalformed, field + ".term " + std::to_string(entry.term()) +
                                             " is outside [previous entry's term " +
                                             std::to_string(last_term.value) + ", message term " +
                                             std::to_string(check.message_term.value) + "]");
    }
    last_term = term;
    auto kind = decode_entry_kind(entry.kind(), i);
    if (!kind.ok()) return kind.error();
    out.entries.push_back(
        election::Entry{term, election::LogIndex{entry.index()}, kind.value(), entry.payload()});
  }
  return election::MessageBody{std::move(out)};
}

WireResult<election::MessageBody> decode_append_response(const wire::AppendResponse& in,
                                                         const Checker& check) {
  if (auto refused = check.index("append_response.index", in.index())) return *refused;
  if (auto refused = check.index("append_response.hint_index", in.hint_index())) return *refused;
  if (auto refused = check.term("append_response.hint_term", in.hint_term())) return *refused;
  // The hint is the follower's last entry at or before the rejected index (messages.h).
  if (!in.accepted() && in.hint_index() > in.index()) {
    return error(WireErrc::kMalformed,
                 "append_response.hint_index " + std::to_string(in.hint_index()) +
                     " is after the rejected index " + std::to_string(in.index()));
  }
  return election::MessageBody{election::AppendResponse{
      in.accepted(), election::LogIndex{in.index()}, election::LogIndex{in.hint_index()},
      election::Term{in.hint_term()}, in.rejoin_id()}};
}

WireResult<election::MessageBody> decode_install_snapshot(const wire::InstallSnapshot& in,
                                                          const Checker& check) {
  if (!in.has_meta()) return error(WireErrc::kMissingField, "install_snapshot.meta is absent");
  if (!in.meta().has_last_included()) {
    return error(WireErrc::kMissingField, "install_snapshot.meta.last_included is absent");
  }
  auto last_included =
      check.entry_id("install_snapshot.meta.last_included", in.meta().last_included());
  if (!last_included.ok()) return last_included.error();
  if (last_included.value().term > check.message_term) {
    return error(WireErrc::kMalformed, "install_snapshot.meta.last_included.term " +
                                           std::to_string(last_included.value().term.value) +
                                           " is above the message's term " +
                                           std::to_string(check.message_term.value));
  }
  auto membership = decode_membership(in.meta().membership(), check.limits);
  if (!membership.ok()) return membership.error();
  if (in.offset() > std::numeric_limits<std::uint64_t>::max() - in.data().size()) {
    return error(WireErrc::kMalformed, "install_snapshot.offset " + std::to_string(in.offset()) +
                                           " plus its " + std::to_string(in.data().size()) +
                                           " bytes wraps around");
  }
  election::InstallSnapshot out;
  out.meta.last_included = last_included.value();
  out.meta.membership = std::move(membership).value();
  out.offset = in.offset();
  out.data = in.data();
  out.done = in.done();
  return election::MessageBody{std::move(out)};
}

WireResult<election::MessageBody> decode_body(const wire::RaftMessage& in, const Checker& check) {
  switch (in.body_case()) {
    case wire::RaftMessage::kVoteRequest: {
      const auto& m = in.vote_request();
      if (!m.has_last_log()) {
        return error(WireErrc::kMissingField, "vote_request.last_log is absent");
      }
      auto last_log = check.entry_id("vote_request.last_log", m.last_log());
      if (!last_log.ok()) return last_log.error();
      return election::MessageBody{
          election::VoteRequest{m.pre_vote(), last_log.value(), m.leadership_transfer()}};
    }
    case wire::RaftMessage::kVoteResponse:
      return election::MessageBody{
          election::VoteResponse{in.vote_response().pre_vote(), in.vote_response().granted()}};
    case wire::RaftMessage::kAppendEntries:
      return decode_append_entries(in.append_entries(), check);
    case wire::RaftMessage::kAppendResponse:
      return decode_append_response(in.append_response(), check);
    case wire::RaftMessage::kHeartbeat:
      if (auto refused = check.index("heartbeat.commit", in.heartbeat().commit())) {
        return *refused;
      }
      return election::MessageBody{
          election::Heartbeat{election::LogIndex{in.heartbeat().commit()}}};
    case wire::RaftMessage::kHeartbeatResponse:
      return election::MessageBody{
          election::HeartbeatResponse{in.heartbeat_response().rejoin_id()}};
    case wire::RaftMessage::kInstallSnapshot:
      return decode_install_snapshot(in.install_snapshot(), check);
    case wire::RaftMessage::kTimeoutNow:
      return election::MessageBody{election::TimeoutNow{}};
    case wire::RaftMessage::BODY_NOT_SET:
      break;
  }
  return error(WireErrc::kUnknownKind,
               "raft message has no body this build knows (a newer peer's kind, or none)");
}

// ---- counting before parsing ---------------------------------------------------------------

// Counts every element of every repeated field (crdt/protobuf_element_walk.h says why).
class PeerElementLimit final : public crdt::RepeatedElementVisitor {
 public:
  explicit PeerElementLimit(std::size_t limit) : limit_(limit) {}
  bool on_elements(const pb::FieldDescriptor&, std::size_t elements) override {
    count_ += elements;
    return count_ <= limit_;
  }

 private:
  std::size_t limit_;
  std::size_t count_ = 0;
};

std::optional<WireError> region_in_range(std::string_view field, std::uint32_t region) {
  if (region <= kMaxRegionId) return std::nullopt;
  return error(WireErrc::kOutOfRange, std::string(field) + " " + std::to_string(region) +
                                          " is not a region id (0 to " +
                                          std::to_string(kMaxRegionId) + ")");
}

}  // namespace

// ---- the public functions ------------------------------------------------------------------

void encode_raft_message(const election::Message& message, wire::RaftMessage* out) {
  out->Clear();
  out->set_from_node(message.from.value);
  out->set_to_node(message.to.value);
  out->set_term(message.term.value);
  std::visit(BodyEncoder{out}, message.body);
}

wire::PeerMessage to_peer_message(const election::Message& message) {
  wire::PeerMessage out;
  encode_raft_message(message, out.mutable_raft());
  return out;
}

WireResult<election::Message> decode_raft_message(const wire::RaftMessage& in,
                                                  const PeerCodecLimits& limits) {
  if (!in.has_from_node()) return error(WireErrc::kMissingField, "raft message has no from_node");
  if (!in.has_to_node()) return error(WireErrc::kMissingField, "raft message has no to_node");
  if (!in.has_term()) return error(WireErrc::kMissingField, "raft message has no term");
  const Checker check{limits, election::Term{in.term()}};
  if (auto refused = check.term("raft message term", in.term())) return *refused;
  auto body = decode_body(in, check);
  if (!body.ok()) return body.error();
  return election::Message{election::NodeId{in.from_node()}, election::NodeId{in.to_node()},
                           election::Term{in.term()}, std::move(body).value()};
}

WireResult<election::Message> from_peer_message(const wire::PeerMessage& in,
                                                const PeerCodecLimits& limits) {
  if (!in.has_raft()) {
    return error(WireErrc::kUnknownKind, "peer message is not a raft message (body case " +
                                             std::to_string(static_cast<int>(in.body_case())) +
                                             ")");
  }
  return decode_raft_message(in.raft(), limits);
}

WireResult<Accepted> check_hello(const wire::Hello& hello) {
  if (hello.schema_version() == 0) {
    return error(WireErrc::kUnsupportedVersion, "hello has schema version 0");
  }
  if (auto refused = region_in_range("hello.region_id", hello.region_id())) return *refused;
  if (!hello.has_node_id()) return error(WireErrc::kMissingField, "hello has no node_id");
  if (hello.purpose() != wire::LINK_PURPOSE_REGION &&
      hello.purpose() != wire::LINK_PURPOSE_SHIPPING) {
    return error(WireErrc::kUnknownKind, "hello.purpose " + std::to_string(hello.purpose()) +
                                             " is not a link purpose this build knows");
  }
  return Accepted{};
}

WireResult<Accepted> check_forwarded_write(const wire::ForwardedWrite& write,
                                           const PeerCodecLimits& limits) {
  const auto arguments = static_cast<std::size_t>(write.arguments_size());
  if (arguments == 0) {
    return error(WireErrc::kMissingField, "forwarded_write has no arguments");
  }
  if (arguments > limits.max_forwarded_arguments) {
    return error(WireErrc::kTooLarge, "forwarded_write has " + std::to_string(arguments) +
                                          " arguments, above the limit of " +
                                          std::to_string(limits.max_forwarded_arguments));
  }
  if (write.resp_protocol() != 0 && write.resp_protocol() != 2 && write.resp_protocol() != 3) {
    return error(WireErrc::kOutOfRange, "forwarded_write.resp_protocol " +
                                            std::to_string(write.resp_protocol()) +
                                            " is not 2 or 3");
  }
  return Accepted{};
}

WireResult<Accepted> check_ship_batch(const wire::ShipBatch& batch, const PeerCodecLimits&) {
  if (auto refused = region_in_range("ship_batch.origin_region", batch.origin_region())) {
    return *refused;
  }
  // A stamp's low six bits name its region (crdt/stamp.h).
  constexpr std::uint64_t kRegionMask = 63;
  if (batch.last_stamp() == 0 || (batch.last_stamp() & kRegionMask) != batch.origin_region()) {
    return error(WireErrc::kMalformed, "ship_batch.last_stamp is missing or names another region than "
                                       "origin_region " + std::to_string(batch.origin_region()));
  }
  if (batch.prev_stamp() != 0 &&
      ((batch.prev_stamp() & kRegionMask) != batch.origin_region() || batch.prev_stamp() >= batch.last_stamp())) {
    return error(WireErrc::kMalformed,
                 "ship_batch.prev_stamp names another region or is not before last_stamp");
  }
  if (batch.context_size() > static_cast<int>(kMaxRegionId) + 1) {
    return error(WireErrc::kMalformed, "ship_batch.context has " + std::to_string(batch.context_size()) +
                                           " entries, more than there are region ids");
  }
  if (batch.op_batch().empty()) {
    return error(WireErrc::kMissingField, "ship_batch has no op_batch");
  }
  return Accepted{};
}

WireResult<Accepted> check_ship_ack(const wire::ShipAck& ack, const PeerCodecLimits&) {
  if (ack.logged_size() > static_cast<int>(kMaxRegionId) + 1) {
    return error(WireErrc::kMalformed, "ship_ack.logged has " + std::to_string(ack.logged_size()) +
                                           " entries, more than there are region ids");
  }
  for (int r = 0; r < ack.logged_size(); ++r) {
    const std::uint64_t stamp = ack.logged(r);
    if (stamp != 0 && static_cast<int>(stamp & 63) != r) {
      return error(WireErrc::kMalformed, "ship_ack.logged[" + std::to_string(r) + "] names region " +
                                             std::to_string(stamp & 63));
    }
  }
  return Accepted{};
}

WireResult<wire::PeerMessage> parse_peer_message(std::span<const std::byte> bytes,
                                                 const PeerCodecLimits& limits) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return error(WireErrc::kTooLarge, "peer message of " + std::to_string(bytes.size()) +
                                          " bytes is above protobuf's limit");
  }
  const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const int size = static_cast<int>(bytes.size());
  {
    pb::io::CodedInputStream in(data, size);
    in.PushLimit(size);  // so every nested length can be checked against what is left
    PeerElementLimit elements(limits.max_repeated_elements);
    switch (crdt::walk_repeated_elements(in, *wire::PeerMessage::descriptor(), elements)) {
      case crdt::ElementWalk::kComplete:
        break;
      case crdt::ElementWalk::kMalformed:
        return error(WireErrc::kMalformed, "peer message bytes are not a valid protobuf message");
      case crdt::ElementWalk::kStopped:
        return error(WireErrc::kTooLarge, "peer message holds more than " +
                                              std::to_string(limits.max_repeated_elements) +
                                              " repeated elements");
    }
  }
  wire::PeerMessage message;
  if (!message.ParseFromArray(data, size)) {
    return error(WireErrc::kMalformed, "peer message bytes do not parse as a PeerMessage");
  }
  std::optional<WireResult<Accepted>> checked;
  switch (message.body_case()) {
    case wire::PeerMessage::kHello:
      checked = check_hello(message.hello());
      break;
    case wire::PeerMessage::kRaft:
      break;  // from_peer_message checks it while converting
    case wire::PeerMessage::kForwardedWrite:
      checked = check_forwarded_write(message.forwarded_write(), limits);
      break;
    case wire::PeerMessage::kForwardedReply:
      break;  // any request id and any bytes; the follower matches the id to a pending write
    case wire::PeerMessage::kShipBatch:
      checked = check_ship_batch(message.ship_batch(), limits);
      break;
    case wire::PeerMessage::kShipAck:
      checked = check_ship_ack(message.ship_ack(), limits);
      break;
    case wire::PeerMessage::kPublished:
      break;  // any channel and message bytes, as PUBLISH takes (bounded by the frame limits)
    case wire::PeerMessage::BODY_NOT_SET:
      return error(WireErrc::kUnknownKind,
                   "peer message has no body this build knows (a newer peer's kind, or none)");
  }
  if (checked && !checked->ok()) return checked->error();
  return message;
}

}  // namespace tern::replication
