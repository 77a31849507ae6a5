// SPDX-License-Identifier: Apache-2.0
// Base oblivious transfer on ristretto255: n random 1-out-of-2 OTs of 128-bit keys in two
// messages, after T. Chou and C. Orlandi, "The simplest protocol for oblivious transfer",
// LATINCRYPT 2015.
//
//   sender:   a random, A = aG                                  --- A --->
//   receiver: b_i random, B_i = b_i G + c_i A (c_i its choice)  <-- B_1..B_n ---
//   sender:   k_i^0 = H(i, A, B_i, a B_i),  k_i^1 = H(i, A, B_i, a (B_i - A))
//   receiver: k_i^{c_i} = H(i, A, B_i, b_i A)
//
// The hash binds the key to the whole transcript (A, B_i) and to the index i, not only to the
// shared point as in the original paper: that is the fix for the attacks on the original's
// composability (Z. A. Genç, V. Iovino, A. Rial, "The simplest protocol for oblivious transfer
// revisited", ePrint 2017/370; E. Hauck, J. Loss, "Efficient and universally composable
// protocols for oblivious transfer from the CDH assumption", ePrint 2017/1011). H is BLAKE2b
// with the personalisation "edgempc-baseot1".
//
// Security model: semi-honest sender and receiver, computational Diffie-Hellman in the
// ristretto255 group, H a random oracle. The sender learns nothing about the choices (B_i is
// uniform whatever c_i is); the receiver learns k_i^{c_i} and nothing about k_i^{1-c_i}. The
// receiver builds B_i from both candidates and selects with a mask, so nothing branches on a
// choice. Received points are checked: an invalid encoding, or one that makes a shared point
// the identity, is errc::malformed_message. Scalars are drawn from the caller's Prg and wiped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/block.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/ot/bit_vector.hpp"
#include "edgempc/party.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail::base_ot {

inline constexpr std::size_t point_bytes = crypto_core_ristretto255_BYTES;
inline constexpr std::size_t scalar_bytes = crypto_core_ristretto255_SCALARBYTES;

/// A uniform nonzero scalar from the caller's Prg (64 bytes reduced: bias below 2^-128).
inline void random_scalar(Prg& prg, std::uint8_t out[scalar_bytes]) {
  std::uint8_t wide[crypto_core_ristretto255_NONREDUCEDSCALARBYTES];
  prg.fill(wide, sizeof wide);
  crypto_core_ristretto255_scalar_reduce(out, wide);
  secure_wipe(wide, sizeof wide);
}

inline Block derive_key(std::uint64_t index, const std::uint8_t* a, const std::uint8_t* b, const std::uint8_t* shared) {
  static constexpr unsigned char personal[crypto_generichash_blake2b_PERSONALBYTES] = "edgempc-baseot1";
  std::uint8_t in[8 + 3 * point_bytes];
  store_le<std::uint64_t>(in, index);
  std::memcpy(in + 8, a, point_bytes);
  std::memcpy(in + 8 + point_bytes, b, point_bytes);
  std::memcpy(in + 8 + 2 * point_bytes, shared, point_bytes);
  std::uint8_t h[16];
  crypto_generichash_blake2b_salt_personal(h, sizeof h, in, sizeof in, nullptr, 0, nullptr, personal);
  secure_wipe(in, sizeof in);
  const Block k = Block::from_bytes(h);
  secure_wipe(h, sizeof h);
  return k;
}

}  // namespace detail::base_ot

/// The sender's side of n base OTs with `receiver`: returns (k_i^0, k_i^1) for each i.
template <Transport Tr>
[[nodiscard]] std::vector<std::array<Block, 2>> base_ot_send(Party<Tr>& party, PartyId receiver, Prg& prg,
                                                             std::size_t n) {
  ensure_sodium();
  std::uint8_t a[detail::base_ot::scalar_bytes], big_a[detail::base_ot::point_bytes], a_times_a[detail::base_ot::point_bytes];
  detail::base_ot::random_scalar(prg, a);
  if (crypto_scalarmult_ristretto255_base(big_a, a) != 0 || crypto_scalarmult_ristretto255(a_times_a, a, big_a) != 0) {
    secure_wipe(a, sizeof a);
    throw error(errc::crypto_failure, "base_ot_send: a zero scalar");
  }
  party.send_bytes(receiver, std::span<const std::uint8_t>(big_a, detail::base_ot::point_bytes));
  const auto bs = party.receive_bytes(receiver);
  if (bs.size() != n * detail::base_ot::point_bytes) {
    secure_wipe(a, sizeof a), secure_wipe(a_times_a, sizeof a_times_a);
    throw error(errc::malformed_message, "base_ot_send: " + std::to_string(bs.size()) + " bytes of points, expected " +
                                             std::to_string(n * detail::base_ot::point_bytes));
  }
  std::vector<std::array<Block, 2>> keys(n);
  std::uint8_t p0[detail::base_ot::point_bytes], p1[detail::base_ot::point_bytes];
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* b = bs.data() + i * detail::base_ot::point_bytes;
    if (crypto_core_ristretto255_is_valid_point(b) != 1 || crypto_scalarmult_ristretto255(p0, a, b) != 0) {
      secure_wipe(a, sizeof a), secure_wipe(a_times_a, sizeof a_times_a);
      throw error(errc::malformed_message, "base_ot_send: point " + std::to_string(i) + " is invalid");
    }
    crypto_core_ristretto255_sub(p1, p0, a_times_a);  // a (B - A) = aB - aA
    keys[i] = {detail::base_ot::derive_key(i, big_a, b, p0), detail::base_ot::derive_key(i, big_a, b, p1)};
  }
  secure_wipe(a, sizeof a), secure_wipe(a_times_a, sizeof a_times_a);
  secure_wipe(p0, sizeof p0), secure_wipe(p1, sizeof p1);
  return keys;
}

/// The receiver's side of choices.size() base OTs with `sender`: returns k_i^{choices[i]}.
template <Transport Tr>
[[nodiscard]] std::vector<Block> base_ot_receive(Party<Tr>& party, PartyId sender, Prg& prg,
                                                 const BitVector& choices) {
  ensure_sodium();
  const std::size_t n = choices.size();
  const auto big_a = party.receive_bytes(sender);
  if (big_a.size() != detail::base_ot::point_bytes || crypto_core_ristretto255_is_valid_point(big_a.data()) != 1)
    throw error(errc::malformed_message, "base_ot_receive: the sender's point is invalid");
  std::vector<std::uint8_t> bs(n * detail::base_ot::point_bytes);
  std::vector<std::uint8_t> shared(n * detail::base_ot::point_bytes);
  std::uint8_t b[detail::base_ot::scalar_bytes], x[detail::base_ot::point_bytes], y[detail::base_ot::point_bytes];
  bool bad = false;
  for (std::size_t i = 0; i < n; ++i) {
    detail::base_ot::random_scalar(prg, b);
    bad |= crypto_scalarmult_ristretto255_base(x, b) != 0;
    bad |= crypto_core_ristretto255_add(y, x, big_a.data()) != 0;
    // B = c ? bG + A : bG, selected byte by byte under a mask.
    const auto mask = static_cast<std::uint8_t>(0u - static_cast<unsigned>(choices.get(i)));
    std::uint8_t* out = bs.data() + i * detail::base_ot::point_bytes;
    for (std::size_t k = 0; k < detail::base_ot::point_bytes; ++k) out[k] = static_cast<std::uint8_t>(x[k] ^ (mask & (x[k] ^ y[k])));
    // The identity as bA means A is the identity (b is nonzero but for 2^-250).
    bad |= crypto_scalarmult_ristretto255(shared.data() + i * detail::base_ot::point_bytes, b, big_a.data()) != 0;
  }
  secure_wipe(b, sizeof b), secure_wipe(x, sizeof x), secure_wipe(y, sizeof y);
  if (bad) {
    secure_wipe(shared.data(), shared.size());
    throw error(errc::malformed_message, "base_ot_receive: the sender's point is the identity");
  }
  party.send_bytes(sender, bs);
  std::vector<Block> keys(n);
  for (std::size_t i = 0; i < n; ++i)
    keys[i] = detail::base_ot::derive_key(i, big_a.data(), bs.data() + i * detail::base_ot::point_bytes, shared.data() + i * detail::base_ot::point_bytes);
  secure_wipe(shared.data(), shared.size());
  return keys;
}

EDGEMPC_END_NAMESPACE
