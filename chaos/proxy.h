#pragma once
// Proxy: the links of one tern-chaos-proxy process by name, and the one place a parsed control
// command is carried out and answered. Validation happened in parse_control_command; this only
// finds the links (a name or "*"), computes their new faults with apply_to_faults and hands
// them to each Link.
#include <memory>
#include <vector>

#include "chaos/control_command.h"
#include "chaos/link.h"
#include "node/resp/reply_writer.h"

namespace tern::chaos {

class Proxy {
 public:
  explicit Proxy(std::vector<std::unique_ptr<Link>> links) : links_(std::move(links)) {}

  // Runs `command` and writes its reply. Returns false when the control connection should
  // close after the reply (QUIT).
  bool execute(const ControlCommand& command, node::resp::ReplyWriter& reply);

 private:
  [[nodiscard]] std::vector<Link*> select(const LinkSelector& selector);

  std::vector<std::unique_ptr<Link>> links_;
};

}  // namespace tern::chaos
