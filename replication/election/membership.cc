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
constexpr std::size_t kMembershipChangeSize = 9;  // node id (8 bytes, little endian) + flag
}  // namespace

std::string encode_membership_change(const MembershipChange& change) {
  std::string out(kMembershipChangeSize, '\0');
  for (std::size_t byte = 0; byte < 8; ++byte) {
    out[byte] = static_cast<char>((change.node.value >> (8 * byte)) & 0xffU);
  }
  out[8] = change.make_voter ? '\1' : '\0';
  return out;
}

// The payload came from our own leader's log, but a log is read back from disk and the network;
// a malformed one decodes to nullopt and is ignored rather than trusted.
std::optional<MembershipChange> decode_membership_change(std::string_view payload) {
  if (payload.size() != kMembershipChangeSize) return std::nullopt;
  if (payload[8] != '\0' && payload[8] != '\1') return std::nullopt;
  MembershipChange change;
  for (std::size_t byte = 0; byte < 8; ++byte) {
    change.node.value |= static_cast<std::uint64_t>(static_cast<unsigned char>(payload[byte]))
                         << (8 * byte);
  }
  change.make_voter = payload[8] == '\1';
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
