// SPDX-License-Identifier: Apache-2.0
// OtConfig: the algorithms both ends of an OT extension must share.
//
// The PRG that stretches the base-OT seeds into IKNP's columns and the correlation-robust hash
// are both parts of the protocol: parties that chose differently would compute unrelated
// outputs without noticing. The defaults are the fastest this machine runs (AES-CTR where the
// CPU has AES instructions), which can differ between an x86 server and an ARM gateway, so setup() exchanges the
// configuration first and refuses a mismatch with errc::protocol_violation on both sides.
// OtConfig::portable() runs everywhere.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "edgempc/core/prg.hpp"
#include "edgempc/ot/cr_hash.hpp"

EDGEMPC_BEGIN_NAMESPACE

struct OtConfig {
  PrgAlgorithm prg = default_prg_algorithm();
  CrHashAlgorithm hash = default_cr_hash();

  /// ChaCha20 and BLAKE2b: any two machines agree.
  [[nodiscard]] static OtConfig portable() noexcept { return {PrgAlgorithm::chacha20, CrHashAlgorithm::blake2b}; }

  friend bool operator==(const OtConfig&, const OtConfig&) = default;
};

namespace detail {

inline constexpr std::uint8_t ot_wire_version = 1;

[[nodiscard]] inline std::array<std::uint8_t, 3> encode_ot_config(const OtConfig& c) noexcept {
  return {ot_wire_version, static_cast<std::uint8_t>(c.prg), static_cast<std::uint8_t>(c.hash)};
}

/// Throws unless this machine can run `c`.
inline void check_ot_config(const OtConfig& c) {
  if (!prg_algorithm_supported(c.prg))
    throw error(errc::unsupported, "OtConfig: the PRG algorithm needs AES instructions (AES-NI or ARMv8 AES)");
  if (!cr_hash_supported(c.hash)) throw error(errc::unsupported, "OtConfig: unknown hash algorithm");
}

/// The peer's configuration message against ours.
inline void match_ot_config(const OtConfig& mine, std::span<const std::uint8_t> theirs) {
  const auto want = encode_ot_config(mine);
  if (theirs.size() != want.size())
    throw error(errc::malformed_message, "OT setup: a configuration of " + std::to_string(theirs.size()) +
                                             " bytes, expected " + std::to_string(want.size()));
  if (theirs[0] != want[0] || theirs[1] != want[1] || theirs[2] != want[2])
    throw error(errc::protocol_violation, "OT setup: the peer uses another protocol version, PRG or hash (" +
                                              std::to_string(theirs[0]) + "/" + std::to_string(theirs[1]) + "/" +
                                              std::to_string(theirs[2]) + " against " + std::to_string(want[0]) +
                                              "/" + std::to_string(want[1]) + "/" + std::to_string(want[2]) + ")");
}

}  // namespace detail

EDGEMPC_END_NAMESPACE
