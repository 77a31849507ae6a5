// SPDX-License-Identifier: Apache-2.0
// AVX-512 batch kernels (x86-64, F + DQ): eight 64-bit or sixteen 32-bit lanes.
#pragma once

#include "edgempc/core/backend.hpp"
#include "edgempc/core/detail/simd/kernels.hpp"

#if EDGEMPC_HAVE_X86_BACKENDS
#include "edgempc/core/detail/intrinsics.hpp"

EDGEMPC_AVX512_WARNINGS_OFF

EDGEMPC_BEGIN_NAMESPACE
namespace detail::simd::avx512 {

#define EDGEMPC_SIMD_TARGET __attribute__((target("avx512f,avx512dq")))
#define EDGEMPC_SIMD_INLINE __attribute__((target("avx512f,avx512dq"), always_inline)) static inline

struct Base {
  using vec = __m512i;
  EDGEMPC_SIMD_INLINE vec load(const void* p) { return _mm512_loadu_si512(p); }
  EDGEMPC_SIMD_INLINE void store(void* p, vec v) { _mm512_storeu_si512(p, v); }
  EDGEMPC_SIMD_INLINE void stream(void* p, vec v) { _mm512_stream_si512(static_cast<vec*>(p), v); }
  EDGEMPC_SIMD_INLINE void fence() { _mm_sfence(); }
};

/// Z_p, p = 2^61 - 1; the same folding as the AVX2 kernel (see avx2.hpp), with unsigned min
/// doing the conditional subtraction: min(x, x - p) is x - p exactly when x >= p.
struct M61 : Base {
  using rep = std::uint64_t;
  using Scalar = detail::M61Ops;
  static constexpr std::size_t lanes = 8;
  static constexpr rep p = Scalar::modulus;

  EDGEMPC_SIMD_INLINE vec set1(rep x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
  EDGEMPC_SIMD_INLINE vec cond_sub_p(vec x) { return _mm512_min_epu64(x, _mm512_sub_epi64(x, set1(p))); }
  EDGEMPC_SIMD_INLINE vec add(vec a, vec b) { return cond_sub_p(_mm512_add_epi64(a, b)); }
  EDGEMPC_SIMD_INLINE vec sub(vec a, vec b) {
    const vec d = _mm512_sub_epi64(a, b);
    return _mm512_min_epu64(d, _mm512_add_epi64(d, set1(p)));
  }
  EDGEMPC_SIMD_INLINE vec neg(vec a) { return sub(_mm512_setzero_si512(), a); }
  EDGEMPC_SIMD_INLINE vec mul(vec a, vec b) {
    const vec a_hi = _mm512_srli_epi64(a, 32), b_hi = _mm512_srli_epi64(b, 32);
    const vec ll = _mm512_mul_epu32(a, b);
    const vec mid = _mm512_add_epi64(_mm512_mul_epu32(a, b_hi), _mm512_mul_epu32(a_hi, b));
    const vec hh = _mm512_mul_epu32(a_hi, b_hi);
    vec t = _mm512_add_epi64(_mm512_and_si512(ll, set1(p)), _mm512_srli_epi64(ll, 61));
    t = _mm512_add_epi64(t, _mm512_slli_epi64(hh, 3));
    t = _mm512_add_epi64(t, _mm512_srli_epi64(mid, 29));
    t = _mm512_add_epi64(t, _mm512_slli_epi64(_mm512_and_si512(mid, set1((rep{1} << 29) - 1)), 32));
    return cond_sub_p(_mm512_add_epi64(_mm512_and_si512(t, set1(p)), _mm512_srli_epi64(t, 61)));
  }
};

struct Z64 : Base {
  using rep = std::uint64_t;
  using Scalar = detail::Z2kOps<rep>;
  static constexpr std::size_t lanes = 8;
  EDGEMPC_SIMD_INLINE vec set1(rep x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
  EDGEMPC_SIMD_INLINE vec add(vec a, vec b) { return _mm512_add_epi64(a, b); }
  EDGEMPC_SIMD_INLINE vec sub(vec a, vec b) { return _mm512_sub_epi64(a, b); }
  EDGEMPC_SIMD_INLINE vec neg(vec a) { return _mm512_sub_epi64(_mm512_setzero_si512(), a); }
  EDGEMPC_SIMD_INLINE vec mul(vec a, vec b) { return _mm512_mullo_epi64(a, b); }
};

struct Z32 : Base {
  using rep = std::uint32_t;
  using Scalar = detail::Z2kOps<rep>;
  static constexpr std::size_t lanes = 16;
  EDGEMPC_SIMD_INLINE vec set1(rep x) { return _mm512_set1_epi32(static_cast<int>(x)); }
  EDGEMPC_SIMD_INLINE vec add(vec a, vec b) { return _mm512_add_epi32(a, b); }
  EDGEMPC_SIMD_INLINE vec sub(vec a, vec b) { return _mm512_sub_epi32(a, b); }
  EDGEMPC_SIMD_INLINE vec neg(vec a) { return _mm512_sub_epi32(_mm512_setzero_si512(), a); }
  EDGEMPC_SIMD_INLINE vec mul(vec a, vec b) { return _mm512_mullo_epi32(a, b); }
};

#include "edgempc/core/detail/simd/loops-inl.hpp"

#undef EDGEMPC_SIMD_INLINE
#undef EDGEMPC_SIMD_TARGET

}  // namespace detail::simd::avx512
EDGEMPC_END_NAMESPACE

EDGEMPC_AVX512_WARNINGS_ON

#endif  // EDGEMPC_HAVE_X86_BACKENDS
