// SPDX-License-Identifier: Apache-2.0
// AVX2 batch kernels (x86-64): four 64-bit or eight 32-bit lanes.
#pragma once

#include "edgempc/core/backend.hpp"
#include "edgempc/core/detail/simd/kernels.hpp"

#if EDGEMPC_HAVE_X86_BACKENDS
#include "edgempc/core/detail/intrinsics.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail::simd::avx2 {

#define EDGEMPC_SIMD_TARGET __attribute__((target("avx2")))
#define EDGEMPC_SIMD_INLINE __attribute__((target("avx2"), always_inline)) static inline

struct Base {
  using vec = __m256i;
  EDGEMPC_SIMD_INLINE vec load(const void* p) { return _mm256_loadu_si256(static_cast<const vec*>(p)); }
  EDGEMPC_SIMD_INLINE void store(void* p, vec v) { _mm256_storeu_si256(static_cast<vec*>(p), v); }
  EDGEMPC_SIMD_INLINE void stream(void* p, vec v) { _mm256_stream_si256(static_cast<vec*>(p), v); }
  EDGEMPC_SIMD_INLINE void fence() { _mm_sfence(); }
  // Picks `if_negative` in the lanes whose 64-bit value has its top bit set.
  EDGEMPC_SIMD_INLINE vec select_by_sign64(vec v, vec if_negative, vec sign) {
    return _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(v), _mm256_castsi256_pd(if_negative),
                                                 _mm256_castsi256_pd(sign)));
  }
};

/// Z_p, p = 2^61 - 1. Products use four 32x32->64 multiplies (AVX2 has no 64-bit one) and
/// fold the 122-bit result with 2^61 = 1 and 2^64 = 8 (mod p).
struct M61 : Base {
  using rep = std::uint64_t;
  using Scalar = detail::M61Ops;
  static constexpr std::size_t lanes = 4;
  static constexpr rep p = Scalar::modulus;

  EDGEMPC_SIMD_INLINE vec set1(rep x) { return _mm256_set1_epi64x(static_cast<long long>(x)); }
  // x < 2^62 to [0, p): subtract p unless that goes negative.
  EDGEMPC_SIMD_INLINE vec cond_sub_p(vec x) {
    const vec t = _mm256_sub_epi64(x, set1(p));
    return select_by_sign64(t, x, t);
  }
  EDGEMPC_SIMD_INLINE vec add(vec a, vec b) { return cond_sub_p(_mm256_add_epi64(a, b)); }
  EDGEMPC_SIMD_INLINE vec sub(vec a, vec b) {
    const vec d = _mm256_sub_epi64(a, b);
    return select_by_sign64(d, _mm256_add_epi64(d, set1(p)), d);
  }
  EDGEMPC_SIMD_INLINE vec neg(vec a) { return sub(_mm256_setzero_si256(), a); }
  EDGEMPC_SIMD_INLINE vec mul(vec a, vec b) {
    const vec a_hi = _mm256_srli_epi64(a, 32), b_hi = _mm256_srli_epi64(b, 32);
    const vec ll = _mm256_mul_epu32(a, b);                                           // < 2^64
    const vec mid = _mm256_add_epi64(_mm256_mul_epu32(a, b_hi), _mm256_mul_epu32(a_hi, b));  // < 2^62
    const vec hh = _mm256_mul_epu32(a_hi, b_hi);                                     // < 2^58
    // ll + mid*2^32 + hh*2^64 with 2^61 = 1: every term below is < 2^61 (or tiny), sum < 2^63.
    vec t = _mm256_add_epi64(_mm256_and_si256(ll, set1(p)), _mm256_srli_epi64(ll, 61));
    t = _mm256_add_epi64(t, _mm256_slli_epi64(hh, 3));
    t = _mm256_add_epi64(t, _mm256_srli_epi64(mid, 29));
    t = _mm256_add_epi64(t, _mm256_slli_epi64(_mm256_and_si256(mid, set1((rep{1} << 29) - 1)), 32));
    return cond_sub_p(_mm256_add_epi64(_mm256_and_si256(t, set1(p)), _mm256_srli_epi64(t, 61)));
  }
};

struct Z64 : Base {
  using rep = std::uint64_t;
  using Scalar = detail::Z2kOps<rep>;
  static constexpr std::size_t lanes = 4;
  EDGEMPC_SIMD_INLINE vec set1(rep x) { return _mm256_set1_epi64x(static_cast<long long>(x)); }
  EDGEMPC_SIMD_INLINE vec add(vec a, vec b) { return _mm256_add_epi64(a, b); }
  EDGEMPC_SIMD_INLINE vec sub(vec a, vec b) { return _mm256_sub_epi64(a, b); }
  EDGEMPC_SIMD_INLINE vec neg(vec a) { return _mm256_sub_epi64(_mm256_setzero_si256(), a); }
  // Low 64 bits of the product: a_lo*b_lo + (a_lo*b_hi + a_hi*b_lo) << 32.
  EDGEMPC_SIMD_INLINE vec mul(vec a, vec b) {
    const vec cross = _mm256_add_epi64(_mm256_mul_epu32(a, _mm256_srli_epi64(b, 32)),
                                       _mm256_mul_epu32(_mm256_srli_epi64(a, 32), b));
    return _mm256_add_epi64(_mm256_mul_epu32(a, b), _mm256_slli_epi64(cross, 32));
  }
};

struct Z32 : Base {
  using rep = std::uint32_t;
  using Scalar = detail::Z2kOps<rep>;
  static constexpr std::size_t lanes = 8;
  EDGEMPC_SIMD_INLINE vec set1(rep x) { return _mm256_set1_epi32(static_cast<int>(x)); }
  EDGEMPC_SIMD_INLINE vec add(vec a, vec b) { return _mm256_add_epi32(a, b); }
  EDGEMPC_SIMD_INLINE vec sub(vec a, vec b) { return _mm256_sub_epi32(a, b); }
  EDGEMPC_SIMD_INLINE vec neg(vec a) { return _mm256_sub_epi32(_mm256_setzero_si256(), a); }
  EDGEMPC_SIMD_INLINE vec mul(vec a, vec b) { return _mm256_mullo_epi32(a, b); }
};

#include "edgempc/core/detail/simd/loops-inl.hpp"

#undef EDGEMPC_SIMD_INLINE
#undef EDGEMPC_SIMD_TARGET

}  // namespace detail::simd::avx2
EDGEMPC_END_NAMESPACE

#endif  // EDGEMPC_HAVE_X86_BACKENDS
