// SPDX-License-Identifier: Apache-2.0
// Fixed-point encoding of real numbers (sensor readings) into field or ring elements.
//
// A real x is encoded as the integer round(x * 2^f), f the number of fractional bits, and that
// integer as a domain element with negatives in the upper half (from_int). Decoding reads the
// element as a signed integer (to_int) and divides by 2^f. Rounding is to nearest, ties away
// from zero, so the encoding error is at most 2^-(f+1).
//
// Range: |round(x * 2^f)| must not exceed T::max_int ((p-1)/2 = 2^60 - 1 for Mersenne61,
// 2^(K-1) - 1 for Z2k<K>); a value outside it, or NaN/infinity, is refused with an
// edgempc::error rather than wrapped.
//
// Sums: adding encoded values is exact as long as the true sum stays in that range. N values
// with |x| <= B can always be summed when N * round(B * 2^f) <= T::max_int; max_summands(B)
// returns that N. Example: Mersenne61, f = 16, readings within +-100 degrees: 1.7e11 readings.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "edgempc/core/domain.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

template <Domain T>
class FixedPoint {
 public:
  /// `frac_bits` must leave a sign bit and at least one integer bit: frac_bits < T::bits - 1.
  explicit FixedPoint(unsigned frac_bits) : frac_bits_(frac_bits) {
    if (frac_bits + 1 >= T::bits)
      throw error(errc::invalid_argument, "FixedPoint: too many fractional bits for this domain");
  }

  [[nodiscard]] unsigned frac_bits() const noexcept { return frac_bits_; }
  /// The smallest step: 2^-f.
  [[nodiscard]] double resolution() const noexcept { return std::ldexp(1.0, -static_cast<int>(frac_bits_)); }
  /// The largest magnitude that encodes: T::max_int / 2^f.
  [[nodiscard]] double max_value() const noexcept {
    return std::ldexp(static_cast<double>(T::max_int), -static_cast<int>(frac_bits_));
  }

  [[nodiscard]] T encode(double x) const {
    if (std::isnan(x)) throw error(errc::invalid_argument, "FixedPoint::encode: NaN");
    const double scaled = std::round(std::ldexp(x, static_cast<int>(frac_bits_)));
    // Below 2^63 the conversion to int64 is exact; the integer check then is exact too.
    if (!(std::fabs(scaled) < 0x1p63)) throw out_of_range(x);
    const auto v = static_cast<std::int64_t>(scaled);
    const std::uint64_t magnitude = v < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(v)
                                          : static_cast<std::uint64_t>(v);
    if (magnitude > T::max_int) throw out_of_range(x);
    return T::from_int(v);
  }

  [[nodiscard]] double decode(T v) const noexcept {
    return std::ldexp(static_cast<double>(v.to_int()), -static_cast<int>(frac_bits_));
  }

  /// Element-wise encode; `out` must be as long as `in`. On error `out` is partly written.
  void encode(std::span<const double> in, std::span<T> out) const {
    check(in.size(), out.size());
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = encode(in[i]);
  }
  void decode(std::span<const T> in, std::span<double> out) const {
    check(in.size(), out.size());
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = decode(in[i]);
  }

  /// How many values of magnitude at most `bound` can be summed with no possible overflow.
  [[nodiscard]] std::uint64_t max_summands(double bound) const {
    const std::int64_t b = encode(std::fabs(bound)).to_int();
    return b == 0 ? std::numeric_limits<std::uint64_t>::max() : T::max_int / static_cast<std::uint64_t>(b);
  }

 private:
  [[nodiscard]] error out_of_range(double x) const {
    return error(errc::out_of_range, "FixedPoint::encode: " + std::to_string(x) + " does not fit with " +
                                         std::to_string(frac_bits_) + " fractional bits");
  }
  static void check(std::size_t a, std::size_t b) {
    if (a != b) throw error(errc::size_mismatch, "FixedPoint: input and output lengths differ");
  }

  unsigned frac_bits_;
};

EDGEMPC_END_NAMESPACE
