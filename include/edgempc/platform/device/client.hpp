// SPDX-License-Identifier: Apache-2.0
// The device's send step, one path for every caller: encode the readings (each channel with its
// own fixed-point format, or one format for all), share them among the gateways under the
// group's SplitScheme (platform/split_scheme.hpp), seal each gateway's shares for it
// (platform/submission.hpp) and wipe the plaintext shares. DeviceClient (a device of a group,
// as edgempc-device and smart_home run it) and make_submissions (one format, any submission
// domain; for programs without a GroupConfig) both end in share_and_seal.
//
// Squares. Contents::values_and_squares (DeviceClient always) also shares the square of every
// encoded reading, so that the gateways get the sum of squares by adding shares, and the
// variance (sum x^2 / N - mean^2) needs no secure multiplication: the round stays linear. The
// square is exactly X^2 for the encoded reading X = enc_c(x) (so it carries twice the
// reading's fraction bits), which lets the gateways check it by a polynomial identity
// (platform/gateway/validation.hpp); a rounded enc(x^2) could not be checked. The elements, for
// k readings of C channels given reading-major (readings[j * C + c] is reading j of channel c),
// are
//
//   elements = [X_i = enc_c(readings[i]) for i < kC] ++ [X_i * X_i for i < kC] ++ [range bits]
//
// with the range bits of each reading (X - enc(min) in its channel's range bits) when the group's
// policy.validation is required: platform/reading_layout.hpp has the layout, the bits and why.
// GroupConfig::validate bounds each channel so that X^2 and sums of 2^20 of them fit the field.
//
// Nonces. A submission's nonce derives from (gateway, client, round, seq): (round, seq) must
// increase from call to call, across restarts too (platform/device/seal_sequence.hpp keeps it
// on disk). Threat: a device may send anything; the gateways check what they can without seeing
// it (platform/gateway/validation.hpp, gc/field_range.hpp) and leave out a device whose shares
// are invalid. Its shares leave it only sealed, and a relay or broker carrying them learns nothing.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/reading_layout.hpp"
#include "edgempc/platform/split_scheme.hpp"
#include "edgempc/platform/submission.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// What a submission carries per reading.
enum class Contents : std::uint8_t {
  values,              ///< x
  values_and_squares,  ///< x, then x^2 (twice the elements; variance stays linear)
};

/// The elements a device shares for `readings`: the encoded values X, then (if asked) X^2 (in
/// twice the format's fraction bits; the caller keeps |X|^2 within the domain). errc::invalid_argument for NaN, errc::out_of_range for what does not fit.
template <SubmissionDomain T>
[[nodiscard]] std::vector<T> encode_readings(std::span<const double> readings, const FixedPoint<T>& format,
                                             Contents contents = Contents::values) {
  const bool squares = contents == Contents::values_and_squares;
  std::vector<T> out(readings.size() * (squares ? 2 : 1));
  for (std::size_t i = 0; i < readings.size(); ++i) {
    out[i] = format.encode(readings[i]);
    if (squares) out[readings.size() + i] = out[i] * out[i];  // X^2: twice the fraction bits
  }
  return out;
}

/// The elements one device shares for `readings` (platform/reading_layout.hpp: values, squares,
/// then each row's range bits if the group's policy.validation is required). errc::size_mismatch
/// if the count is not a whole number of rows of C channels or the elements exceed
/// submission_max_batch; errc::out_of_range for a reading outside its channel's [min, max];
/// errc::invalid_argument for NaN.
[[nodiscard]] inline std::vector<Mersenne61> encode_channel_readings(const GroupConfig& group,
                                                                     std::span<const double> readings) {
  const ReadingLayout layout(group);
  const std::size_t c = group.channels.size();
  const std::size_t rows = c ? readings.size() / c : 0;
  if (c == 0 || readings.empty() || readings.size() % c != 0 || rows * layout.row_elements() > submission_max_batch)
    throw error(errc::size_mismatch, "encode_channel_readings: " + std::to_string(readings.size()) +
                                         " readings for " + std::to_string(c) + " channels (whole rows, at most " +
                                         std::to_string(submission_max_batch / layout.row_elements()) + " rows)");
  std::vector<Mersenne61> out(rows * layout.row_elements());
  std::vector<std::uint64_t> bits(64);
  const std::size_t n = readings.size();
  for (std::size_t i = 0; i < n; ++i) {
    const ChannelConfig& ch = group.channels[i % c];
    const double x = readings[i];
    if (std::isnan(x)) throw error(errc::invalid_argument, "encode_channel_readings: NaN on channel " + ch.name);
    if (x < ch.min || x > ch.max)
      throw error(errc::out_of_range, "encode_channel_readings: " + std::to_string(x) + " outside [" +
                                          std::to_string(ch.min) + ", " + std::to_string(ch.max) + "] of channel " + ch.name);
    const FixedPoint<Mersenne61> format(ch.frac_bits);
    out[i] = format.encode(x);
    out[n + i] = out[i] * out[i];  // X^2 exactly (2 * frac_bits fraction bits)
    if (layout.ranged()) {
      const ChannelRange& r = layout.range(i % c);
      // enc is monotone, so min <= x <= max gives lo <= X <= hi.
      r.decompose(static_cast<std::uint64_t>(out[i].to_int() - r.lo), std::span(bits).first(r.bits));
      Mersenne61* dst = out.data() + 2 * n + (i / c) * layout.row_bits() + layout.bit_offset(i % c);
      for (std::uint32_t j = 0; j < r.bits; ++j) dst[j] = Mersenne61::from_int(static_cast<std::int64_t>(bits[j]));
    }
  }
  secure_wipe(bits.data(), bits.size() * sizeof(std::uint64_t));
  return out;
}

/// One sealed submission per gateway (result[g] goes to gateway g) carrying `secrets` (encoded
/// elements) shared under `scheme`: the one place where a device shares and seals. The
/// plaintext shares are wiped before it returns. scheme.parties must equal sealer.gateways()
/// (errc::invalid_argument); 1 to submission_max_batch elements (errc::invalid_argument).
/// Randomness for the sharing comes from `prg` only.
template <SubmissionDomain T>
[[nodiscard]] std::vector<std::vector<std::uint8_t>> share_and_seal(ClientSealer& sealer, Prg& prg, std::uint32_t round,
                                                                    std::uint32_t seq, std::span<const T> secrets,
                                                                    const SplitScheme& scheme) {
  if (scheme.parties != sealer.gateways())
    throw error(errc::invalid_argument, "share_and_seal: a scheme for " + std::to_string(scheme.parties) +
                                            " parties, a sealer for " + std::to_string(sealer.gateways()) + " gateways");
  if (secrets.empty() || secrets.size() > submission_max_batch)
    throw error(errc::invalid_argument, "share_and_seal: " + std::to_string(secrets.size()) + " elements (1 to " +
                                            std::to_string(submission_max_batch) + " allowed)");
  std::vector<std::vector<T>> shares = scheme.share<T>(prg, secrets);
  std::vector<std::vector<std::uint8_t>> out(scheme.parties);
  for (std::size_t g = 0; g < scheme.parties; ++g) {
    out[g] = sealer.seal<T>(g, round, seq, shares[g]);
    secure_wipe(shares[g].data(), shares[g].size() * sizeof(T));
  }
  return out;
}

/// One sealed submission per gateway (result[g] goes to gateway g) carrying the shares of
/// `readings` under `scheme`, every reading encoded with `format` (encode_readings), then
/// share_and_seal (its errors).
template <SubmissionDomain T>
[[nodiscard]] std::vector<std::vector<std::uint8_t>> make_submissions(ClientSealer& sealer, Prg& prg, std::uint32_t round,
                                                                      std::uint32_t seq,
                                                                      std::span<const double> readings,
                                                                      const FixedPoint<T>& format,
                                                                      const SplitScheme& scheme,
                                                                      Contents contents = Contents::values) {
  std::vector<T> secrets = encode_readings<T>(readings, format, contents);
  auto out = share_and_seal<T>(sealer, prg, round, seq, std::span<const T>(secrets), scheme);
  secure_wipe(secrets.data(), secrets.size() * sizeof(T));
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
    std::vector<Mersenne61> secrets = encode_channel_readings(group_, readings);
    auto out = share_and_seal<Mersenne61>(sealer_, prg, round, seq, std::span<const Mersenne61>(secrets), group_.scheme);
    secure_wipe(secrets.data(), secrets.size() * sizeof(Mersenne61));
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
