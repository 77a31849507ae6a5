// SPDX-License-Identifier: Apache-2.0
// SealSequence: a device's durable record of the last (round, sequence) it sealed under, so
// that a device restarted within a round never seals twice under one nonce.
//
// Why: a submission's nonce is derived from (gateway, client, round, seq) (platform/
// submission.hpp). ClientSealer refuses a repeat within one process, but a process that
// restarts forgets; sealing new shares under an old (round, seq) reuses the XSalsa20 keystream,
// and the XOR of the two ciphertexts is the XOR of the two share vectors. reserve() writes the
// pair to disk (atomic replace, fsync of file and directory) before it returns, so whatever
// instruction the process dies at, the next run starts above every pair it could have used.
//
// File format (text, one line): "edgempc-seal-sequence 1 ROUND SEQ CHECK\n", CHECK the 16 hex
// digits of the first 8 bytes of BLAKE2b over the part before it. A file that does not parse
// or whose check fails is refused (errc::checksum_mismatch / malformed_message) rather than read
// as "nothing sealed": guessing low could reuse a nonce. An operator who lost the file should
// move the device to a new client id, or wait for a round it certainly never sealed.
//
// Threat: the file is not secret (the nonce is public); an attacker who can write it can only
// make the device skip rounds or (by lowering it) reintroduce the reuse this prevents, so keep
// it with the device's secret key, with the same permissions.
#pragma once

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "edgempc/core/sodium.hpp"
#include "edgempc/core/detail/durable_file.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// A (round, sequence) pair a device sealed under.
struct SealedAt {
  std::uint32_t round = 0;
  std::uint32_t seq = 0;
  friend bool operator==(const SealedAt&, const SealedAt&) = default;
};

namespace detail::seal_sequence {

inline constexpr const char* magic = "edgempc-seal-sequence 1";

inline std::string check_of(const std::string& body) {
  ensure_sodium();
  std::array<unsigned char, 16> h{};
  crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(body.data()), body.size(), nullptr, 0);
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", h[static_cast<std::size_t>(i)]);
  return std::string(hex, 16);
}

[[noreturn]] inline void os_fail(const std::string& what, const std::filesystem::path& p) {
  throw error(errc::invalid_argument, "SealSequence: " + what + " " + p.string() + ": " + std::strerror(errno));
}

/// Replaces `path` with `text` so that a crash leaves either the old or the new file, durably.
inline void replace_file(const std::filesystem::path& path, const std::string& text) {
  try {
    edgempc::detail::replace_file(path, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  } catch (const error& e) {  // the same error, with this file's name in front
    std::string m = e.what();
    const std::string tail = ": " + e.code().message();
    if (m.ends_with(tail)) m.resize(m.size() - tail.size());
    throw error(static_cast<errc>(e.code().value()), "SealSequence: " + m);
  }
}

}  // namespace detail::seal_sequence

class SealSequence {
 public:
  /// Loads `file` if it exists (nothing sealed yet if it does not). Errors: see the header.
  explicit SealSequence(std::filesystem::path file) : file_(std::move(file)) {
    std::FILE* f = std::fopen(file_.c_str(), "rb");
    if (f == nullptr) {
      if (errno == ENOENT) return;
      detail::seal_sequence::os_fail("cannot open", file_);
    }
    char buf[128] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    const std::string text(buf, n);
    unsigned long long round = 0, seq = 0;  // 64 bits on 32-bit ARM too: 2^32 must not saturate
    char check[17] = {};
    int used = 0;
    const std::string prefix = std::string(detail::seal_sequence::magic) + " ";
    if (text.rfind(prefix, 0) != 0 ||
        std::sscanf(text.c_str() + prefix.size(), "%10llu %10llu %16[0-9a-f]%n", &round, &seq, check, &used) != 3 ||
        prefix.size() + static_cast<std::size_t>(used) + 1 != text.size() || text.back() != '\n' ||
        round > UINT32_MAX || seq > UINT32_MAX)
      throw error(errc::malformed_message, "SealSequence: " + file_.string() +
                                               " is not a seal-sequence file; refusing to guess where the device's "
                                               "nonces stand (see platform/device/seal_sequence.hpp)");
    const std::string body = text.substr(0, text.rfind(' '));
    if (detail::seal_sequence::check_of(body) != check)
      throw error(errc::checksum_mismatch, "SealSequence: " + file_.string() + " is damaged (its check does not match)");
    last_ = SealedAt{static_cast<std::uint32_t>(round), static_cast<std::uint32_t>(seq)};
  }

  /// The last pair reserved, if any.
  [[nodiscard]] std::optional<SealedAt> last() const noexcept { return last_; }

  /// The first round this device may still seal in with sequence 0: 0, or one past the last
  /// (2^32 once the last round was the largest: no round is fresh then).
  [[nodiscard]] std::uint64_t first_fresh_round() const noexcept { return last_ ? std::uint64_t{last_->round} + 1 : 0; }

  /// Reserves a pair in `round` durably and returns it: sequence 0 in a round above the last
  /// one, the last sequence + 1 in the same round. errc::invalid_argument for a round below the
  /// last (the clock went back) or a sequence that would wrap. Call before sealing.
  SealedAt reserve(std::uint32_t round) {
    SealedAt next{round, 0};
    if (last_) {
      if (round < last_->round)
        throw error(errc::invalid_argument, "SealSequence: round " + std::to_string(round) + " is below round " +
                                                std::to_string(last_->round) + ", already sealed (did the clock go back?)");
      if (round == last_->round) {
        if (last_->seq == UINT32_MAX) throw error(errc::invalid_argument, "SealSequence: the sequence of round " + std::to_string(round) + " is exhausted");
        next.seq = last_->seq + 1;
      }
    }
    const std::string body = std::string(detail::seal_sequence::magic) + " " + std::to_string(next.round) + " " +
                             std::to_string(next.seq);
    detail::seal_sequence::replace_file(file_, body + " " + detail::seal_sequence::check_of(body) + "\n");
    last_ = next;
    return next;
  }

 private:
  std::filesystem::path file_;
  std::optional<SealedAt> last_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
