// SPDX-License-Identifier: Apache-2.0
// What a device sends per row of readings, and the range bits that let the gateways check each
// reading's range without seeing it.
//
// Layout of one submission's elements, for k rows of C channels (readings[j * C + c] is reading
// j of channel c, X its fixed-point encoding in its channel's format):
//
//   [X_i for i < kC] ++ [X_i * X_i for i < kC] ++ [bits of row 0] ++ ... ++ [bits of row k-1]
//
// where the bits of a row are, channel after channel, the B_c range bits of X - lo_c (below).
// Range bits are sent only when the group's policy.validation is required; with it off a row is
// 2C elements, as before.
//
// Range bits (the arbitrary-range bit decomposition used by range proofs, e.g. B. Bunz et al.,
// "Bulletproofs", IEEE S&P 2018, sec. 4.3, and by Prio3's Sum circuits, draft-irtf-cfrg-vdaf).
// A channel declares [min, max]; its encoded range is [lo, hi] = [enc(min), enc(max)] and
// D = hi - lo. With B = bit_width(D) (2^(B-1) <= D < 2^B) the weights are
//
//   w_j = 2^j for j < B - 1,   w_(B-1) = D - (2^(B-1) - 1),
//
// and every v in [0, D] is sum_j w_j b_j for bits b_j (top bit 1 iff v >= 2^(B-1); the low bits
// are then v - w_(B-1), which lies in [0, 2^(B-1) - 1]). Conversely any bits give a sum in
// [0, sum_j w_j] = [0, D]. So if the gateways check, on shares, that every b_j is a bit
// (b_j^2 - b_j = 0) and that X - lo - sum_j w_j b_j = 0 in the field (p = 2^61 - 1 > 2D), then X
// lies in [lo, hi]: the check is exact, no slack (platform/gateway/validation.hpp does it). D = 0
// needs no bits (X = lo is then the whole check).
//
// Cost: B_c more shares per reading per gateway, 8 bytes each: a 16-bit range adds 128 bytes to
// the 44 of a single reading (x and x^2 in a sealed submission). That is more than the 2x the
// issue allowed, for a reason: the alternatives are a garbled circuit between two gateways
// (gc/field_range.hpp: 41 us per reading, a semi-honest garbler) or an honest-majority
// comparison (kilobytes of gateway traffic per reading); the bits make the gateways' check a
// few field multiplications per bit and one opened element per group of devices.
//
// Constant time: the device's decomposition has no branch or table on the reading.
#pragma once

#include <bit>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/error.hpp"
#include "edgempc/platform/config.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// One channel's encoded range and its range bits.
struct ChannelRange {
  std::int64_t lo = 0;           ///< enc(min)
  std::uint64_t span = 0;        ///< D = enc(max) - enc(min)
  std::uint32_t bits = 0;        ///< B = bit_width(D)
  std::uint64_t top_weight = 0;  ///< w_(B-1) = D - (2^(B-1) - 1); 0 if B = 0

  /// The channel's range in its encoding. errc::invalid_argument if max < min or D >= 2^40 (the
  /// bound GroupConfig::validate keeps channels within is far below).
  [[nodiscard]] static ChannelRange of(const ChannelConfig& ch) {
    const FixedPoint<Mersenne61> format(ch.frac_bits);
    const std::int64_t lo = format.encode(ch.min).to_int(), hi = format.encode(ch.max).to_int();
    if (hi < lo || hi - lo >= (std::int64_t{1} << 40))
      throw error(errc::invalid_argument, "ChannelRange: channel " + ch.name + "'s encoded range is empty or wider than 2^40");
    ChannelRange r;
    r.lo = lo;
    r.span = static_cast<std::uint64_t>(hi - lo);
    r.bits = static_cast<std::uint32_t>(std::bit_width(r.span));
    r.top_weight = r.bits ? r.span - ((std::uint64_t{1} << (r.bits - 1)) - 1) : 0;
    return r;
  }

  /// w_j (j < bits).
  [[nodiscard]] std::uint64_t weight(std::uint32_t j) const noexcept {
    return j + 1 == bits ? top_weight : std::uint64_t{1} << j;
  }

  /// The bits of v = X - lo for v in [0, D] (out.size() == bits), without a branch on v. The
  /// caller checks the range first: for v outside it the bits are meaningless (and the gateways
  /// will say so).
  void decompose(std::uint64_t v, std::span<std::uint64_t> out) const noexcept {
    if (bits == 0) return;
    const std::uint64_t half = (std::uint64_t{1} << (bits - 1)) - 1;
    const std::uint64_t top = (half - v) >> 63;  // 1 iff v > half (v < 2^41, so no wrap past the sign)
    const std::uint64_t low = v - top * top_weight;
    for (std::uint32_t j = 0; j + 1 < bits; ++j) out[j] = (low >> j) & 1u;
    out[bits - 1] = top;
  }
};

/// How a group's devices lay out their elements (see the header).
class ReadingLayout {
 public:
  /// C channels without range bits (validation off, or tests of the other checks).
  explicit ReadingLayout(std::size_t channels) : channels_(channels), offset_(channels + 1, 0) {}

  /// The group's layout: range bits iff policy.validation is required.
  explicit ReadingLayout(const GroupConfig& group) : ReadingLayout(group.channels.size()) {
    if (group.policy.validation != Validation::required) return;
    ranges_.reserve(channels_);
    for (std::size_t c = 0; c < channels_; ++c) {
      ranges_.push_back(ChannelRange::of(group.channels[c]));
      offset_[c + 1] = offset_[c] + ranges_.back().bits;
    }
  }

  [[nodiscard]] std::size_t channels() const noexcept { return channels_; }
  /// Whether rows carry range bits.
  [[nodiscard]] bool ranged() const noexcept { return !ranges_.empty(); }
  /// Range bits per row (sum of B_c).
  [[nodiscard]] std::size_t row_bits() const noexcept { return offset_.back(); }
  /// Elements per row: 2C plus the range bits.
  [[nodiscard]] std::size_t row_elements() const noexcept { return 2 * channels_ + row_bits(); }
  /// Channel c's range (ranged() only).
  [[nodiscard]] const ChannelRange& range(std::size_t c) const { return ranges_.at(c); }
  /// Where channel c's bits start within a row's bits.
  [[nodiscard]] std::size_t bit_offset(std::size_t c) const { return offset_.at(c); }
  /// Rows in a submission of `elements` elements, or 0 if it is not a whole number of rows.
  [[nodiscard]] std::size_t rows(std::size_t elements) const noexcept {
    return row_elements() && elements % row_elements() == 0 ? elements / row_elements() : 0;
  }

 private:
  std::size_t channels_;
  std::vector<ChannelRange> ranges_;
  std::vector<std::size_t> offset_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
