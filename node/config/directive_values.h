#pragma once
// Parsing a directive's arguments into its canonical text, and writing that text back as
// file lines, for every kind of directive; the special directives' own parsers and
// rewriters, which the table names; and reading canonical text back as numbers for Settings.
//
// Error messages are redis-server 7.0.15's, word for word, so that a client or a script that
// matches on them sees the same text.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/config/directive_table.h"

namespace tern::node {

// The directive's canonical text for `arguments` (one argument unless the directive takes
// several), or the error. A default-only directive given another value gets its refusal.
ValueOrError parse_directive_value(const Directive& directive,
                                   std::span<const std::string> arguments, std::string_view current,
                                   bool accumulating);

// The lines CONFIG REWRITE writes for the directive holding `value`, under its canonical
// name. Most directives write one line; `save` one per rule, client-output-buffer-limit one
// per client class; a directive whose value means "nothing" may write none.
std::vector<FileLine> directive_file_lines(const Directive& directive, std::string_view value);

// Special directives (see the table for which is which).
ValueOrError parse_bind(const Directive&, std::span<const std::string>, std::string_view, bool);
ValueOrError parse_client_output_buffer_limit(const Directive&, std::span<const std::string>,
                                              std::string_view, bool);
ValueOrError parse_save(const Directive&, std::span<const std::string>, std::string_view, bool);
ValueOrError parse_hz(const Directive&, std::span<const std::string>, std::string_view, bool);
ValueOrError parse_maxmemory_clients(const Directive&, std::span<const std::string>,
                                     std::string_view, bool);
ValueOrError parse_oom_score_adj_values(const Directive&, std::span<const std::string>,
                                        std::string_view, bool);
ValueOrError parse_shutdown_on_signal(const Directive&, std::span<const std::string>,
                                      std::string_view, bool);
ValueOrError parse_latency_percentiles(const Directive&, std::span<const std::string>,
                                       std::string_view, bool);
ValueOrError parse_notify_keyspace_events(const Directive&, std::span<const std::string>,
                                          std::string_view, bool);
ValueOrError parse_replicaof(const Directive&, std::span<const std::string>, std::string_view,
                             bool);
ValueOrError parse_region_name(const Directive&, std::span<const std::string>, std::string_view,
                               bool);
// "name=host:port ..." (the region's nodes by client endpoint), canonical: single spaces.
ValueOrError parse_region_nodes(const Directive&, std::span<const std::string>, std::string_view, bool);
// The canonical text back into addresses (empty text: none).
std::vector<Settings::RegionNodeAddress> region_nodes_from_text(std::string_view text);
// "name/id node=host:port ...; name/id ..." (other regions: name, region id, nodes),
// canonical: single spaces, "; " between regions.
ValueOrError parse_peer_regions(const Directive&, std::span<const std::string>, std::string_view, bool);
std::vector<Settings::PeerRegion> peer_regions_from_text(std::string_view text);
ValueOrError parse_node_id(const Directive&, std::span<const std::string>, std::string_view, bool);

std::vector<FileLine> rewrite_quoted(const Directive&, std::string_view value);
std::vector<FileLine> rewrite_client_output_buffer_limit(const Directive&, std::string_view value);
std::vector<FileLine> rewrite_save(const Directive&, std::string_view value);
std::vector<FileLine> rewrite_maxmemory_clients(const Directive&, std::string_view value);
std::vector<FileLine> rewrite_replicaof(const Directive&, std::string_view value);

// Canonical text back to numbers (the text is known valid: it came out of a parser).
std::uint64_t canonical_unsigned(std::string_view value);
std::int64_t canonical_signed(std::string_view value);
// "normal H S T slave H S T pubsub H S T" as three limits, in ClientClass order.
std::array<OutputBufferLimit, kClientClassCount> canonical_output_buffer_limits(
    std::string_view value);

}  // namespace tern::node
