// SPDX-License-Identifier: Apache-2.0
// Uniform sampling of field and ring elements from a Prg.
//
// Z2k: the stream's words are the elements (every K-bit word is equally likely).
// Mersenne61: each 64-bit word keeps its low 61 bits; the one value that is not below p
// (2^61 - 1 itself) is rejected and replaced by the next word, so every element has
// probability exactly 1/p. Never a plain modulo, which would bias small values.
// The result depends only on (algorithm, seed, position in the stream).
#pragma once

#include <span>
#include <type_traits>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/prg.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

/// Masks stream words to 61 bits and replaces each word equal to p (the only one not below
/// p) with the next masked word of the stream, in order, so the result stays deterministic.
inline void m61_from_stream(Prg& prg, std::span<std::uint64_t> w) {
  constexpr std::uint64_t p = Mersenne61::modulus;
  std::uint64_t rejected = 0;
  for (auto& x : w) {
    x &= p;
    rejected |= static_cast<std::uint64_t>(x == p);
  }
  if (rejected)  // probability 2^-61 per element
    for (auto& x : w)
      while (x == p) x = prg.next_u64() & p;
}

}  // namespace detail

namespace batch {

/// Fills `out` with independent uniform elements drawn from `prg`.
template <BatchDomain T>
void random_fill(Prg& prg, detail::out_span<T> out) {
  using rep = typename T::rep_type;
  rep* w = detail::words(out);
  prg.fill(w, out.size_bytes());
  if constexpr (std::endian::native == std::endian::big)
    for (std::size_t i = 0; i < out.size(); ++i) w[i] = detail::byteswap(w[i]);
  if constexpr (std::is_same_v<T, Mersenne61>) detail::m61_from_stream(prg, std::span<rep>(w, out.size()));
}

}  // namespace batch

/// One uniform element drawn from `prg`.
template <BatchDomain T>
[[nodiscard]] T random_element(Prg& prg) {
  T x;
  batch::random_fill<T>(prg, std::span<T>(&x, 1));
  return x;
}

EDGEMPC_END_NAMESPACE
