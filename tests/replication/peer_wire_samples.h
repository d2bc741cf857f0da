#pragma once
// Sample peer messages for the wire tests (peer_frame_test.cc, peer_message_codec_test.cc) and
// the fuzz corpus: one election message of every kind, a random election message that keeps
// the codec's rules, and one PeerMessage of every other kind.
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "replication/election/messages.h"
#include "replication/peer_message_codec.h"
#include "replication/proto/tern_peer.pb.h"

namespace tern::replication::testing {

inline std::span<const std::byte> as_bytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

// Bytes a printer would mangle: NUL, CR LF, 0xFF.
inline std::string binary_payload(std::size_t size, std::uint8_t seed) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 37 + seed) & 0xFF);
  return out;
}

// One message of each of the eight election kinds, with every field away from its default.
inline std::vector<election::Message> sample_election_messages() {
  using namespace election;  // NOLINT(google-build-using-namespace): test vocabulary
  const NodeId a{1};
  const NodeId b{2};
  const Term term{7};
  std::vector<Message> out;
  out.push_back({a, b, term, VoteRequest{true, EntryId{Term{6}, LogIndex{40}}, true}});
  out.push_back({b, a, term, VoteResponse{true, true}});
  out.push_back(
      {a, b, term,
       AppendEntries{EntryId{Term{5}, LogIndex{39}},
                     {Entry{Term{5}, LogIndex{40}, EntryKind::kApplication, binary_payload(300, 1)},
                      Entry{Term{7}, LogIndex{41}, EntryKind::kLeaderNoOp, ""},
                      Entry{Term{7}, LogIndex{42}, EntryKind::kMembershipChange,
                            encode_membership_change({NodeId{3}, true})}},
                     LogIndex{41}}});
  out.push_back(
      {b, a, term,
       AppendResponse{false, LogIndex{39}, LogIndex{30}, Term{4}, 0x9e3779b97f4a7c15ULL}});
  out.push_back({a, b, term, Heartbeat{LogIndex{41}}});
  out.push_back({b, a, term, HeartbeatResponse{42}});
  out.push_back({a, b, term,
                 InstallSnapshot{SnapshotMeta{EntryId{Term{6}, LogIndex{38}},
                                              Membership{{a, b, NodeId{0}}, {NodeId{3}}}},
                                 4096, binary_payload(2000, 2), false}});
  out.push_back({a, b, term, TimeoutNow{}});
  return out;
}

// The other kinds of PeerMessage, each with every field set.
inline std::vector<std::pair<std::string, wire::PeerMessage>> sample_link_messages() {
  std::vector<std::pair<std::string, wire::PeerMessage>> out;
  {
    wire::PeerMessage m;
    auto* hello = m.mutable_hello();
    hello->set_schema_version(kPeerSchemaVersion);
    hello->set_region_id(5);
    hello->set_node_id(3);
    hello->set_purpose(wire::LINK_PURPOSE_REGION);
    hello->set_region_name("east");
    hello->set_node_name("node-3");
    out.emplace_back("hello", std::move(m));
  }
  {
    wire::PeerMessage m;
    auto* write = m.mutable_forwarded_write();
    write->set_request_id(77);
    write->set_database(2);
    write->add_arguments("INCRBY");
    write->add_arguments(std::string("hi\0ts", 5));
    write->add_arguments("5");
    write->set_resp_protocol(3);
    out.emplace_back("forwarded_write", std::move(m));
  }
  {
    wire::PeerMessage m;
    m.mutable_forwarded_reply()->set_request_id(77);
    m.mutable_forwarded_reply()->set_reply(":12\r\n");
    out.emplace_back("forwarded_reply", std::move(m));
  }
  {
    wire::PeerMessage m;
    auto* ship = m.mutable_ship_batch();
    ship->set_origin_region(5);
    ship->set_prev_stamp((100ULL << 22) | 5);  // crdt::Stamp bits: ms, logical 0, region 5
    ship->set_last_stamp((101ULL << 22) | 5);
    for (int r = 0; r < 6; ++r) ship->add_context(r == 0 ? 0 : (90ULL << 22) | static_cast<std::uint64_t>(r));
    // An OpBatch's bytes; their content is crdt::decode_batch's concern, not the link's.
    ship->set_op_batch(binary_payload(600, 3));
    out.emplace_back("ship_batch", std::move(m));
  }
  {
    wire::PeerMessage m;
    for (int r = 0; r < 6; ++r) {
      m.mutable_ship_ack()->add_logged(r == 0 ? 0 : (101ULL << 22) | static_cast<std::uint64_t>(r));
    }
    out.emplace_back("ship_ack", std::move(m));
  }
  return out;
}

// A random election message that keeps every rule of peer_message_codec.h, with numbers drawn
// from small ranges, from the extremes (0 and the highest allowed) and everything between.
class RandomElectionMessages {
 public:
  explicit RandomElectionMessages(std::uint64_t seed) : random_(seed) {}

  election::Message next() {
    using namespace election;  // NOLINT(google-build-using-namespace): test vocabulary
    Message m;
    m.from = NodeId{number(~std::uint64_t{0})};
    m.to = NodeId{number(~std::uint64_t{0})};
    m.term = Term{number(kMax)};
    switch (below(8)) {
      case 0:
        m.body = VoteRequest{coin(), EntryId{Term{number(kMax)}, LogIndex{number(kMax)}}, coin()};
        break;
      case 1:
        m.body = VoteResponse{coin(), coin()};
        break;
      case 2: {
        AppendEntries append;
        append.prev = EntryId{Term{number(m.term.value)}, LogIndex{number(kMax - 8)}};
        Term term = append.prev.term;
        const std::size_t count = below(6);
        for (std::size_t i = 0; i < count; ++i) {
          term = Term{term.value + number(m.term.value - term.value)};
          append.entries.push_back(Entry{term, LogIndex{append.prev.index.value + 1 + i},
                                         static_cast<EntryKind>(below(3)), bytes(below(40))});
        }
        append.leader_commit = LogIndex{number(kMax)};
        m.body = std::move(append);
        break;
      }
      case 3: {
        AppendResponse response{
            coin(), LogIndex{number(kMax)}, {}, Term{number(kMax)}, coin() ? number(kMax) : 0};
        response.hint_index =
            LogIndex{response.accepted ? number(kMax) : number(response.index.value)};
        m.body = response;
        break;
      }
      case 4:
        m.body = Heartbeat{LogIndex{number(kMax)}};
        break;
      case 5:
        m.body = HeartbeatResponse{coin() ? number(kMax) : 0};
        break;
      case 6: {
        InstallSnapshot chunk;
        chunk.meta.last_included = EntryId{Term{number(m.term.value)}, LogIndex{number(kMax)}};
        const std::size_t members = below(6);
        for (std::size_t i = 0; i < members; ++i) {
          // Distinct ids: i in the low bits.
          const NodeId node{(number(1U << 20) << 3) | i};
          (coin() ? chunk.meta.membership.voters : chunk.meta.membership.learners).push_back(node);
        }
        chunk.data = bytes(below(64));
        chunk.offset = number(kMax);
        chunk.done = coin();
        m.body = std::move(chunk);
        break;
      }
      default:
        m.body = TimeoutNow{};
        break;
    }
    return m;
  }

 private:
  static constexpr std::uint64_t kMax = PeerCodecLimits{}.max_index;
  static_assert(PeerCodecLimits{}.max_term == kMax);

  std::size_t below(std::size_t bound) {
    return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_);
  }
  bool coin() { return below(2) == 1; }
  // A number in [0, high]: often an extreme, often small, sometimes anything.
  std::uint64_t number(std::uint64_t high) {
    switch (below(5)) {
      case 0:
        return 0;
      case 1:
        return high;
      case 2:
        return std::uniform_int_distribution<std::uint64_t>(
            0, std::min<std::uint64_t>(high, 300))(random_);
      default:
        return std::uniform_int_distribution<std::uint64_t>(0, high)(random_);
    }
  }
  std::string bytes(std::size_t size) {
    std::string out(size, '\0');
    for (char& c : out) c = static_cast<char>(below(256));
    return out;
  }

  std::mt19937_64 random_;
};

}  // namespace tern::replication::testing
