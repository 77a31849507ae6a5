// SPDX-License-Identifier: Apache-2.0
// The first check: only a reading with status ok and a real value goes on.
//
// A failed read (checksum, timeout, ...) is a status set by the device layer, and its value
// is meaningless, so it must never reach a filter: one garbage value in a median window
// shifts the median for a whole window. Files and some devices have no status for "no value"
// and write a marker instead (-200 in the UCI air-quality data); a reading equal to the
// channel's marker counts as missing too, even when its adapter did not know the marker.
#pragma once

#include <cmath>
#include <optional>

#include "edgempc/clean/reason.hpp"
#include "edgempc/device/reading.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

/// Whether `value` is the marker, up to the rounding of raw * scale (a relative 1e-9).
[[nodiscard]] inline bool is_missing_marker(double value, std::optional<double> marker) noexcept {
  if (!marker) return false;
  return std::fabs(value - *marker) <= 1e-9 * std::fmax(1.0, std::fabs(*marker));
}

/// Reason::kept if the reading is ok and not the marker, else why it carries no value.
[[nodiscard]] inline Reason check_status(const device::Reading& r, std::optional<double> marker) noexcept {
  if (!r.ok()) return reason_for(r.status);
  return is_missing_marker(r.value(), marker) ? Reason::missing : Reason::kept;
}

}  // namespace clean
EDGEMPC_END_NAMESPACE
