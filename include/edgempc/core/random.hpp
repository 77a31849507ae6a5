// SPDX-License-Identifier: Apache-2.0
// Uniform sampling of field and ring elements from a Prg.
//
// Z2k: the stream's words are the elements (every K-bit word is equally likely).
// Mersenne61: each 64-bit word keeps its low 61 bits; the one value that is not below p
// (2^61 - 1 itself) is rejected and the next word is used instead, so every element has
// probability exactly 1/p. Never a plain modulo, which would bias small values.
// The result depends only on (algorithm, seed, position in the stream).
#pragma once

#include <algorithm>
#include <bit>
#include <span>
#include <type_traits>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/prg.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

/// Mersenne61 elements from a source of stream bytes (`src.fill(void*, bytes)`): the stream's
/// little-endian 64-bit words, masked to 61 bits, with every word equal to p dropped. Element i
/// is the i-th surviving word, so fills compose (n then m elements equal n + m at once) and
/// the result depends only on the stream. Works piecewise so that masking happens while the
/// piece is still in the L1 cache.
template <class Source>
void m61_fill(Source& src, std::span<std::uint64_t> out) {
  constexpr std::uint64_t p = Mersenne61::modulus;
  constexpr std::size_t piece_words = 1024;
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t piece = std::min(piece_words, out.size() - done);
    std::uint64_t* w = out.data() + done;
    src.fill(w, piece * sizeof(std::uint64_t));
    std::uint64_t rejected = 0;
    for (std::size_t i = 0; i < piece; ++i) {
      if constexpr (std::endian::native == std::endian::big) w[i] = byteswap(w[i]);
      w[i] &= p;
      rejected |= static_cast<std::uint64_t>(w[i] == p);
    }
    if (!rejected) {  // all but certainly: a word is rejected with probability 2^-61
      done += piece;
      continue;
    }
    std::size_t kept = 0;
    for (std::size_t i = 0; i < piece; ++i)
      if (w[i] != p) w[kept++] = w[i];
    done += kept;  // the next piece refills the rest from the stream
  }
}

}  // namespace detail

namespace batch {

/// Fills `out` with independent uniform elements drawn from `prg`.
template <BatchDomain T>
void random_fill(Prg& prg, detail::out_span<T> out) {
  using rep = typename T::rep_type;
  rep* w = detail::words(out);
  if constexpr (std::is_same_v<T, Mersenne61>) {
    detail::m61_fill(prg, std::span<rep>(w, out.size()));
  } else {
    prg.fill(w, out.size_bytes());
    if constexpr (std::endian::native == std::endian::big)
      for (std::size_t i = 0; i < out.size(); ++i) w[i] = detail::byteswap(w[i]);
  }
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
