// SPDX-License-Identifier: Apache-2.0
// The correlation-robust hash that turns IKNP's correlated outputs into independent ones.
//
// IKNP leaves the sender with q_i and q_i ^ s and the receiver with one of them; hashing
// breaks that correlation (Ishai, Kilian, Nissim, Petrank, CRYPTO 2003). The hash is keyed by
// the OT index i as a tweak, because without one the same Delta across many OTs lets hashes
// of different instances be related (Guo, Katz, Wang, Yu, IEEE S&P 2020, Section 7). Two
// instantiations, which give DIFFERENT outputs, so both parties must name the same one:
//
//  - CrHashAlgorithm::fixed_key_aes: TCCR(i, x) = π(π(x) ⊕ i) ⊕ π(x), π = AES-128 under a
//    fixed public key (ot/detail/tccr.hpp). Two AES calls per hash, on AES-NI, VAES or the
//    ARMv8 AES instructions, and where the CPU has none of them on the constant-time bitsliced
//    AES, with the same outputs; the default everywhere.
//  - CrHashAlgorithm::blake2b: BLAKE2b-128 of (i as 16 little-endian bytes || x), with the
//    personalisation "edgempc-ot-tcr1" for domain separation; a random oracle, which is at
//    least as strong. Runs everywhere (libsodium), about 20 times slower than AES-NI.
//
// The tweak i is a 64-bit counter (the 128-bit block (lo = i, hi = 0)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "edgempc/core/block.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/ot/detail/tccr.hpp"

EDGEMPC_BEGIN_NAMESPACE

enum class CrHashAlgorithm : std::uint8_t { blake2b = 1, fixed_key_aes = 2 };

[[nodiscard]] inline bool cr_hash_supported(CrHashAlgorithm a) noexcept {
  switch (a) {
    case CrHashAlgorithm::blake2b:
    case CrHashAlgorithm::fixed_key_aes: return true;
  }
  return false;
}

/// Fixed-key AES on every machine, so that parties on different CPUs agree by default. Where
/// the CPU has no AES instructions the bitsliced AES still beats BLAKE2b: on this project's
/// x86 machine 14 M hashes/s against 5.3 M (bench_ot: BM_tccr_portable_reference against
/// BM_blake2b_hash_reference; 1.3 G/s with VAES).
[[nodiscard]] inline CrHashAlgorithm default_cr_hash() noexcept { return CrHashAlgorithm::fixed_key_aes; }

namespace detail {

inline void tcr_blake2b(const Block* in, Block delta, std::uint64_t index, Block* out, std::size_t n) {
  static constexpr unsigned char personal[crypto_generichash_blake2b_PERSONALBYTES] = "edgempc-ot-tcr1";
  std::uint8_t buf[32] = {};
  for (std::size_t k = 0; k < n; ++k) {
    store_le<std::uint64_t>(buf, index + k);
    (in[k] ^ delta).to_bytes(std::span<std::uint8_t, 16>(buf + 16, 16));
    std::uint8_t h[16];
    crypto_generichash_blake2b_salt_personal(h, sizeof h, buf, sizeof buf, nullptr, 0, nullptr, personal);
    out[k] = Block::from_bytes(h);
  }
  secure_wipe(buf, sizeof buf);
}

}  // namespace detail

/// out[k] = H(first_index + k, in[k] ^ delta) under `algorithm`. `in` and `out` may be the same
/// span. errc::size_mismatch if their sizes differ, errc::unsupported if `algorithm` is none of
/// the above.
inline void cr_hash(CrHashAlgorithm algorithm, std::span<const Block> in, Block delta, std::uint64_t first_index,
                    std::span<Block> out) {
  if (in.size() != out.size())
    throw error(errc::size_mismatch, "cr_hash: " + std::to_string(in.size()) + " inputs, " +
                                         std::to_string(out.size()) + " outputs");
  if (!cr_hash_supported(algorithm))
    throw error(errc::unsupported,
                "cr_hash: unknown algorithm " + std::to_string(static_cast<unsigned>(algorithm)));
  if (algorithm == CrHashAlgorithm::blake2b) {
    ensure_sodium();
    detail::tcr_blake2b(in.data(), delta, first_index, out.data(), in.size());
    return;
  }
  detail::tccr::tccr(detail::fixed_key_aes::best_backend(), in.data(), delta, first_index, out.data(), in.size());
}

/// out[k] = H(first_index + k, in[k]).
inline void cr_hash(CrHashAlgorithm algorithm, std::span<const Block> in, std::uint64_t first_index,
                    std::span<Block> out) {
  cr_hash(algorithm, in, Block{}, first_index, out);
}

EDGEMPC_END_NAMESPACE
