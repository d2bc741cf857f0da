#pragma once
// Loading what a TLS context is made of from files: the trust anchors (CA file and/or CA
// directory) and this side's certificate chain and private key. Every failure names the file
// and the reason, and leaves the OpenSSL error queue empty; nothing here throws or aborts on a
// bad file, because a file is outside input (an operator may be halfway through a rotation).
#include <openssl/ssl.h>

#include <string>

#include "tls/result.h"

namespace tern::tls {

// Trusts exactly the certificates in `ca_file` and/or `ca_dir` (either may be empty, not both).
// The system's default trust store is never loaded: the deployment CA is the only anchor.
Status load_trust_anchors(SSL_CTX* context, const std::string& ca_file, const std::string& ca_dir);

// Loads a PEM chain (leaf first) and its private key, and checks that they belong together.
// `key_password` may be empty for an unencrypted key.
Status load_certificate_and_key(SSL_CTX* context, const std::string& certificate_file,
                                const std::string& key_file, const std::string& key_password);

// "" when the file can be opened for reading, else "cannot read <path>: <why>".
std::string unreadable_file_reason(const std::string& path);

}  // namespace tern::tls
