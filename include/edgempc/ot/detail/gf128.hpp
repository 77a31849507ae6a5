// SPDX-License-Identifier: Apache-2.0
// GF(2^128) arithmetic for the KOS consistency check of the OT extension (ot/iknp.hpp).
//
// Field and layout: GF(2)[X] / (X^128 + X^7 + X^2 + X + 1); bit k of a Block (bit k of lo for
// k < 64, bit k - 64 of hi otherwise) is the coefficient of X^k. No bit reflection (GHASH's
// convention is the reflected one; this is the plain polynomial order EMP-toolkit and libOTe
// use for the same check). Both parties of the check must use this layout: it is wire format.
//
// What is offered: mul (a reduced product), and dot, which accumulates sum_i a_i * b_i as an
// unreduced 256-bit polynomial (reduce once at the end: the reduction is linear). Kernels:
//  - portable: 64 x 64 carry-less multiplication from integer multiplications with the
//    operands spread over 4-bit holes (T. Pornin, BearSSL ghash_ctmul64.c: each hole collects at
//    most 15 ones below bit 64, so no carry reaches the next hole) and bit reversal for the high
//    half; Karatsuba for 128 x 128. No table, no branch on data. Integer multiplication runs in
//    constant time on the CPUs this library targets (x86-64, AArch64 and ARMv7-A cores).
//  - pclmul: x86 PCLMULQDQ, compiled with a function target attribute and chosen at run time
//    (__builtin_cpu_supports), as the AES-NI code does; EDGEMPC_FORCE_BACKEND_PORTABLE and
//    EDGEMPC_DISABLE_X86_BACKENDS leave only the portable kernel.
// Both give identical results (tests/unit/ot_gf128_test.cpp checks them against a bit-by-bit
// reference). AArch64 PMULL is not written yet: ARM gateways take the portable kernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "edgempc/core/backend.hpp"
#include "edgempc/core/block.hpp"
#include "edgempc/core/detail/intrinsics.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail::gf128 {

enum class Kernel : std::uint8_t { portable = 0, pclmul = 1 };

[[nodiscard]] inline bool supported(Kernel k) noexcept {
  switch (k) {
    case Kernel::portable: return true;
#if EDGEMPC_HAVE_X86_BACKENDS
    case Kernel::pclmul: return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
#else
    case Kernel::pclmul: return false;
#endif
  }
  return false;
}

/// The fastest kernel here, fixed at first call; EDGEMPC_FORCE_BACKEND_PORTABLE pins the portable one.
[[nodiscard]] inline Kernel default_kernel() noexcept {
#if defined(EDGEMPC_FORCE_BACKEND_PORTABLE)
  return Kernel::portable;
#else
  static const Kernel best = supported(Kernel::pclmul) ? Kernel::pclmul : Kernel::portable;
  return best;
#endif
}

/// An unreduced product or sum of products: coefficients of X^0 .. X^255, w[0] lowest.
struct Wide {
  std::uint64_t w[4] = {0, 0, 0, 0};
  Wide& operator^=(const Wide& o) noexcept {
    for (int k = 0; k < 4; ++k) w[k] ^= o.w[k];
    return *this;
  }
  friend bool operator==(const Wide&, const Wide&) = default;
};

// ---- portable kernel ----

/// The low 64 bits of the carry-less product x * y.
[[nodiscard]] constexpr std::uint64_t bmul64(std::uint64_t x, std::uint64_t y) noexcept {
  constexpr std::uint64_t m0 = 0x1111111111111111ull, m1 = 0x2222222222222222ull, m2 = 0x4444444444444444ull,
                          m3 = 0x8888888888888888ull;
  const std::uint64_t x0 = x & m0, x1 = x & m1, x2 = x & m2, x3 = x & m3;
  const std::uint64_t y0 = y & m0, y1 = y & m1, y2 = y & m2, y3 = y & m3;
  const std::uint64_t z0 = (x0 * y0) ^ (x1 * y3) ^ (x2 * y2) ^ (x3 * y1);
  const std::uint64_t z1 = (x0 * y1) ^ (x1 * y0) ^ (x2 * y3) ^ (x3 * y2);
  const std::uint64_t z2 = (x0 * y2) ^ (x1 * y1) ^ (x2 * y0) ^ (x3 * y3);
  const std::uint64_t z3 = (x0 * y3) ^ (x1 * y2) ^ (x2 * y1) ^ (x3 * y0);
  return (z0 & m0) | (z1 & m1) | (z2 & m2) | (z3 & m3);
}

[[nodiscard]] constexpr std::uint64_t rev64(std::uint64_t x) noexcept {
  x = ((x & 0x5555555555555555ull) << 1) | ((x >> 1) & 0x5555555555555555ull);
  x = ((x & 0x3333333333333333ull) << 2) | ((x >> 2) & 0x3333333333333333ull);
  x = ((x & 0x0f0f0f0f0f0f0f0full) << 4) | ((x >> 4) & 0x0f0f0f0f0f0f0f0full);
  x = ((x & 0x00ff00ff00ff00ffull) << 8) | ((x >> 8) & 0x00ff00ff00ff00ffull);
  x = ((x & 0x0000ffff0000ffffull) << 16) | ((x >> 16) & 0x0000ffff0000ffffull);
  return (x << 32) | (x >> 32);
}

/// The 128-bit carry-less product of two 64-bit polynomials: {low word, high word}. The high
/// word is the low word of the product of the reversed operands, reversed (bit 127 is zero).
struct Pair {
  std::uint64_t lo, hi;
};
[[nodiscard]] constexpr Pair clmul64(std::uint64_t x, std::uint64_t y) noexcept {
  return {bmul64(x, y), rev64(bmul64(rev64(x), rev64(y))) >> 1};
}

/// a * b unreduced, Karatsuba: (a1 X^64 + a0)(b1 X^64 + b0) = a1b1 X^128 + m X^64 + a0b0.
[[nodiscard]] constexpr Wide mul_wide_portable(const Block& a, const Block& b) noexcept {
  const Pair lo = clmul64(a.lo, b.lo), hi = clmul64(a.hi, b.hi);
  Pair mid = clmul64(a.lo ^ a.hi, b.lo ^ b.hi);
  mid.lo ^= lo.lo ^ hi.lo, mid.hi ^= lo.hi ^ hi.hi;
  Wide out;
  out.w[0] = lo.lo;
  out.w[1] = lo.hi ^ mid.lo;
  out.w[2] = hi.lo ^ mid.hi;
  out.w[3] = hi.hi;
  return out;
}

inline void dot_portable(const Block* a, const Block* b, std::size_t n, Wide& acc) noexcept {
  for (std::size_t i = 0; i < n; ++i) acc ^= mul_wide_portable(a[i], b[i]);
}

// ---- reduction ----

/// w mod X^128 + X^7 + X^2 + X + 1. The high half H stands for H * (X^7 + X^2 + X + 1); the
/// up to 7 bits that product spills past X^127 are folded the same way once more.
[[nodiscard]] constexpr Block reduce(const Wide& x) noexcept {
  const std::uint64_t h0 = x.w[2], h1 = x.w[3];
  const std::uint64_t spill = (h1 >> 63) ^ (h1 >> 62) ^ (h1 >> 57);
  const std::uint64_t l0 = h0 ^ (h0 << 1) ^ (h0 << 2) ^ (h0 << 7);
  const std::uint64_t l1 = h1 ^ (h1 << 1) ^ (h1 << 2) ^ (h1 << 7) ^ (h0 >> 63) ^ (h0 >> 62) ^ (h0 >> 57);
  return {x.w[0] ^ l0 ^ spill ^ (spill << 1) ^ (spill << 2) ^ (spill << 7), x.w[1] ^ l1};
}

// ---- pclmul kernel ----

#if EDGEMPC_HAVE_X86_BACKENDS

#define EDGEMPC_PCLMUL_TARGET __attribute__((target("pclmul,sse2")))

// Schoolbook with three accumulators (the middle terms are added before they are shifted):
// four PCLMULQDQ per product and one combination at the end, whatever n is.
EDGEMPC_PCLMUL_TARGET inline void dot_pclmul(const Block* a, const Block* b, std::size_t n, Wide& acc) noexcept {
  __m128i lo = _mm_setzero_si128(), mid = _mm_setzero_si128(), hi = _mm_setzero_si128();
  for (std::size_t i = 0; i < n; ++i) {
    const __m128i x = _mm_set_epi64x(static_cast<long long>(a[i].hi), static_cast<long long>(a[i].lo));
    const __m128i y = _mm_set_epi64x(static_cast<long long>(b[i].hi), static_cast<long long>(b[i].lo));
    lo = _mm_xor_si128(lo, _mm_clmulepi64_si128(x, y, 0x00));
    hi = _mm_xor_si128(hi, _mm_clmulepi64_si128(x, y, 0x11));
    mid = _mm_xor_si128(mid, _mm_xor_si128(_mm_clmulepi64_si128(x, y, 0x01), _mm_clmulepi64_si128(x, y, 0x10)));
  }
  alignas(16) std::uint64_t l[2], m[2], h[2];
  _mm_store_si128(reinterpret_cast<__m128i*>(l), lo);
  _mm_store_si128(reinterpret_cast<__m128i*>(m), mid);
  _mm_store_si128(reinterpret_cast<__m128i*>(h), hi);
  acc.w[0] ^= l[0];
  acc.w[1] ^= l[1] ^ m[0];
  acc.w[2] ^= h[0] ^ m[1];
  acc.w[3] ^= h[1];
}

#endif  // EDGEMPC_HAVE_X86_BACKENDS

// ---- the interface ----

/// acc ^= sum_i a[i] * b[i], unreduced. errc::size_mismatch / errc::unsupported on misuse.
inline void dot(std::span<const Block> a, std::span<const Block> b, Wide& acc, Kernel k = default_kernel()) {
  if (a.size() != b.size())
    throw error(errc::size_mismatch, "gf128::dot: " + std::to_string(a.size()) + " and " + std::to_string(b.size()) +
                                         " elements");
  if (!supported(k)) throw error(errc::unsupported, "gf128::dot: kernel not available here");
#if EDGEMPC_HAVE_X86_BACKENDS
  if (k == Kernel::pclmul) return dot_pclmul(a.data(), b.data(), a.size(), acc);
#endif
  dot_portable(a.data(), b.data(), a.size(), acc);
}

/// a * b in GF(2^128).
[[nodiscard]] inline Block mul(const Block& a, const Block& b, Kernel k = default_kernel()) {
  Wide w;
  dot(std::span<const Block>(&a, 1), std::span<const Block>(&b, 1), w, k);
  return reduce(w);
}

}  // namespace detail::gf128
EDGEMPC_END_NAMESPACE
