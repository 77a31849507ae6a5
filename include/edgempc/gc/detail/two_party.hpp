// SPDX-License-Identifier: Apache-2.0
// What the two-party statistics (gc/field_stats.hpp, gc/field_range.hpp) share: agreeing on
// the parameters before any circuit runs, and running the circuit once (semi-honest Yao) or
// twice (dual execution, for Reveal::to_both_checked).
//
// Header wire format, one message each way: u64 n (values), the statistic's own parameters
// (including the reveal byte), then one role byte (1 garbler / first, 0 evaluator / second).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/error.hpp"
#include "edgempc/gc/circuit.hpp"
#include "edgempc/gc/dual_execution.hpp"
#include "edgempc/gc/yao.hpp"
#include "edgempc/party.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc::detail::two_party {

/// Sends `mine` (laid out as above) and checks the peer's: exchange first, validate after, so a
/// party with bad arguments still lets the other finish. `validate` checks this party's own
/// arguments (errc::invalid_argument) once the exchange is done. A header of another size is
/// errc::malformed_message; another n errc::size_mismatch; other parameters, or the same role
/// at both, errc::protocol_violation. `who` names the caller and `params` its parameters in
/// the messages.
template <Transport Tr, class Validate>
void agree(Party<Tr>& party, PartyId peer, std::span<const std::uint8_t> mine, bool garbler, std::string_view who,
           std::string_view params, Validate&& validate) {
  party.send_bytes(peer, mine);
  const auto theirs = party.receive_bytes(peer);
  const std::string name(who);
  if (theirs.size() != mine.size())
    throw error(errc::malformed_message, name + ": a header of " + std::to_string(theirs.size()) + " bytes");
  validate();
  const auto n = edgempc::detail::load_le<std::uint64_t>(mine.data());
  const auto their_n = edgempc::detail::load_le<std::uint64_t>(theirs.data());
  if (their_n != n)
    throw error(errc::size_mismatch, name + ": " + std::to_string(n) + " shares here, " + std::to_string(their_n) +
                                         " at party " + std::to_string(peer));
  if (!std::equal(mine.begin() + 8, mine.end() - 1, theirs.begin() + 8))
    throw error(errc::protocol_violation, name + ": party " + std::to_string(peer) + " has another " + std::string(params));
  if (theirs.back() != (garbler ? 0 : 1))
    throw error(errc::protocol_violation, name + ": both parties are " + (garbler ? "garblers" : "evaluators"));
}

/// Runs `circuit` with `peer`: once by semi-honest Yao for to_garbler / to_evaluator / to_both,
/// by dual execution for to_both_checked (`garbler` is then the first party; `garble_as` the
/// test hook of a cheating garbler). The outputs to the parties `reveal` names.
template <Transport Tr>
[[nodiscard]] std::optional<std::vector<bool>> run(Party<Tr>& party, Prg& prg, const Circuit& circuit, PartyId peer,
                                                  bool garbler, const std::vector<bool>& owners,
                                                  const std::vector<bool>& bits, Reveal reveal, const GarbleAs& garble_as) {
  if (reveal != Reveal::to_both_checked) return run_yao_once(party, prg, circuit, peer, garbler, owners, bits, reveal);
  const Circuit wrong = garble_as ? garble_as(circuit) : Circuit{};
  return run_dual_execution(party, prg, circuit, peer, garbler, owners, bits, garble_as ? &wrong : nullptr);
}

}  // namespace gc::detail::two_party
EDGEMPC_END_NAMESPACE
