// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/core.hpp>

#include <cmath>
#include <limits>
#include <random>

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

TEMPLATE_TEST_CASE("fixed point round-trips within half a step", "[core]", Mersenne61, Z2k<64>, Z2k<32>) {
  using T = TestType;
  const unsigned f = T::bits > 32 ? 20 : 12;
  const FixedPoint<T> fp(f);
  REQUIRE(fp.frac_bits() == f);
  REQUIRE(fp.resolution() == std::ldexp(1.0, -static_cast<int>(f)));
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> dist(-1000.0, 1000.0);
  for (int i = 0; i < 5000; ++i) {
    const double x = dist(rng);
    REQUIRE(std::fabs(fp.decode(fp.encode(x)) - x) <= fp.resolution() / 2);
  }
  REQUIRE(fp.decode(fp.encode(0.0)) == 0.0);
  REQUIRE(fp.decode(fp.encode(-1.5)) == -1.5);
  REQUIRE(fp.encode(-1.0) == -fp.encode(1.0));                  // negatives in the upper half
  REQUIRE(fp.encode(-1.0).to_uint() > T::max_int);
  REQUIRE(fp.encode(fp.resolution() / 2).to_int() == 1);        // ties away from zero
  REQUIRE(fp.encode(-fp.resolution() / 2).to_int() == -1);
}

TEMPLATE_TEST_CASE("fixed point refuses what does not fit", "[core]", Mersenne61, Z2k<64>, Z2k<32>) {
  using T = TestType;
  const FixedPoint<T> fp(8);
  const double max = fp.max_value();
  REQUIRE(fp.decode(fp.encode(-std::floor(max / 2))) == -std::floor(max / 2));
  require_error(errc::out_of_range, [&] { (void)fp.encode(max * 2); });
  require_error(errc::out_of_range, [&] { (void)fp.encode(-max * 2); });
  require_error(errc::out_of_range, [&] { (void)fp.encode(std::numeric_limits<double>::infinity()); });
  require_error(errc::out_of_range, [&] { (void)fp.encode(1e300); });
  require_error(errc::invalid_argument, [&] { (void)fp.encode(std::numeric_limits<double>::quiet_NaN()); });
  require_error(errc::invalid_argument, [&] { FixedPoint<T> bad(T::bits - 1); });
  require_error(errc::invalid_argument, [&] { FixedPoint<T> bad(200); });
  // Exactly at the edge of the integer range.
  const FixedPoint<T> integer(0);
  const auto m = static_cast<double>(T::max_int);
  if constexpr (T::bits <= 53) {  // exactly representable as a double
    REQUIRE(integer.encode(m).to_uint() == T::max_int);
    require_error(errc::out_of_range, [&] { (void)integer.encode(m + 1); });
  } else {
    require_error(errc::out_of_range, [&] { (void)integer.encode(m * 2); });
  }
}

TEST_CASE("fixed point sums stay exact up to max_summands", "[core]") {
  const FixedPoint<Mersenne61> fp(16);
  const std::uint64_t n = fp.max_summands(100.0);
  REQUIRE(n == Mersenne61::max_int / (100ull << 16));
  // n copies of the largest value still decode exactly; one more wraps into the negatives.
  const auto big = fp.encode(100.0);
  const auto total = big * Mersenne61::from_uint(n);
  REQUIRE(fp.decode(total) == 100.0 * static_cast<double>(n));
  REQUIRE(fp.decode(total + big) < 0);
  REQUIRE(fp.max_summands(0.0) == std::numeric_limits<std::uint64_t>::max());

  const FixedPoint<Z2k<32>> small(8);
  REQUIRE(small.max_summands(100.0) == Z2k<32>::max_int / (100u << 8));
}

TEST_CASE("fixed point batch encode and decode", "[core]") {
  const FixedPoint<Mersenne61> fp(16);
  const std::vector<double> xs = {18.3, -4.25, 0.0, 1e6, -1e6};
  std::vector<Mersenne61> enc(xs.size());
  std::vector<double> dec(xs.size());
  fp.encode(xs, enc);
  fp.decode(enc, dec);
  for (std::size_t i = 0; i < xs.size(); ++i) REQUIRE(std::fabs(dec[i] - xs[i]) <= fp.resolution() / 2);
  std::vector<Mersenne61> short_out(2);
  require_error(errc::size_mismatch, [&] { fp.encode(xs, short_out); });
  require_error(errc::size_mismatch, [&] { fp.decode(short_out, dec); });
  // Shares of encoded values add up to the encoded sum: the property the example relies on.
  REQUIRE(fp.decode(batch::sum<Mersenne61>(enc)) == Approx(18.3 - 4.25).margin(fp.resolution() * 3));
}
