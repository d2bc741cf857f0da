#pragma once
// ScoreIndex: a sorted set's visible members in Redis order (score, then member bytes), with
// rank queries in O(log n): ZRANK, ZRANGE by rank, and the start of score and lex ranges.
// It is derived data: KeyState keeps it equal to what its registers show, so it never takes
// part in merge or digest.
//
// An order-statistic B+tree. Leaves hold up to kLeafCapacity entries in order and are linked
// both ways, so a range walks them without climbing back. Inner nodes hold, per child, the
// number of entries below it and a separator: every entry of child i orders at or after
// separator i and before separator i + 1 (separator 0 is unused). Separators are copied at
// splits and never updated, so after erases they are bounds rather than members; that is all
// the descent needs. With 32 entries per node a million members are four levels deep: an
// insert or rank touches about four nodes, where a binary tree (the treap this replaced)
// touched thirty, each a cache miss.
//
// Memory: a leaf made by a split holds 32 entries' room; a small set's lone leaf grows from
// one entry by doubling.
//
// Erase merges a leaf that falls under a quarter full into a neighbour under the same parent
// when they fit together, and removes emptied nodes; inner nodes are not rebalanced otherwise
// (they are few, and the depth never grows on erase).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tern::crdt {

class ScoreIndex {
 public:
  struct Entry {
    double score = 0;
    std::string member;
  };

  ScoreIndex() = default;
  ScoreIndex(const ScoreIndex& other);
  ScoreIndex& operator=(const ScoreIndex& other);
  ScoreIndex(ScoreIndex&& other) noexcept;
  ScoreIndex& operator=(ScoreIndex&& other) noexcept;
  ~ScoreIndex();

  // The pair must not be present / must be present.
  void insert(double score, std::string_view member);
  void erase(double score, std::string_view member);
  void clear();

  [[nodiscard]] std::size_t size() const { return size_; }
  // 0-based rank of a present pair.
  [[nodiscard]] std::size_t rank(double score, std::string_view member) const;
  // The entry at a rank (< size()).
  [[nodiscard]] const Entry& at(std::size_t rank) const;
  // How many entries order before the first entry with score >= s (or > s when exclusive).
  [[nodiscard]] std::size_t count_below_score(double score, bool exclusive) const;
  // How many entries order before the first member >= m (or > m), for sets whose scores are
  // all equal (lex ranges are only defined there, as in Redis).
  [[nodiscard]] std::size_t count_below_member(std::string_view member, bool exclusive) const;

  // Calls visit(entry) for the ranks [first, end) in order, or in reverse order when
  // `reverse` (end - 1 down to first): O(log n) to find the start, then O(1) per entry.
  template <typename Visit>
  void visit_ranks(std::size_t first, std::size_t end, bool reverse, Visit&& visit) const {
    if (first >= end || end > size_) return;
    Position p = locate_rank(reverse ? end - 1 : first);
    for (std::size_t n = end - first; n > 0; --n) {
      visit(static_cast<const Entry&>(p.leaf->entries[p.offset]));
      if (n == 1) break;
      if (reverse) {
        if (p.offset == 0) {
          p.leaf = p.leaf->previous;
          p.offset = p.leaf->count;
        }
        --p.offset;
      } else if (++p.offset == p.leaf->count) {
        p.leaf = p.leaf->next;
        p.offset = 0;
      }
    }
  }

 private:
  static constexpr std::size_t kLeafCapacity = 32;
  static constexpr std::size_t kInnerCapacity = 32;
  struct Node {
    bool is_leaf = true;
    std::uint32_t count = 0;  // entries (leaf) or children (inner)
  };
  // Entries live in their own array: a leaf made by a split gets kLeafCapacity of them, while
  // a lone root leaf (a small sorted set) starts with one and doubles, so a one-member set
  // does not pay for 32.
  struct Leaf : Node {
    explicit Leaf(std::size_t slots) : capacity(slots), entries(new Entry[slots]) {}
    ~Leaf() { delete[] entries; }
    Leaf(const Leaf&) = delete;
    Leaf& operator=(const Leaf&) = delete;
    std::size_t capacity;
    Entry* entries;
    Leaf* previous = nullptr;
    Leaf* next = nullptr;
  };
  struct Inner : Node {
    Inner() { is_leaf = false; }
    Entry separators[kInnerCapacity];
    std::size_t sizes[kInnerCapacity] = {};
    Node* children[kInnerCapacity] = {};
  };
  struct Position {
    const Leaf* leaf;
    std::size_t offset;
  };
  // A node split in two: the new right half and the first key it holds.
  struct Split {
    Node* right = nullptr;
    Entry separator;
  };

  static std::size_t node_size(const Node* n);
  static void destroy(Node* n);
  // Copies `n`; `last_leaf` threads the leaf links in order.
  static Node* copy(const Node* n, Leaf** last_leaf);
  static std::size_t child_for(const Inner& inner, double score, std::string_view member);
  static bool insert_into(Node* n, double score, std::string_view member, Split* split);
  // Erases from the subtree; false when the pair is not there.
  bool erase_from(Node* n, double score, std::string_view member);
  void merge_small_leaf(Inner& parent, std::size_t i);
  void remove_child(Inner& parent, std::size_t i);
  [[nodiscard]] Position locate_rank(std::size_t rank) const;
  // How many entries satisfy `below`, which is true on a prefix of the order.
  template <typename Below>
  [[nodiscard]] std::size_t count_prefix(Below&& below) const;

  Node* root_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace tern::crdt
