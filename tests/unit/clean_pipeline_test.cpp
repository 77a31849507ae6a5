// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/clean.hpp>
#include <edgempc/core/mersenne61.hpp>
#include <edgempc/core/z2k.hpp>
#include <edgempc/device/csv_replay.hpp>
#include <edgempc/device/simulated_sensor.hpp>

#include <array>
#include <cmath>
#include <string>
#include <vector>

using namespace edgempc;
using clean::ChannelConfig;
using clean::Cleaned;
using clean::Pipeline;
using clean::Reason;
using device::Reading;

namespace {

Prg::Seed seed_of(std::uint8_t b) {
  Prg::Seed s{};
  s.fill(b);
  return s;
}

device::CsvReplay open_air_quality() {
  device::CsvReplayOptions o;
  o.timestamp = device::CsvTimestamp::date_time_dmy;
  o.date_column = device::CsvColumn::named("Date");
  o.time_column = device::CsvColumn::named("Time");
  // No marker here: the pipeline, not the adapter, must recognise -200.
  return device::CsvReplay::open(EDGEMPC_TEST_DATA_DIR "/air_quality_uci.csv", o);
}

template <class T, class A>
void run(A& adapter, Pipeline<T>& p, std::size_t polls = SIZE_MAX) {
  std::vector<Reading> in(adapter.channels());
  std::vector<Cleaned<T>> out(adapter.channels());
  for (std::size_t i = 0; i < polls && adapter.poll({}, in) != 0; ++i) p.process(in, out);
}

}  // namespace

TEST_CASE("cleaning the air-quality file removes and counts every -200 per column", "[clean]") {
  // Computed independently of this library, with
  //   awk -F, 'NR>1{for(i=3;i<=NF;i++) if($i+0==-200) c[i]++} END{for(i=3;i<=15;i++) print c[i]}'
  // and checked with Python's csv module (float(v) == -200.0); 9,357 data rows.
  constexpr std::array<std::uint64_t, 13> expected_missing = {
      1683,  // CO_GT
      366,   // PT08_S1_CO
      8443,  // NMHC_GT
      366,   // C6H6_GT
      366,   // PT08_S2_NMHC
      1639,  // NOx_GT
      366,   // PT08_S3_NOx
      1642,  // NO2_GT
      366,   // PT08_S4_NO2
      366,   // PT08_S5_O3
      366,   // T
      366,   // RH
      366,   // AH
  };
  device::CsvReplay replay = open_air_quality();
  REQUIRE(replay.channels() == 13);
  ChannelConfig marker_only;
  marker_only.missing_marker = -200.0;
  const std::vector<ChannelConfig> configs(13, marker_only);
  Pipeline<Mersenne61> p(configs, FixedPoint<Mersenne61>(16));
  std::vector<Reading> in(13);
  std::vector<Cleaned<Mersenne61>> out(13);
  while (replay.poll({}, in) != 0) {
    p.process(in, out);
    for (const auto& c : out) {
      if (c.kept()) {
        REQUIRE(c.value != -200.0);
        REQUIRE(p.fixed_point().decode(c.encoded) == Approx(c.value).margin(1e-5));
      } else {
        REQUIRE(c.reason == Reason::missing);
      }
    }
  }
  for (std::size_t ch = 0; ch < 13; ++ch) {
    INFO("channel " << ch << " " << replay.channel_name(ch));
    REQUIRE(p.counts(ch)[Reason::missing] == expected_missing[ch]);
    REQUIRE(p.counts(ch).kept() == 9357 - expected_missing[ch]);
    REQUIRE(p.counts(ch).total() == 9357);
  }
  REQUIRE(p.total_counts()[Reason::missing] == 16701);  // grep -o -- '-200' | wc -l
}

TEST_CASE("full cleaning of the air-quality file: every reading has exactly one reason", "[clean]") {
  device::CsvReplay replay = open_air_quality();
  std::vector<ChannelConfig> configs(13);
  for (ChannelConfig& c : configs) {
    c.missing_marker = -200.0;
    c.limits = clean::Limits{.min = -50.0, .max = 3000.0};
    c.stuck_run = 4;
    c.outliers = clean::MadConfig{.window = 24, .k = 6.0, .min_samples = 12, .min_spread = 0.5};
  }
  configs[10].limits = clean::Limits{.min = -20.0, .max = 50.0};  // T, degrees C
  configs[10].max_rate_per_second = 10.0 / 3600;                 // 10 degrees per hour
  configs[11].limits = clean::Limits{.min = 0.0, .max = 100.0};  // RH, percent
  Pipeline<Mersenne61> p(configs, FixedPoint<Mersenne61>(16));
  run(replay, p);
  for (std::size_t ch = 0; ch < 13; ++ch) {
    const clean::ReasonCounts& c = p.counts(ch);
    REQUIRE(c.total() == 9357);
    REQUIRE(c[Reason::timeout] == 0);
    REQUIRE(c.kept() + c.rejected() == 9357);
    // The marker check comes first, so the -200 counts are the same as above.
    if (ch == 2) REQUIRE(c[Reason::missing] == 8443);
  }
  // Runs of 4 or more equal values in a row (the -200s left out; the limits refuse nothing
  // else in this file), counted with Python: the 4th, 5th... value of each run is refused.
  // CO_GT (1 decimal) has 16 such readings, T one, every other column none.
  REQUIRE(p.counts(0)[Reason::stuck] == 16);
  REQUIRE(p.counts(10)[Reason::stuck] == 1);
  const clean::ReasonCounts all = p.total_counts();
  REQUIRE(all[Reason::stuck] == 17);
  REQUIRE(all[Reason::implausible] == 0);
  REQUIRE(all[Reason::outlier] > 0);
  REQUIRE(all.kept() > 80000);
}

TEST_CASE("simulated spikes are caught by the MAD filter, few clean readings are lost", "[clean]") {
  device::SimulatedSensorOptions o;
  o.channels = 4;
  o.noise_stddev = 0.1;
  o.spike_rate = 0.02;
  o.spike_magnitude = 5.0;  // 50 noise standard deviations
  o.period = 1440;          // a slow cycle: the signal barely moves within one window
  device::SimulatedSensor sensor(seed_of(7), o);
  ChannelConfig mad;
  mad.outliers = clean::MadConfig{.window = 32, .k = 5.0, .min_samples = 16, .min_spread = 0.0};
  const std::vector<ChannelConfig> configs(4, mad);
  Pipeline<Mersenne61> p(configs, FixedPoint<Mersenne61>(16));
  std::vector<Reading> in(4);
  std::vector<Cleaned<Mersenne61>> out(4);
  int spikes = 0, caught = 0, clean_readings = 0, false_alarms = 0;
  for (int i = 0; i < 10000; ++i) {
    sensor.poll({}, in);
    p.process(in, out);
    for (int k = 0; k < 4; ++k) {
      if (i < 16) continue;  // warm-up: nothing is judged yet
      if (sensor.last_events()[k] == device::SimulatedEvent::spike) {
        ++spikes;
        caught += out[k].reason == Reason::outlier;
      } else {
        ++clean_readings;
        false_alarms += out[k].reason == Reason::outlier;
      }
    }
  }
  REQUIRE(spikes > 600);
  REQUIRE(caught == spikes);
  REQUIRE(false_alarms < clean_readings / 1000);
}

TEST_CASE("simulated stuck sensors are caught by the stuck detector", "[clean]") {
  device::SimulatedSensorOptions o;
  o.channels = 2;
  o.noise_stddev = 0.2;
  o.stuck_rate = 0.005;
  o.stuck_length = 15;
  o.decimals = 3;
  device::SimulatedSensor sensor(seed_of(8), o);
  const std::size_t run_length = 4;
  ChannelConfig stuck;
  stuck.stuck_run = run_length;
  const std::vector<ChannelConfig> configs(2, stuck);
  Pipeline<Z2k<64>> p(configs, FixedPoint<Z2k<64>>(16));
  std::vector<Reading> in(2);
  std::vector<Cleaned<Z2k<64>>> out(2);
  std::array<std::size_t, 2> position{};  // index within the current stuck period
  int stuck_expected = 0, stuck_caught = 0, false_alarms = 0, stuck_refused = 0;
  for (int i = 0; i < 20000; ++i) {
    sensor.poll({}, in);
    p.process(in, out);
    for (int k = 0; k < 2; ++k) {
      const bool in_period = sensor.last_events()[k] == device::SimulatedEvent::stuck;
      stuck_refused += out[k].reason == Reason::stuck;
      position[k] = in_period ? (position[k] + 1) % o.stuck_length : 0;
      const std::size_t nth = position[k] == 0 && in_period ? o.stuck_length : position[k];
      if (in_period && nth >= run_length) {
        // The run-th identical value on is refused (the first run-1 were passed on, causally).
        ++stuck_expected;
        stuck_caught += out[k].reason == Reason::stuck;
      } else if (!in_period && out[k].reason == Reason::stuck) {
        // (Inside a period, the value before it may by chance equal the stuck one, which
        // completes the run one reading earlier: not a false alarm.)
        ++false_alarms;
      }
    }
  }
  REQUIRE(stuck_expected > 1000);
  REQUIRE(stuck_caught == stuck_expected);
  REQUIRE(false_alarms == 0);
  REQUIRE(p.counts(0)[Reason::stuck] + p.counts(1)[Reason::stuck] == static_cast<std::uint64_t>(stuck_refused));
}

TEST_CASE("fixed-point overflow is refused and counted, never wrapped", "[clean]") {
  // Z2k<32> with 16 fractional bits holds |x| < 32768.
  const std::vector<ChannelConfig> configs(1);
  Pipeline<Z2k<32>> p(configs, FixedPoint<Z2k<32>>(16));
  Reading r;
  r.status = device::ReadingStatus::ok;
  r.scale = 1.0;
  for (const std::int64_t raw : std::array<std::int64_t, 5>{100, 40000, -40000, 32767, 1'000'000'000'000}) {
    r.raw = raw;
    const Cleaned<Z2k<32>> c = p.process(r);
    const bool fits = raw == 100 || raw == 32767;
    REQUIRE(c.kept() == fits);
    if (fits) REQUIRE(p.fixed_point().decode(c.encoded) == static_cast<double>(raw));
    else REQUIRE(c.reason == Reason::fixed_point_overflow);
  }
  REQUIRE(p.counts(0)[Reason::fixed_point_overflow] == 3);
  REQUIRE(p.counts(0).kept() == 2);
}

TEST_CASE("pipeline: order of checks, device statuses, smoothing, misuse", "[clean]") {
  using namespace std::chrono_literals;
  ChannelConfig c;
  c.missing_marker = -200.0;
  c.limits = clean::Limits{.min = -40.0, .max = 60.0};
  c.max_rate_per_second = 1.0;
  c.median_window = 3;
  const std::vector<ChannelConfig> configs{c, ChannelConfig{}};
  Pipeline<Mersenne61> p(configs, FixedPoint<Mersenne61>(8));
  Reading r;
  r.status = device::ReadingStatus::ok;
  auto feed = [&](double v, std::chrono::seconds t, device::ReadingStatus s = device::ReadingStatus::ok) {
    r.raw = std::llround(v * 10);
    r.scale = 0.1;
    r.timestamp = Reading::clock::time_point{} + t;
    r.status = s;
    return p.process(r);
  };
  REQUIRE(feed(-200, 0s).reason == Reason::missing);    // the marker before the limits
  REQUIRE(feed(20, 0s, device::ReadingStatus::checksum_mismatch).reason == Reason::checksum_mismatch);
  REQUIRE(feed(20, 0s, device::ReadingStatus::timeout).reason == Reason::timeout);
  REQUIRE(feed(80, 0s).reason == Reason::implausible);
  REQUIRE(feed(20, 1s).value == 20.0);
  REQUIRE(feed(22, 2s).reason == Reason::rate_of_change);  // 2 in 1 s
  REQUIRE(feed(21, 2s).value == 20.5);                      // median of {20, 21}
  REQUIRE(feed(26, 7s).value == 21.0);                      // median of {20, 21, 26}
  const clean::ReasonCounts& k = p.counts(0);
  REQUIRE(k.total() == 8);
  REQUIRE(k.kept() == 3);
  REQUIRE(k[Reason::missing] == 1);
  REQUIRE(k[Reason::implausible] == 1);
  REQUIRE(k[Reason::rate_of_change] == 1);
  REQUIRE(p.counts(1).total() == 0);
  r.channel = 2;
  REQUIRE_THROWS_AS(p.process(r), error);
  std::vector<Reading> two(2);
  std::vector<Cleaned<Mersenne61>> one(1);
  REQUIRE_THROWS_AS(p.process(two, one), error);
  REQUIRE_THROWS_AS(Pipeline<Mersenne61>(std::vector<ChannelConfig>{}, FixedPoint<Mersenne61>(8)), error);
  ChannelConfig bad;
  bad.stuck_run = 1;
  REQUIRE_THROWS_AS(Pipeline<Mersenne61>(std::vector<ChannelConfig>{bad}, FixedPoint<Mersenne61>(8)), error);
  // Memory is fixed at construction: a few KiB per channel at most.
  REQUIRE(p.heap_bytes() <= 2 * 2048);
}
