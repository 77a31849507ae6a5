// SPDX-License-Identifier: Apache-2.0
// SplitScheme: how a device's readings are split among the n gateways of a group, additive
// (n-of-n, sharing/additive.hpp) or Shamir t-of-n over Mersenne61 (sharing/shamir.hpp). Every
// difference between the two kinds is a member here (quorum, describe, share, reconstruct_from,
// to_additive), so that the device's send path (platform/device/client.hpp), the group's
// configuration (platform/config.hpp) and the round protocol (platform/gateway/
// round_protocol.hpp) never switch on the kind.
//
// Security: additive shares reveal nothing to any n-1 gateways; Shamir shares nothing to any t.
// reconstruct_from with more than t + 1 Shamir holders checks that they agree (a holder's wrong
// share is detected, not corrected: errc::inconsistent_shares from sharing/shamir.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/error.hpp"
#include "edgempc/net/transport.hpp"
#include "edgempc/sharing/additive.hpp"
#include "edgempc/sharing/robust.hpp"
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

  /// As reconstruct_from, but for Shamir correcting up to floor((m - t - 1) / 2) wrong shares
  /// per element among m holders and naming their holders (sharing/robust.hpp); more wrong
  /// shares than that: errc::inconsistent_shares. Additive shares have no redundancy: nothing
  /// is checked or named.
  [[nodiscard]] RobustReconstruction reconstruct_robust(std::span<const PartyId> holders,
                                                        std::span<const std::vector<Mersenne61>> shares) const {
    if (kind == Kind::shamir) return robust_reconstruct(Shamir(parties, threshold), holders, shares);
    return {reconstruct_from(holders, shares), {}};
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

}  // namespace platform
EDGEMPC_END_NAMESPACE
