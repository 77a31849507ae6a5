// SPDX-License-Identifier: Apache-2.0
// The building blocks of the OT extension: BitVector, the bit-matrix transpose (every kernel
// against a bit-by-bit reference) and the correlation-robust hash (each instantiation).
#include <catch2/catch.hpp>

#include <edgempc/ot.hpp>

#include <array>
#include <bit>
#include <memory>
#include <random>
#include <set>
#include <utility>

#include "protocol_harness.hpp"

using namespace edgempc;

namespace {

std::vector<std::uint8_t> random_bytes_of(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(rng());
  return v;
}

/// out[c] bit r = row r bit c, one bit at a time.
std::vector<Block> naive_transpose(const std::vector<std::uint8_t>& rows, std::size_t row_bytes) {
  std::vector<Block> out(8 * row_bytes);
  for (std::size_t r = 0; r < 128; ++r)
    for (std::size_t c = 0; c < 8 * row_bytes; ++c) {
      const std::uint64_t bit = (rows[r * row_bytes + c / 8] >> (c % 8)) & 1;
      (r < 64 ? out[c].lo : out[c].hi) |= bit << (r % 64);
    }
  return out;
}

std::vector<TransposeKernel> kernels() {
  std::vector<TransposeKernel> out;
  for (auto k : {TransposeKernel::portable, TransposeKernel::sse2, TransposeKernel::avx2, TransposeKernel::avx512})
    if (transpose_kernel_supported(k)) out.push_back(k);
  return out;
}

std::vector<CrHashAlgorithm> hashes() {
  std::vector<CrHashAlgorithm> out{CrHashAlgorithm::blake2b};
  if (cr_hash_supported(CrHashAlgorithm::fixed_key_aes)) out.push_back(CrHashAlgorithm::fixed_key_aes);
  return out;
}

std::vector<Block> random_blocks(std::mt19937_64& rng, std::size_t n) {
  std::vector<Block> v(n);
  for (auto& b : v) b = {rng(), rng()};
  return v;
}

}  // namespace

TEST_CASE("BitVector: bits, words, random and wiping-safe copies", "[ot]") {
  BitVector v(130);
  CHECK(v.size() == 130);
  CHECK(v.words().size() == 3);
  v.set(0, true), v.set(64, true), v.set(129, true), v.set(64, false);
  CHECK(v.get(0));
  CHECK_FALSE(v.get(64));
  CHECK(v.get(129));
  CHECK_THROWS_MATCHES(v.get(130), error, test::has_code(errc::out_of_range));
  const std::uint64_t words[2] = {~0ull, ~0ull};
  const auto w = BitVector::from_words(words, 70);
  CHECK(w.words()[1] == 0x3f);  // bits past size() are zero
  CHECK_THROWS_MATCHES(BitVector::from_words(words, 129), error, test::has_code(errc::size_mismatch));
  auto prg = test::seeded(1);
  const auto r = BitVector::random(prg, 1000);
  std::size_t ones = 0;
  for (std::size_t i = 0; i < r.size(); ++i) ones += r.get(i);
  CHECK(ones > 400);
  CHECK(ones < 600);
  CHECK((r.words().back() >> (1000 % 64)) == 0);
  const BitVector copy = r;
  CHECK(copy == r);
}

TEST_CASE("transpose_128: every kernel equals the bit-by-bit reference", "[ot]") {
  std::mt19937_64 rng(5);
  const auto ks = kernels();
  CHECK(ks.front() == TransposeKernel::portable);
#if EDGEMPC_HAVE_X86_BACKENDS
  CHECK(transpose_kernel_supported(TransposeKernel::sse2));
#else
  CHECK(ks.size() == 1);
#endif
  for (const std::size_t row_bytes : {16u, 32u, 48u, 80u, 1024u}) {
    const auto rows = random_bytes_of(rng, 128 * row_bytes);
    const auto want = naive_transpose(rows, row_bytes);
    for (const auto k : ks) {
      CAPTURE(row_bytes, static_cast<int>(k));
      std::vector<Block> got(8 * row_bytes);
      transpose_128(rows, row_bytes, got, k);
      REQUIRE(got == want);
    }
  }
  // One set bit lands in exactly one place.
  for (const auto k : ks) {
    for (const auto& [r, c] : {std::pair{0, 0}, {63, 5}, {64, 127}, {127, 200}, {100, 255}}) {
      std::vector<std::uint8_t> rows(128 * 32);
      rows[static_cast<std::size_t>(r) * 32 + static_cast<std::size_t>(c) / 8] =
          static_cast<std::uint8_t>(1u << (c % 8));
      std::vector<Block> got(256);
      transpose_128(rows, 32, got, k);
      for (std::size_t i = 0; i < got.size(); ++i) {
        const Block want_block = static_cast<int>(i) != c ? Block{}
                                 : r < 64                 ? Block{1ull << r, 0}
                                                          : Block{0, 1ull << (r - 64)};
        REQUIRE(got[i] == want_block);
      }
    }
  }
}

TEST_CASE("transpose_128: bad shapes are refused", "[ot]") {
  std::vector<std::uint8_t> rows(128 * 8);
  std::vector<Block> out(64);
  CHECK_THROWS_MATCHES(transpose_128(rows, 8, out), error, test::has_code(errc::invalid_argument));
  rows.resize(128 * 16);
  CHECK_THROWS_MATCHES(transpose_128(rows, 16, out), error, test::has_code(errc::size_mismatch));
#if !EDGEMPC_HAVE_X86_BACKENDS
  out.resize(128);
  CHECK_THROWS_MATCHES(transpose_128(rows, 16, out, TransposeKernel::avx2), error, test::has_code(errc::unsupported));
#endif
}

TEST_CASE("cr_hash: each algorithm is deterministic, tweaked, and composes over batches", "[ot]") {
  std::mt19937_64 rng(7);
  const auto in = random_blocks(rng, 1001);  // not a multiple of 8 or 16: the tails run too
  for (const auto alg : hashes()) {
    CAPTURE(static_cast<int>(alg));
    std::vector<Block> a(in.size()), b(in.size());
    cr_hash(alg, in, 42, a);
    cr_hash(alg, in, 42, b);
    CHECK(a == b);  // deterministic
    // In place, and split into two calls with the right tweaks, give the same.
    std::vector<Block> c = in;
    cr_hash(alg, std::span<const Block>(c).first(500), 42, std::span<Block>(c).first(500));
    cr_hash(alg, std::span<const Block>(c).subspan(500), 542, std::span<Block>(c).subspan(500));
    CHECK(c == a);
    // Another tweak, or a flipped input bit, changes every output.
    cr_hash(alg, in, 43, b);
    for (std::size_t i = 0; i < in.size(); ++i) CHECK(a[i] != b[i]);
    std::vector<Block> flipped = in;
    for (auto& x : flipped) x.hi ^= 1ull << 63;
    cr_hash(alg, flipped, 42, b);
    for (std::size_t i = 0; i < in.size(); ++i) CHECK(a[i] != b[i]);
    // The delta form is the hash of in ^ delta.
    const Block delta{rng(), rng()};
    std::vector<Block> xored = in;
    for (auto& x : xored) x ^= delta;
    cr_hash(alg, xored, 9, b);
    cr_hash(alg, in, delta, 9, c);
    CHECK(b == c);
    // Outputs look uniform: no collisions, about half the bits set.
    std::set<std::pair<std::uint64_t, std::uint64_t>> seen;
    std::size_t ones = 0;
    for (const auto& x : a) seen.insert({x.lo, x.hi}), ones += static_cast<std::size_t>(std::popcount(x.lo) + std::popcount(x.hi));
    CHECK(seen.size() == a.size());
    const double mean = static_cast<double>(ones) / static_cast<double>(a.size());
    CHECK(mean > 62.0);
    CHECK(mean < 66.0);
    // Equal inputs under distinct tweaks differ (the tweak is what separates OT instances).
    std::vector<Block> same(16, Block{1, 2}), hs(16);
    cr_hash(alg, same, 0, hs);
    for (std::size_t i = 1; i < hs.size(); ++i) CHECK(hs[i] != hs[0]);
  }
  CHECK_THROWS_MATCHES(cr_hash(CrHashAlgorithm::blake2b, in, 0, std::span<Block>()), error,
                       test::has_code(errc::size_mismatch));
}

TEST_CASE("cr_hash: fixed-key AES is TCCR(i, x) = pi(pi(x) ^ i) ^ pi(x)", "[ot]") {
  // Runs on every machine: without AES-NI on the portable bitsliced AES.
  REQUIRE(cr_hash_supported(CrHashAlgorithm::fixed_key_aes));
  CHECK(default_cr_hash() == CrHashAlgorithm::fixed_key_aes);  // on every machine: parties on x86 and ARM agree
  // pi(x) independently: AES-128 under the fixed key, by the portable AES that reproduces
  // FIPS-197 (gc_garble_aes_test.cpp), one block at a time.
  namespace aes = detail::aes_portable;
  aes::RoundKeys rk;
  aes::expand_key(detail::tccr::fixed_key, rk);
  auto sliced = std::make_unique<aes::SlicedKeys>();
  aes::slice_keys(rk, *sliced);
  const auto pi = [&](Block x) {
    aes::encrypt_blocks(*sliced, &x, &x, 1);
    return x;
  };
  std::mt19937_64 rng(11);
  const auto in = random_blocks(rng, 37);
  std::vector<Block> got(in.size());
  cr_hash(CrHashAlgorithm::fixed_key_aes, in, 1000, got);
  for (std::size_t i = 0; i < in.size(); ++i) {
    const Block y = pi(in[i]);
    REQUIRE(got[i] == (pi(y ^ Block{1000 + i, 0}) ^ y));
  }
#if EDGEMPC_HAVE_X86_BACKENDS
  if (detail::aesni::supported()) {
    // And by AES-NI's counter mode: the first block of AES-128-CTR with IV = x is pi(x).
    Prg::Seed seed{};
    for (std::size_t i = 0; i < 16; ++i) seed[i] = detail::tccr::fixed_key[i];
    in[0].to_bytes(std::span<std::uint8_t, 16>(seed.data() + 16, 16));
    Prg prg(seed, PrgAlgorithm::aes128_ctr);
    std::array<std::uint8_t, 16> b{};
    prg.fill(b);
    CHECK(Block::from_bytes(b) == pi(in[0]));
  }
#endif
  // The portable hash is another function (parties must agree on one, which setup() checks).
  std::vector<Block> blake(in.size());
  cr_hash(CrHashAlgorithm::blake2b, in, 1000, blake);
  CHECK(blake != got);
}

TEST_CASE("TCCR: the portable back-end equals AES-NI and VAES on random inputs", "[ot]") {
  using detail::fixed_key_aes::Backend;
  const auto backends = detail::fixed_key_aes::available_backends();
  REQUIRE(backends.front() == Backend::portable);
  if (backends.size() == 1)
    WARN("SKIPPED: no AES instructions (AES-NI, VAES, ARMv8 AES) on this CPU or build: the portable TCCR has "
         "nothing to be compared with");
  std::mt19937_64 rng(2020);  // a fixed seed: the same inputs on every run
  // Sizes around the back-ends' batches (8, 16, 64, 128) and the 256-block chunk.
  for (const std::size_t n : {1, 3, 8, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000}) {
    const auto in = random_blocks(rng, n);
    const Block delta{rng(), rng()};
    const std::uint64_t index = n == 1000 ? ~std::uint64_t{0} - 500 : rng();  // one that wraps
    std::vector<Block> want(n);
    detail::tccr::tccr(Backend::portable, in.data(), delta, index, want.data(), n);
    for (const auto b : backends) {
      CAPTURE(n, detail::fixed_key_aes::to_string(b));
      std::vector<Block> got(n);
      detail::tccr::tccr(b, in.data(), delta, index, got.data(), n);
      CHECK(got == want);
      got = in;
      detail::tccr::tccr(b, got.data(), delta, index, got.data(), n);  // in place
      CHECK(got == want);
    }
    // cr_hash runs the best back-end: the same outputs.
    std::vector<Block> via_cr_hash(n);
    cr_hash(CrHashAlgorithm::fixed_key_aes, in, delta, index, via_cr_hash);
    CHECK(via_cr_hash == want);
  }
}
