// SPDX-License-Identifier: Apache-2.0
// A boolean circuit: the shared representation of the Bristol Fashion reader, the builder, the
// plaintext evaluator and the garbler.
//
// Wires are numbered 0 .. wires - 1. The inputs occupy the first wires, input 0 first, each
// input's bit i on its i-th wire; the outputs are the last wires, output 0 first (the Bristol
// Fashion convention). Gates are in an order where every gate's inputs are set before it
// (inputs, or outputs of earlier gates). XOR and INV are free in a garbled circuit; AND costs
// two ciphertexts (half-gates). Bristol's MAND is expanded to ANDs, EQ (constant) and EQW
// (copy) are kept.
#pragma once

#include <cstdint>
#include <numeric>
#include <vector>

#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

enum class GateType : std::uint8_t {
  xor_gate,  ///< out = in0 ^ in1
  and_gate,  ///< out = in0 & in1
  inv,       ///< out = !in0
  eqw,       ///< out = in0 (a copy)
  eq,        ///< out = constant in0 (0 or 1); in0 is the constant, not a wire
};

struct Gate {
  GateType type;
  std::uint32_t in0 = 0;
  std::uint32_t in1 = 0;  ///< unused for inv, eqw, eq
  std::uint32_t out = 0;
};

struct Circuit {
  std::uint32_t wires = 0;
  std::vector<std::uint32_t> input_widths;   ///< bits of each input value
  std::vector<std::uint32_t> output_widths;  ///< bits of each output value
  std::vector<Gate> gates;

  [[nodiscard]] std::uint64_t input_bits() const noexcept {
    return std::accumulate(input_widths.begin(), input_widths.end(), std::uint64_t{0});
  }
  [[nodiscard]] std::uint64_t output_bits() const noexcept {
    return std::accumulate(output_widths.begin(), output_widths.end(), std::uint64_t{0});
  }
  /// The first wire of input k.
  [[nodiscard]] std::uint32_t input_wire(std::size_t k) const noexcept {
    return static_cast<std::uint32_t>(std::accumulate(input_widths.begin(), input_widths.begin() + static_cast<std::ptrdiff_t>(k), std::uint64_t{0}));
  }
  /// The first wire of output k.
  [[nodiscard]] std::uint32_t output_wire(std::size_t k) const noexcept {
    return static_cast<std::uint32_t>(wires - output_bits() +
                                      std::accumulate(output_widths.begin(), output_widths.begin() + static_cast<std::ptrdiff_t>(k), std::uint64_t{0}));
  }
  [[nodiscard]] std::uint64_t and_count() const noexcept {
    std::uint64_t n = 0;
    for (const auto& g : gates) n += g.type == GateType::and_gate;
    return n;
  }
};

}  // namespace gc
EDGEMPC_END_NAMESPACE
