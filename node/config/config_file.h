#pragma once
// The redis.conf syntax, without any meaning attached: lines, arguments, quoting, and the
// `--name value` command-line options that redis-server appends to its file.
//
// A file is split at '\n'; each line is trimmed of " \t\r\n"; empty lines and lines whose
// first character is '#' are skipped (a '#' later in a line is an ordinary argument, as in
// Redis). Arguments follow sdssplitargs: separated by blanks; "double quotes" understand
// \n \r \t \b \a \xHH and \<any>; 'single quotes' understand only \'; a closing quote must be
// followed by a blank or the end of the line; a NUL byte ends the line.
//
// The whole text is in memory (a config file is small and read once), so these functions
// take complete text rather than being fed bytes like the RESP parser.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tern::node {

// sdssplitargs: the arguments of one line, or nullopt for unbalanced quotes.
std::optional<std::vector<std::string>> split_config_arguments(std::string_view line);

// sdssplitlen(value, " "): how CONFIG SET splits the value of a multi-argument directive
// ("save", "bind", ...). Every single space separates, so "a  b" has an empty middle
// argument, and "" has no arguments at all.
std::vector<std::string> split_on_spaces(std::string_view value);

// sdscatrepr: `text` in double quotes, with \\ \" \n \r \t \a \b and \xHH escapes, such that
// split_config_arguments reads it back as the same single argument.
std::string quote_config_argument(std::string_view text);

// A line with the characters " \t\r\n" trimmed from both ends.
std::string_view trim_config_line(std::string_view line);

// One directive line of a file.
struct ConfigFileLine {
  std::size_t number = 0;                             // 1-based
  std::string_view text;                              // trimmed, as error messages quote it
  std::optional<std::vector<std::string>> arguments;  // nullopt: unbalanced quotes
};

// The directive lines of `file_text`, skipping blank lines and comments.
std::vector<ConfigFileLine> config_file_lines(std::string_view file_text);

// One directive given on the command line.
struct CommandLineDirective {
  std::size_t argument_number = 0;  // 1-based index of its first argument in the options
  std::string text;                 // as redis-server echoes it: port "7000"
  std::optional<std::vector<std::string>> arguments;  // nullopt: unbalanced quotes
};

// Groups command-line options the way redis-server's main() does: "--name" starts a
// directive and the plain arguments after it are its values ("--port 7000"); a single
// "--name value" argument is split like a file line; a bare "--save" followed by another
// "--option" or by nothing means `save ""`; after a bare "--name", the next argument is its
// value even if it starts with "--". Arguments before any "--name" form a directive whose
// name is the first of them, as in Redis.
std::vector<CommandLineDirective> group_command_line_options(
    const std::vector<std::string>& options);

}  // namespace tern::node
