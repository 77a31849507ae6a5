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
      FAIL("AES-CTR constructed without AES instructions");
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
  if (!prg_algorithm_supported(PrgAlgorithm::aes128_ctr)) {
    WARN("SKIPPED: no AES instructions on this CPU (or their back-ends are compiled out); AES-CTR not tested here");
    return;
  }
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
  if (!prg_algorithm_supported(PrgAlgorithm::aes128_ctr)) {
    WARN("SKIPPED: no AES instructions on this CPU (or their back-ends are compiled out); AES-CTR not tested here");
    return;
  }
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

namespace {
// A scripted stream of 64-bit words, to put rejected words where the test wants them.
struct ScriptedWords {
  std::vector<std::uint64_t> words;
  std::size_t next = 0;
  void fill(void* out, std::size_t bytes) {
    REQUIRE(bytes % 8 == 0);
    auto* w = static_cast<std::uint64_t*>(out);
    for (std::size_t i = 0; i < bytes / 8; ++i) w[i] = words.at(next++);
  }
};
}  // namespace

TEST_CASE("Mersenne61 sampling drops the words equal to p and keeps the stream order", "[core]") {
  constexpr std::uint64_t p = Mersenne61::modulus;
  // Two words mask to p (p itself, and all ones); one has junk above bit 61 that the mask drops.
  ScriptedWords src{{5, p, ~std::uint64_t{0}, 7 | (std::uint64_t{7} << 61), 9, 10, 11, 12}};
  std::vector<std::uint64_t> out(5);
  detail::m61_fill(src, out);
  REQUIRE(out == std::vector<std::uint64_t>{5, 7, 9, 10, 11});
  REQUIRE(src.next == 7);  // exactly the words needed were drawn

  // Across piece boundaries (1024 words): a rejection in the first piece shifts the second.
  ScriptedWords big;
  for (std::uint64_t i = 0; i < 3000; ++i) big.words.push_back(i == 1000 ? p : i);
  std::vector<std::uint64_t> many(2048);
  detail::m61_fill(big, many);
  for (std::size_t i = 0; i < many.size(); ++i) REQUIRE(many[i] == (i < 1000 ? i : i + 1));
}

#if EDGEMPC_HAVE_X86_BACKENDS
TEST_CASE("AES-CTR: the VAES and the AES-NI paths give the same keystream", "[core]") {
  if (!detail::aesni::supported()) {
    WARN("SKIPPED: no AES-NI on this CPU; the AES-CTR paths are not compared here");
    return;
  }
  detail::aesni::RoundKeys keys;
  const auto seed = counting_seed();
  detail::aesni::expand_key(seed.data(), keys);
  const std::uint64_t lo = 0xfffffffffffffff0ull, hi = 42;  // close to a carry, but not over it
  for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 17u, 16u * 3 + 5}) {
    CAPTURE(n);
    std::vector<std::uint8_t> narrow(16 * n), wide(16 * n);
    detail::aesni::ctr_segment(keys, lo - n, hi, narrow.data(), n);
    if (!detail::aesni::vaes_supported()) {
      WARN("SKIPPED: no VAES on this CPU; only the AES-NI path ran");
      continue;
    }
    detail::aesni::ctr_segment_vaes(keys, lo - n, hi, wide.data(), n);
    REQUIRE(narrow == wide);
  }
  // Whole calls that cross the carry, through whichever path this CPU takes.
  std::vector<std::uint8_t> all(16 * 40), split(16 * 40);
  detail::aesni::ctr_keystream(keys, lo, hi, 0, all.data(), 40);
  detail::aesni::ctr_keystream(keys, lo, hi, 0, split.data(), 16);
  detail::aesni::ctr_keystream(keys, 0, hi + 1, 0, split.data() + 16 * 16, 24);
  REQUIRE(all == split);
}
#endif
