// SPDX-License-Identifier: Apache-2.0
// Range check of values held as additive shares over the Mersenne61 field, by one garbled
// circuit that reveals, for each value, only whether it lies in a public range [low, high].
//
// Why a circuit. A device sends Shamir shares of its encoded reading; nothing stops it from
// sharing a value far outside its channel's range (10^12 instead of 22.5) and so moving a mean
// or a minimum at will. The gateways cannot look, so two of them (garbler and evaluator, after
// the others re-shared to them, as for gc/field_stats.hpp) evaluate this circuit on their
// additive shares a_i + b_i = x_i (mod p) and learn one bit per value: low <= x_i <= high, with
// x_i read as a signed integer (the upper half of the field is negative).
//
// Reconstruction without a promise. Unlike field_stats.hpp, nothing may be assumed about x_i
// here, so the circuit adds all 61 bits. The garbler subtracts `low` from its share in the clear
// (a'_i = a_i - low mod p), so that v_i = a'_i + b_i mod p = x_i - low (mod p), and x_i is in
// range exactly when v_i, as an integer in [0, p), is at most W = high - low (W < p / 2, so the
// signed reading and the unsigned one agree). With s = a' + b as a 62-bit integer (a', b < p),
// v = s if s < p and v = s - p otherwise, so
//   in range  <=>  s <= W  or  p <= s <= p + W,
// and the two cases exclude each other (W < p). The circuit: a 61-bit adder with carry out (61
// ANDs), three comparisons of s with public constants (at most 62 ANDs each, fewer where the
// constant's low bits fold away), one AND and one XOR: about 240 ANDs per value; each value is 61
// input bits from each side. Comparison with a constant as in field_stats.hpp (the borrow chain
// of Kolesnikov, Sadeghi and Schneider, CANS 2009).
//
// Circuit inputs (field_range_circuit(n)): inputs 0..n-1 are the garbler's shifted shares a'_i,
// n..2n-1 the evaluator's shares b_i, each 61 bits (field_range_input()); outputs: n bits, bit i
// set iff x_i is in range.
//
// Security model: that of Yao as in gc/yao.hpp (semi-honest garbler and evaluator over secure
// channels). The parties `reveal` names learn the n bits; neither learns a share of the other or
// anything else about any x_i. A malicious garbler could garble another circuit (e.g. report a
// valid value as out of range): detecting that is open work (dual execution).
// n, low and high are public; both parties check at the start that they agree on them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
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
#include "edgempc/gc/field_stats.hpp"
#include "edgempc/gc/detail/two_party.hpp"
#include "edgempc/gc/dual_execution.hpp"
#include "edgempc/gc/yao.hpp"
#include "edgempc/party.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

/// The public range, as signed integers (encoded readings): low <= high, |low|, |high| < 2^59.
struct FieldRangeSpec {
  std::int64_t low = 0;
  std::int64_t high = 0;
};

/// Bits of each circuit input: the whole field element.
inline constexpr std::uint32_t field_range_input_width = 61;

namespace detail::field_range {

inline void check_spec(const FieldRangeSpec& spec) {
  constexpr std::int64_t bound = std::int64_t{1} << 59;
  if (spec.low > spec.high || spec.low <= -bound || spec.high >= bound)
    throw error(errc::invalid_argument, "gc::field_range: the range [" + std::to_string(spec.low) + ", " +
                                            std::to_string(spec.high) + "] is empty or beyond +-2^59");
}

using field_stats::greater_than_constant;  // [x > k] for a public k, one AND per bit

constexpr std::size_t header_bytes = 8 + 8 + 8 + 1 + 1;

inline std::array<std::uint8_t, header_bytes> header(const FieldRangeSpec& spec, std::size_t n, bool garbler, Reveal reveal) {
  std::array<std::uint8_t, header_bytes> h{};
  edgempc::detail::store_le<std::uint64_t>(h.data(), n);
  edgempc::detail::store_le<std::uint64_t>(h.data() + 8, static_cast<std::uint64_t>(spec.low));
  edgempc::detail::store_le<std::uint64_t>(h.data() + 16, static_cast<std::uint64_t>(spec.high));
  h[24] = static_cast<std::uint8_t>(reveal);
  h[25] = garbler ? 1 : 0;
  return h;
}

/// The circuit for one value: inputs a' and b (61 bits each), output one bit.
inline Circuit one_value(const FieldRangeSpec& spec) {
  const auto width = static_cast<std::uint64_t>(spec.high - spec.low);
  Builder b;
  const Word g = b.input(field_range_input_width);
  const Word e = b.input(field_range_input_width);
  const Word s = add_with_carry(b, g, e);                                                   // 62 bits
  const Bit below = b.inv(greater_than_constant(b, s, width));                               // s <= W
  const Bit wrapped = greater_than_constant(b, s, Mersenne61::modulus - 1);                  // s >= p
  const Bit wrapped_below = b.inv(greater_than_constant(b, s, Mersenne61::modulus + width));  // s <= p + W
  b.output(Word{b.xor_gate(below, b.and_gate(wrapped, wrapped_below))});
  return b.finish();
}

/// n copies of the one-value circuit side by side, laid out as field_range_circuit's inputs and
/// outputs say: copying gates with renumbered wires is some 10 times faster than building n
/// values through the Builder, and the circuit is rebuilt for every round.
inline Circuit replicate(const Circuit& one, std::size_t n) {
  constexpr std::uint32_t w = field_range_input_width;
  const std::uint32_t internal = one.wires - 2 * w - 1;  // wires that are neither inputs nor the output
  const std::uint64_t total = std::uint64_t{2} * w * n + std::uint64_t{internal} * n + n;
  if (total >= std::numeric_limits<std::uint32_t>::max() || one.output_bits() != 1)
    throw error(errc::invalid_argument, "gc::field_range_circuit: " + std::to_string(n) + " values is too many wires");
  Circuit c;
  c.wires = static_cast<std::uint32_t>(total);
  c.input_widths.assign(2 * n, w);
  c.output_widths = {static_cast<std::uint32_t>(n)};
  c.gates.resize(one.gates.size() * n);
  const auto n32 = static_cast<std::uint32_t>(n);
  for (std::uint32_t i = 0; i < n32; ++i) {
    const auto map = [&](std::uint32_t x) -> std::uint32_t {
      if (x < w) return i * w + x;                                             // a'_i
      if (x < 2 * w) return n32 * w + i * w + (x - w);                          // b_i
      if (x < 2 * w + internal) return 2 * w * n32 + i * internal + (x - 2 * w);  // inside copy i
      return c.wires - n32 + i;                                                 // output bit i
    };
    Gate* out = c.gates.data() + std::size_t{i} * one.gates.size();
    for (const Gate& g : one.gates) {
      Gate h = g;
      if (g.type != GateType::eq) h.in0 = map(g.in0);  // eq's in0 is the constant
      if (g.type == GateType::xor_gate || g.type == GateType::and_gate) h.in1 = map(g.in1);
      h.out = map(g.out);
      *out++ = h;
    }
  }
  return c;
}

}  // namespace detail::field_range

/// One share as circuit input: the garbler passes a - low (mod p), the evaluator its share b.
[[nodiscard]] inline std::uint64_t field_range_input(const FieldRangeSpec& spec, Mersenne61 share, bool garbler) {
  detail::field_range::check_spec(spec);
  return (garbler ? share - Mersenne61::from_int(spec.low) : share).to_uint();
}

/// The circuit for n values of the range `spec` (see the top of this file).
[[nodiscard]] inline Circuit field_range_circuit(const FieldRangeSpec& spec, std::size_t n) {
  namespace fr = detail::field_range;
  fr::check_spec(spec);
  if (n == 0) throw error(errc::invalid_argument, "gc::field_range_circuit: no values");
  return fr::replicate(fr::one_value(spec), n);
}

/// Both parties call this, one with `garbler` true, with the same spec and as many shares each
/// (shares[i] is this party's additive share of x_i). They first exchange (n, spec, reveal,
/// role): a different count is errc::size_mismatch, a different spec or reveal, or two garblers
/// or two evaluators, errc::protocol_violation, on both sides; a bad spec or no shares is
/// errc::invalid_argument. Returns, to the parties `reveal` names, one bool per value (in
/// range); std::nullopt to the other. Reveal::to_both_checked runs it by dual execution
/// (gc/dual_execution.hpp), as for two_party_field_stats.
template <Transport Tr>
[[nodiscard]] std::optional<std::vector<bool>> two_party_field_range(Party<Tr>& party, Prg& prg, PartyId peer, bool garbler,
                                                                     const FieldRangeSpec& spec,
                                                                     std::span<const Mersenne61> shares, Reveal reveal,
                                                                     const GarbleAs& garble_as = {}) {
  namespace fr = detail::field_range;
  const std::size_t n = shares.size();
  const auto mine = fr::header(spec, n, garbler, reveal);
  detail::two_party::agree(party, peer, mine, garbler, "gc::two_party_field_range", "range or reveal", [&] {
    fr::check_spec(spec);
    if (n == 0) throw error(errc::invalid_argument, "gc::two_party_field_range: no shares");
  });
  const Circuit c = field_range_circuit(spec, n);
  std::vector<bool> owners(2 * n, false);
  std::fill(owners.begin(), owners.begin() + static_cast<std::ptrdiff_t>(n), true);
  std::vector<bool> bits;
  bits.reserve(n * field_range_input_width);
  for (const Mersenne61 s : shares) {
    const std::uint64_t x = field_range_input(spec, s, garbler);
    for (std::uint32_t i = 0; i < field_range_input_width; ++i) bits.push_back(((x >> i) & 1U) != 0);
  }
  return detail::two_party::run(party, prg, c, peer, garbler, owners, bits, reveal, garble_as);
}

}  // namespace gc
EDGEMPC_END_NAMESPACE
