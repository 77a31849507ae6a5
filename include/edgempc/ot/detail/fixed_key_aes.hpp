// SPDX-License-Identifier: Apache-2.0
// The tweakable circular correlation-robust hash TCCR(i, x) = π(π(x) ⊕ i) ⊕ π(x), with π
// AES-128 under a fixed, public key, on AES-NI (and VAES where the CPU has it).
//
// Construction and proof: C. Guo, J. Katz, X. Wang, Y. Yu, "Efficient and secure multiparty
// computation from fixed-key block ciphers", IEEE S&P 2020 (ePrint 2019/074), Section 7.4;
// π is modelled as a random permutation, so the key is public and fixed. The key here is
// the first 16 bytes of the fractional part of pi (0x243F6A88...), chosen so that nobody
// could have picked it to weaken AES. Blocks are independent, so eight (or sixteen with VAES)
// are encrypted side by side to keep the AES unit busy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "edgempc/core/block.hpp"
#include "edgempc/core/detail/aesni.hpp"

#if EDGEMPC_HAVE_X86_BACKENDS

EDGEMPC_BEGIN_NAMESPACE
namespace detail::fixed_aes {

inline constexpr std::uint8_t fixed_key[16] = {0x24, 0x3f, 0x6a, 0x88, 0x85, 0xa3, 0x08, 0xd3,
                                               0x13, 0x19, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x44};

/// The expanded fixed key; only call where aesni::supported().
[[nodiscard]] inline const aesni::RoundKeys& round_keys() {
  static const aesni::RoundKeys keys = [] {
    aesni::RoundKeys k{};
    aesni::expand_key(fixed_key, k);
    return k;
  }();
  return keys;
}

#define EDGEMPC_OT_AES_TARGET __attribute__((target("aes,sse4.1")))

template <std::size_t... J>
EDGEMPC_OT_AES_TARGET inline void tccr_step(const __m128i* rk, const Block* in, __m128i delta, std::uint64_t index,
                                            Block* out, std::index_sequence<J...>) {
  __m128i y[] = {_mm_xor_si128(_mm_xor_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + J)), delta),
                               rk[0])...};
  for (int r = 1; r < 10; ++r) ((y[J] = _mm_aesenc_si128(y[J], rk[r])), ...);
  ((y[J] = _mm_aesenclast_si128(y[J], rk[10])), ...);
  __m128i z[] = {_mm_xor_si128(_mm_xor_si128(y[J], _mm_set_epi64x(0, static_cast<long long>(index + J))), rk[0])...};
  for (int r = 1; r < 10; ++r) ((z[J] = _mm_aesenc_si128(z[J], rk[r])), ...);
  (_mm_storeu_si128(reinterpret_cast<__m128i*>(out + J), _mm_xor_si128(y[J], _mm_aesenclast_si128(z[J], rk[10]))),
   ...);
}

/// out[k] = TCCR(index + k, in[k] ^ delta); `in` may equal `out`.
EDGEMPC_OT_AES_TARGET inline void tccr(const Block* in, Block delta, std::uint64_t index, Block* out, std::size_t n) {
  const auto& keys = round_keys();
  __m128i rk[11];
  for (int r = 0; r < 11; ++r) rk[r] = _mm_load_si128(reinterpret_cast<const __m128i*>(keys.bytes + 16 * r));
  const __m128i d = _mm_set_epi64x(static_cast<long long>(delta.hi), static_cast<long long>(delta.lo));
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) tccr_step(rk, in + k, d, index + k, out + k, std::make_index_sequence<8>{});
  for (; k < n; ++k) tccr_step(rk, in + k, d, index + k, out + k, std::make_index_sequence<1>{});
}

EDGEMPC_AVX512_WARNINGS_OFF
#define EDGEMPC_OT_VAES_TARGET __attribute__((target("aes,sse4.1,avx512f,vaes")))

template <std::size_t... J>
EDGEMPC_OT_VAES_TARGET inline void tccr_step512(const __m512i* rk, const Block* in, __m512i delta, std::uint64_t index,
                                                Block* out, std::index_sequence<J...>) {
  auto lane = [index](std::size_t k) { return static_cast<long long>(index + k); };
  __m512i y[] = {_mm512_xor_si512(_mm512_xor_si512(_mm512_loadu_si512(in + 4 * J), delta), rk[0])...};
  for (int r = 1; r < 10; ++r) ((y[J] = _mm512_aesenc_epi128(y[J], rk[r])), ...);
  ((y[J] = _mm512_aesenclast_epi128(y[J], rk[10])), ...);
  __m512i z[] = {_mm512_xor_si512(
      _mm512_xor_si512(y[J], _mm512_set_epi64(0, lane(4 * J + 3), 0, lane(4 * J + 2), 0, lane(4 * J + 1), 0, lane(4 * J))),
      rk[0])...};
  for (int r = 1; r < 10; ++r) ((z[J] = _mm512_aesenc_epi128(z[J], rk[r])), ...);
  (_mm512_storeu_si512(out + 4 * J, _mm512_xor_si512(y[J], _mm512_aesenclast_epi128(z[J], rk[10]))), ...);
}

EDGEMPC_OT_VAES_TARGET inline void tccr_vaes(const Block* in, Block delta, std::uint64_t index, Block* out,
                                             std::size_t n) {
  const auto& keys = round_keys();
  __m512i rk[11];
  for (int r = 0; r < 11; ++r)
    rk[r] = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(keys.bytes + 16 * r)));
  const __m512i d = _mm512_broadcast_i32x4(
      _mm_set_epi64x(static_cast<long long>(delta.hi), static_cast<long long>(delta.lo)));
  std::size_t k = 0;
  for (; k + 16 <= n; k += 16) tccr_step512(rk, in + k, d, index + k, out + k, std::make_index_sequence<4>{});
  if (k < n) tccr(in + k, delta, index + k, out + k, n - k);
}

#undef EDGEMPC_OT_VAES_TARGET
EDGEMPC_AVX512_WARNINGS_ON
#undef EDGEMPC_OT_AES_TARGET

}  // namespace detail::fixed_aes
EDGEMPC_END_NAMESPACE

#endif  // EDGEMPC_HAVE_X86_BACKENDS
