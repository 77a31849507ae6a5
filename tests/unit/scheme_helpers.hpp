// SPDX-License-Identifier: Apache-2.0
// Shares and dealer triples for the parties of any sharing scheme, for the protocol tests.
#pragma once

#include <edgempc/beaver/dealer.hpp>
#include <edgempc/sharing/scheme.hpp>

#include <type_traits>
#include <vector>

namespace test {

/// Shares of x for the parties of a scheme: result[i] is party i's vector.
template <class S>
std::vector<std::vector<typename S::value_type>> share_for(const S& scheme, edgempc::Prg& prg,
                                                           const std::vector<typename S::value_type>& x) {
  if constexpr (std::is_same_v<S, edgempc::ShamirScheme>) return scheme.shamir().share(prg, x);
  else return edgempc::share_additive<typename S::value_type>(prg, x, scheme.parties());
}

/// Dealer messages with `count` triples for every party of a scheme.
template <class S>
std::vector<std::vector<std::uint8_t>> deal_for(const S& scheme, edgempc::Prg& prg, std::size_t count) {
  const edgempc::TrustedDealer<typename S::value_type> dealer(scheme.parties());
  if constexpr (std::is_same_v<S, edgempc::ShamirScheme>) return dealer.shamir(prg, scheme.shamir(), count);
  else return dealer.additive(prg, count);
}

}  // namespace test
