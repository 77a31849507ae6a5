// SPDX-License-Identifier: Apache-2.0
// core/detail/int128.hpp: the portable 64x64->128 multiply and the two-word 128-bit integers,
// against unsigned __int128 where the compiler has it (x86-64, aarch64) and against a bit-serial
// reference and algebraic identities everywhere (so 32-bit ARM checks them too).
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include <edgempc/core/detail/int128.hpp>
#include <edgempc/core/mersenne61.hpp>

namespace {

using edgempc::detail::Int128Words;
using edgempc::detail::U64Pair;
using edgempc::detail::mul_64x64_128;
using edgempc::detail::mul_64x64_128_portable;

constexpr std::uint64_t all_ones = ~std::uint64_t{0};

// The edges of the 32-bit halves and of Mersenne-61, then random words from a fixed seed.
std::vector<std::uint64_t> words(std::size_t random_count) {
  std::vector<std::uint64_t> w = {0,           1,           2,          3,
                                  0xffffffffu, 0x100000000u, 0x100000001u, 0xfffffffeffffffffu,
                                  (std::uint64_t{1} << 61) - 1, std::uint64_t{1} << 61, std::uint64_t{1} << 63,
                                  (std::uint64_t{1} << 63) - 1, all_ones - 1, all_ones};
  std::mt19937_64 rng(20261201);
  for (std::size_t i = 0; i < random_count; ++i) {
    // Some with short halves, so carries in and out of the middle column are all reached.
    const std::uint64_t r = rng();
    w.push_back(i % 4 == 0 ? r >> (r % 64) : r);
  }
  return w;
}

/// Shift-and-add on two words: slow and independent of both implementations under test.
U64Pair mul_bit_serial(std::uint64_t a, std::uint64_t b) {
  U64Pair acc;
  for (unsigned i = 0; i < 64; ++i) {
    if (((b >> i) & 1) == 0) continue;
    const std::uint64_t lo = i == 0 ? a : a << i, hi = i == 0 ? 0 : a >> (64 - i);
    const std::uint64_t sum = acc.lo + lo;
    acc.hi += hi + (sum < acc.lo ? 1 : 0);
    acc.lo = sum;
  }
  return acc;
}

static_assert(mul_64x64_128_portable(all_ones, all_ones) == U64Pair{1, all_ones - 1});
static_assert(mul_64x64_128_portable(0, all_ones) == U64Pair{0, 0});
static_assert(mul_64x64_128_portable(std::uint64_t{1} << 32, std::uint64_t{1} << 32) == U64Pair{0, 1});
static_assert(mul_64x64_128(all_ones, 2) == U64Pair{all_ones - 1, 1});

}  // namespace

TEST_CASE("portable 64x64->128 multiply matches unsigned __int128 and a bit-serial reference", "[core]") {
  const auto w = words(600);
  std::size_t checked = 0;
  for (const auto a : w)
    for (const auto b : w) {
      const U64Pair got = mul_64x64_128_portable(a, b);
      const U64Pair slow = mul_bit_serial(a, b);
      REQUIRE(got.lo == slow.lo);
      REQUIRE(got.hi == slow.hi);
      const U64Pair chosen = mul_64x64_128(a, b);  // __int128 where the compiler has it
      REQUIRE(chosen.lo == got.lo);
      REQUIRE(chosen.hi == got.hi);
#if defined(__SIZEOF_INT128__)
      __extension__ using u128 = unsigned __int128;
      const u128 want = static_cast<u128>(a) * b;
      REQUIRE(got.lo == static_cast<std::uint64_t>(want));
      REQUIRE(got.hi == static_cast<std::uint64_t>(want >> 64));
#endif
      ++checked;
    }
  CHECK(checked == w.size() * w.size());
}

TEST_CASE("Mersenne-61 reduction of the portable product equals M61Ops::mul", "[core]") {
  using Ops = edgempc::detail::M61Ops;
  std::vector<std::uint64_t> elements;
  for (const auto x : words(3000)) elements.push_back(Ops::reduce(x));
  for (std::size_t i = 0; i + 1 < elements.size(); ++i) {
    const auto a = elements[i], b = elements[elements.size() - 1 - i];
    REQUIRE(Ops::reduce_product(mul_64x64_128_portable(a, b)) == Ops::mul(a, b));
  }
  const std::uint64_t pm1 = Ops::modulus - 1;
  CHECK(Ops::reduce_product(mul_64x64_128_portable(pm1, pm1)) == 1);  // (-1)^2
}

namespace {

template <bool Signed>
std::vector<Int128Words<Signed>> wide_values() {
  using W = Int128Words<Signed>;
  std::vector<W> v;
  const auto w = words(60);
  for (std::size_t i = 0; i < w.size(); ++i) {
    v.push_back(W::from_words(w[i], w[w.size() - 1 - i]));
    v.push_back(W::from_words(0, w[i]));             // small positive
    v.push_back(W::from_words(all_ones, w[i]));      // small negative when Signed
    v.push_back(W::from_words(w[i] >> 40, w[i]));    // a little above 2^64
  }
  v.push_back(W::from_words(std::uint64_t{1} << 63, 0));  // INT128_MIN when Signed
  v.push_back(W::from_words((std::uint64_t{1} << 63) - 1, all_ones));
  return v;
}

/// Identities that hold for the built-ins, checked on the class itself (every target).
template <bool Signed>
void check_identities() {
  using W = Int128Words<Signed>;
  const auto v = wide_values<Signed>();
  for (const auto& a : v)
    for (const auto& b : v) {
      REQUIRE((a + b) - b == a);
      REQUIRE(a - b == -(b - a));
      REQUIRE(a * b == b * a);
      REQUIRE((a ^ b) == ((a | b) & ~(a & b)));
      if (b == W{0}) continue;
      if (Signed && a == W::from_words(std::uint64_t{1} << 63, 0) && b == W{-1}) continue;  // overflows
      const W q = a / b, r = a % b;
      REQUIRE(q * b + r == a);
      // |r| < |b|, and r has a's sign (or is 0).
      const W abs_r = Signed && r < W{0} ? -r : r, abs_b = Signed && b < W{0} ? -b : b;
      if constexpr (Signed) {
        if (abs_b != W::from_words(std::uint64_t{1} << 63, 0)) {
          REQUIRE(abs_r < abs_b);
        }
        REQUIRE((r == W{0} || (r < W{0}) == (a < W{0})));
      } else {
        REQUIRE(abs_r < abs_b);
      }
    }
  // Small values against 64-bit arithmetic.
  const W seven = 7, minus_three = -3;
  CHECK(static_cast<std::int64_t>(seven * minus_three) == -21);
  CHECK(static_cast<std::int64_t>(seven / W{2}) == 3);
  CHECK(W{1} << 64 == W::from_words(1, 0));
  CHECK((W::from_words(1, 0) >> 1) == W::from_words(0, std::uint64_t{1} << 63));
  CHECK(static_cast<double>(W::from_words(1, 0)) == 18446744073709551616.0);
  if constexpr (Signed) {
    CHECK(static_cast<std::int64_t>(minus_three / W{2}) == -1);  // toward zero
    CHECK(static_cast<std::int64_t>(minus_three % W{2}) == -1);
    CHECK(W{-1} < W{0});
    CHECK((W{-8} >> 2) == W{-2});
    CHECK(static_cast<double>(W{-5}) == -5.0);
  } else {
    CHECK(W{0} < W{all_ones});
  }
}

#if defined(__SIZEOF_INT128__)
/// Every operator against the built-in of the same signedness.
template <bool Signed>
void check_against_builtin() {
  using W = Int128Words<Signed>;
  __extension__ using U = unsigned __int128;
  __extension__ using B = std::conditional_t<Signed, __int128, unsigned __int128>;
  const auto to_b = [](W x) { return static_cast<B>((static_cast<U>(x.high()) << 64) | x.low()); };
  const auto same = [](W x, B y) { return x.low() == static_cast<std::uint64_t>(y) && x.high() == static_cast<std::uint64_t>(static_cast<U>(y) >> 64); };
  const auto v = wide_values<Signed>();
  for (const auto& a : v) {
    const B ba = to_b(a);
    REQUIRE(same(-a, static_cast<B>(-static_cast<U>(ba))));
    REQUIRE(same(~a, ~ba));
    for (const int n : {0, 1, 3, 31, 32, 33, 61, 63, 64, 65, 96, 127}) {
      REQUIRE(same(a << n, static_cast<B>(static_cast<U>(ba) << n)));
      REQUIRE(same(a >> n, ba >> n));  // arithmetic for signed, as GCC and clang define it
    }
    REQUIRE(static_cast<std::int64_t>(a) == static_cast<std::int64_t>(ba));
    REQUIRE(static_cast<bool>(a) == static_cast<bool>(ba));
    REQUIRE(static_cast<double>(a) == Approx(static_cast<double>(ba)));
    for (const auto& b : v) {
      const B bb = to_b(b);
      REQUIRE(same(a + b, static_cast<B>(static_cast<U>(ba) + static_cast<U>(bb))));
      REQUIRE(same(a - b, static_cast<B>(static_cast<U>(ba) - static_cast<U>(bb))));
      REQUIRE(same(a * b, static_cast<B>(static_cast<U>(ba) * static_cast<U>(bb))));
      REQUIRE(same(a & b, ba & bb));
      REQUIRE(same(a | b, ba | bb));
      REQUIRE((a == b) == (ba == bb));
      REQUIRE((a < b) == (ba < bb));
      REQUIRE((a >= b) == (ba >= bb));
      if (bb == 0) continue;
      if constexpr (Signed) {
        if (bb == -1 && static_cast<U>(ba) == static_cast<U>(1) << 127) continue;  // overflow: UB for the built-in
      }
      REQUIRE(same(a / b, ba / bb));
      REQUIRE(same(a % b, ba % bb));
    }
  }
  // From every integer type, as the built-in converts.
  REQUIRE(same(W{std::int8_t{-5}}, static_cast<B>(std::int8_t{-5})));
  REQUIRE(same(W{std::int64_t{-5}}, static_cast<B>(std::int64_t{-5})));
  REQUIRE(same(W{std::uint32_t{0xfffffff0u}}, static_cast<B>(std::uint32_t{0xfffffff0u})));
  REQUIRE(same(W{all_ones}, static_cast<B>(all_ones)));
}
#endif

}  // namespace

TEST_CASE("two-word 128-bit integers keep the built-ins' identities", "[core]") {
  check_identities<true>();
  check_identities<false>();
}

#if defined(__SIZEOF_INT128__)
TEST_CASE("two-word 128-bit integers match __int128 and unsigned __int128", "[core]") {
  check_against_builtin<true>();
  check_against_builtin<false>();
}
#endif
