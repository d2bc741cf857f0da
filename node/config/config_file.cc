#include "node/config/config_file.h"

#include <cstdio>

#include "node/config/value_text.h"

namespace tern::node {
namespace {

// C's isspace in the "C" locale.
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

}  // namespace

std::optional<std::vector<std::string>> split_config_arguments(std::string_view line) {
  // A NUL ends a C string, and so the line in Redis.
  if (const auto nul = line.find('\0'); nul != std::string_view::npos) line = line.substr(0, nul);
  const std::size_t size = line.size();
  // The byte at `i`, or NUL past the end: the C code reads the terminator in several places.
  const auto at = [&](std::size_t i) { return i < size ? line[i] : '\0'; };

  std::vector<std::string> arguments;
  std::size_t p = 0;
  while (true) {
    while (p < size && is_blank(line[p])) ++p;
    if (p >= size) return arguments;

    std::string current;
    bool in_double_quotes = false;
    bool in_single_quotes = false;
    bool done = false;
    while (!done) {
      const char c = at(p);
      if (in_double_quotes) {
        if (c == '\\' && at(p + 1) == 'x' && is_hex_digit(at(p + 2)) && is_hex_digit(at(p + 3))) {
          current += static_cast<char>(hex_value(at(p + 2)) * 16 + hex_value(at(p + 3)));
          p += 3;
        } else if (c == '\\' && at(p + 1) != '\0') {
          ++p;
          switch (at(p)) {
            case 'n':
              current += '\n';
              break;
            case 'r':
              current += '\r';
              break;
            case 't':
              current += '\t';
              break;
            case 'b':
              current += '\b';
              break;
            case 'a':
              current += '\a';
              break;
            default:
              current += at(p);
              break;
          }
        } else if (c == '"') {
          // The closing quote must be followed by a blank or nothing at all.
          if (at(p + 1) != '\0' && !is_blank(at(p + 1))) return std::nullopt;
          done = true;
        } else if (c == '\0') {
          return std::nullopt;  // unterminated quotes
        } else {
          current += c;
        }
      } else if (in_single_quotes) {
        if (c == '\\' && at(p + 1) == '\'') {
          ++p;
          current += '\'';
        } else if (c == '\'') {
          if (at(p + 1) != '\0' && !is_blank(at(p + 1))) return std::nullopt;
          done = true;
        } else if (c == '\0') {
          return std::nullopt;
        } else {
          current += c;
        }
      } else {
        switch (c) {
          case ' ':
          case '\n':
          case '\r':
          case '\t':
          case '\0':
            done = true;
            break;
          case '"':
            in_double_quotes = true;
            break;
          case '\'':
            in_single_quotes = true;
            break;
          default:
            current += c;
            break;
        }
      }
      if (p < size) ++p;
    }
    arguments.push_back(std::move(current));
  }
}

std::vector<std::string> split_on_spaces(std::string_view value) {
  std::vector<std::string> pieces;
  if (value.empty()) return pieces;
  std::size_t start = 0;
  while (true) {
    const std::size_t space = value.find(' ', start);
    if (space == std::string_view::npos) {
      pieces.emplace_back(value.substr(start));
      return pieces;
    }
    pieces.emplace_back(value.substr(start, space - start));
    start = space + 1;
  }
}

std::string quote_config_argument(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    switch (c) {
      case '\\':
        quoted += "\\\\";
        break;
      case '"':
        quoted += "\\\"";
        break;
      case '\n':
        quoted += "\\n";
        break;
      case '\r':
        quoted += "\\r";
        break;
      case '\t':
        quoted += "\\t";
        break;
      case '\a':
        quoted += "\\a";
        break;
      case '\b':
        quoted += "\\b";
        break;
      default:
        if (c >= 0x20 && c <= 0x7e) {
          quoted += c;
        } else {
          char escape[5];
          std::snprintf(escape, sizeof escape, "\\x%02x", static_cast<unsigned char>(c));
          quoted += escape;
        }
        break;
    }
  }
  quoted += '"';
  return quoted;
}

std::string_view trim_config_line(std::string_view line) {
  constexpr std::string_view kTrimmed = " \t\r\n";
  const std::size_t first = line.find_first_not_of(kTrimmed);
  if (first == std::string_view::npos) return {};
  const std::size_t last = line.find_last_not_of(kTrimmed);
  return line.substr(first, last - first + 1);
}

std::vector<ConfigFileLine> config_file_lines(std::string_view file_text) {
  std::vector<ConfigFileLine> lines;
  std::size_t number = 0;
  std::size_t start = 0;
  while (start <= file_text.size()) {
    std::size_t end = file_text.find('\n', start);
    if (end == std::string_view::npos) end = file_text.size();
    ++number;
    const std::string_view text = trim_config_line(file_text.substr(start, end - start));
    if (!text.empty() && text.front() != '#') {
      lines.push_back(ConfigFileLine{number, text, split_config_arguments(text)});
    }
    start = end + 1;
  }
  return lines;
}

std::vector<CommandLineDirective> group_command_line_options(
    const std::vector<std::string>& options) {
  std::vector<CommandLineDirective> directives;
  // False right after a bare "--name": its value may itself start with "--".
  bool last_name_has_value = true;
  for (std::size_t j = 0; j < options.size(); ++j) {
    const std::string& option = options[j];
    const bool is_name = option.size() >= 2 && option[0] == '-' && option[1] == '-';
    if (last_name_has_value && is_name) {
      CommandLineDirective directive;
      directive.argument_number = j + 1;
      directive.text = option.substr(2);
      directive.arguments = split_config_arguments(directive.text);
      const std::size_t words = directive.arguments ? directive.arguments->size() : 0;
      if (words == 1) {
        last_name_has_value = false;
        const bool is_save = ascii_equals_ignore_case(option, "--save");
        const bool next_is_name = j + 1 < options.size() && options[j + 1].size() >= 2 &&
                                  options[j + 1][0] == '-' && options[j + 1][1] == '-';
        if (is_save && (j + 1 == options.size() || next_is_name)) {
          // "--save" with no value (last, or followed by another option) means save "".
          directive.arguments->emplace_back();
          directive.text += " \"\"";
          last_name_has_value = true;
        }
      } else {
        last_name_has_value = true;
      }
      directives.push_back(std::move(directive));
    } else {
      if (directives.empty()) {
        CommandLineDirective directive;
        directive.argument_number = j + 1;
        directive.arguments.emplace();
        directives.push_back(std::move(directive));
      }
      CommandLineDirective& directive = directives.back();
      if (!directive.text.empty()) directive.text += ' ';
      directive.text += quote_config_argument(option);
      if (directive.arguments) directive.arguments->push_back(option);
      last_name_has_value = true;
    }
  }
  return directives;
}

}  // namespace tern::node
