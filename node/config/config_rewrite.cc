#include "node/config/config_rewrite.h"

#include <algorithm>
#include <deque>
#include <map>

#include "node/config/config_file.h"
#include "node/config/directive_table.h"
#include "node/config/directive_values.h"

namespace tern::node {

std::string rewrite_config_text(std::string_view original_text,
                                const std::vector<std::string>& values) {
  std::vector<std::string> lines;
  std::map<std::size_t, std::deque<std::size_t>> lines_of_directive;
  bool has_signature = false;

  std::size_t start = 0;
  while (start < original_text.size()) {
    std::size_t end = original_text.find('\n', start);
    if (end == std::string_view::npos) end = original_text.size();
    const std::string_view line = original_text.substr(start, end - start);
    start = end + 1;

    const std::string_view trimmed = trim_config_line(line);
    if (trimmed.empty()) {
      lines.emplace_back();
      continue;
    }
    if (trimmed.front() == '#') {
      if (trimmed == kRewriteSignature) has_signature = true;
      lines.emplace_back(line);
      continue;
    }
    const auto arguments = split_config_arguments(trimmed);
    const auto match =
        (arguments && !arguments->empty()) ? find_directive(arguments->front()) : std::nullopt;
    if (!match) {
      lines.push_back("# ??? " + std::string(trimmed));
      continue;
    }
    lines_of_directive[match->index].push_back(lines.size());
    lines.emplace_back(line);
  }

  const std::vector<Directive>& table = directive_table();
  for (std::size_t index = 0; index < table.size(); ++index) {
    std::deque<std::size_t>& old_lines = lines_of_directive[index];
    // Lines that differ from the default take the old slots first (Redis goes in class
    // order, so its rewrite of a lone "client-output-buffer-limit pubsub ..." line turns it
    // into the default "normal" line and appends pubsub again: not stable under a rewrite).
    std::vector<FileLine> file_lines = directive_file_lines(table[index], values[index]);
    std::stable_partition(file_lines.begin(), file_lines.end(),
                          [](const FileLine& line) { return line.forced; });
    for (FileLine& file_line : file_lines) {
      if (!old_lines.empty()) {
        lines[old_lines.front()] = std::move(file_line.text);
        old_lines.pop_front();
      } else if (file_line.forced) {
        if (!has_signature) {
          lines.emplace_back(kRewriteSignature);
          has_signature = true;
        }
        lines.push_back(std::move(file_line.text));
      }
    }
    for (const std::size_t orphan : old_lines) lines[orphan].clear();
  }

  std::string text;
  bool previous_empty = false;
  for (const std::string& line : lines) {
    const bool empty = line.empty();
    if (empty && previous_empty) continue;
    previous_empty = empty;
    text += line;
    text += '\n';
  }
  return text;
}

}  // namespace tern::node
