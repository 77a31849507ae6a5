// SPDX-License-Identifier: Apache-2.0
// Which live gateways finish a round when some links between them are broken.
//
// The problem. A round finishes over a mesh: every pair of its gateways must link (TCP with an
// authenticated hello, then Noise KK). One broken or mis-keyed link between two gateways fails
// every mesh that holds both, although the others, with either of the two, may be a quorum.
//
// The rule. Each gateway keeps, per round, the set of peers it failed to link with (its
// "unreachable" mask) and publishes it on its ingest port (platform/ingest.hpp, request kind
// `links`). A link is broken if either end names the other. Every gateway computes, from the same
// live set and the same masks, the same choice: the largest subset of the live gateways in which
// no link is broken, holding at least `quorum` gateways and at least one recipient; among equally
// large ones, the one with more recipients, then the one whose sorted ids come first. The chosen
// gateways build the mesh; a live gateway left out does not, and learns the round's outcome by
// probing the others (round_finisher.hpp).
//
// Why this converges. A mask only grows within a round (a failure is never forgotten until the
// round ends, or until a gateway finds no quorum at all and starts over), and each retry reads
// every mask again, so gateways that chose differently because one had not yet seen a mask choose
// alike at the next attempt.
//
// Cost. Exact search over the gateways that touch a broken link (at most 2^16 candidate subsets);
// beyond 16 such gateways (far more broken links than a group of a few gateways has) a greedy
// rule drops the gateway with the most broken links first, recipients last, the higher id first.
//
// Security. The masks come from the ingest port, which anyone may ask and which a lying gateway
// may fill with anything. A false mask can only leave gateways out of a round: that is a denial
// of service a malicious gateway has anyway (it can refuse to take part), and it never lets a
// stranger into the mesh (the mesh's links are still authenticated end to end).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/error.hpp"
#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// What choose_mesh needs to know about one live gateway.
struct MeshCandidate {
  PartyId id = 0;                 ///< its gateway id (< 64)
  bool recipient = false;         ///< whether the policy lets it learn the results
  std::uint64_t unreachable = 0;  ///< bit j set: it failed to link with gateway j this round
};

/// The gateways (sorted ids) that should finish the round, or nullopt if no subset of `live`
/// without a broken link holds `quorum` gateways and a recipient. `live` may be in any order;
/// ids must be distinct and below 64.
[[nodiscard]] inline std::optional<std::vector<PartyId>> choose_mesh(std::span<const MeshCandidate> live,
                                                                     std::size_t quorum) {
  std::vector<MeshCandidate> c(live.begin(), live.end());
  std::sort(c.begin(), c.end(), [](const MeshCandidate& a, const MeshCandidate& b) { return a.id < b.id; });
  std::uint64_t present = 0;
  for (const auto& g : c) {
    if (g.id >= 64) throw error(errc::invalid_argument, "choose_mesh: gateway id " + std::to_string(g.id) + " (below 64)");
    if (present >> g.id & 1) throw error(errc::invalid_argument, "choose_mesh: gateway " + std::to_string(g.id) + " twice");
    present |= std::uint64_t{1} << g.id;
  }
  const std::size_t m = c.size();
  // broken[i]: indices (into c) of the live gateways i cannot link with, as a mask over c.
  std::vector<std::uint64_t> broken(m, 0);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < m; ++j)
      if (i != j && ((c[i].unreachable >> c[j].id & 1) || (c[j].unreachable >> c[i].id & 1)))
        broken[i] |= std::uint64_t{1} << j;
  const std::uint64_t all = m == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << m) - 1;

  const auto recipients = [&](std::uint64_t set) {
    std::size_t k = 0;
    for (std::size_t i = 0; i < m; ++i) k += (set >> i & 1) && c[i].recipient;
    return k;
  };
  const auto clique = [&](std::uint64_t set) {
    for (std::size_t i = 0; i < m; ++i)
      if ((set >> i & 1) && (broken[i] & set)) return false;
    return true;
  };
  // Better: larger, then more recipients, then the smaller ids first (on sorted ids, comparing
  // the sets' lowest differing member: the set holding it comes first).
  const auto better = [&](std::uint64_t a, std::uint64_t b) {
    const int pa = std::popcount(a), pb = std::popcount(b);
    if (pa != pb) return pa > pb;
    const std::size_t ra = recipients(a), rb = recipients(b);
    if (ra != rb) return ra > rb;
    const std::uint64_t diff = a ^ b;
    return diff != 0 && (a & (diff & (~diff + 1))) != 0;
  };

  std::uint64_t touched = 0;  // gateways with at least one broken link
  for (std::size_t i = 0; i < m; ++i)
    if (broken[i]) touched |= std::uint64_t{1} << i;

  std::optional<std::uint64_t> best;
  const auto consider = [&](std::uint64_t set) {
    if (static_cast<std::size_t>(std::popcount(set)) < quorum || recipients(set) == 0 || !clique(set)) return;
    if (!best || better(set, *best)) best = set;
  };
  if (std::popcount(touched) <= 16) {
    // Every subset of the touched gateways to keep, with every untouched one.
    std::vector<std::size_t> t;
    for (std::size_t i = 0; i < m; ++i)
      if (touched >> i & 1) t.push_back(i);
    for (std::uint32_t pick = 0; pick < (1u << t.size()); ++pick) {
      std::uint64_t set = all & ~touched;
      for (std::size_t k = 0; k < t.size(); ++k)
        if (pick >> k & 1) set |= std::uint64_t{1} << t[k];
      consider(set);
    }
  } else {
    std::uint64_t set = all;
    while (!clique(set)) {
      std::size_t drop = m;
      int worst = -1;
      for (std::size_t i = 0; i < m; ++i) {
        if (!(set >> i & 1)) continue;
        const int b = std::popcount(broken[i] & set);
        if (b == 0) continue;
        // More broken links first; then a non-recipient before a recipient; then the higher id.
        const int score = b * 4 + (c[i].recipient ? 0 : 2);
        if (score >= worst) worst = score, drop = i;
      }
      set &= ~(std::uint64_t{1} << drop);
    }
    consider(set);
  }
  if (!best) return std::nullopt;
  std::vector<PartyId> out;
  for (std::size_t i = 0; i < m; ++i)
    if (*best >> i & 1) out.push_back(c[i].id);
  return out;
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
