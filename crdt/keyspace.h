#pragma once
// Keyspace: the replicated state of one region: every database's keys, and the vector of
// what it has applied. Applying is idempotent (an op whose stamp the applied vector covers
// is a duplicate) and the join of two keyspaces is a state merge, so a snapshot is merged
// exactly like a stream of ops.
//
// Delivery contract (the replication layer keeps it; tests/crdt simulate it): ops of one
// origin are applied in their origin's order, and an op is applied only after every op its
// context covers. Under that contract "covered by the applied vector" means "applied here".
//
// A database is a KeyTable (key_table.h): one heap block per key holding its KeyState and
// the key's bytes, found through an open-addressing slot array; it also gives a server SCAN
// with Redis's cursor guarantee and uniform random sampling (RANDOMKEY, eviction).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "crdt/key_state.h"
#include "crdt/key_table.h"
#include "crdt/op.h"
#include "crdt/stamp_vector.h"

namespace tern::crdt {

class Keyspace {
 public:
  using Database = KeyTable<KeyState>;

  // `hash_seed` keys every database's hash (a server passes a random one: see key_table.h).
  explicit Keyspace(std::uint32_t databases = 16, std::uint64_t hash_seed = kDefaultKeyHashSeed)
      : databases_(databases, Database(hash_seed)) {}

  // Applies an op; returns false for a duplicate or an op naming a database out of range.
  bool apply(const Op& op);
  // State merge with another region's keyspace (snapshot transfer).
  void join(const Keyspace& other);
  // Drops tombstones and metadata that `stable` (what every region has applied, see
  // crdt/README.md "Garbage collection") proves can never matter again.
  void collect_garbage(const StampVector& stable);

  // Snapshot restore (replication/snapshot_reader.h): a keyspace rebuilt key by key from
  // states KeyState::from_parts checked against the applied vector the snapshot carries, which
  // is installed first. insert_restored refuses (false) a database out of range, an empty
  // state and a key already present: a snapshot names each key once.
  void restore_applied(const StampVector& applied) { applied_ = applied; }
  bool insert_restored(std::uint32_t database, std::string_view key, KeyState state);

  [[nodiscard]] const StampVector& applied() const { return applied_; }
  // Forgets every key and every applied stamp (the databases keep their hash seeds): the start
  // of a rebuild from a log.
  void clear() {
    for (auto& db : databases_) db.clear();
    applied_ = StampVector{};
  }
  [[nodiscard]] const KeyState* find(std::uint32_t database, std::string_view key) const;
  // Cache hints for a find that comes soon (see KeyTable::prefetch_slot): first the slot,
  // then, after the slots of a whole batch were asked for, the block.
  void prefetch_slot(std::uint32_t database, std::string_view key) const {
    if (database < databases_.size()) databases_[database].prefetch_slot(key);
  }
  void prefetch_block(std::uint32_t database, std::string_view key) const {
    if (database < databases_.size()) databases_[database].prefetch_block(key);
  }
  [[nodiscard]] const Database& database(std::uint32_t index) const { return databases_.at(index); }
  [[nodiscard]] std::uint32_t database_count() const {
    return static_cast<std::uint32_t>(databases_.size());
  }
  [[nodiscard]] std::uint64_t digest() const;
  [[nodiscard]] std::size_t metadata_bytes() const;
  // Keys held in every database, those that only remember a delete (tombstones) included.
  [[nodiscard]] std::size_t stored_keys() const {
    std::size_t keys = 0;
    for (const auto& db : databases_) keys += db.size();
    return keys;
  }

 private:
  void apply_flush(Database& db, const Op& op);

  std::vector<Database> databases_;
  StampVector applied_;
};

}  // namespace tern::crdt
