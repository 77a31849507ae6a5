// SPDX-License-Identifier: Apache-2.0
// NEON batch kernels (AArch64): two 64-bit or four 32-bit lanes in a 128-bit register.
//
// NEON is part of the AArch64 base architecture, so these kernels need no target attribute
// and no runtime check (core/backend.hpp); 32-bit ARM keeps the portable path. Every kernel is
// branch-free and table-free: conditional subtractions are comparison masks (cmhs/cmhi) ANDed
// with p, so the running time does not depend on the secret shares.
//
// Instructions per element in the hot loop, from aarch64-linux-gnu-g++ 12.2 -O2 -S (loads,
// stores and loop control included; the NEON loops do 2 elements per iteration, sum and dot 4):
//                     NEON              portable
//   Mersenne61 add    6   (12 per 2)    11
//   Mersenne61 mul    13.5 (27 per 2)   15   (MUL + UMULH, then the fold)
//   Mersenne61 dot    13.5 (54 per 4)   19
//   Z2k<64> add       4.5 (9 per 2)     7
//   Z2k<32> add, mul  2.25 (9 per 4)    7
// The Mersenne61 product is close: counting arithmetic alone it is 9.5 vector instructions per
// element (4 of them 32x32 multiplies per 2 elements) against 9 scalar ones (2 of them 64-bit
// multiplies, UMULH included), so which is faster depends on the core's multiplier and NEON
// pipes (the in-order Cortex-A53 of a Pi 3 or Zero 2 has a 64-bit NEON datapath, so a 128-bit
// operation takes two cycles there). These are counts, not timings: qemu-user emulates NEON
// far more slowly than scalar code and says nothing about a real core. Figures from a board
// are still to be taken (bench/bench_core.cpp registers BM_mul_neon beside BM_mul_portable);
// if the scalar product wins there, M61's table can take mul, mul_add and dot from the
// portable loops as Z64's does.
#pragma once

#include "edgempc/core/backend.hpp"
#include "edgempc/core/detail/simd/kernels.hpp"

#if EDGEMPC_HAVE_NEON_BACKEND
#include <arm_neon.h>

EDGEMPC_BEGIN_NAMESPACE
namespace detail::simd::neon {

// NEON is always there on AArch64: no target attribute, the functions are ordinary code.
#define EDGEMPC_SIMD_TARGET
#define EDGEMPC_SIMD_INLINE __attribute__((always_inline)) static inline

/// Loads and stores for 64-bit lanes (Z32 overrides them for 32-bit lanes).
struct Base64 {
  using vec = uint64x2_t;
  EDGEMPC_SIMD_INLINE vec load(const std::uint64_t* p) { return vld1q_u64(p); }
  EDGEMPC_SIMD_INLINE void store(std::uint64_t* p, vec v) { vst1q_u64(p, v); }
  // No non-temporal store here: ACLE has no intrinsic for STNP, which stores a register
  // pair and is only a hint, and the Cortex-A cores of the Pi boards switch to no-allocate
  // for a run of full-line writes by themselves (write streaming mode, in their TRMs),
  // which is what the x86 streaming stores buy. So the large-output path stores normally
  // and needs no fence. (Not measured on a board.)
  EDGEMPC_SIMD_INLINE void stream(std::uint64_t* p, vec v) { vst1q_u64(p, v); }
  EDGEMPC_SIMD_INLINE void fence() {}
  EDGEMPC_SIMD_INLINE vec set1(std::uint64_t x) { return vdupq_n_u64(x); }
};

/// Z_p, p = 2^61 - 1. AArch64 NEON has no 64x64 multiply, so the product is built from
/// 32x32->64 partial products (UMULL / UMLAL on the 32-bit halves, as the AVX2 kernel does
/// with vpmuludq) and folded with 2^61 = 1 and 2^64 = 8 (mod p).
struct M61 : Base64 {
  using rep = std::uint64_t;
  using Scalar = detail::M61Ops;
  static constexpr std::size_t lanes = 2;
  static constexpr rep p = Scalar::modulus;

  // x < 2^62 to [0, p): subtract p in the lanes where x >= p (mask from CMHS, no branch).
  EDGEMPC_SIMD_INLINE vec cond_sub_p(vec x) {
    const vec vp = set1(p);
    return vsubq_u64(x, vandq_u64(vcgeq_u64(x, vp), vp));
  }
  EDGEMPC_SIMD_INLINE vec add(vec a, vec b) { return cond_sub_p(vaddq_u64(a, b)); }
  // a - b, plus p in the lanes where a < b (mask from CMHI).
  EDGEMPC_SIMD_INLINE vec sub(vec a, vec b) {
    return vaddq_u64(vsubq_u64(a, b), vandq_u64(vcgtq_u64(b, a), set1(p)));
  }
  EDGEMPC_SIMD_INLINE vec neg(vec a) { return sub(vdupq_n_u64(0), a); }
  EDGEMPC_SIMD_INLINE vec mul(vec a, vec b) {
    // a = a_hi * 2^32 + a_lo with a_hi < 2^29 (a < 2^61); likewise b.
    const uint32x2_t a_lo = vmovn_u64(a), b_lo = vmovn_u64(b);              // XTN
    const uint32x2_t a_hi = vshrn_n_u64(a, 32), b_hi = vshrn_n_u64(b, 32);  // SHRN
    const vec ll = vmull_u32(a_lo, b_lo);                                   // < 2^64
    const vec mid = vmlal_u32(vmull_u32(a_lo, b_hi), a_hi, b_lo);           // < 2^62
    // a*b = ll + mid * 2^32 + hh * 2^64 with hh = a_hi * b_hi < 2^58, and 2^64 = 8 (mod p):
    // hh * 8 = (8 * a_hi) * b_hi, where 8 * a_hi < 2^32 still fits a 32-bit lane.
    vec t = vandq_u64(ll, set1(p));                 // ll mod 2^61       < 2^61
    t = vsraq_n_u64(t, ll, 61);                     // + ll >> 61        < 8
    t = vmlal_u32(t, vshl_n_u32(a_hi, 3), b_hi);    // + 8 hh            < 2^61
    // mid * 2^32 = (mid >> 29) * 2^61 + (mid mod 2^29) * 2^32 = (mid >> 29) + (mid mod 2^29) * 2^32.
    t = vsraq_n_u64(t, mid, 29);                    // + mid >> 29       < 2^33
    t = vsraq_n_u64(t, vshlq_n_u64(mid, 35), 3);    // + (mid mod 2^29) << 32, < 2^61
    // t < 2^63: one more fold gives < 2^61 + 4 < 2p, then the conditional subtraction.
    t = vsraq_n_u64(vandq_u64(t, set1(p)), t, 61);
    return cond_sub_p(t);
  }
};

/// Z_2^64. Addition, subtraction and negation are single instructions. Products stay scalar,
/// one MUL (or MADD) per lane: see table_for<Z64> below.
struct Z64 : Base64 {
  using rep = std::uint64_t;
  using Scalar = detail::Z2kOps<rep>;
  static constexpr std::size_t lanes = 2;
  EDGEMPC_SIMD_INLINE vec add(vec a, vec b) { return vaddq_u64(a, b); }
  EDGEMPC_SIMD_INLINE vec sub(vec a, vec b) { return vsubq_u64(a, b); }
  EDGEMPC_SIMD_INLINE vec neg(vec a) { return vsubq_u64(vdupq_n_u64(0), a); }
};

struct Z32 {
  using rep = std::uint32_t;
  using vec = uint32x4_t;
  using Scalar = detail::Z2kOps<rep>;
  static constexpr std::size_t lanes = 4;
  EDGEMPC_SIMD_INLINE vec load(const std::uint32_t* p) { return vld1q_u32(p); }
  EDGEMPC_SIMD_INLINE void store(std::uint32_t* p, vec v) { vst1q_u32(p, v); }
  EDGEMPC_SIMD_INLINE void stream(std::uint32_t* p, vec v) { vst1q_u32(p, v); }  // see Base64
  EDGEMPC_SIMD_INLINE void fence() {}
  EDGEMPC_SIMD_INLINE vec set1(rep x) { return vdupq_n_u32(x); }
  EDGEMPC_SIMD_INLINE vec add(vec a, vec b) { return vaddq_u32(a, b); }
  EDGEMPC_SIMD_INLINE vec sub(vec a, vec b) { return vsubq_u32(a, b); }
  EDGEMPC_SIMD_INLINE vec neg(vec a) { return vsubq_u32(vdupq_n_u32(0), a); }
  EDGEMPC_SIMD_INLINE vec mul(vec a, vec b) { return vmulq_u32(a, b); }
};

#include "edgempc/core/detail/simd/loops-inl.hpp"

// Z2k<64> products on the scalar path. The low 64 bits of a*b in NEON are
// a_lo*b_lo + ((a_lo*b_hi + a_hi*b_lo) mod 2^32) << 32: REV64, a 32-bit MUL, UADDLP, SHL, two
// XTN and UMLAL, 7 vector instructions for 2 lanes. That loop came to 15 instructions per 2
// elements (GCC 12 -O2) against 7 per element for the scalar loop (the multiply is one MUL),
// and its multiply is a Q-form 32-bit MUL, half rate on the in-order Cortex-A53 of a Pi 3 or
// Zero 2: no gain to show, so mul, mul_add and dot keep the portable loops. (It was correct on
// every test here; bring it back if a board says otherwise.)
template <>
inline constexpr Kernels<std::uint64_t> table_for<Z64>{
    add<Z64>, sub<Z64>, portable::Loops<Z64::Scalar>::mul, neg<Z64>, portable::Loops<Z64::Scalar>::mul_add,
    sum<Z64>, portable::Loops<Z64::Scalar>::dot};

#undef EDGEMPC_SIMD_INLINE
#undef EDGEMPC_SIMD_TARGET

}  // namespace detail::simd::neon
EDGEMPC_END_NAMESPACE

#endif  // EDGEMPC_HAVE_NEON_BACKEND
