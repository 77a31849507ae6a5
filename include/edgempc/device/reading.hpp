// SPDX-License-Identifier: Apache-2.0
// One sensor reading as a gateway sees it: which channel, the value as the bus gave it, how to
// turn that into an SI unit, when it was taken, and whether the read worked.
//
// The value is kept the way the Linux IIO subsystem exposes sensors (in_<type>_raw,
// _scale, _offset): SI value = (raw + offset) * scale. Keeping the raw integer means a
// decoder never rounds, and the cleaning layer sees exactly what the device said.
//
// A failed read is an expected event on a sensor bus, so it is a status on the reading, never
// an exception. Only readings with status ok carry a meaningful value.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

enum class ReadingStatus : std::uint8_t {
  ok = 0,
  checksum_mismatch,  ///< the frame arrived but its CRC/checksum is wrong; the value is unusable
  timeout,            ///< the device did not answer before the deadline
  out_of_range,       ///< the device answered with a value outside what it can measure
  missing,            ///< no value for this instant (a gap or a missing-value marker in a file)
  stuck,              ///< the device keeps repeating the same value (detected by the adapter)
};

[[nodiscard]] constexpr std::string_view to_string(ReadingStatus s) noexcept {
  switch (s) {
    case ReadingStatus::ok: return "ok";
    case ReadingStatus::checksum_mismatch: return "checksum_mismatch";
    case ReadingStatus::timeout: return "timeout";
    case ReadingStatus::out_of_range: return "out_of_range";
    case ReadingStatus::missing: return "missing";
    case ReadingStatus::stuck: return "stuck";
  }
  return "unknown";
}

struct Reading {
  using clock = std::chrono::system_clock;

  std::uint32_t channel = 0;
  std::int64_t raw = 0;
  double scale = 1.0;
  double offset = 0.0;
  clock::time_point timestamp{};
  ReadingStatus status = ReadingStatus::missing;

  [[nodiscard]] bool ok() const noexcept { return status == ReadingStatus::ok; }
  /// The value in SI units, (raw + offset) * scale; meaningful only when ok().
  [[nodiscard]] double value() const noexcept { return (static_cast<double>(raw) + offset) * scale; }
};

}  // namespace device
EDGEMPC_END_NAMESPACE
