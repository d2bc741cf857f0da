#pragma once
// What the process uses, from the allocator and /proc: used_memory (bytes the program holds
// from malloc, like Redis's zmalloc_used_memory), RSS, and the machine's total memory.
#include <cstdint>
#include <string>

namespace tern::node {

std::uint64_t heap_bytes_in_use();
std::uint64_t resident_set_bytes();
std::uint64_t total_system_memory_bytes();
std::string process_executable();

}  // namespace tern::node
