// SPDX-License-Identifier: Apache-2.0
// The portable AES-128 and the fixed-key permutation and hash of the garbler, on every
// back-end this machine runs.
#include <catch2/catch.hpp>

#include <edgempc/core/detail/aes_portable.hpp>
#include <edgempc/core/prg.hpp>
#include <edgempc/gc/fixed_key.hpp>

#include <array>
#include <memory>
#include <vector>

using namespace edgempc;
namespace aes = edgempc::detail::aes_portable;

namespace {

std::vector<Block> random_blocks(Prg& prg, std::size_t n) {
  std::vector<Block> v(n);
  for (auto& b : v) b = Block{prg.next_u64(), prg.next_u64()};
  return v;
}

Prg test_prg(std::uint8_t tag) {
  Prg::Seed seed{};
  seed[0] = tag;
  return Prg(seed, PrgAlgorithm::chacha20);
}

// GF(2^8) modulo x^8 + x^4 + x^3 + x + 1, by shift-and-add: the textbook definition, as far
// from the Boyar-Peralta circuit as possible.
unsigned gf_mul(unsigned a, unsigned b) {
  unsigned p = 0;
  for (; b != 0; b >>= 1) {
    if ((b & 1) != 0) p ^= a;
    a <<= 1;
    if ((a & 0x100) != 0) a ^= 0x11b;
  }
  return p;
}

std::uint8_t reference_sbox(unsigned x) {
  unsigned inv = 0;
  for (unsigned y = 1; y < 256 && x != 0; ++y)
    if (gf_mul(x, y) == 1) inv = y;
  unsigned r = inv, s = inv;
  for (int i = 0; i < 4; ++i) {
    s = ((s << 1) | (s >> 7)) & 0xff;
    r ^= s;
  }
  return static_cast<std::uint8_t>(r ^ 0x63);
}

std::unique_ptr<aes::SlicedKeys> sliced(const aes::RoundKeys& rk) {
  auto k = std::make_unique<aes::SlicedKeys>();
  aes::slice_keys(rk, *k);
  return k;
}

constexpr std::size_t sizes[] = {1, 3, 8, 17, 63, 64, 65, 100, 257};

}  // namespace

TEST_CASE("portable AES S-box equals inversion in GF(2^8) and the affine map", "[gc]") {
  for (unsigned x = 0; x < 256; ++x) {
    INFO("x = " << x);
    REQUIRE(aes::sub_byte(static_cast<std::uint8_t>(x)) == reference_sbox(x));
  }
}

TEST_CASE("portable AES-128 reproduces FIPS-197 Appendix C.1", "[gc]") {
  std::uint8_t key[16], pt[16];
  for (int i = 0; i < 16; ++i) {
    key[i] = static_cast<std::uint8_t>(i);
    pt[i] = static_cast<std::uint8_t>(0x11 * i);
  }
  aes::RoundKeys rk;
  aes::expand_key(key, rk);
  const auto keys = sliced(rk);
  const std::array<std::uint8_t, 16> expected = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                                 0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
  // Every lane of the 64-block batch: the same block in each position gives the same result.
  std::vector<Block> in(64, Block::from_bytes(pt)), out(64);
  aes::encrypt_blocks(*keys, in.data(), out.data(), in.size());
  for (const Block& b : out) REQUIRE(b.bytes() == expected);
  Block one = Block::from_bytes(pt);
  aes::encrypt_blocks(*keys, &one, &one, 1);  // in place, one block
  REQUIRE(one.bytes() == expected);
}

TEST_CASE("portable AES-128 key schedule reproduces FIPS-197 Appendix A.1", "[gc]") {
  const std::uint8_t key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};
  aes::RoundKeys rk;
  aes::expand_key(key, rk);
  const std::uint8_t w43[4] = {0xb6, 0x63, 0x0c, 0xa6};  // w[43] = b6630ca6
  const std::uint8_t w4[4] = {0xa0, 0xfa, 0xfe, 0x17};   // w[4] = a0fafe17
  for (int i = 0; i < 4; ++i) {
    REQUIRE(rk.bytes[16 + i] == w4[i]);
    REQUIRE(rk.bytes[172 + i] == w43[i]);
  }
}

#if EDGEMPC_HAVE_X86_BACKENDS
TEST_CASE("portable AES-128 equals AES-NI on random keys and blocks", "[gc]") {
  if (!edgempc::detail::aesni::supported()) {
    WARN("no AES-NI on this CPU: nothing to compare with");
    return;
  }
  Prg prg = test_prg(1);
  for (int trial = 0; trial < 8; ++trial) {
    std::uint8_t key[16];
    prg.fill(key);
    aes::RoundKeys portable_keys;
    edgempc::detail::aesni::RoundKeys aesni_keys;
    aes::expand_key(key, portable_keys);
    edgempc::detail::aesni::expand_key(key, aesni_keys);
    REQUIRE(std::equal(std::begin(portable_keys.bytes), std::end(portable_keys.bytes), aesni_keys.bytes));
    // AES-NI in counter mode from a random counter: AES of 200 consecutive 128-bit counters.
    const std::uint64_t lo = prg.next_u64() >> 1, hi = prg.next_u64();
    std::vector<std::uint8_t> stream(200 * 16);
    edgempc::detail::aesni::ctr_segment(aesni_keys, lo, hi, stream.data(), 200);
    std::vector<Block> counters(200), out(200);
    for (std::size_t i = 0; i < counters.size(); ++i) counters[i] = Block{lo + i, hi};
    aes::encrypt_blocks(*sliced(portable_keys), counters.data(), out.data(), out.size());
    for (std::size_t i = 0; i < out.size(); ++i)
      REQUIRE(out[i] == Block::from_bytes(std::span<const std::uint8_t, 16>(stream.data() + 16 * i, 16)));
  }
}
#endif

#if EDGEMPC_HAVE_ARM_BACKENDS
TEST_CASE("portable AES-128 equals ARMv8 AES on random keys and blocks", "[gc]") {
  if (!edgempc::detail::armv8_aes::supported()) {
    WARN("SKIPPED: no ARMv8 AES instructions on this CPU: nothing to compare with");
    return;
  }
  namespace arm = edgempc::detail::armv8_aes;
  Prg prg = test_prg(1);
  for (int trial = 0; trial < 8; ++trial) {
    std::uint8_t key[16];
    prg.fill(key);
    aes::RoundKeys keys;
    aes::expand_key(key, keys);
    // ARMv8 AES in counter mode: AES of 203 consecutive 128-bit counters (eight-block batches
    // and a tail), the last trials across the carry from the low half into the high half.
    const std::uint64_t hi = prg.next_u64();
    const std::uint64_t lo =
        trial < 4 ? prg.next_u64() >> 1 : ~std::uint64_t{0} - 100 + static_cast<std::uint64_t>(trial);
    constexpr std::size_t n = 203;
    std::vector<std::uint8_t> stream(n * 16);
    arm::ctr_keystream(keys, lo, hi, 0, stream.data(), n);
    std::vector<Block> counters(n), out(n);
    for (std::size_t i = 0; i < n; ++i) counters[i] = Block{lo + i, lo + i < lo ? hi + 1 : hi};
    aes::encrypt_blocks(*sliced(keys), counters.data(), out.data(), out.size());
    for (std::size_t i = 0; i < n; ++i)
      REQUIRE(out[i] == Block::from_bytes(std::span<const std::uint8_t, 16>(stream.data() + 16 * i, 16)));
  }
}
#endif

TEST_CASE("sigma is (x_L ^ x_R, x_L) with x_L the high half, and an orthomorphism", "[gc]") {
  const Block x{0x0123456789abcdef, 0xfedcba9876543210};
  REQUIRE(gc::sigma(x) == Block{x.hi, x.hi ^ x.lo});
  // Linear, and x -> sigma(x) ^ x is (x_R, x_L ^ x_R): invertible.
  const Block y{0x1111, 0x2222};
  REQUIRE(gc::sigma(x ^ y) == (gc::sigma(x) ^ gc::sigma(y)));
  REQUIRE((gc::sigma(x) ^ x) == Block{x.hi ^ x.lo, x.lo});
}

TEST_CASE("the fixed-key permutation is AES-128 under the derived key, identical on every back-end", "[gc]") {
  const auto backends = gc::available_permutation_backends();
  REQUIRE(backends.front() == gc::PermutationBackend::portable);
  Prg prg = test_prg(2);
  for (const Block seed : {gc::FixedKey::default_seed, Block{1, 2}}) {
    const gc::FixedKey reference(seed, gc::PermutationBackend::portable);
    std::uint8_t key[16];
    reference.key().to_bytes(key);
    aes::RoundKeys rk;
    aes::expand_key(key, rk);
    const auto keys = sliced(rk);
    for (const std::size_t n : sizes) {
      const auto x = random_blocks(prg, n);
      std::vector<Block> want(n);
      aes::encrypt_blocks(*keys, x.data(), want.data(), n);
      for (const auto b : backends) {
        INFO(gc::to_string(b) << " n = " << n);
        const gc::FixedKey k(seed, b);
        REQUIRE(k.key() == reference.key());
        std::vector<Block> got(n);
        k.permute(x, got);
        REQUIRE(got == want);
        REQUIRE(k.permute(x[0]) == want[0]);
        got = x;
        k.permute(got, got);  // in place
        REQUIRE(got == want);
      }
    }
  }
  REQUIRE(gc::FixedKey(Block{1, 2}).key() != gc::FixedKey().key());
}

TEST_CASE("the tweakable hash is pi(sigma(x) ^ i) ^ sigma(x), identical on every back-end", "[gc]") {
  Prg prg = test_prg(3);
  const gc::FixedKey reference(gc::FixedKey::default_seed, gc::PermutationBackend::portable);
  for (const std::size_t n : sizes) {
    const auto x = random_blocks(prg, n);
    auto tweaks = random_blocks(prg, n);
    std::vector<Block> want(n);
    for (std::size_t i = 0; i < n; ++i) {
      const Block s = gc::sigma(x[i]);
      want[i] = reference.permute(s ^ tweaks[i]) ^ s;
    }
    for (const auto b : gc::available_permutation_backends()) {
      INFO(gc::to_string(b) << " n = " << n);
      const gc::FixedKey k(gc::FixedKey::default_seed, b);
      std::vector<Block> got(n);
      k.hash(x, tweaks, got);
      REQUIRE(got == want);
      REQUIRE(k.hash(x[0], tweaks[0]) == want[0]);
      got = x;
      k.hash(got, tweaks, got);  // in place
      REQUIRE(got == want);
      // Sequential tweaks: first + (i >> shift), as the garbler (1) and evaluator (0) use.
      for (unsigned shift = 0; shift <= 2; ++shift) {
        const std::uint64_t first = 0xfffffffffffffff0ull + shift;  // wraps inside the batch
        std::vector<Block> seq(n), explicit_tweaks(n), by_array(n);
        for (std::size_t i = 0; i < n; ++i) explicit_tweaks[i] = Block{first + (i >> shift), 0};
        k.hash_sequence(x, first, shift, seq);
        reference.hash(x, explicit_tweaks, by_array);
        REQUIRE(seq == by_array);
      }
    }
  }
}

TEST_CASE("fixed-key argument errors", "[gc]") {
  const gc::FixedKey k;
  std::vector<Block> a(4), b(5);
  REQUIRE_THROWS_MATCHES(k.permute(a, b), error, Catch::Predicate<error>([](const error& e) {
                           return e.code() == errc::size_mismatch;
                         }));
  REQUIRE_THROWS_MATCHES(k.hash_sequence(a, 0, 3, a), error, Catch::Predicate<error>([](const error& e) {
                           return e.code() == errc::invalid_argument;
                         }));
#if !EDGEMPC_HAVE_X86_BACKENDS
  // A build without x86 code (as on ARM): the portable permutation, or ARMv8 AES where the CPU
  // has it, and asking for AES-NI says so.
  REQUIRE(gc::best_permutation_backend() == (gc::permutation_backend_supported(gc::PermutationBackend::armv8)
                                                 ? gc::PermutationBackend::armv8
                                                 : gc::PermutationBackend::portable));
  REQUIRE_THROWS_MATCHES(gc::FixedKey(gc::FixedKey::default_seed, gc::PermutationBackend::aesni), error,
                         Catch::Predicate<error>([](const error& e) { return e.code() == errc::unsupported; }));
#endif
#if !EDGEMPC_HAVE_ARM_BACKENDS
  // Likewise ARMv8 AES where it is not compiled (x86, or EDGEMPC_DISABLE_ARM_BACKENDS).
  REQUIRE_FALSE(gc::permutation_backend_supported(gc::PermutationBackend::armv8));
  REQUIRE_THROWS_MATCHES(gc::FixedKey(gc::FixedKey::default_seed, gc::PermutationBackend::armv8), error,
                         Catch::Predicate<error>([](const error& e) { return e.code() == errc::unsupported; }));
#endif
}
