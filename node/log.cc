#include "node/log.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

namespace tern::node {
namespace {

LogLevel g_level = LogLevel::kNotice;
std::FILE* g_sink = nullptr;  // nullptr: stderr

}  // namespace

bool parse_log_level(std::string_view name, LogLevel* out) {
  if (name == "debug") *out = LogLevel::kDebug;
  else if (name == "verbose") *out = LogLevel::kVerbose;
  else if (name == "notice") *out = LogLevel::kNotice;
  else if (name == "warning") *out = LogLevel::kWarning;
  else if (name == "nothing") *out = LogLevel::kNothing;
  else return false;
  return true;
}

bool configure_log(LogLevel level, const std::string& path) {
  g_level = level;
  if (g_sink != nullptr) {
    std::fclose(g_sink);
    g_sink = nullptr;
  }
  if (path.empty()) return true;
  g_sink = std::fopen(path.c_str(), "a");
  return g_sink != nullptr;
}

void log_line(LogLevel level, std::string_view message) {
  if (level < g_level || g_level == LogLevel::kNothing) return;
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::tm tm{};
  const std::time_t seconds = tv.tv_sec;
  localtime_r(&seconds, &tm);
  char when[64];
  const std::size_t n = std::strftime(when, sizeof when, "%d %b %Y %H:%M:%S", &tm);
  static constexpr char kMarks[] = {'.', '-', '*', '#'};
  const char mark = kMarks[static_cast<int>(level) < 4 ? static_cast<int>(level) : 3];
  std::FILE* out = g_sink != nullptr ? g_sink : stderr;
  std::fprintf(out, "%d:M %.*s.%03d %c %.*s\n", static_cast<int>(getpid()), static_cast<int>(n), when,
               static_cast<int>(tv.tv_usec / 1000), mark, static_cast<int>(message.size()), message.data());
  std::fflush(out);
}

}  // namespace tern::node
