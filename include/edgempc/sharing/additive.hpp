// SPDX-License-Identifier: Apache-2.0
// Additive n-of-n secret sharing over any batch domain (Mersenne61, Z2k<64>, Z2k<32>).
//
// A secret s becomes n shares s_0 .. s_{n-1} with s = s_0 + ... + s_{n-1}: the first n-1 are
// uniform and independent, the last makes the sum right. Any n-1 shares are uniform and
// independent of s (perfect privacy); all n are needed to reconstruct. Shares add: the sum of
// two sharings is a sharing of the sum, so linear functions cost no communication.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// Shares of every element of `secrets` for `parties` parties: result[i] is party i's vector.
template <BatchDomain T>
[[nodiscard]] std::vector<std::vector<T>> share_additive(Prg& prg, std::span<const std::type_identity_t<T>> secrets,
                                                         std::size_t parties) {
  if (parties == 0) throw error(errc::invalid_argument, "share_additive: no parties");
  std::vector<std::vector<T>> shares(parties, std::vector<T>(secrets.size()));
  std::vector<T>& last = shares.back();
  last.assign(secrets.begin(), secrets.end());
  for (std::size_t i = 0; i + 1 < parties; ++i) {
    batch::random_fill<T>(prg, shares[i]);
    batch::sub<T>(last, shares[i], last);
  }
  return shares;
}

/// The secrets from all n share vectors (of equal length).
template <BatchDomain T>
[[nodiscard]] std::vector<T> reconstruct_additive(std::span<const std::vector<T>> shares) {
  if (shares.empty()) throw error(errc::insufficient_shares, "reconstruct_additive: no shares");
  std::vector<T> out(shares[0]);
  for (std::size_t i = 1; i < shares.size(); ++i) {
    if (shares[i].size() != out.size())
      throw error(errc::size_mismatch, "reconstruct_additive: share " + std::to_string(i) + " has " +
                                           std::to_string(shares[i].size()) + " elements, share 0 has " +
                                           std::to_string(out.size()));
    batch::add<T>(out, shares[i], out);
  }
  return out;
}

EDGEMPC_END_NAMESPACE
