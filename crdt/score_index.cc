#include "crdt/score_index.h"

#include <utility>
#include <vector>

namespace tern::crdt {
namespace {

// Redis order: by score, then by member bytes.
bool before(double score_a, std::string_view member_a, double score_b, std::string_view member_b) {
  if (score_a != score_b) return score_a < score_b;
  return member_a < member_b;
}

}  // namespace

struct ScoreIndex::Node {
  Entry entry;
  std::uint64_t priority;
  std::size_t size = 1;
  std::unique_ptr<Node> left;
  std::unique_ptr<Node> right;
};

ScoreIndex::ScoreIndex() = default;
ScoreIndex::ScoreIndex(ScoreIndex&&) noexcept = default;
ScoreIndex& ScoreIndex::operator=(ScoreIndex&&) noexcept = default;

ScoreIndex::ScoreIndex(const ScoreIndex& other)
    : root_(copy(other.root_.get())), priority_state_(other.priority_state_) {}

ScoreIndex& ScoreIndex::operator=(const ScoreIndex& other) {
  if (this != &other) {
    root_ = copy(other.root_.get());
    priority_state_ = other.priority_state_;
  }
  return *this;
}

ScoreIndex::~ScoreIndex() { clear(); }

void ScoreIndex::clear() {
  // Iterative teardown: a deep recursive destructor could overflow the stack on a large index.
  std::unique_ptr<Node> stack = std::move(root_);
  while (stack) {
    if (stack->left) {
      std::unique_ptr<Node> left = std::move(stack->left);
      stack->left = std::move(left->right);
      left->right = std::move(stack);
      stack = std::move(left);
    } else {
      stack = std::move(stack->right);
    }
  }
}

std::unique_ptr<ScoreIndex::Node> ScoreIndex::copy(const Node* n) {
  if (n == nullptr) return nullptr;
  auto out = std::make_unique<Node>(Node{n->entry, n->priority, n->size, nullptr, nullptr});
  out->left = copy(n->left.get());  // depth is O(log n) with high probability
  out->right = copy(n->right.get());
  return out;
}

std::size_t ScoreIndex::size_of(const Node* n) { return n == nullptr ? 0 : n->size; }

void ScoreIndex::update(Node* n) { n->size = 1 + size_of(n->left.get()) + size_of(n->right.get()); }

// Splits `n` into entries ordered before (score, member) and the rest.
void ScoreIndex::split(std::unique_ptr<Node> n, double score, std::string_view member, std::unique_ptr<Node>* left,
                       std::unique_ptr<Node>* right) {
  if (!n) {
    left->reset();
    right->reset();
    return;
  }
  if (before(n->entry.score, n->entry.member, score, member)) {
    std::unique_ptr<Node> l;
    std::unique_ptr<Node> r;
    split(std::move(n->right), score, member, &l, &r);
    n->right = std::move(l);
    update(n.get());
    *left = std::move(n);
    *right = std::move(r);
  } else {
    std::unique_ptr<Node> l;
    std::unique_ptr<Node> r;
    split(std::move(n->left), score, member, &l, &r);
    n->left = std::move(r);
    update(n.get());
    *left = std::move(l);
    *right = std::move(n);
  }
}

std::unique_ptr<ScoreIndex::Node> ScoreIndex::merge(std::unique_ptr<Node> left, std::unique_ptr<Node> right) {
  if (!left) return right;
  if (!right) return left;
  if (left->priority > right->priority) {
    left->right = merge(std::move(left->right), std::move(right));
    update(left.get());
    return left;
  }
  right->left = merge(std::move(left), std::move(right->left));
  update(right.get());
  return right;
}

void ScoreIndex::insert(double score, std::string_view member) {
  priority_state_ ^= priority_state_ << 13;
  priority_state_ ^= priority_state_ >> 7;
  priority_state_ ^= priority_state_ << 17;
  auto node = std::make_unique<Node>(Node{Entry{score, std::string(member)}, priority_state_, 1, nullptr, nullptr});
  std::unique_ptr<Node> left;
  std::unique_ptr<Node> right;
  split(std::move(root_), score, member, &left, &right);
  root_ = merge(merge(std::move(left), std::move(node)), std::move(right));
}

void ScoreIndex::erase(double score, std::string_view member) {
  // Walk down to the node, remembering the path; replace it by the merge of its children,
  // then shrink the sizes on the path bottom-up (the path is O(log n) long).
  std::vector<Node*> path;
  std::unique_ptr<Node>* link = &root_;
  while (*link) {
    Node* n = link->get();
    if (n->entry.score == score && n->entry.member == member) {
      *link = merge(std::move(n->left), std::move(n->right));
      break;
    }
    path.push_back(n);
    link = before(score, member, n->entry.score, n->entry.member) ? &n->left : &n->right;
  }
  for (auto it = path.rbegin(); it != path.rend(); ++it) update(*it);
}

std::size_t ScoreIndex::size() const { return size_of(root_.get()); }

std::size_t ScoreIndex::rank(double score, std::string_view member) const {
  std::size_t rank = 0;
  const Node* n = root_.get();
  while (n != nullptr) {
    if (before(n->entry.score, n->entry.member, score, member)) {
      rank += size_of(n->left.get()) + 1;
      n = n->right.get();
    } else if (n->entry.score == score && n->entry.member == member) {
      return rank + size_of(n->left.get());
    } else {
      n = n->left.get();
    }
  }
  return rank;
}

const ScoreIndex::Entry& ScoreIndex::at(std::size_t rank) const {
  const Node* n = root_.get();
  while (true) {
    const std::size_t left = size_of(n->left.get());
    if (rank < left) {
      n = n->left.get();
    } else if (rank == left) {
      return n->entry;
    } else {
      rank -= left + 1;
      n = n->right.get();
    }
  }
}

std::size_t ScoreIndex::count_below_score(double score, bool exclusive) const {
  std::size_t count = 0;
  const Node* n = root_.get();
  while (n != nullptr) {
    const bool below = exclusive ? n->entry.score <= score : n->entry.score < score;
    if (below) {
      count += size_of(n->left.get()) + 1;
      n = n->right.get();
    } else {
      n = n->left.get();
    }
  }
  return count;
}

std::size_t ScoreIndex::count_below_member(std::string_view member, bool exclusive) const {
  std::size_t count = 0;
  const Node* n = root_.get();
  while (n != nullptr) {
    const bool below = exclusive ? n->entry.member <= member : n->entry.member < member;
    if (below) {
      count += size_of(n->left.get()) + 1;
      n = n->right.get();
    } else {
      n = n->left.get();
    }
  }
  return count;
}

}  // namespace tern::crdt
