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
  std::vector<std::vector<T>> shares;
  if (scheme.kind == SplitScheme::Kind::shamir) {
    if constexpr (std::is_same_v<T, Mersenne61>) {
      shares = Shamir(scheme.parties, scheme.threshold).share(prg, secrets);
    } else {
      throw error(errc::invalid_argument, "make_submissions: Shamir sharing needs the Mersenne61 field");
    }
  } else {
    shares = share_additive<T>(prg, secrets, scheme.parties);
  }
  std::vector<std::vector<std::uint8_t>> out(scheme.parties);
  for (std::size_t g = 0; g < scheme.parties; ++g) out[g] = sealer.seal<T>(g, round, seq, shares[g]);
  return out;
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
