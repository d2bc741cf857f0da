#include "node/command_table.h"

#include <array>
#include <cctype>

namespace tern::node {

CommandTable::CommandTable() {
  const std::array families = {connection_commands(), server_commands(), key_commands(),
                               string_commands(),     hash_commands(),   set_commands(),
                               sorted_set_commands(), geo_commands(),     pubsub_commands(),
                               transaction_commands(), region_commands()};
  for (const auto& family : families) {
    for (const auto& spec : family) {
      by_name_.emplace(spec.name, &spec);
      all_.push_back(&spec);
    }
  }
}

const CommandSpec* CommandTable::find(std::string_view name) const {
  char lower[32];
  if (name.empty() || name.size() > sizeof lower) return nullptr;
  for (std::size_t i = 0; i < name.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  auto it = by_name_.find(std::string_view(lower, name.size()));
  return it != by_name_.end() ? it->second : nullptr;
}

}  // namespace tern::node
