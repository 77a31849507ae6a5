// SPDX-License-Identifier: Apache-2.0
// platform::Balancer: assigns clients to gateway groups by weighted rendezvous hashing.
//
// Rendezvous (highest-random-weight) hashing, D. G. Thaler and C. V. Ravishankar, "Using
// name-based mappings to increase hit rates", IEEE/ACM Trans. Networking 6(1), 1998: every
// (client, group) pair gets a pseudo-random score and the client goes to the group with the
// best one. Because a client's score for a group depends only on the two of them, a group that
// joins takes clients only from the others (each one it wins), and a group that leaves hands
// only its own clients on; nobody moves between two groups that both stay. With n equal groups
// about 1/n of the clients move per change, the least any balanced assignment can move.
//
// Weights use the logarithmic method (C. Schindelhauer and G. Schomaker, "Weighted distributed
// hash tables", SPAA 2005; also J. Resch's "weighted rendezvous hashing"): with h uniform in
// (0, 1), the score -w / ln(h) is the reciprocal of an exponential variable of rate w, so the
// best of them belongs to group i with probability exactly w_i / sum(w). We keep the
// equivalent key -ln(h) / w and take the smallest, which needs no special case for h near 1.
//
// The hash is part of the contract: every party that computes assignments (devices, gateways,
// a front end) must get the same answer, on any machine and in any process, so it is keyed
// SipHash-2-4 (libsodium crypto_shorthash) over explicit little-endian bytes, never std::hash.
//   - From the 32-byte balancer key, crypto_kdf derives a client subkey and a group subkey
//     (context "edgempcB", ids 1 and 2), so client and group inputs are domain-separated.
//   - d = SipHash(client_subkey, client bytes): one keyed hash per lookup.
//   - s_g = SipHash(group_subkey, group id as 8 little-endian bytes), computed in add_group.
//   - x = mix64(d XOR s_g) (the SplitMix64 finaliser, a bijection with full avalanche), so a
//     lookup costs one SipHash plus one mix, log and divide per group, not one SipHash each.
//   - h = ((x >> 12) + 0.5) * 2^-52, exact in a double and strictly inside (0, 1).
//   - key = -ln(h) / w; the smallest key wins; an exact tie goes to the smaller group id.
// Integer steps are exact everywhere; the only floating-point steps are one std::log and one
// division, both IEEE double. Two C libraries whose log differs in the last bit could disagree
// only on a client whose two best keys lie within an ulp of each other (about 2^-50 per
// lookup); with the same libm (e.g. glibc on x86-64 and on AArch64) the answers are identical.
//
// WARNING: with the public default key anyone can compute a client's group, so a client that
// may choose its own identity (for example by generating key pairs until one lands where it
// wants) can crowd one group. Where that matters, construct every Balancer with the same
// secret key. The balancer balances load; it is not an access-control mechanism.
#pragma once

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

namespace detail {

/// SipHash-2-4 (libsodium's crypto_shorthash) of `data`, read as a little-endian integer so
/// that big-endian machines get the same value.
[[nodiscard]] inline std::uint64_t siphash64(const std::uint8_t* data, std::size_t size,
                                             const std::array<std::uint8_t, crypto_shorthash_KEYBYTES>& key) noexcept {
  std::array<std::uint8_t, crypto_shorthash_BYTES> out{};
  crypto_shorthash(out.data(), data, size, key.data());
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < out.size(); ++i) v |= std::uint64_t{out[i]} << (8 * i);
  return v;
}

/// The SplitMix64 finaliser (Stafford's Mix13): a bijection of 64-bit words in which every
/// input bit flips every output bit with probability close to 1/2. It turns d XOR s_g into a
/// per-group score without a keyed hash per group.
[[nodiscard]] constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Maps 64 random bits to a uniform double strictly inside (0, 1): 52 bits plus one half,
/// which is exact in a double, so h is never 0 (ln would be -inf) nor 1 (ln would be 0).
[[nodiscard]] constexpr double unit_open(std::uint64_t x) noexcept {
  return (static_cast<double>(x >> 12) + 0.5) * 0x1p-52;
}

}  // namespace detail

class Balancer {
 public:
  using id_type = std::uint64_t;
  /// The balancer key: every party that computes assignments must use the same one.
  using Key = std::array<std::uint8_t, crypto_kdf_KEYBYTES>;

  /// The public default key ("edgempc balancer default key v1" and a zero byte). See the
  /// WARNING at the top of this header.
  static constexpr Key default_key = {'e', 'd', 'g', 'e', 'm', 'p', 'c', ' ', 'b', 'a', 'l',
                                      'a', 'n', 'c', 'e', 'r', ' ', 'd', 'e', 'f', 'a', 'u',
                                      'l', 't', ' ', 'k', 'e', 'y', ' ', 'v', '1', 0};

  Balancer() : Balancer(default_key) {}

  explicit Balancer(const Key& key) {
    ensure_sodium();
    static constexpr char context[crypto_kdf_CONTEXTBYTES + 1] = "edgempcB";
    if (crypto_kdf_derive_from_key(client_key_.data(), client_key_.size(), 1, context, key.data()) != 0 ||
        crypto_kdf_derive_from_key(group_key_.data(), group_key_.size(), 2, context, key.data()) != 0)
      throw error(errc::crypto_failure, "platform::Balancer: key derivation failed");
  }

  ~Balancer() {
    secure_wipe(client_key_.data(), client_key_.size());
    secure_wipe(group_key_.data(), group_key_.size());
  }
  Balancer(const Balancer&) = default;
  Balancer& operator=(const Balancer&) = default;
  Balancer(Balancer&&) noexcept = default;
  Balancer& operator=(Balancer&&) noexcept = default;

  /// Adds a group. Weights are relative (a group of weight 2 gets twice the clients of a group
  /// of weight 1). Throws errc::invalid_argument if the id is already present or the weight is
  /// not finite and positive.
  void add_group(id_type id, double weight) {
    if (!(weight > 0.0) || !std::isfinite(weight))
      throw error(errc::invalid_argument, "platform::Balancer: a weight must be finite and > 0");
    const auto at = lower_bound(id);
    if (at != groups_.end() && at->id == id)
      throw error(errc::invalid_argument, "platform::Balancer: group " + std::to_string(id) + " already exists");
    std::array<std::uint8_t, 8> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(id >> (8 * i));
    // Kept sorted by id so that lookups, and ties, do not depend on the order of additions.
    groups_.insert(at, Entry{id, weight, detail::siphash64(bytes.data(), bytes.size(), group_key_)});
  }

  /// Removes a group; its clients spread over the others in proportion to their weights.
  /// Throws errc::invalid_argument if there is no such group.
  void remove_group(id_type id) {
    const auto at = lower_bound(id);
    if (at == groups_.end() || at->id != id)
      throw error(errc::invalid_argument, "platform::Balancer: no group " + std::to_string(id));
    groups_.erase(at);
  }

  [[nodiscard]] bool contains(id_type id) const noexcept {
    const auto at = lower_bound(id);
    return at != groups_.end() && at->id == id;
  }
  [[nodiscard]] std::size_t size() const noexcept { return groups_.size(); }
  [[nodiscard]] bool empty() const noexcept { return groups_.empty(); }

  /// The group that serves `client` (any byte string: a 32-byte public key, a device name).
  /// Throws errc::invalid_argument when there are no groups.
  [[nodiscard]] id_type group_for(std::span<const std::uint8_t> client) const {
    if (groups_.empty()) throw error(errc::invalid_argument, "platform::Balancer: no groups");
    const std::uint64_t d = detail::siphash64(client.data(), client.size(), client_key_);
    const Entry* best = nullptr;
    double best_key = 0.0;
    for (const Entry& g : groups_) {
      const double key = -std::log(detail::unit_open(detail::mix64(d ^ g.seed))) / g.weight;
      // Strict '<' over groups sorted by id: an exact tie goes to the smaller id.
      if (best == nullptr || key < best_key) {
        best = &g;
        best_key = key;
      }
    }
    return best->id;
  }
  [[nodiscard]] id_type group_for(std::string_view client) const {
    return group_for(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(client.data()), client.size()));
  }

 private:
  struct Entry {
    id_type id;
    double weight;
    std::uint64_t seed;  ///< s_g: SipHash of the id under the group subkey
  };

  [[nodiscard]] std::vector<Entry>::const_iterator lower_bound(id_type id) const noexcept {
    return std::lower_bound(groups_.begin(), groups_.end(), id, [](const Entry& e, id_type v) { return e.id < v; });
  }
  [[nodiscard]] std::vector<Entry>::iterator lower_bound(id_type id) noexcept {
    return std::lower_bound(groups_.begin(), groups_.end(), id, [](const Entry& e, id_type v) { return e.id < v; });
  }

  std::array<std::uint8_t, crypto_shorthash_KEYBYTES> client_key_{};
  std::array<std::uint8_t, crypto_shorthash_KEYBYTES> group_key_{};
  std::vector<Entry> groups_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
