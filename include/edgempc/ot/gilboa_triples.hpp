// SPDX-License-Identifier: Apache-2.0
// Two-party Beaver triples over Z_2^64 from oblivious transfer, without a dealer: N. Gilboa,
// "Two party RSA key generation", CRYPTO 1999, as used for the offline phase of SecureML
// (P. Mohassel, Y. Zhang, IEEE S&P 2017) and MASCOT (M. Keller, E. Orsini, P. Scholl, CCS 2016).
//
// Party P holds random a_P, b_P; the triple is a = a_0 + a_1, b = b_0 + b_1 and
//   c = a_0 b_0 + a_1 b_1 + a_0 b_1 + a_1 b_0.
// Each cross term a_S b_R (S the OT sender, R the receiver) costs 64 random OTs whose choice
// bits are the bits of b_R. For bit k the sender has random m0, m1 and sends
//   d_k = m0 - m1 + a_S  mod 2^(64-k),
// the receiver computes v_k = m_{b_k} + b_k d_k = m0 + b_k a_S (mod 2^(64-k)), and
//   sum_k 2^k v_k  +  sum_k -2^k m0  =  a_S b_R  (mod 2^64).
// Only 64 - k bits of d_k matter, because 2^k v_k drops the rest: 2,080 bits per product
// instead of 4,096 (the truncation of Demmler, Schneider, Zohner, "ABY", NDSS 2015). The two
// cross terms use the two directions of a BidirectionalOt, the lower party id receiving first.
//
// Security model: two semi-honest parties, the IKNP extension's assumptions (ot/iknp.hpp; its
// KOS check, on by default, stops a deviating OT receiver from learning the sender's Delta, but
// the corrections d_k are not checked, so a deviating party can still make the triples wrong).
// Each party learns its own shares (a_P, b_P, c_P) and nothing else: the other's a and b stay
// hidden by the OTs, the corrections d_k are masked by OT outputs the receiver does not get.
// Neither party knows a, b or c. Wire cost per triple and direction: 64 x 16 bytes of IKNP
// matrix plus 260 bytes of corrections; with the KOS check 4,144 bytes and one round trip more
// per direction and 1,024 triples.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgempc/beaver/triples.hpp"
#include "edgempc/core/z2k.hpp"
#include "edgempc/ot/bidirectional.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail::gilboa {

inline constexpr std::size_t triples_per_round = 1024;
inline constexpr std::size_t bits_per_triple = 64 * 65 / 2;  // sum of 64 - k for k < 64
inline constexpr std::size_t bytes_per_triple = bits_per_triple / 8;

[[nodiscard]] inline std::uint64_t low_bits(std::uint64_t v, unsigned width) noexcept {
  return v & (~std::uint64_t{0} >> (64 - width));  // width in 1..64
}

/// Writes values of 1..64 bits one after another, least significant bit first. The word after
/// the current one is always touched (the buffer has one spare word), so nothing branches.
class BitWriter {
 public:
  explicit BitWriter(std::vector<std::uint64_t>& words) : words_(words) { std::fill(words_.begin(), words_.end(), 0); }
  void put(std::uint64_t value, unsigned width) noexcept {  // value < 2^width
    const std::size_t w = pos_ / 64;
    const unsigned off = static_cast<unsigned>(pos_ % 64);
    words_[w] |= value << off;
    words_[w + 1] |= (value >> 1) >> (63 - off);  // zero unless the value straddles the words
    pos_ += width;
  }

 private:
  std::vector<std::uint64_t>& words_;
  std::size_t pos_ = 0;
};

class BitReader {
 public:
  explicit BitReader(const std::vector<std::uint64_t>& words) : words_(words) {}
  [[nodiscard]] std::uint64_t get(unsigned width) noexcept {
    const std::size_t w = pos_ / 64;
    const unsigned off = static_cast<unsigned>(pos_ % 64);
    const std::uint64_t v = (words_[w] >> off) | ((words_[w + 1] << 1) << (63 - off));
    pos_ += width;
    return low_bits(v, width);
  }

 private:
  const std::vector<std::uint64_t>& words_;
  std::size_t pos_ = 0;
};

}  // namespace detail::gilboa

/// `count` triples shared between this party and ot.peer(), who runs the same call; both
/// extensions of `ot` must be set up. a and b shares come from `prg`.
template <Transport Tr>
[[nodiscard]] Triples<Z2k<64>> ot_triples(Party<Tr>& party, BidirectionalOt& ot, Prg& prg, std::size_t count) {
  namespace g = detail::gilboa;
  using R = Z2k<64>;
  if (!ot.ready()) throw error(errc::protocol_violation, "ot_triples: the OT extensions are not set up");
  std::vector<std::uint64_t> a(count), b(count), c(count);
  prg.fill(a.data(), count * sizeof(std::uint64_t));
  prg.fill(b.data(), count * sizeof(std::uint64_t));
  const std::size_t per_round = std::min(count, g::triples_per_round);
  std::vector<Block> mine(64 * per_round), m0(64 * per_round), m1(64 * per_round);
  std::vector<std::uint64_t> words((per_round * g::bits_per_triple + 63) / 64 + 1);
  std::vector<std::uint8_t> bytes;
  for (std::size_t first = 0; first < count; first += per_round) {
    const std::size_t n = std::min(per_round, count - first), ots = 64 * n;
    // The receiver's choice bit 64 t + k is bit k of b[first + t].
    const BitVector choices = BitVector::from_words(std::span<const std::uint64_t>(b).subspan(first, n), ots);
    // The lower id receives first, the other sends first: with the KOS check each direction
    // waits for an answer from the other side, so the two must not both start as receivers.
    if (party.id() < ot.peer()) {
      ot.receiver().random(party, choices, std::span<Block>(mine).first(ots));
      ot.sender().random(party, std::span<Block>(m0).first(ots), std::span<Block>(m1).first(ots));
    } else {
      ot.sender().random(party, std::span<Block>(m0).first(ots), std::span<Block>(m1).first(ots));
      ot.receiver().random(party, choices, std::span<Block>(mine).first(ots));
    }

    g::BitWriter out(words);
    for (std::size_t t = 0; t < n; ++t) {
      const std::uint64_t as = a[first + t];
      std::uint64_t share = a[first + t] * b[first + t];
      for (unsigned k = 0; k < 64; ++k) {
        const std::uint64_t x0 = m0[64 * t + k].lo, x1 = m1[64 * t + k].lo;
        out.put(g::low_bits(x0 - x1 + as, 64 - k), 64 - k);
        share -= x0 << k;
      }
      c[first + t] = share;
    }
    bytes.resize(n * g::bytes_per_triple);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(words[i / 8] >> (8 * (i % 8)));
    party.send_bytes(ot.peer(), bytes);

    const auto theirs = party.receive_bytes(ot.peer());
    if (theirs.size() != n * g::bytes_per_triple)
      throw error(errc::malformed_message, "ot_triples: " + std::to_string(theirs.size()) +
                                               " bytes of corrections, expected " +
                                               std::to_string(n * g::bytes_per_triple));
    std::fill(words.begin(), words.end(), 0);
    for (std::size_t i = 0; i < theirs.size(); ++i) words[i / 8] |= std::uint64_t{theirs[i]} << (8 * (i % 8));
    g::BitReader in(words);
    for (std::size_t t = 0; t < n; ++t) {
      const std::uint64_t bits = b[first + t];
      std::uint64_t share = 0;
      for (unsigned k = 0; k < 64; ++k) {
        const std::uint64_t d = in.get(64 - k);
        const std::uint64_t bit_mask = std::uint64_t{0} - ((bits >> k) & 1);
        share += (mine[64 * t + k].lo + (bit_mask & d)) << k;
      }
      c[first + t] += share;
    }
  }
  for (auto* v : {&mine, &m0, &m1}) secure_wipe(v->data(), v->size() * sizeof(Block));
  secure_wipe(words.data(), words.size() * sizeof(std::uint64_t));
  std::vector<R> ra(count), rb(count), rc(count);
  for (std::size_t i = 0; i < count; ++i)
    ra[i] = R::from_uint(a[i]), rb[i] = R::from_uint(b[i]), rc[i] = R::from_uint(c[i]);
  for (auto* v : {&a, &b, &c}) secure_wipe(v->data(), v->size() * sizeof(std::uint64_t));
  return Triples<R>(std::move(ra), std::move(rb), std::move(rc));
}

EDGEMPC_END_NAMESPACE
