// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/core/z2k.hpp>

#include "reference.hpp"

using edgempc::Z2k;

TEMPLATE_TEST_CASE("Z2k operators match the __int128 reference", "[core]", Z2k<32>, Z2k<64>) {
  using R = test::Ref<TestType>;
  std::mt19937_64 rng(99);
  const auto xs = test::random_elements<TestType>(rng, 3000);
  const auto ys = test::random_elements<TestType>(rng, 3000);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const auto a = xs[i], b = ys[(i * 7) % ys.size()];
    REQUIRE((a + b).to_uint() == R::add(a.to_uint(), b.to_uint()));
    REQUIRE((a - b).to_uint() == R::sub(a.to_uint(), b.to_uint()));
    REQUIRE((a * b).to_uint() == R::mul(a.to_uint(), b.to_uint()));
    REQUIRE((-a).to_uint() == R::neg(a.to_uint()));
  }
}

TEST_CASE("Z2k integer conversions follow the documented range rules", "[core]") {
  REQUIRE(Z2k<32>::from_uint(0x1'2345'6789ull).to_uint() == 0x2345'6789u);  // low 32 bits
  REQUIRE(Z2k<32>::from_int(-1).to_uint() == 0xffff'ffffu);
  REQUIRE(Z2k<32>::from_int(-1).to_int() == -1);
  REQUIRE(Z2k<32>::from_uint(0x8000'0000u).to_int() == INT32_MIN);
  REQUIRE(Z2k<64>::from_int(INT64_MIN).to_int() == INT64_MIN);
  REQUIRE(Z2k<64>::from_uint(~0ull).to_int() == -1);
  REQUIRE(Z2k<64>::from_canonical(~0ull).to_uint() == ~0ull);
  REQUIRE(Z2k<32>::from_canonical(0xffff'ffffu).to_uint() == 0xffff'ffffu);
  try {
    (void)Z2k<32>::from_canonical(0x1'0000'0000ull);
    FAIL("accepted a value above 2^32");
  } catch (const edgempc::error& e) {
    REQUIRE(e.code() == edgempc::errc::out_of_range);
  }
  REQUIRE(Z2k<64>::max_int == static_cast<std::uint64_t>(INT64_MAX));
  REQUIRE(Z2k<32>::max_int == static_cast<std::uint64_t>(INT32_MAX));
  REQUIRE(Z2k<64>::zero() - Z2k<64>::one() == Z2k<64>::from_int(-1));
}
