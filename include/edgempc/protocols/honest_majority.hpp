// SPDX-License-Identifier: Apache-2.0
// Multiplication of Shamir-shared vectors with no dealer, when fewer than half of the parties
// are corrupt: the degree-reduction step of BGW, in the one-round form of Gennaro, Rabin and
// Rabin ("Simplified VSS and fast-track multiparty computations with applications to threshold
// cryptography", PODC 1998, sec. 3).
//
// Each party multiplies its shares locally, which gives a sharing of xy of degree 2t. The first
// 2t + 1 parties then share their local products again with degree t and send one sub-share to
// each party; every party combines what it receives with the Lagrange coefficients at 0 of
// those 2t + 1 points, which gives its degree-t share of xy. One round; each of the 2t + 1
// resharing parties sends (n - 1) elements per multiplication.
//
// Why not Damgård–Nielsen double sharings (CRYPTO 2007): they move the randomness to a
// preprocessing phase and send O(1) elements per party per product for large n, but need two
// online rounds through a king. For the 3 to 7 gateways edgempc targets, the single round of
// GRR is the better trade.
//
// Security model: semi-honest, at most t parties corrupt, n >= 2t + 1 (honest majority),
// secure channels between the parties. A corrupt party sees t sub-shares of each honest
// party's product, which are uniform.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/party.hpp"
#include "edgempc/sharing/shamir.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// The public part of the protocol, computed once per (n, t): who reshares and with which
/// coefficients.
class HonestMajorityMultiplier {
 public:
  explicit HonestMajorityMultiplier(const Shamir& shamir) : shamir_(shamir) {
    if (shamir.parties() < 2 * shamir.threshold() + 1)
      throw error(errc::invalid_argument, "honest-majority multiplication: " + std::to_string(shamir.parties()) +
                                              " parties cannot reduce from degree " +
                                              std::to_string(2 * shamir.threshold()) + " (need n >= 2t + 1)");
    std::vector<Mersenne61> xs;
    for (PartyId i = 0; i < resharers(); ++i) xs.push_back(Shamir::point(i));
    lambda_ = detail::lagrange_at(xs, Mersenne61::zero());
  }

  [[nodiscard]] const Shamir& shamir() const noexcept { return shamir_; }
  /// Parties 0 .. 2t reshare their products.
  [[nodiscard]] std::size_t resharers() const noexcept { return 2 * shamir_.threshold() + 1; }

  /// This party's degree-t shares of x[i] * y[i]. Every party calls it with its shares.
  template <Transport Tr>
  [[nodiscard]] std::vector<Mersenne61> operator()(Party<Tr>& party, Prg& prg, std::span<const Mersenne61> x,
                                                   std::span<const Mersenne61> y) const {
    if (party.parties() != shamir_.parties())
      throw error(errc::invalid_argument, "honest-majority multiplication: the network has " +
                                              std::to_string(party.parties()) + " parties, the sharing " +
                                              std::to_string(shamir_.parties()));
    if (x.size() != y.size())
      throw error(errc::size_mismatch, "honest-majority multiplication: " + std::to_string(x.size()) + " and " +
                                           std::to_string(y.size()) + " elements");
    const std::size_t n = x.size();
    const PartyId me = party.id();
    std::vector<Mersenne61> mine;  // my sub-share of my own product
    if (me < resharers()) {
      std::vector<Mersenne61> product(n);
      batch::mul<Mersenne61>(x, y, product);
      auto sub = shamir_.share(prg, product);
      for (PartyId p = 0; p < party.parties(); ++p)
        if (p != me) party.template send<Mersenne61>(p, sub[p]);
      mine = std::move(sub[me]);
    }
    std::vector<Mersenne61> z(n, Mersenne61::zero());
    for (PartyId i = 0; i < resharers(); ++i) {
      const auto from_i = i == me ? std::move(mine) : party.template receive<Mersenne61>(i, n);
      batch::mul_add<Mersenne61>(lambda_[i], from_i, z, z);
    }
    return z;
  }

 private:
  Shamir shamir_;
  std::vector<Mersenne61> lambda_;
};

EDGEMPC_END_NAMESPACE
