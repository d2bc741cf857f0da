#include "node/region/hard_state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tern::node {
namespace {

constexpr std::string_view kHeader = "tern-hard-state 1";

std::string errno_text() { return std::strerror(errno); }

bool parse_field(std::string_view text, std::string_view name, std::uint64_t* out) {
  const std::size_t at = text.find(std::string(name) + "=");
  if (at == std::string_view::npos) return false;
  const char* first = text.data() + at + name.size() + 1;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(first, last, *out);
  return ec == std::errc() && (end == last || *end == ' ' || *end == '\n');
}

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

std::variant<election::HardState, HardStateError> load_hard_state(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return election::HardState{};
    return HardStateError{"can't read the election state file '" + path + "': " + errno_text()};
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::uint64_t term = 0, vote = 0, voted = 0, commit = 0;
  if (text.rfind(kHeader, 0) != 0 || !parse_field(text, "term", &term) || !parse_field(text, "voted", &voted) ||
      !parse_field(text, "vote", &vote) || !parse_field(text, "commit", &commit) || voted > 1) {
    return HardStateError{"the election state file '" + path +
                          "' is damaged; refusing to start (a forgotten vote could be cast twice)"};
  }
  election::HardState state;
  state.term = election::Term{term};
  if (voted == 1) state.voted_for = election::NodeId{vote};
  state.commit = election::LogIndex{commit};
  return state;
}

std::string save_hard_state(const std::string& path, const election::HardState& state) {
  const std::string text = std::string(kHeader) + " term=" + std::to_string(state.term.value) +
                           " voted=" + (state.voted_for ? "1" : "0") +
                           " vote=" + std::to_string(state.voted_for ? state.voted_for->value : 0) +
                           " commit=" + std::to_string(state.commit.value) + "\n";
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "can't write '" + temporary + "': " + errno_text();
  const bool written = write_all(fd, text) && ::fsync(fd) == 0;
  const std::string write_error = written ? "" : errno_text();
  ::close(fd);
  if (!written) return "can't write '" + temporary + "': " + write_error;
  if (::rename(temporary.c_str(), path.c_str()) != 0) return "can't replace '" + path + "': " + errno_text();
  const std::size_t slash = path.rfind('/');
  const std::string directory = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

}  // namespace tern::node
