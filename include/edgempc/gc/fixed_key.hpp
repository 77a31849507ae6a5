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
// protocol agrees on another). Back-ends: AES-NI (eight blocks in flight), VAES on AVX-512
// (sixteen), and a constant-time bitsliced AES in portable C++ for CPUs without AES
// instructions. All give identical outputs; the best one this CPU runs is the default.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgempc/core/backend.hpp"
#include "edgempc/core/block.hpp"
#include "edgempc/core/detail/aes_portable.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"
#include "edgempc/gc/detail/fixed_key_x86.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

enum class PermutationBackend : std::uint8_t {
  portable,  ///< bitsliced AES in C++, 64 blocks per pass; constant time on any CPU
  aesni,     ///< x86-64 AES-NI
  vaes,      ///< x86-64 VAES with AVX-512 (four blocks per instruction)
};

[[nodiscard]] constexpr std::string_view to_string(PermutationBackend b) noexcept {
  switch (b) {
    case PermutationBackend::portable: return "portable";
    case PermutationBackend::aesni: return "aesni";
    case PermutationBackend::vaes: return "vaes";
  }
  return "unknown";
}

[[nodiscard]] inline bool permutation_backend_supported(PermutationBackend b) noexcept {
  switch (b) {
    case PermutationBackend::portable: return true;
#if EDGEMPC_HAVE_X86_BACKENDS
    case PermutationBackend::aesni: return edgempc::detail::aesni::supported();
    case PermutationBackend::vaes: return edgempc::detail::aesni::supported() && edgempc::detail::aesni::vaes_supported();
#else
    case PermutationBackend::aesni:
    case PermutationBackend::vaes: return false;
#endif
  }
  return false;
}

/// The back-ends this machine runs, slowest first; always starts with `portable`.
[[nodiscard]] inline std::vector<PermutationBackend> available_permutation_backends() {
  std::vector<PermutationBackend> out;
  for (auto b : {PermutationBackend::portable, PermutationBackend::aesni, PermutationBackend::vaes})
    if (permutation_backend_supported(b)) out.push_back(b);
  return out;
}

[[nodiscard]] inline PermutationBackend best_permutation_backend() {
  static const PermutationBackend best = available_permutation_backends().back();
  return best;
}

/// The linear orthomorphism of the hash: (x_L, x_R) -> (x_L ^ x_R, x_L), x_L the high half.
[[nodiscard]] constexpr Block sigma(const Block& x) noexcept { return Block{x.hi, x.hi ^ x.lo}; }

class FixedKey {
 public:
  /// A public seed with nothing up its sleeve (the first 32 hex digits of the fractional part
  /// of pi, 243f6a88...), so that two parties that agree on nothing else agree on this.
  static constexpr Block default_seed{0x243f6a8885a308d3, 0x13198a2e03707344};

  /// The AES key is BLAKE2b-128("edgempc gc fixed-key AES v1" || seed bytes), so a seed used
  /// elsewhere does not become this AES key by accident. errc::unsupported if `backend` does
  /// not run here.
  explicit FixedKey(const Block& seed = default_seed, PermutationBackend backend = best_permutation_backend())
      : backend_(backend) {
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
    key_ = Block::from_bytes(key);
    edgempc::detail::aes_portable::expand_key(key, round_keys_);
    if (backend == PermutationBackend::portable) {
      auto sliced = std::make_shared<edgempc::detail::aes_portable::SlicedKeys>();
      edgempc::detail::aes_portable::slice_keys(round_keys_, *sliced);
      sliced_ = std::move(sliced);
    }
  }

  [[nodiscard]] PermutationBackend backend() const noexcept { return backend_; }
  /// The AES key (public).
  [[nodiscard]] Block key() const noexcept { return key_; }

  /// out[i] = pi(in[i]). in and out may be the same span; errc::size_mismatch if the sizes differ.
  void permute(std::span<const Block> in, std::span<Block> out) const {
    if (in.size() != out.size()) throw error(errc::size_mismatch, "FixedKey::permute");
    switch (backend_) {
#if EDGEMPC_HAVE_X86_BACKENDS
      case PermutationBackend::aesni:
        detail::fixed_key_x86::permute(round_keys_.bytes, in.data(), out.data(), in.size());
        return;
      case PermutationBackend::vaes:
        detail::fixed_key_x86::permute_vaes(round_keys_.bytes, in.data(), out.data(), in.size());
        return;
#endif
      default: edgempc::detail::aes_portable::encrypt_blocks(*sliced_, in.data(), out.data(), in.size());
    }
  }
  [[nodiscard]] Block permute(const Block& x) const {
    Block y;
    permute(std::span<const Block>(&x, 1), std::span<Block>(&y, 1));
    return y;
  }

  /// out[i] = H(x[i], tweaks[i]). x and out may be the same span.
  void hash(std::span<const Block> x, std::span<const Block> tweaks, std::span<Block> out) const {
    if (x.size() != out.size() || tweaks.size() != x.size()) throw error(errc::size_mismatch, "FixedKey::hash");
    dispatch_hash(x, Tweaks{tweaks.data(), 0, 0}, out);
  }

  /// out[i] = H(x[i], first_tweak + (i >> tweak_shift)): 2^tweak_shift consecutive blocks
  /// share a tweak. The garbler hashes four labels per AND gate under two tweaks (shift 1),
  /// the evaluator two under two (shift 0). tweak_shift at most 2 (errc::invalid_argument).
  void hash_sequence(std::span<const Block> x, std::uint64_t first_tweak, unsigned tweak_shift,
                     std::span<Block> out) const {
    if (x.size() != out.size()) throw error(errc::size_mismatch, "FixedKey::hash_sequence");
    if (tweak_shift > 2) throw error(errc::invalid_argument, "FixedKey::hash_sequence: tweak_shift > 2");
    dispatch_hash(x, Tweaks{nullptr, first_tweak, tweak_shift}, out);
  }

  [[nodiscard]] Block hash(const Block& x, const Block& tweak) const {
    Block y;
    hash(std::span<const Block>(&x, 1), std::span<const Block>(&tweak, 1), std::span<Block>(&y, 1));
    return y;
  }

 private:
  struct Tweaks {
    const Block* array;
    std::uint64_t first;
    unsigned shift;
    [[nodiscard]] Block at(std::size_t i) const noexcept {
      return array != nullptr ? array[i] : Block{first + (i >> shift), 0};
    }
  };

  void dispatch_hash(std::span<const Block> x, const Tweaks& t, std::span<Block> out) const {
    switch (backend_) {
#if EDGEMPC_HAVE_X86_BACKENDS
      case PermutationBackend::aesni:
        detail::fixed_key_x86::hash(round_keys_.bytes, x.data(), {t.array, t.first, t.shift}, out.data(), x.size());
        return;
      case PermutationBackend::vaes:
        detail::fixed_key_x86::hash_vaes(round_keys_.bytes, x.data(), {t.array, t.first, t.shift}, out.data(),
                                         x.size());
        return;
#endif
      default: hash_portable(x, t, out);
    }
  }

  // 128 blocks per pass (two bitsliced batches side by side); sigma(x) is kept aside because
  // out may alias x.
  void hash_portable(std::span<const Block> x, const Tweaks& t, std::span<Block> out) const {
    namespace aes = edgempc::detail::aes_portable;
    constexpr std::size_t pass = 2 * aes::lanes;
    Block s[pass], y[pass];
    for (std::size_t i = 0; i < x.size(); i += pass) {
      const std::size_t n = std::min(pass, x.size() - i);
      for (std::size_t j = 0; j < n; ++j) {
        s[j] = sigma(x[i + j]);
        y[j] = s[j] ^ t.at(i + j);
      }
      aes::encrypt_blocks(*sliced_, y, y, n);
      for (std::size_t j = 0; j < n; ++j) out[i + j] = y[j] ^ s[j];
    }
    secure_wipe(s, sizeof s);  // derived from the labels
    secure_wipe(y, sizeof y);
  }

  PermutationBackend backend_;
  Block key_{};
  edgempc::detail::aes_portable::RoundKeys round_keys_{};
  std::shared_ptr<const edgempc::detail::aes_portable::SlicedKeys> sliced_;  // portable only; shared by copies
};

}  // namespace gc
EDGEMPC_END_NAMESPACE
