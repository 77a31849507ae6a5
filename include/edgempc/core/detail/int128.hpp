// SPDX-License-Identifier: Apache-2.0
// 128-bit integers where the compiler has none. GCC and clang have `__int128` on 64-bit targets
// only; 32-bit ARM (armhf, Raspberry Pi OS 32-bit) has not. This header gives:
//
//  - mul_64x64_128(a, b): the full 128-bit product of two 64-bit words as {lo, hi}, with
//    `unsigned __int128` where the compiler has it and mul_64x64_128_portable otherwise (four
//    32x32->64 products, which 32-bit ARM does in one `umull` each);
//  - int128_t / uint128_t: `__int128` / `unsigned __int128` where the compiler has them, else
//    Int128Words<true> / Int128Words<false>, two 64-bit words with the operators of a built-in
//    integer (two's complement, wrapping mod 2^128), so code written for the built-ins compiles
//    unchanged on both;
//  - make_int128(hi, lo) / make_uint128(hi, lo), and high_word / low_word, for either.
//
// Timing: the multiplication, addition, subtraction, negation, bitwise operators, division and
// remainder have no branch and no memory access that depends on the values (carries and
// borrows are computed from comparisons, which GCC and clang compile to flag arithmetic, and
// division is a fixed 128-step shift-and-subtract with masks). Shift counts are treated as
// public, and comparisons (==, <=>) return their answer, so they are only for values that
// may be known: results, bounds, counts.
#pragma once

#include <compare>
#include <concepts>
#include <cstdint>
#include <type_traits>

#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail {

/// A 128-bit value as two 64-bit words.
struct U64Pair {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  friend constexpr bool operator==(U64Pair, U64Pair) noexcept = default;
};

/// a * b as 128 bits, from 32-bit halves (schoolbook); callable on every target, so the tests
/// compare it with `unsigned __int128` where that exists.
[[nodiscard]] constexpr U64Pair mul_64x64_128_portable(std::uint64_t a, std::uint64_t b) noexcept {
  constexpr std::uint64_t mask32 = 0xffffffffu;
  const std::uint64_t a0 = a & mask32, a1 = a >> 32, b0 = b & mask32, b1 = b >> 32;
  const std::uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  // The column at bit 32: three terms below 2^32 each, so no overflow.
  const std::uint64_t mid = (p00 >> 32) + (p01 & mask32) + (p10 & mask32);
  return {(mid << 32) | (p00 & mask32), p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32)};
}

/// a * b as 128 bits: the compiler's 128-bit multiply where it has one.
[[nodiscard]] constexpr U64Pair mul_64x64_128(std::uint64_t a, std::uint64_t b) noexcept {
#if defined(__SIZEOF_INT128__)
  __extension__ using native = unsigned __int128;
  const native t = static_cast<native>(a) * b;
  return {static_cast<std::uint64_t>(t), static_cast<std::uint64_t>(t >> 64)};
#else
  return mul_64x64_128_portable(a, b);
#endif
}

/// A 128-bit two's complement integer held as two 64-bit words: what `__int128` (Signed) or
/// `unsigned __int128` does, for targets without them. Converts implicitly from every integer
/// type (sign- or zero-extending as the built-ins do) and explicitly to them (keeping the low
/// bits), to bool and to floating point. Arithmetic wraps mod 2^128; division truncates toward
/// zero; dividing by zero gives an unspecified value (the built-ins' is undefined).
template <bool Signed>
class Int128Words {
 public:
  constexpr Int128Words() noexcept = default;
  template <std::integral T>
  constexpr Int128Words(T v) noexcept  // NOLINT(google-explicit-constructor): as the built-ins
      : lo_(static_cast<std::uint64_t>(v)),
        hi_(std::is_signed_v<T> ? static_cast<std::uint64_t>(static_cast<std::int64_t>(v) >> 63) : 0) {}
  template <bool S>
    requires(S != Signed)
  explicit constexpr Int128Words(Int128Words<S> v) noexcept : lo_(v.low()), hi_(v.high()) {}

  [[nodiscard]] static constexpr Int128Words from_words(std::uint64_t hi, std::uint64_t lo) noexcept {
    Int128Words r;
    r.lo_ = lo;
    r.hi_ = hi;
    return r;
  }
  [[nodiscard]] constexpr std::uint64_t low() const noexcept { return lo_; }
  [[nodiscard]] constexpr std::uint64_t high() const noexcept { return hi_; }

  template <std::integral T>
  explicit constexpr operator T() const noexcept {
    if constexpr (std::is_same_v<T, bool>) return (lo_ | hi_) != 0;
    else return static_cast<T>(lo_);
  }
  template <std::floating_point T>
  explicit constexpr operator T() const noexcept {
    constexpr T two64 = static_cast<T>(18446744073709551616.0);
    if constexpr (Signed) {
      const Int128Words m = negative() ? -*this : *this;  // |x|, exact for every x but -2^127
      const T magnitude = static_cast<T>(m.hi_) * two64 + static_cast<T>(m.lo_);
      return negative() ? -magnitude : magnitude;
    } else {
      return static_cast<T>(hi_) * two64 + static_cast<T>(lo_);
    }
  }

  friend constexpr Int128Words operator+(Int128Words a, Int128Words b) noexcept {
    const std::uint64_t lo = a.lo_ + b.lo_;
    return from_words(a.hi_ + b.hi_ + static_cast<std::uint64_t>(lo < a.lo_), lo);
  }
  friend constexpr Int128Words operator-(Int128Words a, Int128Words b) noexcept {
    return from_words(a.hi_ - b.hi_ - static_cast<std::uint64_t>(a.lo_ < b.lo_), a.lo_ - b.lo_);
  }
  friend constexpr Int128Words operator-(Int128Words a) noexcept { return Int128Words{} - a; }
  friend constexpr Int128Words operator+(Int128Words a) noexcept { return a; }
  friend constexpr Int128Words operator*(Int128Words a, Int128Words b) noexcept {
    // The same bits for signed and unsigned operands, mod 2^128.
    const U64Pair p = mul_64x64_128_portable(a.lo_, b.lo_);
    return from_words(p.hi + a.lo_ * b.hi_ + a.hi_ * b.lo_, p.lo);
  }
  friend constexpr Int128Words operator/(Int128Words a, Int128Words b) noexcept { return divmod(a, b).q; }
  friend constexpr Int128Words operator%(Int128Words a, Int128Words b) noexcept { return divmod(a, b).r; }

  friend constexpr Int128Words operator~(Int128Words a) noexcept { return from_words(~a.hi_, ~a.lo_); }
  friend constexpr Int128Words operator&(Int128Words a, Int128Words b) noexcept {
    return from_words(a.hi_ & b.hi_, a.lo_ & b.lo_);
  }
  friend constexpr Int128Words operator|(Int128Words a, Int128Words b) noexcept {
    return from_words(a.hi_ | b.hi_, a.lo_ | b.lo_);
  }
  friend constexpr Int128Words operator^(Int128Words a, Int128Words b) noexcept {
    return from_words(a.hi_ ^ b.hi_, a.lo_ ^ b.lo_);
  }
  /// n in [0, 128), public.
  friend constexpr Int128Words operator<<(Int128Words a, int n) noexcept {
    if (n == 0) return a;
    if (n >= 64) return from_words(a.lo_ << (n - 64), 0);
    return from_words((a.hi_ << n) | (a.lo_ >> (64 - n)), a.lo_ << n);
  }
  /// n in [0, 128), public; arithmetic (sign-filling) when Signed, as the built-in.
  friend constexpr Int128Words operator>>(Int128Words a, int n) noexcept {
    const std::uint64_t fill = Signed ? static_cast<std::uint64_t>(static_cast<std::int64_t>(a.hi_) >> 63) : 0;
    if (n == 0) return a;
    if (n >= 64) {
      const std::uint64_t lo = n == 64 ? a.hi_ : (a.hi_ >> (n - 64)) | (fill << (128 - n));
      return from_words(fill, lo);
    }
    return from_words((a.hi_ >> n) | (fill << (64 - n)), (a.lo_ >> n) | (a.hi_ << (64 - n)));
  }

  friend constexpr bool operator==(Int128Words, Int128Words) noexcept = default;
  friend constexpr std::strong_ordering operator<=>(Int128Words a, Int128Words b) noexcept {
    if (a.hi_ != b.hi_) {
      if constexpr (Signed) return static_cast<std::int64_t>(a.hi_) <=> static_cast<std::int64_t>(b.hi_);
      else return a.hi_ <=> b.hi_;
    }
    return a.lo_ <=> b.lo_;
  }

  constexpr Int128Words& operator+=(Int128Words b) noexcept { return *this = *this + b; }
  constexpr Int128Words& operator-=(Int128Words b) noexcept { return *this = *this - b; }
  constexpr Int128Words& operator*=(Int128Words b) noexcept { return *this = *this * b; }
  constexpr Int128Words& operator/=(Int128Words b) noexcept { return *this = *this / b; }
  constexpr Int128Words& operator%=(Int128Words b) noexcept { return *this = *this % b; }
  constexpr Int128Words& operator&=(Int128Words b) noexcept { return *this = *this & b; }
  constexpr Int128Words& operator|=(Int128Words b) noexcept { return *this = *this | b; }
  constexpr Int128Words& operator^=(Int128Words b) noexcept { return *this = *this ^ b; }
  constexpr Int128Words& operator<<=(int n) noexcept { return *this = *this << n; }
  constexpr Int128Words& operator>>=(int n) noexcept { return *this = *this >> n; }
  constexpr Int128Words& operator++() noexcept { return *this += 1; }
  constexpr Int128Words& operator--() noexcept { return *this -= 1; }
  constexpr Int128Words operator++(int) noexcept {
    const Int128Words old = *this;
    ++*this;
    return old;
  }
  constexpr Int128Words operator--(int) noexcept {
    const Int128Words old = *this;
    --*this;
    return old;
  }

 private:
  struct QR {
    Int128Words q, r;
  };
  [[nodiscard]] constexpr bool negative() const noexcept { return Signed && (hi_ >> 63) != 0; }
  /// All ones if x is negative (Signed only), else 0.
  [[nodiscard]] static constexpr std::uint64_t sign_mask(Int128Words x) noexcept {
    return Signed ? std::uint64_t{0} - (x.hi_ >> 63) : 0;
  }
  /// Quotient (truncated toward zero) and remainder (the dividend's sign), without branches:
  /// 128 steps of restoring division on the magnitudes, a mask choosing each step's result.
  [[nodiscard]] static constexpr QR divmod(Int128Words a, Int128Words b) noexcept {
    const std::uint64_t sa = sign_mask(a), sb = sign_mask(b);
    const Int128Words ma = from_words(sa, sa), mb = from_words(sb, sb);
    const Int128Words n = (a ^ ma) - ma, d = (b ^ mb) - mb;  // magnitudes, as unsigned bits
    std::uint64_t q_hi = 0, q_lo = 0, r_hi = 0, r_lo = 0;
    for (int i = 127; i >= 0; --i) {
      // r = 2r + bit i of n; r < d before, so r < 2d after: one conditional subtraction.
      const std::uint64_t out = r_hi >> 63;
      const std::uint64_t bit = i >= 64 ? (n.hi_ >> (i - 64)) & 1 : (n.lo_ >> i) & 1;
      r_hi = (r_hi << 1) | (r_lo >> 63);
      r_lo = (r_lo << 1) | bit;
      const std::uint64_t t_lo = r_lo - d.lo_;
      const std::uint64_t borrow = static_cast<std::uint64_t>(r_lo < d.lo_);
      const std::uint64_t t_hi = r_hi - d.hi_ - borrow;
      const std::uint64_t under = static_cast<std::uint64_t>(r_hi < d.hi_) |
                                  (static_cast<std::uint64_t>(r_hi == d.hi_) & borrow);
      const std::uint64_t take = out | (under ^ 1);  // r >= d (a bit shifted out means r > d)
      const std::uint64_t keep = take - 1;           // all ones when not taking
      r_lo = (r_lo & keep) | (t_lo & ~keep);
      r_hi = (r_hi & keep) | (t_hi & ~keep);
      if (i >= 64) q_hi |= take << (i - 64);
      else q_lo |= take << i;
    }
    const Int128Words mq = from_words(sa ^ sb, sa ^ sb);
    const Int128Words q = (from_words(q_hi, q_lo) ^ mq) - mq;
    const Int128Words r = (from_words(r_hi, r_lo) ^ ma) - ma;
    return {q, r};
  }

  std::uint64_t lo_ = 0;
  std::uint64_t hi_ = 0;
};

#if defined(__SIZEOF_INT128__)
__extension__ using int128_t = __int128;
__extension__ using uint128_t = unsigned __int128;
#else
using int128_t = Int128Words<true>;
using uint128_t = Int128Words<false>;
#endif

/// hi * 2^64 + lo, as the 128-bit types of this target.
[[nodiscard]] constexpr uint128_t make_uint128(std::uint64_t hi, std::uint64_t lo) noexcept {
#if defined(__SIZEOF_INT128__)
  return (static_cast<uint128_t>(hi) << 64) | lo;
#else
  return uint128_t::from_words(hi, lo);
#endif
}
[[nodiscard]] constexpr int128_t make_int128(std::uint64_t hi, std::uint64_t lo) noexcept {
  return static_cast<int128_t>(make_uint128(hi, lo));
}
[[nodiscard]] constexpr std::uint64_t low_word(uint128_t x) noexcept { return static_cast<std::uint64_t>(x); }
[[nodiscard]] constexpr std::uint64_t high_word(uint128_t x) noexcept { return static_cast<std::uint64_t>(x >> 64); }

}  // namespace detail
EDGEMPC_END_NAMESPACE
