// SPDX-License-Identifier: Apache-2.0
// The device side of a group: take one round's readings of every channel, check them against
// the channel's range, encode each with its channel's fixed-point format, share them (and
// their squares, so the round's variance stays linear) among the gateways, and seal each
// gateway's shares for it. What is sent is platform/make_submissions.hpp's format; the element
// layout is what the gateways expect (platform/gateway.hpp):
//
//   k readings of C channels, reading-major: readings[j * C + c] is reading j of channel c;
//   elements = [enc_c(readings[i]) for i < kC] ++ [enc_c(readings[i]^2) for i < kC]
//
// so one submission carries 2kC elements (kC <= submission_max_batch / 2).
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/error.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/make_submissions.hpp"
#include "edgempc/platform/submission.hpp"
#include "edgempc/sharing/additive.hpp"
#include "edgempc/sharing/shamir.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// The elements one device shares for `readings` (layout above). errc::size_mismatch if the
/// count is not a whole number of rows of C channels or exceeds the batch limit;
/// errc::out_of_range for a reading outside its channel's [min, max]; errc::invalid_argument for
/// NaN.
[[nodiscard]] inline std::vector<Mersenne61> encode_channel_readings(const GroupConfig& group,
                                                                     std::span<const double> readings) {
  const std::size_t c = group.channels.size();
  if (c == 0 || readings.empty() || readings.size() % c != 0 || 2 * readings.size() > submission_max_batch)
    throw error(errc::size_mismatch, "encode_channel_readings: " + std::to_string(readings.size()) +
                                         " readings for " + std::to_string(c) + " channels (whole rows, at most " +
                                         std::to_string(submission_max_batch / 2) + " readings)");
  std::vector<Mersenne61> out(2 * readings.size());
  for (std::size_t i = 0; i < readings.size(); ++i) {
    const ChannelConfig& ch = group.channels[i % c];
    const double x = readings[i];
    if (std::isnan(x)) throw error(errc::invalid_argument, "encode_channel_readings: NaN on channel " + ch.name);
    if (x < ch.min || x > ch.max)
      throw error(errc::out_of_range, "encode_channel_readings: " + std::to_string(x) + " outside [" +
                                          std::to_string(ch.min) + ", " + std::to_string(ch.max) + "] of channel " + ch.name);
    const FixedPoint<Mersenne61> format(ch.frac_bits);
    out[i] = format.encode(x);
    out[readings.size() + i] = format.encode(x * x);
  }
  return out;
}

/// One device of a group: its id, its sealer (keys precomputed for every gateway).
class DeviceClient {
 public:
  DeviceClient(GroupConfig group, ClientId id, const KeyPair& keys)
      : group_(std::move(group)), sealer_(keys, id, public_keys(group_)) {
    group_.validate();
  }

  [[nodiscard]] ClientId id() const noexcept { return sealer_.client_id(); }
  [[nodiscard]] const GroupConfig& group() const noexcept { return group_; }

  /// One sealed submission per gateway (result[g] for gateway g) carrying `readings` for
  /// (`round`, `seq`). (round, seq) must increase from call to call: the nonces derive from it.
  [[nodiscard]] std::vector<std::vector<std::uint8_t>> seal(Prg& prg, std::uint32_t round, std::uint32_t seq,
                                                            std::span<const double> readings) {
    const std::vector<Mersenne61> secrets = encode_channel_readings(group_, readings);
    std::vector<std::vector<Mersenne61>> shares = group_.scheme.share<Mersenne61>(prg, secrets);
    std::vector<std::vector<std::uint8_t>> out(shares.size());
    for (std::size_t g = 0; g < shares.size(); ++g) {
      out[g] = sealer_.seal<Mersenne61>(g, round, seq, shares[g]);
      secure_wipe(shares[g].data(), shares[g].size() * sizeof(Mersenne61));
    }
    return out;
  }

 private:
  static std::vector<PublicKey> public_keys(const GroupConfig& group) {
    std::vector<PublicKey> keys;
    for (const auto& g : group.gateways) keys.push_back(g.public_key);
    return keys;
  }

  GroupConfig group_;
  ClientSealer sealer_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
