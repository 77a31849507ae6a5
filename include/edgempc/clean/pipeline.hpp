// SPDX-License-Identifier: Apache-2.0
// clean::Pipeline: the per-channel cleaning of device readings into fixed-point values.
//
// Each reading goes through these steps, in order, and the first that refuses it gives its
// Reason (reason.hpp); only a reading that passes all of them is kept:
//
//  1. status    not ok (timeout, checksum, ...), or equal to the missing marker  (status.hpp)
//  2. limits    outside the plausibility limits, or not finite                   (limits.hpp)
//  3. stuck     the run-th identical value in a row                               (stuck.hpp)
//  4. rate      changed faster than max_rate_per_second since the last kept value (rate_limit.hpp)
//  5. outlier   beyond k robust standard deviations of the rolling median         (mad.hpp)
//  6. smoothing the value becomes the median of the last median_window values     (median.hpp)
//               that got this far; never refuses
//  7. encode    FixedPoint<T>::encode, refused on overflow                        (encode.hpp)
//
// The cheap, certain checks come first, so a garbage value never enters a rolling window;
// the statistical ones come last. Every step is optional per channel (ChannelConfig).
// Every reading is counted once per channel, under its Reason (counts()).
//
// Memory: a channel's state is a few fixed-size windows (clean/window.hpp, at most
// max_window values each), allocated once in the constructor; processing allocates nothing.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/clean/encode.hpp"
#include "edgempc/clean/limits.hpp"
#include "edgempc/clean/mad.hpp"
#include "edgempc/clean/median.hpp"
#include "edgempc/clean/rate_limit.hpp"
#include "edgempc/clean/reason.hpp"
#include "edgempc/clean/status.hpp"
#include "edgempc/clean/stuck.hpp"
#include "edgempc/core/domain.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/device/reading.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

/// Which checks a channel gets; every one is off unless set.
struct ChannelConfig {
  std::optional<double> missing_marker;       ///< e.g. -200
  std::optional<Limits> limits;               ///< plausible range (non-finite values are always refused)
  std::size_t stuck_run = 0;                  ///< >= 2: this many identical values in a row are stuck; 0: off
  std::optional<double> max_rate_per_second;  ///< largest plausible change per second
  std::optional<MadConfig> outliers;          ///< MAD outlier rejection
  std::size_t median_window = 0;              ///< >= 2: median smoothing over this many values; 0/1: off
};

/// One reading after cleaning. `encoded` is meaningful only when kept().
template <Domain T>
struct Cleaned {
  std::uint32_t channel = 0;
  device::Reading::clock::time_point timestamp{};
  Reason reason = Reason::missing;
  double value = 0.0;  ///< the (smoothed) value that was encoded; the input value if refused
  T encoded{};

  [[nodiscard]] bool kept() const noexcept { return reason == Reason::kept; }
};

template <Domain T>
class Pipeline {
 public:
  static constexpr std::size_t max_channels = 4096;

  /// One ChannelConfig per channel; readings name their channel by index into `configs`.
  Pipeline(std::span<const ChannelConfig> configs, FixedPoint<T> fixed) : fixed_(fixed) {
    if (configs.empty() || configs.size() > max_channels)
      throw error(errc::invalid_argument, "clean::Pipeline: 1.." + std::to_string(max_channels) + " channels");
    channels_.reserve(configs.size());
    for (const ChannelConfig& c : configs) channels_.emplace_back(c);
  }

  [[nodiscard]] std::size_t channels() const noexcept { return channels_.size(); }
  [[nodiscard]] const FixedPoint<T>& fixed_point() const noexcept { return fixed_; }
  [[nodiscard]] const ReasonCounts& counts(std::size_t channel) const { return channels_.at(channel).counts; }
  /// The counts of all channels added up.
  [[nodiscard]] ReasonCounts total_counts() const noexcept {
    ReasonCounts sum;
    for (const State& s : channels_) sum += s.counts;
    return sum;
  }
  /// Heap bytes the pipeline holds (its object size excluded): fixed once constructed.
  [[nodiscard]] std::size_t heap_bytes() const noexcept { return channels_.capacity() * sizeof(State); }

  /// Cleans one reading. errc::invalid_argument if its channel is not configured.
  Cleaned<T> process(const device::Reading& r) {
    if (r.channel >= channels_.size())
      throw error(errc::invalid_argument, "clean::Pipeline: reading for unconfigured channel " + std::to_string(r.channel));
    State& s = channels_[r.channel];
    Cleaned<T> out;
    out.channel = r.channel;
    out.timestamp = r.timestamp;
    out.value = r.value();
    out.reason = judge(s, r, out);
    s.counts.add(out.reason);
    return out;
  }

  /// Cleans a batch (e.g. one poll); `out` must be as long as `in`.
  void process(std::span<const device::Reading> in, std::span<Cleaned<T>> out) {
    if (in.size() != out.size()) throw error(errc::size_mismatch, "clean::Pipeline: input and output lengths differ");
    for (std::size_t i = 0; i < in.size(); ++i) out[i] = process(in[i]);
  }

 private:
  struct State {
    explicit State(const ChannelConfig& c) : config(c) {
      if (c.limits) c.limits->validate();
      if (c.stuck_run != 0) stuck.emplace(c.stuck_run);
      if (c.max_rate_per_second) rate.emplace(*c.max_rate_per_second);
      if (c.outliers) mad.emplace(*c.outliers);
      if (c.median_window >= 2) median.emplace(c.median_window);
    }
    ChannelConfig config;
    std::optional<StuckDetector> stuck;
    std::optional<RateLimit> rate;
    std::optional<MadFilter> mad;
    std::optional<MedianFilter> median;
    ReasonCounts counts;
  };

  Reason judge(State& s, const device::Reading& r, Cleaned<T>& out) {
    if (const Reason st = check_status(r, s.config.missing_marker); st != Reason::kept) return st;
    const double x = out.value;
    if (!std::isfinite(x) || (s.config.limits && !s.config.limits->contains(x))) return Reason::implausible;
    if (s.stuck && s.stuck->is_stuck(x)) return Reason::stuck;
    if (s.rate && s.rate->exceeds(x, r.timestamp)) return Reason::rate_of_change;
    if (s.mad && s.mad->is_outlier(x)) return Reason::outlier;
    const double v = s.median ? s.median->filter(x) : x;
    const std::optional<T> e = try_encode(fixed_, v);
    if (!e) return Reason::fixed_point_overflow;
    if (s.rate) s.rate->accept(x, r.timestamp);
    out.value = v;
    out.encoded = *e;
    return Reason::kept;
  }

  FixedPoint<T> fixed_;
  std::vector<State> channels_;
};

}  // namespace clean
EDGEMPC_END_NAMESPACE
