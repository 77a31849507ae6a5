// SPDX-License-Identifier: Apache-2.0
// Shamir t-of-n secret sharing over Mersenne61 (A. Shamir, "How to share a secret", CACM 1979).
//
// Party i holds f(i + 1), where f is a polynomial of degree at most t with f(0) the secret and
// the other coefficients uniform. Any t shares are independent of the secret; any t + 1
// determine it by Lagrange interpolation at 0. Shares are linear, so sums and public scalings
// are local; the product of two sharings has degree 2t (see protocols/honest_majority.hpp).
//
// Everything works on whole vectors: sharing evaluates t random coefficient vectors by Horner's
// rule with the batch mul_add kernel, and reconstruction is one mul_add per share with
// Lagrange coefficients computed once per set of parties (Reconstruction).
//
// With more than t + 1 shares, Reconstruction interpolates from the first t + 1 and checks
// that every further share lies on the same polynomial; a share that does not is reported as
// errc::inconsistent_shares, never silently outvoted. (Detection, not correction: semi-honest
// model.)
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/error.hpp"
#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// The public parameters of a t-of-n sharing: n parties, any t + 1 reconstruct.
class Shamir {
 public:
  /// A bound on n that keeps the O(n * t) costs sane; the field itself would allow 2^61 - 2.
  static constexpr std::size_t max_parties = 1024;

  Shamir(std::size_t parties, std::size_t threshold) : parties_(parties), threshold_(threshold) {
    if (parties < 1 || parties > max_parties)
      throw error(errc::invalid_argument, "Shamir: " + std::to_string(parties) + " parties (1 to " +
                                              std::to_string(max_parties) + " allowed)");
    if (threshold >= parties)
      throw error(errc::invalid_argument, "Shamir: threshold " + std::to_string(threshold) +
                                              " needs more than " + std::to_string(parties) + " parties");
  }

  [[nodiscard]] std::size_t parties() const noexcept { return parties_; }
  /// t: the largest number of parties that learn nothing.
  [[nodiscard]] std::size_t threshold() const noexcept { return threshold_; }

  /// The evaluation point of party i.
  [[nodiscard]] static Mersenne61 point(PartyId i) noexcept { return Mersenne61::from_canonical(i + 1); }

  /// Shares of every element of `secrets` with polynomials of degree `degree` (threshold()
  /// unless given): result[i] is party i's vector.
  [[nodiscard]] std::vector<std::vector<Mersenne61>> share(Prg& prg, std::span<const Mersenne61> secrets) const {
    return share(prg, secrets, threshold_);
  }
  [[nodiscard]] std::vector<std::vector<Mersenne61>> share(Prg& prg, std::span<const Mersenne61> secrets,
                                                           std::size_t degree) const {
    if (degree >= parties_)
      throw error(errc::invalid_argument, "Shamir::share: degree " + std::to_string(degree) + " with " +
                                              std::to_string(parties_) + " parties reveals the secret");
    std::vector<std::vector<Mersenne61>> coefficients(degree, std::vector<Mersenne61>(secrets.size()));
    for (auto& c : coefficients) batch::random_fill<Mersenne61>(prg, c);
    std::vector<std::vector<Mersenne61>> shares(parties_);
    for (PartyId i = 0; i < parties_; ++i) {
      auto& s = shares[i];
      if (degree == 0) {
        s.assign(secrets.begin(), secrets.end());
        continue;
      }
      // Horner: f(x) = (((c_t x + c_{t-1}) x + ...) x + c_1) x + secret.
      s = coefficients[degree - 1];
      for (std::size_t k = degree - 1; k >= 1; --k) batch::mul_add<Mersenne61>(point(i), s, coefficients[k - 1], s);
      batch::mul_add<Mersenne61>(point(i), s, secrets, s);
    }
    return shares;
  }

 private:
  std::size_t parties_;
  std::size_t threshold_;
};

namespace detail {

/// L_j(z) for every j: the Lagrange basis polynomials of the points xs, evaluated at z.
inline std::vector<Mersenne61> lagrange_at(std::span<const Mersenne61> xs, Mersenne61 z) {
  std::vector<Mersenne61> out(xs.size());
  for (std::size_t j = 0; j < xs.size(); ++j) {
    Mersenne61 num = Mersenne61::one();
    Mersenne61 den = Mersenne61::one();
    for (std::size_t m = 0; m < xs.size(); ++m) {
      if (m == j) continue;
      num = num * (z - xs[m]);
      den = den * (xs[j] - xs[m]);
    }
    out[j] = num * den.inverse();
  }
  return out;
}

}  // namespace detail

/// Reconstruction from the shares of a fixed set of parties (the order given is the order of
/// the share vectors passed later), for polynomials of degree `degree` (the threshold unless
/// given). Build it once per set and reuse it.
class Reconstruction {
 public:
  Reconstruction(const Shamir& scheme, std::span<const PartyId> holders)
      : Reconstruction(scheme, holders, scheme.threshold()) {}

  Reconstruction(const Shamir& scheme, std::span<const PartyId> holders, std::size_t degree)
      : holders_(holders.begin(), holders.end()) {
    std::vector<bool> seen(scheme.parties(), false);
    for (const PartyId p : holders_) {
      if (p >= scheme.parties())
        throw error(errc::invalid_argument, "Shamir reconstruction: no party " + std::to_string(p) + " among " +
                                                std::to_string(scheme.parties()));
      if (seen[p]) throw error(errc::invalid_argument, "Shamir reconstruction: party " + std::to_string(p) + " twice");
      seen[p] = true;
    }
    if (holders_.size() < degree + 1)
      throw error(errc::insufficient_shares, "Shamir reconstruction: " + std::to_string(holders_.size()) +
                                                 " shares, degree " + std::to_string(degree) + " needs " +
                                                 std::to_string(degree + 1));
    std::vector<Mersenne61> xs;
    for (std::size_t k = 0; k <= degree; ++k) xs.push_back(Shamir::point(holders_[k]));
    at_zero_ = detail::lagrange_at(xs, Mersenne61::zero());
    for (std::size_t k = degree + 1; k < holders_.size(); ++k)
      at_extra_.push_back(detail::lagrange_at(xs, Shamir::point(holders_[k])));
  }

  [[nodiscard]] std::span<const PartyId> holders() const noexcept { return holders_; }
  /// The Lagrange coefficients at 0 of the first degree + 1 holders.
  [[nodiscard]] std::span<const Mersenne61> coefficients() const noexcept { return at_zero_; }

  /// The secrets. shares[k] is the vector of holders()[k]; all must be equally long.
  [[nodiscard]] std::vector<Mersenne61> operator()(std::span<const std::vector<Mersenne61>> shares) const {
    if (shares.size() != holders_.size())
      throw error(errc::size_mismatch, "Shamir reconstruction: " + std::to_string(shares.size()) +
                                           " share vectors for " + std::to_string(holders_.size()) + " holders");
    const std::size_t n = shares.empty() ? 0 : shares[0].size();
    for (std::size_t k = 0; k < shares.size(); ++k)
      if (shares[k].size() != n)
        throw error(errc::size_mismatch, "Shamir reconstruction: party " + std::to_string(holders_[k]) + " gave " +
                                             std::to_string(shares[k].size()) + " shares, party " +
                                             std::to_string(holders_[0]) + " gave " + std::to_string(n));
    // Check first, so that nothing is returned from inconsistent input.
    std::vector<Mersenne61> expected(n);
    for (std::size_t e = 0; e < at_extra_.size(); ++e) {
      interpolate(at_extra_[e], shares, expected);
      const auto& got = shares[at_zero_.size() + e];
      const auto bad = std::mismatch(expected.begin(), expected.end(), got.begin());
      if (bad.first != expected.end())
        throw error(errc::inconsistent_shares,
                    "Shamir reconstruction: the share of party " + std::to_string(holders_[at_zero_.size() + e]) +
                        " at position " + std::to_string(bad.first - expected.begin()) +
                        " is not on the polynomial of the others");
    }
    std::vector<Mersenne61> out(n);
    interpolate(at_zero_, shares, out);
    return out;
  }

 private:
  static void interpolate(std::span<const Mersenne61> coefficients, std::span<const std::vector<Mersenne61>> shares,
                          std::span<Mersenne61> out) {
    std::fill(out.begin(), out.end(), Mersenne61::zero());
    for (std::size_t k = 0; k < coefficients.size(); ++k) batch::mul_add<Mersenne61>(coefficients[k], shares[k], out, out);
  }

  std::vector<PartyId> holders_;
  std::vector<Mersenne61> at_zero_;
  std::vector<std::vector<Mersenne61>> at_extra_;
};

/// This party's additive share of the same secrets: with the holders of `set` (at least t + 1
/// of them) each converting, the converted vectors sum to the secrets. `me` must be a holder.
[[nodiscard]] inline std::vector<Mersenne61> shamir_to_additive(const Reconstruction& set, PartyId me,
                                                                 std::span<const Mersenne61> my_shares) {
  const auto holders = set.holders();
  const auto it = std::find(holders.begin(), holders.end(), me);
  if (it == holders.end())
    throw error(errc::invalid_argument, "shamir_to_additive: party " + std::to_string(me) + " is not in the set");
  const auto k = static_cast<std::size_t>(it - holders.begin());
  std::vector<Mersenne61> out(my_shares.size(), Mersenne61::zero());
  // Holders past the first t + 1 contribute zero: the interpolation uses only the first t + 1.
  if (k < set.coefficients().size()) batch::mul_add<Mersenne61>(set.coefficients()[k], my_shares, out, out);
  return out;
}

EDGEMPC_END_NAMESPACE
