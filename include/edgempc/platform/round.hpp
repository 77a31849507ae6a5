// SPDX-License-Identifier: Apache-2.0
// The end of a round at the gateways: agree on who contributed, then publish the linear
// statistics (count, sum, mean, variance) to the recipients the policy names — or withhold
// the round when too few clients contributed.
//
// Each gateway holds, per client, its share of the client's reading x and of x^2 (devices
// share both, make_submissions with Contents::values_and_squares, so the round needs no
// multiplication). Step 1: every gateway sends every other the sorted list of clients it holds
// shares from; all compute the same intersection, so a client whose submission reached only
// some gateways (a dropout, a lost message) is left out everywhere. Step 2: if the
// intersection has fewer than `min_clients` clients, every gateway reports the round as
// withheld and nothing is revealed. Step 3: each gateway sums its shares over the
// intersection and reveals the two sums to the recipients only (protocols/open.hpp).
//
// What leaks: every gateway learns which clients contributed (never their readings); the
// recipients learn the count, the sum and the sum of squares. Security model: that of the
// sharing scheme (semi-honest gateways; for Shamir at most t of them colluding) over secure
// channels. Every gateway of the group must take part: this is the in-process building block
// for parties that already share a transport. platform/gateway.hpp is the full gateway, which
// also survives gateway dropouts and restarts and adds min/max/alerts.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/protocols/open.hpp"
#include "edgempc/protocols/statistics.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

struct RoundPolicy {
  std::size_t min_clients = 1;        ///< publish only if at least this many contributed
  std::vector<PartyId> recipients;    ///< gateways that learn the result
};

/// One client's shares of x and x^2 at this gateway.
template <class T>
struct HeldShares {
  T value;
  T square;
};

struct RoundOutcome {
  std::vector<ClientId> contributors;  ///< the agreed set, the same at every gateway
  bool published = false;              ///< false: withheld (too few contributors)
  std::optional<edgempc::Moments> result;       ///< set at recipients of a published round
};

namespace detail {

inline std::vector<std::uint8_t> encode_ids(const std::vector<ClientId>& ids) {
  std::vector<std::uint8_t> out(4 * ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) edgempc::detail::store_le<std::uint32_t>(out.data() + 4 * i, ids[i]);
  return out;
}

inline std::vector<ClientId> decode_ids(std::span<const std::uint8_t> bytes, std::size_t max_ids) {
  if (bytes.size() % 4 != 0 || bytes.size() / 4 > max_ids)
    throw error(errc::malformed_message, "round: a contributor list of " + std::to_string(bytes.size()) +
                                             " bytes (whole 4-byte ids, at most " + std::to_string(max_ids) + ")");
  std::vector<ClientId> ids(bytes.size() / 4);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = edgempc::detail::load_le<std::uint32_t>(bytes.data() + 4 * i);
  if (!std::is_sorted(ids.begin(), ids.end()) || std::adjacent_find(ids.begin(), ids.end()) != ids.end())
    throw error(errc::malformed_message, "round: a contributor list that is not sorted and unique");
  return ids;
}

}  // namespace detail

/// Run by every gateway of the group at the end of a round. `max_clients` bounds what a peer's
/// contributor list may claim (e.g. the enrolment size).
template <Transport Tr, edgempc::SharingScheme S>
[[nodiscard]] RoundOutcome finish_round(Party<Tr>& party, const S& scheme,
                                        const std::map<ClientId, HeldShares<typename S::value_type>>& held,
                                        const FixedPoint<typename S::value_type>& format, const RoundPolicy& policy,
                                        std::size_t max_clients) {
  using T = typename S::value_type;
  std::vector<ClientId> mine;
  mine.reserve(held.size());
  for (const auto& [id, shares] : held) mine.push_back(id);
  // 1. Agree on the contributors: the intersection of every gateway's list.
  const auto bytes = detail::encode_ids(mine);
  for (PartyId p = 0; p < party.parties(); ++p)
    if (p != party.id()) party.send_bytes(p, bytes);
  std::vector<ClientId> agreed = mine;
  for (PartyId p = 0; p < party.parties(); ++p) {
    if (p == party.id()) continue;
    const auto theirs = detail::decode_ids(party.receive_bytes(p), max_clients);
    std::vector<ClientId> both;
    std::set_intersection(agreed.begin(), agreed.end(), theirs.begin(), theirs.end(), std::back_inserter(both));
    agreed = std::move(both);
  }
  RoundOutcome out;
  out.contributors = agreed;
  // 2. Withhold a small round: every gateway knows the agreed count, so all decide alike.
  if (agreed.size() < std::max<std::size_t>(policy.min_clients, 1)) return out;
  out.published = true;
  // 3. Local sums over the agreed set, revealed to the recipients only.
  std::vector<T> x, x2;
  x.reserve(agreed.size()), x2.reserve(agreed.size());
  for (const ClientId id : agreed) {
    const auto& h = held.at(id);
    x.push_back(h.value), x2.push_back(h.square);
  }
  out.result = secure_moments(party, scheme, std::span<const T>(x), std::span<const T>(x2), format, policy.recipients);
  return out;
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
