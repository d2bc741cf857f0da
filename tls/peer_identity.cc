#include "tls/peer_identity.h"

#include <openssl/x509v3.h>

#include "tls/openssl_handles.h"

namespace tern::tls {
namespace {

constexpr std::size_t kMaxNameLength = 64;

// node/config's parse_region_name and parse_node_id accept the same alphabet.
bool is_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (const char c : name) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

}  // namespace

std::string PeerIdentity::uri() const {
  return std::string(kPeerUriScheme) + region + "/" + node_id;
}

std::string PeerIdentity::short_name() const { return node_id + "." + region; }

Result<PeerIdentity> make_peer_identity(std::string_view region, std::string_view node_id) {
  if (!is_name(region)) {
    return Error{"region '" + std::string(region) +
                 "' must be 1 to 64 letters, digits, '.', '_' or '-'"};
  }
  if (!is_name(node_id)) {
    return Error{"node id '" + std::string(node_id) +
                 "' must be 1 to 64 letters, digits, '.', '_' or '-'"};
  }
  return PeerIdentity{std::string(region), std::string(node_id)};
}

Result<PeerIdentity> parse_peer_identity(std::string_view region_slash_node) {
  const auto slash = region_slash_node.find('/');
  if (slash == std::string_view::npos) {
    return Error{"'" + std::string(region_slash_node) + "' is not <region>/<node-id>"};
  }
  return make_peer_identity(region_slash_node.substr(0, slash),
                            region_slash_node.substr(slash + 1));
}

std::vector<std::string> uri_names_of(X509* certificate) {
  std::vector<std::string> names;
  if (certificate == nullptr) return names;
  GeneralNamesHandle alternative_names{static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr))};
  if (!alternative_names) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(alternative_names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(alternative_names.get(), i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    // The length is explicit: an embedded NUL stays in the name and so can never match.
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                       static_cast<std::size_t>(ASN1_STRING_length(uri)));
  }
  return names;
}

std::string describe_names_of(X509* certificate) {
  std::string text;
  for (const auto& name : uri_names_of(certificate)) {
    if (name.rfind(kPeerUriScheme, 0) != 0) continue;
    if (!text.empty()) text += ", ";
    // A certificate is untrusted input: keep control bytes out of the log line.
    for (const char c : name) text += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return text.empty() ? std::string("no tern:// name") : text;
}

}  // namespace tern::tls
