#include "chaos/proxy.h"

#include <cstdio>
#include <string>

namespace tern::chaos {

std::vector<Link*> Proxy::select(const LinkSelector& selector) {
  std::vector<Link*> chosen;
  for (const auto& link : links_) {
    if (selector == kEveryLink || link->spec().name == selector) chosen.push_back(link.get());
  }
  return chosen;
}

bool Proxy::execute(const ControlCommand& command, node::resp::ReplyWriter& reply) {
  if (const auto* ping = std::get_if<PingCommand>(&command)) {
    if (ping->message) {
      reply.bulk(*ping->message);
    } else {
      reply.simple("PONG");
    }
    return true;
  }
  if (std::holds_alternative<HelpCommand>(command)) {
    reply.array(help_lines().size());
    for (const std::string& line : help_lines()) reply.simple(line);
    return true;
  }
  if (std::holds_alternative<QuitCommand>(command)) {
    reply.ok();
    return false;
  }
  const LinkSelector* selector = target_link(command);
  const std::vector<Link*> links =
      selector != nullptr ? select(*selector) : select(LinkSelector(kEveryLink));
  if (links.empty()) {
    reply.error("ERR no such link '" + *selector + "' (LINKS lists them)");
    return true;
  }
  const Instant now = Clock::now();
  if (std::holds_alternative<LinksCommand>(command)) {
    reply.array(links.size());
    for (const Link* link : links) reply.bulk(link->report(now));
    return true;
  }
  if (std::holds_alternative<ResetCommand>(command)) {
    for (Link* link : links) link->reset_connections();
    reply.ok();
    return true;
  }
  std::string failures;
  for (Link* link : links) {
    auto applied = link->set_faults(apply_to_faults(link->faults(), command, now));
    if (!applied.ok()) {
      std::fprintf(stderr, "tern-chaos-proxy: %s\n", applied.error().c_str());
      failures += (failures.empty() ? "" : "; ") + applied.error();
    }
  }
  if (failures.empty()) {
    reply.ok();
  } else {
    reply.error("ERR " + failures);
  }
  return true;
}

}  // namespace tern::chaos
