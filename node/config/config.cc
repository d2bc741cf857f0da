#include "node/config/config.h"

#include <set>

#include "node/config/config_file.h"
#include "node/config/config_rewrite.h"
#include "node/config/directive_table.h"
#include "node/config/directive_values.h"
#include "node/config/value_text.h"
#include "node/glob_match.h"

namespace tern::node {
namespace {

// Directives that only mean something in a real redis-server file; named so the error says
// more than "Bad directive".
std::optional<std::string_view> unsupported_file_keyword(std::string_view name) {
  if (ascii_equals_ignore_case(name, "include")) {
    return "include is not supported by tern: put every directive in one file";
  }
  if (ascii_equals_ignore_case(name, "rename-command")) {
    return "rename-command is not supported by tern";
  }
  if (ascii_equals_ignore_case(name, "user")) {
    return "ACL users are not supported by tern: use requirepass";
  }
  if (ascii_equals_ignore_case(name, "loadmodule")) return "modules are not supported by tern";
  if (ascii_equals_ignore_case(name, "sentinel")) return "tern does not run as a Sentinel";
  return std::nullopt;
}

// Applies one directive occurrence of a load to `values`; returns the error text, if any.
std::optional<std::string> apply_load_directive(const std::vector<std::string>& arguments,
                                                std::vector<std::string>& values,
                                                std::set<std::size_t>& seen) {
  if (arguments.empty()) return std::nullopt;
  if (const auto keyword = unsupported_file_keyword(arguments[0])) return std::string(*keyword);
  const auto match = find_directive(arguments[0]);
  if (!match) return std::string("Bad directive or wrong number of arguments");
  const Directive& directive = match->directive();

  std::span<const std::string> values_given(arguments.begin() + 1, arguments.end());
  std::vector<std::string> resplit;
  if (!directive.multiple_arguments) {
    if (values_given.size() != 1) return std::string("wrong number of arguments");
  } else if (values_given.size() == 1 && !values_given[0].empty()) {
    // Redis 7 splits a lone argument of a multi-argument directive again, so that
    // `--save "900 1"` and `save "900 1"` mean `save 900 1`.
    auto split = split_config_arguments(values_given[0]);
    if (!split) return std::string("Unbalanced quotes in configuration line");
    resplit = std::move(*split);
    values_given = resplit;
  }
  const bool accumulating = seen.contains(match->index);
  ValueOrError parsed =
      parse_directive_value(directive, values_given, values[match->index], accumulating);
  if (const auto* failure = std::get_if<ValueError>(&parsed)) return failure->message;
  values[match->index] = std::move(std::get<std::string>(parsed));
  seen.insert(match->index);
  return std::nullopt;
}

std::string fatal_error(std::string_view location, std::string_view line,
                        std::string_view message) {
  std::string text = "*** FATAL CONFIG FILE ERROR (tern) ***\n";
  text += location;
  text += "\n>>> '";
  text += line;
  text += "'\n";
  text += message;
  return text;
}

bool has_glob_characters(std::string_view pattern) {
  return pattern.find_first_of("[*?") != std::string_view::npos;
}

}  // namespace

Config::Config() {
  for (const Directive& directive : directive_table()) {
    values_.emplace_back(directive.default_value);
  }
  rebuild_settings();
}

void Config::rebuild_settings() {
  Settings settings;
  const std::vector<Directive>& table = directive_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].store != nullptr) table[i].store(settings, values_[i]);
  }
  settings_ = std::move(settings);
}

std::variant<Config, ConfigError> Config::load(std::string_view file_text,
                                               std::string_view file_name,
                                               const std::vector<std::string>& overrides) {
  Config config;
  std::set<std::size_t> seen;  // directives met so far in this load

  for (const ConfigFileLine& line : config_file_lines(file_text)) {
    std::optional<std::string> failure;
    if (!line.arguments) {
      failure = "Unbalanced quotes in configuration line";
    } else {
      failure = apply_load_directive(*line.arguments, config.values_, seen);
    }
    if (failure) {
      std::string location = "Reading the configuration file";
      if (!file_name.empty()) location += " '" + std::string(file_name) + "'";
      location += ", at line " + std::to_string(line.number);
      return ConfigError{fatal_error(location, line.text, *failure)};
    }
  }

  for (const CommandLineDirective& option : group_command_line_options(overrides)) {
    std::optional<std::string> failure;
    if (!option.arguments) {
      failure = "Unbalanced quotes in configuration line";
    } else {
      failure = apply_load_directive(*option.arguments, config.values_, seen);
    }
    if (failure) {
      const std::string location =
          "Reading the command line, at argument " + std::to_string(option.argument_number);
      return ConfigError{fatal_error(location, option.text, *failure)};
    }
  }

  config.rebuild_settings();
  return config;
}

std::vector<std::pair<std::string, std::string>> Config::get(std::string_view pattern) const {
  std::vector<std::pair<std::string, std::string>> found;
  if (!has_glob_characters(pattern)) {
    if (const auto match = find_directive(pattern)) {
      found.emplace_back(std::string(pattern), values_[match->index]);
    }
    return found;
  }
  const std::vector<Directive>& table = directive_table();
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (glob_match(pattern, table[i].name, true)) {
      found.emplace_back(std::string(table[i].name), values_[i]);
    }
    if (!table[i].alias.empty() && glob_match(pattern, table[i].alias, true)) {
      found.emplace_back(std::string(table[i].alias), values_[i]);
    }
  }
  return found;
}

std::vector<std::pair<std::string, std::string>> Config::get_many(
    const std::vector<std::string>& patterns) const {
  std::vector<std::pair<std::string, std::string>> found;
  std::set<std::string> names;  // lower-case
  for (const std::string& pattern : patterns) {
    for (auto& entry : get(pattern)) {
      if (names.insert(ascii_lower(entry.first)).second) found.push_back(std::move(entry));
    }
  }
  return found;
}

std::optional<ConfigError> Config::set(
    const std::vector<std::pair<std::string, std::string>>& changes, bool local_connection) {
  // First every name, as Redis does: the first problem found wins.
  const std::string& protected_policy = values_[find_directive("enable-protected-configs")->index];
  const bool protected_allowed =
      protected_policy == "yes" || (protected_policy == "local" && local_connection);
  std::vector<DirectiveMatch> matches;
  for (const auto& [name, value] : changes) {
    const auto match = find_directive(name);
    if (!match) {
      return ConfigError{"ERR Unknown option or number of arguments for CONFIG SET - '" + name +
                         "'"};
    }
    std::string_view problem;
    if (match->directive().mutability == Mutability::kStartupOnly) {
      problem = "can't set immutable config";
    } else if (match->directive().mutability == Mutability::kProtected && !protected_allowed) {
      problem = "can't set protected config";
    }
    for (const DirectiveMatch& earlier : matches) {
      // The name and its alias are different configs to Redis 7, so "a x alias-of-a y" is
      // allowed (the later one wins); the same spelling twice is not.
      if (earlier.index == match->index && earlier.via_alias == match->via_alias) {
        problem = "duplicate parameter";
      }
    }
    if (!problem.empty()) {
      return ConfigError{"ERR CONFIG SET failed (possibly related to argument '" + name + "') - " +
                         std::string(problem)};
    }
    matches.push_back(*match);
  }

  // Then every value, on a copy.
  std::vector<std::string> values = values_;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const Directive& directive = matches[i].directive();
    std::vector<std::string> arguments;
    if (directive.multiple_arguments) {
      arguments = split_on_spaces(changes[i].second);
    } else {
      arguments.push_back(changes[i].second);
    }
    ValueOrError parsed =
        parse_directive_value(directive, arguments, values[matches[i].index], false);
    if (const auto* failure = std::get_if<ValueError>(&parsed)) {
      return ConfigError{"ERR CONFIG SET failed (possibly related to argument '" +
                         std::string(matches[i].spelling()) + "') - " + failure->message};
    }
    values[matches[i].index] = std::move(std::get<std::string>(parsed));
  }
  values_ = std::move(values);
  rebuild_settings();
  return std::nullopt;
}

std::string Config::rewrite(std::string_view original_text) const {
  return rewrite_config_text(original_text, values_);
}

std::optional<std::string> Config::value(std::string_view name) const {
  const auto match = find_directive(name);
  if (!match) return std::nullopt;
  return values_[match->index];
}

}  // namespace tern::node
