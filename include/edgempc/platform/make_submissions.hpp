// SPDX-License-Identifier: Apache-2.0
// The device's whole send step: encode readings, share them among the gateways, seal each
// gateway's shares (platform/submission.hpp).
//
// Contents::values_and_squares also shares x^2 for every reading x, so that the gateways get
// the sum of squares by adding shares, and the variance (sum x^2 / N - mean^2) needs no secure
// multiplication: the round stays linear. The element vector is then
//   [enc(x_0), ..., enc(x_{k-1}), enc(x_0^2), ..., enc(x_{k-1}^2)],
// each encoded with the same FixedPoint (x^2 rounded to 2^-f, error at most 2^-(f+1) each).
// Each x^2 must fit the format too: |x| up to sqrt(max_value()).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/error.hpp"
#include "edgempc/platform/submission.hpp"
#include "edgempc/sharing/additive.hpp"
#include "edgempc/sharing/shamir.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// How readings are split among the n gateways.
struct SplitScheme {
  enum class Kind : std::uint8_t {
    additive,  ///< n-of-n: every gateway is needed (sharing/additive.hpp)
    shamir,    ///< t-of-n over Mersenne61: any t + 1 gateways suffice (sharing/shamir.hpp)
  };
  Kind kind = Kind::additive;
  std::size_t parties = 0;
  std::size_t threshold = 0;  ///< t; only for Kind::shamir

  [[nodiscard]] static SplitScheme additive(std::size_t parties) noexcept { return {Kind::additive, parties, 0}; }
  [[nodiscard]] static SplitScheme shamir(std::size_t threshold, std::size_t parties) noexcept {
    return {Kind::shamir, parties, threshold};
  }

  // Everything that differs between the two kinds is here, so that nothing else switches on
  // `kind`: the quorum, sharing, reconstruction from a set of holders, and the conversion to
  // additive shares among a set of holders (for the garbled circuit's inputs).

  /// The gateways that must take part to finish a round: t + 1 for Shamir, all for additive.
  [[nodiscard]] std::size_t quorum() const noexcept { return kind == Kind::shamir ? threshold + 1 : parties; }

  /// "Shamir t = 1" or "additive" (for logs and programs).
  [[nodiscard]] std::string describe() const {
    return kind == Kind::shamir ? "Shamir t = " + std::to_string(threshold) : std::string("additive");
  }

  /// One share vector per gateway (result[g] for gateway g) of `secrets`, randomness from `prg`
  /// only. Shamir needs the Mersenne61 field (errc::invalid_argument otherwise).
  template <class T>
  [[nodiscard]] std::vector<std::vector<T>> share(Prg& prg, std::span<const std::type_identity_t<T>> secrets) const {
    if (kind == Kind::additive) return share_additive<T>(prg, secrets, parties);
    if constexpr (std::is_same_v<T, Mersenne61>) {
      return Shamir(parties, threshold).share(prg, secrets);
    } else {
      throw error(errc::invalid_argument, "SplitScheme: Shamir sharing needs the Mersenne61 field");
    }
  }

  /// The secrets from the shares of `holders` (shares[k] is holders[k]'s vector): for Shamir
  /// at least t + 1 distinct holders (more are checked for consistency), for additive all n.
  [[nodiscard]] std::vector<Mersenne61> reconstruct_from(std::span<const PartyId> holders,
                                                         std::span<const std::vector<Mersenne61>> shares) const {
    if (kind == Kind::shamir) return Reconstruction(Shamir(parties, threshold), holders, threshold)(shares);
    if (holders.size() != parties)
      throw error(errc::insufficient_shares, "SplitScheme: additive reconstruction needs all " + std::to_string(parties) +
                                                 " shares, got " + std::to_string(holders.size()));
    return reconstruct_additive<Mersenne61>(shares);
  }

  /// `self`'s share turned into an additive share among `holders` (which must include `self`):
  /// the holders' converted vectors sum to the secrets. Additive shares are that already.
  [[nodiscard]] std::vector<Mersenne61> to_additive(std::span<const PartyId> holders, PartyId self,
                                                    std::span<const Mersenne61> mine) const {
    if (kind == Kind::shamir)
      return shamir_to_additive(Reconstruction(Shamir(parties, threshold), holders, threshold), self, mine);
    if (std::find(holders.begin(), holders.end(), self) == holders.end())
      throw error(errc::invalid_argument, "SplitScheme: party " + std::to_string(self) + " is not among the holders");
    return {mine.begin(), mine.end()};
  }
};

/// What a submission carries per reading.
enum class Contents : std::uint8_t {
  values,              ///< x
  values_and_squares,  ///< x, then x^2 (twice the elements; variance stays linear)
};

/// The elements a device shares for `readings`: the encoded values, then (if asked) the
/// encoded squares. errc::invalid_argument for NaN, errc::out_of_range for what does not fit.
template <SubmissionDomain T>
[[nodiscard]] std::vector<T> encode_readings(std::span<const double> readings, const FixedPoint<T>& format,
                                             Contents contents = Contents::values) {
  const bool squares = contents == Contents::values_and_squares;
  std::vector<T> out(readings.size() * (squares ? 2 : 1));
  for (std::size_t i = 0; i < readings.size(); ++i) {
    out[i] = format.encode(readings[i]);
    if (squares) out[readings.size() + i] = format.encode(readings[i] * readings[i]);
  }
  return out;
}

/// One sealed submission per gateway (result[g] goes to gateway g) carrying the shares of
/// `readings` under `scheme`. scheme.parties must equal sealer.gateways(); the element count
/// (readings, doubled with squares) must be 1 to submission_max_batch. Randomness for the
/// sharing comes from `prg` only.
template <SubmissionDomain T>
[[nodiscard]] std::vector<std::vector<std::uint8_t>> make_submissions(ClientSealer& sealer, Prg& prg, std::uint32_t round,
                                                                      std::uint32_t seq,
                                                                      std::span<const double> readings,
                                                                      const FixedPoint<T>& format,
                                                                      const SplitScheme& scheme,
                                                                      Contents contents = Contents::values) {
  if (scheme.parties != sealer.gateways())
    throw error(errc::invalid_argument, "make_submissions: a scheme for " + std::to_string(scheme.parties) +
                                            " parties, a sealer for " + std::to_string(sealer.gateways()) + " gateways");
  const std::vector<T> secrets = encode_readings<T>(readings, format, contents);
  if (secrets.empty() || secrets.size() > submission_max_batch)
    throw error(errc::invalid_argument, "make_submissions: " + std::to_string(secrets.size()) +
                                            " elements (1 to " + std::to_string(submission_max_batch) + " allowed)");
  const std::vector<std::vector<T>> shares = scheme.share<T>(prg, secrets);
  std::vector<std::vector<std::uint8_t>> out(scheme.parties);
  for (std::size_t g = 0; g < scheme.parties; ++g) out[g] = sealer.seal<T>(g, round, seq, shares[g]);
  return out;
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
