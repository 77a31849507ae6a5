// SPDX-License-Identifier: Apache-2.0
// Rate-of-change limit: physical quantities change only so fast (a room does not warm by
// 10 degrees in a second), so a larger jump is a glitch, whatever the statistics say.
//
// A reading is compared with the last reading that was finally kept: it is refused when
// |x - last| > max_per_second * (t - t_last). Because the allowance grows with the time since
// the last kept reading, a genuine step is accepted once enough time has passed, rather than
// refused forever. Readings must carry increasing timestamps: with t <= t_last only an
// unchanged value passes. The first reading of a channel is always accepted.
#pragma once

#include <chrono>
#include <cmath>

#include "edgempc/device/reading.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

class RateLimit {
 public:
  using time_point = device::Reading::clock::time_point;

  explicit RateLimit(double max_per_second) : max_per_second_(max_per_second) {
    if (!(max_per_second >= 0.0) || !std::isfinite(max_per_second))
      throw error(errc::invalid_argument, "clean::RateLimit: the rate must be finite and >= 0");
  }

  [[nodiscard]] bool exceeds(double x, time_point t) const noexcept {
    if (!has_last_) return false;
    const double dt = std::chrono::duration<double>(t - last_time_).count();
    return std::fabs(x - last_) > max_per_second_ * std::fmax(dt, 0.0);
  }
  /// Makes (x, t) the reference for the next readings; call it for kept readings only.
  void accept(double x, time_point t) noexcept {
    last_ = x;
    last_time_ = t;
    has_last_ = true;
  }

  [[nodiscard]] double max_per_second() const noexcept { return max_per_second_; }

 private:
  double max_per_second_;
  double last_ = 0.0;
  time_point last_time_{};
  bool has_last_ = false;
};

}  // namespace clean
EDGEMPC_END_NAMESPACE
