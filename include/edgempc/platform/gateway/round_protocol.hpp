// SPDX-License-Identifier: Apache-2.0
// The round protocol: what the live gateways of a group say to each other to finish one round,
// once they are connected (over any Transport: Noise over TCP in the gateway, LocalNetwork in
// tests). A free template over Party<Tr>; it knows nothing of sockets, stores or clocks, which
// the caller hands in (RoundHooks). round_finisher.hpp finds the live gateways, builds the
// mesh and retries; this header is one attempt.
//
// Inputs per gateway: its shares of each client's readings, their squares and (devices validated)
// their range bits (platform/reading_layout.hpp: k rows of C channels, values, squares, bits), and
// the agreed contributor set if an earlier attempt stored one. Mesh index i is gateway live[i].
//
// Messages, in order (Party framing; u32 little-endian):
//  0. check: u32 round, u32 live[0..m): every gateway means the same round and live set.
//  1. contributors: u32 flag (1 if an agreed set is stored), the stored set, the held set; a set
//     is u32 count, then (u32 client, u32 readings) sorted by client. The agreed set is the
//     stored one if any gateway has one (all stored ones must be equal, and every gateway must
//     still hold every client of it), else the intersection of the held sets. Stored durably
//     (hooks.store_agreed) before anything is revealed, so a retry can never reveal sums over a
//     second set (whose difference would expose a client). Below policy.min_clients: withheld,
//     and the attempt ends here at every gateway, having revealed nothing.
//  1b. validation: devices over policy.max_readings are left out (over_quota); with
//     policy.validation required, validation.hpp's messages check every other device's shares
//     for consistency (with t + 2 or more live gateways), its squares and its range bits (with
//     2t + 1) and leave out the invalid ones. Every gateway opens the same sums and so leaves out the same devices;
//     the report names them (RoundReport::rejected). With fewer than 2t + 1 live gateways the
//     squares cannot be checked and the variance is not published.
//  1c. range, with t + 1 ... 2t live (the range bits need 2t + 1): the readings of the remaining
//     devices go to A and B as in step 3, which run gc/field_range.hpp's circuit per channel by
//     dual execution (in chunks of 8,192 readings) and both learn, per reading, whether it lies
//     in its channel's [min, max]; A and B each send every other live gateway the sorted list of
//     devices with a reading outside (u32 count, u32 ids), which must be equal. Those are left
//     out (out_of_range). Below min_clients valid devices: withheld.
//  2. sums: each gateway sends the live recipients, per channel, the sum of its shares of x and
//     of x^2 over the valid devices (Mersenne61 elements). Recipients reconstruct (Shamir from all
//     live gateways by Reed-Solomon decoding, sharing/robust.hpp: wrong sums from up to
//     floor((m - t - 1) / 2) gateways are corrected and the senders named in the report's
//     `faulty`; more wrong sums fail the attempt, detected; additive from all n, unchecked).
//  3. min/max/alerts, if the policy reveals any: the first live recipient A and B (the second
//     live recipient if there is one, else the lowest other mesh index) run gc/field_stats.hpp's
//     circuit on additive shares of the valid readings; a quorum Q containing A and B converts its
//     Shamir shares to additive ones (Lagrange at 0) and each member of Q other than A and B
//     splits its share at random between A and B. Devices validated: by dual execution
//     (gc/dual_execution.hpp, A first), both A and B learn the results, and both send them
//     (3 u64 per channel) to the recipients outside the pair, which require the two equal.
//     Devices trusted: one semi-honest run, A garbles, and A sends the results.
//  4. outcome: each live recipient stores its report durably (hooks.store_outcome) and then
//     sends every other live gateway a one-byte ack. A recipient reports `published` once it
//     stored its report; any other gateway only once it has every live recipient's ack. So a round whose
//     recipients all died before storing a result is never reported published: the missing ack
//     fails the attempt, and the gateway retries or, at its finish limit, reports `failed`.
//
// Security model: malicious devices (steps 1b and 1c: a valid device can still report any
// in-range value of its own, once per channel per round); semi-honest gateways,
// at most t colluding for Shamir (none for additive), authenticated and encrypted channels
// between them. What leaks: each gateway learns who contributed, how many readings each sent
// and which were invalid; recipients learn what the policy reveals; A and
// B learn the circuit's outputs only if they are recipients. A gateway that deviates can make
// the attempt fail (a bad message throws errc::malformed_message or protocol_violation). A
// gateway that alters its sums is corrected and named with m >= t + 3 live (one liar; in
// general m >= t + 1 + 2e for e liars) and detected with m = t + 2; with m = t + 1 it goes
// unseen. A gateway of the circuit pair that garbles a wrong circuit, sends wrong labels or uses
// other inputs in the two executions is detected (devices validated: dual execution; the
// attempt fails, errc::protocol_violation), at the price of one bit it may learn about the
// other's shares, and of B learning min/max/alerts when only one recipient is live. One of the
// pair that sends the other recipients wrong results or a wrong out-of-range list is detected
// (they compare A's and B's). A gateway deviating as OT receiver in the circuits is caught by
// the KOS check (ot/iknp.hpp; dual execution always runs it). Not yet covered: a gateway that
// lies in validation (it can get valid devices named or invalid ones through).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/gc/field_stats.hpp"
#include "edgempc/party.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/gateway/circuit_pair.hpp"
#include "edgempc/platform/gateway/validation.hpp"
#include "edgempc/platform/round_report.hpp"
#include "edgempc/sharing/shamir.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// Points of the protocol a test can stop a gateway at (RoundHooks::at).
enum class RoundStep : std::uint8_t {
  checked,         ///< all agree on the round and the live set
  agreed_stored,   ///< the agreed set is durable here
  validated,       ///< the devices' shares are checked; the valid set is known
  sums_sent,       ///< this gateway's sums went to the recipients
  opened,          ///< a recipient reconstructed the linear statistics
  circuit_done,    ///< min/max/alerts known where they go
  outcome_stored,  ///< a recipient stored its report
  acked,           ///< a recipient sent its acks
};

/// What the caller provides. store_agreed is required; the others may be empty.
struct RoundHooks {
  /// Makes the agreed set durable (the gateway: its store); called before anything is revealed.
  std::function<void(const ContributorSet&)> store_agreed;
  /// Makes a recipient's report durable before it acknowledges the round to the others.
  std::function<void(const RoundReport&)> store_outcome;
  /// Called at every step; a test throws from it to kill this gateway there.
  std::function<void(RoundStep)> at;
  /// Test hook: alters this gateway's sums before they are sent (a malicious gateway).
  std::function<void(std::vector<Mersenne61>&)> alter_sums;
  /// Test hook: the circuit this gateway garbles instead of the right one, if it is one of the
  /// circuit pair (a cheating garbler; gc/dual_execution.hpp).
  gc::GarbleAs garble_as;
};

/// One gateway's part of an attempt.
struct RoundInput {
  std::uint32_t round = 0;
  std::vector<PartyId> live;  ///< gateway ids, sorted; mesh index i is live[i]; includes `self`
  PartyId self = 0;           ///< this gateway's id
  /// This gateway's shares per client (layout above); must outlive the call.
  const std::map<ClientId, std::vector<Mersenne61>>* held = nullptr;
  std::optional<ContributorSet> agreed;  ///< stored by an earlier attempt
};

namespace detail::round {

inline void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  const std::size_t at = out.size();
  out.resize(at + 4);
  edgempc::detail::store_le<std::uint32_t>(out.data() + at, v);
}

/// Reads u32s from a message with bounds checks: errc::malformed_message past the end.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  std::uint32_t u32() {
    if (b_.size() - at_ < 4) throw error(errc::malformed_message, "round: a truncated message");
    const auto v = edgempc::detail::load_le<std::uint32_t>(b_.data() + at_);
    at_ += 4;
    return v;
  }
  [[nodiscard]] std::size_t left() const noexcept { return b_.size() - at_; }
  void done() const {
    if (at_ != b_.size()) throw error(errc::malformed_message, "round: trailing bytes in a message");
  }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t at_ = 0;
};

inline void encode_set(std::vector<std::uint8_t>& out, const ContributorSet& set) {
  put_u32(out, static_cast<std::uint32_t>(set.size()));
  for (const auto& [id, k] : set) put_u32(out, id), put_u32(out, k);
}

inline ContributorSet decode_set(Reader& r) {
  const std::uint32_t n = r.u32();
  if (n > r.left() / 8) throw error(errc::malformed_message, "round: a client list longer than its message");
  ContributorSet out(n);
  for (auto& [id, k] : out) id = r.u32(), k = r.u32();
  for (std::size_t i = 1; i < out.size(); ++i)
    if (!(out[i - 1].first < out[i].first)) throw error(errc::malformed_message, "round: a client list not sorted");
  return out;
}

/// Bits w such that every encoded reading of the channel lies in [-2^(w-1), 2^(w-1)).
inline std::uint32_t value_bits(const ChannelConfig& c) {
  const double bound = std::ceil(std::ldexp(std::max(std::fabs(c.min), std::fabs(c.max)), static_cast<int>(c.frac_bits)));
  return static_cast<std::uint32_t>(std::bit_width(static_cast<std::uint64_t>(bound))) + 1;
}

inline void apply(const PolicyConfig& pol, ChannelResult& out, const gc::FieldStats& s, const FixedPoint<Mersenne61>& format,
                  bool alerts) {
  if (pol.reveals(Statistic::minimum)) out.minimum = format.decode(Mersenne61::from_int(s.minimum));
  if (pol.reveals(Statistic::maximum)) out.maximum = format.decode(Mersenne61::from_int(s.maximum));
  if (pol.reveals(Statistic::alerts) && alerts) out.alerts = s.above;
}

/// This gateway's shares of every reading of `set`, channel-major (values[c * K + i], K readings
/// in all), and of their squares.
struct Gathered {
  std::size_t K = 0;
  std::vector<Mersenne61> values, squares;
};

inline Gathered gather(const std::map<ClientId, std::vector<Mersenne61>>& held, const ContributorSet& set,
                       const ReadingLayout& layout) {
  const std::size_t channels = layout.channels();
  Gathered g;
  for (const auto& e : set) g.K += e.second;
  g.values.resize(channels * g.K);
  g.squares.resize(channels * g.K);
  std::size_t at = 0;
  for (const auto& [client, k] : set) {
    const auto it = held.find(client);
    if (it == held.end() || it->second.size() != std::size_t{k} * layout.row_elements())
      throw error(errc::protocol_violation, "round: client " + std::to_string(client) + "'s shares do not match the agreed count");
    const auto& e = it->second;
    for (std::uint32_t j = 0; j < k; ++j, ++at)
      for (std::size_t c = 0; c < channels; ++c) {
        g.values[c * g.K + at] = e[j * channels + c];
        g.squares[c * g.K + at] = e[k * channels + j * channels + c];
      }
  }
  return g;
}

/// The entries of `set` whose client is not in `drop` (sorted).
inline ContributorSet without(const ContributorSet& set, std::span<const ClientId> drop) {
  ContributorSet kept;
  std::size_t d = 0;
  for (const auto& e : set) {
    while (d < drop.size() && drop[d] < e.first) ++d;
    if (d < drop.size() && drop[d] == e.first) continue;
    kept.push_back(e);
  }
  return kept;
}

}  // namespace detail::round

/// The contributor set a gateway offers: every client it holds, with its reading count.
[[nodiscard]] inline ContributorSet held_set(const std::map<ClientId, std::vector<Mersenne61>>& held,
                                            const ReadingLayout& layout) {
  ContributorSet out;
  out.reserve(held.size());
  for (const auto& [client, e] : held) out.emplace_back(client, static_cast<std::uint32_t>(layout.rows(e.size())));
  return out;
}

/// One attempt at finishing round in.round among the gateways in.live (see the header). Returns
/// this gateway's report: published (with the statistics at recipients) or withheld. Throws on
/// any failure (a silent or lost peer, a bad message, a hook that throws); the caller retries.
template <class Tr>
RoundReport run_round_protocol(Party<Tr>& party, const GroupConfig& group, const RoundInput& in,
                               const RoundHooks& hooks, Prg& prg) {
  using namespace detail::round;
  const auto step = [&](RoundStep s) {
    if (hooks.at) hooks.at(s);
  };
  const std::size_t m = in.live.size(), channels = group.channels.size();
  if (in.held == nullptr || !hooks.store_agreed || m != party.parties() || channels == 0)
    throw error(errc::invalid_argument, "run_round_protocol: no shares, no store_agreed hook, or a live set of " +
                                            std::to_string(m) + " for a mesh of " + std::to_string(party.parties()));
  const PartyId me = party.id();
  if (in.live[me] != in.self)
    throw error(errc::invalid_argument, "run_round_protocol: mesh index " + std::to_string(me) + " is not gateway " +
                                            std::to_string(in.self));
  RoundReport report;
  report.round = in.round;
  report.live = in.live;

  // 0. The same round and live set everywhere.
  {
    std::vector<std::uint8_t> check;
    put_u32(check, in.round);
    for (const PartyId p : in.live) put_u32(check, p);
    for (PartyId p = 0; p < m; ++p)
      if (p != me) party.send_bytes(p, check);
    for (PartyId p = 0; p < m; ++p)
      if (p != me && party.receive_bytes(p) != check)
        throw error(errc::protocol_violation, "round: a peer finishing another round or with another live set");
  }
  step(RoundStep::checked);

  // 1. Contributors.
  const ReadingLayout layout(group);
  const ContributorSet mine = held_set(*in.held, layout);
  {
    std::vector<std::uint8_t> msg;
    put_u32(msg, in.agreed ? 1 : 0);
    encode_set(msg, in.agreed ? *in.agreed : ContributorSet{});
    encode_set(msg, mine);
    for (PartyId p = 0; p < m; ++p)
      if (p != me) party.send_bytes(p, msg);
  }
  std::vector<ContributorSet> lists(m);
  std::optional<ContributorSet> agreed_before;
  for (PartyId p = 0; p < m; ++p) {
    std::optional<ContributorSet> theirs;
    if (p == me) {
      theirs = in.agreed;
      lists[p] = mine;
    } else {
      const auto bytes = party.receive_bytes(p);
      Reader reader(bytes);
      const std::uint32_t flag = reader.u32();
      if (flag > 1) throw error(errc::malformed_message, "round: a bad contributor message");
      ContributorSet stored = decode_set(reader);
      lists[p] = decode_set(reader);
      reader.done();
      if (flag == 1) theirs = std::move(stored);
    }
    if (theirs) {
      if (agreed_before && *agreed_before != *theirs)
        throw error(errc::protocol_violation, "round: two different agreed client sets stored for round " + std::to_string(in.round));
      agreed_before = std::move(theirs);
    }
  }
  ContributorSet agreed;
  if (agreed_before) {
    agreed = *agreed_before;
    for (PartyId p = 0; p < m; ++p)
      for (const auto& entry : agreed)
        if (!std::binary_search(lists[p].begin(), lists[p].end(), entry))
          throw error(errc::protocol_violation, "round: gateway " + std::to_string(in.live[p]) +
                                                    " no longer holds every client of the agreed set of round " +
                                                    std::to_string(in.round));
  } else {
    agreed = lists[0];
    for (PartyId p = 1; p < m; ++p) {
      ContributorSet both;
      std::set_intersection(agreed.begin(), agreed.end(), lists[p].begin(), lists[p].end(), std::back_inserter(both));
      agreed = std::move(both);
    }
  }
  hooks.store_agreed(agreed);  // durable before any reveal (idempotent for a stored set)
  step(RoundStep::agreed_stored);
  report.contributors = agreed.size();
  if (agreed.size() < group.policy.min_clients) {
    report.status = RoundStatus::withheld;
    report.reason = std::to_string(agreed.size()) + " contributors, fewer than the policy's " +
                    std::to_string(group.policy.min_clients);
    return report;
  }

  // The live recipients, and the pair that runs the garbled circuits: the first live recipient
  // A (garbler) and B, the lowest other mesh index (evaluator).
  std::vector<PartyId> recipients;  // mesh indices
  for (PartyId p = 0; p < m; ++p)
    if (group.policy.is_recipient(in.live[p])) recipients.push_back(p);
  if (recipients.empty()) throw error(errc::invalid_argument, "round: no recipient is live");
  const bool i_receive = std::find(recipients.begin(), recipients.end(), me) != recipients.end();
  report.recipient = i_receive;
  // B is the second live recipient if there is one: dual execution shows both the circuits'
  // outputs.
  const PartyId pair_a = recipients.front();
  const PartyId pair_b = recipients.size() > 1 ? recipients[1] : pair_a == 0 ? 1 : 0;

  // 1b. Validation: the quota from the agreed counts, then the shares (validation.hpp), then the
  // range (1c). Every gateway learns the same results, so all leave out the same devices.
  ContributorSet valid;
  for (const auto& e : agreed)
    if (e.second > group.policy.max_readings) report.rejected.push_back({e.first, Rejection::over_quota});
    else valid.push_back(e);
  // Devices' squares are checked with 2t + 1 live gateways; with fewer, no variance is published.
  const bool squares_checked =
      group.policy.validation == Validation::off || validation_plan(m, group.scheme.threshold).squares;
  if (group.policy.validation == Validation::required) {
    const auto bad = validate_shares(party, group.scheme, in.live, valid, *in.held, layout, true);
    std::vector<ClientId> drop;
    for (const auto& r : bad) drop.push_back(r.client);
    valid = without(valid, drop);
    report.rejected.insert(report.rejected.end(), bad.begin(), bad.end());
    // 1c. With fewer than 2t + 1 live the range bits cannot be checked: a garbled circuit checks
    // the readings instead, only now, on consistent shares, so that any quorum converts to the
    // same values.
    if (!validation_plan(m, group.scheme.threshold, true, layout.ranged()).range) {
      const Gathered candidates = gather(*in.held, valid, layout);
      const auto far =
          out_of_range_clients(party, group, in.live, in.self, valid, candidates.values, pair_a, pair_b, prg, hooks.garble_as);
      valid = without(valid, far);
      for (const ClientId c : far) report.rejected.push_back({c, Rejection::out_of_range});
    }
    std::sort(report.rejected.begin(), report.rejected.end(), [](const auto& x, const auto& y) { return x.client < y.client; });
  }
  step(RoundStep::validated);
  report.contributors = valid.size();
  if (valid.size() < group.policy.min_clients) {
    report.status = RoundStatus::withheld;
    report.reason = std::to_string(valid.size()) + " valid contributors (" + std::to_string(report.rejected.size()) +
                    " left out), fewer than the policy's " + std::to_string(group.policy.min_clients);
    return report;
  }

  // This gateway's shares of every valid reading, channel-major: values[c * K + i], and of the squares.
  const Gathered gathered = gather(*in.held, valid, layout);
  const std::size_t K = gathered.K;
  const std::vector<Mersenne61>& values = gathered.values;
  const std::vector<Mersenne61>& squares = gathered.squares;

  // 2. Linear statistics to the live recipients.
  std::vector<Mersenne61> sums(2 * channels, Mersenne61::zero());
  for (std::size_t c = 0; c < channels; ++c) {
    sums[2 * c] = batch::sum<Mersenne61>(std::span<const Mersenne61>(values).subspan(c * K, K));
    sums[2 * c + 1] = batch::sum<Mersenne61>(std::span<const Mersenne61>(squares).subspan(c * K, K));
  }
  if (hooks.alter_sums) hooks.alter_sums(sums);
  for (const PartyId p : recipients)
    if (p != me) party.template send<Mersenne61>(p, sums);
  step(RoundStep::sums_sent);
  if (i_receive) {
    std::vector<std::vector<Mersenne61>> all(m);
    for (PartyId p = 0; p < m; ++p) all[p] = p == me ? sums : party.template receive<Mersenne61>(p, 2 * channels);
    // Wrong sums from up to floor((m - t - 1) / 2) gateways are corrected and their senders named;
    // more are detected (errc::inconsistent_shares: the attempt fails, nothing is revealed).
    RobustReconstruction robust;
    try {
      robust = group.scheme.reconstruct_robust(in.live, all);
    } catch (const error& e) {
      if (e.code() != make_error_code(errc::inconsistent_shares)) throw;
      throw error(errc::inconsistent_shares, "round: the live gateways' sums disagree (a gateway altered its shares; " +
                                                 std::to_string(m) + " live gateways can name up to " +
                                                 std::to_string((m - group.scheme.threshold - 1) / 2) + " liars)");
    }
    const std::vector<Mersenne61>& opened = robust.secrets;
    report.faulty = std::move(robust.faulty);
    report.channels.resize(channels);
    for (std::size_t c = 0; c < channels; ++c) {
      const FixedPoint<Mersenne61> format(group.channels[c].frac_bits);
      auto& out = report.channels[c];
      out.name = group.channels[c].name;
      out.count = K;
      const double mean = K ? format.decode(opened[2 * c]) / static_cast<double>(K) : 0.0;
      // The squares carry twice the fraction bits (platform/device/client.hpp).
      const double mean_sq =
          K ? std::ldexp(static_cast<double>(opened[2 * c + 1].to_int()), -2 * static_cast<int>(group.channels[c].frac_bits)) /
                  static_cast<double>(K)
            : 0.0;
      if (group.policy.reveals(Statistic::mean)) out.mean = mean;
      if (group.policy.reveals(Statistic::variance) && squares_checked) out.variance = mean_sq - mean * mean;
    }
    if (group.policy.reveals(Statistic::variance) && !squares_checked)
      report.reason = "variance not published: checking the devices' squares needs 2t + 1 = " +
                      std::to_string(2 * group.scheme.threshold + 1) + " live gateways, " + std::to_string(m) + " live";
    step(RoundStep::opened);
  }

  // 3. Minimum, maximum and alerts by garbled circuit.
  const auto& pol = group.policy;
  if ((pol.reveals(Statistic::minimum) || pol.reveals(Statistic::maximum) || pol.reveals(Statistic::alerts)) && K > 0) {
    const PartyId a = pair_a, b = pair_b;
    const auto mine_additive = share_to_pair(party, group, in.live, in.self, a, b, values, prg);
    // Devices untrusted: gateways are checked too, by dual execution, and both of the pair tell
    // the other recipients; trusted devices: the semi-honest circuit, A tells them.
    const bool checked = pol.validation == Validation::required;
    if (me == a || me == b) {
      const bool b_receives = std::find(recipients.begin(), recipients.end(), b) != recipients.end();
      for (std::size_t c = 0; c < channels; ++c) {
        const auto& ch = group.channels[c];
        const FixedPoint<Mersenne61> format(ch.frac_bits);
        gc::FieldStatsSpec spec{value_bits(ch), 0};
        const std::int64_t top = (std::int64_t{1} << (spec.value_bits - 1)) - 1;
        spec.threshold = ch.alert_above ? format.encode(*ch.alert_above).to_int() : top;
        const auto stats = gc::two_party_field_stats(party, prg, me == a ? b : a, me == a, spec,
                                                     std::span<const Mersenne61>(*mine_additive).subspan(c * K, K),
                                                     checked      ? gc::Reveal::to_both_checked
                                                     : b_receives ? gc::Reveal::to_both
                                                                  : gc::Reveal::to_garbler,
                                                     hooks.garble_as);
        if (stats && i_receive) apply(pol, report.channels[c], *stats, format, ch.alert_above.has_value());
        if ((me == a || checked) && stats) {  // forward to the recipients outside the pair
          std::vector<std::uint8_t> bytes(24);
          edgempc::detail::store_le<std::uint64_t>(bytes.data(), static_cast<std::uint64_t>(stats->minimum));
          edgempc::detail::store_le<std::uint64_t>(bytes.data() + 8, static_cast<std::uint64_t>(stats->maximum));
          edgempc::detail::store_le<std::uint64_t>(bytes.data() + 16, stats->above);
          for (const PartyId p : recipients)
            if (p != a && p != b) party.send_bytes(p, bytes);
        }
      }
    }
    if (i_receive && me != a && me != b) {
      for (std::size_t c = 0; c < channels; ++c) {
        const auto bytes = party.receive_bytes(a);
        if (bytes.size() != 24) throw error(errc::malformed_message, "round: a bad min/max/alerts message");
        if (checked && party.receive_bytes(b) != bytes)
          throw error(errc::protocol_violation, "round: the circuit pair sent two different min/max/alerts results");
        const gc::FieldStats stats{static_cast<std::int64_t>(edgempc::detail::load_le<std::uint64_t>(bytes.data())),
                                   static_cast<std::int64_t>(edgempc::detail::load_le<std::uint64_t>(bytes.data() + 8)),
                                   edgempc::detail::load_le<std::uint64_t>(bytes.data() + 16)};
        const auto& ch = group.channels[c];
        apply(pol, report.channels[c], stats, FixedPoint<Mersenne61>(ch.frac_bits), ch.alert_above.has_value());
      }
    }
    step(RoundStep::circuit_done);
  }

  // 4. Outcome: recipients store their report, then ack; published only with every ack.
  report.status = RoundStatus::published;
  if (i_receive) {
    if (hooks.store_outcome) hooks.store_outcome(report);
    step(RoundStep::outcome_stored);
    const std::vector<std::uint8_t> ack{1};
    for (PartyId p = 0; p < m; ++p)
      if (p != me) party.send_bytes(p, ack);
    step(RoundStep::acked);
  }
  if (i_receive) return report;  // a recipient holds the result; it needs no one's ack
  for (const PartyId p : recipients) {
    const auto bytes = party.receive_bytes(p);
    if (bytes.size() != 1 || bytes[0] != 1) throw error(errc::malformed_message, "round: a bad acknowledgement");
  }
  return report;
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
