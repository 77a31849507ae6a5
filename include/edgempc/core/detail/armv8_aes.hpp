// SPDX-License-Identifier: Apache-2.0
// AES-128 (FIPS-197) with the ARMv8 Cryptography Extensions: the building blocks of the
// armv8 fixed-key permutation (core/detail/fixed_key_aes.hpp) and the AES-CTR keystream of
// the PRG (core/prg.hpp) on 64-bit ARM gateways.
//
// Detection and fallback: present only where core/backend.hpp sets EDGEMPC_HAVE_ARM_BACKENDS
// (aarch64 Linux, little-endian). Whether the CPU has the instructions is read at run time from
// getauxval(AT_HWCAP) & HWCAP_AES (the kernel's view of ID_AA64ISAR0_EL1.AES); the kernels
// carry a function target attribute so that the rest of the build stays baseline armv8-a.
// Without AES the permutation falls back to the portable bitsliced AES and the PRG's AES-CTR is
// refused (ChaCha20 runs), exactly as on an x86 CPU without AES-NI.
//
// Round structure (ARM Architecture Reference Manual for A-profile, ARM DDI 0487, AESE and
// AESMC): AESE(x, k) = ShiftRows(SubBytes(x ^ k)) and AESMC(x) = MixColumns(x), whereas x86's
// AESENC applies the round key after MixColumns. So AES-128 with round keys rk[0..10] is
//   x = AESMC(AESE(x, rk[r])) for r = 0..8,  then  x = AESE(x, rk[9]) ^ rk[10],
// the same FIPS-197 rounds with the AddRoundKey steps grouped differently. The state is the 16
// bytes of a block in memory order, as FIPS-197 section 3.4 maps input bytes to the state and
// as AES-NI loads them, and the round keys are aes_portable::expand_key's (the byte layout of
// aesni::RoundKeys), so the outputs are identical to AES-NI's and the portable AES's. There are
// no tables and no branches on data or keys.
#pragma once

#include "edgempc/core/backend.hpp"

#if EDGEMPC_HAVE_ARM_BACKENDS
#include <arm_neon.h>
#include <asm/hwcap.h>
#include <sys/auxv.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include "edgempc/core/detail/aes_portable.hpp"
#include "edgempc/core/sodium.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail::armv8_aes {

// GCC spells the feature "+crypto" (its arm_neon.h declares the AES intrinsics under that
// target); Clang "crypto".
#if defined(__clang__)
#define EDGEMPC_ARMV8_AES_TARGET __attribute__((target("crypto")))
#else
#define EDGEMPC_ARMV8_AES_TARGET __attribute__((target("+crypto")))
#endif

/// Whether this CPU has the AES instructions (the kernel reports it in AT_HWCAP).
[[nodiscard]] inline bool supported() noexcept {
  static const bool has = (getauxval(AT_HWCAP) & HWCAP_AES) != 0;
  return has;
}

/// The 11 round keys of AES-128: aes_portable::expand_key's, computed in constant time.
using RoundKeys = aes_portable::RoundKeys;

// Clang before 16 declares vaeseq_u8 and vaesmcq_u8 only when the whole translation unit is
// built with AES (__ARM_FEATURE_AES); its builtins behind them take a function target, so
// those are called directly there (48 is the builtin's code for uint8x16_t).
#if defined(__clang__) && !defined(__ARM_FEATURE_AES) && __clang_major__ < 16
EDGEMPC_ARMV8_AES_TARGET inline uint8x16_t aese(uint8x16_t x, uint8x16_t k) {
  return reinterpret_cast<uint8x16_t>(
      __builtin_neon_vaeseq_v(reinterpret_cast<int8x16_t>(x), reinterpret_cast<int8x16_t>(k), 48));
}
EDGEMPC_ARMV8_AES_TARGET inline uint8x16_t aesmc(uint8x16_t x) {
  return reinterpret_cast<uint8x16_t>(__builtin_neon_vaesmcq_v(reinterpret_cast<int8x16_t>(x), 48));
}
#else
EDGEMPC_ARMV8_AES_TARGET inline uint8x16_t aese(uint8x16_t x, uint8x16_t k) { return vaeseq_u8(x, k); }
EDGEMPC_ARMV8_AES_TARGET inline uint8x16_t aesmc(uint8x16_t x) { return vaesmcq_u8(x); }
#endif

EDGEMPC_ARMV8_AES_TARGET inline void load_keys(const std::uint8_t* bytes, uint8x16_t rk[11]) {
  for (int r = 0; r < 11; ++r) rk[r] = vld1q_u8(bytes + 16 * r);
}

// The ten rounds of every x[J], round 0 keyed by rk0 (rk[0] itself, or rk[0] with a mask or a
// tweak folded in by the caller). The folds over J unroll at compile time and keep the blocks
// independent, so the AES unit's pipeline stays full (and each AESE is next to its AESMC,
// which many cores fuse). No lambdas: GCC does not give them the enclosing target.
template <std::size_t... J>
EDGEMPC_ARMV8_AES_TARGET inline void encrypt(uint8x16_t* x, uint8x16_t rk0, const uint8x16_t rk[11],
                                             std::index_sequence<J...>) {
  ((x[J] = aesmc(aese(x[J], rk0))), ...);
  for (int r = 1; r < 9; ++r) ((x[J] = aesmc(aese(x[J], rk[r]))), ...);
  ((x[J] = veorq_u8(aese(x[J], rk[9]), rk[10])), ...);
}

/// Block{lo, hi} as a vector: two little-endian 64-bit halves, lo first, which on a
/// little-endian CPU are exactly the lanes of a uint64x2_t. (Functions rather than the NEON
/// intrinsics in the folds below: Clang's arm_neon.h makes some of them macros, which a pack
/// expansion cannot pass through.)
EDGEMPC_ARMV8_AES_TARGET inline uint64x2_t make_u64x2(std::uint64_t lo, std::uint64_t hi) {
  return vcombine_u64(vcreate_u64(lo), vcreate_u64(hi));
}
EDGEMPC_ARMV8_AES_TARGET inline void store_bytes(std::uint8_t* p, uint8x16_t v) { vst1q_u8(p, v); }

// The counter block (lo + J, hi) as 16 bytes, as AES-NI's counter mode builds it.
template <std::size_t... J>
EDGEMPC_ARMV8_AES_TARGET inline void encrypt_counters(const uint8x16_t rk[11], uint64x2_t ctr, std::uint8_t* out,
                                                      std::index_sequence<J...> js) {
  uint8x16_t x[] = {vreinterpretq_u8_u64(vaddq_u64(ctr, make_u64x2(J, 0)))...};
  encrypt(x, rk[0], rk, js);
  (store_bytes(out + 16 * J, x[J]), ...);
}

/// Blocks whose counters lo, lo+1, ..., lo+n-1 share the high half `hi` (no carry inside).
EDGEMPC_ARMV8_AES_TARGET inline void ctr_segment(const RoundKeys& keys, std::uint64_t lo, std::uint64_t hi,
                                                 std::uint8_t* out, std::size_t n) {
  uint8x16_t rk[11];
  load_keys(keys.bytes, rk);
  uint64x2_t ctr = make_u64x2(lo, hi);
  const uint64x2_t eight = make_u64x2(8, 0), one = make_u64x2(1, 0);
  std::size_t b = 0;
  for (; b + 8 <= n; b += 8, ctr = vaddq_u64(ctr, eight))
    encrypt_counters(rk, ctr, out + 16 * b, std::make_index_sequence<8>{});
  for (; b < n; ++b, ctr = vaddq_u64(ctr, one))
    encrypt_counters(rk, ctr, out + 16 * b, std::make_index_sequence<1>{});
  secure_wipe(rk, sizeof rk);  // the round keys must not outlive the Prg on the stack
}

/// Writes `nblocks` keystream blocks: block i is AES_k(iv + first_block + i), the counter
/// being the 16 IV bytes read as a little-endian 128-bit integer, wrapping mod 2^128: the
/// stream of aesni::ctr_keystream. Requires first_block + nblocks <= 2^64.
inline void ctr_keystream(const RoundKeys& keys, std::uint64_t iv_lo, std::uint64_t iv_hi,
                          std::uint64_t first_block, std::uint8_t* out, std::size_t nblocks) {
  const std::uint64_t lo = iv_lo + first_block;
  const std::uint64_t hi = iv_hi + (lo < iv_lo ? 1 : 0);
  // The low half wraps at most once in one call: split there, and carry into the high half.
  const std::size_t before_wrap =
      (lo != 0 && nblocks > std::uint64_t{0} - lo) ? static_cast<std::size_t>(std::uint64_t{0} - lo) : nblocks;
  ctr_segment(keys, lo, hi, out, before_wrap);
  if (before_wrap < nblocks) ctr_segment(keys, 0, hi + 1, out + 16 * before_wrap, nblocks - before_wrap);
}

}  // namespace detail::armv8_aes
EDGEMPC_END_NAMESPACE

#endif  // EDGEMPC_HAVE_ARM_BACKENDS
