// SPDX-License-Identifier: Apache-2.0
// The median of a few values, and a rolling median filter.
//
// The median is the robust centre the other filters build on: one spike in a window moves a
// mean arbitrarily but a median not at all. For an even count it is the mean of the two middle
// values. median_of selects in place (std::nth_element, linear time) instead of sorting, and
// allocates nothing: it runs once per reading per channel.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <numeric>
#include <span>

#include "edgempc/clean/window.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

namespace detail {

// Precondition: values is not empty.
[[nodiscard]] inline double median_in_place(std::span<double> values) noexcept {
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  // After nth_element everything before mid is <= upper; the lower middle is its maximum.
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return std::midpoint(lower, upper);  // no overflow, even for huge values of opposite signs
}

}  // namespace detail

/// The median of `values`, which it reorders. errc::invalid_argument when empty.
[[nodiscard]] inline double median_of(std::span<double> values) {
  if (values.empty()) throw error(errc::invalid_argument, "clean::median_of: no values");
  return detail::median_in_place(values);
}

/// Replaces each value with the median of it and the size() - 1 values before it (fewer at
/// the start). A smoother, not a check: it never refuses a reading.
class MedianFilter {
 public:
  explicit MedianFilter(std::size_t size) : window_(size) {}

  [[nodiscard]] double filter(double x) noexcept {
    window_.push(x);
    std::array<double, max_window> scratch;
    return detail::median_in_place(window_.copy_to(scratch));  // never empty: it holds x
  }
  [[nodiscard]] const Window& window() const noexcept { return window_; }

 private:
  Window window_;
};

}  // namespace clean
EDGEMPC_END_NAMESPACE
