// SPDX-License-Identifier: Apache-2.0
// The circuit pair: how the live gateways hand their shares of the readings to the two gateways
// that run a garbled circuit (share_to_pair, used for the range step and for min/max/alerts),
// and the range step itself (step 1c of platform/gateway/round_protocol.hpp, whose header
// describes both, with their messages and security model).
//
// Wire: share_to_pair sends, from each member of the quorum Q other than the pair, one vector of
// Mersenne61 (wire::encode) to each of a and b; the range step's list from a and from b to every
// other live gateway is u32 count, then count u32 client ids, sorted (core/bytes.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/bytes.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/gc/field_range.hpp"
#include "edgempc/party.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/gateway/validation.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform::detail::round {

/// Hands `values` (this gateway's Shamir or additive shares) to the pair (a, b) of mesh indices
/// as additive shares: a quorum Q containing a and b converts (Lagrange at 0), and each member of
/// Q other than a and b splits its share at random between them. Returns a's or b's additive
/// share there, nothing elsewhere.
template <class Tr>
std::optional<std::vector<Mersenne61>> share_to_pair(Party<Tr>& party, const GroupConfig& group, std::span<const PartyId> live,
                                                     PartyId self, PartyId a, PartyId b, std::span<const Mersenne61> values,
                                                     Prg& prg) {
  const PartyId me = party.id();
  std::vector<PartyId> q{std::min(a, b), std::max(a, b)};
  for (PartyId p = 0; p < live.size() && q.size() < group.quorum(); ++p)
    if (p != a && p != b) q.push_back(p);
  std::sort(q.begin(), q.end());
  if (std::find(q.begin(), q.end(), me) == q.end()) return std::nullopt;
  std::vector<PartyId> holders;
  for (const PartyId p : q) holders.push_back(live[p]);
  std::vector<Mersenne61> mine = group.scheme.to_additive(holders, self, values);
  if (me != a && me != b) {
    std::vector<Mersenne61> mask(mine.size());
    batch::random_fill<Mersenne61>(prg, mask);
    batch::sub<Mersenne61>(mine, mask, mine);
    party.template send<Mersenne61>(a, mask);
    party.template send<Mersenne61>(b, mine);
    return std::nullopt;
  }
  for (const PartyId p : q) {
    if (p == a || p == b) continue;
    const auto part = party.template receive<Mersenne61>(p, mine.size());
    batch::add<Mersenne61>(mine, part, mine);
  }
  return mine;
}

/// Readings per garbled range circuit: bounds the circuit's memory (about 240 gates per value).
inline constexpr std::size_t range_chunk = 8192;

/// Step 1c of round_protocol.hpp: the clients of `set` with a reading outside its channel's
/// range, sorted, known at every live gateway. `values` are this gateway's shares of the
/// readings of `set`, channel-major (values[c * K + i], K readings per channel). a and b run the
/// circuit by dual execution (gc/dual_execution.hpp; a is the first party; `garble_as` is the
/// test hook of a cheating garbler): both learn the bits, and each tells every other live
/// gateway, which requires the two lists to be equal (a gateway of the pair that lies to the
/// others is detected: errc::protocol_violation).
template <class Tr>
std::vector<ClientId> out_of_range_clients(Party<Tr>& party, const GroupConfig& group, std::span<const PartyId> live,
                                           PartyId self, const ContributorSet& set, std::span<const Mersenne61> values,
                                           PartyId a, PartyId b, Prg& prg, const gc::GarbleAs& garble_as = {}) {
  const std::size_t channels = group.channels.size(), m = live.size(), K = values.size() / channels;
  const PartyId me = party.id();
  std::vector<ClientId> out;
  if (K == 0) return out;
  const auto pair_shares = share_to_pair(party, group, live, self, a, b, values, prg);
  if (me == a || me == b) {
    // Per reading (channel-major), in range or not; then per client.
    std::vector<bool> ok(channels * K, true);
    for (std::size_t c = 0; c < channels; ++c) {
      const auto& ch = group.channels[c];
      const FixedPoint<Mersenne61> format(ch.frac_bits);
      const gc::FieldRangeSpec spec{format.encode(ch.min).to_int(), format.encode(ch.max).to_int()};
      for (std::size_t from = 0; from < K; from += range_chunk) {
        const std::size_t n = std::min(range_chunk, K - from);
        const auto bits = gc::two_party_field_range(party, prg, me == a ? b : a, me == a, spec,
                                                    std::span<const Mersenne61>(*pair_shares).subspan(c * K + from, n),
                                                    gc::Reveal::to_both_checked, garble_as);
        if (!bits || bits->size() != n) throw error(errc::protocol_violation, "round: no range bits");
        for (std::size_t i = 0; i < n; ++i) ok[c * K + from + i] = (*bits)[i];
      }
    }
    std::size_t at = 0;
    for (const auto& [client, k] : set) {
      bool good = true;
      for (std::uint32_t j = 0; j < k; ++j, ++at)
        for (std::size_t c = 0; c < channels; ++c) good = good && ok[c * K + at];
      if (!good) out.push_back(client);
    }
    ByteWriter w;
    w.u32(static_cast<std::uint32_t>(out.size()));
    for (const ClientId c : out) w.u32(c);
    const std::vector<std::uint8_t> msg = std::move(w).take();
    for (PartyId p = 0; p < m; ++p)
      if (p != a && p != b) party.send_bytes(p, msg);
    return out;
  }
  const auto bytes = party.receive_bytes(a);
  if (party.receive_bytes(b) != bytes)
    throw error(errc::protocol_violation, "round: the circuit pair sent two different out-of-range lists");
  ByteReader r(bytes, "round: out-of-range list");
  const std::uint32_t n = r.count(4);
  if (n > set.size()) throw error(errc::malformed_message, "round: an out-of-range list longer than the round");
  for (std::uint32_t i = 0; i < n; ++i) {
    out.push_back(r.u32());
    const bool known = std::binary_search(set.begin(), set.end(), std::make_pair(out.back(), std::uint32_t{0}),
                                          [](const auto& x, const auto& y) { return x.first < y.first; });
    if (!known || (i > 0 && !(out[i - 1] < out[i])))
      throw error(errc::malformed_message, "round: an out-of-range list not sorted or naming a client not in the round");
  }
  r.done();
  return out;
}

}  // namespace platform::detail::round
EDGEMPC_END_NAMESPACE
