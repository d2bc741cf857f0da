#pragma once
// Deliberate bugs that test the tests. A normal build has none. `tests/crdt/mutants.sh`
// builds the library once per mutant (CMake -DTERN_CRDT_MUTANT=N) and requires the
// convergence property test to FAIL for each: a property test that cannot catch these four
// classic CRDT mistakes would prove nothing.
namespace tern::crdt {

enum class Mutant : int {
  kNone = 0,
  kNoRegionTieBreak = 1,       // last-writer-wins ignores the region on equal clock readings
  kFloatsInArrivalOrder = 2,   // counter entries kept (and float sums added) in arrival order
  kDeleteAsLastWriterWins = 3, // DEL removes everything stamped before it, seen or not
  kGarbageOnLocalVector = 4,   // garbage collection trusts the local applied vector
};

#ifdef TERN_CRDT_MUTANT
inline constexpr Mutant kMutant = static_cast<Mutant>(TERN_CRDT_MUTANT);
#else
inline constexpr Mutant kMutant = Mutant::kNone;
#endif

}  // namespace tern::crdt
