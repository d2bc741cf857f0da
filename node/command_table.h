#pragma once
// The command table: every command tern serves, found by case-insensitive name. Each
// command family (node/commands/*_commands.cc) contributes its specs; this file only
// gathers them.
#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "node/command.h"

namespace tern::node {

class CommandTable {
 public:
  CommandTable();
  // nullptr for an unknown command.
  [[nodiscard]] const CommandSpec* find(std::string_view name) const;
  [[nodiscard]] const std::vector<const CommandSpec*>& all() const { return all_; }

 private:
  std::unordered_map<std::string_view, const CommandSpec*> by_name_;  // keys: lower case
  std::vector<const CommandSpec*> all_;
};

// Each family's specs (static storage).
std::span<const CommandSpec> connection_commands();
std::span<const CommandSpec> server_commands();
// SENTINEL (discovery of the region's leader) and FAILOVER: node/commands/region_commands.cc.
std::span<const CommandSpec> region_commands();
std::span<const CommandSpec> key_commands();
std::span<const CommandSpec> string_commands();
std::span<const CommandSpec> hash_commands();
std::span<const CommandSpec> set_commands();
std::span<const CommandSpec> sorted_set_commands();
std::span<const CommandSpec> geo_commands();
std::span<const CommandSpec> pubsub_commands();
std::span<const CommandSpec> transaction_commands();

}  // namespace tern::node
