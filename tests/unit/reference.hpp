// SPDX-License-Identifier: Apache-2.0
// Plain reference arithmetic for the tests: unsigned __int128 and %, nothing clever. (On targets
// without __int128, such as 32-bit ARM, u128 is the library's two-word class, which
// core_int128_test checks against __int128 where both exist.)
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include <edgempc/core/mersenne61.hpp>
#include <edgempc/core/z2k.hpp>

namespace test {

using u128 = edgempc::detail::uint128_t;

template <class T>
constexpr u128 modulus_of() {
  if constexpr (std::is_same_v<T, edgempc::Mersenne61>) return edgempc::Mersenne61::modulus;
  else return u128{1} << T::bits;
}

template <class T>
struct Ref {
  static constexpr u128 m = modulus_of<T>();
  static std::uint64_t add(u128 a, u128 b) { return static_cast<std::uint64_t>((a + b) % m); }
  static std::uint64_t sub(u128 a, u128 b) { return static_cast<std::uint64_t>((a + m - b) % m); }
  static std::uint64_t mul(u128 a, u128 b) { return static_cast<std::uint64_t>((a * b) % m); }
  static std::uint64_t neg(u128 a) { return static_cast<std::uint64_t>((m - a) % m); }
};

/// Edge values of a domain, as canonical integers.
template <class T>
std::vector<std::uint64_t> edge_values() {
  const auto m = static_cast<std::uint64_t>(modulus_of<T>() - 1);  // largest element
  return {0, 1, 2, m, m - 1, m / 2, m / 2 + 1, 0xffffffffull & m, (0x100000000ull & m), 0x1fffffffull, 0x20000000ull};
}

/// Random elements from a fixed-seed engine, with the edge values mixed in at the front.
template <class T>
std::vector<T> random_elements(std::mt19937_64& rng, std::size_t n) {
  std::vector<T> v(n);
  const auto edges = edge_values<T>();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t raw = i < edges.size() ? edges[i] : rng();
    v[i] = T::from_uint(static_cast<std::uint64_t>(raw % modulus_of<T>()));
  }
  return v;
}

}  // namespace test
