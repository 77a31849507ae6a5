// SPDX-License-Identifier: Apache-2.0
// Mersenne61: the prime field Z_p with p = 2^61 - 1, edgempc's default field.
//
// Why this prime: reduction is a shift, a mask and an add (2^61 = 1 mod p), a product of two
// elements fits in 122 bits, and 2^20 readings of 40 bits each can be summed without wrapping.
#pragma once

#include <compare>
#include <cstdint>

#include "edgempc/core/detail/int128.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

/// Arithmetic on canonical representatives of Z_p, p = 2^61 - 1, as plain integers. Every
/// function takes values in [0, p) and returns a value in [0, p). The conditional
/// subtractions are done with masks built from the sign bit, not with comparisons, so no
/// compiler can turn them into branches: running time does not depend on the values.
struct M61Ops {
  using rep_type = std::uint64_t;
  static constexpr rep_type modulus = (std::uint64_t{1} << 61) - 1;

  /// p if the top bit of x is set, else 0.
  [[nodiscard]] static constexpr rep_type p_if_negative(rep_type x) noexcept {
    return modulus & (rep_type{0} - (x >> 63));
  }
  /// x in [0, 2p) to [0, p).
  [[nodiscard]] static constexpr rep_type cond_sub_p(rep_type x) noexcept {
    const rep_type t = x - modulus;  // wraps (top bit set) exactly when x < p
    return t + p_if_negative(t);
  }
  [[nodiscard]] static constexpr rep_type add(rep_type a, rep_type b) noexcept { return cond_sub_p(a + b); }
  [[nodiscard]] static constexpr rep_type sub(rep_type a, rep_type b) noexcept {
    const rep_type d = a - b;  // wraps exactly when a < b
    return d + p_if_negative(d);
  }
  [[nodiscard]] static constexpr rep_type neg(rep_type a) noexcept { return sub(0, a); }
  [[nodiscard]] static constexpr rep_type mul(rep_type a, rep_type b) noexcept {
    // a * b < 2^122: unsigned __int128 where the compiler has it, 32-bit halves otherwise.
    return reduce_product(mul_64x64_128(a, b));
  }
  /// A product of two elements (t < 2^122) to its residue.
  [[nodiscard]] static constexpr rep_type reduce_product(U64Pair t) noexcept {
    // t = (t >> 61) * 2^61 + (t mod 2^61) and 2^61 = 1 (mod p), so t = the sum of the two < 2p.
    return cond_sub_p((t.lo & modulus) + ((t.hi << 3) | (t.lo >> 61)));
  }
  /// Any 64-bit integer to its residue.
  [[nodiscard]] static constexpr rep_type reduce(std::uint64_t x) noexcept {
    return cond_sub_p((x & modulus) + (x >> 61));  // < 2^61 + 8 < 2p
  }
};

}  // namespace detail

/// An element of Z_p, p = 2^61 - 1, held in canonical form (an integer in [0, p)).
///
/// Integer conversions:
///  - `from_uint(x)` accepts any 64-bit unsigned integer and reduces it mod p;
///  - `from_int(x)` accepts any 64-bit signed integer; negatives map to p - (|x| mod p);
///  - `from_canonical(x)` accepts only x < p and throws `errc::out_of_range` otherwise
///    (use it for values that come from outside, such as the wire);
///  - `to_uint()` gives the canonical value in [0, p);
///  - `to_int()` gives the centred value: [0, (p-1)/2] stay, the upper half is negative.
class Mersenne61 {
 public:
  using rep_type = std::uint64_t;
  static constexpr rep_type modulus = detail::M61Ops::modulus;
  static constexpr unsigned bits = 61;            ///< bits needed for an element
  static constexpr std::size_t byte_width = 8;    ///< bytes per element on the wire
  static constexpr std::uint64_t max_int = (modulus - 1) / 2;  ///< largest `to_int()` value

  constexpr Mersenne61() noexcept = default;

  [[nodiscard]] static constexpr Mersenne61 zero() noexcept { return {}; }
  [[nodiscard]] static constexpr Mersenne61 one() noexcept { return from_rep(1); }

  [[nodiscard]] static constexpr Mersenne61 from_uint(std::uint64_t x) noexcept {
    return from_rep(detail::M61Ops::reduce(x));
  }
  [[nodiscard]] static constexpr Mersenne61 from_int(std::int64_t x) noexcept {
    // The magnitude as unsigned avoids the overflow of -INT64_MIN.
    const auto magnitude = x < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(x)
                                 : static_cast<std::uint64_t>(x);
    const rep_type r = detail::M61Ops::reduce(magnitude);
    return from_rep(x < 0 ? detail::M61Ops::neg(r) : r);
  }
  [[nodiscard]] static constexpr Mersenne61 from_canonical(std::uint64_t x) {
    if (x >= modulus) throw error(errc::out_of_range, "Mersenne61: value is not below p = 2^61 - 1");
    return from_rep(x);
  }
  /// For kernels that already hold a canonical value; no check.
  [[nodiscard]] static constexpr Mersenne61 from_rep(rep_type x) noexcept {
    Mersenne61 r;
    r.v_ = x;
    return r;
  }

  [[nodiscard]] constexpr rep_type rep() const noexcept { return v_; }
  [[nodiscard]] constexpr std::uint64_t to_uint() const noexcept { return v_; }
  [[nodiscard]] constexpr std::int64_t to_int() const noexcept {
    return v_ <= max_int ? static_cast<std::int64_t>(v_) : -static_cast<std::int64_t>(modulus - v_);
  }

  [[nodiscard]] constexpr Mersenne61 pow(std::uint64_t e) const noexcept {
    Mersenne61 base = *this, acc = one();
    for (; e != 0; e >>= 1) {
      if (e & 1) acc *= base;
      base *= base;
    }
    return acc;
  }
  /// Multiplicative inverse by Fermat (x^(p-2)); the exponent is public, so the square-and-
  /// multiply sequence does not depend on the secret. Zero has none: `errc::invalid_argument`.
  [[nodiscard]] constexpr Mersenne61 inverse() const {
    if (v_ == 0) throw error(errc::invalid_argument, "Mersenne61: zero has no inverse");
    return pow(modulus - 2);
  }

  friend constexpr Mersenne61 operator+(Mersenne61 a, Mersenne61 b) noexcept {
    return from_rep(detail::M61Ops::add(a.v_, b.v_));
  }
  friend constexpr Mersenne61 operator-(Mersenne61 a, Mersenne61 b) noexcept {
    return from_rep(detail::M61Ops::sub(a.v_, b.v_));
  }
  friend constexpr Mersenne61 operator*(Mersenne61 a, Mersenne61 b) noexcept {
    return from_rep(detail::M61Ops::mul(a.v_, b.v_));
  }
  friend constexpr Mersenne61 operator-(Mersenne61 a) noexcept {
    return from_rep(detail::M61Ops::neg(a.v_));
  }
  constexpr Mersenne61& operator+=(Mersenne61 b) noexcept { return *this = *this + b; }
  constexpr Mersenne61& operator-=(Mersenne61 b) noexcept { return *this = *this - b; }
  constexpr Mersenne61& operator*=(Mersenne61 b) noexcept { return *this = *this * b; }
  friend constexpr bool operator==(Mersenne61, Mersenne61) noexcept = default;

 private:
  rep_type v_ = 0;
};

EDGEMPC_END_NAMESPACE
