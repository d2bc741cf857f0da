// maxmemory eviction, approximated as Redis does: sample `maxmemory-samples` keys, evict the
// best candidate by the policy, repeat until used memory is under the limit. An eviction is
// a DEL through the replica, so every region applies it (memory pressure in one region
// shrinks the others; README, "maxmemory").
//
// Access recency and frequency come from KeyState::access (a local annotation the CRDT
// merge ignores): LRU uses the last-access time, LFU Redis's logarithmic counter with decay.
#include <limits>
#include <random>

#include "node/commands/random_picks.h"
#include "node/node.h"

namespace tern::node {
namespace {

bool volatile_only(MaxmemoryPolicy p) {
  return p == MaxmemoryPolicy::kVolatileLru || p == MaxmemoryPolicy::kVolatileLfu ||
         p == MaxmemoryPolicy::kVolatileRandom || p == MaxmemoryPolicy::kVolatileTtl;
}

}  // namespace

bool Node::evict_until_within_limit() {
  const Settings& s = settings();
  if (s.maxmemory_policy == MaxmemoryPolicy::kNoEviction || used_memory == nullptr) return false;
  if (!store_.may_write()) return false;  // in a region only the leader evicts (a delete op)
  auto& rng = command_rng();
  crdt::Replica& replica = store_.replica();
  const std::uint64_t now = store_.now_ms();
  int fruitless_rounds = 0;
  while (used_memory() > s.maxmemory) {
    // Gather candidates: a few random keys from random non-empty databases.
    struct Candidate {
      std::uint32_t db;
      std::string key;
      double badness;  // higher = evict first
    };
    std::optional<Candidate> best;
    const std::uint32_t samples = std::max<std::uint32_t>(1, s.maxmemory_samples);
    std::uint32_t seen = 0;
    for (std::uint32_t probe = 0; probe < samples * 8 && seen < samples; ++probe) {
      const auto db = std::uniform_int_distribution<std::uint32_t>(0, store_.databases() - 1)(rng);
      const auto& table = replica.keyspace().database(db);
      if (table.empty()) continue;
      const auto item = *table.sample(rng());
      const crdt::KeyState& state = item.value;
      if (state.type() == crdt::ValueType::kNone) continue;
      const auto deadline = state.deadline_ms();
      if (volatile_only(s.maxmemory_policy) && !deadline) continue;
      ++seen;
      double badness = 0;
      switch (s.maxmemory_policy) {
        case MaxmemoryPolicy::kAllkeysLru:
        case MaxmemoryPolicy::kVolatileLru:
          badness = static_cast<double>(now - std::min(now, state.last_access_ms()));
          break;
        case MaxmemoryPolicy::kAllkeysLfu:
        case MaxmemoryPolicy::kVolatileLfu:
          badness = 255.0 - state.access_frequency(now, s.lfu_decay_time);
          break;
        case MaxmemoryPolicy::kVolatileTtl:
          badness = -static_cast<double>(*deadline);
          break;
        default:
          badness = std::uniform_real_distribution<double>(0, 1)(rng);
          break;
      }
      if (!best || badness > best->badness) best = Candidate{db, std::string(item.key), badness};
    }
    if (!best) {
      if (++fruitless_rounds > 16) return false;  // nothing (suitable) left to evict
      continue;
    }
    fruitless_rounds = 0;
    replica.del(best->db, best->key, now);
    ++stats_.evicted_keys;
    drain_ops();
  }
  return true;
}

}  // namespace tern::node
