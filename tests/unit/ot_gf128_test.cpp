// SPDX-License-Identifier: Apache-2.0
// GF(2^128) for the KOS check (ot/detail/gf128.hpp): every kernel against a bit-by-bit
// reference, on random inputs from a fixed seed and on the edge values.
#include <catch2/catch.hpp>

#include <edgempc/ot/detail/gf128.hpp>

#include <vector>

#include "protocol_harness.hpp"

using namespace edgempc;
namespace gf = edgempc::detail::gf128;

namespace {

bool bit(const Block& b, unsigned k) { return ((k < 64 ? b.lo >> k : b.hi >> (k - 64)) & 1) != 0; }

/// Shift-and-add with reduction by X^128 = X^7 + X^2 + X + 1 after every step.
Block reference_mul(Block a, const Block& b) {
  Block r{};
  for (unsigned k = 0; k < 128; ++k) {
    if (bit(b, k)) r ^= a;
    const bool carry = (a.hi >> 63) != 0;
    a.hi = (a.hi << 1) | (a.lo >> 63);
    a.lo <<= 1;
    if (carry) a.lo ^= 0x87;
  }
  return r;
}

/// The unreduced product, bit by bit.
gf::Wide reference_wide(const Block& a, const Block& b) {
  gf::Wide w;
  for (unsigned i = 0; i < 128; ++i)
    for (unsigned j = 0; j < 128; ++j)
      if (bit(a, i) && bit(b, j)) w.w[(i + j) / 64] ^= std::uint64_t{1} << ((i + j) % 64);
  return w;
}

std::vector<gf::Kernel> kernels() {
  std::vector<gf::Kernel> out{gf::Kernel::portable};
  if (gf::supported(gf::Kernel::pclmul)) out.push_back(gf::Kernel::pclmul);
  return out;
}

std::vector<Block> random_blocks(Prg& prg, std::size_t n) {
  std::vector<Block> v(n);
  for (auto& b : v) b = Block{prg.next_u64(), prg.next_u64()};
  return v;
}

}  // namespace

TEST_CASE("GF(2^128) multiply: every kernel equals the bitwise reference", "[ot]") {
  auto prg = test::seeded(150);
  auto a = random_blocks(prg, 300), b = random_blocks(prg, 300);
  const Block ones{~0ull, ~0ull}, one{1, 0}, top{0, 1ull << 63}, x64{0, 1};
  for (const Block& e : {Block{}, one, ones, top, x64})
    for (const Block& f : {Block{}, one, ones, top, x64, a[0]}) a.push_back(e), b.push_back(f);
  for (const auto k : kernels()) {
    CAPTURE(static_cast<int>(k));
    for (std::size_t i = 0; i < a.size(); ++i) {
      CAPTURE(i);
      gf::Wide w;
      gf::dot(std::span<const Block>(&a[i], 1), std::span<const Block>(&b[i], 1), w, k);
      REQUIRE(w == reference_wide(a[i], b[i]));
      REQUIRE(gf::reduce(w) == reference_mul(a[i], b[i]));
      REQUIRE(gf::mul(a[i], b[i], k) == gf::mul(b[i], a[i], k));
    }
  }
  CHECK(gf::mul(one, a[3]) == a[3]);
  CHECK(gf::mul(top, Block{2, 0}) == Block{0x87, 0});  // X^127 * X = X^128 = X^7 + X^2 + X + 1
}

TEST_CASE("GF(2^128) dot: sums of products, kernels agree, reduce is linear", "[ot]") {
  auto prg = test::seeded(151);
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{1000}}) {
    CAPTURE(n);
    const auto a = random_blocks(prg, n), b = random_blocks(prg, n);
    Block expected{};
    for (std::size_t i = 0; i < n; ++i) expected ^= reference_mul(a[i], b[i]);
    for (const auto k : kernels()) {
      gf::Wide w;
      gf::dot(a, b, w, k);
      CHECK(gf::reduce(w) == expected);
    }
  }
  std::vector<Block> a(3), b(2);
  gf::Wide w;
  CHECK_THROWS_MATCHES(gf::dot(a, b, w), error, test::has_code(errc::size_mismatch));
  if (!gf::supported(gf::Kernel::pclmul))
    CHECK_THROWS_MATCHES(gf::dot(b, b, w, gf::Kernel::pclmul), error, test::has_code(errc::unsupported));
}

TEST_CASE("GF(2^128) portable clmul64 equals the bitwise product", "[ot]") {
  auto prg = test::seeded(152);
  for (int i = 0; i < 2000; ++i) {
    const std::uint64_t x = i < 4 ? ~0ull >> i : prg.next_u64(), y = i < 4 ? ~0ull : prg.next_u64();
    std::uint64_t lo = 0, hi = 0;
    for (unsigned k = 0; k < 64; ++k)
      if ((y >> k) & 1) lo ^= x << k, hi ^= k == 0 ? 0 : x >> (64 - k);
    const auto p = gf::clmul64(x, y);
    REQUIRE(p.lo == lo);
    REQUIRE(p.hi == hi);
  }
}
