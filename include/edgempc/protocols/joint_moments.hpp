// SPDX-License-Identifier: Apache-2.0
// Joint moments: each party holds some real values (any number, zero included); the receivers
// learn the count, sum, mean and population variance of all of them together (a Moments, as
// protocols/statistics.hpp returns), in one call.
//
// How: the values' owners know them in the clear, so each party first adds up its own: its count
// c_i, sum S_i of X = round(x * 2^f) and sum of squares sum X^2, exactly (128-bit), rounded once
// to f fractional bits (Q_i). The three numbers are then summed over the parties like a vector
// of length 3 (protocols/detail/joint_input.hpp). No multiplication of shared values is needed,
// hence no Beaver triples, and the squares keep f fractional bits rather than 2f, which makes
// the range far larger than that of per-value squares (platform/config.hpp's 2^39 bound).
// The same idea as Prio's variance (Corrigan-Gibbs and Boneh, NSDI 2017) without its proofs.
//
// Who learns what: the receivers (JointMomentsOptions::receivers, every party by default) learn
// the total count N, the sum and the sum of squares (so the mean and the variance) and nothing
// else: not how many values any one party holds, nor any value. The other parties learn nothing.
// Everyone learns the public parameters.
//
// Security model: additive n-of-n sharing (J. Benaloh, CRYPTO 1986), as protocols/joint_sum.hpp:
// semi-honest coalitions of up to n - 1 learn nothing beyond their inputs and the output; a
// malicious party learns no more but can make the result wrong (by any input it likes, or by
// altering shares) or stop the run. The receivers refuse a result that no inputs within the
// limits can give (count above n * max_values, |sum| above N * max_abs, a sum of squares below 0
// or above N * max_abs^2: errc::protocol_violation), which catches some such cheats, not all.
// Use SecureTransport between machines.
//
// Rounds: 2. Each party sends n - 1 messages of 37 + 4|R| + 24 bytes, then 24 bytes to each
// receiver (|R| receivers).
//
// Accuracy: each value is rounded to 2^-f (error d = 2^-(f+1)); the count is exact, the sum is
// exact for the rounded values (so within N * d of the true sum), the mean within d; the variance
// within (2 sigma + n / N + 1) * d of the true one (sigma the standard deviation; n / N from each
// party's rounding of its sum of squares), plus double rounding (about (mean^2 + variance)
// * 2^-52). A single value has variance 0 up to that error. With N = 0 the receivers get count 0,
// sum 0, and mean and variance NaN.
//
// Limits (checked before anything is sent; nothing is wrapped or cut): with B = round(max_abs * 2^f),
// - every value finite and within +-max_abs, else errc::out_of_range naming it;
// - at most max_values values at any party, else errc::out_of_range;
// - n * max_values * max(B, ceil(B^2 / 2^f)) <= T::max_int, so that neither sum can wrap, else
//   errc::invalid_argument naming the largest max_values that fits. With the defaults
//   (Mersenne61, f = 16, max_abs = 1000, max_values = 2^16) up to 268 parties; with f = 8,
//   4.5 * 10^9 values in all within +-1000;
// - every party must pass the same parameters and receivers, else all fail in round 1.
// A party whose own input is refused tells the others, who fail with its error code at once.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/detail/int128.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/protocols/detail/joint_input.hpp"
#include "edgempc/protocols/statistics.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// The public parameters of joint_moments; every party passes the same.
struct JointMomentsOptions {
  unsigned frac_bits = 16;                            ///< fixed-point fractional bits
  double max_abs = 1.0e3;                             ///< every value lies within [-max_abs, max_abs]
  std::uint64_t max_values = std::uint64_t{1} << 16;  ///< values any one party may hold
  std::vector<PartyId> receivers;                     ///< who learns the result; empty: every party
};

namespace detail {

/// ceil(B^2 / 2^f): the most one value adds to the sum of squares (with f fractional bits).
inline std::uint64_t joint_square_bound(std::uint64_t bound, unsigned frac_bits, std::uint64_t max_int) {
  const uint128_t square = static_cast<uint128_t>(bound) * bound;  // B <= 2^63: no overflow
  const uint128_t scaled = (square + ((static_cast<uint128_t>(1) << frac_bits) - 1)) >> frac_bits;
  return scaled > max_int ? max_int + 1 : static_cast<std::uint64_t>(scaled);
}

}  // namespace detail

/// Count, sum, mean and population variance of every party's `mine` together, to the receivers;
/// nullopt at the others.
template <BatchDomain T = Mersenne61, Transport Tr>
[[nodiscard]] std::optional<Moments> joint_moments(Party<Tr>& party, Prg& prg, std::span<const double> mine,
                                                   const JointMomentsOptions& options = {}) {
  const std::string who = "joint_moments";
  const std::uint64_t n = party.parties();
  std::optional<FixedPoint<T>> fp;
  std::uint64_t bound = 0, square_bound = 0;
  const auto sums = detail::joint_sum<T>(party, prg, who, [&] {
    fp.emplace(options.frac_bits);  // refuses too many fractional bits for T
    bound = detail::joint_value_bound(*fp, options.max_abs, who);
    square_bound = detail::joint_square_bound(bound, options.frac_bits, T::max_int);
    // n * max_values values, each adding at most `bound` to the sum and `square_bound` to the
    // sum of squares, must not wrap: max_values <= T::max_int / largest / n.
    const std::uint64_t largest = std::max(bound, square_bound);
    const std::uint64_t fits = largest > T::max_int ? 0 : T::max_int / largest / n;
    if (options.max_values == 0 || options.max_values > fits)
      throw error(errc::invalid_argument, who + ": max_values " + std::to_string(options.max_values) + " with " +
                                              std::to_string(n) + " parties, max_abs " +
                                              std::to_string(options.max_abs) + " and " +
                                              std::to_string(options.frac_bits) +
                                              " fractional bits: the sums fit the domain for 1 to " +
                                              std::to_string(fits) + " values per party");
    if (mine.size() > options.max_values)
      throw error(errc::out_of_range, who + ": this party holds " + std::to_string(mine.size()) +
                                          " values, max_values is " + std::to_string(options.max_values));
    // This party's count, sum and sum of squares, exact; the squares then rounded once to f bits.
    std::int64_t sum = 0;
    detail::uint128_t squares = 0;
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const std::int64_t x = detail::joint_encode(*fp, mine[i], options.max_abs, i, who).to_int();
      sum += x;  // |sum| <= max_values * B <= T::max_int
      const std::uint64_t magnitude = x < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(x) : static_cast<std::uint64_t>(x);
      squares += static_cast<detail::uint128_t>(magnitude) * magnitude;  // below 2^(63 + f) <= 2^125
    }
    const auto half = options.frac_bits == 0 ? detail::uint128_t{0} : static_cast<detail::uint128_t>(1) << (options.frac_bits - 1);
    const auto rounded = static_cast<std::uint64_t>((squares + half) >> options.frac_bits);
    detail::JointInput<T> in;
    in.header.kind = detail::JointKind::moments;
    in.header.frac_bits = options.frac_bits;
    in.header.max_abs = options.max_abs;
    in.header.max_values = options.max_values;
    in.header.length = 3;
    in.header.receivers = detail::joint_receivers(options.receivers, party.parties(), who);
    in.values = {T::from_uint(mine.size()), T::from_int(sum), T::from_uint(rounded)};
    return in;
  });
  if (!sums) return std::nullopt;
  // Results no inputs within the limits can give: a party broke them or altered its shares.
  const std::int64_t count = (*sums)[0].to_int(), sum = (*sums)[1].to_int(), squares = (*sums)[2].to_int();
  const auto beyond = [&](const std::string& what) {
    return error(errc::protocol_violation, who + ": the revealed " + what +
                                               " is beyond what inputs within the limits give: a party broke "
                                               "the limits or altered its shares");
  };
  if (count < 0 || static_cast<std::uint64_t>(count) > n * options.max_values) throw beyond("count");
  const auto magnitude = sum < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(sum) : static_cast<std::uint64_t>(sum);
  if (magnitude > static_cast<std::uint64_t>(count) * bound) throw beyond("sum");
  // Each party's rounding adds at most 1/2 to its sum of squares; ceil in square_bound covers it.
  if (squares < 0 || static_cast<std::uint64_t>(squares) > static_cast<std::uint64_t>(count) * square_bound)
    throw beyond("sum of squares");
  Moments m = detail::moments_from(static_cast<std::uint64_t>(count), fp->decode((*sums)[1]), fp->decode((*sums)[2]));
  if (count == 0) m.mean = m.variance = std::numeric_limits<double>::quiet_NaN();
  return m;
}

EDGEMPC_END_NAMESPACE
