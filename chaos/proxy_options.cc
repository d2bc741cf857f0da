#include "chaos/proxy_options.h"

#include <charconv>
#include <set>

namespace tern::chaos {
namespace {

Result<std::uint64_t> parse_unsigned(std::string_view text, std::string_view what) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc{} || stop != end) {
    return Error{std::string(what) + ": '" + std::string(text) + "' is not an unsigned integer"};
  }
  return value;
}

// One setting by name (without dashes), from either source. `from_file` settings do not
// override a value the command line gave.
Result<bool> apply_setting(ProxyOptions& options, std::string_view name, std::string_view value,
                           bool from_file) {
  if (name == "link") {
    auto link = parse_link_spec(value);
    if (!link.ok()) return Error{link.error()};
    options.links.push_back(std::move(link).value());
  } else if (name == "control") {
    auto control = parse_host_port(value);
    if (!control.ok()) return Error{"control: " + control.error()};
    if (!from_file || !options.control) options.control = std::move(control).value();
  } else if (name == "max-buffer") {
    auto bytes = parse_unsigned(value, "max-buffer");
    if (!bytes.ok()) return Error{bytes.error()};
    if (bytes.value() < kMinMaxBufferBytes || bytes.value() > kMaxMaxBufferBytes) {
      return Error{"max-buffer must be from " + std::to_string(kMinMaxBufferBytes) + " to " +
                   std::to_string(kMaxMaxBufferBytes) + " bytes"};
    }
    if (!from_file || !options.max_buffer_bytes) {
      options.max_buffer_bytes = static_cast<std::size_t>(bytes.value());
    }
  } else if (name == "seed") {
    auto seed = parse_unsigned(value, "seed");
    if (!seed.ok()) return Error{seed.error()};
    if (!from_file || !options.seed) options.seed = seed.value();
  } else if (name == "config" && !from_file) {
    options.config_file = std::string(value);
  } else {
    return Error{"unknown option '" + std::string(name) + "'"};
  }
  return true;
}

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

}  // namespace

Result<ProxyOptions> parse_command_line(std::span<const std::string> args) {
  ProxyOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      continue;
    }
    if (arg == "-v" || arg == "--version") {
      options.version = true;
      continue;
    }
    if (arg.substr(0, 2) != "--" || arg.size() == 2) {
      return Error{"unexpected argument '" + std::string(arg) + "'"};
    }
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::string_view value;
    if (const auto equals = arg.find('='); equals != std::string_view::npos) {
      // "--control=h:p"; "--link=a=h:p->h:p" splits at its first '=' too.
      name = arg.substr(0, equals);
      value = arg.substr(equals + 1);
    } else {
      if (i + 1 >= args.size()) return Error{"--" + std::string(name) + " needs a value"};
      value = args[++i];
    }
    auto applied = apply_setting(options, name, value, false);
    if (!applied.ok()) return Error{applied.error()};
  }
  return options;
}

Result<ProxyOptions> merge_config_text(ProxyOptions options, std::string_view text) {
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (const auto hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    const auto blank = line.find_first_of(" \t");
    if (blank == std::string_view::npos) {
      return Error{"line " + std::to_string(line_number) + ": '" + std::string(line) +
                   "' has no value"};
    }
    const std::string_view name = line.substr(0, blank);
    const std::string_view value = trim(line.substr(blank));
    auto applied = apply_setting(options, name, value, true);
    if (!applied.ok()) return Error{"line " + std::to_string(line_number) + ": " + applied.error()};
  }
  return options;
}

Result<ProxyOptions> validate_options(ProxyOptions options) {
  if (options.links.empty()) return Error{"give at least one --link NAME=LISTEN->TARGET"};
  if (!options.control) return Error{"give the control address: --control HOST:PORT"};
  std::set<std::string> names;
  for (const LinkSpec& link : options.links) {
    if (!names.insert(link.name).second)
      return Error{"link name '" + link.name + "' is used twice"};
  }
  return options;
}

}  // namespace tern::chaos
