// SPDX-License-Identifier: Apache-2.0
// The tweakable circular correlation-robust hash TCCR(i, x) = π(π(x) ⊕ i) ⊕ π(x), with π
// AES-128 under a fixed, public key, on AES-NI, VAES, the ARMv8 AES instructions, or the
// portable bitsliced AES where the CPU has no AES instructions (π and its back-ends:
// core/detail/fixed_key_aes.hpp).
//
// Construction and proof: C. Guo, J. Katz, X. Wang, Y. Yu, "Efficient and secure multiparty
// computation from fixed-key block ciphers", IEEE S&P 2020 (ePrint 2019/074), Section 7.4;
// π is modelled as a random permutation, so the key is public and fixed. The key here is
// the first 16 bytes of the fractional part of pi (0x243F6A88...), chosen so that nobody
// could have picked it to weaken AES. TCCR(i, x) is the paper's MMO form applied to π(x), which
// the permutation evaluates in one pass (fixed_key_aes::Pre::pi). Every back-end gives the
// same outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "edgempc/core/block.hpp"
#include "edgempc/core/detail/fixed_key_aes.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail::tccr {

inline constexpr std::uint8_t fixed_key[16] = {0x24, 0x3f, 0x6a, 0x88, 0x85, 0xa3, 0x08, 0xd3,
                                               0x13, 0x19, 0x8a, 0x2e, 0x03, 0x70, 0x73, 0x44};

using fixed_key_aes::Backend;

/// π under the fixed key on back-end `b`, expanded once per back-end; errc::unsupported if
/// `b` does not run here.
[[nodiscard]] inline const fixed_key_aes::Permutation& pi(Backend b) {
  const std::span<const std::uint8_t, 16> key(fixed_key);
  switch (b) {
    case Backend::aesni: {
      static const fixed_key_aes::Permutation p(key, Backend::aesni);
      return p;
    }
    case Backend::vaes: {
      static const fixed_key_aes::Permutation p(key, Backend::vaes);
      return p;
    }
    case Backend::armv8: {
      static const fixed_key_aes::Permutation p(key, Backend::armv8);
      return p;
    }
    default: {
      static const fixed_key_aes::Permutation p(key, Backend::portable);
      return p;
    }
  }
}

/// out[k] = TCCR(index + k, in[k] ^ delta) on back-end `b`; `in` may equal `out`.
inline void tccr(Backend b, const Block* in, Block delta, std::uint64_t index, Block* out, std::size_t n) {
  pi(b).mmo<fixed_key_aes::Pre::pi>(in, delta, {nullptr, index, 0}, out, n);
}

}  // namespace detail::tccr
EDGEMPC_END_NAMESPACE
