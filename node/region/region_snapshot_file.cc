#include "node/region/region_snapshot_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <vector>

namespace tern::node {
namespace {

constexpr std::string_view kMagic = "TRNSNAP1";
// Far more nodes than a region has; bounds what a damaged count can make us read.
constexpr std::uint32_t kMaxMembers = 1024;

std::string errno_text() { return std::strerror(errno); }

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffU));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xffU));
}

// FNV-1a 64, byte by byte; `state` continues an earlier call over the bytes before these.
std::uint64_t checksum_of(std::string_view bytes, std::uint64_t state = 0xcbf29ce484222325ULL) {
  for (const unsigned char c : bytes) {
    state ^= c;
    state *= 0x100000001b3ULL;
  }
  return state;
}

// Reads little-endian numbers off the front of a view; false once it runs short.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : bytes_(bytes) {}
  bool take(std::size_t width, std::uint64_t* out) {
    if (bytes_.size() < width) return false;
    std::uint64_t v = 0;
    for (std::size_t i = width; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes_[i]);
    bytes_.remove_prefix(width);
    *out = v;
    return true;
  }
  bool take_members(std::vector<election::NodeId>* out) {
    std::uint64_t count = 0;
    if (!take(4, &count) || count > kMaxMembers) return false;
    for (std::uint64_t i = 0; i < count; ++i) {
      std::uint64_t id = 0;
      if (!take(8, &id)) return false;
      out->push_back(election::NodeId{id});
    }
    return true;
  }
  [[nodiscard]] std::string_view rest() const { return bytes_; }
  void skip(std::size_t n) { bytes_.remove_prefix(n); }

 private:
  std::string_view bytes_;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::string save_region_snapshot(const std::string& path, const election::Snapshot& snapshot) {
  std::string head(kMagic);
  put_u64(head, snapshot.meta.last_included.term.value);
  put_u64(head, snapshot.meta.last_included.index.value);
  put_u32(head, static_cast<std::uint32_t>(snapshot.meta.membership.voters.size()));
  for (const auto id : snapshot.meta.membership.voters) put_u64(head, id.value);
  put_u32(head, static_cast<std::uint32_t>(snapshot.meta.membership.learners.size()));
  for (const auto id : snapshot.meta.membership.learners) put_u64(head, id.value);
  put_u64(head, snapshot.data.size());
  // The checksum runs over head then data, as load reads them.
  std::string tail;
  put_u64(tail, checksum_of(snapshot.data, checksum_of(head)));

  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "can't write '" + temporary + "': " + errno_text();
  const bool written = write_all(fd, head) && write_all(fd, snapshot.data) && write_all(fd, tail) &&
                       ::fsync(fd) == 0;
  const std::string write_error = written ? "" : errno_text();
  ::close(fd);
  if (!written) {
    ::unlink(temporary.c_str());
    return "can't write '" + temporary + "': " + write_error;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0)
    return "can't replace '" + path + "': " + errno_text();
  const std::size_t slash = path.rfind('/');
  const std::string directory =
      slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

std::variant<std::optional<election::Snapshot>, std::string> load_region_snapshot(
    const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<election::Snapshot>{};
    return "can't open the region snapshot '" + path + "': " + errno_text();
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    return "can't read the region snapshot '" + path + "': " + errno_text();
  }
  std::string bytes(static_cast<std::size_t>(info.st_size), '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::pread(fd, bytes.data() + got, bytes.size() - got, static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return "can't read the region snapshot '" + path +
             "': " + (n == 0 ? std::string("short read") : errno_text());
    }
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  const std::string damaged =
      "the region snapshot '" + path +
      "' is damaged; refusing to start (move it and the region log away to rejoin from "
      "the leader)";
  if (bytes.size() < kMagic.size() + 8 ||
      std::string_view(bytes).substr(0, kMagic.size()) != kMagic)
    return damaged;
  const std::string_view body = std::string_view(bytes).substr(0, bytes.size() - 8);
  Cursor trailer(std::string_view(bytes).substr(bytes.size() - 8));
  std::uint64_t stored = 0;
  if (!trailer.take(8, &stored) || stored != checksum_of(body)) return damaged;
  Cursor cursor(body.substr(kMagic.size()));
  election::Snapshot snapshot;
  std::uint64_t term = 0;
  std::uint64_t index = 0;
  std::uint64_t length = 0;
  if (!cursor.take(8, &term) || !cursor.take(8, &index) ||
      !cursor.take_members(&snapshot.meta.membership.voters) ||
      !cursor.take_members(&snapshot.meta.membership.learners) || !cursor.take(8, &length) ||
      length != cursor.rest().size()) {
    return damaged;
  }
  snapshot.meta.last_included = election::EntryId{election::Term{term}, election::LogIndex{index}};
  snapshot.data.assign(cursor.rest());
  return std::optional<election::Snapshot>(std::move(snapshot));
}

}  // namespace tern::node
