// SPDX-License-Identifier: Apache-2.0
// ByteWriter and ByteReader: little-endian integers, doubles and length-prefixed strings for the
// small codecs outside the element wire format (core/wire.hpp) — round reports, stored round
// states. The reader is bounds-checked: a short buffer, a length beyond what is left, or bytes
// left over at done() are errc::malformed_message, never a read past the end or a large
// allocation from a hostile length field.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

class ByteWriter {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u32(std::uint32_t v) { put(v); }
  void u64(std::uint64_t v) { put(v); }
  void f64(double v) { put(std::bit_cast<std::uint64_t>(v)); }
  /// A u32 length, then the bytes; errc::message_too_large beyond 2^32 - 1 bytes.
  void str(std::string_view s) {
    if (s.size() > UINT32_MAX) throw error(errc::message_too_large, "ByteWriter: a string of " + std::to_string(s.size()) + " bytes");
    u32(static_cast<std::uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  [[nodiscard]] const std::vector<std::uint8_t>& bytes() const& noexcept { return out_; }
  [[nodiscard]] std::vector<std::uint8_t> take() && noexcept { return std::move(out_); }

 private:
  template <class U>
  void put(U v) {
    const std::size_t at = out_.size();
    out_.resize(at + sizeof v);
    detail::store_le<U>(out_.data() + at, v);
  }
  std::vector<std::uint8_t> out_;
};

class ByteReader {
 public:
  /// `what` names the codec in errors ("round report: truncated").
  ByteReader(std::span<const std::uint8_t> b, std::string what) : b_(b), what_(std::move(what)) {}

  std::uint8_t u8() {
    need(1);
    return b_[at_++];
  }
  std::uint32_t u32() { return get<std::uint32_t>(); }
  std::uint64_t u64() { return get<std::uint64_t>(); }
  double f64() { return std::bit_cast<double>(get<std::uint64_t>()); }
  std::string str() {
    const std::uint32_t n = u32();
    need(n);
    std::string s(reinterpret_cast<const char*>(b_.data() + at_), n);
    at_ += n;
    return s;
  }
  /// A count of items of at least `min_item_bytes` each: refused if the rest cannot hold them,
  /// so that a hostile count never sizes an allocation.
  std::uint32_t count(std::size_t min_item_bytes) {
    const std::uint32_t n = u32();
    if (min_item_bytes != 0 && n > left() / min_item_bytes) throw bad("a count beyond the data");
    return n;
  }
  [[nodiscard]] std::size_t left() const noexcept { return b_.size() - at_; }
  void done() const {
    if (at_ != b_.size()) throw bad("trailing bytes");
  }

 private:
  [[nodiscard]] error bad(const std::string& why) const { return error(errc::malformed_message, what_ + ": " + why); }
  void need(std::size_t n) const {
    if (left() < n) throw bad("truncated");
  }
  template <class U>
  U get() {
    need(sizeof(U));
    const U v = detail::load_le<U>(b_.data() + at_);
    at_ += sizeof(U);
    return v;
  }
  std::span<const std::uint8_t> b_;
  std::string what_;
  std::size_t at_ = 0;
};

EDGEMPC_END_NAMESPACE
