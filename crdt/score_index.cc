#include "crdt/score_index.h"

#include <algorithm>
#include <utility>

namespace tern::crdt {
namespace {

// Redis order: by score, then by member bytes.
bool before(double score_a, std::string_view member_a, double score_b, std::string_view member_b) {
  if (score_a != score_b) return score_a < score_b;
  return member_a < member_b;
}

}  // namespace

ScoreIndex::ScoreIndex(const ScoreIndex& other) : size_(other.size_) {
  Leaf* last_leaf = nullptr;
  root_ = copy(other.root_, &last_leaf);
}

ScoreIndex& ScoreIndex::operator=(const ScoreIndex& other) {
  if (this != &other) {
    ScoreIndex fresh(other);
    *this = std::move(fresh);
  }
  return *this;
}

ScoreIndex::ScoreIndex(ScoreIndex&& other) noexcept
    : root_(std::exchange(other.root_, nullptr)), size_(std::exchange(other.size_, 0)) {}

ScoreIndex& ScoreIndex::operator=(ScoreIndex&& other) noexcept {
  if (this != &other) {
    clear();
    root_ = std::exchange(other.root_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ScoreIndex::~ScoreIndex() { clear(); }

void ScoreIndex::clear() {
  destroy(root_);
  root_ = nullptr;
  size_ = 0;
}

void ScoreIndex::destroy(Node* n) {
  if (n == nullptr) return;
  if (n->is_leaf) {
    delete static_cast<Leaf*>(n);
    return;
  }
  auto* inner = static_cast<Inner*>(n);
  for (std::size_t i = 0; i < inner->count; ++i) destroy(inner->children[i]);  // depth <= ~6
  delete inner;
}

ScoreIndex::Node* ScoreIndex::copy(const Node* n, Leaf** last_leaf) {
  if (n == nullptr) return nullptr;
  if (n->is_leaf) {
    const auto* from = static_cast<const Leaf*>(n);
    auto* leaf = new Leaf(from->capacity);
    leaf->count = from->count;
    std::copy(from->entries, from->entries + from->count, leaf->entries);
    leaf->previous = *last_leaf;
    if (*last_leaf != nullptr) (*last_leaf)->next = leaf;
    *last_leaf = leaf;
    return leaf;
  }
  const auto* from = static_cast<const Inner*>(n);
  auto* inner = new Inner;
  inner->count = from->count;
  for (std::size_t i = 0; i < from->count; ++i) {
    inner->separators[i] = from->separators[i];
    inner->sizes[i] = from->sizes[i];
    inner->children[i] = copy(from->children[i], last_leaf);
  }
  return inner;
}

std::size_t ScoreIndex::node_size(const Node* n) {
  if (n->is_leaf) return n->count;
  const auto* inner = static_cast<const Inner*>(n);
  std::size_t total = 0;
  for (std::size_t i = 0; i < inner->count; ++i) total += inner->sizes[i];
  return total;
}

// The number of separators 1.. that order at or before the key: the child whose range holds it.
std::size_t ScoreIndex::child_for(const Inner& inner, double score, std::string_view member) {
  const Entry* first = inner.separators + 1;
  const Entry* last = inner.separators + inner.count;
  const Entry* after = std::partition_point(first, last, [&](const Entry& e) {
    return !before(score, member, e.score, e.member);  // e <= key
  });
  return static_cast<std::size_t>(after - first);
}

void ScoreIndex::insert(double score, std::string_view member) {
  if (root_ == nullptr) root_ = new Leaf(1);
  Split split;
  if (insert_into(root_, score, member, &split)) {
    auto* root = new Inner;
    root->count = 2;
    root->children[0] = root_;
    root->children[1] = split.right;
    root->sizes[0] = node_size(root_);
    root->sizes[1] = node_size(split.right);
    root->separators[1] = std::move(split.separator);
    root_ = root;
  }
  ++size_;
}

bool ScoreIndex::insert_into(Node* n, double score, std::string_view member, Split* split) {
  if (n->is_leaf) {
    auto* leaf = static_cast<Leaf*>(n);
    std::size_t at = static_cast<std::size_t>(
        std::partition_point(leaf->entries, leaf->entries + leaf->count,
                             [&](const Entry& e) { return before(e.score, e.member, score, member); }) -
        leaf->entries);
    if (leaf->count == leaf->capacity && leaf->capacity < kLeafCapacity) {
      // A lone root leaf grows by doubling (only the root can be smaller than a full leaf).
      const std::size_t grown = std::min(kLeafCapacity, leaf->capacity * 2);
      auto* entries = new Entry[grown];
      std::move(leaf->entries, leaf->entries + leaf->count, entries);
      delete[] leaf->entries;
      leaf->entries = entries;
      leaf->capacity = grown;
    }
    Leaf* target = leaf;
    bool did_split = false;
    if (leaf->count == leaf->capacity) {
      // Split in halves; the new leaf follows this one in the chain.
      auto* right = new Leaf(kLeafCapacity);
      const std::size_t keep = leaf->count / 2;
      std::move(leaf->entries + keep, leaf->entries + leaf->count, right->entries);
      right->count = static_cast<std::uint32_t>(leaf->count - keep);
      leaf->count = static_cast<std::uint32_t>(keep);
      right->next = leaf->next;
      right->previous = leaf;
      if (leaf->next != nullptr) leaf->next->previous = right;
      leaf->next = right;
      if (at > keep) {
        target = right;
        at -= keep;
      }
      split->right = right;
      did_split = true;
    }
    std::move_backward(target->entries + at, target->entries + target->count,
                       target->entries + target->count + 1);
    target->entries[at].score = score;
    target->entries[at].member.assign(member);
    ++target->count;
    if (did_split) split->separator = static_cast<Leaf*>(split->right)->entries[0];
    return did_split;
  }
  auto* inner = static_cast<Inner*>(n);
  const std::size_t i = child_for(*inner, score, member);
  Split below;
  if (!insert_into(inner->children[i], score, member, &below)) {
    ++inner->sizes[i];
    return false;
  }
  inner->sizes[i] = node_size(inner->children[i]);
  // Place the new child at i + 1, splitting this node first when it is full.
  Inner* target = inner;
  std::size_t at = i + 1;
  bool did_split = false;
  if (inner->count == kInnerCapacity) {
    auto* right = new Inner;
    const std::size_t keep = inner->count / 2;
    for (std::size_t j = keep; j < inner->count; ++j) {
      right->separators[j - keep] = std::move(inner->separators[j]);
      right->sizes[j - keep] = inner->sizes[j];
      right->children[j - keep] = inner->children[j];
    }
    right->count = static_cast<std::uint32_t>(inner->count - keep);
    inner->count = static_cast<std::uint32_t>(keep);
    if (at > keep) {
      target = right;
      at -= keep;
    }
    split->right = right;
    did_split = true;
  }
  for (std::size_t j = target->count; j > at; --j) {
    target->separators[j] = std::move(target->separators[j - 1]);
    target->sizes[j] = target->sizes[j - 1];
    target->children[j] = target->children[j - 1];
  }
  target->separators[at] = std::move(below.separator);
  target->sizes[at] = node_size(below.right);
  target->children[at] = below.right;
  ++target->count;
  // The right half's first separator bounds all of it: it moves up as the parent's.
  if (did_split) split->separator = static_cast<Inner*>(split->right)->separators[0];
  return did_split;
}

void ScoreIndex::erase(double score, std::string_view member) {
  if (root_ == nullptr || !erase_from(root_, score, member)) return;
  --size_;
  if (root_->count == 0) {
    destroy(root_);
    root_ = nullptr;
  } else if (!root_->is_leaf && root_->count == 1) {
    auto* old = static_cast<Inner*>(root_);
    root_ = old->children[0];
    delete old;
  }
}

bool ScoreIndex::erase_from(Node* n, double score, std::string_view member) {
  if (n->is_leaf) {
    auto* leaf = static_cast<Leaf*>(n);
    Entry* end = leaf->entries + leaf->count;
    Entry* at = std::partition_point(leaf->entries, end,
                                     [&](const Entry& e) { return before(e.score, e.member, score, member); });
    if (at == end || at->score != score || at->member != member) return false;
    std::move(at + 1, end, at);
    --leaf->count;
    return true;
  }
  auto* inner = static_cast<Inner*>(n);
  const std::size_t i = child_for(*inner, score, member);
  if (!erase_from(inner->children[i], score, member)) return false;
  --inner->sizes[i];
  Node* child = inner->children[i];
  if (child->count == 0) {
    remove_child(*inner, i);
  } else if (child->is_leaf && child->count < kLeafCapacity / 4) {
    merge_small_leaf(*inner, i);
  }
  return true;
}

// Moves a small leaf's entries into a neighbour under the same parent when they fit in
// three quarters of a leaf, so merged leaves do not split again at once.
void ScoreIndex::merge_small_leaf(Inner& parent, std::size_t i) {
  constexpr std::size_t kFits = kLeafCapacity * 3 / 4;
  const auto merge_into_left = [&](std::size_t left_index) {
    auto* left = static_cast<Leaf*>(parent.children[left_index]);
    auto* right = static_cast<Leaf*>(parent.children[left_index + 1]);
    std::move(right->entries, right->entries + right->count, left->entries + left->count);
    left->count += right->count;
    parent.sizes[left_index] += parent.sizes[left_index + 1];
    right->count = 0;
    remove_child(parent, left_index + 1);
  };
  const Node* child = parent.children[i];
  if (i > 0 && parent.children[i - 1]->count + child->count <= kFits) {
    merge_into_left(i - 1);
  } else if (i + 1 < parent.count && parent.children[i + 1]->count + child->count <= kFits) {
    merge_into_left(i);
  }
}

// Removes child i (empty) and its separator: its neighbour's range widens over it, which
// keeps every separator a bound.
void ScoreIndex::remove_child(Inner& parent, std::size_t i) {
  Node* child = parent.children[i];
  if (child->is_leaf) {
    auto* leaf = static_cast<Leaf*>(child);
    if (leaf->previous != nullptr) leaf->previous->next = leaf->next;
    if (leaf->next != nullptr) leaf->next->previous = leaf->previous;
  }
  destroy(child);
  for (std::size_t j = i; j + 1 < parent.count; ++j) {
    parent.separators[j] = std::move(parent.separators[j + 1]);
    parent.sizes[j] = parent.sizes[j + 1];
    parent.children[j] = parent.children[j + 1];
  }
  --parent.count;
}

ScoreIndex::Position ScoreIndex::locate_rank(std::size_t rank) const {
  const Node* n = root_;
  while (!n->is_leaf) {
    const auto* inner = static_cast<const Inner*>(n);
    std::size_t i = 0;
    while (rank >= inner->sizes[i]) rank -= inner->sizes[i++];
    n = inner->children[i];
  }
  return Position{static_cast<const Leaf*>(n), rank};
}

const ScoreIndex::Entry& ScoreIndex::at(std::size_t rank) const {
  const Position p = locate_rank(rank);
  return p.leaf->entries[p.offset];
}

template <typename Below>
std::size_t ScoreIndex::count_prefix(Below&& below) const {
  std::size_t count = 0;
  const Node* n = root_;
  if (n == nullptr) return 0;
  while (!n->is_leaf) {
    const auto* inner = static_cast<const Inner*>(n);
    // Children before the last one whose separator is below lie wholly below.
    const Entry* first = inner->separators + 1;
    const std::size_t i = static_cast<std::size_t>(
        std::partition_point(first, inner->separators + inner->count, below) - first);
    for (std::size_t j = 0; j < i; ++j) count += inner->sizes[j];
    n = inner->children[i];
  }
  const auto* leaf = static_cast<const Leaf*>(n);
  return count + static_cast<std::size_t>(
                     std::partition_point(leaf->entries, leaf->entries + leaf->count, below) - leaf->entries);
}

std::size_t ScoreIndex::rank(double score, std::string_view member) const {
  return count_prefix([&](const Entry& e) { return before(e.score, e.member, score, member); });
}

std::size_t ScoreIndex::count_below_score(double score, bool exclusive) const {
  return count_prefix([&](const Entry& e) { return exclusive ? e.score <= score : e.score < score; });
}

std::size_t ScoreIndex::count_below_member(std::string_view member, bool exclusive) const {
  return count_prefix([&](const Entry& e) { return exclusive ? e.member <= member : e.member < member; });
}

}  // namespace tern::crdt
