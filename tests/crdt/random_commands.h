#pragma once
// Random Redis-level writes for the property tests: few keys and members, so that
// concurrent writes collide often, and every command family the CRDT core supports.
#include <cstdint>
#include <random>
#include <string>

#include "crdt/replica.h"

namespace tern::crdt::sim {

enum class CommandFamily : std::uint8_t { kAll, kString, kCounter, kHash, kSet, kSortedSet, kTtl };

struct CommandMix {
  CommandFamily family = CommandFamily::kAll;
  int keys = 8;
  int members = 6;
  bool decimal_floats = true;  // false: only increments exact in binary (oracle tests)
};

inline std::string pick_key(std::mt19937_64& rng, const CommandMix& mix) {
  return "k" + std::to_string(std::uniform_int_distribution<int>(0, mix.keys - 1)(rng));
}
inline std::string pick_member(std::mt19937_64& rng, const CommandMix& mix) {
  return "m" + std::to_string(std::uniform_int_distribution<int>(0, mix.members - 1)(rng));
}

inline long double pick_float(std::mt19937_64& rng, const CommandMix& mix) {
  static const long double kDecimal[] = {0.1L, -0.7L, 1.5L, 2.25L, 1e3L, -0.3L, 3.14159L};
  static const long double kExact[] = {0.5L, -0.25L, 1.5L, 2.0L, -3.0L, 0.125L, 64.0L};
  const int i = std::uniform_int_distribution<int>(0, 6)(rng);
  return mix.decimal_floats ? kDecimal[i] : kExact[i];
}

inline std::int64_t pick_integer(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
    case 0: return 1;
    case 1: return -1;
    case 2: return std::uniform_int_distribution<std::int64_t>(-1000, 1000)(rng);
    case 3: return INT64_MAX / 2;   // large: concurrent sums may leave int64
    case 4: return -(INT64_MAX / 3);
    default: return 5;
  }
}

inline std::string pick_value(std::mt19937_64& rng) {
  switch (std::uniform_int_distribution<int>(0, 4)(rng)) {
    case 0: return std::to_string(std::uniform_int_distribution<int>(-50, 50)(rng));
    case 1: return "1.5";
    case 2: return "";
    case 3: return "v" + std::to_string(std::uniform_int_distribution<int>(0, 99)(rng));
    default: return "010";
  }
}

// Issues one random write at `replica`; errors (WRONGTYPE, overflow) are legitimate outcomes.
inline void issue_random_command(Replica& replica, std::mt19937_64& rng, std::uint64_t now,
                                 const CommandMix& mix = {}) {
  const std::string key = pick_key(rng, mix);
  const std::uint32_t db = std::uniform_int_distribution<int>(0, 9)(rng) == 0 ? 1 : 0;
  int choice = std::uniform_int_distribution<int>(0, 99)(rng);
  switch (mix.family) {
    case CommandFamily::kString: choice = choice % 2 == 0 ? 0 : 70; break;    // SET / DEL
    case CommandFamily::kCounter: choice = 5 + choice % 10; break;           // counters + SET
    case CommandFamily::kHash: choice = 20 + choice % 15; break;
    case CommandFamily::kSet: choice = 35 + choice % 15; break;
    case CommandFamily::kSortedSet: choice = 50 + choice % 20; break;
    case CommandFamily::kTtl: choice = choice % 3 == 0 ? 0 : (choice % 3 == 1 ? 75 : 85); break;
    case CommandFamily::kAll: break;
  }
  if (choice < 5) {
    SetTtl ttl;
    const int t = std::uniform_int_distribution<int>(0, 5)(rng);
    if (t == 0) ttl = {SetTtl::Mode::kDeadline, now + std::uniform_int_distribution<std::uint64_t>(1, 3000)(rng)};
    if (t == 1) ttl.mode = SetTtl::Mode::kKeep;
    replica.set(db, key, pick_value(rng), ttl, now);
  } else if (choice < 11) {
    (void)replica.incr_by(db, key, pick_integer(rng), now);
  } else if (choice < 14) {
    (void)replica.incr_by_float(db, key, pick_float(rng, mix), now);
  } else if (choice < 15) {
    replica.set(db, key, pick_value(rng), {}, now);
  } else if (choice < 20) {
    (void)replica.incr_by(db, key, 1, now);
  } else if (choice < 26) {
    (void)replica.hset(db, key, pick_member(rng, mix), pick_value(rng), now);
  } else if (choice < 29) {
    (void)replica.hdel(db, key, pick_member(rng, mix), now);
  } else if (choice < 32) {
    (void)replica.hincr_by(db, key, pick_member(rng, mix), pick_integer(rng), now);
  } else if (choice < 35) {
    (void)replica.hincr_by_float(db, key, pick_member(rng, mix), pick_float(rng, mix), now);
  } else if (choice < 43) {
    (void)replica.sadd(db, key, pick_member(rng, mix), now);
  } else if (choice < 50) {
    (void)replica.srem(db, key, pick_member(rng, mix), now);
  } else if (choice < 57) {
    const double score = static_cast<double>(std::uniform_int_distribution<int>(-20, 20)(rng)) / 4.0;
    (void)replica.zadd(db, key, pick_member(rng, mix), score, now);
  } else if (choice < 64) {
    (void)replica.zincr_by(db, key, pick_member(rng, mix), static_cast<double>(pick_float(rng, mix)), now);
  } else if (choice < 70) {
    (void)replica.zrem(db, key, pick_member(rng, mix), now);
  } else if (choice < 75) {
    replica.del(db, key, now);
  } else if (choice < 82) {
    replica.expire_at(db, key, now + std::uniform_int_distribution<std::uint64_t>(0, 3000)(rng), now);
  } else if (choice < 85) {
    replica.persist(db, key, now);
  } else if (choice < 86) {
    replica.flush_database(db, now);
  } else {
    replica.expire_if_due(db, key, now);
  }
}

}  // namespace tern::crdt::sim
