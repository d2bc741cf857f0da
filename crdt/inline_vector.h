#pragma once
// InlineVector<T, N>: a vector of trivially copyable T that keeps up to N elements inside
// itself and moves to the heap beyond. A register's counter entries use it: almost every
// counter has one entry, and keeping it inline saves a dependent cache miss per increment.
// Only what the registers need: no exceptions from element copies (T is trivially copyable).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <vector>

namespace tern::crdt {

template <typename T, std::size_t N>
class InlineVector {
  static_assert(std::is_trivially_copyable_v<T> && N > 0);

 public:
  InlineVector() = default;
  InlineVector(const InlineVector& other) { assign(other.begin(), other.end()); }
  InlineVector& operator=(const InlineVector& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  InlineVector(InlineVector&& other) noexcept { steal(other); }
  InlineVector& operator=(InlineVector&& other) noexcept {
    if (this != &other) {
      release();
      steal(other);
    }
    return *this;
  }
  ~InlineVector() { release(); }
  explicit InlineVector(const std::vector<T>& items) { assign(items.data(), items.data() + items.size()); }
  InlineVector& operator=(const std::vector<T>& items) {
    assign(items.data(), items.data() + items.size());
    return *this;
  }

  [[nodiscard]] T* data() { return heap() ? storage_.heap : storage_.inline_items(); }
  [[nodiscard]] const T* data() const { return heap() ? storage_.heap : storage_.inline_items(); }
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] bool heap() const { return capacity_ > N; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  [[nodiscard]] std::vector<T> to_vector() const { return std::vector<T>(begin(), end()); }

  void push_back(const T& item) { insert(end(), item); }
  T* insert(const T* position, const T& item) {
    const std::size_t at = static_cast<std::size_t>(position - data());
    const T copy = item;  // `item` may live in this vector
    if (size_ == capacity_) grow(capacity_ * 2);
    T* base = data();
    std::memmove(static_cast<void*>(base + at + 1), base + at, (size_ - at) * sizeof(T));
    base[at] = copy;
    ++size_;
    return base + at;
  }
  void clear() { size_ = 0; }
  // Removes every element for which pred holds, keeping the order of the others.
  template <typename Pred>
  std::size_t erase_if(Pred pred) {
    T* kept = std::remove_if(begin(), end(), pred);
    const auto erased = static_cast<std::size_t>(end() - kept);
    size_ -= static_cast<std::uint32_t>(erased);
    return erased;
  }

 private:
  union Storage {
    Storage() {}
    T* heap;
    alignas(T) unsigned char bytes[N * sizeof(T)];
    T* inline_items() { return std::launder(reinterpret_cast<T*>(bytes)); }
    const T* inline_items() const { return std::launder(reinterpret_cast<const T*>(bytes)); }
  };

  void assign(const T* first, const T* last) {
    const auto count = static_cast<std::size_t>(last - first);
    if (count > capacity_) {
      release();
      size_ = 0;
      grow(count);
    }
    if (count != 0) std::memmove(static_cast<void*>(data()), first, count * sizeof(T));
    size_ = static_cast<std::uint32_t>(count);
  }
  void grow(std::size_t capacity) {
    capacity = std::max(capacity, N + 1);
    T* items = static_cast<T*>(::operator new(capacity * sizeof(T), std::align_val_t{alignof(T)}));
    if (size_ != 0) std::memcpy(static_cast<void*>(items), data(), size_ * sizeof(T));
    release();
    storage_.heap = items;
    capacity_ = static_cast<std::uint32_t>(capacity);
  }
  void release() {
    if (heap()) ::operator delete(storage_.heap, std::align_val_t{alignof(T)});
    capacity_ = N;
  }
  void steal(InlineVector& other) {
    size_ = other.size_;
    capacity_ = other.capacity_;
    if (other.heap()) {
      storage_.heap = other.storage_.heap;
    } else if (size_ != 0) {
      std::memcpy(static_cast<void*>(storage_.inline_items()), other.storage_.inline_items(),
                  size_ * sizeof(T));
    }
    other.size_ = 0;
    other.capacity_ = N;
  }

  // The counts after the elements: an enclosing struct can place members in the tail padding.
  Storage storage_;
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = N;
};

}  // namespace tern::crdt
