// SPDX-License-Identifier: Apache-2.0
// Positive and negative concept checks: what is and what is not a Domain, a Field, a batch type.
#include <catch2/catch.hpp>

#include <edgempc/core.hpp>

using namespace edgempc;

namespace {
struct NotADomain {
  int x;
};
// Has arithmetic but no conversions: not a Domain.
struct OnlyArithmetic {
  using rep_type = std::uint64_t;
  std::uint64_t v;
  [[maybe_unused]] friend OnlyArithmetic operator+(OnlyArithmetic a, OnlyArithmetic) { return a; }
  [[maybe_unused]] friend bool operator==(OnlyArithmetic, OnlyArithmetic) = default;
};
}  // namespace

TEST_CASE("the element types model the concepts they should, and only those", "[core]") {
  STATIC_REQUIRE(Domain<Mersenne61>);
  STATIC_REQUIRE(Field<Mersenne61>);
  STATIC_REQUIRE(Domain<Z2k<64>>);
  STATIC_REQUIRE(Domain<Z2k<32>>);
  STATIC_REQUIRE_FALSE(Field<Z2k<64>>);  // a ring: no inverse
  STATIC_REQUIRE_FALSE(Field<Z2k<32>>);
  STATIC_REQUIRE(BatchDomain<Mersenne61>);
  STATIC_REQUIRE(BatchDomain<Z2k<32>>);
  STATIC_REQUIRE(BatchDomain<Z2k<64>>);
  STATIC_REQUIRE_FALSE(Domain<int>);
  STATIC_REQUIRE_FALSE(Domain<std::uint64_t>);
  STATIC_REQUIRE_FALSE(Domain<NotADomain>);
  STATIC_REQUIRE_FALSE(Domain<OnlyArithmetic>);
  STATIC_REQUIRE(sizeof(Mersenne61) == 8);
  STATIC_REQUIRE(sizeof(Z2k<32>) == 4);
}
