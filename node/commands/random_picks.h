#pragma once
// Random choices for SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER and RANDOMKEY, with Redis's
// count rules: a positive count gives distinct elements (at most all of them), a negative
// count gives |count| picks that may repeat.
#include <cstdint>
#include <random>
#include <vector>

namespace tern::node {

std::mt19937_64& command_rng();
// Indexes into a collection of `size` elements, per Redis's count rules.
std::vector<std::size_t> random_indexes(std::size_t size, long long count);

}  // namespace tern::node
