// SPDX-License-Identifier: Apache-2.0
// Small helpers of the OT extension: XOR of byte runs, blocks to and from the wire, and a
// byte buffer that is wiped when it goes away (it holds PRG columns, which are secrets).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "edgempc/core/block.hpp"
#include "edgempc/core/sodium.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail::ot {

/// dst[i] ^= src[i] & mask (the mask repeated over words), n a multiple of 8.
inline void xor_masked(std::uint8_t* dst, const std::uint8_t* src, std::uint64_t mask, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t d, s;
    std::memcpy(&d, dst + i, 8);
    std::memcpy(&s, src + i, 8);
    d ^= s & mask;
    std::memcpy(dst + i, &d, 8);
  }
}

/// dst[i] ^= a[i] ^ b[i], n a multiple of 8.
inline void xor2(std::uint8_t* dst, const std::uint8_t* a, const std::uint8_t* b, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; i += 8) {
    std::uint64_t d, x, y;
    std::memcpy(&d, dst + i, 8);
    std::memcpy(&x, a + i, 8);
    std::memcpy(&y, b + i, 8);
    d ^= x ^ y;
    std::memcpy(dst + i, &d, 8);
  }
}

/// Blocks as 16 little-endian bytes each (Block::to_bytes), appended at `out`.
inline void store_blocks(std::span<const Block> blocks, std::uint8_t* out) noexcept {
  for (std::size_t i = 0; i < blocks.size(); ++i) blocks[i].to_bytes(std::span<std::uint8_t, 16>(out + 16 * i, 16));
}

[[nodiscard]] inline Block load_block(const std::uint8_t* p) noexcept {
  return Block::from_bytes(std::span<const std::uint8_t, 16>(p, 16));
}

/// A growable byte buffer that wipes its contents on resize-away and destruction.
class SecretBytes {
 public:
  SecretBytes() = default;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&&) noexcept = default;
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    wipe();
    bytes_ = std::move(o.bytes_);
    return *this;
  }
  ~SecretBytes() { wipe(); }

  /// At least n bytes; the contents are unspecified.
  std::uint8_t* get(std::size_t n) {
    if (bytes_.size() < n) {
      wipe();
      bytes_ = std::vector<std::uint8_t>(n);
    }
    return bytes_.data();
  }
  void wipe() noexcept {
    if (!bytes_.empty()) secure_wipe(bytes_.data(), bytes_.size());
  }

 private:
  std::vector<std::uint8_t> bytes_;
};

}  // namespace detail::ot
EDGEMPC_END_NAMESPACE
