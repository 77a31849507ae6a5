// SPDX-License-Identifier: Apache-2.0
// The Domain and Field concepts: what the protocols need of an element type.
//
// Requirements on an element type T (values a, b of T; u a std::uint64_t; s a std::int64_t):
//
// | expression              | type           | meaning                                          |
// |-------------------------|----------------|--------------------------------------------------|
// | T::rep_type             | unsigned int   | the machine word holding an element              |
// | T::bits                 | unsigned       | bits an element needs                            |
// | T::byte_width           | std::size_t    | bytes per element on the wire (little-endian)    |
// | T::max_int              | std::uint64_t  | largest magnitude `to_int()` can return          |
// | a + b, a - b, a * b, -a | T              | ring operations                                  |
// | T::zero(), T::one()     | T              | identities                                       |
// | T::from_uint(u)         | T              | u reduced into the domain                        |
// | T::from_int(s)          | T              | s reduced, negatives in the upper half           |
// | T::from_canonical(u)    | T              | u if it is a canonical value, else throws        |
// | T::from_rep(r)          | T              | unchecked, for kernels holding canonical words    |
// | a.rep(), a.to_uint()    | rep / uint64_t | the canonical value                              |
// | a.to_int()              | std::int64_t   | the centred (signed) value                       |
//
// T is trivially copyable and exactly as large as its rep_type, so a span of T is a span of
// words to the vectorised kernels. A Field additionally has `a.inverse()`.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE

template <class T>
concept Domain =
    std::regular<T> && std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T> &&
    std::unsigned_integral<typename T::rep_type> && sizeof(T) == sizeof(typename T::rep_type) &&
    requires(T a, T b, std::uint64_t u, std::int64_t s, typename T::rep_type r) {
      { T::bits } -> std::convertible_to<unsigned>;
      { T::byte_width } -> std::convertible_to<std::size_t>;
      { T::max_int } -> std::convertible_to<std::uint64_t>;
      { a + b } -> std::same_as<T>;
      { a - b } -> std::same_as<T>;
      { a * b } -> std::same_as<T>;
      { -a } -> std::same_as<T>;
      { T::zero() } -> std::same_as<T>;
      { T::one() } -> std::same_as<T>;
      { T::from_uint(u) } -> std::same_as<T>;
      { T::from_int(s) } -> std::same_as<T>;
      { T::from_canonical(u) } -> std::same_as<T>;
      { T::from_rep(r) } -> std::same_as<T>;
      { a.rep() } -> std::same_as<typename T::rep_type>;
      { a.to_uint() } -> std::same_as<std::uint64_t>;
      { a.to_int() } -> std::same_as<std::int64_t>;
    };

template <class T>
concept Field = Domain<T> && requires(T a) {
  { a.inverse() } -> std::same_as<T>;
};

EDGEMPC_END_NAMESPACE
