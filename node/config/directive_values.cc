#include "node/config/directive_values.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>

#include "crdt/number_text.h"
#include "node/config/config_file.h"
#include "node/config/value_text.h"

namespace tern::node {
namespace {

constexpr std::int64_t kIntMax = std::numeric_limits<std::int32_t>::max();

ValueError error(std::string_view message) { return ValueError{std::string(message)}; }

std::string range_error(const Directive& directive) {
  return "argument must be between " + std::to_string(directive.min) + " and " +
         std::to_string(directive.max) + " inclusive";
}

std::string join(std::span<const std::string> words) {
  std::string joined;
  for (const std::string& word : words) {
    if (!joined.empty()) joined += ' ';
    joined += word;
  }
  return joined;
}

std::string choices_error(std::span<const std::string_view> choices) {
  std::string message = "argument(s) must be one of the following: ";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i != 0) message += ", ";
    message += choices[i];
  }
  return message;
}

// C's strtoll(text, &end, 10) with `*end == '\0'` required, as Redis reads save rules and
// soft seconds: leading blanks, a sign and leading zeros pass, and so does "" (as 0). Unlike
// strtoll, an overflow is an error rather than LLONG_MAX.
std::optional<std::int64_t> parse_strtoll_whole(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r'))) ++i;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  const std::size_t digits_start = i;
  std::uint64_t magnitude = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    magnitude = magnitude * 10 + static_cast<std::uint64_t>(text[i] - '0');
    if (magnitude > (1ULL << 63)) return std::nullopt;
  }
  if (i == digits_start) {
    // No digits: strtoll leaves `end` at the start of the text, so only "" is whole.
    if (text.empty()) return 0;
    return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  if (negative)
    return magnitude == (1ULL << 63) ? std::numeric_limits<std::int64_t>::min()
                                     : -static_cast<std::int64_t>(magnitude);
  if (magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(magnitude);
}

ValueOrError parse_integer_value(const Directive& directive, std::string_view text) {
  const auto value = parse_config_integer(text);
  if (!value) return error("argument couldn't be parsed into an integer");
  if (*value < directive.min ||
      (*value >= 0 && static_cast<std::uint64_t>(*value) > directive.max)) {
    return error(range_error(directive));
  }
  return std::to_string(*value);
}

ValueOrError parse_memory_value_in_range(const Directive& directive, std::string_view text) {
  const auto value = parse_memory_value(text);
  if (!value) return error("argument must be a memory value");
  if (*value < static_cast<std::uint64_t>(directive.min) || *value > directive.max) {
    return error(range_error(directive));
  }
  return std::to_string(*value);
}

ValueOrError parse_octal_value(const Directive& directive, std::string_view text) {
  std::uint64_t value = 0;
  if (text.empty() || text.size() > 21) return error("argument couldn't be parsed into an integer");
  for (const char c : text) {
    if (c < '0' || c > '7') return error("argument couldn't be parsed into an integer");
    value = value * 8 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > directive.max) return error(range_error(directive));
  char octal[32];
  std::snprintf(octal, sizeof octal, "%llo", static_cast<unsigned long long>(value));
  return std::string(octal);
}

ValueOrError parse_enum_value(const Directive& directive, std::string_view text) {
  for (const std::string_view choice : directive.choices) {
    if (ascii_equals_ignore_case(text, choice)) return std::string(choice);
  }
  return error(choices_error(directive.choices));
}

std::vector<FileLine> one_line(const Directive& directive, std::string_view value,
                               std::string_view written) {
  return {FileLine{std::string(directive.name) + " " + std::string(written),
                   value != directive.default_value}};
}

// The three client classes in ClientClass order, with their names in CONFIG GET and in files.
constexpr std::array<std::string_view, kClientClassCount> kClassGetNames{"normal", "slave",
                                                                         "pubsub"};
constexpr std::array<std::string_view, kClientClassCount> kClassFileNames{"normal", "replica",
                                                                          "pubsub"};

std::string format_output_buffer_limits(
    const std::array<OutputBufferLimit, kClientClassCount>& limits) {
  std::string text;
  for (std::size_t i = 0; i < kClientClassCount; ++i) {
    if (i != 0) text += ' ';
    text += std::string(kClassGetNames[i]) + " " + std::to_string(limits[i].hard_bytes) + " " +
            std::to_string(limits[i].soft_bytes) + " " + std::to_string(limits[i].soft_seconds);
  }
  return text;
}

}  // namespace

ValueOrError parse_directive_value(const Directive& directive,
                                   std::span<const std::string> arguments, std::string_view current,
                                   bool accumulating) {
  ValueOrError parsed = error("wrong number of arguments");
  if (directive.kind == ValueKind::kSpecial) {
    parsed = directive.parse_special(directive, arguments, current, accumulating);
  } else if (arguments.size() == 1) {
    const std::string& text = arguments[0];
    switch (directive.kind) {
      case ValueKind::kYesNo: {
        const auto yes = parse_yes_no(text);
        parsed = yes ? ValueOrError{std::string(*yes ? "yes" : "no")}
                     : ValueOrError{error("argument must be 'yes' or 'no'")};
        break;
      }
      case ValueKind::kInteger:
        parsed = parse_integer_value(directive, text);
        break;
      case ValueKind::kMemory:
        parsed = parse_memory_value_in_range(directive, text);
        break;
      case ValueKind::kOctal:
        parsed = parse_octal_value(directive, text);
        break;
      case ValueKind::kEnum:
        parsed = parse_enum_value(directive, text);
        break;
      case ValueKind::kString:
        parsed = text;
        break;
      case ValueKind::kSpecial:
        break;
    }
  }
  if (directive.effect == Effect::kDefaultOnly && std::holds_alternative<std::string>(parsed) &&
      std::get<std::string>(parsed) != directive.default_value) {
    return error(directive.refusal);
  }
  return parsed;
}

std::vector<FileLine> directive_file_lines(const Directive& directive, std::string_view value) {
  if (directive.rewrite_special != nullptr) return directive.rewrite_special(directive, value);
  switch (directive.kind) {
    case ValueKind::kString:
      return rewrite_quoted(directive, value);
    case ValueKind::kMemory:
      return one_line(directive, value, format_memory_for_file(canonical_unsigned(value)));
    default:
      return one_line(directive, value, value);
  }
}

// --- special parsers ------------------------------------------------------------------------

ValueOrError parse_bind(const Directive&, std::span<const std::string> arguments, std::string_view,
                        bool) {
  if (arguments.size() == 1 && arguments[0].empty()) arguments = {};
  if (arguments.empty()) {
    return error("bind needs at least one address: tern listens on TCP only");
  }
  if (arguments.size() > 16) return error("Too many bind addresses specified.");
  for (const std::string& address : arguments) {
    if (address.empty() || address == "-") return error("bind addresses can't be empty");
  }
  return join(arguments);
}

ValueOrError parse_client_output_buffer_limit(const Directive&,
                                              std::span<const std::string> arguments,
                                              std::string_view current, bool) {
  if (arguments.size() % 4 != 0) {
    return error("Wrong number of arguments in buffer limit configuration.");
  }
  auto limits = canonical_output_buffer_limits(current);
  for (std::size_t i = 0; i < arguments.size(); i += 4) {
    std::size_t client_class = kClientClassCount;
    if (ascii_equals_ignore_case(arguments[i], "normal")) client_class = 0;
    if (ascii_equals_ignore_case(arguments[i], "slave") ||
        ascii_equals_ignore_case(arguments[i], "replica")) {
      client_class = 1;
    }
    if (ascii_equals_ignore_case(arguments[i], "pubsub")) client_class = 2;
    if (client_class == kClientClassCount) {
      return error("Invalid client class specified in buffer limit configuration.");
    }
    const auto hard = parse_memory_value(arguments[i + 1]);
    const auto soft = parse_memory_value(arguments[i + 2]);
    const auto seconds = parse_strtoll_whole(arguments[i + 3]);
    if (!hard || !soft || !seconds || *seconds < 0) {
      return error("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
    }
    limits[client_class] = OutputBufferLimit{*hard, *soft, static_cast<std::uint64_t>(*seconds)};
  }
  return format_output_buffer_limits(limits);
}

ValueOrError parse_save(const Directive&, std::span<const std::string> arguments,
                        std::string_view current, bool accumulating) {
  // `save ""` clears the rules, even in the middle of a file.
  if (arguments.size() == 1 && arguments[0].empty()) return std::string();
  if (arguments.size() % 2 != 0) return error("Invalid save parameters");
  std::string rules;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const auto number = parse_strtoll_whole(arguments[i]);
    const bool is_seconds = i % 2 == 0;
    if (!number || *number < (is_seconds ? 1 : 0) || *number > kIntMax) {
      return error("Invalid save parameters");
    }
    if (!rules.empty()) rules += ' ';
    rules += std::to_string(*number);
  }
  // While loading, the first save line replaces the default and later ones add rules.
  if (accumulating && !current.empty()) {
    return rules.empty() ? std::string(current) : std::string(current) + " " + rules;
  }
  return rules;
}

ValueOrError parse_hz(const Directive& directive, std::span<const std::string> arguments,
                      std::string_view, bool) {
  if (arguments.size() != 1) return error("wrong number of arguments");
  ValueOrError parsed = parse_integer_value(directive, arguments[0]);
  if (auto* text = std::get_if<std::string>(&parsed)) {
    // Redis keeps the server cron between 1 and 500 Hz whatever is asked.
    const std::int64_t hz = canonical_signed(*text);
    *text = std::to_string(hz < 1 ? 1 : (hz > 500 ? 500 : hz));
  }
  return parsed;
}

ValueOrError parse_maxmemory_clients(const Directive& directive,
                                     std::span<const std::string> arguments, std::string_view,
                                     bool) {
  if (arguments.size() != 1) return error("wrong number of arguments");
  const std::string& text = arguments[0];
  if (text.size() > 1 && text.back() == '%') {
    const auto percent = parse_config_integer(std::string_view(text).substr(0, text.size() - 1));
    if (percent && *percent >= 0) {
      if (*percent > 100) return error("percentage argument must be less or equal to 100");
      return std::to_string(*percent) + "%";
    }
  }
  const auto bytes = parse_memory_value(text);
  if (!bytes) return error("argument must be a memory or percent value");
  if (*bytes > directive.max) return error(range_error(directive));
  return std::to_string(*bytes);
}

ValueOrError parse_oom_score_adj_values(const Directive&, std::span<const std::string> arguments,
                                        std::string_view, bool) {
  if (arguments.size() != kClientClassCount) return error("wrong number of arguments");
  std::string values;
  for (const std::string& argument : arguments) {
    const auto value = parse_strtoll_whole(argument);
    if (!value || *value < -2000 || *value > 2000) {
      return error("Invalid oom-score-adj-values, elements must be between -2000 and 2000.");
    }
    if (!values.empty()) values += ' ';
    values += std::to_string(*value);
  }
  return values;
}

ValueOrError parse_shutdown_on_signal(const Directive& directive,
                                      std::span<const std::string> arguments, std::string_view,
                                      bool) {
  // choices: default, save, nosave, now, force; "default" is the empty set.
  if (arguments.empty()) return error(choices_error(directive.choices));
  unsigned flags = 0;
  for (const std::string& argument : arguments) {
    bool known = false;
    for (std::size_t i = 0; i < directive.choices.size(); ++i) {
      if (ascii_equals_ignore_case(argument, directive.choices[i])) {
        known = true;
        if (i != 0) flags |= 1U << i;
      }
    }
    if (!known) return error(choices_error(directive.choices));
  }
  if ((flags & 0b110U) == 0b110U) {
    return error("shutdown options SAVE and NOSAVE can't be used simultaneously");
  }
  if (flags == 0) return std::string(directive.choices[0]);
  std::string names;
  for (std::size_t i = 1; i < directive.choices.size(); ++i) {
    if ((flags & (1U << i)) == 0) continue;
    if (!names.empty()) names += ' ';
    names += directive.choices[i];
  }
  return names;
}

ValueOrError parse_latency_percentiles(const Directive&, std::span<const std::string> arguments,
                                       std::string_view, bool) {
  if (arguments.size() == 1 && arguments[0].empty()) return std::string();
  std::string percentiles;
  for (const std::string& argument : arguments) {
    const auto value = crdt::parse_long_double(argument);
    if (!value) return error("Invalid latency-tracking-info-percentiles parameters");
    if (*value > 100.0L || *value < 0.0L) {
      return error("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]");
    }
    // Redis prints each with "%f" and trims trailing zeros and a trailing point.
    char printed[400];
    std::snprintf(printed, sizeof printed, "%f", static_cast<double>(*value));
    std::string text = printed;
    if (text.find('.') != std::string::npos) {
      while (text.back() == '0') text.pop_back();
      if (text.back() == '.') text.pop_back();
    }
    if (!percentiles.empty()) percentiles += ' ';
    percentiles += text;
  }
  return percentiles;
}

ValueOrError parse_notify_keyspace_events(const Directive&, std::span<const std::string> arguments,
                                          std::string_view, bool) {
  if (arguments.size() != 1) return error("wrong number of arguments");
  // Redis's classes, in the order keyspaceEventsFlagsToString prints them. "A" is every class
  // from g to d; 'n' (new keys) and 'm' (misses) are outside "A".
  constexpr std::string_view kAllClasses = "g$lshzxetd";
  constexpr std::string_view kPrinted = "g$lshzxetdnKEm";
  unsigned flags = 0;
  for (const char c : arguments[0]) {
    if (c == 'A') {
      flags |= (1U << kAllClasses.size()) - 1;
      continue;
    }
    const std::size_t bit = kPrinted.find(c);
    if (bit == std::string_view::npos) {
      return error("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
    }
    flags |= 1U << bit;
  }
  std::string text;
  const unsigned all = (1U << kAllClasses.size()) - 1;
  std::size_t first_printed = 0;
  if ((flags & all) == all) {
    text = "A";
    first_printed = kAllClasses.size() + 1;  // "A" stands for g..d, and hides 'n'
  }
  for (std::size_t bit = first_printed; bit < kPrinted.size(); ++bit) {
    if ((flags & (1U << bit)) != 0) text += kPrinted[bit];
  }
  return text;
}

ValueOrError parse_replicaof(const Directive&, std::span<const std::string> arguments,
                             std::string_view, bool) {
  if (arguments.size() != 2) return error("Bad directive or wrong number of arguments");
  if (ascii_equals_ignore_case(arguments[0], "no") &&
      ascii_equals_ignore_case(arguments[1], "one")) {
    return std::string();
  }
  return arguments[0] + " " + arguments[1];
}

namespace {

bool is_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool is_name(std::string_view text) {
  if (text.size() > 64) return false;
  for (const char c : text) {
    if (!is_name_character(c)) return false;
  }
  return true;
}

}  // namespace

ValueOrError parse_region_name(const Directive&, std::span<const std::string> arguments,
                               std::string_view, bool) {
  if (arguments.size() != 1) return error("wrong number of arguments");
  if (arguments[0].empty() || !is_name(arguments[0])) {
    return error("region must be 1 to 64 letters, digits, '.', '_' or '-'");
  }
  return arguments[0];
}

namespace {

// One "name=host:port" item; false when malformed.
bool parse_region_node(std::string_view item, Settings::RegionNodeAddress* out) {
  const std::size_t equals = item.find('=');
  const std::size_t colon = item.rfind(':');
  if (equals == std::string_view::npos || colon == std::string_view::npos || colon < equals) return false;
  out->name = std::string(item.substr(0, equals));
  out->host = std::string(item.substr(equals + 1, colon - equals - 1));
  const std::string_view port = item.substr(colon + 1);
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) return false;
  out->port = static_cast<std::uint16_t>(value);
  return !out->name.empty() && is_name(out->name) && !out->host.empty();
}

}  // namespace

std::vector<Settings::RegionNodeAddress> region_nodes_from_text(std::string_view text) {
  std::vector<Settings::RegionNodeAddress> nodes;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    Settings::RegionNodeAddress node;
    if (parse_region_node(text.substr(0, space), &node)) nodes.push_back(std::move(node));
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  }
  return nodes;
}

ValueOrError parse_region_nodes(const Directive&, std::span<const std::string> arguments,
                                std::string_view, bool) {
  std::string canonical;
  std::vector<std::string> names;
  for (const std::string& argument : arguments) {
    // Items may come as separate arguments or as one quoted, space-separated string.
    std::string_view rest = argument;
    while (!rest.empty()) {
      const std::size_t space = rest.find(' ');
      const std::string_view item = rest.substr(0, space);
      rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
      if (item.empty()) continue;
      Settings::RegionNodeAddress node;
      if (!parse_region_node(item, &node)) {
        return error("region-nodes items are name=host:port (name: letters, digits, '.', '_', '-'); got '" +
                     std::string(item) + "'");
      }
      if (std::find(names.begin(), names.end(), node.name) != names.end()) {
        return error("region-nodes names node '" + node.name + "' twice");
      }
      names.push_back(node.name);
      if (!canonical.empty()) canonical += ' ';
      canonical += item;
    }
  }
  if (names.size() > 9) return error("region-nodes lists more than 9 nodes");
  return canonical;
}

namespace {

// One region of peer-regions: "name/id node=host:port ..."; the error says what is wrong.
std::optional<std::string> parse_peer_region(std::string_view text, Settings::PeerRegion* out) {
  std::vector<std::string_view> items;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    if (space != 0) items.push_back(text.substr(0, space));
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
  }
  if (items.empty()) return "peer-regions has an empty region between ';'";
  const std::string_view head = items[0];
  const std::size_t slash = head.find('/');
  unsigned id = 0;
  if (slash != std::string_view::npos) {
    const std::string_view digits = head.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
    if (ec != std::errc() || end != digits.data() + digits.size()) id = 0;
  }
  if (slash == std::string_view::npos || slash == 0 || !is_name(head.substr(0, slash)) || id == 0 || id > 63) {
    return "peer-regions items start with name/id (a region name and its region-id, 1 to 63); got '" +
           std::string(head) + "'";
  }
  out->name = std::string(head.substr(0, slash));
  out->id = id;
  out->nodes.clear();
  for (std::size_t i = 1; i < items.size(); ++i) {
    Settings::RegionNodeAddress node;
    if (!parse_region_node(items[i], &node)) {
      return "peer-regions nodes are name=host:port; got '" + std::string(items[i]) + "'";
    }
    out->nodes.push_back(std::move(node));
  }
  if (out->nodes.empty()) return "peer-regions region '" + out->name + "' lists no nodes";
  if (out->nodes.size() > 9) return "peer-regions region '" + out->name + "' lists more than 9 nodes";
  return std::nullopt;
}

}  // namespace

ValueOrError parse_peer_regions(const Directive&, std::span<const std::string> arguments,
                                std::string_view, bool) {
  std::string joined;
  for (const std::string& argument : arguments) {
    if (!joined.empty()) joined += ' ';
    joined += argument;
  }
  std::string canonical;
  std::vector<Settings::PeerRegion> seen;
  std::string_view rest = joined;
  while (!rest.empty()) {
    const std::size_t semicolon = rest.find(';');
    std::string_view part = rest.substr(0, semicolon);
    rest = semicolon == std::string_view::npos ? std::string_view{} : rest.substr(semicolon + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty()) continue;
    Settings::PeerRegion region;
    if (auto problem = parse_peer_region(part, &region)) return error(*problem);
    for (const auto& other : seen) {
      if (other.name == region.name || other.id == region.id) {
        return error("peer-regions names region '" + region.name + "' or id " + std::to_string(region.id) +
                     " twice");
      }
    }
    if (seen.size() >= 62) return error("peer-regions lists more than 62 regions");
    if (!canonical.empty()) canonical += "; ";
    canonical += region.name + "/" + std::to_string(region.id);
    for (const auto& node : region.nodes) canonical += " " + node.name + "=" + node.host + ":" + std::to_string(node.port);
    seen.push_back(std::move(region));
  }
  return canonical;
}

std::vector<Settings::PeerRegion> peer_regions_from_text(std::string_view text) {
  std::vector<Settings::PeerRegion> regions;
  while (!text.empty()) {
    const std::size_t semicolon = text.find(';');
    std::string_view part = text.substr(0, semicolon);
    text = semicolon == std::string_view::npos ? std::string_view{} : text.substr(semicolon + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    Settings::PeerRegion region;
    if (!part.empty() && !parse_peer_region(part, &region)) regions.push_back(std::move(region));
  }
  return regions;
}

ValueOrError parse_node_id(const Directive&, std::span<const std::string> arguments,
                           std::string_view, bool) {
  if (arguments.size() != 1) return error("wrong number of arguments");
  if (!is_name(arguments[0])) {
    return error("node-id must be empty or up to 64 letters, digits, '.', '_' or '-'");
  }
  return arguments[0];
}

// --- special rewriters ----------------------------------------------------------------------

std::vector<FileLine> rewrite_quoted(const Directive& directive, std::string_view value) {
  return one_line(directive, value, quote_config_argument(value));
}

std::vector<FileLine> rewrite_client_output_buffer_limit(const Directive& directive,
                                                         std::string_view value) {
  const auto limits = canonical_output_buffer_limits(value);
  const auto defaults = canonical_output_buffer_limits(directive.default_value);
  std::vector<FileLine> lines;
  for (std::size_t i = 0; i < kClientClassCount; ++i) {
    lines.push_back(FileLine{std::string(directive.name) + " " + std::string(kClassFileNames[i]) +
                                 " " + format_memory_for_file(limits[i].hard_bytes) + " " +
                                 format_memory_for_file(limits[i].soft_bytes) + " " +
                                 std::to_string(limits[i].soft_seconds),
                             limits[i] != defaults[i]});
  }
  return lines;
}

std::vector<FileLine> rewrite_save(const Directive& directive, std::string_view value) {
  const bool forced = value != directive.default_value;
  if (value.empty()) return {FileLine{std::string(directive.name) + " \"\"", forced}};
  const std::vector<std::string> numbers = split_on_spaces(value);
  std::vector<FileLine> lines;
  for (std::size_t i = 0; i + 1 < numbers.size(); i += 2) {
    lines.push_back(
        FileLine{std::string(directive.name) + " " + numbers[i] + " " + numbers[i + 1], forced});
  }
  return lines;
}

std::vector<FileLine> rewrite_maxmemory_clients(const Directive& directive,
                                                std::string_view value) {
  if (!value.empty() && value.back() == '%') return one_line(directive, value, value);
  return one_line(directive, value, format_memory_for_file(canonical_unsigned(value)));
}

std::vector<FileLine> rewrite_replicaof(const Directive& directive, std::string_view value) {
  if (value.empty()) return {};  // no line: the old ones are dropped, as Redis does
  return one_line(directive, value, value);
}

// --- canonical text back to numbers ---------------------------------------------------------

std::uint64_t canonical_unsigned(std::string_view value) {
  std::uint64_t number = 0;
  std::from_chars(value.data(), value.data() + value.size(), number);
  return number;
}

std::int64_t canonical_signed(std::string_view value) {
  std::int64_t number = 0;
  std::from_chars(value.data(), value.data() + value.size(), number);
  return number;
}

std::array<OutputBufferLimit, kClientClassCount> canonical_output_buffer_limits(
    std::string_view value) {
  std::array<OutputBufferLimit, kClientClassCount> limits{};
  const std::vector<std::string> words = split_on_spaces(value);
  for (std::size_t i = 0; i + 3 < words.size() && i / 4 < kClientClassCount; i += 4) {
    limits[i / 4] =
        OutputBufferLimit{canonical_unsigned(words[i + 1]), canonical_unsigned(words[i + 2]),
                          canonical_unsigned(words[i + 3])};
  }
  return limits;
}

}  // namespace tern::node
