#pragma once
// KeyTable: the keyspace's index from a key (any bytes) to a Value, built for one cache miss
// per lookup and little memory per key.
//
// Layout. Each element is one heap block holding the Value and then the key's bytes (like
// Redis's embedded sds), so a lookup reads the slot array and then one block. The slot array
// is open addressing with linear probing; a slot is one 64-bit word:
//   bits  0..47  the block's address (user-space pointers fit 48 bits on x86-64 and AArch64;
//                a block that does not is refused as bad_alloc, never truncated)
//   bits 48..55  the key's length, or 255 for a length >= 255 (then a uint32 length precedes
//                the key's bytes in the block)
//   bits 56..63  eight bits of the key's hash
// A probe compares hash bits and length in the slot before touching a block, so a lookup
// dereferences the wrong block about once in 256 collisions. 0 is an empty slot; 1 is a
// tombstone left by erase, so erasing moves no other element (iterators and SCAN cursors
// stay meaningful); tombstones go at the next rehash.
//
// Home bucket. An element's home is the top log2(capacity) bits of its 64-bit hash, so that
// growth splits bucket b into 2b and 2b+1 and the buckets stay in hash order. Every element
// lies between its home and the first empty slot after it (linear probing; tombstones count
// as occupied), whatever was inserted or erased since.
//
// SCAN. A cursor is a 64-bit hash value c: every call returns the elements whose hash lies in
// [c, c') for the c' it returns (0 when the scan is complete), and the next call starts at
// c'. The ranges are contiguous whatever happens between calls, so an element present for
// the whole scan is returned at least once, across growth and shrinking (shrinking rounds c
// down to its bucket, which may return some elements twice). This is Redis's dictScan
// guarantee; Redis needs a reverse-binary cursor because it indexes by the low hash bits,
// indexing by the top bits makes the plain increasing cursor work.
//
// Hashing. 64-bit hash of the key bytes (the wyhash construction: 64x64->128 multiply-fold),
// keyed by a seed: a server facing untrusted clients passes a random one, so no client can
// choose keys that all share a bucket. The table itself reads no randomness.
//
// Not thread-safe; a const method never writes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>
#include <utility>

#include "crdt/int128.h"

namespace tern::crdt {

inline constexpr std::uint64_t kDefaultKeyHashSeed = 0x74'65'72'6e'6b'65'79'73ULL;  // "ternkeys"

namespace key_hash_detail {
inline constexpr std::uint64_t kP0 = 0xa0761d6478bd642fULL;
inline constexpr std::uint64_t kP1 = 0xe7037ed1a0b428dbULL;
inline constexpr std::uint64_t kP2 = 0x8ebc6af09c88c6e3ULL;
inline constexpr std::uint64_t kP3 = 0x589965cc75374cc3ULL;

inline std::uint64_t fold(std::uint64_t a, std::uint64_t b) {
  const UnsignedInt128 r = static_cast<UnsignedInt128>(a) * b;
  return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
}
inline std::uint64_t read64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint64_t read32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
}  // namespace key_hash_detail

// The per-table part of hash_key, computed once per seed.
inline std::uint64_t mix_hash_seed(std::uint64_t seed) {
  using namespace key_hash_detail;
  return seed ^ fold(seed ^ kP0, kP1);
}

namespace key_hash_detail {
inline std::uint64_t finish(std::uint64_t a, std::uint64_t b, std::uint64_t seed, std::size_t length) {
  const UnsignedInt128 r = static_cast<UnsignedInt128>(a ^ kP1) * (b ^ seed);
  return fold(static_cast<std::uint64_t>(r) ^ kP0 ^ length, static_cast<std::uint64_t>(r >> 64) ^ kP1);
}

// Keys over 16 bytes, out of line so the common short key hashes without a call.
[[gnu::noinline]] inline std::uint64_t hash_long(const unsigned char* p, std::size_t length,
                                                 std::uint64_t seed) {
  std::size_t rest = length;
  if (rest > 48) {
    std::uint64_t s1 = seed;
    std::uint64_t s2 = seed;
    do {
      seed = fold(read64(p) ^ kP1, read64(p + 8) ^ seed);
      s1 = fold(read64(p + 16) ^ kP2, read64(p + 24) ^ s1);
      s2 = fold(read64(p + 32) ^ kP3, read64(p + 40) ^ s2);
      p += 48;
      rest -= 48;
    } while (rest > 48);
    seed ^= s1 ^ s2;
  }
  while (rest > 16) {
    seed = fold(read64(p) ^ kP1, read64(p + 8) ^ seed);
    p += 16;
    rest -= 16;
  }
  return finish(read64(p + rest - 16), read64(p + rest - 8), seed, length);
}
}  // namespace key_hash_detail

// hash_key(bytes, seed) given mix_hash_seed(seed).
[[gnu::always_inline]] inline std::uint64_t hash_key_mixed(std::string_view bytes, std::uint64_t seed) {
  using namespace key_hash_detail;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t length = bytes.size();
  if (length > 16) return hash_long(p, length, seed);
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  if (length >= 8) {
    a = read64(p);  // the first and last eight bytes, overlapping below 16
    b = read64(p + length - 8);
  } else if (length >= 4) {
    const std::size_t middle = (length >> 3) << 2;
    a = (read32(p) << 32) | read32(p + middle);
    b = (read32(p + length - 4) << 32) | read32(p + length - 4 - middle);
  } else if (length > 0) {
    a = (static_cast<std::uint64_t>(p[0]) << 16) | (static_cast<std::uint64_t>(p[length >> 1]) << 8) |
        p[length - 1];
  }
  return finish(a, b, seed, length);
}

// A 64-bit hash of `bytes` under `seed`; every bit depends on every input bit.
inline std::uint64_t hash_key(std::string_view bytes, std::uint64_t seed) {
  return hash_key_mixed(bytes, mix_hash_seed(seed));
}

template <typename Value>
class KeyTable {
  template <bool kConst>
  class Iterator;

 public:
  // What iteration yields: `for (const auto& [key, value] : table)`.
  template <typename V>
  struct Item {
    std::string_view key;
    V& value;
  };
  using iterator = Iterator<false>;
  using const_iterator = Iterator<true>;

  explicit KeyTable(std::uint64_t seed = kDefaultKeyHashSeed) : seed_(mix_hash_seed(seed)) {}
  KeyTable(const KeyTable& other) : seed_(other.seed_) {
    try {
      copy_from(other);
    } catch (...) {
      release();
      throw;
    }
  }
  KeyTable& operator=(const KeyTable& other) {
    if (this != &other) {
      KeyTable copy(other);
      swap(copy);
    }
    return *this;
  }
  KeyTable(KeyTable&& other) noexcept { swap(other); }
  KeyTable& operator=(KeyTable&& other) noexcept {
    if (this != &other) {
      KeyTable gone(std::move(other));
      swap(gone);
    }
    return *this;
  }
  ~KeyTable() { release(); }

  void swap(KeyTable& other) noexcept {
    std::swap(slots_, other.slots_);
    std::swap(capacity_, other.capacity_);
    std::swap(shift_, other.shift_);
    std::swap(size_, other.size_);
    std::swap(tombstones_, other.tombstones_);
    std::swap(seed_, other.seed_);
  }

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  // Bytes of the slot array (the blocks are sizeof(Value) + the key, rounded by malloc).
  [[nodiscard]] std::size_t slot_bytes() const { return capacity_ * sizeof(std::uint64_t); }
  void clear() {
    release();
    slots_ = nullptr;
    capacity_ = 0;
    shift_ = 64;
    size_ = 0;
    tombstones_ = 0;
  }

  iterator begin() { return iterator(this, first_live(0)); }
  iterator end() { return iterator(this, capacity_); }
  const_iterator begin() const { return const_iterator(this, first_live(0)); }
  const_iterator end() const { return const_iterator(this, capacity_); }

  // Hints for a lookup of `key` that comes soon (the next commands of a pipelined batch): load
  // its home slot; later, once that slot has arrived, the block its first matching slot points
  // to. Issued for a batch of keys, the cache misses overlap instead of following each other.
  // No effect on any result.
  void prefetch_slot(std::string_view key) const {
    if (capacity_ != 0) __builtin_prefetch(&slots_[hash_key_mixed(key, seed_) >> shift_]);
  }
  void prefetch_block(std::string_view key) const {
    if (capacity_ == 0) return;
    const std::uint64_t hash = hash_key_mixed(key, seed_);
    const std::uint64_t meta = meta_of(hash, key.size());
    std::size_t i = hash >> shift_;
    for (int probe = 0; probe < 8; ++probe, i = (i + 1) & (capacity_ - 1)) {
      const std::uint64_t word = slots_[i];
      if (word == kEmpty) return;
      if ((word & kMetaMask) == meta && word != kTombstone) {
        // The block's start (the value) and the end of its key bytes: a block spans two
        // cache lines when malloc placed it across a boundary.
        const char* block = reinterpret_cast<const char*>(word & kPointerMask);
        __builtin_prefetch(block);
        __builtin_prefetch(block + sizeof(Value) + sizeof(std::uint32_t) + key.size());
        return;
      }
    }
  }

  iterator find(std::string_view key) { return iterator(this, locate(key, hash_key_mixed(key, seed_))); }
  const_iterator find(std::string_view key) const {
    return const_iterator(this, locate(key, hash_key_mixed(key, seed_)));
  }
  [[nodiscard]] bool contains(std::string_view key) const { return find(key) != end(); }

  // Finds `key`, or inserts it with Value(args...). The key is copied only when inserted.
  template <typename... Args>
  std::pair<iterator, bool> try_emplace(std::string_view key, Args&&... args) {
    const std::uint64_t hash = hash_key_mixed(key, seed_);
    const std::size_t found = locate(key, hash);
    if (found != capacity_) return {iterator(this, found), false};
    return {iterator(this, insert_new(key, hash, 0, std::forward<Args>(args)...)), true};
  }

  // try_emplace, but a block made here also holds `spare` bytes after the key (8-byte
  // aligned), passed first to the constructor: Value(void* spare, args...). A Value can keep
  // a part of itself there instead of in an allocation of its own (a counter's Detail).
  template <typename... Args>
  std::pair<iterator, bool> try_emplace_with_spare(std::string_view key, std::size_t spare,
                                                                         Args&&... args) {
    static_assert(std::is_constructible_v<Value, void*, Args...>);
    const std::uint64_t hash = hash_key_mixed(key, seed_);
    const std::size_t found = locate(key, hash);
    if (found != capacity_) return {iterator(this, found), false};
    return {iterator(this, insert_new(key, hash, spare, std::forward<Args>(args)...)), true};
  }

  // Erases one element. Other elements do not move, but the table may shrink when it has
  // become sparse, which invalidates iterators: to erase while iterating, use erase_if.
  void erase(const_iterator position) {
    destroy_block(slots_[position.index_]);
    slots_[position.index_] = kTombstone;
    --size_;
    ++tombstones_;
    shrink_if_sparse();
  }
  std::size_t erase(std::string_view key) {
    const std::size_t i = locate(key, hash_key_mixed(key, seed_));
    if (i == capacity_) return 0;
    erase(const_iterator(this, i));
    return 1;
  }
  // Erases every element for which pred(key, value) holds; returns how many.
  template <typename Pred>
  std::size_t erase_if(Pred pred) {
    std::size_t erased = 0;
    for (std::size_t i = 0; i < capacity_; ++i) {
      const std::uint64_t word = slots_[i];
      if (word <= kTombstone || !pred(key_of(word), *value_of(word))) continue;
      destroy_block(word);
      slots_[i] = kTombstone;
      ++erased;
    }
    size_ -= erased;
    tombstones_ += erased;
    shrink_if_sparse();
    return erased;
  }

  // One step of a SCAN (see the header comment): calls fn(key, const Value&) for every
  // element whose hash lies in [cursor, next) and returns next, or 0 once the scan is done.
  // `count` is the number of elements to aim for; fn must not modify the table.
  template <typename Fn>
  std::uint64_t scan(std::uint64_t cursor, std::size_t count, Fn&& fn) const {
    if (size_ == 0) return 0;
    const std::size_t mask = capacity_ - 1;
    const std::size_t first = cursor >> shift_;
    // About `count` elements: buckets in proportion to the load, within Redis's 10x bound.
    const std::size_t wanted = std::max<std::size_t>(count, 1);
    const std::size_t buckets = std::clamp<std::size_t>(wanted * capacity_ / size_, wanted, wanted * 10);
    const std::size_t last = std::min(capacity_, first + buckets);
    const auto visit = [&](std::size_t i) {
      const std::uint64_t word = slots_[i];
      if (word <= kTombstone) return;
      const std::string_view key = key_of(word);
      const std::size_t home = hash_key_mixed(key, seed_) >> shift_;
      if (home >= first && home < last) fn(key, static_cast<const Value&>(*value_of(word)));
    };
    for (std::size_t i = first; i < last; ++i) visit(i);
    // Elements of these buckets pushed past `last` sit before the next empty slot.
    for (std::size_t i = last & mask; slots_[i] != kEmpty && i != first; i = (i + 1) & mask) visit(i);
    return last == capacity_ ? 0 : static_cast<std::uint64_t>(last) << shift_;
  }

  // An element chosen by `random` (a uniformly random number from the caller's source):
  // every element equally likely, except in the rare fallback after 64 empty probes. end()
  // when the table is empty.
  const_iterator sample(std::uint64_t random) const {
    if (size_ == 0) return end();
    const std::size_t mask = capacity_ - 1;
    std::uint64_t state = random;
    std::size_t i = 0;
    for (int attempt = 0; attempt < 64; ++attempt) {
      i = next_random(state) & mask;
      if (slots_[i] > kTombstone) return const_iterator(this, i);
    }
    while (slots_[i] <= kTombstone) i = (i + 1) & mask;
    return const_iterator(this, i);
  }

 private:
  static constexpr std::uint64_t kEmpty = 0;
  static constexpr std::uint64_t kTombstone = 1;
  static constexpr std::uint64_t kPointerMask = (1ULL << 48) - 1;
  static constexpr std::uint64_t kMetaMask = ~kPointerMask;
  static constexpr std::size_t kLongKey = 255;
  static constexpr std::size_t kMinCapacity = 8;
  static constexpr std::size_t kNone = ~std::size_t{0};
  static_assert(alignof(Value) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);

  template <bool kConst>
  class Iterator {
   public:
    using Table = std::conditional_t<kConst, const KeyTable, KeyTable>;
    using V = std::conditional_t<kConst, const Value, Value>;
    Iterator() = default;
    Iterator(Table* table, std::size_t index) : table_(table), index_(index) {}
    operator Iterator<true>() const { return Iterator<true>(table_, index_); }  // NOLINT

    [[nodiscard]] std::string_view key() const { return table_->key_of(table_->slots_[index_]); }
    [[nodiscard]] V& value() const { return *table_->value_of(table_->slots_[index_]); }
    Item<V> operator*() const { return Item<V>{key(), value()}; }
    Iterator& operator++() {
      index_ = table_->first_live(index_ + 1);
      return *this;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    friend class KeyTable;
    Table* table_ = nullptr;
    std::size_t index_ = 0;
  };

  static std::uint64_t meta_of(std::uint64_t hash, std::size_t length) {
    const std::uint64_t length_byte = std::min(length, kLongKey);
    return (hash << 56) | (length_byte << 48);
  }
  static Value* value_of(std::uint64_t word) {
    return std::launder(reinterpret_cast<Value*>(word & kPointerMask));
  }
  static std::string_view key_of(std::uint64_t word) {
    const char* bytes = reinterpret_cast<const char*>(word & kPointerMask) + sizeof(Value);
    std::size_t length = (word >> 48) & 0xFF;
    if (length == kLongKey) {
      std::uint32_t long_length;
      std::memcpy(&long_length, bytes, sizeof long_length);
      length = long_length;
      bytes += sizeof long_length;
    }
    return {bytes, length};
  }
  // Whether the block of `word`, whose slot bits match `key`'s, holds `key`. The length byte
  // matched, so a short key has the same length: compare the bytes without a call.
  [[gnu::always_inline]] static bool same_key(std::uint64_t word, std::string_view key) {
    const std::size_t n = key.size();
    if (n >= kLongKey) return key_of(word) == key;
    const char* a = reinterpret_cast<const char*>(word & kPointerMask) + sizeof(Value);
    const char* b = key.data();
    const auto load64 = [](const char* p) {
      std::uint64_t v;
      std::memcpy(&v, p, 8);
      return v;
    };
    const auto load32 = [](const char* p) {
      std::uint32_t v;
      std::memcpy(&v, p, 4);
      return v;
    };
    if (n >= 8) {
      if (n > 16) return std::memcmp(a, b, n) == 0;
      return ((load64(a) ^ load64(b)) | (load64(a + n - 8) ^ load64(b + n - 8))) == 0;
    }
    if (n >= 4) return ((load32(a) ^ load32(b)) | (load32(a + n - 4) ^ load32(b + n - 4))) == 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }
  // splitmix64: successive probe positions from one random number.
  static std::uint64_t next_random(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // The smallest power of two, at least kMinCapacity, that holds `live` at <= 45% load: growth
  // from 80% doubles the table (Redis grows by doubling too), and a shrink leaves room to
  // double before the next rehash.
  static std::size_t capacity_for(std::size_t live) {
    std::size_t capacity = kMinCapacity;
    while (live * 20 > capacity * 9) capacity *= 2;
    return capacity;
  }

  [[gnu::always_inline]] std::size_t locate(std::string_view key, std::uint64_t hash) const {
    if (capacity_ == 0) return capacity_;
    const std::uint64_t meta = meta_of(hash, key.size());
    for (std::size_t i = hash >> shift_;; i = (i + 1) & (capacity_ - 1)) {
      const std::uint64_t word = slots_[i];
      if (word == kEmpty) return capacity_;
      if ((word & kMetaMask) == meta && word != kTombstone && same_key(word, key)) return i;
    }
  }
  std::size_t first_live(std::size_t i) const {
    while (i < capacity_ && slots_[i] <= kTombstone) ++i;
    return i;
  }

  // Inserts `key`, known absent: in the first tombstone or empty slot of its probe sequence,
  // after a rehash if the table would pass 80% (tombstones included). Returns the slot.
  template <typename... Args>
  [[gnu::noinline]] std::size_t insert_new(std::string_view key, std::uint64_t hash, std::size_t spare,
                                           Args&&... args) {
    std::size_t slot = kNone;
    if (capacity_ != 0) {
      std::size_t i = hash >> shift_;
      while (slots_[i] > kTombstone) i = (i + 1) & (capacity_ - 1);
      if (slots_[i] == kTombstone || (size_ + tombstones_ + 1) * 5 <= capacity_ * 4) slot = i;
    }
    if (slot == kNone) {
      // Clear the tombstones in place while the live elements fill at most 60%, else grow.
      const bool clean = capacity_ != 0 && (size_ + 1) * 5 <= capacity_ * 3;
      rehash(clean ? capacity_ : capacity_for(size_ + 1));
      slot = hash >> shift_;
      while (slots_[slot] != kEmpty) slot = (slot + 1) & (capacity_ - 1);
    }
    const std::uint64_t word = make_block(key, meta_of(hash, key.size()), spare, std::forward<Args>(args)...);
    if (slots_[slot] == kTombstone) --tombstones_;
    slots_[slot] = word;
    ++size_;
    return slot;
  }

  // A block: the Value, the key (after its uint32 length if long), then `spare` bytes at the
  // next multiple of 8 if asked for.
  template <typename... Args>
  static std::uint64_t make_block(std::string_view key, std::uint64_t meta, std::size_t spare,
                                  Args&&... args) {
    const bool long_key = key.size() >= kLongKey;
    if (key.size() > UINT32_MAX) throw std::bad_alloc();
    const std::size_t key_end = sizeof(Value) + (long_key ? sizeof(std::uint32_t) : 0) + key.size();
    const std::size_t spare_at = (key_end + 7) & ~std::size_t{7};
    const std::size_t bytes = spare != 0 ? spare_at + spare : key_end;
    void* block = ::operator new(bytes);
    const auto address = reinterpret_cast<std::uintptr_t>(block);
    if ((address & kMetaMask) != 0) {
      ::operator delete(block);
      throw std::bad_alloc();
    }
    try {
      if constexpr (std::is_constructible_v<Value, void*, Args...>) {
        if (spare != 0) {
          ::new (block) Value(static_cast<void*>(static_cast<char*>(block) + spare_at),
                              std::forward<Args>(args)...);
        } else {
          ::new (block) Value(std::forward<Args>(args)...);
        }
      } else {
        ::new (block) Value(std::forward<Args>(args)...);
      }
    } catch (...) {
      ::operator delete(block);
      throw;
    }
    char* tail = static_cast<char*>(block) + sizeof(Value);
    if (long_key) {
      const auto length = static_cast<std::uint32_t>(key.size());
      std::memcpy(tail, &length, sizeof length);
      tail += sizeof length;
    }
    if (!key.empty()) std::memcpy(tail, key.data(), key.size());
    return address | meta;
  }
  static void destroy_block(std::uint64_t word) {
    Value* value = value_of(word);
    value->~Value();
    ::operator delete(static_cast<void*>(value));
  }

  [[gnu::noinline]] void rehash(std::size_t new_capacity) {
    auto* slots = static_cast<std::uint64_t*>(::operator new(new_capacity * sizeof(std::uint64_t)));
    std::fill(slots, slots + new_capacity, kEmpty);
    int shift = 64;
    for (std::size_t c = new_capacity; c > 1; c >>= 1) --shift;
    // Every key is read again to hash it: the blocks a few slots ahead are loaded meanwhile,
    // so the reads overlap instead of waiting for one cache miss after another.
    constexpr std::size_t kAhead = 8;
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (i + kAhead < capacity_ && slots_[i + kAhead] > kTombstone) {
        __builtin_prefetch(reinterpret_cast<const char*>(slots_[i + kAhead] & kPointerMask) +
                           sizeof(Value));
      }
      const std::uint64_t word = slots_[i];
      if (word <= kTombstone) continue;
      std::size_t j = hash_key_mixed(key_of(word), seed_) >> shift;
      while (slots[j] != kEmpty) j = (j + 1) & (new_capacity - 1);
      slots[j] = word;
    }
    ::operator delete(slots_);
    slots_ = slots;
    capacity_ = new_capacity;
    shift_ = shift;
    tombstones_ = 0;
  }
  void shrink_if_sparse() {
    if (size_ == 0) {
      clear();
    } else if (capacity_ > kMinCapacity && size_ * 16 < capacity_) {
      rehash(capacity_for(size_));
    }
  }
  void release() {
    for (std::size_t i = 0; i < capacity_; ++i) {
      if (slots_[i] > kTombstone) destroy_block(slots_[i]);
    }
    ::operator delete(slots_);
  }
  void copy_from(const KeyTable& other) {
    if (other.capacity_ == 0) return;
    slots_ = static_cast<std::uint64_t*>(::operator new(other.capacity_ * sizeof(std::uint64_t)));
    std::fill(slots_, slots_ + other.capacity_, kEmpty);
    capacity_ = other.capacity_;
    shift_ = other.shift_;
    for (std::size_t i = 0; i < capacity_; ++i) {
      const std::uint64_t word = other.slots_[i];
      if (word <= kTombstone) {
        slots_[i] = word;  // tombstones keep every element reachable from its home
        tombstones_ += word == kTombstone ? 1 : 0;
        continue;
      }
      slots_[i] = make_block(key_of(word), word & kMetaMask, 0, *value_of(word));
      ++size_;
    }
  }

  std::uint64_t* slots_ = nullptr;
  std::size_t capacity_ = 0;  // 0 or a power of two >= kMinCapacity
  int shift_ = 64;            // 64 - log2(capacity): hash >> shift_ is the home bucket
  std::size_t size_ = 0;
  std::size_t tombstones_ = 0;
  std::uint64_t seed_ = mix_hash_seed(kDefaultKeyHashSeed);  // mixed: see hash_key_mixed
};

}  // namespace tern::crdt
