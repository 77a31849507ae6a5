// SPDX-License-Identifier: Apache-2.0
// Outlier rejection by the median absolute deviation (MAD), over a rolling window: the
// Hampel filter, run causally (each reading is judged against the readings before it).
//
// MAD = median(|x_i - median(x)|). For normally distributed data 1.4826 * MAD estimates the
// standard deviation, but unlike the standard deviation one spike cannot inflate it, so a
// spike cannot hide itself. A reading x is an outlier when
//
//     |x - median(window)| > k * max(1.4826 * MAD(window), min_spread)
//
// k = 3 is the usual choice. min_spread (in the channel's unit) is the smallest spread taken
// seriously: a quantised sensor (0.1 degree steps) can fill a window with one value, and with
// MAD = 0 every change, however small, would be an outlier. With min_spread = 0 exactly that
// happens, by definition.
//
// Every judged reading enters the window, outlier or not: otherwise a genuine level change
// would be refused forever. A lone spike barely moves a median, but a new level takes over
// once it fills half the window. Until the window holds min_samples values nothing is refused.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <span>

#include "edgempc/clean/median.hpp"
#include "edgempc/clean/window.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

/// 1 / Phi^-1(3/4): makes 1.4826 * MAD a consistent estimate of a normal standard deviation.
inline constexpr double mad_to_sigma = 1.4826;

struct MedianMad {
  double median = 0.0;
  double mad = 0.0;
};

/// The median and the MAD of `values`, which it uses as scratch (their order and contents are
/// lost). errc::invalid_argument when empty.
[[nodiscard]] inline MedianMad median_and_mad(std::span<double> values) {
  const double m = median_of(values);
  for (double& v : values) v = std::fabs(v - m);
  return {m, detail::median_in_place(values)};
}

struct MadConfig {
  std::size_t window = 32;     ///< values judged against; 1..max_window
  double k = 3.0;              ///< threshold in (robust) standard deviations
  std::size_t min_samples = 8;  ///< judge nothing until the window holds this many
  double min_spread = 0.0;     ///< floor under 1.4826 * MAD, in the channel's unit
};

class MadFilter {
 public:
  explicit MadFilter(const MadConfig& config) : config_(config), window_(config.window) {
    if (!(config.k > 0.0) || !(config.min_spread >= 0.0) || config.min_samples == 0 ||
        config.min_samples > config.window)
      throw error(errc::invalid_argument, "clean::MadFilter: need k > 0, min_spread >= 0, 1 <= min_samples <= window");
  }

  /// Judges x against the window (before x), then adds x to it.
  [[nodiscard]] bool is_outlier(double x) noexcept {
    bool outlier = false;
    if (window_.count() >= config_.min_samples) {
      std::array<double, max_window> scratch;
      const std::span<double> v = window_.copy_to(scratch);
      const double m = detail::median_in_place(v);
      for (double& d : v) d = std::fabs(d - m);
      const double spread = std::fmax(mad_to_sigma * detail::median_in_place(v), config_.min_spread);
      outlier = std::fabs(x - m) > config_.k * spread;
    }
    window_.push(x);
    return outlier;
  }

  [[nodiscard]] const Window& window() const noexcept { return window_; }
  [[nodiscard]] const MadConfig& config() const noexcept { return config_; }

 private:
  MadConfig config_;
  Window window_;
};

}  // namespace clean
EDGEMPC_END_NAMESPACE
