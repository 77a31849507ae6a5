// SPDX-License-Identifier: Apache-2.0
// Count, sum, mean, variance and dot product of shared values, revealed only to the receivers
// and decoded from fixed point for them.
//
// Every party passes its shares of the same values (vector element i is the same value at
// every party). Sum, count and mean are linear: local sums and one round to reveal. Variance
// comes from the sum and the sum of squares: either the devices also share x^2 (linear, so any
// t + 1 Shamir parties finish it), or the parties square with Beaver triples in one round.
// Products carry 2f fractional bits; they are revealed and decoded with 2f bits, so no
// truncation error enters (protocols/truncation.hpp is for products that stay shared).
//
// What the receivers learn: the revealed aggregates (the count, sum and, for variance, the sum
// of squares) and nothing else; the other parties learn nothing. Security model: that of the
// scheme (semi-honest; honest majority for Shamir) and of the triples (beaver/dealer.hpp).
// Range: the sums must fit the domain (FixedPoint::max_summands); with products, values of
// up to 2^((bits - 1) / 2) / 2^f in magnitude and few enough of them that sum x^2 fits.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "edgempc/beaver/multiply.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/protocols/open.hpp"

EDGEMPC_BEGIN_NAMESPACE

struct Moments {
  std::uint64_t count = 0;
  double sum = 0;
  double mean = 0;
  double variance = 0;  ///< population variance, sum (x - mean)^2 / count
};

namespace detail {

inline double decode_with(std::int64_t v, unsigned frac_bits) { return std::ldexp(static_cast<double>(v), -static_cast<int>(frac_bits)); }

inline Moments moments_from(std::uint64_t count, double sum, double sum_squares) {
  Moments m;
  m.count = count;
  m.sum = sum;
  if (count == 0) return m;
  m.mean = sum / static_cast<double>(count);
  m.variance = std::max(0.0, sum_squares / static_cast<double>(count) - m.mean * m.mean);
  return m;
}

template <SharingScheme S>
typename S::value_type local_sum(std::span<const typename S::value_type> shares) {
  return batch::sum<typename S::value_type>(shares);
}

}  // namespace detail

/// The sum of the shared elements, as a domain element.
template <Transport Tr, SharingScheme S>
[[nodiscard]] std::optional<typename S::value_type> secure_sum(Party<Tr>& party, const S& scheme,
                                                               std::span<const typename S::value_type> shares,
                                                               std::span<const PartyId> receivers) {
  using T = typename S::value_type;
  const T mine = detail::local_sum<S>(shares);
  const auto r = reveal_shares(party, scheme, std::span<const T>(&mine, 1), receivers);
  if (!r) return std::nullopt;
  return (*r)[0];
}

/// How many of the shared 0/1 indicators are 1.
template <Transport Tr, SharingScheme S>
[[nodiscard]] std::optional<std::uint64_t> secure_count(Party<Tr>& party, const S& scheme,
                                                        std::span<const typename S::value_type> indicators,
                                                        std::span<const PartyId> receivers) {
  const auto s = secure_sum(party, scheme, indicators, receivers);
  if (!s) return std::nullopt;
  return s->to_uint();
}

/// The mean of the shared fixed-point values (their number is public).
template <Transport Tr, SharingScheme S>
[[nodiscard]] std::optional<double> secure_mean(Party<Tr>& party, const S& scheme,
                                                std::span<const typename S::value_type> shares,
                                                const FixedPoint<typename S::value_type>& format,
                                                std::span<const PartyId> receivers) {
  if (shares.empty()) throw error(errc::invalid_argument, "secure_mean: no values");
  const auto s = secure_sum(party, scheme, shares, receivers);
  if (!s) return std::nullopt;
  return format.decode(*s) / static_cast<double>(shares.size());
}

/// Count, sum, mean and variance from shares of x and of x^2 (both encoded with `format`, the
/// squares by the devices that own the values): linear, one round.
template <Transport Tr, SharingScheme S>
[[nodiscard]] std::optional<Moments> secure_moments(Party<Tr>& party, const S& scheme,
                                                    std::span<const typename S::value_type> x,
                                                    std::span<const typename S::value_type> x_squared,
                                                    const FixedPoint<typename S::value_type>& format,
                                                    std::span<const PartyId> receivers) {
  using T = typename S::value_type;
  if (x.size() != x_squared.size())
    throw error(errc::size_mismatch, "secure_moments: " + std::to_string(x.size()) + " values, " +
                                         std::to_string(x_squared.size()) + " squares");
  const T mine[2] = {detail::local_sum<S>(x), detail::local_sum<S>(x_squared)};
  const auto r = reveal_shares(party, scheme, std::span<const T>(mine), receivers);
  if (!r) return std::nullopt;
  return detail::moments_from(x.size(), format.decode((*r)[0]), format.decode((*r)[1]));
}

/// Count, sum, mean and variance from shares of x alone: the sum of squares is a Beaver dot
/// product (one round, x.size() triples), revealed with 2f fractional bits.
template <Transport Tr, SharingScheme S>
[[nodiscard]] std::optional<Moments> secure_moments(Party<Tr>& party, const S& scheme,
                                                    Triples<typename S::value_type>& triples,
                                                    std::span<const typename S::value_type> x,
                                                    const FixedPoint<typename S::value_type>& format,
                                                    std::span<const PartyId> receivers) {
  using T = typename S::value_type;
  const T mine[2] = {detail::local_sum<S>(x), beaver_dot(party, scheme, triples, x, x)};
  const auto r = reveal_shares(party, scheme, std::span<const T>(mine), receivers);
  if (!r) return std::nullopt;
  return detail::moments_from(x.size(), format.decode((*r)[0]),
                              detail::decode_with((*r)[1].to_int(), 2 * format.frac_bits()));
}

/// x[0]*y[0] + x[1]*y[1] + ... of shared fixed-point vectors: one round for the products, one to
/// reveal; decoded with 2f fractional bits.
template <Transport Tr, SharingScheme S>
[[nodiscard]] std::optional<double> secure_dot(Party<Tr>& party, const S& scheme,
                                               Triples<typename S::value_type>& triples,
                                               std::span<const typename S::value_type> x,
                                               std::span<const typename S::value_type> y,
                                               const FixedPoint<typename S::value_type>& format,
                                               std::span<const PartyId> receivers) {
  using T = typename S::value_type;
  const T mine = beaver_dot(party, scheme, triples, x, y);
  const auto r = reveal_shares(party, scheme, std::span<const T>(&mine, 1), receivers);
  if (!r) return std::nullopt;
  return detail::decode_with((*r)[0].to_int(), 2 * format.frac_bits());
}

EDGEMPC_END_NAMESPACE
