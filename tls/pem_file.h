#pragma once
// PEM files of tern-certs: read a certificate or a private key, and write one so that a reader
// never sees half a file (a temporary file in the same directory, flushed, then renamed over the
// target). Private keys are created with mode 0600 and never exist with a wider mode, even for a
// moment; certificates get 0644.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <filesystem>

#include "tls/openssl_handles.h"
#include "tls/result.h"

namespace tern::tls {

inline constexpr std::filesystem::perms kPrivateKeyMode =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;
inline constexpr std::filesystem::perms kCertificateMode =
    kPrivateKeyMode | std::filesystem::perms::group_read | std::filesystem::perms::others_read;

// What is at a path we may write: nothing yet, or something (whether it is valid is checked by
// reading it). Anything else, such as a directory we may not search, is an error.
enum class FileState : std::uint8_t { kAbsent, kPresent };
Result<FileState> file_state(const std::filesystem::path& path);

Result<CertificateHandle> read_certificate_file(const std::filesystem::path& path);
Result<KeyHandle> read_private_key_file(const std::filesystem::path& path);

Status write_certificate_file(const std::filesystem::path& path, X509* certificate);
Status write_private_key_file(const std::filesystem::path& path, EVP_PKEY* key);

}  // namespace tern::tls
