// SPDX-License-Identifier: Apache-2.0
// A 128-bit block: a wire label in a garbled circuit, an OT message, an AES block.
//
// Two little-endian 64-bit halves rather than an intrinsic type, so that the portable code and
// the AES-NI code share one layout: byte i of the block is byte i of to_bytes(), which is what
// _mm_loadu_si128 sees.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE

struct Block {
  std::uint64_t lo = 0;  ///< bytes 0..7, little-endian
  std::uint64_t hi = 0;  ///< bytes 8..15

  static constexpr std::size_t size = 16;

  [[nodiscard]] static Block from_bytes(std::span<const std::uint8_t, 16> b) noexcept {
    return {detail::load_le<std::uint64_t>(b.data()), detail::load_le<std::uint64_t>(b.data() + 8)};
  }
  void to_bytes(std::span<std::uint8_t, 16> out) const noexcept {
    detail::store_le<std::uint64_t>(out.data(), lo);
    detail::store_le<std::uint64_t>(out.data() + 8, hi);
  }
  [[nodiscard]] std::array<std::uint8_t, 16> bytes() const noexcept {
    std::array<std::uint8_t, 16> b{};
    to_bytes(b);
    return b;
  }
  /// The lowest bit: the point-and-permute colour of a label.
  [[nodiscard]] constexpr bool lsb() const noexcept { return (lo & 1) != 0; }

  constexpr Block& operator^=(const Block& o) noexcept {
    lo ^= o.lo, hi ^= o.hi;
    return *this;
  }
  friend constexpr Block operator^(Block a, const Block& b) noexcept { return a ^= b; }
  constexpr Block& operator&=(const Block& o) noexcept {
    lo &= o.lo, hi &= o.hi;
    return *this;
  }
  friend constexpr Block operator&(Block a, const Block& b) noexcept { return a &= b; }
  friend constexpr bool operator==(const Block&, const Block&) noexcept = default;
  /// All ones if `bit`, else zero, with no branch: select labels without leaking the bit.
  [[nodiscard]] static constexpr Block mask(bool bit) noexcept {
    const std::uint64_t m = std::uint64_t{0} - static_cast<std::uint64_t>(bit);
    return {m, m};
  }
};

EDGEMPC_END_NAMESPACE
