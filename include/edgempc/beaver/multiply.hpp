// SPDX-License-Identifier: Apache-2.0
// Beaver multiplication of whole vectors in one round (D. Beaver, CRYPTO 1991).
//
// To multiply shared x and y with a triple (a, b, c = ab), the parties open d = x - a and
// e = y - b, which are uniform and so reveal nothing, and compute locally
//   z = c + d*b + e*a + d*e,
// a sharing of xy (d*e is public and added once, by the scheme's add_public). A whole vector
// costs one round and two opened elements per multiplication; a dot product costs the same
// round and sums the products before anything else is done.
//
// Security model: semi-honest parties; the triples come from a dealer the parties trust not to
// collude with any of them (beaver/dealer.hpp) or from a two-party protocol (OT, later). Works
// for any SharingScheme: additive over Z2k<64> or Mersenne61, and Shamir over Mersenne61.
#pragma once

#include <span>
#include <vector>

#include "edgempc/beaver/triples.hpp"
#include "edgempc/protocols/open.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

/// d | e, opened in one round.
template <Transport Tr, SharingScheme S>
std::vector<typename S::value_type> open_masked(Party<Tr>& party, const S& scheme,
                                                const typename Triples<typename S::value_type>::View& t,
                                                std::span<const typename S::value_type> x,
                                                std::span<const typename S::value_type> y) {
  using T = typename S::value_type;
  const std::size_t n = x.size();
  std::vector<T> masked(2 * n);
  batch::sub<T>(x, t.a, std::span(masked).first(n));
  batch::sub<T>(y, t.b, std::span(masked).last(n));
  return open_shares(party, scheme, std::span<const T>(masked));
}

template <SharingScheme S>
void check_operands(std::span<const typename S::value_type> x, std::span<const typename S::value_type> y,
                    const char* who) {
  if (x.size() != y.size())
    throw error(errc::size_mismatch, std::string(who) + ": " + std::to_string(x.size()) + " and " +
                                         std::to_string(y.size()) + " elements");
}

}  // namespace detail

/// This party's shares of x[i] * y[i]; consumes x.size() triples.
template <Transport Tr, SharingScheme S>
[[nodiscard]] std::vector<typename S::value_type> beaver_multiply(Party<Tr>& party, const S& scheme,
                                                                  Triples<typename S::value_type>& triples,
                                                                  std::span<const typename S::value_type> x,
                                                                  std::span<const typename S::value_type> y) {
  using T = typename S::value_type;
  detail::check_scheme(party, scheme, "beaver_multiply");
  detail::check_operands<S>(x, y, "beaver_multiply");
  const std::size_t n = x.size();
  const auto t = triples.take(n);
  const auto de = detail::open_masked(party, scheme, t, x, y);
  const auto d = std::span<const T>(de).first(n), e = std::span<const T>(de).last(n);
  std::vector<T> z(t.c.begin(), t.c.end()), tmp(n);
  batch::mul<T>(d, t.b, tmp);
  batch::add<T>(z, tmp, z);
  batch::mul<T>(e, t.a, tmp);
  batch::add<T>(z, tmp, z);
  batch::mul<T>(d, e, tmp);
  scheme.add_public(party.id(), z, tmp);
  return z;
}

/// This party's share of x[0]*y[0] + x[1]*y[1] + ...; one round, consumes x.size() triples.
template <Transport Tr, SharingScheme S>
[[nodiscard]] typename S::value_type beaver_dot(Party<Tr>& party, const S& scheme,
                                                Triples<typename S::value_type>& triples,
                                                std::span<const typename S::value_type> x,
                                                std::span<const typename S::value_type> y) {
  using T = typename S::value_type;
  detail::check_scheme(party, scheme, "beaver_dot");
  detail::check_operands<S>(x, y, "beaver_dot");
  const std::size_t n = x.size();
  const auto t = triples.take(n);
  const auto de = detail::open_masked(party, scheme, t, x, y);
  const auto d = std::span<const T>(de).first(n), e = std::span<const T>(de).last(n);
  T z = batch::sum<T>(t.c) + batch::dot<T>(d, t.b) + batch::dot<T>(e, t.a);
  T de_sum = batch::dot<T>(d, e);
  scheme.add_public(party.id(), std::span<T>(&z, 1), std::span<const T>(&de_sum, 1));
  return z;
}

EDGEMPC_END_NAMESPACE
