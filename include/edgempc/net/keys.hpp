// SPDX-License-Identifier: Apache-2.0
// Long-term X25519 key pairs of parties: generate, save, load.
//
// File format (text, one key per file, so that a public key can be handed around on its own):
//   line 1: "edgempc x25519 secret key v1" or "edgempc x25519 public key v1"
//   line 2: the 32 key bytes as 64 lowercase hex digits
// followed by a newline; nothing else. A secret key file holds the secret key only (the public
// key is derived from it). save_key_pair creates the secret file with mode 0600 and refuses to
// overwrite; load_key_pair refuses a secret file that group or others can read or write
// (errc::invalid_argument), as ssh does. Parse errors are errc::malformed_message.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <span>
#include <fstream>
#include <string>

#include "edgempc/core/sodium.hpp"

EDGEMPC_BEGIN_NAMESPACE

using PublicKey = std::array<std::uint8_t, 32>;

/// An X25519 key pair; the secret half is wiped when the object dies.
class KeyPair {
 public:
  static constexpr std::size_t key_size = 32;

  /// A fresh key pair from libsodium's CSPRNG.
  [[nodiscard]] static KeyPair generate() {
    ensure_sodium();
    KeyPair k;
    crypto_box_keypair(k.public_.data(), k.secret_.data());
    return k;
  }
  /// The key pair of a known secret key (tests, and loading from a file).
  [[nodiscard]] static KeyPair from_secret(std::span<const std::uint8_t, key_size> secret) {
    ensure_sodium();
    KeyPair k;
    std::copy(secret.begin(), secret.end(), k.secret_.begin());
    if (crypto_scalarmult_base(k.public_.data(), k.secret_.data()) != 0)
      throw error(errc::crypto_failure, "KeyPair: cannot derive the public key");
    return k;
  }

  KeyPair(const KeyPair& other) : public_(other.public_), secret_(other.secret_) {}
  KeyPair& operator=(const KeyPair& other) {
    public_ = other.public_;
    secret_ = other.secret_;
    return *this;
  }
  ~KeyPair() { secure_wipe(secret_.data(), secret_.size()); }

  [[nodiscard]] const PublicKey& public_key() const noexcept { return public_; }
  [[nodiscard]] std::span<const std::uint8_t, key_size> secret_key() const noexcept { return secret_; }

 private:
  KeyPair() = default;
  PublicKey public_{};
  std::array<std::uint8_t, key_size> secret_{};
};

namespace detail {

inline constexpr const char* secret_key_header = "edgempc x25519 secret key v1";
inline constexpr const char* public_key_header = "edgempc x25519 public key v1";

/// Lowercase hex; sodium_bin2hex runs in constant time, so a secret key's digits leave no
/// trace in the cache (a lookup table indexed by secret nibbles would).
inline std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string s(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(s.data(), s.size(), bytes.data(), bytes.size());
  s.pop_back();  // the terminating NUL sodium writes
  return s;
}

inline std::array<std::uint8_t, 32> key_from_file_text(const std::string& text, const char* header,
                                                         const std::string& path) {
  const std::string expected_prefix = std::string(header) + "\n";
  const auto bad = [&](const char* why) {
    return error(errc::malformed_message, path + ": " + why);
  };
  if (text.size() != expected_prefix.size() + 65 || text.compare(0, expected_prefix.size(), expected_prefix) != 0 ||
      text.back() != '\n')
    throw bad("not an edgempc key file of this kind");
  std::array<std::uint8_t, 32> key{};
  std::size_t bin_len = 0;
  const char* hex = text.data() + expected_prefix.size();
  if (sodium_hex2bin(key.data(), key.size(), hex, 64, nullptr, &bin_len, nullptr) != 0 || bin_len != 32)
    throw bad("the key is not 64 hex digits");
  return key;
}

inline std::string read_small_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(errc::invalid_argument, "cannot open " + path.string());
  std::string text(256, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));  // key files are far below 256 bytes
  return text;
}

}  // namespace detail

/// Writes `keys` as `secret_path` (mode 0600, must not exist) and `public_path`.
inline void save_key_pair(const KeyPair& keys, const std::filesystem::path& secret_path,
                          const std::filesystem::path& public_path) {
  // Built in one buffer, without temporaries, so that wiping it wipes every copy of the key.
  std::string secret_text(detail::secret_key_header);
  secret_text.reserve(secret_text.size() + 2 + 2 * KeyPair::key_size + 1);
  secret_text += '\n';
  const std::size_t hex_at = secret_text.size();
  secret_text.resize(hex_at + 2 * KeyPair::key_size + 1);
  sodium_bin2hex(secret_text.data() + hex_at, 2 * KeyPair::key_size + 1, keys.secret_key().data(),
                 KeyPair::key_size);
  secret_text.back() = '\n';  // replaces the NUL sodium_bin2hex writes
  const int fd = ::open(secret_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw error(errc::invalid_argument, "cannot create " + secret_path.string() + ": " + std::strerror(errno));
  const bool written = ::write(fd, secret_text.data(), secret_text.size()) == static_cast<ssize_t>(secret_text.size());
  const bool closed = ::close(fd) == 0;
  secure_wipe(secret_text.data(), secret_text.size());
  if (!written || !closed) throw error(errc::invalid_argument, "cannot write " + secret_path.string());
  std::ofstream pub(public_path, std::ios::binary | std::ios::trunc);
  pub << detail::public_key_header << '\n' << detail::to_hex(keys.public_key()) << '\n';
  if (!pub) throw error(errc::invalid_argument, "cannot write " + public_path.string());
}

/// Reads a secret key file written by save_key_pair; refuses one that others may read.
[[nodiscard]] inline KeyPair load_key_pair(const std::filesystem::path& secret_path) {
  struct stat st {};
  if (::stat(secret_path.c_str(), &st) != 0)
    throw error(errc::invalid_argument, "cannot open " + secret_path.string() + ": " + std::strerror(errno));
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
    throw error(errc::invalid_argument, secret_path.string() + " is accessible to group or others; chmod 600 it");
  std::string text = detail::read_small_file(secret_path);
  auto secret = detail::key_from_file_text(text, detail::secret_key_header, secret_path.string());
  secure_wipe(text.data(), text.size());
  KeyPair keys = KeyPair::from_secret(secret);
  secure_wipe(secret.data(), secret.size());
  return keys;
}

[[nodiscard]] inline PublicKey load_public_key(const std::filesystem::path& public_path) {
  return detail::key_from_file_text(detail::read_small_file(public_path), detail::public_key_header,
                                    public_path.string());
}

EDGEMPC_END_NAMESPACE
