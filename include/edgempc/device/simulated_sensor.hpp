// SPDX-License-Identifier: Apache-2.0
// SimulatedSensor: an Adapter that makes up plausible sensor readings, with the faults real
// sensors have, from a 32-byte seed. Tests and benchmarks use it to put known faults in front
// of the cleaning layer and check that they are caught.
//
// Channel c at sample n (n = 0, 1, ... counts polls):
//
//   value = base + c * channel_offset                       the level
//         + amplitude * sin(2 pi n / period)                a daily-like cycle (period 0: none)
//         + drift_per_sample * n                            slow sensor drift
//         + noise_stddev * z                                z approximately N(0, 1)
//
// and then, each independently per reading with the given probability:
//  - spike: +-spike_magnitude is added for this one reading;
//  - stuck: this reading's raw value is repeated for the next stuck_length - 1 readings
//    (status ok: a stuck sensor does not know it is stuck);
//  - dropout: no value; status timeout with probability timeout_share, else missing.
// last_events() tells what was injected into the last poll, so a test can score a detector.
//
// Values are kept as raw = round(value * 10^decimals), scale = 10^-decimals, like a device
// with that resolution; one too large for raw gives status out_of_range.
//
// Determinism: everything random comes from one Prg on the seed, with ChaCha20 named
// explicitly, so a seed gives the same readings on every machine (the PRG's default algorithm
// differs between machines with and without AES-NI). z is the Irwin-Hall sum of 12 uniforms
// minus 6: additions only, so it does not depend on the platform's libm. Only sin() does.
// The noise is a simulation aid, not a secret: this seed must not be reused for anything else.
#pragma once

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

#include "edgempc/core/prg.hpp"
#include "edgempc/device/adapter.hpp"
#include "edgempc/device/reading.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

struct SimulatedSensorOptions {
  std::size_t channels = 1;
  double base = 20.0;
  double channel_offset = 0.5;  ///< channel c sits c * channel_offset above base
  double amplitude = 2.0;
  std::size_t period = 144;     ///< samples per cycle; 0 for a flat signal
  double drift_per_sample = 0.0;
  double noise_stddev = 0.05;
  double spike_rate = 0.0;      ///< probability per reading
  double spike_magnitude = 25.0;
  double stuck_rate = 0.0;      ///< probability per reading that a stuck period starts
  std::size_t stuck_length = 20;  ///< readings in a stuck period, the first included
  double dropout_rate = 0.0;    ///< probability per reading
  double timeout_share = 0.5;   ///< of the dropouts, the share reported as timeout
  unsigned decimals = 2;        ///< raw = round(value * 10^decimals); at most 9
  Reading::clock::time_point start{};
  Reading::clock::duration interval = std::chrono::seconds(1);
};

/// What the simulator injected into one reading.
enum class SimulatedEvent : std::uint8_t { none, spike, stuck, dropout };

class SimulatedSensor {
 public:
  explicit SimulatedSensor(const Prg::Seed& seed, SimulatedSensorOptions options = {})
      : options_(options), prg_(seed, PrgAlgorithm::chacha20) {
    auto rate_ok = [](double r) { return r >= 0.0 && r <= 1.0; };
    if (options_.channels == 0 || options_.channels > 65536)
      throw error(errc::invalid_argument, "SimulatedSensor: channels must be in 1..65536");
    if (!rate_ok(options_.spike_rate) || !rate_ok(options_.stuck_rate) || !rate_ok(options_.dropout_rate) ||
        !rate_ok(options_.timeout_share))
      throw error(errc::invalid_argument, "SimulatedSensor: rates must be probabilities in [0, 1]");
    if (options_.decimals > 9 || options_.stuck_length == 0 || !(options_.noise_stddev >= 0.0))
      throw error(errc::invalid_argument, "SimulatedSensor: decimals > 9, stuck_length 0 or negative noise");
    unit_ = std::pow(10.0, static_cast<double>(options_.decimals));
    state_.resize(options_.channels);
    events_.resize(options_.channels, SimulatedEvent::none);
  }

  [[nodiscard]] std::size_t channels() const noexcept { return options_.channels; }
  /// Polls so far.
  [[nodiscard]] std::uint64_t samples() const noexcept { return n_; }
  /// What was injected into each channel's reading of the last poll.
  [[nodiscard]] std::span<const SimulatedEvent> last_events() const noexcept { return events_; }

  /// One reading per channel; never runs out. The deadline is never reached: nothing waits.
  std::size_t poll(Deadline /*deadline*/, std::span<Reading> out) {
    if (out.size() < channels())
      throw error(errc::size_mismatch, "SimulatedSensor::poll: output shorter than channels()");
    const double n = static_cast<double>(n_);
    const double cycle = options_.period == 0
                             ? 0.0
                             : options_.amplitude *
                                   std::sin(2.0 * std::numbers::pi * n / static_cast<double>(options_.period));
    const auto t = options_.start + options_.interval * static_cast<std::int64_t>(n_);
    for (std::size_t c = 0; c < channels(); ++c) {
      // A fixed number of draws per reading keeps the channels' streams aligned whatever happens.
      const double z = normal();
      const double u_spike = uniform(), u_sign = uniform(), u_stuck = uniform(), u_drop = uniform(),
                   u_kind = uniform();
      double value = options_.base + static_cast<double>(c) * options_.channel_offset + cycle +
                     options_.drift_per_sample * n + options_.noise_stddev * z;
      ChannelState& s = state_[c];
      SimulatedEvent event = SimulatedEvent::none;
      Reading& r = out[c];
      r.channel = static_cast<std::uint32_t>(c);
      r.scale = 1.0 / unit_;
      r.offset = 0.0;
      r.timestamp = t;
      r.status = ReadingStatus::ok;
      if (s.stuck_left != 0) {
        --s.stuck_left;
        r.raw = s.stuck_raw;
        event = SimulatedEvent::stuck;
      } else {
        if (u_spike < options_.spike_rate) {
          value += u_sign < 0.5 ? -options_.spike_magnitude : options_.spike_magnitude;
          event = SimulatedEvent::spike;
        }
        const double scaled = std::round(value * unit_);
        if (!(std::fabs(scaled) < 0x1p62)) {
          r.raw = 0;
          r.status = ReadingStatus::out_of_range;
        } else {
          r.raw = static_cast<std::int64_t>(scaled);
        }
        if (event == SimulatedEvent::none && r.ok() && u_stuck < options_.stuck_rate) {
          s.stuck_raw = r.raw;
          s.stuck_left = options_.stuck_length - 1;
          event = SimulatedEvent::stuck;
        }
      }
      if (u_drop < options_.dropout_rate) {
        r.raw = 0;
        r.status = u_kind < options_.timeout_share ? ReadingStatus::timeout : ReadingStatus::missing;
        event = SimulatedEvent::dropout;
      }
      events_[c] = event;
    }
    ++n_;
    return channels();
  }

 private:
  struct ChannelState {
    std::int64_t stuck_raw = 0;
    std::size_t stuck_left = 0;
  };

  // 53 random bits as a double in [0, 1).
  [[nodiscard]] double uniform() { return static_cast<double>(prg_.next_u64() >> 11) * 0x1p-53; }

  // Irwin-Hall: 12 uniforms of 16 bits each (three 64-bit words), minus 6; mean 0, variance 1.
  [[nodiscard]] double normal() {
    double sum = 0.0;
    for (int w = 0; w < 3; ++w) {
      std::uint64_t x = prg_.next_u64();
      for (int k = 0; k < 4; ++k, x >>= 16) sum += (static_cast<double>(x & 0xFFFF) + 0.5) * 0x1p-16;
    }
    return sum - 6.0;
  }

  SimulatedSensorOptions options_;
  Prg prg_;
  double unit_ = 1.0;
  std::vector<ChannelState> state_;
  std::vector<SimulatedEvent> events_;
  std::uint64_t n_ = 0;
};

static_assert(Adapter<SimulatedSensor>);

}  // namespace device
EDGEMPC_END_NAMESPACE
