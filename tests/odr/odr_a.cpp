// SPDX-License-Identifier: Apache-2.0
// ODR test, first translation unit: the whole library is included here and in odr_b.cpp,
// and the two objects must link into one program without duplicate or mismatched symbols.
#include <edgempc/edgempc.hpp>

#include <catch2/catch.hpp>

int odr_b_version();

TEST_CASE("two translation units include everything", "[core]") {
  constexpr int here =
      EDGEMPC_VERSION_MAJOR * 10000 + EDGEMPC_VERSION_MINOR * 100 + EDGEMPC_VERSION_PATCH;
  REQUIRE(odr_b_version() == here);
}
