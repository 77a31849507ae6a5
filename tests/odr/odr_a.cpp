// SPDX-License-Identifier: Apache-2.0
// ODR test, first translation unit: the whole library is included here and in odr_b.cpp,
// and the two objects must link into one program without duplicate or mismatched symbols.
#include <edgempc/edgempc.hpp>

#include <catch2/catch.hpp>

#include "odr.hpp"

int odr_b_version();
OdrProbe odr_b_probe();

TEST_CASE("two translation units include everything", "[core]") {
  constexpr int here =
      EDGEMPC_VERSION_MAJOR * 10000 + EDGEMPC_VERSION_MINOR * 100 + EDGEMPC_VERSION_PATCH;
  REQUIRE(odr_b_version() == here);
  const OdrProbe a = odr_probe(), b = odr_b_probe();
  REQUIRE(a.dot == b.dot);
  REQUIRE(a.first_random == b.first_random);
  REQUIRE(a.backend_static == b.backend_static);
  REQUIRE(a.category == b.category);
}
