// SPDX-License-Identifier: Apache-2.0
// Plausibility limits: the range a channel's quantity can physically take.
//
// A relative humidity of 130 % or an indoor temperature of -80 degrees is not an outlier to be
// judged statistically but an impossible value, usually a decoding or wiring fault; it is
// refused before it can enter any rolling window. NaN and infinities are never plausible.
#pragma once

#include <cmath>
#include <limits>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

struct Limits {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();

  /// Inclusive on both ends; false for NaN and infinities.
  [[nodiscard]] bool contains(double x) const noexcept { return std::isfinite(x) && x >= min && x <= max; }

  /// errc::invalid_argument unless min <= max (and neither is NaN).
  void validate() const {
    if (!(min <= max)) throw error(errc::invalid_argument, "clean::Limits: min must not exceed max");
  }
};

}  // namespace clean
EDGEMPC_END_NAMESPACE
