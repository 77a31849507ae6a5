// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/core/sodium.hpp>
#include <edgempc/core/wire.hpp>
#include <edgempc/core/mersenne61.hpp>

#include <algorithm>
#include <array>
#include <limits>

TEST_CASE("libsodium helpers: init, random bytes, wiping", "[core]") {
  edgempc::ensure_sodium();
  edgempc::ensure_sodium();  // idempotent
  std::array<unsigned char, 64> a{}, b{};
  edgempc::random_bytes(a.data(), a.size());
  edgempc::random_bytes(b.data(), b.size());
  REQUIRE(a != b);
  REQUIRE(std::any_of(a.begin(), a.end(), [](unsigned char c) { return c != 0; }));
  edgempc::secure_wipe(a.data(), a.size());
  REQUIRE(std::all_of(a.begin(), a.end(), [](unsigned char c) { return c == 0; }));
}

TEST_CASE("wire::encoded_size refuses counts whose byte size overflows", "[core]") {
  using edgempc::Mersenne61;
  REQUIRE(edgempc::wire::encoded_size<Mersenne61>(3) == 24);
  try {
    (void)edgempc::wire::encoded_size<Mersenne61>(std::numeric_limits<std::size_t>::max() / 4);
    FAIL("overflowing size accepted");
  } catch (const edgempc::error& e) {
    REQUIRE(e.code() == edgempc::errc::out_of_range);
  }
}
