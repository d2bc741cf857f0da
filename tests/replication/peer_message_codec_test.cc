// The peer message codec (replication/peer_message_codec.h): every election message survives
// the wire field for field, every rule of the codec refuses what it names with the right
// WireErrc, and an older reader ignores a field a newer writer adds (tern_peer.proto's rule).
#include "replication/peer_message_codec.h"

#include <doctest/doctest.h>
#include <google/protobuf/unknown_field_set.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "replication/peer_frame.h"
#include "tests/replication/peer_wire_samples.h"

namespace tern::replication {
namespace {

using testing::as_bytes;
namespace el = election;

constexpr std::uint64_t kTooHigh = std::uint64_t{1} << 63;

// The whole way a message travels: convert, serialize, frame, decode the frame, parse, convert.
WireResult<el::Message> over_the_wire(const el::Message& message) {
  auto frame = encode_frame(to_peer_message(message));
  REQUIRE(frame.ok());
  PeerFrameDecoder decoder;
  const auto step = decoder.decode(as_bytes(frame.value()));
  REQUIRE(step.status == PeerFrameDecoder::Status::kFrame);
  REQUIRE(step.consumed == frame.value().size());
  auto parsed = parse_peer_message(as_bytes(decoder.message()));
  if (!parsed.ok()) return parsed.error();
  return from_peer_message(parsed.value());
}

// Decodes a RaftMessage after `mutate` changed the wire form of `message`.
template <typename Mutate>
WireResult<el::Message> decode_mutated(const el::Message& message, Mutate mutate,
                                       const PeerCodecLimits& limits = {}) {
  wire::PeerMessage wire_form = to_peer_message(message);
  mutate(*wire_form.mutable_raft());
  const std::string bytes = wire_form.SerializeAsString();
  auto parsed = parse_peer_message(as_bytes(bytes), limits);
  if (!parsed.ok()) return parsed.error();
  return from_peer_message(parsed.value(), limits);
}

const el::Message& sample_of_kind(std::size_t kind) {
  static const auto kSamples = testing::sample_election_messages();
  REQUIRE(kSamples.at(kind).body.index() == kind);
  return kSamples.at(kind);
}
constexpr std::size_t kVoteRequest = 0;
constexpr std::size_t kAppendEntries = 2;
constexpr std::size_t kAppendResponse = 3;
constexpr std::size_t kInstallSnapshot = 6;

void check_refused(const WireResult<el::Message>& result, WireErrc code,
                   std::string_view detail = {}) {
  REQUIRE_FALSE(result.ok());
  CHECK(wire_errc_name(result.error().code) == wire_errc_name(code));
  if (!detail.empty()) CHECK(result.error().detail == detail);
}

TEST_CASE("every election message kind survives the wire field for field") {
  const auto samples = testing::sample_election_messages();
  REQUIRE(samples.size() == std::variant_size_v<el::MessageBody>);
  for (const el::Message& message : samples) {
    INFO("body kind " << message.body.index());
    const auto decoded = over_the_wire(message);
    REQUIRE_MESSAGE(decoded.ok(), decoded.error().detail);
    CHECK(decoded.value() == message);
  }
}

TEST_CASE("random election messages survive the wire field for field (property, seeded)") {
  const std::uint64_t seed = std::random_device{}();
  MESSAGE("seed " << seed);
  testing::RandomElectionMessages random(seed);
  for (int i = 0; i < 5000; ++i) {
    const el::Message message = random.next();
    const auto decoded = over_the_wire(message);
    REQUIRE_MESSAGE(decoded.ok(), "message " << i << ": " << decoded.error().detail);
    REQUIRE(decoded.value() == message);
  }
}

TEST_CASE("node id 0 is a valid sender and recipient, told apart from an absent one") {
  el::Message message = sample_of_kind(kVoteRequest);
  message.from = el::NodeId{0};
  message.to = el::NodeId{0};
  message.term = el::Term{0};
  const auto decoded = over_the_wire(message);
  REQUIRE(decoded.ok());
  CHECK(decoded.value() == message);
}

TEST_CASE("a raft message without its sender, recipient or term is refused as missing") {
  const el::Message& message = sample_of_kind(kVoteRequest);
  check_refused(decode_mutated(message, [](auto& m) { m.clear_from_node(); }),
                WireErrc::kMissingField, "raft message has no from_node");
  check_refused(decode_mutated(message, [](auto& m) { m.clear_to_node(); }),
                WireErrc::kMissingField, "raft message has no to_node");
  check_refused(decode_mutated(message, [](auto& m) { m.clear_term(); }), WireErrc::kMissingField,
                "raft message has no term");
}

TEST_CASE("a body without its required entry id or snapshot meta is refused as missing") {
  check_refused(decode_mutated(sample_of_kind(kVoteRequest),
                               [](auto& m) { m.mutable_vote_request()->clear_last_log(); }),
                WireErrc::kMissingField, "vote_request.last_log is absent");
  check_refused(decode_mutated(sample_of_kind(kAppendEntries),
                               [](auto& m) { m.mutable_append_entries()->clear_prev(); }),
                WireErrc::kMissingField, "append_entries.prev is absent");
  check_refused(decode_mutated(sample_of_kind(kInstallSnapshot),
                               [](auto& m) { m.mutable_install_snapshot()->clear_meta(); }),
                WireErrc::kMissingField, "install_snapshot.meta is absent");
}

TEST_CASE("a message of a kind this build does not know is refused, not guessed at") {
  SUBCASE("a peer message with no body") {
    const auto parsed = parse_peer_message({});
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == WireErrc::kUnknownKind);
  }
  SUBCASE("a peer message whose body is a oneof member from a newer schema") {
    // Field 40 of PeerMessage, length-delimited, empty: what a newer writer's new kind looks
    // like to this reader (an unknown field; the oneof stays unset).
    const std::string bytes("\xC2\x02\x00", 3);
    const auto parsed = parse_peer_message(as_bytes(bytes));
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == WireErrc::kUnknownKind);
  }
  SUBCASE("a raft message with no body") {
    check_refused(decode_mutated(sample_of_kind(kVoteRequest), [](auto& m) { m.clear_body(); }),
                  WireErrc::kUnknownKind);
  }
  SUBCASE("a peer message that is not a raft message, asked for as one") {
    const auto link = testing::sample_link_messages();
    check_refused(from_peer_message(link.at(0).second), WireErrc::kUnknownKind);
  }
}

TEST_CASE("an entry kind this build does not know is refused") {
  check_refused(decode_mutated(sample_of_kind(kAppendEntries),
                               [](auto& m) {
                                 m.mutable_append_entries()->mutable_entries(1)->set_kind(
                                     static_cast<wire::EntryKind>(9));
                               }),
                WireErrc::kUnknownKind,
                "append_entries.entries[1].kind 9 is not an entry kind this build knows");
}

TEST_CASE("a term or index above 2^63 - 1 is refused as out of range") {
  check_refused(decode_mutated(sample_of_kind(kVoteRequest), [](auto& m) { m.set_term(kTooHigh); }),
                WireErrc::kOutOfRange,
                "raft message term 9223372036854775808 is above the highest term "
                "9223372036854775807");
  check_refused(decode_mutated(sample_of_kind(kVoteRequest),
                               [](auto& m) {
                                 m.mutable_vote_request()->mutable_last_log()->set_index(kTooHigh);
                               }),
                WireErrc::kOutOfRange);
  check_refused(
      decode_mutated(sample_of_kind(kAppendResponse),
                     [](auto& m) { m.mutable_append_response()->set_hint_term(kTooHigh); }),
      WireErrc::kOutOfRange);
  check_refused(
      decode_mutated(sample_of_kind(kAppendEntries),
                     [](auto& m) { m.mutable_append_entries()->set_leader_commit(kTooHigh); }),
      WireErrc::kOutOfRange);
  // The highest value itself is accepted.
  el::Message at_limit = sample_of_kind(kVoteRequest);
  at_limit.term = el::Term{kTooHigh - 1};
  CHECK(over_the_wire(at_limit).ok());
}

TEST_CASE("append entries whose indexes do not follow prev one by one are refused") {
  check_refused(decode_mutated(
                    sample_of_kind(kAppendEntries),
                    [](auto& m) { m.mutable_append_entries()->mutable_entries(1)->set_index(43); }),
                WireErrc::kMalformed,
                "append_entries.entries[1].index 43 is not prev.index + 2 = 41");
}

TEST_CASE("append entries whose terms decrease or exceed the message term are refused") {
  // Sample: message term 7, prev term 5, entry terms 5, 7, 7.
  check_refused(
      decode_mutated(sample_of_kind(kAppendEntries),
                     [](auto& m) { m.mutable_append_entries()->mutable_entries(2)->set_term(6); }),
      WireErrc::kMalformed,
      "append_entries.entries[2].term 6 is outside [previous entry's term 7, message "
      "term 7]");
  check_refused(
      decode_mutated(sample_of_kind(kAppendEntries),
                     [](auto& m) { m.mutable_append_entries()->mutable_entries(0)->set_term(4); }),
      WireErrc::kMalformed);
  check_refused(
      decode_mutated(sample_of_kind(kAppendEntries),
                     [](auto& m) { m.mutable_append_entries()->mutable_entries(2)->set_term(8); }),
      WireErrc::kMalformed);
  check_refused(
      decode_mutated(sample_of_kind(kAppendEntries),
                     [](auto& m) { m.mutable_append_entries()->mutable_prev()->set_term(8); }),
      WireErrc::kMalformed);
}

TEST_CASE("append entries holding more entries than the limit are refused") {
  PeerCodecLimits limits;
  limits.max_entries_per_append = 2;
  check_refused(decode_mutated(
                    sample_of_kind(kAppendEntries), [](auto&) {}, limits),
                WireErrc::kTooLarge, "append_entries holds 3 entries, above the limit of 2");
  limits.max_entries_per_append = 3;
  CHECK(decode_mutated(
            sample_of_kind(kAppendEntries), [](auto&) {}, limits)
            .ok());
}

TEST_CASE("a rejection whose back-off hint lies after the rejected index is refused") {
  // Sample: rejected at 39 with hint (30, 4).
  check_refused(decode_mutated(sample_of_kind(kAppendResponse),
                               [](auto& m) { m.mutable_append_response()->set_hint_index(40); }),
                WireErrc::kMalformed,
                "append_response.hint_index 40 is after the rejected index 39");
}

TEST_CASE("a snapshot membership naming a node twice is refused") {
  check_refused(
      decode_mutated(
          sample_of_kind(kInstallSnapshot),
          [](auto& m) {
            m.mutable_install_snapshot()->mutable_meta()->mutable_membership()->add_learners(1);
          }),
      WireErrc::kMalformed, "snapshot membership names node 1 twice");
}

TEST_CASE("a snapshot chunk whose offset plus size wraps around is refused") {
  check_refused(decode_mutated(
                    sample_of_kind(kInstallSnapshot),
                    [](auto& m) {
                      m.mutable_install_snapshot()->set_offset(
                          std::numeric_limits<std::uint64_t>::max() - 10);
                    },
                    PeerCodecLimits{}),
                WireErrc::kMalformed);
}

TEST_CASE("repeated elements above the limit are refused before the message is built") {
  // Empty arguments cost two bytes each on the wire: 100 of them pass the argument limit but
  // not the element count, which is the only rule that can refuse them here.
  wire::PeerMessage message;
  for (int i = 0; i < 100; ++i) message.mutable_forwarded_write()->add_arguments();
  const std::string bytes = message.SerializeAsString();
  PeerCodecLimits limits;
  limits.max_repeated_elements = 99;
  const auto refused = parse_peer_message(as_bytes(bytes), limits);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == WireErrc::kTooLarge);
  CHECK(refused.error().detail == "peer message holds more than 99 repeated elements");
  limits.max_repeated_elements = 100;
  CHECK(parse_peer_message(as_bytes(bytes), limits).ok());
}

TEST_CASE("repeated messages count against the element limit before the message is built") {
  // Three entries; the entry limit allows them, so only the element count can refuse them.
  PeerCodecLimits limits;
  limits.max_repeated_elements = 2;
  check_refused(decode_mutated(
                    sample_of_kind(kAppendEntries), [](auto&) {}, limits),
                WireErrc::kTooLarge, "peer message holds more than 2 repeated elements");
  limits.max_repeated_elements = 3;
  CHECK(decode_mutated(
            sample_of_kind(kAppendEntries), [](auto&) {}, limits)
            .ok());
}

TEST_CASE("a packed run of node ids counts one element per byte against the limit") {
  el::Message message = sample_of_kind(kInstallSnapshot);  // 4 members, one byte each
  PeerCodecLimits limits;
  limits.max_repeated_elements = 3;
  check_refused(decode_mutated(
                    message, [](auto&) {}, limits),
                WireErrc::kTooLarge);
  limits.max_repeated_elements = 4;
  CHECK(decode_mutated(
            message, [](auto&) {}, limits)
            .ok());
}

// tern_peer.proto's evolution rule: a newer writer adds optional fields; an older reader parses
// the message, ignores them and decodes the rest unchanged. Unknown fields stand in for the new
// fields (what this build's generated code would do with a newer schema's field numbers).
TEST_CASE("an older reader ignores fields a newer writer added, at every level") {
  for (const el::Message& message : testing::sample_election_messages()) {
    INFO("body kind " << message.body.index());
    wire::PeerMessage newer = to_peer_message(message);
    newer.GetReflection()->MutableUnknownFields(&newer)->AddVarint(100, 1);
    wire::RaftMessage& raft = *newer.mutable_raft();
    raft.GetReflection()->MutableUnknownFields(&raft)->AddLengthDelimited(101, "new text");
    // And inside the body, whichever kind it is.
    const auto* body_field =
        raft.GetDescriptor()->FindFieldByNumber(static_cast<int>(raft.body_case()));
    REQUIRE(body_field != nullptr);
    auto* body = raft.GetReflection()->MutableMessage(&raft, body_field);
    body->GetReflection()->MutableUnknownFields(body)->AddFixed64(102, 0xABCDEF);
    const std::string bytes = newer.SerializeAsString();
    REQUIRE(bytes.size() > to_peer_message(message).SerializeAsString().size());

    const auto parsed = parse_peer_message(as_bytes(bytes));
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().detail);
    const auto decoded = from_peer_message(parsed.value());
    REQUIRE_MESSAGE(decoded.ok(), decoded.error().detail);
    CHECK(decoded.value() == message);
  }
}

TEST_CASE("a hello from a newer schema version is accepted so mixed versions can talk") {
  wire::Hello hello = testing::sample_link_messages().at(0).second.hello();
  hello.set_schema_version(kPeerSchemaVersion + 1);
  CHECK(check_hello(hello).ok());
}

TEST_CASE("a hello of version 0, without node id, of unknown purpose or region is refused") {
  const wire::Hello good = testing::sample_link_messages().at(0).second.hello();
  REQUIRE(check_hello(good).ok());
  wire::Hello hello = good;
  hello.set_schema_version(0);
  CHECK(check_hello(hello).error().code == WireErrc::kUnsupportedVersion);
  hello = good;
  hello.clear_node_id();
  CHECK(check_hello(hello).error().code == WireErrc::kMissingField);
  hello = good;
  hello.set_node_id(0);  // present and 0: a valid id
  CHECK(check_hello(hello).ok());
  hello = good;
  hello.set_purpose(wire::LINK_PURPOSE_UNSPECIFIED);
  CHECK(check_hello(hello).error().code == WireErrc::kUnknownKind);
  hello = good;
  hello.set_purpose(static_cast<wire::LinkPurpose>(3));
  CHECK(check_hello(hello).error().code == WireErrc::kUnknownKind);
  hello = good;
  hello.set_region_id(64);
  CHECK(check_hello(hello).error().code == WireErrc::kOutOfRange);
}

TEST_CASE("every link message kind survives the wire and passes its checks") {
  for (const auto& sample : testing::sample_link_messages()) {
    INFO(sample.first);  // not a structured binding: clang 14 cannot capture one
    const wire::PeerMessage& message = sample.second;
    auto frame = encode_frame(message);
    REQUIRE(frame.ok());
    PeerFrameDecoder decoder;
    REQUIRE(decoder.decode(as_bytes(frame.value())).status == PeerFrameDecoder::Status::kFrame);
    const auto parsed = parse_peer_message(as_bytes(decoder.message()));
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().detail);
    CHECK(parsed.value().SerializeAsString() == message.SerializeAsString());
  }
}

TEST_CASE("a forwarded write without arguments or with an unknown RESP protocol is refused") {
  wire::ForwardedWrite write = testing::sample_link_messages().at(1).second.forwarded_write();
  REQUIRE(check_forwarded_write(write).ok());
  write.set_resp_protocol(4);
  CHECK(check_forwarded_write(write).error().code == WireErrc::kOutOfRange);
  write.set_resp_protocol(0);
  CHECK(check_forwarded_write(write).ok());
  write.clear_arguments();
  CHECK(check_forwarded_write(write).error().code == WireErrc::kMissingField);
}

TEST_CASE("a ship batch whose stamps name another region or run backwards or without ops is refused") {
  wire::ShipBatch batch = testing::sample_link_messages().at(3).second.ship_batch();
  REQUIRE(check_ship_batch(batch).ok());
  batch.set_prev_stamp(batch.last_stamp());  // not before last
  CHECK(check_ship_batch(batch).error().code == WireErrc::kMalformed);
  batch.set_prev_stamp(0);  // nothing before: fine
  CHECK(check_ship_batch(batch).ok());
  batch.set_last_stamp((101ULL << 22) | 6);  // region 6, origin 5
  CHECK(check_ship_batch(batch).error().code == WireErrc::kMalformed);
  batch.set_last_stamp(0);
  CHECK(check_ship_batch(batch).error().code == WireErrc::kMalformed);
  batch = testing::sample_link_messages().at(3).second.ship_batch();
  batch.clear_op_batch();
  CHECK(check_ship_batch(batch).error().code == WireErrc::kMissingField);
  batch = testing::sample_link_messages().at(3).second.ship_batch();
  for (int i = 0; i < 64; ++i) batch.add_context(0);
  CHECK(check_ship_batch(batch).error().code == WireErrc::kMalformed);
  batch = testing::sample_link_messages().at(3).second.ship_batch();
  batch.set_origin_region(64);
  CHECK(check_ship_batch(batch).error().code == WireErrc::kOutOfRange);
}

TEST_CASE("a ship ack with too many entries or a stamp under the wrong region is refused") {
  wire::ShipAck ack = testing::sample_link_messages().at(4).second.ship_ack();
  REQUIRE(check_ship_ack(ack).ok());
  ack.set_logged(2, (5ULL << 22) | 3);
  CHECK(check_ship_ack(ack).error().code == WireErrc::kMalformed);
  ack = testing::sample_link_messages().at(4).second.ship_ack();
  for (int i = 0; i < 60; ++i) ack.add_logged(0);
  CHECK(check_ship_ack(ack).error().code == WireErrc::kMalformed);
}

// Not a property: writes the fuzz target's seed corpus when TERN_WRITE_FUZZ_CORPUS names a
// directory (tests/fuzz/corpus/peer_frame/ is made this way). Without it, it still checks that
// every seed decodes, so the corpus cannot silently go stale against the codec.
TEST_CASE("peer frame seeds of every kind decode and can be written as a fuzz corpus") {
  const char* dir = std::getenv("TERN_WRITE_FUZZ_CORPUS");  // NOLINT(concurrency-mt-unsafe)
  static const char* const kKindNames[] = {
      "vote_request", "vote_response",      "append_entries",   "append_response",
      "heartbeat",    "heartbeat_response", "install_snapshot", "timeout_now"};
  std::vector<std::pair<std::string, std::string>> seeds;
  std::string all;
  const auto election_messages = testing::sample_election_messages();
  for (std::size_t i = 0; i < election_messages.size(); ++i) {
    auto frame = encode_frame(to_peer_message(election_messages[i]));
    REQUIRE(frame.ok());
    all += frame.value();
    seeds.emplace_back(kKindNames[i], std::move(frame).value());
  }
  for (const auto& [name, message] : testing::sample_link_messages()) {
    auto frame = encode_frame(message);
    REQUIRE(frame.ok());
    all += frame.value();
    seeds.emplace_back(name, std::move(frame).value());
  }
  seeds.emplace_back("all_kinds", all);
  for (const auto& seed : seeds) {
    INFO("seed " << seed.first);  // not a structured binding: clang 14 cannot capture one
    PeerFrameDecoder decoder;
    std::span<const std::byte> rest = as_bytes(seed.second);
    std::size_t frames = 0;
    while (!rest.empty()) {
      const auto step = decoder.decode(rest);
      REQUIRE(step.status == PeerFrameDecoder::Status::kFrame);
      CHECK(parse_peer_message(as_bytes(decoder.message())).ok());
      rest = rest.subspan(step.consumed);
      ++frames;
    }
    CHECK(frames >= 1);
    if (dir != nullptr) {
      std::ofstream out(std::string(dir) + "/" + seed.first + ".frame", std::ios::binary);
      out.write(seed.second.data(), static_cast<std::streamsize>(seed.second.size()));
      CHECK(out.good());
    }
  }
}

}  // namespace
}  // namespace tern::replication
