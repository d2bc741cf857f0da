#include "chaos/link_spec.h"

#include <charconv>

namespace tern::chaos {
namespace {

constexpr std::size_t kMaxLinkNameLength = 64;

Result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc{} || stop != end || value > 65535) {
    return Error{"bad port in '" + std::string(whole) + "' (want 0-65535)"};
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Error{"bad address '" + std::string(text) + "' (want [IPV6]:PORT)"};
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Error{"bad address '" + std::string(text) + "' (want HOST:PORT)"};
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Error{"bad address '" + std::string(text) + "' (write IPv6 hosts as [HOST]:PORT)"};
    }
  }
  if (host.empty()) return Error{"bad address '" + std::string(text) + "' (empty host)"};
  auto parsed_port = parse_port(port, text);
  if (!parsed_port.ok()) return Error{parsed_port.error()};
  return HostPort{std::string(host), parsed_port.value()};
}

bool is_valid_link_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxLinkNameLength) return false;
  for (const char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!allowed) return false;
  }
  return true;
}

Result<LinkSpec> parse_link_spec(std::string_view text) {
  const auto equals = text.find('=');
  const auto arrow = text.find("->");
  if (equals == std::string_view::npos || arrow == std::string_view::npos || arrow < equals) {
    return Error{"bad link '" + std::string(text) +
                 "' (want NAME=LISTEN_HOST:PORT->TARGET_HOST:PORT)"};
  }
  const std::string_view name = text.substr(0, equals);
  if (!is_valid_link_name(name)) {
    return Error{"bad link name '" + std::string(name) +
                 "' (1-64 letters, digits, '-', '_' or '.')"};
  }
  auto listen = parse_host_port(text.substr(equals + 1, arrow - equals - 1));
  if (!listen.ok()) return Error{"link " + std::string(name) + ": " + listen.error()};
  auto target = parse_host_port(text.substr(arrow + 2));
  if (!target.ok()) return Error{"link " + std::string(name) + ": " + target.error()};
  if (target.value().port == 0) {
    return Error{"link " + std::string(name) + ": the target port must not be 0"};
  }
  return LinkSpec{std::string(name), std::move(listen).value(), std::move(target).value()};
}

std::string to_text(const HostPort& address) {
  const bool ipv6 = address.host.find(':') != std::string::npos;
  std::string text = ipv6 ? "[" + address.host + "]" : address.host;
  return text + ":" + std::to_string(address.port);
}

}  // namespace tern::chaos
