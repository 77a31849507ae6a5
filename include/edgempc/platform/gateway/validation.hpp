// SPDX-License-Identifier: Apache-2.0
// Validation: the live gateways check, without seeing any reading, that every device's Shamir
// shares are well formed before the round uses them, and name the devices whose are not.
//
// What is checked, per device, over everything it sent for the round (for k readings of C
// channels: kC values x, kC claimed squares y and each reading's range bits, the layout of
// platform/reading_layout.hpp):
//   - consistency: each of the 2kC share vectors lies on one polynomial of degree t (so every
//     set of t + 1 gateways reconstructs the same value: a device cannot make the result depend
//     on which gateways are live);
//   - squares, if asked: y = x^2 exactly in the field, for each reading (else the variance could
//     be moved at will). platform/device/client.hpp sends X^2 for the encoded reading X for this
//     reason (a rounded fixed-point x^2 would satisfy no polynomial identity);
//   - range, if the layout carries range bits: every bit b has b^2 - b = 0, and every reading
//     X - lo = sum_j w_j b_j, so X lies in its channel's [lo, hi] exactly (the weights add up
//     to hi - lo: platform/reading_layout.hpp).
// The quota (readings per round) is counted by the caller from the agreed set. With fewer than
// 2t + 1 live gateways the squares and range bits cannot be checked here; the caller then checks
// the range by a garbled circuit (gc/field_range.hpp, round_protocol.hpp step 1c), on the
// consistent shares this header establishes.
//
// How. Both checks ask whether a public linear function of the gateways' shares is zero:
//   - consistency: for each live gateway e past the first t + 1, s_e - sum_{p<=t} l_p s_p = 0,
//     with l the Lagrange coefficients of the first t + 1 points at e's point (m - t - 1 rows;
//     needs m >= t + 2 live gateways);
//   - squares: the shares of x^2 - y, computed locally as s_x^2 - s_y, lie on a polynomial of
//     degree 2t whose value at 0 is x^2 - y; it is sum_{p<=2t} mu_p (s_x,p^2 - s_y,p) with mu the
//     Lagrange coefficients at 0 of the first 2t + 1 points (needs m >= 2t + 1; for 2t >= m the
//     check is skipped and the caller must not reveal anything built on y, see round_protocol.hpp);
//   - range: sum_{p<=2t} mu_p (sum rho (b_p^2 - b_p) + sum rho' (s_x,p - lo - sum_j w_j b_j,p)),
//     the same degree-2t opening (the recomposition is degree t, the constant lo the same share
//     at every point), one more value per group, so that a failure names its reason.
// Many devices are checked at once by a random linear combination: with coefficients rho drawn
// after the round's submissions are fixed, each gateway sums rho_j times its shares over a group
// of devices, multiplies by its public coefficient, adds a zero-sum mask and sends the result to
// every other gateway; each adds the m values up. The masks are pairwise (gateway p adds r_pq and
// q subtracts it, r_pq from a seed p and q share), as in secure aggregation (K. Bonawitz et al.,
// "Practical secure aggregation for privacy-preserving machine learning", CCS 2017): an
// individual value reveals nothing, only the sum is learnt. A group whose sums are all zero is
// valid; a failing group is split in two and each half checked again with fresh coefficients
// (bisection), down to single devices, which are named. With no invalid device a round costs one
// exchange; with c of them at most c(1 + log2 N) group checks in 1 + ceil(log2 N) exchanges.
//
// Soundness. The field has p = 2^61 - 1 elements. For a group containing an invalid device the
// opened sum is a non-zero polynomial of degree 1 in the coefficients rho (each row separately),
// which vanishes at uniformly random rho with probability at most 1/p < 2^-60 (Schwartz-Zippel),
// per check; an invalid device is named unless one of at most 1 + log2 N checks on its path
// passes by chance. An honest device is never named: its own terms are exactly zero, so a group
// holding only honest devices always passes and a single honest device is never split off as a
// failure.
//
// Privacy. A valid device's terms are exactly zero in every opened sum, so an opened value is a
// function of invalid devices' shares only; the masks hide each gateway's individual value from
// any m - 2 others. The coefficients come from a coin every gateway contributes to (BLAKE2b of
// all contributions), drawn after the contributor set is stored, so no device can choose its
// shares knowing them; each gateway commits to its part (BLAKE2b) before any part is shown, so
// no gateway can choose its part knowing the others' (and so pick coefficients for a cheater).
//
// Wire (Party framing), m live gateways, mesh indices:
//   commit:     to every other gateway: 32 bytes, BLAKE2b-256("edgempc validation coin" || coin part).
//   seeds:      to every other gateway q: 32 bytes of coin part, then, if this gateway's index is
//               below q's, 32 bytes of the pair's mask seed. A part that does not match its
//               commitment fails the attempt (errc::protocol_violation).
//   exchange i: to every other gateway: G_i * R Mersenne61 elements (wire::encode), G_i groups of
//               R = rows + (1 if squares are checked) masked values each, groups in candidate order.
// Streams (ChaCha20, the same on every machine): coefficients from BLAKE2b(coin; "rho", i, group
// start), masks from BLAKE2b(pair seed; "mask", i).
//
// Security model: devices are malicious; gateways semi-honest here (they follow the steps; a
// gateway that lies about its sums can make a valid device be named, or an invalid one pass:
// the opened sums carry no redundancy to catch it).
#pragma once

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"
#include "edgempc/party.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/reading_layout.hpp"
#include "edgempc/platform/round_report.hpp"
#include "edgempc/platform/split_scheme.hpp"
#include "edgempc/sharing/shamir.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// What the live gateways can check, given how many are live.
struct ValidationPlan {
  std::size_t rows = 0;      ///< consistency rows: m - t - 1 (0 if m < t + 2)
  bool squares = false;      ///< whether y = x^2 is checked (m >= 2t + 1)
  bool range = false;        ///< whether the range bits are checked (m >= 2t + 1, rows with bits)
  [[nodiscard]] std::size_t values() const noexcept { return rows + (squares ? 1 : 0) + (range ? 1 : 0); }
};

/// The checks m live gateways can run for a Shamir sharing of threshold t (squares only if
/// asked for and m >= 2t + 1; the range likewise, if the rows carry range bits).
[[nodiscard]] constexpr ValidationPlan validation_plan(std::size_t live, std::size_t threshold, bool squares = true,
                                                       bool ranged = false) noexcept {
  const bool majority = live >= 2 * threshold + 1;
  return {live >= threshold + 2 ? live - threshold - 1 : 0, squares && majority, ranged && majority};
}

/// Counters of one validation, for logs and benchmarks.
struct ValidationStats {
  std::size_t exchanges = 0;  ///< rounds of messages after the seeds
  std::size_t groups = 0;     ///< group checks opened, in all
};

/// (client, readings) pairs, sorted by client: who contributed to a round, and how much.
using ContributorSet = std::vector<std::pair<ClientId, std::uint32_t>>;

namespace detail::validation {

using Seed = Prg::Seed;

/// BLAKE2b-256 keyed with `key` of (label, a, b): one derived seed per use.
inline Seed derive(const Seed& key, std::string_view label, std::uint32_t a, std::uint32_t b) {
  std::vector<std::uint8_t> msg(label.begin(), label.end());
  msg.resize(msg.size() + 8);
  edgempc::detail::store_le<std::uint32_t>(msg.data() + label.size(), a);
  edgempc::detail::store_le<std::uint32_t>(msg.data() + label.size() + 4, b);
  Seed out;
  ensure_sodium();
  crypto_generichash(out.data(), out.size(), msg.data(), msg.size(), key.data(), key.size());
  return out;
}

/// The commitment to a coin part: BLAKE2b-256 (unkeyed) of a label and the part. The part is 256
/// random bits, so the hash hides it, and BLAKE2b's collision resistance binds the sender to it.
inline Seed commit(const Seed& part) {
  static constexpr std::string_view label = "edgempc validation coin";
  Seed out;
  ensure_sodium();
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, out.size());
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(label.data()), label.size());
  crypto_generichash_update(&st, part.data(), part.size());
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

/// A group of candidates [begin, end), in candidate order.
struct Group {
  std::size_t begin = 0, end = 0;
};

}  // namespace detail::validation

/// Checks the shares of every candidate among the live gateways (see the header): consistency,
/// and, if `squares`, y = x^2 exactly, and, if the layout carries range bits, each reading's
/// range (with 2t + 1 live: validation_plan says what runs); returns the invalid ones, sorted by
/// client, with the first failed check as the reason (inconsistent, then bad square, then out of
/// range). `live` are the gateway ids in mesh order (Party index i is live[i]); `held` must hold
/// every candidate's shares in `layout` (platform/reading_layout.hpp), k * layout.row_elements()
/// elements for k rows. Every live gateway
/// calls it with the same candidates. Throws on a bad message or a lost peer (the caller's attempt
/// fails and is retried); errc::invalid_argument for a scheme that is not Shamir. `forced_coin`
/// is for tests only: it replaces the coin the gateways toss (soundness rests on nobody knowing
/// the coin before the shares are fixed; a test shows a cheat built for a known coin passing).
template <class Tr>
[[nodiscard]] std::vector<RejectedClient> validate_shares(Party<Tr>& party, const SplitScheme& scheme,
                                                          std::span<const PartyId> live, const ContributorSet& candidates,
                                                          const std::map<ClientId, std::vector<Mersenne61>>& held,
                                                          const ReadingLayout& layout, bool squares,
                                                          ValidationStats* stats = nullptr,
                                                          const Prg::Seed* forced_coin = nullptr) {
  using namespace detail::validation;
  if (scheme.kind != SplitScheme::Kind::shamir)
    throw error(errc::invalid_argument, "validate_shares: only Shamir shares can be checked");
  const std::size_t m = live.size(), t = scheme.threshold;
  const PartyId me = party.id();
  const std::size_t channels = layout.channels();
  if (m != party.parties() || channels == 0)
    throw error(errc::invalid_argument, "validate_shares: a live set of " + std::to_string(m) + " for a mesh of " +
                                            std::to_string(party.parties()));
  const ValidationPlan plan = validation_plan(m, t, squares, layout.ranged());
  if (plan.values() == 0 || candidates.empty()) return {};

  // This gateway's public coefficient in each checked value.
  std::vector<Mersenne61> coefficient(plan.values(), Mersenne61::zero());
  {
    std::vector<Mersenne61> xs;
    for (std::size_t k = 0; k <= t; ++k) xs.push_back(Shamir::point(live[k]));
    for (std::size_t row = 0; row < plan.rows; ++row) {
      const std::size_t e = t + 1 + row;
      if (me == e) coefficient[row] = Mersenne61::one();
      else if (me <= t) coefficient[row] = -edgempc::detail::lagrange_at(xs, Shamir::point(live[e]))[me];
    }
    if ((plan.squares || plan.range) && me <= 2 * t) {
      std::vector<Mersenne61> xs2;
      for (std::size_t k = 0; k <= 2 * t; ++k) xs2.push_back(Shamir::point(live[k]));
      const Mersenne61 mu = edgempc::detail::lagrange_at(xs2, Mersenne61::zero())[me];
      for (std::size_t v = plan.rows; v < plan.values(); ++v) coefficient[v] = mu;
    }
  }

  // Seeds: a coin from everyone, committed to before any is shown (so that no gateway picks its
  // part knowing the others'), and one mask seed per pair (from the lower index).
  Seed coin_part = Prg::random_seed();
  std::vector<Seed> pair(m);
  for (PartyId q = me + 1; q < m; ++q) pair[q] = Prg::random_seed();
  std::vector<Seed> commitments(m);
  commitments[me] = commit(coin_part);
  for (PartyId q = 0; q < m; ++q)
    if (q != me) party.send_bytes(q, std::span<const std::uint8_t>(commitments[me]));
  for (PartyId q = 0; q < m; ++q) {
    if (q == me) continue;
    const auto msg = party.receive_bytes(q);
    if (msg.size() != 32) throw error(errc::malformed_message, "validation: a bad coin commitment");
    std::copy_n(msg.begin(), 32, commitments[q].begin());
  }
  for (PartyId q = 0; q < m; ++q) {
    if (q == me) continue;
    std::vector<std::uint8_t> msg(coin_part.begin(), coin_part.end());
    if (me < q) msg.insert(msg.end(), pair[q].begin(), pair[q].end());
    party.send_bytes(q, msg);
  }
  std::vector<Seed> coins(m);
  coins[me] = coin_part;
  for (PartyId q = 0; q < m; ++q) {
    if (q == me) continue;
    const auto msg = party.receive_bytes(q);
    if (msg.size() != (q < me ? 64u : 32u)) throw error(errc::malformed_message, "validation: a bad seed message");
    std::copy_n(msg.begin(), 32, coins[q].begin());
    if (q < me) std::copy_n(msg.begin() + 32, 32, pair[q].begin());
    if (commit(coins[q]) != commitments[q])
      throw error(errc::protocol_violation, "validation: gateway " + std::to_string(live[q]) +
                                                "'s coin does not match its commitment");
  }
  Seed coin;
  {
    crypto_generichash_state st;
    crypto_generichash_init(&st, nullptr, 0, coin.size());
    for (const auto& c : coins) crypto_generichash_update(&st, c.data(), c.size());
    crypto_generichash_final(&st, coin.data(), coin.size());
  }
  if (forced_coin) coin = *forced_coin;

  // This gateway's shares of each candidate, checked against the agreed counts.
  std::vector<const std::vector<Mersenne61>*> shares(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto it = held.find(candidates[i].first);
    if (it == held.end() || it->second.size() != std::size_t{candidates[i].second} * layout.row_elements())
      throw error(errc::protocol_violation, "validation: client " + std::to_string(candidates[i].first) +
                                                "'s shares do not match the agreed count");
    shares[i] = &it->second;
  }

  std::vector<RejectedClient> rejected;
  std::vector<Group> frontier{{0, candidates.size()}};
  std::vector<Mersenne61> rho, diff, bit_diff, rec;
  // Each channel's range in field elements, once.
  std::vector<Mersenne61> lows;
  std::vector<std::uint32_t> bit_count;
  std::vector<std::vector<Mersenne61>> weights;
  if (plan.range)
    for (std::size_t c = 0; c < channels; ++c) {
      const ChannelRange& range = layout.range(c);
      lows.push_back(Mersenne61::from_int(range.lo));
      bit_count.push_back(range.bits);
      weights.emplace_back();
      for (std::uint32_t j = 0; j < range.bits; ++j) weights.back().push_back(Mersenne61::from_rep(range.weight(j)));
    }
  for (std::uint32_t round = 0; !frontier.empty(); ++round) {
    const std::size_t values = plan.values();
    std::vector<Mersenne61> mine(frontier.size() * values, Mersenne61::zero());
    for (std::size_t g = 0; g < frontier.size(); ++g) {
      // One coefficient per element of the group, drawn at once. Each check uses a disjoint or
      // equal slice of a device's coefficients: the consistency rows all of them, the square
      // check those of x, the recomposition those of y, the bit check those of the bits. Every
      // opened value is then a sum with i.i.d. uniform coefficients, which is all the soundness
      // argument needs (one check at a time; no check can cancel another's terms).
      std::size_t total = 0;
      for (std::size_t i = frontier[g].begin; i < frontier[g].end; ++i) total += shares[i]->size();
      rho.resize(total);
      Prg stream(derive(coin, "rho", round, static_cast<std::uint32_t>(frontier[g].begin)), PrgAlgorithm::chacha20);
      batch::random_fill<Mersenne61>(stream, rho);
      Mersenne61 lin = Mersenne61::zero(), sq = Mersenne61::zero(), in_range = Mersenne61::zero();
      std::size_t at = 0;
      for (std::size_t i = frontier[g].begin; i < frontier[g].end; ++i) {
        const auto& s = *shares[i];
        const std::size_t n = candidates[i].second * channels;  // readings: values, squares, then bits
        const std::span<const Mersenne61> x(s.data(), n), y(s.data() + n, n), bits(s.data() + 2 * n, s.size() - 2 * n);
        const std::span<const Mersenne61> r(rho.data() + at, s.size());
        at += s.size();
        lin = lin + batch::dot<Mersenne61>(r, s);
        if (plan.squares) {
          diff.resize(n);
          batch::mul<Mersenne61>(x, x, diff);
          batch::sub<Mersenne61>(diff, y, diff);
          sq = sq + batch::dot<Mersenne61>(r.first(n), diff);
        }
        if (plan.range) {
          // Every bit a bit: b^2 - b (degree 2t) ...
          bit_diff.resize(bits.size());
          batch::mul<Mersenne61>(bits, bits, bit_diff);
          batch::sub<Mersenne61>(bit_diff, bits, bit_diff);
          in_range = in_range + batch::dot<Mersenne61>(r.subspan(2 * n), bit_diff);
          // ... and every reading its bits: x - lo - sum_j w_j b_j (degree t; lo is a public
          // constant, the same share at every point).
          rec.resize(n);
          for (std::size_t k = 0; k < n; ++k) {
            const std::size_t c = k % channels;
            const Mersenne61* b = bits.data() + (k / channels) * layout.row_bits() + layout.bit_offset(c);
            Mersenne61 v = x[k] - lows[c];
            for (std::uint32_t j = 0; j < bit_count[c]; ++j) v = v - weights[c][j] * b[j];
            rec[k] = v;
          }
          in_range = in_range + batch::dot<Mersenne61>(r.subspan(n, n), rec);
        }
      }
      for (std::size_t row = 0; row < plan.rows; ++row) mine[g * values + row] = coefficient[row] * lin;
      if (plan.squares) mine[g * values + plan.rows] = coefficient[plan.rows] * sq;
      if (plan.range) mine[g * values + values - 1] = coefficient[values - 1] * in_range;
    }
    // Pairwise masks: + r_pq at the lower index, - r_pq at the higher.
    {
      std::vector<Mersenne61> r(mine.size());
      for (PartyId q = 0; q < m; ++q) {
        if (q == me) continue;
        Prg stream(derive(pair[q], "mask", round, 0), PrgAlgorithm::chacha20);
        batch::random_fill<Mersenne61>(stream, r);
        if (me < q) batch::add<Mersenne61>(mine, r, mine);
        else batch::sub<Mersenne61>(mine, r, mine);
      }
    }
    for (PartyId q = 0; q < m; ++q)
      if (q != me) party.template send<Mersenne61>(q, mine);
    std::vector<Mersenne61> total = mine;
    for (PartyId q = 0; q < m; ++q)
      if (q != me) batch::add<Mersenne61>(total, party.template receive<Mersenne61>(q, mine.size()), total);
    if (stats) ++stats->exchanges, stats->groups += frontier.size();

    std::vector<Group> next;
    for (std::size_t g = 0; g < frontier.size(); ++g) {
      bool consistent = true;
      for (std::size_t row = 0; row < plan.rows; ++row) consistent = consistent && total[g * values + row] == Mersenne61::zero();
      const bool square = !plan.squares || total[g * values + plan.rows] == Mersenne61::zero();
      const bool ranged = !plan.range || total[g * values + values - 1] == Mersenne61::zero();
      if (consistent && square && ranged) continue;
      const Group grp = frontier[g];
      if (grp.end - grp.begin == 1) {
        const Rejection why = !consistent ? Rejection::inconsistent_shares
                              : !square   ? Rejection::bad_square
                                          : Rejection::out_of_range;
        rejected.push_back({candidates[grp.begin].first, why});
      } else {
        const std::size_t mid = grp.begin + (grp.end - grp.begin) / 2;
        next.push_back({grp.begin, mid});
        next.push_back({mid, grp.end});
      }
    }
    frontier = std::move(next);
  }
  secure_wipe(coin_part.data(), coin_part.size());
  for (auto& s : pair) secure_wipe(s.data(), s.size());
  std::sort(rejected.begin(), rejected.end(), [](const auto& a, const auto& b) { return a.client < b.client; });
  return rejected;
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
