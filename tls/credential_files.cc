#include "tls/credential_files.h"

#include <openssl/pem.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "tls/openssl_error.h"
#include "tls/openssl_handles.h"

namespace tern::tls {
namespace {

// OpenSSL asks for a PEM passphrase through a callback; the user data is the password string,
// set only for the duration of one load.
int copy_password(char* buffer, int size, int /*rwflag*/, void* user_data) {
  const auto* password = static_cast<const std::string*>(user_data);
  if (password == nullptr || size <= 0) return 0;
  const int length = static_cast<int>(std::min<std::size_t>(password->size(), size));
  std::memcpy(buffer, password->data(), static_cast<std::size_t>(length));
  return length;
}

}  // namespace

std::string unreadable_file_reason(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return "cannot read " + path + ": " + std::generic_category().message(errno);
  }
  std::fclose(file);
  return {};
}

Status load_trust_anchors(SSL_CTX* context, const std::string& ca_file, const std::string& ca_dir) {
  if (ca_file.empty() && ca_dir.empty()) {
    return Error{"no CA certificate file or directory configured"};
  }
  if (!ca_file.empty()) {
    if (auto reason = unreadable_file_reason(ca_file); !reason.empty()) return Error{reason};
  }
  clear_openssl_errors();
  if (SSL_CTX_load_verify_locations(context, ca_file.empty() ? nullptr : ca_file.c_str(),
                                    ca_dir.empty() ? nullptr : ca_dir.c_str()) != 1) {
    const std::string where = ca_file.empty() ? ca_dir : ca_file;
    return Error{"cannot load CA certificates from " + where + ": " + take_openssl_errors()};
  }
  return {};
}

Status load_certificate_and_key(SSL_CTX* context, const std::string& certificate_file,
                                const std::string& key_file, const std::string& key_password) {
  if (certificate_file.empty()) return Error{"no certificate file configured"};
  if (key_file.empty()) return Error{"no private key file configured"};
  for (const std::string* path : {&certificate_file, &key_file}) {
    if (auto reason = unreadable_file_reason(*path); !reason.empty()) return Error{reason};
  }
  clear_openssl_errors();
  if (SSL_CTX_use_certificate_chain_file(context, certificate_file.c_str()) != 1) {
    return Error{"cannot load certificate " + certificate_file + ": " + take_openssl_errors()};
  }
  // The key is read here rather than by SSL_CTX_use_PrivateKey_file so that a key of another
  // certificate (a rotation half done) gets its own sentence instead of "key values mismatch".
  BioHandle key_bio{BIO_new_file(key_file.c_str(), "rb")};
  KeyHandle key{key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, copy_password,
                                                  const_cast<std::string*>(&key_password))
                        : nullptr};
  if (!key) return Error{"cannot load private key " + key_file + ": " + take_openssl_errors()};
  if (X509_check_private_key(SSL_CTX_get0_certificate(context), key.get()) != 1) {
    clear_openssl_errors();
    return Error{"private key " + key_file + " does not match certificate " + certificate_file};
  }
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1) {
    return Error{"cannot use private key " + key_file + ": " + take_openssl_errors()};
  }
  return {};
}

}  // namespace tern::tls
