// SPDX-License-Identifier: Apache-2.0
// Joint vector sum and mean: each party holds its own vector of reals, all of the same length,
// and the receivers learn the element-wise sum over the parties (joint_vector_sum) or the mean
// (joint_vector_mean, the sum divided by the number of parties), in one call: this is encode,
// share, exchange, add and reveal composed, for inputs the parties hold in the clear. (The
// functions of protocols/statistics.hpp start from values that are already shared.)
//
// Who learns what: the receivers (JointSumOptions::receivers, every party by default) learn the
// sum vector and nothing else; the other parties learn nothing. Everyone learns the public
// parameters and the vector length. Note that the sum itself says a lot when there are few
// parties: with two, a receiver learns the other party's vector by subtracting its own.
//
// Security model: additive n-of-n secret sharing (J. Benaloh, "Secret sharing homomorphisms",
// CRYPTO 1986). Against semi-honest parties, any coalition of up to n - 1 learns nothing beyond
// its own inputs and the output. A malicious party learns no more either (the shares it receives
// are uniform, and it sees sums only as a receiver), but it can make the result wrong (an input
// beyond max_abs, altered shares) and it can stop the run. The receivers refuse a sum that no
// inputs within the limits can give (errc::protocol_violation): that catches some such cheats,
// not all. Every party must take part: a silent party ends the run at the others with
// errc::peer_timeout after the Party's timeout. The shares travel over the transport as they are:
// between machines use SecureTransport (net/secure.hpp), or any observer of the links learns the
// inputs.
//
// Rounds: 2 (the wire format is in protocols/detail/joint_input.hpp). Each party sends n - 1
// messages of 37 + 4|R| + 8m bytes (m elements, |R| receivers), then 8m bytes to each receiver
// (each message plus the Party's 8-byte session id).
//
// Encoding and limits (every one checked before anything is sent; no value is ever wrapped or cut):
// - values are fixed point with `frac_bits` fractional bits in the domain T (core/fixed_point.hpp;
//   Mersenne61 by default, Z2k<64> also works), rounded to nearest: each value errs by at most
//   2^-(f+1), so each element of the sum by at most n * 2^-(f+1) and of the mean by 2^-(f+1);
// - every value finite and within +-max_abs, else errc::out_of_range naming the element;
// - max_abs > 0 and n * round(max_abs * 2^f) <= T::max_int (the sum of n values cannot wrap),
//   else errc::invalid_argument: with the defaults (Mersenne61, f = 16, max_abs = 10^6) up to
//   2^24 parties; frac_bits < T::bits - 1;
// - every party must pass the same parameters, receivers and vector length: else every party
//   fails in round 1 (errc::invalid_argument, or errc::size_mismatch for the length);
// - m at most (the transport's max_message_size - 37 - 4|R|) / 8 elements
//   (errc::message_too_large). An empty vector is allowed and gives an empty sum.
// A party whose own input is refused tells the others, who fail with its error code at once.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/protocols/detail/joint_input.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// The public parameters of joint_vector_sum / joint_vector_mean; every party passes the same.
struct JointSumOptions {
  unsigned frac_bits = 16;         ///< fixed-point fractional bits: resolution 2^-frac_bits
  double max_abs = 1.0e6;          ///< every value lies within [-max_abs, max_abs]
  std::vector<PartyId> receivers;  ///< who learns the result; empty: every party
};

namespace detail {

/// The decoded element-wise sum at the receivers, nullopt elsewhere.
template <BatchDomain T, Transport Tr>
std::optional<std::vector<double>> joint_vector_total(Party<Tr>& party, Prg& prg, std::span<const double> mine,
                                                      const JointSumOptions& options, const std::string& who) {
  std::optional<FixedPoint<T>> fp;
  std::uint64_t bound = 0;
  const auto sum = joint_sum<T>(party, prg, who, [&] {
    fp.emplace(options.frac_bits);  // refuses too many fractional bits for T
    bound = joint_value_bound(*fp, options.max_abs, who);
    // n such values must sum without wrapping.
    if (bound > T::max_int / party.parties())
      throw error(errc::invalid_argument, who + ": the sum of " + std::to_string(party.parties()) +
                                              " values within +-" + std::to_string(options.max_abs) +
                                              " can overflow the domain with " + std::to_string(options.frac_bits) +
                                              " fractional bits (at most " +
                                              std::to_string(T::max_int / bound) + " parties)");
    JointInput<T> in;
    in.header.kind = JointKind::vector_sum;
    in.header.frac_bits = options.frac_bits;
    in.header.max_abs = options.max_abs;
    in.header.max_values = 1;
    in.header.length = mine.size();
    in.header.receivers = joint_receivers(options.receivers, party.parties(), who);
    in.values.resize(mine.size());
    for (std::size_t i = 0; i < mine.size(); ++i) in.values[i] = joint_encode(*fp, mine[i], options.max_abs, i, who);
    return in;
  });
  if (!sum) return std::nullopt;
  std::vector<double> out(sum->size());
  const std::uint64_t limit = bound * party.parties();  // at most T::max_int, checked above
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::int64_t s = (*sum)[i].to_int();
    const std::uint64_t magnitude = s < 0 ? std::uint64_t{0} - static_cast<std::uint64_t>(s) : static_cast<std::uint64_t>(s);
    if (magnitude > limit)
      throw error(errc::protocol_violation, who + ": element " + std::to_string(i) +
                                                " of the sum is beyond what values within +-max_abs give: a party "
                                                "broke the limits or altered its shares");
    out[i] = fp->decode((*sum)[i]);
  }
  return out;
}

}  // namespace detail

/// The element-wise sum of every party's `mine`, to the receivers; nullopt at the others.
template <BatchDomain T = Mersenne61, Transport Tr>
[[nodiscard]] std::optional<std::vector<double>> joint_vector_sum(Party<Tr>& party, Prg& prg,
                                                                  std::span<const double> mine,
                                                                  const JointSumOptions& options = {}) {
  return detail::joint_vector_total<T>(party, prg, mine, options, "joint_vector_sum");
}

/// The element-wise mean over the parties of every party's `mine` (the sum divided by the
/// number of parties), to the receivers; nullopt at the others.
template <BatchDomain T = Mersenne61, Transport Tr>
[[nodiscard]] std::optional<std::vector<double>> joint_vector_mean(Party<Tr>& party, Prg& prg,
                                                                   std::span<const double> mine,
                                                                   const JointSumOptions& options = {}) {
  auto sum = detail::joint_vector_total<T>(party, prg, mine, options, "joint_vector_mean");
  if (sum)
    for (double& v : *sum) v /= static_cast<double>(party.parties());
  return sum;
}

EDGEMPC_END_NAMESPACE
