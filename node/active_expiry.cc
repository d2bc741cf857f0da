// Active expiry: keys nobody reads still expire. Each cycle looks at a bounded number of
// keys (a step of a SCAN over the keyspace, from where the last cycle stopped) and expires
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
  // In a region only the leader expires keys: the others learn of it through the region log.
  if (!store_.may_write()) return;
  crdt::Replica& replica = store_.replica();
  const std::uint64_t now = store_.now_ms();
  const std::size_t budget = kKeysPerCycle + kKeysPerCycle / 4 * (settings().active_expire_effort - 1);
  std::size_t examined = 0;
  std::vector<std::string> due;
  // A SCAN of each database in turn, a bounded step per tick; the cursor survives growth.
  for (std::uint32_t round = 0; round < store_.databases() && examined < budget; ++round) {
    const auto& table = replica.keyspace().database(expire_db_cursor_);
    std::uint64_t next = 0;
    if (!table.empty()) {
      next = table.scan(expire_scan_cursor_, budget - examined, [&](std::string_view key, const crdt::KeyState& state) {
        ++examined;
        if (state.expired_at(now)) due.emplace_back(key);
      });
    }
    for (const auto& key : due) replica.expire_if_due(expire_db_cursor_, key, now);
    due.clear();
    expire_scan_cursor_ = next;
    if (next == 0) expire_db_cursor_ = (expire_db_cursor_ + 1) % store_.databases();
  }
  drain_ops();
}

}  // namespace tern::node
