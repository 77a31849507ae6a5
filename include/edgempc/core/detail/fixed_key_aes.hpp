// SPDX-License-Identifier: Apache-2.0
// The fixed-key permutation pi = AES-128 under a public key, over Blocks, batched, on three
// back-ends; the one that OT's TCCR hash (ot/detail/tccr.hpp) and the garbler's half-gates
// hash (gc/fixed_key.hpp) are both built on. Each of them picks its own key.
//
// Wire and threat model: the key is public and fixed, and pi is modelled as a random
// permutation (C. Guo, J. Katz, X. Wang, Y. Yu, "Efficient and secure multiparty computation
// from fixed-key block ciphers", IEEE S&P 2020, ePrint 2019/074); nothing about the key needs
// hiding, but the blocks are secret (labels, OT pads), so no back-end branches on them or uses
// them as a table index. Both parties of a protocol must compute the same pi, so every
// back-end gives bit-identical outputs and the choice of one is local to a machine.
//
// Besides pi itself this header evaluates the paper's MMO form (Section 7),
//
//   out_k = pi(a_k ^ t_k) ^ a_k,   a_k = L(in_k),
//
// L being the identity, the linear orthomorphism sigma(x_L || x_R) = (x_L ^ x_R) || x_L (x_L
// the high half of a Block; the garbler's hash) or x -> pi(x ^ mask) (OT's TCCR), with the
// tweak t_k taken from an array or counted. It is one pass: a_k never leaves a register.
// Back-ends:
//  - aesni: x86-64 AES-NI, eight blocks in flight;
//  - vaes: VAES on AVX-512, four blocks per register, sixteen in flight;
//  - armv8: the ARMv8 Cryptography Extensions (AESE/AESMC, core/detail/armv8_aes.hpp), eight
//    blocks in flight, on 64-bit ARM gateways whose CPU has them: detected at run time with
//    getauxval(AT_HWCAP) & HWCAP_AES, compiled with a function target attribute so the rest of
//    the build stays baseline armv8-a;
//  - portable: the constant-time bitsliced AES of core/detail/aes_portable.hpp (64 or 128
//    blocks per pass), the fallback for CPUs without AES instructions (x86 or ARM).
// All of them compute AES-128 as FIPS-197 specifies it on the same byte layout (byte i of a
// Block is state byte i, round keys from aes_portable::expand_key), which is why an ARM party
// and an x86 party get bit-identical outputs; the tests check it against known answers
// computed on AES-NI (tests/unit/aes_interop_test.cpp).
// Independent blocks side by side keep the AES unit busy, so callers should batch.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgempc/core/backend.hpp"
#include "edgempc/core/block.hpp"
#include "edgempc/core/detail/aes_portable.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"

#if EDGEMPC_HAVE_X86_BACKENDS
#include "edgempc/core/detail/aesni.hpp"
#include "edgempc/core/detail/intrinsics.hpp"
#endif
#if EDGEMPC_HAVE_ARM_BACKENDS
#include "edgempc/core/detail/armv8_aes.hpp"
#endif

EDGEMPC_BEGIN_NAMESPACE
namespace detail::fixed_key_aes {

enum class Backend : std::uint8_t {
  portable,  ///< bitsliced AES in C++, 64 blocks per pass; constant time on any CPU
  aesni,     ///< x86-64 AES-NI
  vaes,      ///< x86-64 VAES with AVX-512 (four blocks per instruction)
  armv8,     ///< 64-bit ARM with the ARMv8 Cryptography Extensions (AESE/AESMC)
};

[[nodiscard]] constexpr std::string_view to_string(Backend b) noexcept {
  switch (b) {
    case Backend::portable: return "portable";
    case Backend::aesni: return "aesni";
    case Backend::vaes: return "vaes";
    case Backend::armv8: return "armv8";
  }
  return "unknown";
}

[[nodiscard]] inline bool supported(Backend b) noexcept {
  switch (b) {
    case Backend::portable: return true;
#if EDGEMPC_HAVE_X86_BACKENDS
    case Backend::aesni: return aesni::supported();
    case Backend::vaes: return aesni::supported() && aesni::vaes_supported();
#else
    case Backend::aesni:
    case Backend::vaes: return false;
#endif
#if EDGEMPC_HAVE_ARM_BACKENDS
    case Backend::armv8: return armv8_aes::supported();
#else
    case Backend::armv8: return false;
#endif
  }
  return false;
}

/// The back-ends this machine runs, slowest first; always starts with `portable`.
[[nodiscard]] inline std::vector<Backend> available_backends() {
  std::vector<Backend> out;
  for (auto b : {Backend::portable, Backend::aesni, Backend::vaes, Backend::armv8})
    if (supported(b)) out.push_back(b);
  return out;
}

[[nodiscard]] inline Backend best_backend() {
  static const Backend best = available_backends().back();
  return best;
}

/// The linear orthomorphism (x_L, x_R) -> (x_L ^ x_R, x_L), x_L the high half.
[[nodiscard]] constexpr Block sigma(const Block& x) noexcept { return Block{x.hi, x.hi ^ x.lo}; }

/// L in a_k = L(in_k): in_k, sigma(in_k) or pi(in_k ^ mask).
enum class Pre : std::uint8_t { identity, sigma, pi };

/// The tweak of block k: array[k] if array is set, else Block{first + (k >> shift), 0} (one
/// tweak for 2^shift consecutive blocks, as the garbler uses; counted, so nobody writes an
/// array of them).
struct Tweaks {
  const Block* array = nullptr;
  std::uint64_t first = 0;
  unsigned shift = 0;

  [[nodiscard]] Block at(std::size_t k) const noexcept {
    return array != nullptr ? array[k] : Block{first + (k >> shift), 0};
  }
  /// The tweaks from block k on; k a multiple of 2^shift.
  [[nodiscard]] Tweaks from(std::size_t k) const noexcept {
    return array != nullptr ? Tweaks{array + k, 0, 0} : Tweaks{nullptr, first + (k >> shift), shift};
  }
};

#if EDGEMPC_HAVE_X86_BACKENDS
namespace x86 {

#define EDGEMPC_FKA_AES_TARGET __attribute__((target("aes,sse4.1")))

// Block is two little-endian 64-bit halves, lo first: exactly what _mm_loadu_si128 reads.
EDGEMPC_FKA_AES_TARGET inline __m128i load(const Block* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
EDGEMPC_FKA_AES_TARGET inline void store(Block* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }

EDGEMPC_FKA_AES_TARGET inline __m128i sigma(__m128i x) {
  return _mm_xor_si128(_mm_shuffle_epi32(x, 0x4e), _mm_and_si128(x, _mm_set_epi64x(-1, 0)));
}

// Array is t.array != nullptr, decided once per call rather than per block.
template <bool Array>
EDGEMPC_FKA_AES_TARGET inline __m128i tweak_at(const Tweaks& t, std::size_t k) {
  if constexpr (Array) return load(t.array + k);
  else return _mm_set_epi64x(0, static_cast<long long>(t.first + (k >> t.shift)));
}

// Rounds 1 to 10 of every x[J]; round 0 (the key XOR) is the caller's, so that it can fold a
// mask or a tweak into it. The folds over J unroll at compile time (no lambdas: GCC would not
// give them the target).
template <std::size_t... J>
EDGEMPC_FKA_AES_TARGET inline void rounds(__m128i* x, const __m128i rk[11], std::index_sequence<J...>) {
  for (int r = 1; r < 10; ++r) ((x[J] = _mm_aesenc_si128(x[J], rk[r])), ...);
  ((x[J] = _mm_aesenclast_si128(x[J], rk[10])), ...);
}

// Blocks k .. k + sizeof...(J) - 1. Mmo false: pi(in ^ mask); true: pi(a ^ t) ^ a with
// a = L(in). rk0m is round key 0 ^ mask.
template <bool Mmo, Pre P, bool Array, std::size_t... J>
EDGEMPC_FKA_AES_TARGET inline void step(const __m128i rk[11], __m128i rk0m, const Block* in, const Tweaks& t,
                                        Block* out, std::size_t k, std::index_sequence<J...> js) {
  __m128i a[sizeof...(J)], x[sizeof...(J)];
  if constexpr (!Mmo || P == Pre::pi) {
    ((x[J] = _mm_xor_si128(load(in + k + J), rk0m)), ...);
    rounds(x, rk, js);
  }
  if constexpr (Mmo) {
    if constexpr (P == Pre::pi) ((a[J] = x[J]), ...);
    else if constexpr (P == Pre::sigma) ((a[J] = sigma(load(in + k + J))), ...);
    else ((a[J] = load(in + k + J)), ...);
    ((x[J] = _mm_xor_si128(_mm_xor_si128(a[J], tweak_at<Array>(t, k + J)), rk[0])), ...);
    rounds(x, rk, js);
    ((x[J] = _mm_xor_si128(x[J], a[J])), ...);
  }
  (store(out + k + J, x[J]), ...);
}

// Out of line, as the callers' loops are: inlined into them, GCC's code ran the hash up to a
// third slower (the same holds for run512 and run_portable).
template <bool Mmo, Pre P, bool Array>
EDGEMPC_FKA_AES_TARGET __attribute__((noinline)) void run(const std::uint8_t* keys, const Block& mask, const Block* in,
                                                          const Tweaks& t, Block* out, std::size_t n) {
  __m128i rk[11];
  for (int r = 0; r < 11; ++r) rk[r] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + 16 * r));
  const __m128i rk0m = _mm_xor_si128(rk[0], load(&mask));
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) step<Mmo, P, Array>(rk, rk0m, in, t, out, k, std::make_index_sequence<8>{});
  for (; k < n; ++k) step<Mmo, P, Array>(rk, rk0m, in, t, out, k, std::make_index_sequence<1>{});
}

EDGEMPC_AVX512_WARNINGS_OFF
#define EDGEMPC_FKA_VAES_TARGET __attribute__((target("aes,sse4.1,avx512f,vaes")))

EDGEMPC_FKA_VAES_TARGET inline __m512i sigma512(__m512i x) {
  return _mm512_xor_si512(_mm512_shuffle_epi32(x, _MM_PERM_BADC),
                          _mm512_and_si512(x, _mm512_set_epi64(-1, 0, -1, 0, -1, 0, -1, 0)));
}

template <bool Array>
EDGEMPC_FKA_VAES_TARGET inline __m512i tweaks512(const Tweaks& t, std::size_t k) {
  if constexpr (Array) {
    return _mm512_loadu_si512(t.array + k);
  } else {
    const auto at = [&](std::size_t j) { return static_cast<long long>(t.first + ((k + j) >> t.shift)); };
    return _mm512_set_epi64(0, at(3), 0, at(2), 0, at(1), 0, at(0));
  }
}

template <std::size_t... J>
EDGEMPC_FKA_VAES_TARGET inline void rounds512(__m512i* x, const __m512i rk[11], std::index_sequence<J...>) {
  for (int r = 1; r < 10; ++r) ((x[J] = _mm512_aesenc_epi128(x[J], rk[r])), ...);
  ((x[J] = _mm512_aesenclast_epi128(x[J], rk[10])), ...);
}

// Four blocks per register: blocks k .. k + 4 sizeof...(J) - 1.
template <bool Mmo, Pre P, bool Array, std::size_t... J>
EDGEMPC_FKA_VAES_TARGET inline void step512(const __m512i rk[11], __m512i rk0m, const Block* in, const Tweaks& t,
                                            Block* out, std::size_t k, std::index_sequence<J...> js) {
  __m512i a[sizeof...(J)], x[sizeof...(J)];
  if constexpr (!Mmo || P == Pre::pi) {
    ((x[J] = _mm512_xor_si512(_mm512_loadu_si512(in + k + 4 * J), rk0m)), ...);
    rounds512(x, rk, js);
  }
  if constexpr (Mmo) {
    if constexpr (P == Pre::pi) ((a[J] = x[J]), ...);
    else if constexpr (P == Pre::sigma) ((a[J] = sigma512(_mm512_loadu_si512(in + k + 4 * J))), ...);
    else ((a[J] = _mm512_loadu_si512(in + k + 4 * J)), ...);
    ((x[J] = _mm512_xor_si512(_mm512_xor_si512(a[J], tweaks512<Array>(t, k + 4 * J)), rk[0])), ...);
    rounds512(x, rk, js);
    ((x[J] = _mm512_xor_si512(x[J], a[J])), ...);
  }
  (_mm512_storeu_si512(out + k + 4 * J, x[J]), ...);
}

template <bool Mmo, Pre P, bool Array>
EDGEMPC_FKA_VAES_TARGET __attribute__((noinline)) void run512(const std::uint8_t* keys, const Block& mask,
                                                              const Block* in, const Tweaks& t, Block* out,
                                                              std::size_t n) {
  __m512i rk[11];
  for (int r = 0; r < 11; ++r)
    rk[r] = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + 16 * r)));
  const __m512i rk0m =
      _mm512_xor_si512(rk[0], _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&mask))));
  std::size_t k = 0;
  for (; k + 16 <= n; k += 16) step512<Mmo, P, Array>(rk, rk0m, in, t, out, k, std::make_index_sequence<4>{});
  for (; k + 4 <= n; k += 4) step512<Mmo, P, Array>(rk, rk0m, in, t, out, k, std::make_index_sequence<1>{});
  if (k < n) run<Mmo, P, Array>(keys, mask, in + k, t.from(k), out + k, n - k);
}

#undef EDGEMPC_FKA_VAES_TARGET
EDGEMPC_AVX512_WARNINGS_ON
#undef EDGEMPC_FKA_AES_TARGET

}  // namespace x86
#endif  // EDGEMPC_HAVE_X86_BACKENDS

#if EDGEMPC_HAVE_ARM_BACKENDS
namespace arm {

// The same kernel as x86::run, on AESE/AESMC. The x86 code XORs round key 0 itself and can
// fold the mask or tweak into that XOR; here AESE does the XOR, so the folded key (rk[0] ^ mask,
// or a ^ t ^ rk[0] computed as (a ^ t) under rk[0]) is AESE's first key operand.

// Block is two little-endian 64-bit halves, lo first: on a little-endian CPU the 16 bytes in
// memory order, which is what vld1q_u8 reads and AES takes as its state.
EDGEMPC_ARMV8_AES_TARGET inline uint8x16_t load(const Block* p) {
  return vld1q_u8(reinterpret_cast<const std::uint8_t*>(p));
}
EDGEMPC_ARMV8_AES_TARGET inline void store(Block* p, uint8x16_t v) { vst1q_u8(reinterpret_cast<std::uint8_t*>(p), v); }

// sigma(x) = Block{.lo = x.hi, .hi = x.hi ^ x.lo}.
EDGEMPC_ARMV8_AES_TARGET inline uint8x16_t sigma(uint8x16_t x) {
  const uint64x2_t v = vreinterpretq_u64_u8(x);
  return vreinterpretq_u8_u64(vcombine_u64(vget_high_u64(v), veor_u64(vget_low_u64(v), vget_high_u64(v))));
}

template <bool Array>
EDGEMPC_ARMV8_AES_TARGET inline uint8x16_t tweak_at(const Tweaks& t, std::size_t k) {
  if constexpr (Array) return load(t.array + k);
  else return vreinterpretq_u8_u64(armv8_aes::make_u64x2(t.first + (k >> t.shift), 0));
}

// Blocks k .. k + sizeof...(J) - 1, as x86::step.
template <bool Mmo, Pre P, bool Array, std::size_t... J>
EDGEMPC_ARMV8_AES_TARGET inline void step(const uint8x16_t rk[11], uint8x16_t rk0m, const Block* in, const Tweaks& t,
                                          Block* out, std::size_t k, std::index_sequence<J...> js) {
  uint8x16_t a[sizeof...(J)], x[sizeof...(J)];
  if constexpr (!Mmo || P == Pre::pi) {
    ((x[J] = load(in + k + J)), ...);
    armv8_aes::encrypt(x, rk0m, rk, js);
  }
  if constexpr (Mmo) {
    if constexpr (P == Pre::pi) ((a[J] = x[J]), ...);
    else if constexpr (P == Pre::sigma) ((a[J] = sigma(load(in + k + J))), ...);
    else ((a[J] = load(in + k + J)), ...);
    ((x[J] = veorq_u8(a[J], tweak_at<Array>(t, k + J))), ...);
    armv8_aes::encrypt(x, rk[0], rk, js);
    ((x[J] = veorq_u8(x[J], a[J])), ...);
  }
  (store(out + k + J, x[J]), ...);
}

template <bool Mmo, Pre P, bool Array>
EDGEMPC_ARMV8_AES_TARGET __attribute__((noinline)) void run(const std::uint8_t* keys, const Block& mask,
                                                            const Block* in, const Tweaks& t, Block* out,
                                                            std::size_t n) {
  uint8x16_t rk[11];
  armv8_aes::load_keys(keys, rk);
  const uint8x16_t rk0m = veorq_u8(rk[0], load(&mask));
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) step<Mmo, P, Array>(rk, rk0m, in, t, out, k, std::make_index_sequence<8>{});
  for (; k < n; ++k) step<Mmo, P, Array>(rk, rk0m, in, t, out, k, std::make_index_sequence<1>{});
}

}  // namespace arm
#endif  // EDGEMPC_HAVE_ARM_BACKENDS

/// pi = AES-128 under `key` on one back-end. The key is public; copies share the portable
/// back-end's sliced keys.
class Permutation {
 public:
  /// errc::unsupported if `backend` does not run here.
  Permutation(std::span<const std::uint8_t, 16> key, Backend backend) : backend_(backend) {
    if (!supported(backend))
      throw error(errc::unsupported, "fixed-key AES: this CPU or build has no " + std::string(to_string(backend)));
    aes_portable::expand_key(key.data(), round_keys_);
    if (backend == Backend::portable) {
      auto sliced = std::make_shared<aes_portable::SlicedKeys>();
      aes_portable::slice_keys(round_keys_, *sliced);
      sliced_ = std::move(sliced);
    }
  }

  [[nodiscard]] Backend backend() const noexcept { return backend_; }

  /// out[k] = pi(in[k] ^ mask), k < n; in may equal out.
  void permute(const Block* in, const Block& mask, Block* out, std::size_t n) const {
    dispatch<false, Pre::identity>(mask, in, Tweaks{}, out, n);
  }

  /// out[k] = pi(a_k ^ t.at(k)) ^ a_k with a_k = in[k], sigma(in[k]) or pi(in[k] ^ mask) as P
  /// says (the mask is unused by the first two), k < n; in may equal out.
  template <Pre P>
  void mmo(const Block* in, const Block& mask, const Tweaks& t, Block* out, std::size_t n) const {
    dispatch<true, P>(mask, in, t, out, n);
  }

 private:
  template <bool Mmo, Pre P>
  void dispatch(const Block& mask, const Block* in, const Tweaks& t, Block* out, std::size_t n) const {
    switch (backend_) {
#if EDGEMPC_HAVE_X86_BACKENDS
      case Backend::aesni:
        if (t.array != nullptr) x86::run<Mmo, P, true>(round_keys_.bytes, mask, in, t, out, n);
        else x86::run<Mmo, P, false>(round_keys_.bytes, mask, in, t, out, n);
        return;
      case Backend::vaes:
        if (t.array != nullptr) x86::run512<Mmo, P, true>(round_keys_.bytes, mask, in, t, out, n);
        else x86::run512<Mmo, P, false>(round_keys_.bytes, mask, in, t, out, n);
        return;
#endif
#if EDGEMPC_HAVE_ARM_BACKENDS
      case Backend::armv8:
        if (t.array != nullptr) arm::run<Mmo, P, true>(round_keys_.bytes, mask, in, t, out, n);
        else arm::run<Mmo, P, false>(round_keys_.bytes, mask, in, t, out, n);
        return;
#endif
      default: run_portable<Mmo, P>(mask, in, t, out, n);
    }
  }

  // 128 blocks per pass (two bitsliced batches side by side); a_k is kept aside because out
  // may alias in.
  template <bool Mmo, Pre P>
  __attribute__((noinline)) void run_portable(const Block& mask, const Block* in, const Tweaks& t, Block* out,
                                              std::size_t n) const {
    constexpr std::size_t pass = 2 * aes_portable::lanes;
    Block a[pass], y[pass];
    for (std::size_t i = 0; i < n; i += pass) {
      const std::size_t m = std::min(pass, n - i);
      if constexpr (!Mmo || P == Pre::pi) {
        for (std::size_t j = 0; j < m; ++j) y[j] = in[i + j] ^ mask;
        aes_portable::encrypt_blocks(*sliced_, y, y, m);
      } else {
        std::copy(in + i, in + i + m, y);
      }
      if constexpr (Mmo) {
        for (std::size_t j = 0; j < m; ++j) {
          a[j] = P == Pre::sigma ? fixed_key_aes::sigma(y[j]) : y[j];
          y[j] = a[j] ^ t.at(i + j);
        }
        aes_portable::encrypt_blocks(*sliced_, y, y, m);
        for (std::size_t j = 0; j < m; ++j) y[j] ^= a[j];
      }
      std::copy(y, y + m, out + i);
    }
    secure_wipe(a, sizeof a);  // derived from the secret blocks
    secure_wipe(y, sizeof y);
  }

  Backend backend_;
  aes_portable::RoundKeys round_keys_{};
  std::shared_ptr<const aes_portable::SlicedKeys> sliced_;  // portable only
};

}  // namespace detail::fixed_key_aes
EDGEMPC_END_NAMESPACE
