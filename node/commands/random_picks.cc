#include "node/commands/random_picks.h"

#include <algorithm>
#include <numeric>

namespace tern::node {

std::mt19937_64& command_rng() {
  static std::mt19937_64 rng{std::random_device{}()};
  return rng;
}

std::vector<std::size_t> random_indexes(std::size_t size, long long count) {
  std::vector<std::size_t> out;
  if (size == 0 || count == 0) return out;
  auto& rng = command_rng();
  if (count < 0) {
    std::uniform_int_distribution<std::size_t> pick(0, size - 1);
    const auto n = static_cast<std::size_t>(-(count + 1)) + 1;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(pick(rng));
    return out;
  }
  const auto n = std::min(size, static_cast<std::size_t>(count));
  out.resize(size);
  std::iota(out.begin(), out.end(), 0);
  // Partial Fisher-Yates: the first n are a uniform sample without repetition.
  for (std::size_t i = 0; i < n; ++i) {
    std::uniform_int_distribution<std::size_t> pick(i, size - 1);
    std::swap(out[i], out[pick(rng)]);
  }
  out.resize(n);
  return out;
}

}  // namespace tern::node
