// Membership queries and the payload codec of a kMembershipChange entry.
#include <algorithm>

#include "replication/election/types.h"

namespace tern::election {

bool Membership::is_voter(NodeId node) const {
  return std::find(voters.begin(), voters.end(), node) != voters.end();
}

bool Membership::is_learner(NodeId node) const {
  return std::find(learners.begin(), learners.end(), node) != learners.end();
}

namespace {
// Node id (8 bytes, little endian) + flag, then the rejoin id (8 bytes) when it is not zero.
constexpr std::size_t kMembershipChangeSize = 9;
constexpr std::size_t kRejoinMembershipChangeSize = 17;
}  // namespace

std::string encode_membership_change(const MembershipChange& change) {
  std::string out(change.rejoin_id != 0 ? kRejoinMembershipChangeSize : kMembershipChangeSize,
                  '\0');
  for (std::size_t byte = 0; byte < 8; ++byte) {
    out[byte] = static_cast<char>((change.node.value >> (8 * byte)) & 0xffU);
  }
  out[8] = change.make_voter ? '\1' : '\0';
  if (change.rejoin_id != 0) {
    for (std::size_t byte = 0; byte < 8; ++byte) {
      out[9 + byte] = static_cast<char>((change.rejoin_id >> (8 * byte)) & 0xffU);
    }
  }
  return out;
}

// The payload came from our own leader's log, but a log is read back from disk and the network;
// a malformed one decodes to nullopt and is ignored rather than trusted.
std::optional<MembershipChange> decode_membership_change(std::string_view payload) {
  if (payload.size() != kMembershipChangeSize && payload.size() != kRejoinMembershipChangeSize) {
    return std::nullopt;
  }
  if (payload[8] != '\0' && payload[8] != '\1') return std::nullopt;
  MembershipChange change;
  for (std::size_t byte = 0; byte < 8; ++byte) {
    change.node.value |= static_cast<std::uint64_t>(static_cast<unsigned char>(payload[byte]))
                         << (8 * byte);
  }
  change.make_voter = payload[8] == '\1';
  if (payload.size() == kRejoinMembershipChangeSize) {
    for (std::size_t byte = 0; byte < 8; ++byte) {
      change.rejoin_id |= static_cast<std::uint64_t>(static_cast<unsigned char>(payload[9 + byte]))
                          << (8 * byte);
    }
    if (change.rejoin_id == 0) return std::nullopt;  // the short form says "no id"
  }
  return change;
}

std::string_view refusal_message(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNotLeader:
      return "this node is not the leader";
    case Refusal::kTransferInProgress:
      return "leadership transfer in progress";
    case Refusal::kMembershipChangePending:
      return "a membership change is still pending";
    case Refusal::kUnknownNode:
      return "no such node in the needed role";
    case Refusal::kLearnerNotCaughtUp:
      return "the learner has not caught up with the leader";
    case Refusal::kLeaderCannotDemoteItself:
      return "the leader cannot demote itself";
    case Refusal::kIndexNotApplied:
      return "index not yet applied";
    case Refusal::kIndexAlreadyCompacted:
      return "index already compacted";
  }
  return "unknown refusal";
}

}  // namespace tern::election
