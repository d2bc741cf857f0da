#include "chaos/link_faults.h"

namespace tern::chaos {

bool StallSchedule::active_at(Instant t) const {
  if (duration.count() <= 0 || t < start) return false;
  const Nanoseconds since = t - start;
  if (period.count() <= 0) return since < duration;
  return since % period < duration;
}

Instant StallSchedule::clear_from(Instant t) const {
  if (!active_at(t)) return t;
  const Nanoseconds since = t - start;
  if (period.count() <= 0) return start + duration;
  return start + (since / period) * period + duration;
}

}  // namespace tern::chaos
