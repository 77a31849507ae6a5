// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/core/mersenne61.hpp>

#include "reference.hpp"

using edgempc::Mersenne61;
using edgempc::errc;
using R = test::Ref<Mersenne61>;
constexpr std::uint64_t p = Mersenne61::modulus;

TEST_CASE("Mersenne61 operators match the __int128 reference", "[core]") {
  std::mt19937_64 rng(20261121);
  auto xs = test::random_elements<Mersenne61>(rng, 2000);
  auto ys = test::random_elements<Mersenne61>(rng, 2000);
  // Every edge value against every edge value, then random pairs.
  for (auto a : test::edge_values<Mersenne61>())
    for (auto b : test::edge_values<Mersenne61>()) {
      xs.push_back(Mersenne61::from_uint(a));
      ys.push_back(Mersenne61::from_uint(b));
    }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const auto a = xs[i], b = ys[i];
    REQUIRE((a + b).to_uint() == R::add(a.to_uint(), b.to_uint()));
    REQUIRE((a - b).to_uint() == R::sub(a.to_uint(), b.to_uint()));
    REQUIRE((a * b).to_uint() == R::mul(a.to_uint(), b.to_uint()));
    REQUIRE((-a).to_uint() == R::neg(a.to_uint()));
    auto c = a;
    c += b;
    c -= b;
    c *= b;
    REQUIRE(c == a * b);
  }
}

TEST_CASE("Mersenne61 edge cases of the reduction", "[core]") {
  const auto pm1 = Mersenne61::from_uint(p - 1), pm2 = Mersenne61::from_uint(p - 2);
  REQUIRE((pm1 + Mersenne61::one()).to_uint() == 0);
  REQUIRE((pm1 * pm1).to_uint() == 1);  // (-1)^2
  REQUIRE((pm1 * pm2).to_uint() == 2);  // (-1)(-2)
  REQUIRE((Mersenne61::zero() - Mersenne61::one()) == pm1);
  REQUIRE(-Mersenne61::zero() == Mersenne61::zero());
  REQUIRE(Mersenne61::from_uint(p).to_uint() == 0);
  REQUIRE(Mersenne61::from_uint(p + 5).to_uint() == 5);
  REQUIRE(Mersenne61::from_uint(~std::uint64_t{0}).to_uint() == static_cast<std::uint64_t>((~std::uint64_t{0}) % p));
}

TEST_CASE("Mersenne61 integer conversions follow the documented range rules", "[core]") {
  REQUIRE(Mersenne61::from_int(-1).to_uint() == p - 1);
  REQUIRE(Mersenne61::from_int(-1).to_int() == -1);
  REQUIRE(Mersenne61::from_int(INT64_MIN).to_uint() ==
          static_cast<std::uint64_t>((p - (std::uint64_t{1} << 63) % p) % p));
  REQUIRE(Mersenne61::from_int(INT64_MAX).to_uint() == static_cast<std::uint64_t>(INT64_MAX) % p);
  const auto max = static_cast<std::int64_t>(Mersenne61::max_int);
  REQUIRE(Mersenne61::from_int(max).to_int() == max);
  REQUIRE(Mersenne61::from_int(-max).to_int() == -max);
  REQUIRE(Mersenne61::from_int(max + 1).to_int() == -max);  // the upper half reads as negative
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    const auto v = static_cast<std::int64_t>(rng() % (2 * Mersenne61::max_int + 1)) - max;
    REQUIRE(Mersenne61::from_int(v).to_int() == v);
  }
  REQUIRE(Mersenne61::from_canonical(p - 1).to_uint() == p - 1);
  REQUIRE(Mersenne61::from_canonical(0).to_uint() == 0);
  for (std::uint64_t bad : {p, p + 1, ~std::uint64_t{0}}) {
    try {
      (void)Mersenne61::from_canonical(bad);
      FAIL("accepted a non-canonical value");
    } catch (const edgempc::error& e) {
      REQUIRE(e.code() == errc::out_of_range);
    }
  }
}

TEST_CASE("Mersenne61 inverse and pow", "[core]") {
  std::mt19937_64 rng(11);
  auto xs = test::random_elements<Mersenne61>(rng, 300);
  for (auto x : xs) {
    if (x == Mersenne61::zero()) continue;
    REQUIRE(x * x.inverse() == Mersenne61::one());
  }
  REQUIRE(Mersenne61::one().inverse() == Mersenne61::one());
  REQUIRE(Mersenne61::from_uint(2).inverse().to_uint() == (p + 1) / 2);
  REQUIRE(Mersenne61::from_uint(3).pow(0) == Mersenne61::one());
  REQUIRE(Mersenne61::from_uint(3).pow(5).to_uint() == 243);
  REQUIRE(Mersenne61::from_uint(12345).pow(p - 1) == Mersenne61::one());  // Fermat
  try {
    (void)Mersenne61::zero().inverse();
    FAIL("zero was inverted");
  } catch (const edgempc::error& e) {
    REQUIRE(e.code() == errc::invalid_argument);
  }
  static_assert(Mersenne61::from_uint(5).inverse() * Mersenne61::from_uint(5) == Mersenne61::one());
}
