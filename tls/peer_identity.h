#pragma once
// How a node is named in a certificate. A node's identity is its region and its node id, written
// as the URI subject alternative name
//
//     tern://<region>/<node-id>          e.g. tern://east/node-3
//
// Region and node id follow node/config's rules (1 to 64 letters, digits, '.', '_' or '-'), so
// '/' can appear in neither and the URI names exactly one (region, node) pair. A DNS name such as
// "node-3.east.tern" would not: "a.b" in region "c" and "a" in region "b.c" would share it. A peer
// is accepted when one URI SAN of its certificate equals the expected URI byte for byte; the
// subject's common name is for people and is never checked.
#include <openssl/x509.h>

#include <string>
#include <string_view>
#include <vector>

#include "tls/result.h"

namespace tern::tls {

struct PeerIdentity {
  std::string region;
  std::string node_id;

  // "tern://east/node-3"
  [[nodiscard]] std::string uri() const;
  // "node-3.east": the short form for file names and the common name.
  [[nodiscard]] std::string short_name() const;
  bool operator==(const PeerIdentity&) const = default;
};

inline constexpr std::string_view kPeerUriScheme = "tern://";

// Checks both parts against node/config's naming rules.
Result<PeerIdentity> make_peer_identity(std::string_view region, std::string_view node_id);
// Parses "<region>/<node-id>", the command-line form of tern-certs.
Result<PeerIdentity> parse_peer_identity(std::string_view region_slash_node);

// Every URI SAN of the certificate, in order (empty when there is none).
std::vector<std::string> uri_names_of(X509* certificate);
// "tern://east/node-2, tern://east/node-4" or "no tern:// name" for a log line.
std::string describe_names_of(X509* certificate);

}  // namespace tern::tls
