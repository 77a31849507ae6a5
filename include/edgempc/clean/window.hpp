// SPDX-License-Identifier: Apache-2.0
// Window: the last n values of a channel, in storage fixed at compile time.
//
// The rolling filters (median, MAD) keep their windows here. The capacity is a compile-time
// constant so that a channel's memory is known before the first reading and never grows:
// a gateway serves many devices for months, and a window that could grow is a leak waiting
// for a bad configuration.
#pragma once

#include <array>
#include <cstddef>
#include <span>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

/// The largest window any clean/ filter accepts.
inline constexpr std::size_t max_window = 64;

class Window {
 public:
  Window() = default;
  /// A window of the last `size` values; 1 <= size <= max_window.
  explicit Window(std::size_t size) : size_(size) {
    if (size == 0 || size > max_window)
      throw error(errc::invalid_argument, "clean::Window: size must be in 1..max_window (64)");
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }  ///< the configured length
  [[nodiscard]] std::size_t count() const noexcept { return count_; }  ///< values held, <= size()
  [[nodiscard]] bool empty() const noexcept { return count_ == 0; }

  void push(double x) noexcept {
    if (size_ == 0) return;
    values_[next_] = x;
    next_ = next_ + 1 == size_ ? 0 : next_ + 1;
    if (count_ < size_) ++count_;
  }
  void clear() noexcept { count_ = next_ = 0; }

  /// Copies the values held (in no particular order) into `out`, which must have room for
  /// count() values; returns the part written. Callers sort or select in the copy.
  std::span<double> copy_to(std::span<double> out) const noexcept {
    for (std::size_t i = 0; i < count_; ++i) out[i] = values_[i];
    return out.first(count_);
  }

 private:
  std::array<double, max_window> values_{};
  std::size_t size_ = 0;
  std::size_t count_ = 0;
  std::size_t next_ = 0;
};

}  // namespace clean
EDGEMPC_END_NAMESPACE
