// SPDX-License-Identifier: Apache-2.0
// Stuck-at detection: a sensor that repeats exactly the same value has usually stopped
// measuring (a frozen ADC, a driver returning its last good value).
//
// A live analogue signal with noise essentially never repeats the same raw value many times
// in a row, so `run` identical values in a row mark the sensor stuck: the run-th and every
// further repeat are refused. The earlier ones were already passed on (the detector is
// causal and cannot take them back); choose `run` with the sensor's resolution and rate in
// mind, as a slow quantised signal (0.1 degree, hourly) repeats legitimately for a while.
// Values are compared exactly: they come from integer raws, so equal raws give equal values.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

class StuckDetector {
 public:
  /// `run` >= 2 identical values in a row count as stuck.
  explicit StuckDetector(std::size_t run) : run_(run) {
    if (run < 2) throw error(errc::invalid_argument, "clean::StuckDetector: run must be at least 2");
  }

  /// Records x and tells whether it completes or extends a stuck run.
  [[nodiscard]] bool is_stuck(double x) noexcept {
    if (seen_ != 0 && x == last_) {
      if (seen_ < run_) ++seen_;
    } else {
      last_ = x;
      seen_ = 1;
    }
    return seen_ >= run_;
  }

  [[nodiscard]] std::size_t run() const noexcept { return run_; }

 private:
  std::size_t run_;
  std::size_t seen_ = 0;  // length of the current run of equal values, capped at run_
  double last_ = 0.0;
};

}  // namespace clean
EDGEMPC_END_NAMESPACE
