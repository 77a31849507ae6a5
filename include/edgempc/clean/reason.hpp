// SPDX-License-Identifier: Apache-2.0
// Why the cleaning layer kept or dropped a reading, and a count per reason.
//
// Every reading that enters clean::Pipeline leaves with exactly one Reason: `kept`, or the
// first check that refused it. The counts are what an operator reads to tell a broken sensor
// (all `timeout`) from a noisy one (some `outlier`) from a misconfigured one (all
// `implausible`), so they are kept per channel and per reason, and never reset silently.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edgempc/device/reading.hpp"
#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

enum class Reason : std::uint8_t {
  kept = 0,              ///< passed every check; carries an encoded value
  missing,               ///< status missing, or the channel's missing-value marker
  checksum_mismatch,     ///< the device layer saw a bad CRC/checksum
  timeout,               ///< the device did not answer in time
  device_out_of_range,   ///< the device reported a value outside what it can measure
  device_stuck,          ///< the device layer already flagged the sensor as stuck
  implausible,           ///< outside the channel's plausibility limits, or not finite
  stuck,                 ///< the same value too many times in a row
  rate_of_change,        ///< changed faster than the channel's physical limit
  outlier,               ///< too far from the rolling median, in units of the MAD
  fixed_point_overflow,  ///< does not fit the fixed-point encoding (FixedPoint refused it)
};

inline constexpr std::size_t reason_count = 11;

[[nodiscard]] constexpr std::string_view to_string(Reason r) noexcept {
  switch (r) {
    case Reason::kept: return "kept";
    case Reason::missing: return "missing";
    case Reason::checksum_mismatch: return "checksum_mismatch";
    case Reason::timeout: return "timeout";
    case Reason::device_out_of_range: return "device_out_of_range";
    case Reason::device_stuck: return "device_stuck";
    case Reason::implausible: return "implausible";
    case Reason::stuck: return "stuck";
    case Reason::rate_of_change: return "rate_of_change";
    case Reason::outlier: return "outlier";
    case Reason::fixed_point_overflow: return "fixed_point_overflow";
  }
  return "unknown";
}

/// The reason a device status stands for; Reason::kept for status ok.
[[nodiscard]] constexpr Reason reason_for(device::ReadingStatus s) noexcept {
  switch (s) {
    case device::ReadingStatus::ok: return Reason::kept;
    case device::ReadingStatus::checksum_mismatch: return Reason::checksum_mismatch;
    case device::ReadingStatus::timeout: return Reason::timeout;
    case device::ReadingStatus::out_of_range: return Reason::device_out_of_range;
    case device::ReadingStatus::missing: return Reason::missing;
    case device::ReadingStatus::stuck: return Reason::device_stuck;
  }
  return Reason::missing;  // an unknown status carries no usable value
}

/// How many readings of one channel ended with each reason.
class ReasonCounts {
 public:
  void add(Reason r) noexcept { ++counts_[static_cast<std::size_t>(r)]; }
  [[nodiscard]] std::uint64_t operator[](Reason r) const noexcept { return counts_[static_cast<std::size_t>(r)]; }
  [[nodiscard]] std::uint64_t kept() const noexcept { return (*this)[Reason::kept]; }
  [[nodiscard]] std::uint64_t total() const noexcept {
    std::uint64_t t = 0;
    for (const std::uint64_t c : counts_) t += c;
    return t;
  }
  [[nodiscard]] std::uint64_t rejected() const noexcept { return total() - kept(); }
  ReasonCounts& operator+=(const ReasonCounts& o) noexcept {
    for (std::size_t i = 0; i < reason_count; ++i) counts_[i] += o.counts_[i];
    return *this;
  }
  friend bool operator==(const ReasonCounts&, const ReasonCounts&) = default;

 private:
  std::array<std::uint64_t, reason_count> counts_{};
};

}  // namespace clean
EDGEMPC_END_NAMESPACE
