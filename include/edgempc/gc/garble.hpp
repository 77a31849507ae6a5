// SPDX-License-Identifier: Apache-2.0
// Garbling and evaluating a Circuit: free-XOR, half-gates and point-and-permute, with the
// garbled tables streamed in batches.
//
//  - Free-XOR (V. Kolesnikov and T. Schneider, "Improved garbled circuit: free XOR gates and
//    applications", ICALP 2008): every wire w has a zero-label W0 and one-label W0 ^ Delta
//    under one global Delta, so XOR gates cost nothing.
//  - Half-gates (S. Zahur, M. Rosulek and D. Evans, "Two halves make a whole", EUROCRYPT 2015,
//    figure 2): two ciphertexts (32 bytes) per AND gate; the garbler hashes four labels per
//    AND, the evaluator two. H is gc::FixedKey::hash (Guo-Katz-Wang-Yu); the k-th AND gate in
//    schedule order uses the tweaks 2k and 2k + 1, continuing across calls on the same object.
//  - Point-and-permute: lsb(Delta) = 1, so the two labels of a wire have different colour bits
//    and the evaluator's choices need no trial decryption.
//  - INV: the garbler's zero-label of the output is the input's one-label (W0 ^ Delta); the
//    evaluator copies its label. EQW copies on both sides.
//  - EQ (a constant c, public in the circuit): the active label of a constant wire is the
//    all-zero block, known to both sides without any message, and the garbler sets the wire's
//    zero-label to c * Delta. The other label, Delta ^ c * Delta, stays unknown to the
//    evaluator, and the hash's tweaks keep two constant inputs of different gates apart.
//
// Streaming: the garbler calls `sink(std::span<const Block>)` with the tables of up to
// `batch_gates` AND gates at a time (two Blocks per gate, in schedule order); the evaluator
// calls `source()`, which returns the next chunk of tables as a std::span<const Block> (empty
// at the end of the stream), valid until the next call. Chunks may have any size: the
// evaluator does not need the garbler's batch size. A stream that ends before every AND gate
// has its tables, or a chunk that holds tables beyond the last AND gate, is
// errc::malformed_message. Only the wire labels are held whole (16 bytes per wire), never the
// tables. On the wire a Block is its 16 bytes, Block::to_bytes.
//
// Security: semi-honest. Delta must be uniformly random with lsb 1 (random_delta) and secret
// from the evaluator; zero-labels of the inputs uniformly random (random_labels). WARNING: a
// Delta must not be used with two Garbler objects, or with a Garbler and anything else that
// hashes under it: the tweaks restart at 0 in each new Garbler, and a repeated tweak under one
// Delta voids the half-gates proof. Use a fresh Delta per Garbler (garbling many circuits on
// one Garbler with one Delta is fine). The decoding bits reveal the outputs to whoever holds
// the output labels.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "edgempc/core/block.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"
#include "edgempc/gc/circuit.hpp"
#include "edgempc/gc/detail/schedule.hpp"
#include "edgempc/gc/fixed_key.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

/// Blocks of garbled table per AND gate (half-gates: 32 bytes).
inline constexpr std::size_t table_blocks_per_and = 2;

/// Called with each batch of tables, in order.
template <class S>
concept TableSink = std::invocable<S&, std::span<const Block>>;

/// Returns the next chunk of tables as a std::span (of Block or const Block), or an empty span
/// when there are none. A span, not anything convertible to one: a returned std::vector would
/// die at once and leave the evaluator reading freed memory.
template <class S>
concept TableSource = std::invocable<S&> && (std::same_as<std::invoke_result_t<S&>, std::span<const Block>> ||
                                             std::same_as<std::invoke_result_t<S&>, std::span<Block>>);

/// A global Delta: uniformly random with lsb 1 (point-and-permute).
[[nodiscard]] inline Block random_delta(Prg& prg) {
  std::uint8_t b[16];
  prg.fill(b);
  Block d = Block::from_bytes(b);
  secure_wipe(b, sizeof b);
  d.lo |= 1;
  return d;
}

/// Uniformly random zero-labels.
inline void random_labels(Prg& prg, std::span<Block> out) {
  std::uint8_t b[16];
  for (Block& l : out) {
    prg.fill(b);
    l = Block::from_bytes(b);
  }
  secure_wipe(b, sizeof b);
}

/// The output bits: lsb(label) ^ decoding bit. errc::size_mismatch if the sizes differ.
[[nodiscard]] inline std::vector<bool> decode(std::span<const Block> output_labels, const std::vector<bool>& decoding_bits) {
  if (output_labels.size() != decoding_bits.size()) throw error(errc::size_mismatch, "gc::decode");
  std::vector<bool> out(output_labels.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = output_labels[i].lsb() != decoding_bits[i];
  return out;
}

namespace detail {

// AND gates hashed per pass: enough to fill the AES pipelines and the 64 lanes of the
// bitsliced AES four times over, small enough that the scratch stays in L1.
inline constexpr std::size_t and_chunk = 64;

// Wire labels and scratch, wiped when the object dies: labels are secret (the garbler's reveal
// Delta).
class Workspace {
 public:
  Workspace() = default;
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  Workspace(Workspace&&) noexcept = default;
  Workspace& operator=(Workspace&& o) noexcept {
    wipe();
    labels = std::move(o.labels);
    scratch = std::move(o.scratch);
    return *this;
  }
  ~Workspace() { wipe(); }
  void wipe_scratch() noexcept { secure_wipe(scratch.data(), scratch.size() * sizeof(Block)); }

  std::vector<Block> labels;
  std::vector<Block> scratch;

 private:
  void wipe() noexcept {
    secure_wipe(labels.data(), labels.size() * sizeof(Block));
    wipe_scratch();
  }
};

}  // namespace detail

class Garbler {
 public:
  static constexpr std::size_t default_batch_gates = 4096;  // 128 KiB of tables per sink call

  /// `key` must outlive the Garbler. errc::invalid_argument for a malformed circuit or
  /// batch_gates == 0.
  Garbler(const Circuit& circuit, const FixedKey& key, std::size_t batch_gates = default_batch_gates)
      : key_(&key), schedule_(detail::make_schedule(circuit)) {
    if (batch_gates == 0) throw error(errc::invalid_argument, "Garbler: batch_gates == 0");
    work_.labels.resize(schedule_.wires);
    work_.scratch.resize(8 * detail::and_chunk);
    tables_.resize(table_blocks_per_and * std::min<std::uint64_t>(batch_gates, std::max<std::uint64_t>(schedule_.and_gates, 1)));
  }

  [[nodiscard]] std::uint64_t and_gates() const noexcept { return schedule_.and_gates; }
  /// Blocks of tables one garble() call produces.
  [[nodiscard]] std::uint64_t table_blocks() const noexcept { return table_blocks_per_and * schedule_.and_gates; }
  /// The tweak the next AND gate will use.
  [[nodiscard]] std::uint64_t next_tweak() const noexcept { return next_tweak_; }

  /// Garbles the circuit once: `sink` receives the tables batch by batch, and the decoding
  /// bits (lsb of each output wire's zero-label) are returned. If `output_zero_labels` is not
  /// empty it receives the outputs' zero-labels. Errors: errc::invalid_argument if lsb(delta)
  /// is 0; errc::size_mismatch for a wrong number of input or output labels.
  template <TableSink Sink>
  std::vector<bool> garble(const Block& delta, std::span<const Block> input_zero_labels, Sink&& sink,
                           std::span<Block> output_zero_labels = {}) {
    if (!delta.lsb()) throw error(errc::invalid_argument, "Garbler: lsb(Delta) must be 1");
    if (input_zero_labels.size() != schedule_.input_bits)
      throw error(errc::size_mismatch, "Garbler: one zero-label per input bit");
    if (!output_zero_labels.empty() && output_zero_labels.size() != schedule_.output_bits)
      throw error(errc::size_mismatch, "Garbler: one zero-label per output bit");
    Block* const labels = work_.labels.data();
    std::copy(input_zero_labels.begin(), input_zero_labels.end(), labels);
    std::size_t filled = 0;  // Blocks waiting in tables_
    const std::size_t capacity = tables_.size();
    for (const detail::Run& run : schedule_.runs) {
      const Gate* g = schedule_.gates.data() + run.begin;
      const Gate* const end = schedule_.gates.data() + run.end;
      if (!run.and_gates) {
        for (; g != end; ++g) {
          switch (g->type) {
            case GateType::xor_gate: labels[g->out] = labels[g->in0] ^ labels[g->in1]; break;
            case GateType::inv: labels[g->out] = labels[g->in0] ^ delta; break;
            case GateType::eqw: labels[g->out] = labels[g->in0]; break;
            case GateType::eq: labels[g->out] = Block::mask(g->in0 != 0) & delta; break;
            case GateType::and_gate: break;  // never in a free run
          }
        }
        continue;
      }
      while (g != end) {
        const std::size_t n = std::min({static_cast<std::size_t>(end - g), detail::and_chunk,
                                        (capacity - filled) / table_blocks_per_and});
        garble_ands(g, n, delta, tables_.data() + filled);
        g += n;
        filled += table_blocks_per_and * n;
        if (filled == capacity) {
          sink(std::span<const Block>(tables_.data(), filled));
          filled = 0;
        }
      }
    }
    if (filled != 0) sink(std::span<const Block>(tables_.data(), filled));
    work_.wipe_scratch();

    const std::uint32_t first_out = schedule_.wires - schedule_.output_bits;
    std::vector<bool> decoding(schedule_.output_bits);
    for (std::uint32_t i = 0; i < schedule_.output_bits; ++i) {
      decoding[i] = labels[first_out + i].lsb();
      if (!output_zero_labels.empty()) output_zero_labels[i] = labels[first_out + i];
    }
    return decoding;
  }

 private:
  // Half-gates, garbler side (ZRE15 figure 2), for n <= and_chunk independent ANDs. With
  // A0, B0 the input zero-labels, pa, pb their colours and j, j' = 2k, 2k + 1:
  //   TG = H(A0, j) ^ H(A1, j) ^ pb Delta        WG0 = H(A0, j) ^ pa TG
  //   TE = H(B0, j') ^ H(B1, j') ^ A0            WE0 = H(B0, j') ^ pb (TE ^ A0)
  // the tables are (TG, TE) and the output zero-label WG0 ^ WE0. Selections by mask, never by
  // branch: the colours are secret.
  void garble_ands(const Gate* g, std::size_t n, const Block& delta, Block* tables) {
    Block* const labels = work_.labels.data();
    Block* const x = work_.scratch.data();
    Block* const h = x + 4 * detail::and_chunk;
    for (std::size_t i = 0; i < n; ++i) {
      const Block a = labels[g[i].in0], b = labels[g[i].in1];
      x[4 * i] = a;
      x[4 * i + 1] = a ^ delta;
      x[4 * i + 2] = b;
      x[4 * i + 3] = b ^ delta;
    }
    key_->hash_sequence(std::span<const Block>(x, 4 * n), next_tweak_, 1, std::span<Block>(h, 4 * n));
    for (std::size_t i = 0; i < n; ++i) {
      const Block a0 = x[4 * i];
      const Block pa = Block::mask(a0.lsb()), pb = Block::mask(x[4 * i + 2].lsb());
      const Block hb = h[4 * i + 2] ^ h[4 * i + 3];
      const Block tg = h[4 * i] ^ h[4 * i + 1] ^ (pb & delta);
      const Block te = hb ^ a0;
      labels[g[i].out] = h[4 * i] ^ (pa & tg) ^ h[4 * i + 2] ^ (pb & hb);
      tables[2 * i] = tg;
      tables[2 * i + 1] = te;
    }
    next_tweak_ += 2 * n;
  }

  const FixedKey* key_;
  detail::Schedule schedule_;
  std::uint64_t next_tweak_ = 0;
  detail::Workspace work_;
  std::vector<Block> tables_;  // public once sent; not wiped
};

class Evaluator {
 public:
  /// `key` must outlive the Evaluator. errc::invalid_argument for a malformed circuit.
  Evaluator(const Circuit& circuit, const FixedKey& key) : key_(&key), schedule_(detail::make_schedule(circuit)) {
    work_.labels.resize(schedule_.wires);
    work_.scratch.resize(6 * detail::and_chunk);
  }

  [[nodiscard]] std::uint64_t and_gates() const noexcept { return schedule_.and_gates; }
  [[nodiscard]] std::uint64_t table_blocks() const noexcept { return table_blocks_per_and * schedule_.and_gates; }
  [[nodiscard]] std::uint64_t next_tweak() const noexcept { return next_tweak_; }

  /// Evaluates the circuit once on the active input labels, pulling tables from `source`, and
  /// returns the active output labels (decode them with the garbler's decoding bits).
  /// Errors: errc::size_mismatch for a wrong number of input labels; errc::malformed_message
  /// for a table stream that is too short or too long. After an error the object may be
  /// used again, but the tweaks no longer match the garbler's: start both anew.
  template <TableSource Source>
  std::vector<Block> evaluate(std::span<const Block> input_labels, Source&& source) {
    if (input_labels.size() != schedule_.input_bits)
      throw error(errc::size_mismatch, "Evaluator: one label per input bit");
    Block* const labels = work_.labels.data();
    std::copy(input_labels.begin(), input_labels.end(), labels);
    std::span<const Block> chunk;
    std::size_t pos = 0;  // next unread Block of chunk
    Block* const staged = work_.scratch.data() + 4 * detail::and_chunk;
    for (const detail::Run& run : schedule_.runs) {
      const Gate* g = schedule_.gates.data() + run.begin;
      const Gate* const end = schedule_.gates.data() + run.end;
      if (!run.and_gates) {
        for (; g != end; ++g) {
          switch (g->type) {
            case GateType::xor_gate: labels[g->out] = labels[g->in0] ^ labels[g->in1]; break;
            case GateType::inv:
            case GateType::eqw: labels[g->out] = labels[g->in0]; break;
            case GateType::eq: labels[g->out] = Block{}; break;
            case GateType::and_gate: break;
          }
        }
        continue;
      }
      while (g != end) {
        const std::size_t n = std::min(static_cast<std::size_t>(end - g), detail::and_chunk);
        const std::size_t need = table_blocks_per_and * n;
        const Block* tables;
        if (chunk.size() - pos >= need) {  // the common case: no copy
          tables = chunk.data() + pos;
          pos += need;
        } else {
          std::size_t have = 0;
          while (have < need) {
            if (pos == chunk.size()) {
              chunk = source();
              pos = 0;
              if (chunk.empty()) {
                work_.wipe_scratch();
                throw error(errc::malformed_message, "Evaluator: the table stream ended early");
              }
            }
            const std::size_t take = std::min(need - have, chunk.size() - pos);
            std::copy_n(chunk.data() + pos, take, staged + have);
            have += take;
            pos += take;
          }
          tables = staged;
        }
        evaluate_ands(g, n, tables);
        g += n;
      }
    }
    work_.wipe_scratch();
    if (pos != chunk.size()) throw error(errc::malformed_message, "Evaluator: more tables than AND gates");
    const std::uint32_t first_out = schedule_.wires - schedule_.output_bits;
    return std::vector<Block>(labels + first_out, labels + schedule_.wires);
  }

 private:
  // Half-gates, evaluator side: with sa, sb the colours of the active labels A, B,
  //   WG = H(A, j) ^ sa TG,   WE = H(B, j') ^ sb (TE ^ A),   output WG ^ WE.
  void evaluate_ands(const Gate* g, std::size_t n, const Block* tables) {
    Block* const labels = work_.labels.data();
    Block* const x = work_.scratch.data();
    Block* const h = x + 2 * detail::and_chunk;
    for (std::size_t i = 0; i < n; ++i) {
      x[2 * i] = labels[g[i].in0];
      x[2 * i + 1] = labels[g[i].in1];
    }
    key_->hash_sequence(std::span<const Block>(x, 2 * n), next_tweak_, 0, std::span<Block>(h, 2 * n));
    for (std::size_t i = 0; i < n; ++i) {
      const Block a = x[2 * i];
      const Block sa = Block::mask(a.lsb()), sb = Block::mask(x[2 * i + 1].lsb());
      labels[g[i].out] = h[2 * i] ^ (sa & tables[2 * i]) ^ h[2 * i + 1] ^ (sb & (tables[2 * i + 1] ^ a));
    }
    next_tweak_ += 2 * n;
  }

  const FixedKey* key_;
  detail::Schedule schedule_;
  std::uint64_t next_tweak_ = 0;
  detail::Workspace work_;
};

}  // namespace gc
EDGEMPC_END_NAMESPACE
