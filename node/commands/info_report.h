#pragma once
// INFO's text: redis-server 7's sections and field names, so dashboards and client
// libraries that parse INFO read tern's figures where they expect Redis's.
#include <string>
#include <string_view>
#include <vector>

namespace tern::node {

class Node;

// `sections` as given to INFO (lower case); empty means "default".
std::string info_report(Node& node, const std::vector<std::string>& sections);

}  // namespace tern::node
