#pragma once
// ScoreIndex: a sorted set's visible members in Redis order (score, then member bytes), with
// rank queries in O(log n): ZRANK, ZRANGE by rank, and the start of score and lex ranges.
// It is derived data: KeyState keeps it equal to what its registers show, so it never takes
// part in merge or digest.
//
// A treap (a binary search tree whose nodes also carry random priorities, kept in heap order)
// with subtree sizes. Priorities come from a fixed-seed generator, so the shape, and with it
// the cost, is the same on every run and every region.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace tern::crdt {

class ScoreIndex {
 public:
  struct Entry {
    double score;
    std::string member;
  };

  ScoreIndex();
  ScoreIndex(const ScoreIndex& other);
  ScoreIndex& operator=(const ScoreIndex& other);
  ScoreIndex(ScoreIndex&&) noexcept;
  ScoreIndex& operator=(ScoreIndex&&) noexcept;
  ~ScoreIndex();

  // The pair must not be present / must be present.
  void insert(double score, std::string_view member);
  void erase(double score, std::string_view member);
  void clear();

  [[nodiscard]] std::size_t size() const;
  // 0-based rank of a present pair.
  [[nodiscard]] std::size_t rank(double score, std::string_view member) const;
  // The entry at a rank (< size()).
  [[nodiscard]] const Entry& at(std::size_t rank) const;
  // How many entries order before the first entry with score >= s (or > s when exclusive).
  [[nodiscard]] std::size_t count_below_score(double score, bool exclusive) const;
  // How many entries order before the first member >= m (or > m), for sets whose scores are
  // all equal (lex ranges are only defined there, as in Redis).
  [[nodiscard]] std::size_t count_below_member(std::string_view member, bool exclusive) const;

 private:
  struct Node;
  static std::size_t size_of(const Node* n);
  static void update(Node* n);
  static void split(std::unique_ptr<Node> n, double score, std::string_view member,
                    std::unique_ptr<Node>* left, std::unique_ptr<Node>* right);
  static std::unique_ptr<Node> merge(std::unique_ptr<Node> left, std::unique_ptr<Node> right);
  static std::unique_ptr<Node> copy(const Node* n);

  std::unique_ptr<Node> root_;
  std::uint64_t priority_state_ = 0x2545F4914F6CDD1DULL;
};

}  // namespace tern::crdt
