#include "tls/pem_file.h"

#include <fcntl.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

#include "tls/credential_files.h"
#include "tls/openssl_error.h"

namespace tern::tls {
namespace {

std::string errno_text() { return std::generic_category().message(errno); }

// Reads the PEM object at `path` with `read` (a PEM_read_bio_* function).
template <typename Handle, typename Reader>
Result<Handle> read_pem(const std::filesystem::path& path, const char* what, Reader read) {
  if (auto reason = unreadable_file_reason(path.string()); !reason.empty()) return Error{reason};
  clear_openssl_errors();
  BioHandle file{BIO_new_file(path.c_str(), "rb")};
  if (!file) return Error{"cannot read " + path.string() + ": " + take_openssl_errors()};
  Handle object{read(file.get())};
  if (!object) {
    return Error{path.string() + " holds no readable " + what + ": " +
                 take_openssl_errors("no PEM block found")};
  }
  return object;
}

// Writes `pem` to a new temporary file created with `mode`, then renames it over `path`.
Status write_atomically(const std::filesystem::path& path, const std::string& pem,
                        std::filesystem::perms mode) {
  std::string temporary = path.string() + ".tmp-XXXXXX";
  const int fd = mkstemp(temporary.data());  // created 0600, so a key is never readable by others
  if (fd < 0) {
    return Error{"cannot create a file in " + path.parent_path().string() + ": " + errno_text()};
  }
  const auto fail = [&](const std::string& step) {
    const std::string reason = errno_text();
    ::close(fd);
    ::unlink(temporary.c_str());
    return Status(Error{"cannot write " + path.string() + " (" + step + "): " + reason});
  };
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("chmod");
  std::size_t written = 0;
  while (written < pem.size()) {
    const ssize_t n = ::write(fd, pem.data() + written, pem.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("fsync");
  if (::close(fd) != 0) {
    const std::string reason = errno_text();
    ::unlink(temporary.c_str());
    return Error{"cannot write " + path.string() + " (close): " + reason};
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = errno_text();
    ::unlink(temporary.c_str());
    return Error{"cannot write " + path.string() + " (rename): " + reason};
  }
  return {};
}

template <typename Writer>
Result<std::string> to_pem(Writer write) {
  clear_openssl_errors();
  BioHandle memory{BIO_new(BIO_s_mem())};
  if (!memory || write(memory.get()) != 1)
    return Error{"cannot encode PEM: " + take_openssl_errors()};
  char* data = nullptr;
  const long size = BIO_get_mem_data(memory.get(), &data);
  return std::string(data, static_cast<std::size_t>(size > 0 ? size : 0));
}

}  // namespace

Result<FileState> file_state(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) return FileState::kAbsent;
  if (error) return Error{"cannot look at " + path.string() + ": " + error.message()};
  if (status.type() != std::filesystem::file_type::regular) {
    return Error{path.string() + " exists and is not a regular file"};
  }
  return FileState::kPresent;
}

Result<CertificateHandle> read_certificate_file(const std::filesystem::path& path) {
  return read_pem<CertificateHandle>(path, "certificate", [](BIO* bio) {
    return PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  });
}

Result<KeyHandle> read_private_key_file(const std::filesystem::path& path) {
  return read_pem<KeyHandle>(path, "private key", [](BIO* bio) {
    // An empty passphrase: tern-certs writes unencrypted keys and must not prompt.
    return PEM_read_bio_PrivateKey(bio, nullptr, nullptr, const_cast<char*>(""));
  });
}

Status write_certificate_file(const std::filesystem::path& path, X509* certificate) {
  auto pem = to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate); });
  if (!pem.ok()) return Error{pem.error()};
  return write_atomically(path, pem.value(), kCertificateMode);
}

Status write_private_key_file(const std::filesystem::path& path, EVP_PKEY* key) {
  auto pem = to_pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  });
  if (!pem.ok()) return Error{pem.error()};
  return write_atomically(path, pem.value(), kPrivateKeyMode);
}

}  // namespace tern::tls
