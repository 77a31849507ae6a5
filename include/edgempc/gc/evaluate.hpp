// SPDX-License-Identifier: Apache-2.0
// Plaintext evaluation of a gc::Circuit: the reference the garbled evaluation is tested
// against, and a way to check a circuit file or a builder circuit before using it in MPC.
//
// Bit i of an input value goes on that input's i-th wire, and bit i of an output value comes
// from its i-th wire (circuit.hpp). Three forms of the values:
//   - one integer per value, widths <= 64:    evaluate(c, std::vector<std::uint64_t>)
//   - bit vectors, any width:                 evaluate_bits(c, std::vector<std::vector<bool>>)
//   - little-endian byte strings, any width:  evaluate_bytes(c, ...), bit i in byte i / 8 at
//                                             position i % 8 (so a 64-bit value's bytes are
//                                             its little-endian encoding).
// A wrong number of values or a value of the wrong width is errc::size_mismatch; an integer or
// byte string with bits set above the width is errc::out_of_range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgempc/error.hpp"
#include "edgempc/gc/circuit.hpp"
#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

/// Evaluates `c` on its input bits laid out on wires 0 .. input_bits() - 1 (one byte, 0 or 1,
/// per bit) and returns the output bits in wire order. A gate naming a wire outside the
/// circuit is errc::invalid_argument: a hand-made Circuit is not trusted to index memory.
[[nodiscard]] inline std::vector<std::uint8_t> evaluate_wires(const Circuit& c, std::span<const std::uint8_t> input_bits) {
  if (input_bits.size() != c.input_bits())
    throw error(errc::size_mismatch, "gc::evaluate: " + std::to_string(input_bits.size()) + " input bits, the circuit has " +
                                         std::to_string(c.input_bits()));
  if (c.input_bits() + c.output_bits() > c.wires)
    throw error(errc::invalid_argument, "gc::evaluate: the circuit has fewer wires than input and output bits");
  std::vector<std::uint8_t> v(c.wires, 0);
  for (std::size_t i = 0; i < input_bits.size(); ++i) v[i] = input_bits[i] & 1U;
  for (const Gate& g : c.gates) {
    const bool binary = g.type == GateType::xor_gate || g.type == GateType::and_gate;
    if (g.out >= c.wires || (g.type != GateType::eq && g.in0 >= c.wires) || (binary && g.in1 >= c.wires))
      throw error(errc::invalid_argument, "gc::evaluate: a gate names a wire outside the circuit");
    switch (g.type) {
      case GateType::xor_gate: v[g.out] = v[g.in0] ^ v[g.in1]; break;
      case GateType::and_gate: v[g.out] = v[g.in0] & v[g.in1]; break;
      case GateType::inv: v[g.out] = v[g.in0] ^ 1U; break;
      case GateType::eqw: v[g.out] = v[g.in0]; break;
      case GateType::eq: v[g.out] = static_cast<std::uint8_t>(g.in0 & 1U); break;
    }
  }
  const std::size_t first = c.wires - c.output_bits();
  return {v.begin() + static_cast<std::ptrdiff_t>(first), v.end()};
}

namespace detail {

inline void check_value_count(std::size_t given, std::size_t expected) {
  if (given != expected)
    throw error(errc::size_mismatch, "gc::evaluate: " + std::to_string(given) + " input values, the circuit has " +
                                         std::to_string(expected));
}

}  // namespace detail

/// Bit-vector form: inputs[k][i] is bit i of input k; returns out[k][i] likewise. (Its own
/// name: with one overload set, evaluate(c, {x}) would be ambiguous.)
[[nodiscard]] inline std::vector<std::vector<bool>> evaluate_bits(const Circuit& c, const std::vector<std::vector<bool>>& inputs) {
  detail::check_value_count(inputs.size(), c.input_widths.size());
  std::vector<std::uint8_t> bits;
  bits.reserve(static_cast<std::size_t>(c.input_bits()));
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    if (inputs[k].size() != c.input_widths[k])
      throw error(errc::size_mismatch, "gc::evaluate_bits: input " + std::to_string(k) + " has " + std::to_string(inputs[k].size()) +
                                           " bits, the circuit wants " + std::to_string(c.input_widths[k]));
    for (const bool b : inputs[k]) bits.push_back(b ? 1 : 0);
  }
  const auto out_bits = evaluate_wires(c, bits);
  std::vector<std::vector<bool>> out;
  std::size_t pos = 0;
  for (const auto w : c.output_widths) {
    std::vector<bool>& o = out.emplace_back(w);
    for (std::size_t i = 0; i < w; ++i) o[i] = out_bits[pos++] != 0;
  }
  return out;
}

/// Integer form for circuits whose inputs and outputs are all at most 64 bits wide.
[[nodiscard]] inline std::vector<std::uint64_t> evaluate(const Circuit& c, const std::vector<std::uint64_t>& inputs) {
  detail::check_value_count(inputs.size(), c.input_widths.size());
  for (const auto w : c.input_widths)
    if (w > 64) throw error(errc::size_mismatch, "gc::evaluate: an input wider than 64 bits needs evaluate_bits or evaluate_bytes");
  for (const auto w : c.output_widths)
    if (w > 64) throw error(errc::size_mismatch, "gc::evaluate: an output wider than 64 bits needs evaluate_bits or evaluate_bytes");
  std::vector<std::uint8_t> bits;
  bits.reserve(static_cast<std::size_t>(c.input_bits()));
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const std::uint32_t w = c.input_widths[k];
    if (w < 64 && (inputs[k] >> w) != 0)
      throw error(errc::out_of_range, "gc::evaluate: input " + std::to_string(k) + " does not fit in " + std::to_string(w) + " bits");
    for (std::uint32_t i = 0; i < w; ++i) bits.push_back(static_cast<std::uint8_t>((inputs[k] >> i) & 1U));
  }
  const auto out_bits = evaluate_wires(c, bits);
  std::vector<std::uint64_t> out;
  std::size_t pos = 0;
  for (const auto w : c.output_widths) {
    std::uint64_t v = 0;
    for (std::uint32_t i = 0; i < w; ++i) v |= std::uint64_t{out_bits[pos++]} << i;
    out.push_back(v);
  }
  return out;
}

/// Byte-string form for wide values: value k has (width + 7) / 8 bytes, bit i in byte i / 8 at
/// position i % 8; unused high bits of the last byte must be zero and are zero in the outputs.
[[nodiscard]] inline std::vector<std::vector<std::uint8_t>> evaluate_bytes(const Circuit& c,
                                                                           const std::vector<std::vector<std::uint8_t>>& inputs) {
  detail::check_value_count(inputs.size(), c.input_widths.size());
  std::vector<std::uint8_t> bits;
  bits.reserve(static_cast<std::size_t>(c.input_bits()));
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const std::uint32_t w = c.input_widths[k];
    if (inputs[k].size() != (std::size_t{w} + 7) / 8)
      throw error(errc::size_mismatch, "gc::evaluate_bytes: input " + std::to_string(k) + " has " + std::to_string(inputs[k].size()) +
                                           " bytes, the circuit wants " + std::to_string((std::size_t{w} + 7) / 8));
    if (w % 8 != 0 && (inputs[k].back() >> (w % 8)) != 0)
      throw error(errc::out_of_range, "gc::evaluate_bytes: input " + std::to_string(k) + " has bits set above its width");
    for (std::uint32_t i = 0; i < w; ++i) bits.push_back(static_cast<std::uint8_t>((inputs[k][i / 8] >> (i % 8)) & 1U));
  }
  const auto out_bits = evaluate_wires(c, bits);
  std::vector<std::vector<std::uint8_t>> out;
  std::size_t pos = 0;
  for (const auto w : c.output_widths) {
    std::vector<std::uint8_t>& o = out.emplace_back((std::size_t{w} + 7) / 8, 0);
    for (std::uint32_t i = 0; i < w; ++i) o[i / 8] = static_cast<std::uint8_t>(o[i / 8] | (out_bits[pos++] << (i % 8)));
  }
  return out;
}

}  // namespace gc
EDGEMPC_END_NAMESPACE
