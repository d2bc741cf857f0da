// Active expiry: keys nobody reads still expire. Each cycle looks at a bounded number of
// keys (walking the hash table's buckets from where the last cycle stopped) and expires
// those past their deadline through the replica, so expiry is an operation like any write
// (DESIGN.md write path, step 6). Lazy expiry on access covers the rest, as in Redis.
#include "node/node.h"

namespace tern::node {
namespace {

// Keys looked at per tick at active-expire-effort 1; each effort step adds a quarter, as
// Redis scales its sampling (bounded CPU per tick either way).
constexpr std::size_t kKeysPerCycle = 200;

}  // namespace

void Node::active_expire_cycle() {
  crdt::Replica& replica = store_.replica();
  const std::uint64_t now = store_.now_ms();
  const std::size_t budget = kKeysPerCycle + kKeysPerCycle / 4 * (settings().active_expire_effort - 1);
  std::size_t examined = 0;
  std::vector<std::string> due;
  for (std::uint32_t round = 0; round < store_.databases() && examined < budget; ++round) {
    const auto& map = replica.keyspace().database(expire_db_cursor_);
    const std::size_t buckets = map.bucket_count();
    if (map.empty() || expire_bucket_cursor_ >= buckets) {
      expire_bucket_cursor_ = 0;
      expire_db_cursor_ = (expire_db_cursor_ + 1) % store_.databases();
      continue;
    }
    while (expire_bucket_cursor_ < buckets && examined < budget) {
      for (auto it = map.begin(expire_bucket_cursor_); it != map.end(expire_bucket_cursor_); ++it) {
        ++examined;
        if (it->second.expired_at(now)) due.push_back(it->first);
      }
      ++expire_bucket_cursor_;
    }
    for (const auto& key : due) replica.expire_if_due(expire_db_cursor_, key, now);
    due.clear();
    if (expire_bucket_cursor_ >= buckets) {
      expire_bucket_cursor_ = 0;
      expire_db_cursor_ = (expire_db_cursor_ + 1) % store_.databases();
    }
  }
  drain_ops();
}

}  // namespace tern::node
