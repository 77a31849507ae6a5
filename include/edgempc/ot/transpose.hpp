// SPDX-License-Identifier: Apache-2.0
// The 128 x n bit-matrix transpose at the heart of IKNP: the parties build 128 columns of n
// bits (one per base OT) and need the n rows of 128 bits (one per extended OT).
//
// Layout. `rows` holds 128 bit-strings of row_bytes bytes each, string r at byte offset
// r * row_bytes, its bit c being bit c % 8 of byte c / 8. Output block c has as its bit r
// (bit r of lo for r < 64, bit r - 64 of hi otherwise) bit c of string r. row_bytes must be a
// multiple of 16 (callers pad to a multiple of 128 OTs).
//
// Kernels, all giving identical output (the tests check them against a bit-by-bit reference):
//  - portable: 64 x 64 tiles of 64-bit words, transposed by recursive block swaps
//    (H. Warren, Hacker's Delight, 2nd ed., Section 7-3), no SIMD;
//  - sse2 / avx2 / avx512 (F + BW): 16, 32 or 64 strings at a time, a 16 x 16 byte transpose
//    per 128-bit lane by four rounds of unpack instructions, then a movemask peels off one bit
//    per byte, giving 16, 32 or 64 bits of eight output blocks per byte column (the movemask
//    idea is the one EMP-toolkit and libOTe use).
// Everything is data-oblivious: no branch or address depends on the bits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "edgempc/core/backend.hpp"
#include "edgempc/core/block.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/detail/intrinsics.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

enum class TransposeKernel : std::uint8_t { portable = 0, sse2 = 1, avx2 = 2, avx512 = 3 };

[[nodiscard]] inline bool transpose_kernel_supported(TransposeKernel k) noexcept {
  switch (k) {
    case TransposeKernel::portable: return true;
#if EDGEMPC_HAVE_X86_BACKENDS
    case TransposeKernel::sse2: return true;  // part of x86-64
    case TransposeKernel::avx2: return __builtin_cpu_supports("avx2");
    case TransposeKernel::avx512: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#else
    case TransposeKernel::sse2:
    case TransposeKernel::avx2:
    case TransposeKernel::avx512: return false;
#endif
  }
  return false;
}

/// The fastest kernel this machine runs; EDGEMPC_FORCE_BACKEND_PORTABLE pins the portable one.
[[nodiscard]] inline TransposeKernel default_transpose_kernel() noexcept {
#if defined(EDGEMPC_FORCE_BACKEND_PORTABLE)
  return TransposeKernel::portable;
#else
  static const TransposeKernel best = [] {
    for (auto k : {TransposeKernel::avx512, TransposeKernel::avx2, TransposeKernel::sse2})
      if (transpose_kernel_supported(k)) return k;
    return TransposeKernel::portable;
  }();
  return best;
#endif
}

namespace detail::transpose {

// a[r] bit c  ->  a[c] bit r, for a 64 x 64 bit matrix: swap the off-diagonal 32 x 32 blocks,
// then the off-diagonal 16 x 16 blocks inside each, and so on down to single bits.
inline void transpose64(std::uint64_t a[64]) noexcept {
  std::uint64_t m = 0x00000000ffffffffull;
  for (unsigned j = 32; j != 0; j >>= 1, m ^= m << j) {
    for (unsigned k = 0; k < 64; k = ((k | j) + 1) & ~j) {
      const std::uint64_t t = ((a[k] >> j) ^ a[k | j]) & m;
      a[k] ^= t << j;
      a[k | j] ^= t;
    }
  }
}

inline void portable(const std::uint8_t* rows, std::size_t row_bytes, Block* out) noexcept {
  std::uint64_t a[64];
  for (std::size_t w = 0; w < row_bytes / 8; ++w) {
    for (std::size_t half = 0; half < 2; ++half) {
      for (std::size_t r = 0; r < 64; ++r) a[r] = load_le<std::uint64_t>(rows + (64 * half + r) * row_bytes + 8 * w);
      transpose64(a);
      for (std::size_t c = 0; c < 64; ++c) (half == 0 ? out[64 * w + c].lo : out[64 * w + c].hi) = a[c];
    }
  }
}

#if EDGEMPC_HAVE_X86_BACKENDS

// After four rounds of pairing register i with i + 8, register k holds byte k of every input
// register, in the bit-reversed order of their indices; loading string rev4(i) into register
// i therefore leaves byte column k of strings 0..15, in order, in register k.
inline constexpr std::size_t rev4[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};

__attribute__((target("sse2"))) inline void sse2(const std::uint8_t* rows, std::size_t row_bytes, Block* out) noexcept {
  auto* dst = reinterpret_cast<std::uint8_t*>(out);
  for (std::size_t b0 = 0; b0 < row_bytes; b0 += 16) {
    for (std::size_t r0 = 0; r0 < 128; r0 += 16) {
      __m128i x[16], y[16];
      for (std::size_t i = 0; i < 16; ++i)
        x[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(rows + (r0 + rev4[i]) * row_bytes + b0));
      for (std::size_t i = 0; i < 8; ++i) y[2 * i] = _mm_unpacklo_epi8(x[i], x[i + 8]), y[2 * i + 1] = _mm_unpackhi_epi8(x[i], x[i + 8]);
      for (std::size_t i = 0; i < 8; ++i) x[2 * i] = _mm_unpacklo_epi16(y[i], y[i + 8]), x[2 * i + 1] = _mm_unpackhi_epi16(y[i], y[i + 8]);
      for (std::size_t i = 0; i < 8; ++i) y[2 * i] = _mm_unpacklo_epi32(x[i], x[i + 8]), y[2 * i + 1] = _mm_unpackhi_epi32(x[i], x[i + 8]);
      for (std::size_t i = 0; i < 8; ++i) x[2 * i] = _mm_unpacklo_epi64(y[i], y[i + 8]), x[2 * i + 1] = _mm_unpackhi_epi64(y[i], y[i + 8]);
      for (std::size_t k = 0; k < 16; ++k) {
        __m128i v = x[k];
        for (std::size_t j = 8; j-- > 0;) {  // the top bit of each byte is bit j of the column
          const auto m = static_cast<std::uint16_t>(_mm_movemask_epi8(v));
          std::memcpy(dst + (8 * (b0 + k) + j) * 16 + r0 / 8, &m, sizeof m);
          v = _mm_add_epi8(v, v);
        }
      }
    }
  }
}

// The same with 32 strings per step: string r in the low 128-bit lane, r + 16 in the high
// one (the unpacks work per lane), so one movemask yields 32 consecutive bits.
__attribute__((target("avx2"))) inline void avx2(const std::uint8_t* rows, std::size_t row_bytes, Block* out) noexcept {
  auto* dst = reinterpret_cast<std::uint8_t*>(out);
  for (std::size_t b0 = 0; b0 < row_bytes; b0 += 16) {
    for (std::size_t r0 = 0; r0 < 128; r0 += 32) {
      __m256i x[16], y[16];
      for (std::size_t i = 0; i < 16; ++i) {
        const std::uint8_t* p = rows + (r0 + rev4[i]) * row_bytes + b0;
        x[i] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))),
                                       _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * row_bytes)), 1);
      }
      for (std::size_t i = 0; i < 8; ++i) y[2 * i] = _mm256_unpacklo_epi8(x[i], x[i + 8]), y[2 * i + 1] = _mm256_unpackhi_epi8(x[i], x[i + 8]);
      for (std::size_t i = 0; i < 8; ++i) x[2 * i] = _mm256_unpacklo_epi16(y[i], y[i + 8]), x[2 * i + 1] = _mm256_unpackhi_epi16(y[i], y[i + 8]);
      for (std::size_t i = 0; i < 8; ++i) y[2 * i] = _mm256_unpacklo_epi32(x[i], x[i + 8]), y[2 * i + 1] = _mm256_unpackhi_epi32(x[i], x[i + 8]);
      for (std::size_t i = 0; i < 8; ++i) x[2 * i] = _mm256_unpacklo_epi64(y[i], y[i + 8]), x[2 * i + 1] = _mm256_unpackhi_epi64(y[i], y[i + 8]);
      for (std::size_t k = 0; k < 16; ++k) {
        __m256i v = x[k];
        for (std::size_t j = 8; j-- > 0;) {
          const auto m = static_cast<std::uint32_t>(_mm256_movemask_epi8(v));
          std::memcpy(dst + (8 * (b0 + k) + j) * 16 + r0 / 8, &m, sizeof m);
          v = _mm256_add_epi8(v, v);
        }
      }
    }
  }
}

EDGEMPC_AVX512_WARNINGS_OFF

// Four lanes: strings r, r + 16, r + 32, r + 48; one mask yields 64 consecutive bits.
__attribute__((target("avx512f,avx512bw"))) inline void avx512(const std::uint8_t* rows, std::size_t row_bytes,
                                                               Block* out) noexcept {
  auto* dst = reinterpret_cast<std::uint8_t*>(out);
  for (std::size_t b0 = 0; b0 < row_bytes; b0 += 16) {
    for (std::size_t r0 = 0; r0 < 128; r0 += 64) {
      __m512i x[16], y[16];
      for (std::size_t i = 0; i < 16; ++i) {
        const std::uint8_t* p = rows + (r0 + rev4[i]) * row_bytes + b0;
        const auto lane = [&](std::size_t l) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * l * row_bytes)); };
        const __m256i lo = _mm256_inserti128_si256(_mm256_castsi128_si256(lane(0)), lane(1), 1);
        const __m256i hi = _mm256_inserti128_si256(_mm256_castsi128_si256(lane(2)), lane(3), 1);
        x[i] = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
      }
      for (std::size_t i = 0; i < 8; ++i) y[2 * i] = _mm512_unpacklo_epi8(x[i], x[i + 8]), y[2 * i + 1] = _mm512_unpackhi_epi8(x[i], x[i + 8]);
      for (std::size_t i = 0; i < 8; ++i) x[2 * i] = _mm512_unpacklo_epi16(y[i], y[i + 8]), x[2 * i + 1] = _mm512_unpackhi_epi16(y[i], y[i + 8]);
      for (std::size_t i = 0; i < 8; ++i) y[2 * i] = _mm512_unpacklo_epi32(x[i], x[i + 8]), y[2 * i + 1] = _mm512_unpackhi_epi32(x[i], x[i + 8]);
      for (std::size_t i = 0; i < 8; ++i) x[2 * i] = _mm512_unpacklo_epi64(y[i], y[i + 8]), x[2 * i + 1] = _mm512_unpackhi_epi64(y[i], y[i + 8]);
      for (std::size_t k = 0; k < 16; ++k) {
        __m512i v = x[k];
        for (std::size_t j = 8; j-- > 0;) {
          const auto m = static_cast<std::uint64_t>(_mm512_movepi8_mask(v));
          std::memcpy(dst + (8 * (b0 + k) + j) * 16 + r0 / 8, &m, sizeof m);
          v = _mm512_add_epi8(v, v);
        }
      }
    }
  }
}

EDGEMPC_AVX512_WARNINGS_ON

#endif  // EDGEMPC_HAVE_X86_BACKENDS

}  // namespace detail::transpose

/// Transposes 128 bit-strings of row_bytes bytes into row_bytes * 8 blocks (layout above).
/// errc::invalid_argument if row_bytes is not a multiple of 16, errc::size_mismatch if the
/// spans do not have 128 * row_bytes bytes and row_bytes * 8 blocks, errc::unsupported if the
/// kernel cannot run here.
inline void transpose_128(std::span<const std::uint8_t> rows, std::size_t row_bytes, std::span<Block> out,
                          TransposeKernel kernel = default_transpose_kernel()) {
  if (row_bytes % 16 != 0)
    throw error(errc::invalid_argument, "transpose_128: row_bytes " + std::to_string(row_bytes) +
                                            " is not a multiple of 16");
  if (rows.size() != 128 * row_bytes || out.size() != 8 * row_bytes)
    throw error(errc::size_mismatch, "transpose_128: " + std::to_string(rows.size()) + " bytes and " +
                                         std::to_string(out.size()) + " blocks for rows of " +
                                         std::to_string(row_bytes) + " bytes");
  if (!transpose_kernel_supported(kernel)) throw error(errc::unsupported, "transpose_128: kernel not available here");
  switch (kernel) {
#if EDGEMPC_HAVE_X86_BACKENDS
    case TransposeKernel::avx512: detail::transpose::avx512(rows.data(), row_bytes, out.data()); return;
    case TransposeKernel::avx2: detail::transpose::avx2(rows.data(), row_bytes, out.data()); return;
    case TransposeKernel::sse2: detail::transpose::sse2(rows.data(), row_bytes, out.data()); return;
#endif
    default: detail::transpose::portable(rows.data(), row_bytes, out.data()); return;
  }
}

EDGEMPC_END_NAMESPACE
