// SPDX-License-Identifier: Apache-2.0
// OtConfig: the algorithms both ends of an OT extension must share.
//
// The PRG that stretches the base-OT seeds into IKNP's columns and the correlation-robust hash
// are both parts of the protocol: parties that chose differently would compute unrelated
// outputs without noticing. The defaults are the fastest this machine runs (AES-CTR where the
// CPU has AES instructions), which can differ between an x86 server and an ARM gateway, so setup() exchanges the
// configuration first and refuses a mismatch with errc::protocol_violation on both sides.
// OtConfig::portable() runs everywhere.
//
// `check` says whether the extension runs the KOS consistency check (ot/iknp.hpp): the default
// is OtCheck::kos, the safe variant under the short name, because without it a receiver that
// deviates can learn bits of the sender's Delta (and with them the garbler's inputs in Yao),
// and because it costs little: 256 extra OTs, 48 bytes and one round trip per message of up to
// 65,536 OTs (bench/README.md has the figures). OtCheck::none is the semi-honest IKNP, for two
// parties that trust each other to follow the protocol. Both ends must agree: setup() refuses a
// sender and a receiver that differ, so a peer cannot opt out of the check.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "edgempc/core/prg.hpp"
#include "edgempc/ot/cr_hash.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// Whether the OT extension checks the receiver (ot/iknp.hpp, "The KOS check").
enum class OtCheck : std::uint8_t {
  none = 0,  ///< semi-honest IKNP: a deviating receiver is not detected
  kos = 1,   ///< Keller-Orsini-Scholl: a receiver that is inconsistent across columns is caught
};

struct OtConfig {
  PrgAlgorithm prg = default_prg_algorithm();
  CrHashAlgorithm hash = default_cr_hash();
  OtCheck check = OtCheck::kos;

  /// ChaCha20 and BLAKE2b: any two machines agree. The KOS check, as by default.
  [[nodiscard]] static OtConfig portable() noexcept {
    OtConfig c;
    c.prg = PrgAlgorithm::chacha20;
    c.hash = CrHashAlgorithm::blake2b;
    return c;
  }

  friend bool operator==(const OtConfig&, const OtConfig&) = default;
};

namespace detail {

// Version 2 added the check byte (and the KOS messages).
inline constexpr std::uint8_t ot_wire_version = 2;

[[nodiscard]] inline std::array<std::uint8_t, 4> encode_ot_config(const OtConfig& c) noexcept {
  return {ot_wire_version, static_cast<std::uint8_t>(c.prg), static_cast<std::uint8_t>(c.hash),
          static_cast<std::uint8_t>(c.check)};
}

/// Throws unless this machine can run `c`.
inline void check_ot_config(const OtConfig& c) {
  if (!prg_algorithm_supported(c.prg))
    throw error(errc::unsupported, "OtConfig: the PRG algorithm needs AES instructions (AES-NI or ARMv8 AES)");
  if (!cr_hash_supported(c.hash)) throw error(errc::unsupported, "OtConfig: unknown hash algorithm");
  if (c.check != OtCheck::none && c.check != OtCheck::kos) throw error(errc::unsupported, "OtConfig: unknown check");
}

/// The peer's configuration message against ours.
inline void match_ot_config(const OtConfig& mine, std::span<const std::uint8_t> theirs) {
  const auto want = encode_ot_config(mine);
  if (theirs.size() != want.size())
    throw error(errc::malformed_message, "OT setup: a configuration of " + std::to_string(theirs.size()) +
                                             " bytes, expected " + std::to_string(want.size()));
  if (!std::equal(want.begin(), want.end(), theirs.begin())) {
    const auto show = [](auto bytes) {
      std::string out;
      for (std::size_t k = 0; k < 4; ++k) out += (k == 0 ? "" : "/") + std::to_string(bytes[k]);
      return out;
    };
    throw error(errc::protocol_violation, "OT setup: the peer uses another protocol version, PRG, hash or check (" +
                                              show(theirs) + " against " + show(want) + ")");
  }
}

}  // namespace detail

EDGEMPC_END_NAMESPACE
