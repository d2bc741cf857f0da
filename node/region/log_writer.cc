#include "node/region/log_writer.h"

#include <asio/bind_allocator.hpp>

#include "node/region/hard_state_file.h"

namespace tern::node {
namespace {

// The allocator of the completions posted from the writer thread: plain new and delete. With
// Asio's default (its per-thread recycling cache) an operation allocated on this thread by
// aligned_new is freed from the loop thread's cache with aligned_delete, which GCC's ASan build
// reports as an alloc-dealloc mismatch (operator new vs free).
template <typename T>
struct PlainAllocator {
  using value_type = T;
  PlainAllocator() = default;
  template <typename U>
  PlainAllocator(const PlainAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p); }
  template <typename U>
  bool operator==(const PlainAllocator<U>&) const noexcept { return true; }
  template <typename U>
  bool operator!=(const PlainAllocator<U>&) const noexcept { return false; }
};

}  // namespace

LogWriter::LogWriter(asio::io_context& io, EntryLogFile file, std::string state_path, OnDone on_done,
                     Sync sync)
    : io_(io),
      file_(std::move(file)),
      size_bytes_(file_.size_bytes()),
      state_path_(std::move(state_path)),
      on_done_(std::move(on_done)),
      sync_(sync),
      thread_([this] { run(); }) {}

LogWriter::~LogWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
  alive_.reset();
}

std::uint64_t LogWriter::submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
    queued_through_ = ++submitted_;
  }
  wake_.notify_one();
  return submitted_;
}

void LogWriter::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return written_through_ == queued_through_; });
}

void LogWriter::with_file(const std::function<void(EntryLogFile&)>& operation) {
  wait_idle();
  // Nothing new is queued meanwhile: jobs come only from this (the submitting) thread.
  std::lock_guard file_lock(file_mutex_);
  operation(file_);
  size_bytes_.store(file_.size_bytes(), std::memory_order_relaxed);
  if (last_written_ && (!file_.last_index() || *file_.last_index() < last_written_->index.value)) {
    last_written_.reset();
  }
}

void LogWriter::run() {
  using Clock = std::chrono::steady_clock;
  constexpr auto kSecond = std::chrono::seconds(1);
  bool unsynced = false;  // written since the last fdatasync (everysec and no)
  auto last_sync = Clock::now();
  std::unique_lock lock(mutex_);
  for (;;) {
    const auto ready = [this] { return stopping_ || !queue_.empty(); };
    if (sync_ == Sync::kEverySecond && unsynced) {
      wake_.wait_until(lock, last_sync + kSecond, ready);
    } else {
      wake_.wait(lock, ready);
    }
    if (queue_.empty()) {
      if (unsynced && (stopping_ || (sync_ == Sync::kEverySecond && Clock::now() >= last_sync + kSecond))) {
        lock.unlock();
        {
          std::lock_guard file_lock(file_mutex_);
          (void)file_.sync();  // best effort: nothing waits for it in these modes
        }
        unsynced = false;
        last_sync = Clock::now();
        lock.lock();
      }
      if (stopping_) return;  // everything is written
      continue;
    }
    std::deque<Job> group;
    group.swap(queue_);
    const std::uint64_t through = queued_through_;
    lock.unlock();
    // One fdatasync for the whole group; then the newest hard state (it supersedes the others).
    std::string error;
    bool wrote = false;
    const election::HardState* hard_state = nullptr;
    std::unique_lock file_lock(file_mutex_);
    for (const Job& job : group) {
      if (!job.entries.empty() && error.empty()) {
        error = file_.write(job.entries, false);
        wrote = true;
        if (error.empty()) last_written_ = job.entries.back().id();
      }
      if (job.hard_state) hard_state = &*job.hard_state;
    }
    if (wrote && error.empty()) {
      unsynced = true;
      if (sync_ == Sync::kEveryWrite || (sync_ == Sync::kEverySecond && Clock::now() >= last_sync + kSecond)) {
        error = file_.sync();
        unsynced = false;
        last_sync = Clock::now();
      }
    }
    if (hard_state != nullptr && error.empty()) error = save_hard_state(state_path_, *hard_state);
    if (!error.empty()) last_written_.reset();  // unknown until a later write succeeds
    const std::optional<election::EntryId> last_written = last_written_;
    size_bytes_.store(file_.size_bytes(), std::memory_order_relaxed);
    file_lock.unlock();
    asio::post(io_, asio::bind_allocator(
                        PlainAllocator<void>(),
                        [this, alive = std::weak_ptr<bool>(alive_), through, written = last_written, error] {
                          if (alive.lock()) on_done_(through, written, error);
                        }));
    lock.lock();
    written_through_ = through;
    idle_.notify_all();
  }
}

}  // namespace tern::node
