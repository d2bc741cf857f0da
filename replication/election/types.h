#pragma once
// The vocabulary of the region log's election core: strong numbers, log entries, the hard state
// that must survive a crash, snapshot metadata, membership, and refusals returned as values.
//
// Term, LogIndex and NodeId are distinct types over one 64-bit number so that passing a term
// where an index is expected does not compile (STYLE.md, "Strong types").
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tern::election {

template <typename Tag>
struct TaggedNumber {
  std::uint64_t value = 0;
  auto operator<=>(const TaggedNumber&) const = default;
};

using Term = TaggedNumber<struct TermTag>;
using LogIndex = TaggedNumber<struct LogIndexTag>;
// Node ids are chosen by the edge (configuration); 0 is a valid id, absence is std::nullopt.
using NodeId = TaggedNumber<struct NodeIdTag>;

constexpr LogIndex next(LogIndex index) { return LogIndex{index.value + 1}; }
constexpr LogIndex previous(LogIndex index) { return LogIndex{index.value - 1}; }

enum class EntryKind : std::uint8_t {
  // Opaque application payload (a batch of CRDT ops, for tern).
  kApplication,
  // The empty entry a new leader appends so that it can commit something of its own term
  // (§5.4.2, §8); applications skip it.
  kLeaderNoOp,
  // Promotes a learner to voter or demotes a voter to learner; payload is MembershipChange,
  // encoded by encode_membership_change. Takes effect when the entry is handed out as committed.
  kMembershipChange,
};

// A position in the log that names an entry uniquely: the same (term, index) on two nodes means
// the same entry and the same log up to it (Log Matching Property, §5.3). An index alone does
// not: an uncommitted index can be truncated and reused by another leader's entry.
struct EntryId {
  Term term;
  LogIndex index;
  auto operator<=>(const EntryId&) const = default;
};

struct Entry {
  Term term;
  LogIndex index;
  EntryKind kind = EntryKind::kApplication;
  std::string payload;

  [[nodiscard]] EntryId id() const { return {term, index}; }
  bool operator==(const Entry&) const = default;
};

// What a node must persist before it sends the messages of the same output (Figure 2,
// "Persistent state on all servers"; commit is persisted too, so that a restarted node does not
// hand out entries it already applied as new and never lowers its commit index).
struct HardState {
  Term term;
  std::optional<NodeId> voted_for;
  LogIndex commit;
  bool operator==(const HardState&) const = default;
};

// The static node set of a region with a voter/learner flag per node. Learners receive the log
// but neither vote, nor campaign, nor count toward a commit or check-quorum majority. Full
// joint-consensus membership change (§6) is out of scope: nodes are only moved between the two
// sets, one at a time, through the log.
struct Membership {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;

  [[nodiscard]] bool is_voter(NodeId node) const;
  [[nodiscard]] bool is_learner(NodeId node) const;
  [[nodiscard]] bool contains(NodeId node) const { return is_voter(node) || is_learner(node); }
  [[nodiscard]] std::size_t quorum() const { return voters.size() / 2 + 1; }
  bool operator==(const Membership&) const = default;
};

struct MembershipChange {
  NodeId node;
  bool make_voter = false;  // true: learner -> voter; false: voter -> learner
  // The demotion and the promotion of a node that lost its disk name the id it announced
  // (AppendResponse::rejoin_id): the node ends its rejoin on the promotion naming its own id,
  // never on an older one its log replays, and every node learns the id is settled.
  std::uint64_t rejoin_id = 0;
  bool operator==(const MembershipChange&) const = default;
};

std::string encode_membership_change(const MembershipChange& change);
std::optional<MembershipChange> decode_membership_change(std::string_view payload);

// The log prefix a snapshot replaces (§7): the last entry it includes, and the membership in
// force at that entry.
struct SnapshotMeta {
  EntryId last_included;
  Membership membership;
  bool operator==(const SnapshotMeta&) const = default;
};

// A snapshot is opaque to the state machine: the application produces `data` and restores from
// it. The bytes travel in InstallSnapshot messages.
struct Snapshot {
  SnapshotMeta meta;
  std::string data;
  bool operator==(const Snapshot&) const = default;
};

// Why a request to the state machine was refused. Every refusal is an expected outcome the
// caller acts on (redirect the client, retry later), never a crash.
enum class Refusal : std::uint8_t {
  kNotLeader,                 // propose/transfer/membership on a follower: redirect to leader()
  kTransferInProgress,        // leadership is being handed over: retry at the new leader
  kMembershipChangePending,   // one change at a time, and only after the leader committed its no-op
  kUnknownNode,               // the node is not in the membership, or not in the needed set
  kLearnerNotCaughtUp,        // promote only a learner whose log reached the leader's commit
  kLeaderCannotDemoteItself,  // transfer leadership first
  kIndexNotApplied,           // compact beyond what was handed out as committed
  kIndexAlreadyCompacted,     // compact at or below the current snapshot
};

std::string_view refusal_message(Refusal refusal);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Refusal refusal) : data_(refusal) {}   // NOLINT(google-explicit-constructor)
  [[nodiscard]] bool ok() const { return std::holds_alternative<T>(data_); }
  [[nodiscard]] Refusal error() const { return std::get<Refusal>(data_); }
  [[nodiscard]] const T& value() const& { return std::get<T>(data_); }
  [[nodiscard]] T&& value() && { return std::get<T>(std::move(data_)); }

 private:
  std::variant<T, Refusal> data_;
};

struct Done {
  bool operator==(const Done&) const = default;
};

}  // namespace tern::election
