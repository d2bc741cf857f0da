#pragma once
// The election's hard state (term, vote, commit) on disk, so a restarted node never votes
// twice in a term (Raft §5.2, Figure 2 "persistent state"). One small text file, replaced
// atomically: written to "<path>.tmp", fsync'd, renamed over the old one, then the directory is
// fsync'd so the rename itself survives a crash.
#include <string>
#include <variant>

#include "replication/election/types.h"

namespace tern::node {

struct HardStateError {
  std::string message;
};

// A missing file is the initial state (term 0, no vote); a file that cannot be read or parsed is
// an error naming it: starting with a forgotten vote could let the node vote twice.
std::variant<election::HardState, HardStateError> load_hard_state(const std::string& path);
// Empty on success, else why it failed.
std::string save_hard_state(const std::string& path, const election::HardState& state);

}  // namespace tern::node
