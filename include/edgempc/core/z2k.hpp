// SPDX-License-Identifier: Apache-2.0
// Z2k<K>: the ring of integers modulo 2^K, for K = 32 or 64.
//
// Why a ring besides the field: machine words wrap for free, so additive sharing, Beaver
// triples and the bridge to boolean circuits cost nothing for reduction. There is no inverse.
#pragma once

#include <cstdint>
#include <type_traits>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

/// Wrap-around arithmetic on unsigned words; `Rep` is uint32_t or uint64_t. Neither promotes
/// to a signed type, so no operation here can overflow into undefined behaviour.
template <class Rep>
struct Z2kOps {
  using rep_type = Rep;
  [[nodiscard]] static constexpr Rep add(Rep a, Rep b) noexcept { return static_cast<Rep>(a + b); }
  [[nodiscard]] static constexpr Rep sub(Rep a, Rep b) noexcept { return static_cast<Rep>(a - b); }
  [[nodiscard]] static constexpr Rep neg(Rep a) noexcept { return static_cast<Rep>(Rep{0} - a); }
  [[nodiscard]] static constexpr Rep mul(Rep a, Rep b) noexcept { return static_cast<Rep>(a * b); }
};

}  // namespace detail

/// An element of Z_{2^K}, K = 32 or 64.
///
/// Integer conversions:
///  - `from_uint(x)` keeps the low K bits of x (reduction mod 2^K);
///  - `from_int(x)` is two's complement mod 2^K;
///  - `from_canonical(x)` accepts only x < 2^K and throws `errc::out_of_range` otherwise;
///  - `to_uint()` gives the value in [0, 2^K);
///  - `to_int()` reads the value as a K-bit two's complement integer.
template <unsigned K>
  requires(K == 32 || K == 64)
class Z2k {
 public:
  using rep_type = std::conditional_t<K == 32, std::uint32_t, std::uint64_t>;
  static constexpr unsigned bits = K;
  static constexpr std::size_t byte_width = K / 8;
  static constexpr std::uint64_t max_int = (std::uint64_t{1} << (K - 1)) - 1;

  constexpr Z2k() noexcept = default;

  [[nodiscard]] static constexpr Z2k zero() noexcept { return {}; }
  [[nodiscard]] static constexpr Z2k one() noexcept { return from_rep(1); }

  [[nodiscard]] static constexpr Z2k from_uint(std::uint64_t x) noexcept {
    return from_rep(static_cast<rep_type>(x));
  }
  [[nodiscard]] static constexpr Z2k from_int(std::int64_t x) noexcept {
    return from_rep(static_cast<rep_type>(static_cast<std::uint64_t>(x)));
  }
  [[nodiscard]] static constexpr Z2k from_canonical(std::uint64_t x) {
    if constexpr (K < 64) {
      if (x >> K) throw error(errc::out_of_range, "Z2k: value does not fit in K bits");
    }
    return from_rep(static_cast<rep_type>(x));
  }
  [[nodiscard]] static constexpr Z2k from_rep(rep_type x) noexcept {
    Z2k r;
    r.v_ = x;
    return r;
  }

  [[nodiscard]] constexpr rep_type rep() const noexcept { return v_; }
  [[nodiscard]] constexpr std::uint64_t to_uint() const noexcept { return v_; }
  [[nodiscard]] constexpr std::int64_t to_int() const noexcept {
    using signed_rep = std::make_signed_t<rep_type>;
    return static_cast<signed_rep>(v_);  // modular conversion, defined since C++20
  }

  friend constexpr Z2k operator+(Z2k a, Z2k b) noexcept { return from_rep(ops::add(a.v_, b.v_)); }
  friend constexpr Z2k operator-(Z2k a, Z2k b) noexcept { return from_rep(ops::sub(a.v_, b.v_)); }
  friend constexpr Z2k operator*(Z2k a, Z2k b) noexcept { return from_rep(ops::mul(a.v_, b.v_)); }
  friend constexpr Z2k operator-(Z2k a) noexcept { return from_rep(ops::neg(a.v_)); }
  constexpr Z2k& operator+=(Z2k b) noexcept { return *this = *this + b; }
  constexpr Z2k& operator-=(Z2k b) noexcept { return *this = *this - b; }
  constexpr Z2k& operator*=(Z2k b) noexcept { return *this = *this * b; }
  friend constexpr bool operator==(Z2k, Z2k) noexcept = default;

 private:
  using ops = detail::Z2kOps<rep_type>;
  rep_type v_ = 0;
};

EDGEMPC_END_NAMESPACE
