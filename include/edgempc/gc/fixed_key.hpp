// SPDX-License-Identifier: Apache-2.0
// gc::FixedKey: a fixed-key permutation pi (AES-128 under a public key) and the tweakable
// circular correlation robust hash that half-gates garbling is built on.
//
//   H(x, i) = pi(sigma(x) ^ i) ^ sigma(x),   sigma(x_L || x_R) = (x_L ^ x_R) || x_L
//
// is the construction of C. Guo, J. Katz, X. Wang and Y. Yu, "Efficient and secure multiparty
// computation from fixed-key block ciphers", IEEE S&P 2020 (section 7.3): with pi a random
// permutation and sigma a linear orthomorphism it is a tweakable circular correlation robust
// hash, which is what the half-gates proof needs, and it costs one AES call with no key
// schedule. (Zahur-Rosulek-Evans's original H(x, i) = pi(2x ^ i) ^ 2x ^ i was shown to need
// care in that paper; sigma is as cheap as doubling.) Here x_L is the high half of a Block:
// sigma(x) = Block{.lo = x.hi, .hi = x.hi ^ x.lo}. The tweak i is Block{i, 0}.
//
// The key is public: both parties must use the same seed (FixedKey::default_seed unless the
// protocol agrees on another). pi and its back-ends (AES-NI, eight blocks in flight; VAES on
// AVX-512, sixteen; ARMv8 AES, eight; a constant-time bitsliced AES in portable C++ for CPUs
// without AES instructions) are core/detail/fixed_key_aes.hpp's, shared with OT's hash; H is
// its MMO^sigma form. All back-ends give identical outputs; the best one this CPU runs is the default.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgempc/core/block.hpp"
#include "edgempc/core/detail/fixed_key_aes.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

/// portable (bitsliced AES in C++, 64 blocks per pass, constant time on any CPU), aesni
/// (x86-64 AES-NI), vaes (x86-64 VAES with AVX-512, four blocks per instruction) or armv8
/// (64-bit ARM with the ARMv8 AES instructions, eight blocks in flight).
using PermutationBackend = edgempc::detail::fixed_key_aes::Backend;
using edgempc::detail::fixed_key_aes::to_string;

[[nodiscard]] inline bool permutation_backend_supported(PermutationBackend b) noexcept {
  return edgempc::detail::fixed_key_aes::supported(b);
}

/// The back-ends this machine runs, slowest first; always starts with `portable`.
[[nodiscard]] inline std::vector<PermutationBackend> available_permutation_backends() {
  return edgempc::detail::fixed_key_aes::available_backends();
}

[[nodiscard]] inline PermutationBackend best_permutation_backend() {
  return edgempc::detail::fixed_key_aes::best_backend();
}

/// The linear orthomorphism of the hash: (x_L, x_R) -> (x_L ^ x_R, x_L), x_L the high half.
using edgempc::detail::fixed_key_aes::sigma;

class FixedKey {
 public:
  /// A public seed with nothing up its sleeve (the first 32 hex digits of the fractional part
  /// of pi, 243f6a88...), so that two parties that agree on nothing else agree on this.
  static constexpr Block default_seed{0x243f6a8885a308d3, 0x13198a2e03707344};

  /// The AES key is BLAKE2b-128("edgempc gc fixed-key AES v1" || seed bytes), so a seed used
  /// elsewhere does not become this AES key by accident. errc::unsupported if `backend` does
  /// not run here.
  explicit FixedKey(const Block& seed = default_seed, PermutationBackend backend = best_permutation_backend())
      : key_(derive_key(seed, backend)), pi_(key_.bytes(), backend) {}

  [[nodiscard]] PermutationBackend backend() const noexcept { return pi_.backend(); }
  /// The AES key (public).
  [[nodiscard]] Block key() const noexcept { return key_; }

  /// out[i] = pi(in[i]). in and out may be the same span; errc::size_mismatch if the sizes differ.
  void permute(std::span<const Block> in, std::span<Block> out) const {
    if (in.size() != out.size()) throw error(errc::size_mismatch, "FixedKey::permute");
    pi_.permute(in.data(), Block{}, out.data(), in.size());
  }
  [[nodiscard]] Block permute(const Block& x) const {
    Block y;
    permute(std::span<const Block>(&x, 1), std::span<Block>(&y, 1));
    return y;
  }

  /// out[i] = H(x[i], tweaks[i]). x and out may be the same span.
  void hash(std::span<const Block> x, std::span<const Block> tweaks, std::span<Block> out) const {
    if (x.size() != out.size() || tweaks.size() != x.size()) throw error(errc::size_mismatch, "FixedKey::hash");
    pi_.mmo<Pre::sigma>(x.data(), Block{}, {tweaks.data(), 0, 0}, out.data(), x.size());
  }

  /// out[i] = H(x[i], first_tweak + (i >> tweak_shift)): 2^tweak_shift consecutive blocks
  /// share a tweak. The garbler hashes four labels per AND gate under two tweaks (shift 1),
  /// the evaluator two under two (shift 0). tweak_shift at most 2 (errc::invalid_argument).
  void hash_sequence(std::span<const Block> x, std::uint64_t first_tweak, unsigned tweak_shift,
                     std::span<Block> out) const {
    if (x.size() != out.size()) throw error(errc::size_mismatch, "FixedKey::hash_sequence");
    if (tweak_shift > 2) throw error(errc::invalid_argument, "FixedKey::hash_sequence: tweak_shift > 2");
    pi_.mmo<Pre::sigma>(x.data(), Block{}, {nullptr, first_tweak, tweak_shift}, out.data(), x.size());
  }

  [[nodiscard]] Block hash(const Block& x, const Block& tweak) const {
    Block y;
    hash(std::span<const Block>(&x, 1), std::span<const Block>(&tweak, 1), std::span<Block>(&y, 1));
    return y;
  }

 private:
  using Pre = edgempc::detail::fixed_key_aes::Pre;

  static Block derive_key(const Block& seed, PermutationBackend backend) {
    if (!permutation_backend_supported(backend))
      throw error(errc::unsupported, "FixedKey: this CPU or build has no " + std::string(to_string(backend)));
    ensure_sodium();
    static constexpr std::string_view domain = "edgempc gc fixed-key AES v1";
    std::uint8_t input[domain.size() + 16];
    std::copy(domain.begin(), domain.end(), input);
    seed.to_bytes(std::span<std::uint8_t, 16>(input + domain.size(), 16));
    std::uint8_t key[16];
    if (crypto_generichash(key, sizeof key, input, sizeof input, nullptr, 0) != 0)
      throw error(errc::crypto_failure, "FixedKey: BLAKE2b failed");
    return Block::from_bytes(key);
  }

  Block key_;
  edgempc::detail::fixed_key_aes::Permutation pi_;
};

}  // namespace gc
EDGEMPC_END_NAMESPACE
