// See log.h for the layout and its invariants.
#include "replication/election/log.h"

#include <algorithm>
#include <cassert>
#include <utility>

namespace tern::election {

RaftLog::RaftLog(EntryId snapshot_last, std::vector<Entry> persisted_entries, LogIndex commit)
    : snapshot_last_(snapshot_last) {
  for (Entry& entry : persisted_entries) {
    // Storage may still hold entries the snapshot covers, or (after a crash between writes) a
    // gap; keep only the contiguous run after the snapshot point.
    if (entry.index != next(last_index())) {
      if (entry.index <= last_index()) continue;
      break;
    }
    entries_.push_back(std::move(entry));
  }
  commit_ = std::clamp(commit, snapshot_last_.index, last_index());
  applied_ = snapshot_last_.index;
  unpersisted_from_ = next(last_index());
}

LogIndex RaftLog::last_index() const {
  return LogIndex{snapshot_last_.index.value + entries_.size()};
}

EntryId RaftLog::last_id() const {
  if (entries_.empty()) return snapshot_last_;
  return entries_.back().id();
}

std::optional<Term> RaftLog::term_at(LogIndex index) const {
  if (index == snapshot_last_.index) return snapshot_last_.term;
  if (index < first_index() || index > last_index()) return std::nullopt;
  return entries_[offset_of(index)].term;
}

const Entry* RaftLog::entry_at(LogIndex index) const {
  if (index < first_index() || index > last_index()) return nullptr;
  return &entries_[offset_of(index)];
}

bool RaftLog::candidate_is_up_to_date(EntryId candidate_last) const {
  const EntryId mine = last_id();
  return candidate_last.term > mine.term ||
         (candidate_last.term == mine.term && candidate_last.index >= mine.index);
}

EntryId RaftLog::find_conflict_by_term(LogIndex index, Term term) const {
  index = std::min(index, last_index());
  while (index > snapshot_last_.index) {
    const Term at = *term_at(index);
    if (at <= term) return {at, index};
    index = previous(index);
  }
  return snapshot_last_;
}

std::vector<Entry> RaftLog::slice(LogIndex from, std::size_t max_entries) const {
  std::vector<Entry> out;
  if (from < first_index()) return out;
  for (LogIndex index = from; index <= last_index() && out.size() < max_entries;
       index = next(index)) {
    out.push_back(entries_[offset_of(index)]);
  }
  return out;
}

EntryId RaftLog::append(Term term, EntryKind kind, std::string payload) {
  const LogIndex index = next(last_index());
  entries_.push_back(Entry{term, index, kind, std::move(payload)});
  unpersisted_from_ = std::min(unpersisted_from_, index);
  return {term, index};
}

std::optional<LogIndex> RaftLog::append_after(EntryId prev, const std::vector<Entry>& entries) {
  if (!holds(prev)) return std::nullopt;
  LogIndex expected = next(prev.index);
  for (const Entry& entry : entries) {
    // A malformed request (non-contiguous indexes) is answered as if it ended here.
    if (entry.index != expected) break;
    expected = next(expected);
    if (entry.index <= snapshot_last_.index) continue;  // covered by our snapshot: committed
    const std::optional<Term> present = term_at(entry.index);
    if (present == entry.term) continue;
    if (present.has_value()) {
      // Conflict (§5.3): delete the existing entry and all that follow it.
      // A committed entry is never overwritten (§5.4): only a faulty or hostile leader sends
      // such a conflict, and it is refused, in every build.
      if (entry.index <= commit_) return std::nullopt;
      entries_.resize(offset_of(entry.index));
    }
    entries_.push_back(entry);
    unpersisted_from_ = std::min(unpersisted_from_, entry.index);
  }
  return previous(expected);
}

void RaftLog::commit_to(LogIndex index) {
  commit_ = std::max(commit_, std::min(index, last_index()));
}

std::vector<Entry> RaftLog::take_committed() {
  std::vector<Entry> out;
  for (LogIndex index = next(applied_); index <= commit_; index = next(index)) {
    out.push_back(entries_[offset_of(index)]);
  }
  applied_ = commit_;
  return out;
}

std::vector<Entry> RaftLog::take_unpersisted() {
  std::vector<Entry> out;
  if (unpersisted_from_ < first_index()) unpersisted_from_ = first_index();
  for (LogIndex index = unpersisted_from_; index <= last_index(); index = next(index)) {
    out.push_back(entries_[offset_of(index)]);
  }
  unpersisted_from_ = next(last_index());
  return out;
}

void RaftLog::compact(LogIndex index) {
  assert(index <= applied_ && index > snapshot_last_.index);
  const Term term = *term_at(index);
  entries_.erase(entries_.begin(),
                 entries_.begin() + static_cast<std::ptrdiff_t>(offset_of(index) + 1));
  snapshot_last_ = {term, index};
}

void RaftLog::restore(EntryId snapshot_last) {
  entries_.clear();
  snapshot_last_ = snapshot_last;
  commit_ = snapshot_last.index;
  applied_ = snapshot_last.index;
  unpersisted_from_ = next(snapshot_last.index);
}

}  // namespace tern::election
