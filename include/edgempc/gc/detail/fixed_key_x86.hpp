// SPDX-License-Identifier: Apache-2.0
// The x86 kernels of gc::FixedKey: fixed-key AES and the tweaked hash with AES-NI (eight
// blocks in flight) and with VAES on AVX-512 (four blocks per register, sixteen in flight).
// Public keys, secret blocks: AES-NI has no tables, so no secret-dependent memory access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "edgempc/core/backend.hpp"
#include "edgempc/core/block.hpp"

#if EDGEMPC_HAVE_X86_BACKENDS
#include "edgempc/core/detail/aesni.hpp"
#include "edgempc/core/detail/intrinsics.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc::detail::fixed_key_x86 {

#define EDGEMPC_GC_AES_TARGET __attribute__((target("aes,sse4.1")))

// How the tweak of block i is formed: from an array, or as first + (i >> shift), which is the
// garbler's and evaluator's pattern (consecutive gates, one or two hashes per tweak) and saves
// them writing a tweak array.
struct Tweaks {
  const Block* array = nullptr;  ///< if set, tweak i is array[i]
  std::uint64_t first = 0;
  unsigned shift = 0;
};

// Block is two little-endian 64-bit halves, lo first: exactly what _mm_loadu_si128 reads.
EDGEMPC_GC_AES_TARGET inline __m128i load(const Block* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
EDGEMPC_GC_AES_TARGET inline void store(Block* p, __m128i v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v); }

// sigma(x) = (lo: x.hi, hi: x.hi ^ x.lo); see gc/fixed_key.hpp.
EDGEMPC_GC_AES_TARGET inline __m128i sigma(__m128i x) {
  return _mm_xor_si128(_mm_shuffle_epi32(x, 0x4e), _mm_and_si128(x, _mm_set_epi64x(-1, 0)));
}

EDGEMPC_GC_AES_TARGET inline __m128i tweak_at(const Tweaks& t, std::size_t i) {
  if (t.array != nullptr) return load(t.array + i);
  return _mm_set_epi64x(0, static_cast<long long>(t.first + (i >> t.shift)));
}

EDGEMPC_GC_AES_TARGET inline void load_keys(const std::uint8_t* keys, __m128i rk[11]) {
  for (int r = 0; r < 11; ++r) rk[r] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + 16 * r));
}

// Blocks i .. i + sizeof...(J) - 1; Hash selects pi(x) or pi(sigma(x) ^ t) ^ sigma(x). The
// fold over J unrolls at compile time (no lambdas: GCC would not give them the target).
template <bool Hash, std::size_t... J>
EDGEMPC_GC_AES_TARGET inline void step(const __m128i rk[11], const Block* in, const Tweaks& t, Block* out,
                                       std::size_t i, std::index_sequence<J...>) {
  __m128i s[sizeof...(J)], x[sizeof...(J)];
  if constexpr (Hash) {
    ((s[J] = sigma(load(in + i + J))), ...);
    ((x[J] = _mm_xor_si128(_mm_xor_si128(s[J], tweak_at(t, i + J)), rk[0])), ...);
  } else {
    ((x[J] = _mm_xor_si128(load(in + i + J), rk[0])), ...);
  }
  for (int r = 1; r < 10; ++r) ((x[J] = _mm_aesenc_si128(x[J], rk[r])), ...);
  ((x[J] = _mm_aesenclast_si128(x[J], rk[10])), ...);
  if constexpr (Hash) ((x[J] = _mm_xor_si128(x[J], s[J])), ...);
  (store(out + i + J, x[J]), ...);
}

template <bool Hash>
EDGEMPC_GC_AES_TARGET inline void run(const std::uint8_t* keys, const Block* in, const Tweaks& t, Block* out,
                                      std::size_t n) {
  __m128i rk[11];
  load_keys(keys, rk);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) step<Hash>(rk, in, t, out, i, std::make_index_sequence<8>{});
  for (; i < n; ++i) step<Hash>(rk, in, t, out, i, std::make_index_sequence<1>{});
}

inline void permute(const std::uint8_t* keys, const Block* in, Block* out, std::size_t n) {
  run<false>(keys, in, Tweaks{}, out, n);
}
inline void hash(const std::uint8_t* keys, const Block* in, const Tweaks& t, Block* out, std::size_t n) {
  run<true>(keys, in, t, out, n);
}

EDGEMPC_AVX512_WARNINGS_OFF
#define EDGEMPC_GC_VAES_TARGET __attribute__((target("aes,sse4.1,avx512f,vaes")))

EDGEMPC_GC_VAES_TARGET inline __m512i sigma512(__m512i x) {
  return _mm512_xor_si512(_mm512_shuffle_epi32(x, _MM_PERM_BADC), _mm512_and_si512(x, _mm512_set_epi64(-1, 0, -1, 0, -1, 0, -1, 0)));
}

EDGEMPC_GC_VAES_TARGET inline __m512i tweaks512(const Tweaks& t, std::size_t i) {
  if (t.array != nullptr) return _mm512_loadu_si512(t.array + i);
  const auto at = [&](std::size_t k) { return static_cast<long long>(t.first + ((i + k) >> t.shift)); };
  return _mm512_set_epi64(0, at(3), 0, at(2), 0, at(1), 0, at(0));
}

template <bool Hash, std::size_t... J>
EDGEMPC_GC_VAES_TARGET inline void step512(const __m512i rk[11], const Block* in, const Tweaks& t, Block* out,
                                           std::size_t i, std::index_sequence<J...>) {
  __m512i s[sizeof...(J)], x[sizeof...(J)];
  if constexpr (Hash) {
    ((s[J] = sigma512(_mm512_loadu_si512(in + i + 4 * J))), ...);
    ((x[J] = _mm512_xor_si512(_mm512_xor_si512(s[J], tweaks512(t, i + 4 * J)), rk[0])), ...);
  } else {
    ((x[J] = _mm512_xor_si512(_mm512_loadu_si512(in + i + 4 * J), rk[0])), ...);
  }
  for (int r = 1; r < 10; ++r) ((x[J] = _mm512_aesenc_epi128(x[J], rk[r])), ...);
  ((x[J] = _mm512_aesenclast_epi128(x[J], rk[10])), ...);
  if constexpr (Hash) ((x[J] = _mm512_xor_si512(x[J], s[J])), ...);
  (_mm512_storeu_si512(out + i + 4 * J, x[J]), ...);
}

template <bool Hash>
EDGEMPC_GC_VAES_TARGET inline void run512(const std::uint8_t* keys, const Block* in, const Tweaks& t, Block* out,
                                          std::size_t n) {
  __m512i rk[11];
  for (int r = 0; r < 11; ++r)
    rk[r] = _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(keys + 16 * r)));
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) step512<Hash>(rk, in, t, out, i, std::make_index_sequence<4>{});
  for (; i + 4 <= n; i += 4) step512<Hash>(rk, in, t, out, i, std::make_index_sequence<1>{});
  if (i < n) run<Hash>(keys, in + i, Tweaks{t.array ? t.array + i : nullptr, t.first + (i >> t.shift), t.shift},
                       out + i, n - i);
}

inline void permute_vaes(const std::uint8_t* keys, const Block* in, Block* out, std::size_t n) {
  run512<false>(keys, in, Tweaks{}, out, n);
}
inline void hash_vaes(const std::uint8_t* keys, const Block* in, const Tweaks& t, Block* out, std::size_t n) {
  run512<true>(keys, in, t, out, n);
}

#undef EDGEMPC_GC_VAES_TARGET
EDGEMPC_AVX512_WARNINGS_ON
#undef EDGEMPC_GC_AES_TARGET

}  // namespace gc::detail::fixed_key_x86
EDGEMPC_END_NAMESPACE

#endif  // EDGEMPC_HAVE_X86_BACKENDS
