#include "tls/certificate_tool.h"

#include <system_error>

#include "tls/certificate_issuer.h"
#include "tls/certificate_text.h"
#include "tls/pem_file.h"

namespace tern::tls {
namespace {

constexpr int kMaxValidityDays = 100 * 365;
// A CA outlives the node certificates it signs, so that reissuing nodes is the routine task.
constexpr int kCaValidityFactor = 10;

// A certificate and its private key, as read from or written to a pair of files.
struct KeyPair {
  CertificateHandle certificate;
  KeyHandle key;
};

// Where a pair of files stands before this run touches it.
enum class PairState : std::uint8_t { kAbsent, kPresent };

Result<PairState> pair_state(const std::filesystem::path& certificate,
                             const std::filesystem::path& key) {
  auto certificate_state = file_state(certificate);
  if (!certificate_state.ok()) return Error{certificate_state.error()};
  auto key_state = file_state(key);
  if (!key_state.ok()) return Error{key_state.error()};
  if (certificate_state.value() != key_state.value()) {
    const auto& present = certificate_state.value() == FileState::kPresent ? certificate : key;
    const auto& missing = certificate_state.value() == FileState::kPresent ? key : certificate;
    return Error{present.string() + " exists but " + missing.string() + " does not"};
  }
  return certificate_state.value() == FileState::kPresent ? PairState::kPresent
                                                          : PairState::kAbsent;
}

Result<KeyPair> read_pair(const std::filesystem::path& certificate,
                          const std::filesystem::path& key) {
  auto read_certificate = read_certificate_file(certificate);
  if (!read_certificate.ok()) return Error{read_certificate.error()};
  auto read_key = read_private_key_file(key);
  if (!read_key.ok()) return Error{read_key.error()};
  return KeyPair{std::move(read_certificate).value(), std::move(read_key).value()};
}

// Key first: a run cut short leaves a key without a certificate, which the next run reports.
Status write_pair(const std::filesystem::path& certificate_path,
                  const std::filesystem::path& key_path, X509* certificate, EVP_PKEY* key) {
  if (Status written = write_private_key_file(key_path, key); !written.ok()) return written;
  return write_certificate_file(certificate_path, certificate);
}

std::string replace_hint(const std::filesystem::path& path, const std::string& problem) {
  return path.string() + ": " + problem + "; run with --force to replace it";
}

Result<KeyPair> existing_ca(const std::filesystem::path& dir) {
  auto state = pair_state(ca_certificate_path(dir), ca_key_path(dir));
  if (!state.ok()) return Error{state.error()};
  if (state.value() == PairState::kAbsent) {
    return Error{"no CA in " + dir.string() + " (ca.crt and ca.key)"};
  }
  auto pair = read_pair(ca_certificate_path(dir), ca_key_path(dir));
  if (!pair.ok()) return Error{pair.error()};
  if (auto problem = ca_problem(pair.value().certificate.get(), pair.value().key.get());
      !problem.empty()) {
    return Error{ca_certificate_path(dir).string() + ": " + problem};
  }
  return KeyPair{std::move(pair.value().certificate), std::move(pair.value().key)};
}

Result<KeyPair> ensure_ca(const CertificateToolOptions& options, CertificateToolReport& report) {
  if (!options.ca_dir.empty()) {
    auto loaded = existing_ca(options.ca_dir);
    if (!loaded.ok()) return Error{"--ca-dir: " + loaded.error()};
    report.lines.push_back("using CA " + ca_certificate_path(options.ca_dir).string());
    return loaded;
  }
  const auto& dir = options.output_dir;
  auto state = pair_state(ca_certificate_path(dir), ca_key_path(dir));
  if (!state.ok() && !options.force)
    return Error{state.error() + "; run with --force to replace it"};
  if (state.ok() && state.value() == PairState::kPresent && !options.force) {
    auto loaded = existing_ca(dir);
    if (!loaded.ok()) return Error{loaded.error() + "; run with --force to replace the CA"};
    report.lines.push_back("kept " + ca_certificate_path(dir).string() + " (valid until " +
                           not_after_text(loaded.value().certificate.get()) + ")");
    return loaded;
  }
  auto key = generate_key();
  if (!key.ok()) return Error{key.error()};
  auto certificate = make_ca_certificate(
      key.value().get(), ValidityWindow::for_days(options.validity_days * kCaValidityFactor));
  if (!certificate.ok()) return Error{certificate.error()};
  if (Status written = write_pair(ca_certificate_path(dir), ca_key_path(dir),
                                  certificate.value().get(), key.value().get());
      !written.ok()) {
    return Error{written.error()};
  }
  report.lines.push_back("created " + ca_certificate_path(dir).string() +
                         " and ca.key (valid until " + not_after_text(certificate.value().get()) +
                         ")");
  return KeyPair{std::move(certificate).value(), std::move(key).value()};
}

Status ensure_node(const CertificateToolOptions& options, const KeyPair& ca,
                   const PeerIdentity& node, CertificateToolReport& report) {
  const auto certificate_path = node_certificate_path(options.output_dir, node);
  const auto key_path = node_key_path(options.output_dir, node);
  auto state = pair_state(certificate_path, key_path);
  if (!state.ok() && !options.force)
    return Error{state.error() + "; run with --force to replace it"};
  if (state.ok() && state.value() == PairState::kPresent && !options.force) {
    auto pair = read_pair(certificate_path, key_path);
    if (!pair.ok()) return Error{pair.error() + "; run with --force to replace it"};
    const std::string problem =
        node_certificate_problem(pair.value().certificate.get(), pair.value().key.get(),
                                 ca.certificate.get(), node, options.expired, options.server_names);
    if (!problem.empty()) return Error{replace_hint(certificate_path, problem)};
    report.lines.push_back("kept " + certificate_path.string() + " (" + node.uri() +
                           (options.expired ? ", expired " : ", valid until ") +
                           not_after_text(pair.value().certificate.get()) + ")");
    return {};
  }
  auto key = generate_key();
  if (!key.ok()) return Error{key.error()};
  const ValidityWindow validity = options.expired ? ValidityWindow::already_expired()
                                                  : ValidityWindow::for_days(options.validity_days);
  auto certificate =
      issue_node_certificate(ca.certificate.get(), ca.key.get(), key.value().get(), node, validity,
                             options.server_names);
  if (!certificate.ok()) return Error{certificate.error()};
  if (Status written =
          write_pair(certificate_path, key_path, certificate.value().get(), key.value().get());
      !written.ok()) {
    return written;
  }
  report.lines.push_back("created " + certificate_path.string() + " (" + node.uri() +
                         (options.expired ? ", expired " : ", valid until ") +
                         not_after_text(certificate.value().get()) + ")");
  return {};
}

}  // namespace

std::filesystem::path ca_certificate_path(const std::filesystem::path& dir) {
  return dir / "ca.crt";
}
std::filesystem::path ca_key_path(const std::filesystem::path& dir) { return dir / "ca.key"; }
std::filesystem::path node_certificate_path(const std::filesystem::path& dir,
                                            const PeerIdentity& node) {
  return dir / (node.short_name() + ".crt");
}
std::filesystem::path node_key_path(const std::filesystem::path& dir, const PeerIdentity& node) {
  return dir / (node.short_name() + ".key");
}

Result<CertificateToolReport> run_certificate_tool(const CertificateToolOptions& options) {
  if (options.output_dir.empty()) return Error{"no output directory given"};
  if (options.validity_days < 1 || options.validity_days > kMaxValidityDays) {
    return Error{"validity must be 1 to " + std::to_string(kMaxValidityDays) + " days"};
  }
  std::error_code error;
  std::filesystem::create_directories(options.output_dir, error);
  if (error) {
    return Error{"cannot create directory " + options.output_dir.string() + ": " + error.message()};
  }
  for (const std::string& name : options.server_names) {
    if (std::string problem = server_name_problem(name); !problem.empty()) {
      return Error{"--server-names: " + problem};
    }
  }
  CertificateToolReport report;
  auto ca = ensure_ca(options, report);
  if (!ca.ok()) return Error{ca.error()};
  for (const auto& node : options.nodes) {
    if (Status done = ensure_node(options, ca.value(), node, report); !done.ok()) {
      return Error{done.error()};
    }
  }
  return report;
}

}  // namespace tern::tls
