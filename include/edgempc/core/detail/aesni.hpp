// SPDX-License-Identifier: Apache-2.0
// AES-128 (FIPS-197) key expansion and counter-mode keystream with the x86 AES-NI instructions.
// Constant time by construction: AES-NI has no tables, so no secret-dependent memory access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "edgempc/core/backend.hpp"

#if EDGEMPC_HAVE_X86_BACKENDS
#include <immintrin.h>

EDGEMPC_BEGIN_NAMESPACE
namespace detail::aesni {

#define EDGEMPC_AES_TARGET __attribute__((target("aes,sse4.1")))

[[nodiscard]] inline bool supported() noexcept { return __builtin_cpu_supports("aes"); }

/// The 11 round keys of AES-128.
struct RoundKeys {
  alignas(16) std::uint8_t bytes[11 * 16];
};

// One step of the FIPS-197 key schedule; `assist` is _mm_aeskeygenassist_si128(key, rcon).
EDGEMPC_AES_TARGET inline __m128i expand_step(__m128i key, __m128i assist) {
  assist = _mm_shuffle_epi32(assist, 0xff);
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  key = _mm_xor_si128(key, _mm_slli_si128(key, 4));
  return _mm_xor_si128(key, assist);
}

EDGEMPC_AES_TARGET inline void expand_key(const std::uint8_t key[16], RoundKeys& out) {
  __m128i rk[11];
  rk[0] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(key));
  // The round constant must be an immediate, hence the unrolled schedule.
  rk[1] = expand_step(rk[0], _mm_aeskeygenassist_si128(rk[0], 0x01));
  rk[2] = expand_step(rk[1], _mm_aeskeygenassist_si128(rk[1], 0x02));
  rk[3] = expand_step(rk[2], _mm_aeskeygenassist_si128(rk[2], 0x04));
  rk[4] = expand_step(rk[3], _mm_aeskeygenassist_si128(rk[3], 0x08));
  rk[5] = expand_step(rk[4], _mm_aeskeygenassist_si128(rk[4], 0x10));
  rk[6] = expand_step(rk[5], _mm_aeskeygenassist_si128(rk[5], 0x20));
  rk[7] = expand_step(rk[6], _mm_aeskeygenassist_si128(rk[6], 0x40));
  rk[8] = expand_step(rk[7], _mm_aeskeygenassist_si128(rk[7], 0x80));
  rk[9] = expand_step(rk[8], _mm_aeskeygenassist_si128(rk[8], 0x1b));
  rk[10] = expand_step(rk[9], _mm_aeskeygenassist_si128(rk[9], 0x36));
  std::memcpy(out.bytes, rk, sizeof rk);
  volatile unsigned char* wipe = reinterpret_cast<volatile unsigned char*>(rk);
  for (std::size_t i = 0; i < sizeof rk; ++i) wipe[i] = 0;
}

/// Writes `nblocks` keystream blocks: block i is AES_k(iv + first_block + i), the counter
/// being the 16 IV bytes read as a little-endian 128-bit integer, wrapping mod 2^128.
EDGEMPC_AES_TARGET inline void ctr_keystream(const RoundKeys& keys, std::uint64_t iv_lo,
                                             std::uint64_t iv_hi, std::uint64_t first_block,
                                             std::uint8_t* out, std::size_t nblocks) {
  __m128i rk[11];
  for (int r = 0; r < 11; ++r) rk[r] = _mm_load_si128(reinterpret_cast<const __m128i*>(keys.bytes + 16 * r));
  auto counter = [&](std::uint64_t i) {
    const std::uint64_t lo = iv_lo + first_block + i;
    // Carry into the high half when the low half wrapped (first_block + i never wraps).
    const std::uint64_t hi = iv_hi + (lo < iv_lo ? 1 : 0);
    return _mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo));
  };
  constexpr std::size_t width = 8;  // independent blocks in flight fill the AES pipeline
  std::size_t b = 0;
  for (; b + width <= nblocks; b += width) {
    __m128i x[width];
    for (std::size_t j = 0; j < width; ++j) x[j] = _mm_xor_si128(counter(b + j), rk[0]);
    for (int r = 1; r < 10; ++r)
      for (std::size_t j = 0; j < width; ++j) x[j] = _mm_aesenc_si128(x[j], rk[r]);
    for (std::size_t j = 0; j < width; ++j)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * (b + j)), _mm_aesenclast_si128(x[j], rk[10]));
  }
  for (; b < nblocks; ++b) {
    __m128i x = _mm_xor_si128(counter(b), rk[0]);
    for (int r = 1; r < 10; ++r) x = _mm_aesenc_si128(x, rk[r]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * b), _mm_aesenclast_si128(x, rk[10]));
  }
}

#undef EDGEMPC_AES_TARGET

}  // namespace detail::aesni
EDGEMPC_END_NAMESPACE

#endif  // EDGEMPC_HAVE_X86_BACKENDS
