#pragma once
// 128-bit integers: counters add per-region 64-bit contributions exactly before checking
// the int64 range. `__extension__` keeps -Wpedantic quiet about the GNU type.
namespace tern::crdt {
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UnsignedInt128;
}  // namespace tern::crdt
