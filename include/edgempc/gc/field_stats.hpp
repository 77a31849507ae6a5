// SPDX-License-Identifier: Apache-2.0
// Minimum, maximum and threshold-alert count of a vector held as additive shares over the
// Mersenne61 field, by one garbled circuit that reveals only those three results.
//
// After a round of the data-sharing platform, two gateways hold additive shares a_i, b_i of N
// fixed-point readings: a_i + b_i = x_i (mod p, p = 2^61 - 1), negatives in the upper half
// (x = p - |x|). They learn min_i x_i, max_i x_i and #{i : x_i > threshold}, nothing else.
// With more than two gateways, the others first re-share their additive shares to these two
// (each splits its share in two and sends one part to each): that is the caller's job.
//
// The range promise: every x_i, as a signed integer, is in [-2^(w-1), 2^(w-1)) for the public
// w = value_bits (2 <= w <= 60); the devices' cleaning range-checks the readings before they
// are shared. A value outside the range gives wrong results (garbage minimum, maximum and
// count), never a crash or an error: the circuit cannot see it.
//
// Reconstruction inside the circuit. The garbler adds the public offset 2^(w-1) to its share
// in the clear (a'_i = a_i + 2^(w-1) mod p), so that v_i = a'_i + b_i mod p = x_i + 2^(w-1)
// lies in [0, 2^w) and the signed order of the x_i is the unsigned order of the v_i. With
// s = a' + b as an integer (a', b < p), either s = v (no wrap) or s = v + p, so
// v = s - c p with c = [s >= p], and since p = 2^61 - 1 = -1 (mod 2^w) for w <= 61,
// v = (s + c) mod 2^w = (a'_lo + b_lo + c) mod 2^w, where _lo is the low w bits: only the
// carry-in c needs the high bits. In general c is the carry out of a 61-bit adder or an
// all-ones test (about 120 ANDs); under the range promise it is just u = a'_60 | b_60:
//   - if s = v, then s < 2^w <= 2^60, so a', b < 2^60: u = 0 = c;
//   - if s >= p, then u = 1 = c, for a', b < 2^60 would give s <= 2^61 - 2 < p.
// (s = p exactly, i.e. x = -2^(w-1), is the second case: (s + 1) mod 2^w = 0.) So the
// circuit needs only the low w bits and bit 60 of each share, and the reconstruction is one
// OR and a w-bit adder with a carry-in: w ANDs per value, instead of about 2w + 120.
//
// Circuit inputs (field_stats_circuit(spec, n)): inputs 0..n-1 are the garbler's offset shares
// a'_i, inputs n..2n-1 the evaluator's shares b_i, each w + 1 bits: the share's bits 0..w-1,
// then its bit 60 (for w = 60, simply its 61 bits); field_stats_input() packs one. Outputs:
// min v (w bits), max v (w bits), the count (bit_width(n) bits); the public offset is
// subtracted in the clear after decoding (field_stats_decode()).
//
// The rest of the circuit (Kolesnikov, Sadeghi, Schneider, "Improved garbled circuit building
// blocks and applications to auctions and computing minima", CANS 2009: comparison by the
// borrow chain and selection, one AND per bit each; gc/builder.hpp):
//   - minimum and maximum together by pairs (the 3n/2-comparison algorithm): each pair is
//     compared once and conditionally swapped (2w ANDs per pair), then the smaller halves go
//     through a min tree and the larger halves through a max tree (2w ANDs per comparison):
//     about 3w ANDs per value instead of 4w for separate min and max;
//   - the alert: v > threshold + 2^(w-1), a comparison with a public constant, at most w - 1
//     ANDs (bits where the chain is constant fold away);
//   - the count: a carry-save population count of the alert bits (full and half adders, one
//     AND each), about 1 AND per value, in bit_width(n) bits.
// Cost per value: w (reconstruction) + 3w (minimum and maximum) + at most w - 1 (alert) + about
// 1 (count), i.e. about 5w ANDs. Measured with Circuit::and_count() for n = 1000 and
// threshold 0: 119.9 ANDs per value for w = 24 (119,898 in all) and 199.8 for w = 40 (199,834).
// Each AND is 32 bytes of garbled table (half-gates); each share adds w + 1 input labels (sent
// by the garbler, or by correlated OT for the evaluator's).
//
// Security model: that of Yao as in gc/yao.hpp (A. C. Yao, FOCS 1986; free-XOR and half-gates,
// S. Zahur, M. Rosulek, D. Evans, "Two halves make a whole: reducing data transfer in garbled
// circuits using half gates", EUROCRYPT 2015): semi-honest garbler and evaluator over secure
// channels. The parties `reveal` names learn the minimum, maximum and count (and what they
// imply: for N = 1, the reading itself); the other learns nothing; neither learns the other's
// shares or any reading beyond that.
// N, w and the threshold are public; both parties check at the start that they agree on them.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/error.hpp"
#include "edgempc/gc/builder.hpp"
#include "edgempc/gc/circuit.hpp"
#include "edgempc/gc/detail/two_party.hpp"
#include "edgempc/gc/dual_execution.hpp"
#include "edgempc/gc/yao.hpp"
#include "edgempc/party.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

struct FieldStatsSpec {
  std::uint32_t value_bits = 32;  ///< w: every x_i (signed) is in [-2^(w-1), 2^(w-1)); 2 <= w <= 60
  std::int64_t threshold = 0;     ///< count x_i > threshold; in the same range
};

struct FieldStats {
  std::int64_t minimum = 0;
  std::int64_t maximum = 0;
  std::uint64_t above = 0;  ///< how many x_i > threshold
  friend bool operator==(const FieldStats&, const FieldStats&) = default;
};

namespace detail::field_stats {

inline void check_spec(const FieldStatsSpec& spec) {
  const std::uint32_t w = spec.value_bits;
  if (w < 2 || w > 60)
    throw error(errc::invalid_argument, "gc::field_stats: value_bits " + std::to_string(w) + " is not in [2, 60]");
  const std::int64_t half = std::int64_t{1} << (w - 1);
  if (spec.threshold < -half || spec.threshold >= half)
    throw error(errc::invalid_argument, "gc::field_stats: threshold " + std::to_string(spec.threshold) +
                                            " is outside the " + std::to_string(w) + "-bit range");
}

inline std::uint64_t offset(const FieldStatsSpec& spec) { return std::uint64_t{1} << (spec.value_bits - 1); }

/// x > k for a public k: from the least significant bit, g = k_i ? x_i & g : x_i | g, one AND
/// per bit, and none while g is still the constant 0 (the low bits).
inline Bit greater_than_constant(Builder& b, const Word& x, std::uint64_t k) {
  Bit g = Bit::zero();
  for (std::size_t i = 0; i < x.size(); ++i)
    g = ((k >> i) & 1U) != 0 ? b.and_gate(x[i], g) : b.or_gate(x[i], g);
  return g;
}

/// The number of set bits among `bits`, as a `width`-bit word (mod 2^width): carry-save
/// columns of full adders (3 bits to 2, one AND) and half adders (2 to 2, one AND).
inline Word popcount(Builder& b, std::vector<Bit> bits, std::uint32_t width) {
  std::vector<std::vector<Bit>> columns(width);
  columns[0] = std::move(bits);
  Word out(width, Bit::zero());
  for (std::uint32_t j = 0; j < width; ++j) {
    std::vector<Bit>& col = columns[j];
    // A FIFO over the column, so the adders form a balanced tree.
    for (std::size_t head = 0; col.size() - head > 1;) {
      const bool full = col.size() - head >= 3;
      const Bit x = col[head], y = col[head + 1], z = full ? col[head + 2] : Bit::zero();
      head += full ? 3 : 2;
      const Bit t = b.xor_gate(x, z);
      const Bit sum = b.xor_gate(t, y);
      const Bit carry = b.xor_gate(z, b.and_gate(t, b.xor_gate(y, z)));  // majority(x, y, z)
      col.push_back(sum);
      if (j + 1 < width) columns[j + 1].push_back(carry);
    }
    if (col.size() > 0) out[j] = col.back();
    std::vector<Bit>().swap(col);
  }
  return out;
}

constexpr std::size_t header_bytes = 8 + 4 + 8 + 1 + 1;

inline std::array<std::uint8_t, header_bytes> header(const FieldStatsSpec& spec, std::size_t n, bool garbler,
                                                     Reveal reveal) {
  std::array<std::uint8_t, header_bytes> h{};
  edgempc::detail::store_le<std::uint64_t>(h.data(), n);
  edgempc::detail::store_le<std::uint32_t>(h.data() + 8, spec.value_bits);
  edgempc::detail::store_le<std::uint64_t>(h.data() + 12, static_cast<std::uint64_t>(spec.threshold));
  h[20] = static_cast<std::uint8_t>(reveal);
  h[21] = garbler ? 1 : 0;
  return h;
}

}  // namespace detail::field_stats

/// Bits of each circuit input: w + 1.
[[nodiscard]] inline std::uint32_t field_stats_input_width(const FieldStatsSpec& spec) {
  detail::field_stats::check_spec(spec);
  return spec.value_bits + 1;
}

/// The garbler's share with the public offset 2^(w-1) added (mod p), before input.
[[nodiscard]] inline Mersenne61 field_stats_offset_share(const FieldStatsSpec& spec, Mersenne61 a) {
  detail::field_stats::check_spec(spec);
  return a + Mersenne61::from_uint(detail::field_stats::offset(spec));
}

/// One share as a circuit input: its bits 0..w-1, then bit 60 (all 61 bits for w = 60). The
/// garbler passes its offset share (field_stats_offset_share), the evaluator its share.
[[nodiscard]] inline std::uint64_t field_stats_input(const FieldStatsSpec& spec, Mersenne61 share) {
  detail::field_stats::check_spec(spec);
  const std::uint32_t w = spec.value_bits;
  const std::uint64_t x = share.to_uint();
  return (x & ((std::uint64_t{1} << w) - 1)) | (((x >> 60) & 1U) << w);
}

/// The circuit for n values (see the top of this file for its inputs and outputs).
[[nodiscard]] inline Circuit field_stats_circuit(const FieldStatsSpec& spec, std::size_t n) {
  detail::field_stats::check_spec(spec);
  if (n == 0) throw error(errc::invalid_argument, "gc::field_stats_circuit: no values");
  const std::uint32_t w = spec.value_bits;
  const std::uint32_t width = field_stats_input_width(spec);
  Builder b;
  std::vector<Word> g, e;
  g.reserve(n);
  e.reserve(n);
  for (std::size_t i = 0; i < n; ++i) g.push_back(b.input(width));
  for (std::size_t i = 0; i < n; ++i) e.push_back(b.input(width));

  // v_i = x_i + 2^(w-1) = (a'_lo + b_lo + u) mod 2^w, u = a'_60 | b_60 (bit w of the input):
  // w ANDs.
  std::vector<Word> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Word& x = g[i];
    const Word& y = e[i];
    Bit carry = b.or_gate(x[w], y[w]);
    Word low(w);
    for (std::uint32_t j = 0; j < w; ++j) {
      const Bit t = b.xor_gate(x[j], carry);
      low[j] = b.xor_gate(t, y[j]);
      if (j + 1 < w) carry = b.xor_gate(carry, b.and_gate(t, b.xor_gate(y[j], carry)));
    }
    v[i] = std::move(low);
  }
  g.clear();
  e.clear();

  // Alerts: v_i > threshold + 2^(w-1).
  const std::uint64_t limit = static_cast<std::uint64_t>(spec.threshold) + detail::field_stats::offset(spec);
  std::vector<Bit> alerts;
  alerts.reserve(n);
  for (const auto& x : v) alerts.push_back(detail::field_stats::greater_than_constant(b, x, limit));

  // Minimum and maximum by pairs: compare, swap so the smaller is first, then a min tree over
  // the smaller and a max tree over the larger (an odd one out goes into both).
  std::vector<Word> lows, highs;
  lows.reserve(n / 2 + 1);
  highs.reserve(n / 2 + 1);
  for (std::size_t i = 0; i + 1 < n; i += 2) {
    const Word& x = v[i];
    const Word& y = v[i + 1];
    const Bit lt = less_unsigned(b, x, y);
    Word lo(w), hi(w);
    for (std::uint32_t j = 0; j < w; ++j) {
      const Bit d = b.and_gate(lt, b.xor_gate(x[j], y[j]));  // x ^ y if x < y
      lo[j] = b.xor_gate(y[j], d);
      hi[j] = b.xor_gate(x[j], d);
    }
    lows.push_back(std::move(lo));
    highs.push_back(std::move(hi));
  }
  if (n % 2 != 0) {
    lows.push_back(v.back());
    highs.push_back(v.back());
  }
  v.clear();
  b.output(min_unsigned(b, lows));
  b.output(max_unsigned(b, highs));
  b.output(detail::field_stats::popcount(b, std::move(alerts), static_cast<std::uint32_t>(std::bit_width(n))));
  return b.finish();
}

/// Decodes the circuit's output bits (min v, max v, count) into the statistics.
[[nodiscard]] inline FieldStats field_stats_decode(const FieldStatsSpec& spec, std::size_t n, const std::vector<bool>& bits) {
  detail::field_stats::check_spec(spec);
  const std::uint32_t w = spec.value_bits;
  const auto cw = static_cast<std::uint32_t>(std::bit_width(n));
  if (bits.size() != 2 * std::size_t{w} + cw)
    throw error(errc::size_mismatch, "gc::field_stats_decode: " + std::to_string(bits.size()) + " output bits, expected " +
                                         std::to_string(2 * std::size_t{w} + cw));
  const auto word = [&](std::size_t from, std::uint32_t len) {
    std::uint64_t x = 0;
    for (std::uint32_t i = 0; i < len; ++i) x |= std::uint64_t{bits[from + i]} << i;
    return x;
  };
  const auto off = static_cast<std::int64_t>(detail::field_stats::offset(spec));
  return FieldStats{static_cast<std::int64_t>(word(0, w)) - off, static_cast<std::int64_t>(word(w, w)) - off,
                    word(2 * std::size_t{w}, cw)};
}

/// Both gateways call this, one with `garbler` true, with the same spec and as many shares
/// each (shares[i] is this party's share of x_i). They first exchange (n, spec, reveal, role):
/// a different count is errc::size_mismatch, a different spec or reveal, or two garblers or
/// two evaluators, errc::protocol_violation, on both sides (no hang); a bad spec or no shares
/// is errc::invalid_argument. Returns the statistics to the parties `reveal` names,
/// std::nullopt to the other. With Reveal::to_both_checked the circuit runs by dual execution
/// (gc/dual_execution.hpp: "garbler" is then the first party): a cheating garbler is caught
/// (errc::protocol_violation) at the cost of one more run; `garble_as` is its test hook.
template <Transport Tr>
[[nodiscard]] std::optional<FieldStats> two_party_field_stats(Party<Tr>& party, Prg& prg, PartyId peer, bool garbler,
                                                             const FieldStatsSpec& spec, std::span<const Mersenne61> shares,
                                                             Reveal reveal, const GarbleAs& garble_as = {}) {
  namespace fs = detail::field_stats;
  const std::size_t n = shares.size();
  // Exchange first, validate after: a party with a bad spec still lets the other one finish.
  const auto mine = fs::header(spec, n, garbler, reveal);
  detail::two_party::agree(party, peer, mine, garbler, "gc::two_party_field_stats", "value_bits, threshold or reveal", [&] {
    fs::check_spec(spec);
    if (n == 0) throw error(errc::invalid_argument, "gc::two_party_field_stats: no shares");
  });

  const Circuit c = field_stats_circuit(spec, n);
  const std::uint32_t width = field_stats_input_width(spec);
  std::vector<bool> owners(2 * n, false);
  std::fill(owners.begin(), owners.begin() + static_cast<std::ptrdiff_t>(n), true);
  std::vector<bool> bits;
  bits.reserve(n * width);
  for (const Mersenne61 s : shares) {
    const std::uint64_t x = field_stats_input(spec, garbler ? field_stats_offset_share(spec, s) : s);
    for (std::uint32_t i = 0; i < width; ++i) bits.push_back(((x >> i) & 1U) != 0);
  }
  const auto out = detail::two_party::run(party, prg, c, peer, garbler, owners, bits, reveal, garble_as);
  if (!out) return std::nullopt;
  return field_stats_decode(spec, n, *out);
}

}  // namespace gc
EDGEMPC_END_NAMESPACE
