#pragma once
// Seeds for the randomized chaos tests: TERN_CHAOS_SEED replays one (every randomized case
// prints the seed it used), otherwise a fresh one from the OS.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace tern::chaos {

inline std::uint64_t test_seed(const char* what) {
  std::uint64_t seed = 0;
  if (const char* given = std::getenv("TERN_CHAOS_SEED"); given != nullptr) {  // NOLINT
    seed = std::stoull(given);
  } else {
    seed = std::random_device{}();
  }
  std::printf("%s seed %llu (replay with TERN_CHAOS_SEED=%llu)\n", what,
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace tern::chaos
