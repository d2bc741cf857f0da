#pragma once
// What a node's disk holds, written the way Output's contract says (raft_state_machine.h): the
// snapshot replaces the log, entries overwrite from their first index, then the hard state.
// A restart rebuilds the state machine from `persisted` alone.
#include <algorithm>

#include "replication/election/raft_state_machine.h"

namespace tern::election::testing {

struct NodeStorage {
  PersistedState persisted;

  void persist(const Output& output) {
    if (output.snapshot) {
      persisted.snapshot = *output.snapshot;
      persisted.entries.clear();
    }
    if (!output.entries.empty()) {
      const LogIndex first = output.entries.front().index;
      std::erase_if(persisted.entries,
                    [first](const Entry& entry) { return entry.index >= first; });
      persisted.entries.insert(persisted.entries.end(), output.entries.begin(),
                               output.entries.end());
    }
    if (output.hard_state) persisted.hard_state = *output.hard_state;
  }

  // The application took a snapshot and the state machine compacted its log to it.
  void save_snapshot(Snapshot snapshot) {
    const LogIndex last = snapshot.meta.last_included.index;
    std::erase_if(persisted.entries, [last](const Entry& entry) { return entry.index <= last; });
    persisted.snapshot = std::move(snapshot);
  }
};

}  // namespace tern::election::testing
