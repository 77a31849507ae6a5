// SPDX-License-Identifier: Apache-2.0
// BitVector: a packed vector of bits, the receiver's choice bits in oblivious transfer.
//
// Bit i is bit (i % 64) of word i / 64; bits past size() are always zero, so two vectors of
// the same size compare equal exactly when their bits do, and a word can be sent as it is.
// Choice bits are secrets: the destructor wipes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/prg.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

class BitVector {
 public:
  BitVector() = default;
  /// n zero bits.
  explicit BitVector(std::size_t n) : words_((n + 63) / 64), size_(n) {}

  /// n uniform bits from `prg`.
  [[nodiscard]] static BitVector random(Prg& prg, std::size_t n) {
    BitVector v(n);
    prg.fill(v.words_.data(), v.words_.size() * sizeof(std::uint64_t));
    v.clear_tail();
    return v;
  }

  /// The first n bits of `words` (bit i = bit i % 64 of words[i / 64]); errc::size_mismatch if
  /// `words` holds fewer than n bits.
  [[nodiscard]] static BitVector from_words(std::span<const std::uint64_t> words, std::size_t n) {
    if (words.size() * 64 < n)
      throw error(errc::size_mismatch, "BitVector: " + std::to_string(words.size()) + " words hold fewer than " +
                                           std::to_string(n) + " bits");
    BitVector v(n);
    for (std::size_t w = 0; w < v.words_.size(); ++w) v.words_[w] = words[w];
    v.clear_tail();
    return v;
  }

  BitVector(const BitVector&) = default;
  BitVector& operator=(const BitVector&) = default;
  BitVector(BitVector&&) noexcept = default;
  BitVector& operator=(BitVector&&) noexcept = default;
  ~BitVector() {
    if (!words_.empty()) secure_wipe(words_.data(), words_.size() * sizeof(std::uint64_t));
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }

  /// Bit i; errc::out_of_range past the end.
  [[nodiscard]] bool get(std::size_t i) const {
    check(i);
    return ((words_[i / 64] >> (i % 64)) & 1) != 0;
  }
  /// Sets bit i without branching on `bit`; errc::out_of_range past the end.
  void set(std::size_t i, bool bit) {
    check(i);
    const std::uint64_t m = std::uint64_t{1} << (i % 64);
    words_[i / 64] = (words_[i / 64] & ~m) | ((std::uint64_t{0} - static_cast<std::uint64_t>(bit)) & m);
  }

  [[nodiscard]] std::span<const std::uint64_t> words() const noexcept { return words_; }

  friend bool operator==(const BitVector&, const BitVector&) = default;

 private:
  void check(std::size_t i) const {
    if (i >= size_)
      throw error(errc::out_of_range, "BitVector: bit " + std::to_string(i) + " of " + std::to_string(size_));
  }
  void clear_tail() noexcept {
    if (size_ % 64 != 0) words_.back() &= (std::uint64_t{1} << (size_ % 64)) - 1;
  }

  std::vector<std::uint64_t> words_;
  std::size_t size_ = 0;
};

EDGEMPC_END_NAMESPACE
