// SPDX-License-Identifier: Apache-2.0
// The SharingScheme concept: what a protocol needs to know about how values are shared, so
// that one Beaver multiplication or one sum serves additive and Shamir sharings alike.
//
// Requirements, for a scheme `s` of type S with S::value_type T:
//
// | expression                    | meaning                                                   |
// | ----------------------------- | --------------------------------------------------------- |
// | s.parties()                   | how many parties hold shares                              |
// | s.reconstruct(all)            | the secrets from every party's share vector (index = id)  |
// | s.add_public(me, shares, c)   | turns party me's shares of x into its shares of x + c,    |
// |                               | c public (additive: party 0 adds c; Shamir: all add c)    |
//
// Scaling by a public constant and adding sharings are local and the same for every scheme.
#pragma once

#include <concepts>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/batch.hpp"
#include "edgempc/sharing/additive.hpp"
#include "edgempc/sharing/shamir.hpp"

EDGEMPC_BEGIN_NAMESPACE

template <class S>
concept SharingScheme =
    BatchDomain<typename S::value_type> &&
    requires(const S& s, std::span<const std::vector<typename S::value_type>> all, PartyId me,
             std::span<typename S::value_type> shares, std::span<const typename S::value_type> c) {
      { s.parties() } -> std::convertible_to<std::size_t>;
      { s.reconstruct(all) } -> std::same_as<std::vector<typename S::value_type>>;
      s.add_public(me, shares, c);
    };

/// n-of-n additive sharing over T.
template <BatchDomain T>
class AdditiveScheme {
 public:
  using value_type = T;
  explicit AdditiveScheme(std::size_t parties) : parties_(parties) {
    if (parties == 0) throw error(errc::invalid_argument, "AdditiveScheme: no parties");
  }
  [[nodiscard]] std::size_t parties() const noexcept { return parties_; }
  [[nodiscard]] std::vector<T> reconstruct(std::span<const std::vector<T>> all) const {
    if (all.size() != parties_)
      throw error(errc::insufficient_shares, "AdditiveScheme: " + std::to_string(all.size()) + " share vectors, " +
                                                 std::to_string(parties_) + " needed");
    return reconstruct_additive<T>(all);
  }
  void add_public(PartyId me, std::span<T> shares, std::span<const T> c) const {
    detail::check_sizes("add_public", shares.size(), c.size());
    if (me == 0) batch::add<T>(shares, c, shares);
  }

 private:
  std::size_t parties_;
};

/// Shamir t-of-n over Mersenne61; reconstruct() uses all n shares and so also checks them.
class ShamirScheme {
 public:
  using value_type = Mersenne61;
  explicit ShamirScheme(const Shamir& shamir) : shamir_(shamir), everyone_(shamir_, all_parties(shamir)) {}

  [[nodiscard]] const Shamir& shamir() const noexcept { return shamir_; }
  [[nodiscard]] std::size_t parties() const noexcept { return shamir_.parties(); }
  [[nodiscard]] std::vector<Mersenne61> reconstruct(std::span<const std::vector<Mersenne61>> all) const {
    return everyone_(all);
  }
  void add_public(PartyId, std::span<Mersenne61> shares, std::span<const Mersenne61> c) const {
    detail::check_sizes("add_public", shares.size(), c.size());
    batch::add<Mersenne61>(shares, c, shares);  // f + c has constant term f(0) + c
  }

 private:
  static std::vector<PartyId> all_parties(const Shamir& s) {
    std::vector<PartyId> ids(s.parties());
    for (PartyId i = 0; i < ids.size(); ++i) ids[i] = i;
    return ids;
  }
  Shamir shamir_;
  Reconstruction everyone_;
};

EDGEMPC_END_NAMESPACE
