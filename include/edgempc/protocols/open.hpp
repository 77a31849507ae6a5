// SPDX-License-Identifier: Apache-2.0
// Opening shared values: to every party (open_shares) or only to chosen receivers (reveal_shares).
//
// Both are one round. open_shares sends this party's shares to every other party; reveal_shares sends them
// only to the receivers, so the other parties learn nothing. Opening reveals the secrets and
// nothing else: the shares of the other parties are determined by the secrets and one's own
// shares for additive sharing, and for Shamir sharing any t shares are uniform.
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/party.hpp"
#include "edgempc/sharing/scheme.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

template <Transport Tr, SharingScheme S>
void check_scheme(const Party<Tr>& party, const S& scheme, const char* who) {
  if (party.parties() != scheme.parties())
    throw error(errc::invalid_argument, std::string(who) + ": the network has " + std::to_string(party.parties()) +
                                            " parties, the sharing " + std::to_string(scheme.parties()));
}

}  // namespace detail

/// Every party learns the secrets behind `mine` (this party's shares).
template <Transport Tr, SharingScheme S>
[[nodiscard]] std::vector<typename S::value_type> open_shares(Party<Tr>& party, const S& scheme,
                                                       std::span<const typename S::value_type> mine) {
  detail::check_scheme(party, scheme, "open_shares");
  return scheme.reconstruct(party.template exchange_all<typename S::value_type>(mine));
}

/// The receivers learn the secrets; everyone else gets nullopt.
template <Transport Tr, SharingScheme S>
[[nodiscard]] std::optional<std::vector<typename S::value_type>> reveal_shares(Party<Tr>& party, const S& scheme,
                                                                       std::span<const typename S::value_type> mine,
                                                                       std::span<const PartyId> receivers) {
  using T = typename S::value_type;
  detail::check_scheme(party, scheme, "reveal_shares");
  for (const PartyId r : receivers)
    if (r >= party.parties()) throw error(errc::invalid_argument, "reveal_shares: no party " + std::to_string(r));
  const auto bytes = wire::encode<T>(mine);
  for (const PartyId r : receivers)
    if (r != party.id()) party.send_bytes(r, bytes);
  if (std::find(receivers.begin(), receivers.end(), party.id()) == receivers.end()) return std::nullopt;
  std::vector<std::vector<T>> all(party.parties());
  for (PartyId p = 0; p < party.parties(); ++p)
    all[p] = p == party.id() ? std::vector<T>(mine.begin(), mine.end()) : party.template receive<T>(p, mine.size());
  return scheme.reconstruct(all);
}

EDGEMPC_END_NAMESPACE
