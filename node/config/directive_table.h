#pragma once
// The directive table: every configuration directive tern-server knows, one row each, in the
// order of node/config/README.md. The names and defaults are redis-server 7.0.15's (its
// `CONFIG GET *`), plus tern's own (region, region-id, node-id).
//
// Each directive is one of:
//  - acted on: tern does what Redis does with it; its value reaches Settings;
//  - a no-op: accepted and stored, shown by CONFIG GET, written by CONFIG REWRITE, and
//    ignored, because it tunes something tern does not have (encodings, RDB/AOF files,
//    defragmentation, Redis replication and cluster);
//  - default only: tern cannot honour any other value, and quietly ignoring one would
//    mislead (`appendonly yes` promises a durability tern does not give), so any other value
//    is an error that says why.
//
// Values are kept as canonical text: the text CONFIG GET shows (yes/no, plain integers,
// sizes in bytes, lower-case enum names). A directive's parser turns its arguments into
// that text or an error in Redis's words; its rewriter turns the text into file lines.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "node/config/settings.h"

namespace tern::node {

enum class ValueKind : std::uint8_t {
  kYesNo,
  kInteger,  // string2ll, then a range check
  kMemory,   // memtoull units, then a range check
  kOctal,    // unixsocketperm
  kEnum,     // one of `choices`, any case; shown lower-case
  kString,   // any bytes
  kSpecial,  // its own parser and rewriter
};

enum class Mutability : std::uint8_t {
  kRuntime,      // CONFIG SET may change it
  kStartupOnly,  // "can't set immutable config"
  kProtected,    // "can't set protected config" unless enable-protected-configs allows it
};

enum class Effect : std::uint8_t { kActedOn, kNoOp, kDefaultOnly };

struct ValueError {
  std::string message;
};
using ValueOrError = std::variant<std::string, ValueError>;

// One line CONFIG REWRITE writes. A line whose value differs from the default is `forced`:
// appended when the file has no line for the directive to replace.
struct FileLine {
  std::string text;
  bool forced = false;
};

struct Directive;

// `current` is the value before this change. `accumulating` is true for the second and
// later occurrence of the directive during one load (file plus command line), where `save`
// lines add up instead of replacing each other.
using SpecialParser = ValueOrError (*)(const Directive& directive,
                                       std::span<const std::string> arguments,
                                       std::string_view current, bool accumulating);
using SpecialRewriter = std::vector<FileLine> (*)(const Directive& directive,
                                                  std::string_view value);
using SettingsStore = void (*)(Settings& settings, std::string_view value);

struct Directive {
  std::string_view name;
  std::string_view alias;  // the Redis 7 alias ("slave-read-only"), or empty
  ValueKind kind = ValueKind::kString;
  std::string_view default_value;  // canonical text
  std::int64_t min = 0;            // kInteger, kMemory, kOctal: inclusive bounds
  std::uint64_t max = 0;
  std::span<const std::string_view> choices;  // kEnum, and the names of special flag sets
  Mutability mutability = Mutability::kRuntime;
  Effect effect = Effect::kNoOp;
  bool multiple_arguments = false;  // takes several arguments ("save 900 1"), like Redis
  bool sensitive = false;           // a secret: to be redacted from slow log and MONITOR
  std::string_view refusal;         // kDefaultOnly: why other values are refused
  SpecialParser parse_special = nullptr;
  SpecialRewriter rewrite_special = nullptr;
  SettingsStore store = nullptr;  // set for every acted-on directive with a Settings field
  std::string_view doc;
};

const std::vector<Directive>& directive_table();

// A name as written in a file, on the command line or in CONFIG GET/SET: the canonical name
// or the alias, in any case. Redis 7 treats an alias as a config of its own name, so
// `via_alias` tells which spelling matched.
struct DirectiveMatch {
  std::size_t index = 0;
  bool via_alias = false;
  [[nodiscard]] const Directive& directive() const { return directive_table()[index]; }
  [[nodiscard]] std::string_view spelling() const {
    return via_alias ? directive().alias : directive().name;
  }
};
std::optional<DirectiveMatch> find_directive(std::string_view name);

}  // namespace tern::node
