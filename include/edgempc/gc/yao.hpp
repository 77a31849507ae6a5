// SPDX-License-Identifier: Apache-2.0
// Yao's two-party protocol (A. C. Yao, "How to generate and exchange secrets", FOCS 1986; the
// semi-honest protocol and its proof as in Lindell and Pinkas, "A proof of security of Yao's
// protocol for two-party computation", J. Cryptology 2009).
//
// The garbler picks a global Delta (lsb 1) and garbles the circuit (gc/garble.hpp: free-XOR,
// half-gates). It sends the labels of its own input bits; the evaluator obtains the labels of
// its input bits by correlated OT with the same Delta (ot/iknp.hpp), so the OT itself hands out
// the zero-labels W0 and W0 ^ Delta and the garbler learns nothing of the evaluator's bits. The
// tables follow in batches (never held whole), 32 bytes per AND gate. Outputs are revealed to
// the evaluator (the garbler sends the decoding bits), to the garbler (the evaluator sends the
// colour bits of its output labels, which hide the values from the evaluator), or to both.
//
// Security model: semi-honest garbler and evaluator; secure channels between them (a garbler that
// deviates is caught by running twice with the roles swapped: gc/dual_execution.hpp). The OT
// runs with the KOS check unless the session's OtConfig says OtCheck::none (both sides must
// agree, or setup fails), so an evaluator that deviates as OT receiver to learn bits of Delta
// (and through them the garbler's inputs) is caught as ot/iknp.hpp states. Each side
// learns its revealed outputs and nothing else. A session (one YaoGarbler and one YaoEvaluator)
// runs any number of evaluations of one circuit: the OT setup (128 base OTs) is done once, and
// the half-gates tweaks keep counting, so both sides must run the same sequence of evaluations.
// WARNING: a failed evaluation leaves the tweaks out of step: start a new session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/block.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/gc/circuit.hpp"
#include "edgempc/gc/fixed_key.hpp"
#include "edgempc/gc/garble.hpp"
#include "edgempc/ot/bit_vector.hpp"
#include "edgempc/ot/config.hpp"
#include "edgempc/ot/iknp.hpp"
#include "edgempc/party.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

/// Who learns the outputs. to_both_checked: both, by dual execution (gc/dual_execution.hpp), so
/// that a cheating garbler is caught; the two-party statistics (field_stats.hpp,
/// field_range.hpp) take it, a single Yao session does not.
enum class Reveal : std::uint8_t { to_garbler = 1, to_evaluator = 2, to_both = 3, to_both_checked = 7 };

namespace detail::yao {

inline bool to_garbler(Reveal r) noexcept { return (static_cast<unsigned>(r) & 1u) != 0; }
inline bool to_evaluator(Reveal r) noexcept { return (static_cast<unsigned>(r) & 2u) != 0; }

inline void refuse_checked(Reveal r) {
  if (r == Reveal::to_both_checked)
    throw error(errc::invalid_argument, "Yao: Reveal::to_both_checked needs two sessions (gc/dual_execution.hpp)");
}

inline std::vector<std::uint8_t> blocks_to_bytes(std::span<const Block> blocks) {
  std::vector<std::uint8_t> out(blocks.size() * Block::size);
  for (std::size_t i = 0; i < blocks.size(); ++i)
    blocks[i].to_bytes(std::span<std::uint8_t, 16>(out.data() + i * Block::size, 16));
  return out;
}

inline void bytes_to_blocks(std::span<const std::uint8_t> bytes, std::vector<Block>& out, const char* what) {
  if (bytes.size() % Block::size != 0)
    throw error(errc::malformed_message, std::string("Yao: ") + what + " of " + std::to_string(bytes.size()) +
                                             " bytes, not whole 16-byte labels");
  out.resize(bytes.size() / Block::size);
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = Block::from_bytes(std::span<const std::uint8_t, 16>(bytes.data() + i * Block::size, 16));
}

inline std::vector<std::uint8_t> pack(const std::vector<bool>& bits) {
  std::vector<std::uint8_t> out((bits.size() + 7) / 8, 0);
  for (std::size_t i = 0; i < bits.size(); ++i) out[i / 8] = static_cast<std::uint8_t>(out[i / 8] | (bits[i] << (i % 8)));
  return out;
}

inline std::vector<bool> unpack(std::span<const std::uint8_t> bytes, std::size_t n, const char* what) {
  if (bytes.size() != (n + 7) / 8)
    throw error(errc::malformed_message, std::string("Yao: ") + what + " of " + std::to_string(bytes.size()) +
                                             " bytes, expected " + std::to_string((n + 7) / 8));
  std::vector<bool> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = ((bytes[i / 8] >> (i % 8)) & 1) != 0;
  return out;
}

/// Which input wires the garbler supplies, checked against the circuit; `mine_bits` is how
/// many input bits the caller (garbler if `garbler`) must give.
inline std::vector<bool> wire_owners(const Circuit& c, const std::vector<bool>& garbler_inputs, bool garbler,
                                     std::size_t mine_bits) {
  if (garbler_inputs.size() != c.input_widths.size())
    throw error(errc::size_mismatch, "Yao: " + std::to_string(garbler_inputs.size()) + " input owners for " +
                                         std::to_string(c.input_widths.size()) + " circuit inputs");
  std::vector<bool> wires;
  std::size_t own = 0;
  for (std::size_t k = 0; k < c.input_widths.size(); ++k) {
    wires.insert(wires.end(), c.input_widths[k], garbler_inputs[k]);
    if (garbler_inputs[k] == garbler) own += c.input_widths[k];
  }
  if (own != mine_bits)
    throw error(errc::size_mismatch, "Yao: " + std::to_string(mine_bits) + " input bits given, this party's inputs have " +
                                         std::to_string(own));
  return wires;
}

}  // namespace detail::yao

/// The garbler's side of a session with `evaluator`.
class YaoGarbler {
 public:
  /// `circuit` must outlive the session; `ot` configures the OT extension (the evaluator's
  /// must be equal).
  YaoGarbler(const Circuit& circuit, PartyId evaluator, const FixedKey& key = FixedKey(), const OtConfig& ot = {})
      : circuit_(&circuit), key_(key), garbler_(circuit, key_), ot_(evaluator, ot) {}

  /// The OT setup, once per session; Delta is drawn here.
  template <Transport Tr>
  void setup(Party<Tr>& party, Prg& prg) {
    delta_ = random_delta(prg);
    ot_.setup(party, prg, delta_);
  }

  /// One evaluation. `garbler_inputs[k]` is true if the garbler supplies circuit input k;
  /// `bits` are the garbler's input bits, its inputs in order, bit i of each on its wire i.
  /// Returns the output bits if they are revealed to the garbler.
  template <Transport Tr>
  std::optional<std::vector<bool>> run(Party<Tr>& party, Prg& prg, const std::vector<bool>& garbler_inputs,
                                       const std::vector<bool>& bits, Reveal reveal) {
    detail::yao::refuse_checked(reveal);
    const PartyId evaluator = ot_.peer();
    std::vector<Block> out = run_labels(party, prg, garbler_inputs, bits);
    std::vector<bool> decoding(out.size());
    for (std::size_t i = 0; i < out.size(); ++i) decoding[i] = out[i].lsb();
    secure_wipe(out.data(), out.size() * sizeof(Block));
    if (detail::yao::to_evaluator(reveal)) party.send_bytes(evaluator, detail::yao::pack(decoding));
    if (!detail::yao::to_garbler(reveal)) return std::nullopt;
    auto colours = detail::yao::unpack(party.receive_bytes(evaluator), decoding.size(), "output colours");
    for (std::size_t i = 0; i < colours.size(); ++i) colours[i] = colours[i] != decoding[i];
    return colours;
  }

  /// One evaluation that reveals nothing yet: input labels and tables go to the evaluator, and
  /// the outputs' zero-labels are returned (their lsb are the decoding bits). For protocols that
  /// check the outputs before revealing them (gc/dual_execution.hpp).
  template <Transport Tr>
  std::vector<Block> run_labels(Party<Tr>& party, Prg& prg, const std::vector<bool>& garbler_inputs,
                                const std::vector<bool>& bits) {
    const PartyId evaluator = ot_.peer();
    const auto owners = detail::yao::wire_owners(*circuit_, garbler_inputs, true, bits.size());
    std::vector<Block> zero(owners.size());
    random_labels(prg, zero);
    // The evaluator's wires: zero-labels from the correlated OT (its labels are W0 ^ b Delta).
    const std::size_t theirs = owners.size() - bits.size();
    if (theirs > 0) {
      const auto m0 = ot_.correlated(party, theirs);
      for (std::size_t w = 0, k = 0; w < owners.size(); ++w)
        if (!owners[w]) zero[w] = m0[k++];
    }
    std::vector<Block> active;
    active.reserve(bits.size());
    for (std::size_t w = 0, k = 0; w < owners.size(); ++w)
      if (owners[w]) active.push_back(zero[w] ^ (Block::mask(bits[k++]) & delta_));
    party.send_bytes(evaluator, detail::yao::blocks_to_bytes(active));
    secure_wipe(active.data(), active.size() * sizeof(Block));
    std::vector<Block> out(circuit_->output_bits());
    (void)garbler_.garble(
        delta_, zero, [&](std::span<const Block> tables) { party.send_bytes(evaluator, detail::yao::blocks_to_bytes(tables)); },
        out);
    secure_wipe(zero.data(), zero.size() * sizeof(Block));
    return out;
  }

  /// The output labels that stand for `value`: zero-label ^ value * Delta, per output bit.
  [[nodiscard]] std::vector<Block> encode_outputs(std::span<const Block> zero, const std::vector<bool>& value) const {
    if (zero.size() != value.size()) throw error(errc::size_mismatch, "YaoGarbler::encode_outputs");
    std::vector<Block> out(zero.size());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = zero[i] ^ (Block::mask(value[i]) & delta_);
    return out;
  }

  [[nodiscard]] const Circuit& circuit() const noexcept { return *circuit_; }
  ~YaoGarbler() { secure_wipe(&delta_, sizeof delta_); }
  YaoGarbler(const YaoGarbler&) = delete;
  YaoGarbler& operator=(const YaoGarbler&) = delete;

 private:
  const Circuit* circuit_;
  FixedKey key_;
  Garbler garbler_;
  OtExtensionSender ot_;
  Block delta_{};
};

/// The evaluator's side of a session with `garbler`.
class YaoEvaluator {
 public:
  YaoEvaluator(const Circuit& circuit, PartyId garbler, const FixedKey& key = FixedKey(), const OtConfig& ot = {})
      : circuit_(&circuit), key_(key), evaluator_(circuit, key_), ot_(garbler, ot) {}

  /// INSECURE, for tests only: an evaluator that deviates as OT receiver.
  void insecure_deviate_in_ot(InsecureReceiverDeviation d) { ot_.insecure_deviate(std::move(d)); }

  template <Transport Tr>
  void setup(Party<Tr>& party, Prg& prg) {
    ot_.setup(party, prg);
  }

  /// One evaluation; `bits` are the evaluator's input bits. Returns the output bits if they
  /// are revealed to the evaluator.
  template <Transport Tr>
  std::optional<std::vector<bool>> run(Party<Tr>& party, const std::vector<bool>& garbler_inputs,
                                       const std::vector<bool>& bits, Reveal reveal) {
    detail::yao::refuse_checked(reveal);
    const PartyId garbler = ot_.peer();
    const std::vector<Block> out = run_labels(party, garbler_inputs, bits);
    std::optional<std::vector<bool>> result;
    if (detail::yao::to_evaluator(reveal)) {
      const auto decoding = detail::yao::unpack(party.receive_bytes(garbler), out.size(), "decoding bits");
      result = decode(out, decoding);
    }
    if (detail::yao::to_garbler(reveal)) {
      std::vector<bool> colours(out.size());
      for (std::size_t i = 0; i < out.size(); ++i) colours[i] = out[i].lsb();
      party.send_bytes(garbler, detail::yao::pack(colours));
    }
    return result;
  }

  /// One evaluation that reveals nothing yet: returns the output labels evaluated (decode them
  /// with the garbler's decoding bits). For gc/dual_execution.hpp.
  template <Transport Tr>
  std::vector<Block> run_labels(Party<Tr>& party, const std::vector<bool>& garbler_inputs, const std::vector<bool>& bits) {
    const PartyId garbler = ot_.peer();
    const auto owners = detail::yao::wire_owners(*circuit_, garbler_inputs, false, bits.size());
    std::vector<Block> mine;
    if (!bits.empty()) {
      BitVector choices(bits.size());
      for (std::size_t i = 0; i < bits.size(); ++i) choices.set(i, bits[i]);
      mine = ot_.correlated(party, choices);
    }
    std::vector<Block> theirs;
    detail::yao::bytes_to_blocks(party.receive_bytes(garbler), theirs, "garbler input labels");
    if (theirs.size() != owners.size() - bits.size())
      throw error(errc::malformed_message, "Yao: " + std::to_string(theirs.size()) + " garbler input labels, expected " +
                                               std::to_string(owners.size() - bits.size()));
    std::vector<Block> labels(owners.size());
    for (std::size_t w = 0, g = 0, e = 0; w < owners.size(); ++w) labels[w] = owners[w] ? theirs[g++] : mine[e++];
    std::vector<Block> chunk;
    const auto out = evaluator_.evaluate(labels, [&]() -> std::span<const Block> {
      detail::yao::bytes_to_blocks(party.receive_bytes(garbler), chunk, "garbled tables");
      return chunk;
    });
    secure_wipe(labels.data(), labels.size() * sizeof(Block));
    return out;
  }

  [[nodiscard]] const Circuit& circuit() const noexcept { return *circuit_; }

 private:
  const Circuit* circuit_;
  FixedKey key_;
  Evaluator evaluator_;
  OtExtensionReceiver ot_;
};

/// One evaluation of `circuit` in a fresh session, as the garbler (`garbler` true) or the
/// evaluator: setup (base OTs), then run. `owners` and `inputs` as for run(); returns the
/// outputs to the parties `reveal` names, std::nullopt to the other. For circuits that are
/// built per call (the aggregates); a caller evaluating many times keeps its YaoGarbler or
/// YaoEvaluator and pays for setup once.
template <Transport Tr>
[[nodiscard]] std::optional<std::vector<bool>> run_yao_once(Party<Tr>& party, Prg& prg, const Circuit& circuit,
                                                           PartyId peer, bool garbler, const std::vector<bool>& owners,
                                                           const std::vector<bool>& inputs, Reveal reveal) {
  if (garbler) {
    YaoGarbler y(circuit, peer);
    y.setup(party, prg);
    return y.run(party, prg, owners, inputs, reveal);
  }
  YaoEvaluator y(circuit, peer);
  y.setup(party, prg);
  return y.run(party, owners, inputs, reveal);
}

}  // namespace gc
EDGEMPC_END_NAMESPACE
