#pragma once
// The logic of tern-certs (certs_main.cc is only its command line): a deployment CA and node
// certificates in a directory, made once and then kept.
//
// Layout of a directory:
//     ca.crt, ca.key                  the deployment CA (made here unless --ca-dir names one)
//     <node-id>.<region>.crt, .key    one pair per node, URI SAN tern://<region>/<node-id>
//
// Idempotent: a file that already satisfies the request (loads, key matches, signed by the CA,
// names the node, expired exactly when --expired asked for it) is kept. A file that exists but
// does not is an error naming the problem, unless `force` says to replace it. Keys are 0600.
#include <filesystem>
#include <string>
#include <vector>

#include "tls/peer_identity.h"
#include "tls/result.h"

namespace tern::tls {

struct CertificateToolOptions {
  std::filesystem::path output_dir;  // node certificates, and the CA unless ca_dir is given
  // An existing CA to sign with; it is read, never created or replaced. Empty: the CA lives in
  // output_dir and is made there if missing. A separate directory with its own CA is how tests
  // get certificates "signed by another CA".
  std::filesystem::path ca_dir;
  std::vector<PeerIdentity> nodes;
  int validity_days = 365;
  bool expired = false;  // make node certificates whose validity ended yesterday (for tests)
  bool force = false;    // replace files even when they are fine
  // DNS names and IP addresses added to every node certificate of this run (--server-names), so
  // a client that checks host names accepts it on tls-port. A kept certificate must name them.
  std::vector<std::string> server_names;
};

struct CertificateToolReport {
  std::vector<std::string> lines;  // "created ...", "kept ...", one per file pair
};

Result<CertificateToolReport> run_certificate_tool(const CertificateToolOptions& options);

std::filesystem::path ca_certificate_path(const std::filesystem::path& dir);
std::filesystem::path ca_key_path(const std::filesystem::path& dir);
std::filesystem::path node_certificate_path(const std::filesystem::path& dir,
                                            const PeerIdentity& node);
std::filesystem::path node_key_path(const std::filesystem::path& dir, const PeerIdentity& node);

}  // namespace tern::tls
