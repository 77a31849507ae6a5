// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/core/random.hpp>

#include <algorithm>
#include <map>

using namespace edgempc;

namespace {

std::string hex(std::span<const std::uint8_t> b) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (auto c : b) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

Prg::Seed counting_seed() {
  Prg::Seed s;
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(i * 17 + 3);
  return s;
}

std::vector<PrgAlgorithm> runnable_algorithms() {
  std::vector<PrgAlgorithm> out{PrgAlgorithm::chacha20};
  if (prg_algorithm_supported(PrgAlgorithm::aes128_ctr)) out.push_back(PrgAlgorithm::aes128_ctr);
  return out;
}

}  // namespace

TEST_CASE("ChaCha20 PRG reproduces the published all-zero test vector", "[core]") {
  // ChaCha20, 256-bit zero key, zero 64-bit nonce, block 0 (draft-agl-tls-chacha20poly1305,
  // section 7, test vector 1).
  Prg prg(Prg::Seed{}, PrgAlgorithm::chacha20);
  std::vector<std::uint8_t> out(64);
  prg.fill(out);
  REQUIRE(hex(out) ==
          "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
          "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586");
}

TEST_CASE("AES-CTR PRG reproduces FIPS-197 Appendix C.1", "[core]") {
  if (!prg_algorithm_supported(PrgAlgorithm::aes128_ctr)) {
    try {
      Prg prg(Prg::Seed{}, PrgAlgorithm::aes128_ctr);
      FAIL("AES-CTR constructed without AES-NI");
    } catch (const error& e) {
      REQUIRE(e.code() == errc::unsupported);
    }
    return;
  }
  // Key 000102..0f; the first counter block is the IV, here the FIPS plaintext 00112233..ff,
  // so the first keystream block is the FIPS ciphertext.
  Prg::Seed seed;
  for (int i = 0; i < 16; ++i) seed[i] = static_cast<std::uint8_t>(i);
  for (int i = 0; i < 16; ++i) seed[16 + i] = static_cast<std::uint8_t>(i * 0x11);
  Prg prg(seed, PrgAlgorithm::aes128_ctr);
  std::vector<std::uint8_t> out(16);
  prg.fill(out);
  REQUIRE(hex(out) == "69c4e0d86a7b0430d8cdb78070b4c55a");
  REQUIRE(default_prg_algorithm() == PrgAlgorithm::aes128_ctr);
}

TEST_CASE("AES-CTR counter carries into the high half of the IV", "[core]") {
  if (!prg_algorithm_supported(PrgAlgorithm::aes128_ctr)) return;
  // IV low half = 2^64 - 2: blocks 0, 1 use high half h, block 2 uses h + 1 with low 0.
  Prg::Seed a{}, b{};
  for (int i = 16; i < 24; ++i) a[i] = 0xff;
  a[16] = 0xfe;
  b[24] = 1;  // IV = 2^64 exactly: what block 2 of `a` must encrypt
  Prg pa(a, PrgAlgorithm::aes128_ctr), pb(b, PrgAlgorithm::aes128_ctr);
  std::vector<std::uint8_t> sa(48), sb(16);
  pa.fill(sa);
  pb.fill(sb);
  REQUIRE(std::equal(sb.begin(), sb.end(), sa.begin() + 32));
}

TEST_CASE("PRG streams are deterministic per seed and compose across calls", "[core]") {
  for (auto alg : runnable_algorithms()) {
    CAPTURE(static_cast<int>(alg));
    Prg one(counting_seed(), alg), two(counting_seed(), alg);
    std::vector<std::uint8_t> whole(5000), parts(5000);
    one.fill(whole);
    // Odd-sized pieces that cross the 64-byte chunk boundaries in every way.
    std::size_t at = 0;
    for (std::size_t piece : {1u, 63u, 64u, 65u, 0u, 7u, 128u, 1000u, 3u}) {
      two.fill(std::span(parts).subspan(at, piece));
      at += piece;
    }
    two.fill(std::span(parts).subspan(at));
    REQUIRE(whole == parts);

    Prg three(counting_seed(), alg);
    REQUIRE(three.next_u64() ==
            (std::uint64_t{whole[0]} | std::uint64_t{whole[1]} << 8 | std::uint64_t{whole[2]} << 16 |
             std::uint64_t{whole[3]} << 24 | std::uint64_t{whole[4]} << 32 | std::uint64_t{whole[5]} << 40 |
             std::uint64_t{whole[6]} << 48 | std::uint64_t{whole[7]} << 56));

    auto other_seed = counting_seed();
    other_seed[31] ^= 1;
    Prg different(other_seed, alg);
    std::vector<std::uint8_t> d(5000);
    different.fill(d);
    REQUIRE(d != whole);
  }
}

TEST_CASE("the two PRG algorithms give different streams for one seed", "[core]") {
  if (!prg_algorithm_supported(PrgAlgorithm::aes128_ctr)) return;
  Prg a(counting_seed(), PrgAlgorithm::aes128_ctr), c(counting_seed(), PrgAlgorithm::chacha20);
  REQUIRE(a.next_u64() != c.next_u64());
}

TEST_CASE("random seeds come from the system and differ", "[core]") {
  const auto s1 = Prg::random_seed(), s2 = Prg::random_seed();
  REQUIRE(s1 != s2);
  Prg a, b;  // fresh random seeds
  REQUIRE(a.next_u64() != b.next_u64());
}

TEST_CASE("a moved-from PRG refuses to run", "[core]") {
  Prg a(counting_seed(), PrgAlgorithm::chacha20);
  const auto first = a.next_u64();
  Prg b(std::move(a));
  Prg reference(counting_seed(), PrgAlgorithm::chacha20);
  (void)reference.next_u64();
  REQUIRE(b.next_u64() == reference.next_u64());  // the stream continues in the new owner
  try {
    (void)a.next_u64();  // NOLINT(bugprone-use-after-move): that is the test
    FAIL("a moved-from Prg produced output");
  } catch (const error& e) {
    REQUIRE(e.code() == errc::invalid_argument);
  }
  (void)first;
}

TEMPLATE_TEST_CASE("random_fill is deterministic, canonical and uses the whole range", "[core]", Mersenne61, Z2k<64>,
                   Z2k<32>) {
  using T = TestType;
  for (auto alg : runnable_algorithms()) {
    Prg a(counting_seed(), alg), b(counting_seed(), alg);
    std::vector<T> x(10001), y(10001);
    batch::random_fill<T>(a, x);
    batch::random_fill<T>(b, std::span(y).first(5000));
    batch::random_fill<T>(b, std::span(y).subspan(5000));
    REQUIRE(x == y);
    // Canonical, and the top bit of the domain is hit about half the time (not biased low).
    std::size_t top = 0;
    for (auto v : x) {
      REQUIRE(T::from_canonical(v.to_uint()) == v);
      top += (v.to_uint() >> (T::bits - 1)) & 1;
    }
    REQUIRE(top > 4500);
    REQUIRE(top < 5500);
    // Different positions in the stream give different values.
    std::sort(x.begin(), x.end(), [](T l, T r) { return l.to_uint() < r.to_uint(); });
    REQUIRE(std::adjacent_find(x.begin(), x.end()) == x.end());
    Prg c(counting_seed(), alg);
    REQUIRE(random_element<T>(c) == y[0]);
  }
}

TEST_CASE("Mersenne61 sampling rejects the word equal to p and draws the next one", "[core]") {
  constexpr std::uint64_t p = Mersenne61::modulus;
  Prg prg(counting_seed(), PrgAlgorithm::chacha20), reference(counting_seed(), PrgAlgorithm::chacha20);
  // Words as they would come from the stream: two of them mask to p.
  std::vector<std::uint64_t> w = {5, p, ~std::uint64_t{0}, 7 | (std::uint64_t{7} << 61)};
  detail::m61_from_stream(prg, w);
  REQUIRE(w[0] == 5);
  REQUIRE(w[3] == 7);
  std::uint64_t r1 = reference.next_u64() & p;
  while (r1 == p) r1 = reference.next_u64() & p;
  std::uint64_t r2 = reference.next_u64() & p;
  while (r2 == p) r2 = reference.next_u64() & p;
  REQUIRE(w[1] == r1);  // replaced in order by the next words of the stream
  REQUIRE(w[2] == r2);
}
