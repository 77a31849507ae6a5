// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/core.hpp>

#include "reference.hpp"

using namespace edgempc;

namespace {
template <class F>
void require_error(errc code, F&& f) {
  try {
    f();
    FAIL("no error");
  } catch (const error& e) {
    REQUIRE(e.code() == code);
  }
}
}  // namespace

TEST_CASE("wire encoding is fixed-width little-endian", "[core]") {
  const std::vector<Mersenne61> v = {Mersenne61::from_uint(0x0102030405060708ull & Mersenne61::modulus),
                                     Mersenne61::from_uint(1)};
  const auto bytes = wire::encode<Mersenne61>(v);
  REQUIRE(bytes.size() == 16);
  REQUIRE(bytes[0] == 0x08);
  REQUIRE(bytes[7] == 0x01);
  REQUIRE(bytes[8] == 0x01);
  const std::vector<Z2k<32>> w = {Z2k<32>::from_uint(0xa1b2c3d4u)};
  const auto wb = wire::encode<Z2k<32>>(w);
  REQUIRE(wb == std::vector<std::uint8_t>{0xd4, 0xc3, 0xb2, 0xa1});
}

TEMPLATE_TEST_CASE("wire round trip of random vectors", "[core]", Mersenne61, Z2k<64>, Z2k<32>) {
  using T = TestType;
  std::mt19937_64 rng(77);
  for (std::size_t n : {0u, 1u, 5u, 1000u}) {
    const auto v = test::random_elements<T>(rng, n);
    const auto bytes = wire::encode<T>(v);
    REQUIRE(bytes.size() == n * T::byte_width);
    REQUIRE(wire::decode<T>(bytes, n) == v);
    const auto counted = wire::encode_counted<T>(v);
    REQUIRE(counted.size() == 8 + n * T::byte_width);
    REQUIRE(wire::decode_counted<T>(counted, n) == v);
  }
}

TEMPLATE_TEST_CASE("wire decoding refuses short, over-long and oversized buffers", "[core]", Mersenne61, Z2k<64>,
                   Z2k<32>) {
  using T = TestType;
  std::mt19937_64 rng(78);
  const auto v = test::random_elements<T>(rng, 10);
  auto bytes = wire::encode<T>(v);
  std::vector<T> out(10, T::one());
  const auto untouched = out;

  auto short_buf = bytes;
  short_buf.pop_back();
  require_error(errc::malformed_message, [&] { wire::decode<T>(short_buf, out); });
  auto long_buf = bytes;
  long_buf.push_back(0);
  require_error(errc::malformed_message, [&] { wire::decode<T>(long_buf, out); });
  REQUIRE(out == untouched);  // nothing written on error
  require_error(errc::malformed_message, [&] { (void)wire::decode<T>(std::vector<std::uint8_t>{}, 1); });

  // Counted form: the announced count is checked before anything is allocated.
  auto counted = wire::encode_counted<T>(v);
  require_error(errc::malformed_message, [&] { (void)wire::decode_counted<T>(counted, 9); });
  std::vector<std::uint8_t> huge(8, 0xff);  // 2^64 - 1 elements announced, no payload
  require_error(errc::malformed_message, [&] { (void)wire::decode_counted<T>(huge, 1u << 20); });
  require_error(errc::malformed_message, [&] { (void)wire::decode_counted<T>(std::vector<std::uint8_t>(7), 10); });
  counted.pop_back();
  require_error(errc::malformed_message, [&] { (void)wire::decode_counted<T>(counted, 10); });

  std::vector<std::uint8_t> wrong_size(3);
  require_error(errc::size_mismatch, [&] { wire::encode<T>(v, wrong_size); });
}

TEST_CASE("wire decoding refuses non-canonical field elements", "[core]") {
  for (std::uint64_t bad : {Mersenne61::modulus, Mersenne61::modulus + 1, ~std::uint64_t{0}}) {
    std::vector<std::uint8_t> buf(16, 0);
    for (int i = 0; i < 8; ++i) buf[8 + i] = static_cast<std::uint8_t>(bad >> (8 * i));
    std::vector<Mersenne61> out(2, Mersenne61::one());
    require_error(errc::out_of_range, [&] { wire::decode<Mersenne61>(buf, out); });
    REQUIRE(out[0] == Mersenne61::one());
  }
  std::vector<std::uint8_t> ok(8, 0);
  for (int i = 0; i < 8; ++i) ok[i] = static_cast<std::uint8_t>((Mersenne61::modulus - 1) >> (8 * i));
  REQUIRE(wire::decode<Mersenne61>(ok, 1)[0].to_uint() == Mersenne61::modulus - 1);
}
