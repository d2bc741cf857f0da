#pragma once
// COMMAND DOCS: what each command accepts, as the `arguments` tree redis-server 7 replies with.
//
// Every command in the table has one syntax line here, written in Redis's usual notation, and a
// small parser turns the line into the tree. redis-cli (7.0 and later) builds its help and its
// as-you-type hints from that tree alone once a server answers COMMAND DOCS, so a command
// without a line shows no hint at all.
//
// The notation, as the parser reads it:
//   SET key value [NX | XX] [GET] [EX seconds:integer | PX milliseconds:integer | KEEPTTL]
//   - The line opens with the command's name (two words for a subcommand: "CLIENT LIST").
//   - An upper-case word is a token typed as is (NX, EX, BYSCORE); on its own it is a
//     "pure-token" argument, and directly before a placeholder, a <...> group or a repeated
//     item it becomes that argument's `token` (EX seconds). A token followed only by two or
//     more placeholders heads a block of them (LIMIT offset count).
//   - A lower-case word is a placeholder; `name:type` gives its type (key, string, integer,
//     double, pattern, unix-time). Without one, "key" is a key, "pattern" a pattern, names
//     starting "unix-time" a unix time, and everything else a string.
//   - [a] is optional, <a> required; inside either, `|` separates alternatives (a "oneof"),
//     and several items in one alternative form a "block".
//   - `x [x ...]` repeats x (the `multiple` flag); x may be several items (`field value
//     [field value ...]`, a block), and `TOKEN x [TOKEN x ...]` repeats the token too
//     (`multiple_token`). The repeated copy names the same items; types come from the first.
// Lines are constants checked by tests/node/command_docs_test.cc; should one fail to parse at
// run time, its command is served without arguments rather than failing COMMAND DOCS.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/resp/reply_writer.h"

namespace tern::node {

enum class ArgumentType : std::uint8_t {
  kKey,
  kString,
  kInteger,
  kDouble,
  kPattern,
  kUnixTime,
  kPureToken,
  kOneOf,  // exactly one of `arguments`
  kBlock,  // all of `arguments`, in order
};

// The type's name in COMMAND DOCS ("key", "pure-token", "oneof", ...).
[[nodiscard]] std::string_view argument_type_name(ArgumentType type);

struct ArgumentDoc {
  std::string name;
  ArgumentType type = ArgumentType::kString;
  std::string token;  // empty: the argument has none
  bool optional = false;
  bool multiple = false;
  bool multiple_token = false;         // each repetition repeats the token as well
  std::vector<ArgumentDoc> arguments;  // kOneOf and kBlock only

  bool operator==(const ArgumentDoc&) const = default;
};

struct ParsedSyntax {
  std::vector<ArgumentDoc> arguments;
  std::string error;  // empty when the line parsed; else what is wrong and where
};

// Parses a syntax line for `name`, a command ("set") or a subcommand ("client|list"), whose
// words the line must open with.
[[nodiscard]] ParsedSyntax parse_syntax_line(std::string_view name, std::string_view line);

// How many arguments (after the command's name) a call matching `arguments` can have.
struct ArgumentCountBounds {
  std::size_t min = 0;
  std::optional<std::size_t> max;  // nullopt: no upper bound
};
[[nodiscard]] ArgumentCountBounds argument_count_bounds(std::span<const ArgumentDoc> arguments);

struct CommandSyntax {
  std::string_view name;     // lower case: "set"; a subcommand as "client|list"
  std::string_view line;     // in the notation above
  std::string_view summary;  // subcommands only: a command's summary is its CommandSpec's
};

// Every syntax line, commands and subcommands (a subcommand follows its command).
[[nodiscard]] std::span<const CommandSyntax> command_syntax_lines();

struct SubcommandDocs {
  std::string_view name;  // "client|list", as COMMAND DOCS keys it
  std::string_view summary;
  std::vector<ArgumentDoc> arguments;
};

struct CommandDocs {
  std::vector<ArgumentDoc> arguments;
  std::vector<SubcommandDocs> subcommands;  // empty unless the command is a container
};

// The parsed docs of a command (lower-case name); nullptr when it has no syntax line. All
// lines are parsed once, on first use.
[[nodiscard]] const CommandDocs* find_command_docs(std::string_view name);

// Writes `arguments` as COMMAND DOCS does: an array of maps with name, type, and when they
// apply token, flags (a set of simple strings) and the nested arguments.
void reply_argument_docs(resp::ReplyWriter& reply, std::span<const ArgumentDoc> arguments);

}  // namespace tern::node
