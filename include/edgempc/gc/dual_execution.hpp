// SPDX-License-Identifier: Apache-2.0
// Dual execution: a garbled-circuit computation between two parties in which a cheating garbler
// is caught (P. Mohassel and M. Franklin, "Efficiency tradeoffs for malicious two-party
// computation", PKC 2006; Y. Huang, J. Katz and D. Evans, "Quid-pro-quo-tocols: strengthening
// semi-honest protocols with dual execution", IEEE S&P 2012, whose output check this follows).
//
// How. The circuit runs twice with the roles swapped (gc/yao.hpp, two sessions): in execution 1
// the first party garbles and the second evaluates, in execution 2 the reverse. Each party
// gives the same input bits to both (as garbler through its labels, as evaluator through OT).
// No decoding bits go with the tables. Then:
//   1. each garbler sends its execution's decoding bits (the lsb of each output zero-label), and
//      each party decodes the output labels it evaluated: v1 at the second party, v2 at the first;
//   2. each party writes down the output labels of both executions for the value it holds:
//        first:  w = (Z1 ^ v2 * Delta1) || L2,     second: w = L1 || (Z2 ^ v1 * Delta2),
//      with Z a garbler's output zero-labels, Delta its offset, L the labels a party evaluated,
//      and sends BLAKE2b-256("edgempc dual execution" || role || w) to the other, role being its
//      own (0 first, 1 second);
//   3. each checks that what it received is the hash of the other's role and its own w: then both
//      hold the same labels, so the same output (v1 = v2), which is returned; else the call
//      throws errc::protocol_violation and returns nothing. The role in the hash is what stops a
//      cheater from echoing the honest party's own message back to it.
// Honest parties: L1 = Z1 ^ f(x) Delta1 and L2 = Z2 ^ f(x) Delta2, so the two w are equal. A
// first party that garbles another circuit f' (or lies about its decoding bits) leaves the
// second holding L1 for f'(x) (or a wrong v1); the second's w then equals the first's only if
// f'(x) = f(x): the first party knows no label of execution 2's outputs but the ones its own
// evaluation gave it, L2 for f(x), so it cannot build the second's w for any other value. The
// same holds with the roles swapped.
//
// Security model (HKE12, sec. 3): against one malicious party, the honest party either gets the
// correct output or the call fails (detected), and the malicious party learns the output and at
// most one more bit about the honest party's input (whether a predicate of its choice holds: for
// a wrong circuit, whether its output equals the right one) — dual execution's one-bit leakage.
// Both parties learn the output; there is no one-sided variant. Both sessions' OT extensions
// run with the KOS consistency check (ot/iknp.hpp; always, whatever OtConfig's default): a
// party that deviates as OT receiver (inconsistent choice bits across the columns, to learn bits
// of the other's Delta) is caught except with probability 2^-c for the c bits it tries to learn,
// up to 2^-64, with errc::protocol_violation at the other party, which then sends nothing more
// of that execution. So it detects a cheating garbler (a wrong circuit, wrong input labels or
// decoding bits, inputs that differ between the executions) and a cheating OT receiver, within
// the limits ot/iknp.hpp states (the base OTs are not simulatable against a malicious party).
// Cost: twice Yao's (both garble and both evaluate), plus 2 * (outputs / 8 + 32) bytes, plus
// the check's 4,144 bytes and one round trip per OT message (of up to 65,536 input bits).
//
// Wire, after the two sessions (each as gc/yao.hpp: base OTs, input labels, tables; no decoding
// bits): decoding bits (packed, one per output bit), then 32 bytes of hash (with the sender's
// role), in both directions.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "edgempc/core/block.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"
#include "edgempc/gc/circuit.hpp"
#include "edgempc/gc/yao.hpp"
#include "edgempc/party.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

/// Test hook of the two-party statistics: the circuit a cheating garbler garbles instead of the
/// right one (same shape).
using GarbleAs = std::function<Circuit(const Circuit&)>;

namespace detail::dual_execution {

/// BLAKE2b-256 of a label, the sender's role (0 first, 1 second) and the blocks.
inline std::array<std::uint8_t, 32> digest(std::uint8_t role, std::span<const Block> first, std::span<const Block> second) {
  static constexpr std::string_view label = "edgempc dual execution";
  ensure_sodium();
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(label.data()), label.size());
  crypto_generichash_update(&st, &role, 1);
  for (const auto half : {first, second}) {
    const auto bytes = detail::yao::blocks_to_bytes(half);
    crypto_generichash_update(&st, bytes.data(), bytes.size());
  }
  std::array<std::uint8_t, 32> out;
  crypto_generichash_final(&st, out.data(), out.size());
  return out;
}

}  // namespace detail::dual_execution

/// Evaluates `circuit` with `peer` by dual execution (see the header) and returns its outputs
/// to both parties. `first` says which role this party has (exactly one of the two must be
/// first); `first_owns[k]` is true if the first party supplies circuit input k (the same vector
/// at both); `bits` are this party's input bits, its inputs in order. Throws
/// errc::protocol_violation if the two executions disagree (the other party cheated), and what
/// gc/yao.hpp throws on bad messages. `garble_as` is for tests only: the circuit this party
/// garbles instead (a cheating garbler; it must have the same shape, or evaluation fails);
/// `ot_deviation` too (an OT receiver that deviates in this party's evaluation).
template <Transport Tr>
[[nodiscard]] std::vector<bool> run_dual_execution(Party<Tr>& party, Prg& prg, const Circuit& circuit, PartyId peer,
                                                   bool first, const std::vector<bool>& first_owns,
                                                   const std::vector<bool>& bits, const Circuit* garble_as = nullptr,
                                                   const InsecureReceiverDeviation* ot_deviation = nullptr) {
  std::vector<bool> second_owns(first_owns.size());
  for (std::size_t k = 0; k < first_owns.size(); ++k) second_owns[k] = !first_owns[k];
  OtConfig ot;
  ot.check = OtCheck::kos;
  YaoGarbler garbler(garble_as ? *garble_as : circuit, peer, FixedKey(), ot);
  YaoEvaluator evaluator(circuit, peer, FixedKey(), ot);
  if (ot_deviation != nullptr) evaluator.insecure_deviate_in_ot(*ot_deviation);
  std::vector<Block> zero, evaluated;
  // Execution 1 (the first party garbles), then execution 2, each session's setup before it.
  // Yao takes "the garbler supplies input k" flags: first_owns in execution 1, second_owns in 2.
  if (first) {
    garbler.setup(party, prg);
    zero = garbler.run_labels(party, prg, first_owns, bits);
    evaluator.setup(party, prg);
    evaluated = evaluator.run_labels(party, second_owns, bits);
  } else {
    evaluator.setup(party, prg);
    evaluated = evaluator.run_labels(party, first_owns, bits);
    garbler.setup(party, prg);
    zero = garbler.run_labels(party, prg, second_owns, bits);
  }

  // 1. Decoding bits both ways; each decodes what it evaluated.
  std::vector<bool> decoding(zero.size());
  for (std::size_t i = 0; i < zero.size(); ++i) decoding[i] = zero[i].lsb();
  party.send_bytes(peer, detail::yao::pack(decoding));
  const auto theirs = detail::yao::unpack(party.receive_bytes(peer), evaluated.size(), "decoding bits");
  std::vector<bool> value = decode(evaluated, theirs);

  // 2. Both executions' labels for that value, in execution order, hashed with this party's
  // role (sent) and with the other's (expected back).
  std::vector<Block> encoded = garbler.encode_outputs(zero, value);
  const std::span<const Block> exec1 = first ? std::span<const Block>(encoded) : std::span<const Block>(evaluated);
  const std::span<const Block> exec2 = first ? std::span<const Block>(evaluated) : std::span<const Block>(encoded);
  const auto mine = detail::dual_execution::digest(first ? 0 : 1, exec1, exec2);
  const auto expected = detail::dual_execution::digest(first ? 1 : 0, exec1, exec2);
  secure_wipe(zero.data(), zero.size() * sizeof(Block));
  secure_wipe(encoded.data(), encoded.size() * sizeof(Block));
  party.send_bytes(peer, mine);
  const auto other = party.receive_bytes(peer);
  if (other.size() != expected.size())
    throw error(errc::malformed_message, "dual execution: a check of " + std::to_string(other.size()) + " bytes");
  // 3. The same value at both, or nothing.
  if (crypto_verify_32(expected.data(), other.data()) != 0)
    throw error(errc::protocol_violation, "dual execution: the two executions disagree (party " + std::to_string(peer) +
                                              " garbled a wrong circuit, sent wrong labels or used other inputs)");
  return value;
}

}  // namespace gc
EDGEMPC_END_NAMESPACE
