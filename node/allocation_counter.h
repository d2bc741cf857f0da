#pragma once
// used_memory as Redis reports it: the bytes the program holds from the allocator, counted
// on every C++ allocation and free (Redis does the same in zmalloc). Only tern-server links
// the counting operators (node/allocation_counter.cc); libraries and tests do not.
#include <cstdint>

namespace tern::node {

std::uint64_t counted_heap_bytes();

}  // namespace tern::node
