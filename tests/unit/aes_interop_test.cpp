// SPDX-License-Identifier: Apache-2.0
// Interoperability of the AES back-ends across machines: an x86 party (AES-NI, VAES) and an
// ARM party (ARMv8 AES, or the portable bitsliced AES) must expand the same seeds into the same
// streams and hash the same labels to the same values. Each case hashes (BLAKE2b-256, libsodium
// crypto_generichash) a fixed computation on every back-end this machine runs and compares the
// digest with a constant that was computed on x86-64 with AES-NI; the same constants must pass
// under qemu-aarch64 (scripts/test-arm.sh), which is what shows that the outputs are
// byte-identical across architectures. A back-end that cannot run here is reported with
// WARN("SKIPPED: ...").
#include <catch2/catch.hpp>

#include <edgempc/core/detail/fixed_key_aes.hpp>
#include <edgempc/core/prg.hpp>
#include <edgempc/gc/builder.hpp>
#include <edgempc/gc/fixed_key.hpp>
#include <edgempc/gc/garble.hpp>
#include <edgempc/ot/detail/tccr.hpp>

#include <string>
#include <vector>

using namespace edgempc;
namespace fka = edgempc::detail::fixed_key_aes;

namespace {

std::string hex(const std::uint8_t* b, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    s += digits[b[i] >> 4];
    s += digits[b[i] & 15];
  }
  return s;
}

// BLAKE2b-256 of the bytes, as hex.
std::string digest(const std::vector<std::uint8_t>& bytes) {
  ensure_sodium();
  std::uint8_t d[32];
  REQUIRE(crypto_generichash(d, sizeof d, bytes.data(), bytes.size(), nullptr, 0) == 0);
  return hex(d, sizeof d);
}

void append(std::vector<std::uint8_t>& out, const std::vector<Block>& blocks) {
  for (const Block& b : blocks) {
    std::uint8_t t[16];
    b.to_bytes(t);
    out.insert(out.end(), t, t + 16);
  }
}

// Inputs every machine derives alike: ChaCha20 (libsodium) runs everywhere.
std::vector<Block> chacha_blocks(std::uint8_t tag, std::size_t n) {
  Prg::Seed seed{};
  seed[0] = tag;
  Prg prg(seed, PrgAlgorithm::chacha20);
  std::vector<Block> v(n);
  for (auto& b : v) b = Block{prg.next_u64(), prg.next_u64()};
  return v;
}

void warn_if_portable_only(const std::vector<fka::Backend>& backends) {
  if (backends.size() == 1)
    WARN("SKIPPED: no AES instructions on this CPU or build (AES-NI, VAES, ARMv8 AES): only the portable "
         "back-end was checked");
}

// 1000 blocks: every batch size of every back-end (8, 16, 64, 128) with a remainder.
constexpr std::size_t count = 1000;

}  // namespace

TEST_CASE("FIPS-197 Appendix C.1 AES-128 through every fixed-key permutation back-end", "[core]") {
  std::uint8_t key[16], pt[16];
  for (int i = 0; i < 16; ++i) key[i] = static_cast<std::uint8_t>(i);
  for (int i = 0; i < 16; ++i) pt[i] = static_cast<std::uint8_t>(0x11 * i);
  const auto backends = fka::available_backends();
  REQUIRE(backends.front() == fka::Backend::portable);
  warn_if_portable_only(backends);
  for (const auto b : backends) {
    CAPTURE(fka::to_string(b));
    const fka::Permutation p(std::span<const std::uint8_t, 16>(key), b);
    // Every position of an eight-block batch and the tail, each the FIPS plaintext.
    std::vector<Block> in(19, Block::from_bytes(std::span<const std::uint8_t, 16>(pt)));
    std::vector<Block> out(in.size());
    p.permute(in.data(), Block{}, out.data(), in.size());
    for (const Block& y : out) {
      std::uint8_t ct[16];
      y.to_bytes(ct);
      REQUIRE(hex(ct, 16) == "69c4e0d86a7b0430d8cdb78070b4c55a");
    }
  }
}

TEST_CASE("interop: the AES-CTR PRG stream equals the AES-NI known answer", "[core]") {
  if (!prg_algorithm_supported(PrgAlgorithm::aes128_ctr)) {
    WARN("SKIPPED: no AES instructions on this CPU or build (AES-NI or ARMv8 AES): the AES-CTR stream is not "
         "checked here");
    return;
  }
  // The counting seed, and one whose counter's low half wraps inside the 4 KiB (256 blocks).
  Prg::Seed counting, wrapping;
  for (std::size_t i = 0; i < counting.size(); ++i) counting[i] = static_cast<std::uint8_t>(i * 17 + 3);
  wrapping = counting;
  for (int i = 16; i < 24; ++i) wrapping[i] = 0xff;
  wrapping[16] = 0x80;  // low half 2^64 - 128: block 128 carries into the high half
  const char* const want[] = {
      "4d5f025633fdf4084bbe91742f03d7206a385fb10ec06c60bdf180c5912553a8",
      "fd7a14a14af0ff173f93acdcf8ad0bae2c1260ea999d4fe9adc47505e0d78760",
  };
  int i = 0;
  for (const auto& seed : {counting, wrapping}) {
    CAPTURE(i);
    Prg prg(seed, PrgAlgorithm::aes128_ctr);
    std::vector<std::uint8_t> stream(4096);
    // Odd pieces, so the buffered path is part of what is checked.
    std::size_t at = 0;
    for (const std::size_t piece : {5u, 1000u, 3091u}) {
      prg.fill(std::span(stream).subspan(at, piece));
      at += piece;
    }
    CHECK(digest(stream) == want[i]);
    ++i;
  }
}

TEST_CASE("interop: every permutation form on every back-end equals the AES-NI known answer", "[core]") {
  // pi(x ^ mask), and pi(a ^ t) ^ a for a = x, sigma(x), pi(x ^ mask), with tweaks from an array
  // and counted (shift 0 to 2, wrapping), under the FIPS-197 key.
  std::uint8_t key[16];
  for (int i = 0; i < 16; ++i) key[i] = static_cast<std::uint8_t>(i);
  const auto in = chacha_blocks(1, count);
  const auto tweaks = chacha_blocks(2, count);
  const Block mask = chacha_blocks(3, 1)[0];
  const auto backends = fka::available_backends();
  warn_if_portable_only(backends);
  for (const auto b : backends) {
    CAPTURE(fka::to_string(b));
    const fka::Permutation p(std::span<const std::uint8_t, 16>(key), b);
    std::vector<std::uint8_t> all;
    std::vector<Block> out(count);
    p.permute(in.data(), mask, out.data(), count);
    append(all, out);
    const fka::Tweaks by_array{tweaks.data(), 0, 0};
    p.mmo<fka::Pre::identity>(in.data(), mask, by_array, out.data(), count);
    append(all, out);
    p.mmo<fka::Pre::sigma>(in.data(), mask, by_array, out.data(), count);
    append(all, out);
    p.mmo<fka::Pre::pi>(in.data(), mask, by_array, out.data(), count);
    append(all, out);
    for (unsigned shift = 0; shift <= 2; ++shift) {
      const fka::Tweaks counted{nullptr, ~std::uint64_t{0} - 100, shift};
      p.mmo<fka::Pre::identity>(in.data(), mask, counted, out.data(), count);
      append(all, out);
      p.mmo<fka::Pre::sigma>(in.data(), mask, counted, out.data(), count);
      append(all, out);
      p.mmo<fka::Pre::pi>(in.data(), mask, counted, out.data(), count);
      append(all, out);
    }
    CHECK(digest(all) == "3a281aab9214bc895876a08597e8db0aa643cf3f376040145a0d80ca08c4aa7f");
  }
}

TEST_CASE("interop: OT's TCCR hash on every back-end equals the AES-NI known answer", "[ot]") {
  const auto in = chacha_blocks(4, count);
  const Block delta = chacha_blocks(5, 1)[0];
  const auto backends = fka::available_backends();
  warn_if_portable_only(backends);
  for (const auto b : backends) {
    CAPTURE(fka::to_string(b));
    std::vector<std::uint8_t> all;
    std::vector<Block> out(count);
    for (const std::uint64_t index : {std::uint64_t{0}, ~std::uint64_t{0} - 500}) {  // the second wraps
      detail::tccr::tccr(b, in.data(), delta, index, out.data(), count);
      append(all, out);
      detail::tccr::tccr(b, in.data(), Block{}, index, out.data(), count);
      append(all, out);
    }
    CHECK(digest(all) == "681ec6d28726503d399170a6e84a63f0e251ed4d028ad68fa1001f0e1a57a311");
  }
}

TEST_CASE("interop: the garbler's fixed-key hash on every back-end equals the AES-NI known answer", "[gc]") {
  const auto x = chacha_blocks(6, count);
  const auto tweaks = chacha_blocks(7, count);
  const auto backends = gc::available_permutation_backends();
  warn_if_portable_only(backends);
  for (const auto b : backends) {
    CAPTURE(gc::to_string(b));
    const gc::FixedKey k(gc::FixedKey::default_seed, b);
    std::vector<std::uint8_t> all;
    std::vector<Block> out(count);
    k.permute(x, out);
    append(all, out);
    k.hash(x, tweaks, out);
    append(all, out);
    for (unsigned shift = 0; shift <= 2; ++shift) {
      k.hash_sequence(x, 0xfffffffffffffff0ull + shift, shift, out);
      append(all, out);
    }
    CHECK(digest(all) == "98b648bafb21c8fc9f32cd7aaa0049aa2d28dcbd5ddb338de4bcbb0cc7aff1cd");
  }
}

TEST_CASE("interop: garbled tables of a fixed circuit, seed and Delta on every back-end equal the AES-NI known answer",
          "[gc]") {
  // The whole garbling, not only the hash: an x86 and an ARM gateway that garble the same
  // circuit from the same labels send byte-identical tables, decoding bits and output labels.
  gc::Builder b;
  const auto x = b.input(32), y = b.input(32);
  b.output(gc::add(b, x, y));
  b.output({gc::less_unsigned(b, x, y)});
  b.output(gc::mul(b, x, y));
  const gc::Circuit c = b.finish();
  Prg::Seed seed{};
  seed[0] = 8;
  const auto backends = gc::available_permutation_backends();
  warn_if_portable_only(backends);
  for (const auto back : backends) {
    CAPTURE(gc::to_string(back));
    Prg prg(seed, PrgAlgorithm::chacha20);
    const Block delta = gc::random_delta(prg);
    std::vector<Block> zero(c.input_bits());
    gc::random_labels(prg, zero);
    const gc::FixedKey key(gc::FixedKey::default_seed, back);
    gc::Garbler garbler(c, key);
    std::vector<Block> tables, outputs(c.output_bits());
    const auto decoding =
        garbler.garble(delta, zero, [&](std::span<const Block> t) { tables.insert(tables.end(), t.begin(), t.end()); }, outputs);
    REQUIRE(tables.size() == 2 * c.and_count());
    std::vector<std::uint8_t> all;
    append(all, tables);
    append(all, outputs);
    for (const bool d : decoding) all.push_back(d ? 1 : 0);
    CHECK(digest(all) == "38d7e6e3e26e08bba9c2d4197ed992c5fd48901360703eac070b198bfaa469c2");
  }
}
