// SPDX-License-Identifier: Apache-2.0
// Prg: a pseudorandom generator that expands a 32-byte seed into a stream of bytes.
//
// Two algorithms, both standard stream ciphers used as PRGs:
//  - PrgAlgorithm::aes128_ctr: AES-128 (FIPS-197) in counter mode (NIST SP 800-38A); key =
//    seed[0..16), initial counter = seed[16..32) read as a little-endian 128-bit integer. Needs
//    AES instructions: AES-NI on x86-64 (core/detail/aesni.hpp), or the ARMv8 Cryptography
//    Extensions on 64-bit ARM (core/detail/armv8_aes.hpp: AESE/AESMC, detected at run time
//    through getauxval(AT_HWCAP) & HWCAP_AES). Both compute the same FIPS-197 AES on the same
//    counter blocks, so the stream is byte-identical on x86 and ARM (tests/unit/
//    aes_interop_test.cpp checks a digest of it against one computed on AES-NI). Where neither
//    exists AES-CTR is refused (errc::unsupported) and ChaCha20 is the fallback.
//  - PrgAlgorithm::chacha20: ChaCha20 (Bernstein, 2008) from libsodium; key = the seed, nonce 0,
//    64-bit block counter. Constant time on every CPU; the portable choice.
// The stream is a function of (algorithm, seed) only, identical on every machine that can run
// the algorithm. WARNING: parties that expand one shared seed must use the same algorithm;
// pass it explicitly (chacha20 runs everywhere) rather than relying on the per-machine default.
// A seed must never be used for two purposes: the stream is only as secret as the seed.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <utility>

#include "edgempc/core/detail/aesni.hpp"
#include "edgempc/core/detail/armv8_aes.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/sodium.hpp"

EDGEMPC_BEGIN_NAMESPACE

enum class PrgAlgorithm : std::uint8_t { chacha20 = 1, aes128_ctr = 2 };

[[nodiscard]] inline bool prg_algorithm_supported(PrgAlgorithm a) noexcept {
  switch (a) {
    case PrgAlgorithm::chacha20: return true;
    case PrgAlgorithm::aes128_ctr:
#if EDGEMPC_HAVE_X86_BACKENDS
      return detail::aesni::supported();
#elif EDGEMPC_HAVE_ARM_BACKENDS
      return detail::armv8_aes::supported();
#else
      return false;
#endif
  }
  return false;
}

/// AES-CTR where the CPU has AES instructions (AES-NI, ARMv8 AES), ChaCha20 otherwise.
[[nodiscard]] inline PrgAlgorithm default_prg_algorithm() noexcept {
  return prg_algorithm_supported(PrgAlgorithm::aes128_ctr) ? PrgAlgorithm::aes128_ctr
                                                           : PrgAlgorithm::chacha20;
}

class Prg {
 public:
  static constexpr std::size_t seed_size = 32;
  using Seed = std::array<std::uint8_t, seed_size>;

  /// A fresh seed from the operating system's CSPRNG (libsodium randombytes_buf).
  [[nodiscard]] static Seed random_seed() {
    Seed s;
    random_bytes(s.data(), s.size());
    return s;
  }

  /// A generator on a fresh random seed (the seed itself is wiped once expanded).
  Prg() {
    Seed seed = random_seed();
    init(seed);
    secure_wipe(seed.data(), seed.size());
  }

  /// The stream of `seed` under `algorithm`; errc::unsupported if this CPU cannot run it.
  explicit Prg(const Seed& seed, PrgAlgorithm algorithm = default_prg_algorithm()) { init(seed, algorithm); }

  // A copy would replay the same stream, so there is none; a move leaves the source unusable.
  Prg(const Prg&) = delete;
  Prg& operator=(const Prg&) = delete;
  Prg(Prg&& other) noexcept { take(other); }
  Prg& operator=(Prg&& other) noexcept {
    if (this != &other) {
      wipe();
      take(other);
    }
    return *this;
  }
  ~Prg() { wipe(); }

  [[nodiscard]] PrgAlgorithm algorithm() const noexcept { return algorithm_; }

  /// The next `out.size()` bytes of the stream. Calls compose: filling 10 then 20 bytes gives
  /// the same 30 bytes as filling 30 at once.
  void fill(std::span<std::uint8_t> out) {
    if (!valid_) throw error(errc::invalid_argument, "Prg: used after move");
    std::uint8_t* p = out.data();
    std::size_t n = out.size();
    const std::size_t from_buffer = std::min(n, chunk_size - buffered_pos_);
    if (from_buffer != 0) std::memcpy(p, buffer_ + buffered_pos_, from_buffer);
    buffered_pos_ += from_buffer;
    p += from_buffer;
    n -= from_buffer;
    if (const std::size_t chunks = n / chunk_size; chunks != 0) {
      generate(p, chunks);
      p += chunks * chunk_size;
      n -= chunks * chunk_size;
    }
    if (n != 0) {
      generate(buffer_, 1);
      std::memcpy(p, buffer_, n);
      buffered_pos_ = n;
    }
  }
  void fill(void* out, std::size_t n) { fill(std::span<std::uint8_t>(static_cast<std::uint8_t*>(out), n)); }

  /// The next 8 bytes of the stream as a little-endian integer.
  [[nodiscard]] std::uint64_t next_u64() {
    std::uint8_t b[8];
    fill(b);
    return detail::load_le<std::uint64_t>(b);
  }

 private:
  // The stream is cut into 64-byte chunks: one ChaCha20 block, or four AES blocks.
  static constexpr std::size_t chunk_size = 64;
  // AES counts blocks as first_block + i in 64 bits, so chunks stay below 2^62.
  static constexpr std::uint64_t max_chunks = std::uint64_t{1} << 62;

  void init(const Seed& seed, PrgAlgorithm algorithm = default_prg_algorithm()) {
    algorithm_ = algorithm;
    if (!prg_algorithm_supported(algorithm))
      throw error(errc::unsupported,
                  "Prg: AES-CTR needs AES instructions (AES-NI or ARMv8 AES); use PrgAlgorithm::chacha20");
    ensure_sodium();
    if (algorithm == PrgAlgorithm::chacha20) {
      std::memcpy(state_.chacha_key, seed.data(), seed_size);
    } else {
#if EDGEMPC_HAVE_X86_BACKENDS
      detail::aesni::expand_key(seed.data(), state_.aes.keys);
      state_.aes.iv_lo = detail::load_le<std::uint64_t>(seed.data() + 16);
      state_.aes.iv_hi = detail::load_le<std::uint64_t>(seed.data() + 24);
#elif EDGEMPC_HAVE_ARM_BACKENDS
      detail::aes_portable::expand_key(seed.data(), state_.aes.keys);  // constant time
      state_.aes.iv_lo = detail::load_le<std::uint64_t>(seed.data() + 16);
      state_.aes.iv_hi = detail::load_le<std::uint64_t>(seed.data() + 24);
#endif
    }
  }

  void generate(std::uint8_t* out, std::size_t chunks) {
    if (chunks > max_chunks - next_chunk_)
      throw error(errc::out_of_range, "Prg: stream exhausted (2^68 bytes)");
    if (algorithm_ == PrgAlgorithm::chacha20) {
      static constexpr unsigned char nonce[crypto_stream_chacha20_NONCEBYTES] = {};
      std::memset(out, 0, chunks * chunk_size);
      crypto_stream_chacha20_xor_ic(out, out, chunks * chunk_size, nonce, next_chunk_, state_.chacha_key);
    } else {
#if EDGEMPC_HAVE_X86_BACKENDS
      detail::aesni::ctr_keystream(state_.aes.keys, state_.aes.iv_lo, state_.aes.iv_hi, next_chunk_ * 4, out,
                                   chunks * 4);
#elif EDGEMPC_HAVE_ARM_BACKENDS
      detail::armv8_aes::ctr_keystream(state_.aes.keys, state_.aes.iv_lo, state_.aes.iv_hi, next_chunk_ * 4, out,
                                       chunks * 4);
#endif
    }
    next_chunk_ += chunks;
  }

  void wipe() noexcept {
    secure_wipe(&state_, sizeof state_);
    secure_wipe(buffer_, sizeof buffer_);
  }

  void take(Prg& other) noexcept {
    algorithm_ = other.algorithm_;
    valid_ = other.valid_;
    std::memcpy(&state_, &other.state_, sizeof state_);
    std::memcpy(buffer_, other.buffer_, sizeof buffer_);
    buffered_pos_ = other.buffered_pos_;
    next_chunk_ = other.next_chunk_;
    other.wipe();
    other.valid_ = false;
  }

  struct AesState {
#if EDGEMPC_HAVE_X86_BACKENDS
    detail::aesni::RoundKeys keys;
#elif EDGEMPC_HAVE_ARM_BACKENDS
    detail::armv8_aes::RoundKeys keys;
#endif
    std::uint64_t iv_lo, iv_hi;
  };
  union State {
    unsigned char chacha_key[crypto_stream_chacha20_KEYBYTES];
    AesState aes;
  };

  PrgAlgorithm algorithm_ = PrgAlgorithm::chacha20;
  bool valid_ = true;
  State state_{};
  alignas(16) std::uint8_t buffer_[chunk_size] = {};
  std::size_t buffered_pos_ = chunk_size;  // nothing buffered
  std::uint64_t next_chunk_ = 0;
};

EDGEMPC_END_NAMESPACE
