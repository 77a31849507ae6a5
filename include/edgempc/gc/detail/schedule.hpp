// SPDX-License-Identifier: Apache-2.0
// The order in which the garbler and the evaluator walk a circuit: AND gates grouped into runs
// of mutually independent gates, so that their hashes go to AES in large batches.
//
// Garbling is bound by AES throughput, and AES-NI (or a bitsliced AES) is fast only with many
// independent blocks in flight. Bristol circuits list gates one S-box or one adder bit after
// another: in file order the AES-128 circuit has runs of 1.7 independent ANDs on average. So,
// when every wire is written once (as in Bristol Fashion), gates are sorted by AND depth: first
// the free gates of depth 0, then every AND whose inputs have depth 0 (one run), then the free
// gates of depth 1, and so on; the AES-128 circuit then has 60 runs of about 107 ANDs. The
// sort is stable, so free gates keep their relative order. A circuit that writes a wire twice
// keeps its own order and splits AND runs where an AND reads a wire written in the same run.
//
// The schedule depends on the circuit only, so garbler and evaluator derive the same one, and
// gate k of the schedule's AND order gets the tweaks 2k and 2k + 1 on both sides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "edgempc/error.hpp"
#include "edgempc/gc/circuit.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc::detail {

struct Run {
  std::uint32_t begin = 0;  ///< first gate of Schedule::gates
  std::uint32_t end = 0;
  bool and_gates = false;  ///< all AND, mutually independent; else all free (XOR, INV, EQW, EQ)
};

struct Schedule {
  std::uint32_t wires = 0;
  std::uint32_t input_bits = 0;
  std::uint32_t output_bits = 0;
  std::uint64_t and_gates = 0;
  std::vector<Gate> gates;
  std::vector<Run> runs;
};

[[noreturn]] inline void bad_circuit(std::size_t gate, const char* what) {
  throw error(errc::invalid_argument, "gc: gate " + std::to_string(gate) + ": " + what);
}

/// Checks the circuit (wires in range, no wire read before it is set, every output set) and
/// orders it; errc::invalid_argument naming the gate otherwise.
[[nodiscard]] inline Schedule make_schedule(const Circuit& c) {
  Schedule s;
  s.wires = c.wires;
  if (c.input_bits() > c.wires || c.output_bits() > c.wires)
    throw error(errc::invalid_argument, "gc: more input or output bits than wires");
  if (c.gates.size() >= std::numeric_limits<std::uint32_t>::max())
    throw error(errc::invalid_argument, "gc: too many gates");
  s.input_bits = static_cast<std::uint32_t>(c.input_bits());
  s.output_bits = static_cast<std::uint32_t>(c.output_bits());

  // Pass 1: validate, and compute each gate's AND depth (level) while checking whether every
  // wire is written once.
  std::vector<std::uint32_t> level(c.wires, 0);
  std::vector<bool> set(c.wires, false);
  for (std::uint32_t w = 0; w < s.input_bits; ++w) set[w] = true;
  bool single_assignment = true;
  std::vector<std::uint32_t> key(c.gates.size());
  std::uint32_t max_key = 0;
  for (std::size_t i = 0; i < c.gates.size(); ++i) {
    const Gate& g = c.gates[i];
    const auto readable = [&](std::uint32_t w) {
      if (w >= c.wires) bad_circuit(i, "input wire out of range");
      if (!set[w]) bad_circuit(i, "reads a wire before it is set");
      return level[w];
    };
    if (g.out >= c.wires) bad_circuit(i, "output wire out of range");
    std::uint32_t l = 0;
    switch (g.type) {
      case GateType::xor_gate: l = std::max(readable(g.in0), readable(g.in1)); break;
      case GateType::and_gate: l = std::max(readable(g.in0), readable(g.in1)) + 1; break;
      case GateType::inv:
      case GateType::eqw: l = readable(g.in0); break;
      case GateType::eq:
        if (g.in0 > 1) bad_circuit(i, "constant other than 0 or 1");
        break;
      default: bad_circuit(i, "unknown gate type");
    }
    if (set[g.out]) single_assignment = false;
    set[g.out] = true;
    level[g.out] = l;
    // ANDs producing depth l run after the free gates of depth l - 1 and before those of depth l.
    key[i] = g.type == GateType::and_gate ? 2 * l - 1 : 2 * l;
    max_key = std::max(max_key, key[i]);
  }
  for (std::uint32_t w = c.wires - s.output_bits; w < c.wires; ++w)
    if (!set[w]) throw error(errc::invalid_argument, "gc: output wire " + std::to_string(w) + " is never set");

  // Pass 2: order the gates and cut the runs.
  s.gates.reserve(c.gates.size());
  if (single_assignment) {
    std::vector<std::uint32_t> start(static_cast<std::size_t>(max_key) + 2, 0);  // a stable counting sort
    for (std::uint32_t k : key) ++start[k + 1];
    for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
    s.gates.resize(c.gates.size());
    for (std::size_t i = 0; i < c.gates.size(); ++i) s.gates[start[key[i]]++] = c.gates[i];
    for (std::size_t i = 0; i < s.gates.size();) {
      const bool is_and = s.gates[i].type == GateType::and_gate;
      std::size_t j = i + 1;
      // Equal type and equal key: in the sorted order a run ends where the key changes, and
      // AND and free gates never share a key. Recompute the key from levels of the outputs.
      while (j < s.gates.size() && (s.gates[j].type == GateType::and_gate) == is_and &&
             level[s.gates[j].out] == level[s.gates[i].out])
        ++j;
      s.runs.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), is_and});
      i = j;
    }
  } else {
    s.gates = c.gates;
    std::vector<std::uint32_t> written_in(c.wires, 0);  // 1 + index of the AND run that wrote it
    for (std::size_t i = 0; i < s.gates.size();) {
      const bool is_and = s.gates[i].type == GateType::and_gate;
      const auto run_id = static_cast<std::uint32_t>(s.runs.size() + 1);
      std::size_t j = i;
      for (; j < s.gates.size() && (s.gates[j].type == GateType::and_gate) == is_and; ++j) {
        const Gate& g = s.gates[j];
        if (is_and) {
          if (written_in[g.in0] == run_id || written_in[g.in1] == run_id) break;
          written_in[g.out] = run_id;
        }
      }
      s.runs.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j), is_and});
      i = j;
    }
  }
  for (const Gate& g : s.gates) s.and_gates += g.type == GateType::and_gate;
  return s;
}

}  // namespace gc::detail
EDGEMPC_END_NAMESPACE
