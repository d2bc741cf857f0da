#pragma once
// Field-by-field equality of Ops for the codec test and the fuzz target: long doubles bit for
// bit, sign of zero included, because they reach the keyspace digest.
#include <cmath>
#include <vector>

#include "crdt/op.h"

namespace tern::crdt {

inline bool same_long_double(long double a, long double b) {
  return a == b && std::signbit(a) == std::signbit(b);
}

inline bool same_entries(const std::vector<CounterEntry>& a, const std::vector<CounterEntry>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].group != b[i].group || a[i].first != b[i].first || a[i].last != b[i].last ||
        a[i].int_sum != b[i].int_sum || !same_long_double(a[i].float_sum, b[i].float_sum)) {
      return false;
    }
  }
  return true;
}

inline bool same_registers(const std::vector<RegisterObservations>& a,
                           const std::vector<RegisterObservations>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].target != b[i].target || a[i].path != b[i].path ||
        !same_entries(a[i].entries, b[i].entries)) {
      return false;
    }
  }
  return true;
}

}  // namespace tern::crdt
