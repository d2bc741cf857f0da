#pragma once
// The in-memory region log of one node: a snapshot point followed by the entries after it.
//
//   [compacted ... snapshot_last] [first_index ... applied ... commit ... last_index]
//                                  ^ entries_                             ^
//
// Invariants: snapshot_last.index <= applied <= commit <= last_index; entries_ are contiguous
// from first_index; committed entries are never truncated (Leader Completeness, §5.4, makes
// every leader's log agree with them, so a truncation of one means a bug, and is asserted).
//
// Besides the entries the log tracks which suffix has not yet been handed to storage
// (`take_unpersisted`) and which committed entries have not yet been handed to the application
// (`take_committed`). It does no I/O itself.
#include <cstddef>
#include <optional>
#include <vector>

#include "replication/election/types.h"

namespace tern::election {

class RaftLog {
 public:
  // Rebuilds the log from what a node persisted. Entries at or below the snapshot are skipped;
  // `commit` is clamped into [snapshot index, last index].
  RaftLog(EntryId snapshot_last, std::vector<Entry> persisted_entries, LogIndex commit);

  [[nodiscard]] EntryId snapshot_last() const { return snapshot_last_; }
  [[nodiscard]] LogIndex first_index() const { return next(snapshot_last_.index); }
  [[nodiscard]] LogIndex last_index() const;
  [[nodiscard]] EntryId last_id() const;
  [[nodiscard]] LogIndex commit() const { return commit_; }
  [[nodiscard]] LogIndex applied() const { return applied_; }

  // The term of the entry at `index`, or nullopt if it is compacted (below the snapshot point)
  // or beyond the end. The snapshot point itself still has a known term.
  [[nodiscard]] std::optional<Term> term_at(LogIndex index) const;
  [[nodiscard]] bool holds(EntryId id) const { return term_at(id.index) == id.term; }
  [[nodiscard]] const Entry* entry_at(LogIndex index) const;

  // §5.4.1: a log whose last entry has a later term is more up to date; with equal last terms
  // the longer log is.
  [[nodiscard]] bool candidate_is_up_to_date(EntryId candidate_last) const;

  // The last index at or below `index` whose term is <= `term` (and its term). Used on both
  // sides of the fast back-off: the follower proposes it as a hint, the leader maps the hint
  // into its own log.
  [[nodiscard]] EntryId find_conflict_by_term(LogIndex index, Term term) const;

  // Entries [from, last] but at most `max_entries`; empty if `from` is compacted.
  [[nodiscard]] std::vector<Entry> slice(LogIndex from, std::size_t max_entries) const;

  // Leader side: appends one entry at last_index + 1 with the given term.
  EntryId append(Term term, EntryKind kind, std::string payload);

  // Follower side of AppendEntries (§5.3): if the log holds `prev`, append `entries`, first
  // truncating at the first entry whose term conflicts; entries already present are kept (a
  // duplicated or reordered older AppendEntries must not truncate a longer matching log).
  // Returns the index of the last entry of the request, or nullopt if `prev` is not held.
  std::optional<LogIndex> append_after(EntryId prev, const std::vector<Entry>& entries);

  // Raises the commit index; never lowers it, never beyond last_index.
  void commit_to(LogIndex index);

  // Committed entries not yet handed to the application; marks them applied.
  std::vector<Entry> take_committed();
  // Entries appended or rewritten since the last call, in index order. Storage must delete any
  // persisted entry at or after the first returned index before writing them.
  std::vector<Entry> take_unpersisted();
  [[nodiscard]] bool has_unpersisted() const { return unpersisted_from_ <= last_index(); }

  // Drops entries up to `index` (which must be applied) behind a snapshot point (§7).
  void compact(LogIndex index);
  // Replaces the whole log with a snapshot point (a snapshot from the leader, §7): everything is
  // discarded, commit and applied move to the snapshot.
  void restore(EntryId snapshot_last);

 private:
  [[nodiscard]] std::size_t offset_of(LogIndex index) const {
    return static_cast<std::size_t>(index.value - first_index().value);
  }

  EntryId snapshot_last_;
  std::vector<Entry> entries_;
  LogIndex commit_;
  LogIndex applied_;
  LogIndex unpersisted_from_;
};

}  // namespace tern::election
