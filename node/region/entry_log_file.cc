#include "node/region/entry_log_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tern::node {
namespace {

constexpr std::size_t kHeaderBytes = 4 + 8 + 8 + 1;
constexpr std::size_t kChecksumBytes = 4;
constexpr std::uint32_t kMaxPayloadBytes = 512u << 20;

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint32_t fnv1a(const char* data, std::size_t n) {
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 16777619u;
  }
  return h;
}

std::string record_of(const election::Entry& e) {
  std::string out;
  out.reserve(kHeaderBytes + e.payload.size() + kChecksumBytes);
  put_u32(out, static_cast<std::uint32_t>(e.payload.size()));
  put_u64(out, e.term.value);
  put_u64(out, e.index.value);
  out.push_back(static_cast<char>(e.kind));
  out += e.payload;
  put_u32(out, fnv1a(out.data(), out.size()));
  return out;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

EntryLogFile::EntryLogFile(std::string path, int fd, std::vector<std::pair<std::uint64_t, std::uint64_t>> offsets,
                           std::uint64_t end)
    : path_(std::move(path)), fd_(fd), offsets_(std::move(offsets)), end_(end) {}

EntryLogFile::EntryLogFile(EntryLogFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(other.fd_),
      offsets_(std::move(other.offsets_)),
      end_(other.end_),
      tail_beyond_end_(other.tail_beyond_end_) {
  other.fd_ = -1;
}

EntryLogFile::~EntryLogFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::variant<EntryLogFile, std::string> EntryLogFile::open(const std::string& path, Loaded* loaded) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return "can't open the region log '" + path + "': " + errno_text();
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return "can't read the region log '" + path + "': " + errno_text();
  }
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
    if (n <= 0) {
      ::close(fd);
      return "can't read the region log '" + path + "': " + (n == 0 ? std::string("short read") : errno_text());
    }
    got += static_cast<std::size_t>(n);
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> offsets;
  std::size_t at = 0;
  while (at < bytes.size()) {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data() + at);
    const std::size_t left = bytes.size() - at;
    const bool header_whole = left >= kHeaderBytes;
    const std::uint64_t length = header_whole ? get(p, 4) : 0;
    const bool whole = header_whole && length <= kMaxPayloadBytes &&
                       left >= kHeaderBytes + length + kChecksumBytes;
    if (!whole) {
      loaded->dropped_torn_tail = true;  // a crash during the last write
      break;
    }
    const std::size_t body = kHeaderBytes + static_cast<std::size_t>(length);
    const auto checksum = static_cast<std::uint32_t>(get(p + body, 4));
    election::Entry entry;
    entry.term = election::Term{get(p + 4, 8)};
    entry.index = election::LogIndex{get(p + 12, 8)};
    const unsigned kind = p[20];
    const bool in_order = loaded->entries.empty() || entry.index.value == loaded->entries.back().index.value + 1;
    if (checksum != fnv1a(bytes.data() + at, body) || kind > 2 || !in_order) {
      if (at + body + kChecksumBytes == bytes.size()) {
        loaded->dropped_torn_tail = true;
        break;
      }
      ::close(fd);
      return "the region log '" + path + "' is damaged at byte " + std::to_string(at) +
             "; refusing to start (move it away to rejoin from the leader)";
    }
    entry.kind = static_cast<election::EntryKind>(kind);
    entry.payload.assign(bytes.data() + at + kHeaderBytes, static_cast<std::size_t>(length));
    offsets.emplace_back(entry.index.value, at);
    loaded->entries.push_back(std::move(entry));
    at += body + kChecksumBytes;
  }
  if (at != bytes.size() && ::ftruncate(fd, static_cast<off_t>(at)) != 0) {
    ::close(fd);
    return "can't drop the torn tail of the region log '" + path + "': " + errno_text();
  }
  return EntryLogFile(path, fd, std::move(offsets), at);
}

std::string EntryLogFile::sync() {
  if (::fdatasync(fd_) != 0) return "can't sync '" + path_ + "': " + errno_text();
  return {};
}

std::string EntryLogFile::write(const std::vector<election::Entry>& entries, bool sync) {
  if (entries.empty()) return {};
  // A conflicting suffix goes first (§5.3): cut the file where the first new index was.
  const std::uint64_t first = entries.front().index.value;
  while (!offsets_.empty() && offsets_.back().first >= first) {
    end_ = offsets_.back().second;
    offsets_.pop_back();
    tail_beyond_end_ = true;
  }
  // Only when there is something to cut: a truncation to the same size still costs a syscall
  // and an inode update on every append.
  if (tail_beyond_end_) {
    if (::ftruncate(fd_, static_cast<off_t>(end_)) != 0) return "can't truncate '" + path_ + "': " + errno_text();
    tail_beyond_end_ = false;
  }
  tail_beyond_end_ = true;  // until this write has fully landed
  std::string bytes;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> added;
  for (const auto& e : entries) {
    added.emplace_back(e.index.value, end_ + bytes.size());
    bytes += record_of(e);
  }
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(end_ + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return "can't write '" + path_ + "': " + errno_text();
    }
    done += static_cast<std::size_t>(n);
  }
  if (sync && ::fdatasync(fd_) != 0) return "can't sync '" + path_ + "': " + errno_text();
  tail_beyond_end_ = false;
  end_ += bytes.size();
  offsets_.insert(offsets_.end(), added.begin(), added.end());
  return {};
}

std::string EntryLogFile::drop_through(std::uint64_t index) {
  std::size_t keep = 0;  // first record kept
  while (keep < offsets_.size() && offsets_[keep].first <= index) ++keep;
  if (keep == 0) return {};
  const std::uint64_t from = keep < offsets_.size() ? offsets_[keep].second : end_;
  std::string tail(static_cast<std::size_t>(end_ - from), '\0');
  std::size_t got = 0;
  while (got < tail.size()) {
    const ssize_t n = ::pread(fd_, tail.data() + got, tail.size() - got, static_cast<off_t>(from + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return "can't read '" + path_ + "' to compact it: " + (n == 0 ? std::string("short read") : errno_text());
    got += static_cast<std::size_t>(n);
  }
  const std::string temporary = path_ + ".tmp";
  const int fd = ::open(temporary.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "can't write '" + temporary + "': " + errno_text();
  std::size_t done = 0;
  while (done < tail.size()) {
    const ssize_t n = ::pwrite(fd, tail.data() + done, tail.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done != tail.size() || ::fsync(fd) != 0) {
    const std::string failure = errno_text();
    ::close(fd);
    ::unlink(temporary.c_str());
    return "can't write '" + temporary + "': " + failure;
  }
  if (::rename(temporary.c_str(), path_.c_str()) != 0) {
    const std::string failure = errno_text();
    ::close(fd);
    ::unlink(temporary.c_str());
    return "can't replace '" + path_ + "': " + failure;
  }
  const std::size_t slash = path_.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : path_.substr(0, slash == 0 ? 1 : slash);
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  ::close(fd_);
  fd_ = fd;
  offsets_.erase(offsets_.begin(), offsets_.begin() + static_cast<std::ptrdiff_t>(keep));
  for (auto& [entry_index, offset] : offsets_) offset -= from;
  end_ -= from;
  tail_beyond_end_ = false;  // the new file holds exactly the kept records
  return {};
}

}  // namespace tern::node
