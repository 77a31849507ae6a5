// SPDX-License-Identifier: Apache-2.0
// AES-128 (FIPS-197) key expansion and counter-mode keystream with the x86 AES-NI instructions.
// Constant time by construction: AES-NI has no tables, so no secret-dependent memory access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "edgempc/core/backend.hpp"

#if EDGEMPC_HAVE_X86_BACKENDS
#include <cpuid.h>

#include "edgempc/core/detail/intrinsics.hpp"
#include "edgempc/core/sodium.hpp"

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
  secure_wipe(rk, sizeof rk);
}

// W counter blocks ctr, ctr+1, ... encrypted side by side: independent blocks keep the AES
// unit's pipeline full. The fold over J unrolls at compile time; no lambdas, because GCC does
// not give a lambda its enclosing function's target attribute.
template <std::size_t... J>
EDGEMPC_AES_TARGET inline void encrypt_counters(const __m128i* rk, __m128i ctr, std::uint8_t* out,
                                                std::index_sequence<J...>) {
  __m128i x[] = {_mm_xor_si128(_mm_add_epi64(ctr, _mm_set_epi64x(0, J)), rk[0])...};
  for (int r = 1; r < 10; ++r) ((x[J] = _mm_aesenc_si128(x[J], rk[r])), ...);
  (_mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16 * J), _mm_aesenclast_si128(x[J], rk[10])), ...);
}

// Blocks whose counters lo, lo+1, ..., lo+n-1 share the high half `hi` (no carry inside).
EDGEMPC_AES_TARGET inline void ctr_segment(const RoundKeys& keys, std::uint64_t lo, std::uint64_t hi,
                                           std::uint8_t* out, std::size_t n) {
  __m128i rk[11];
  for (int r = 0; r < 11; ++r) rk[r] = _mm_load_si128(reinterpret_cast<const __m128i*>(keys.bytes + 16 * r));
  __m128i ctr = _mm_set_epi64x(static_cast<long long>(hi), static_cast<long long>(lo));
  std::size_t b = 0;
  for (; b + 8 <= n; b += 8, ctr = _mm_add_epi64(ctr, _mm_set_epi64x(0, 8)))
    encrypt_counters(rk, ctr, out + 16 * b, std::make_index_sequence<8>{});
  for (; b < n; ++b, ctr = _mm_add_epi64(ctr, _mm_set_epi64x(0, 1)))
    encrypt_counters(rk, ctr, out + 16 * b, std::make_index_sequence<1>{});
  secure_wipe(rk, sizeof rk);  // the round keys must not outlive the Prg on the stack
}

EDGEMPC_AVX512_WARNINGS_OFF
#define EDGEMPC_VAES_TARGET __attribute__((target("aes,sse4.1,avx512f,vaes")))

// __builtin_cpu_supports("vaes") is GCC-only; CPUID leaf 7 ECX bit 9 is VAES on both
// compilers. The avx512f check also confirms that the OS saves the 512-bit registers.
[[nodiscard]] inline bool vaes_supported() noexcept {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  return __builtin_cpu_supports("avx512f") && (ecx & (1u << 9)) != 0;
}

// Four blocks per 512-bit register, four registers in flight: sixteen blocks per step.
template <std::size_t... J>
EDGEMPC_VAES_TARGET inline void encrypt_counters512(const __m512i* rk, __m512i ctr, std::uint8_t* out,
                                                    std::index_sequence<J...>) {
  __m512i x[] = {_mm512_xor_si512(_mm512_add_epi64(ctr, _mm512_set_epi64(0, 4 * J, 0, 4 * J, 0, 4 * J, 0, 4 * J)),
                                  rk[0])...};
  for (int r = 1; r < 10; ++r) ((x[J] = _mm512_aesenc_epi128(x[J], rk[r])), ...);
  (_mm512_storeu_si512(out + 64 * J, _mm512_aesenclast_epi128(x[J], rk[10])), ...);
}

EDGEMPC_VAES_TARGET inline void ctr_segment_vaes(const RoundKeys& keys, std::uint64_t lo, std::uint64_t hi,
                                                 std::uint8_t* out, std::size_t n) {
  __m512i rk[11];
  for (int r = 0; r < 11; ++r)
    rk[r] = _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(keys.bytes + 16 * r)));
  __m512i ctr = _mm512_add_epi64(_mm512_broadcast_i32x4(_mm_set_epi64x(static_cast<long long>(hi),
                                                                       static_cast<long long>(lo))),
                                 _mm512_set_epi64(0, 3, 0, 2, 0, 1, 0, 0));
  const __m512i step = _mm512_set_epi64(0, 16, 0, 16, 0, 16, 0, 16);
  std::size_t b = 0;
  for (; b + 16 <= n; b += 16, ctr = _mm512_add_epi64(ctr, step))
    encrypt_counters512(rk, ctr, out + 16 * b, std::make_index_sequence<4>{});
  secure_wipe(rk, sizeof rk);
  if (b < n) ctr_segment(keys, lo + b, hi, out + 16 * b, n - b);
}

#undef EDGEMPC_VAES_TARGET
EDGEMPC_AVX512_WARNINGS_ON

/// Writes `nblocks` keystream blocks: block i is AES_k(iv + first_block + i), the counter
/// being the 16 IV bytes read as a little-endian 128-bit integer, wrapping mod 2^128.
/// Requires first_block + nblocks <= 2^64 (the caller's stream limit).
inline void ctr_keystream(const RoundKeys& keys, std::uint64_t iv_lo, std::uint64_t iv_hi,
                          std::uint64_t first_block, std::uint8_t* out, std::size_t nblocks) {
  static const bool wide = vaes_supported();
  const std::uint64_t lo = iv_lo + first_block;
  const std::uint64_t hi = iv_hi + (lo < iv_lo ? 1 : 0);
  // The low half wraps at most once in one call: split there, and carry into the high half.
  const std::size_t before_wrap =
      (lo != 0 && nblocks > std::uint64_t{0} - lo) ? static_cast<std::size_t>(std::uint64_t{0} - lo) : nblocks;
  auto segment = wide ? ctr_segment_vaes : ctr_segment;
  segment(keys, lo, hi, out, before_wrap);
  if (before_wrap < nblocks) segment(keys, 0, hi + 1, out + 16 * before_wrap, nblocks - before_wrap);
}

#undef EDGEMPC_AES_TARGET

}  // namespace detail::aesni
EDGEMPC_END_NAMESPACE

#endif  // EDGEMPC_HAVE_X86_BACKENDS
