// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/device/simulated_sensor.hpp>

#include <cmath>
#include <vector>

using namespace edgempc;
using device::Reading;
using device::ReadingStatus;
using device::SimulatedEvent;
using device::SimulatedSensor;
using device::SimulatedSensorOptions;

namespace {

Prg::Seed seed_of(std::uint8_t b) {
  Prg::Seed s{};
  s.fill(b);
  return s;
}

}  // namespace

TEST_CASE("simulated sensor is deterministic for a seed", "[device]") {
  SimulatedSensorOptions o;
  o.channels = 3;
  o.spike_rate = 0.05;
  o.stuck_rate = 0.01;
  o.dropout_rate = 0.05;
  SimulatedSensor a(seed_of(1), o), b(seed_of(1), o), c(seed_of(2), o);
  std::vector<Reading> ra(3), rb(3), rc(3);
  int differ = 0;
  for (int i = 0; i < 2000; ++i) {
    REQUIRE(a.poll({}, ra) == 3);
    REQUIRE(b.poll({}, rb) == 3);
    REQUIRE(c.poll({}, rc) == 3);
    for (int k = 0; k < 3; ++k) {
      REQUIRE(ra[k].raw == rb[k].raw);
      REQUIRE(ra[k].status == rb[k].status);
      REQUIRE(ra[k].timestamp == rb[k].timestamp);
      REQUIRE(ra[k].channel == static_cast<std::uint32_t>(k));
      REQUIRE(a.last_events()[k] == b.last_events()[k]);
      differ += ra[k].raw != rc[k].raw;
    }
  }
  REQUIRE(differ > 5000);
  REQUIRE(a.samples() == 2000);
  REQUIRE(ra[0].timestamp == Reading::clock::time_point{} + std::chrono::seconds(1999));
}

TEST_CASE("simulated sensor: noise has the configured spread and faults their rates", "[device]") {
  SimulatedSensorOptions o;
  o.period = 0;  // flat, so the sample statistics are the noise's
  o.base = 10.0;
  o.noise_stddev = 0.5;
  o.decimals = 4;
  SimulatedSensor s(seed_of(3), o);
  std::vector<Reading> r(1);
  const int n = 20000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    s.poll({}, r);
    REQUIRE(r[0].ok());
    REQUIRE(r[0].scale == Approx(1e-4));
    sum += r[0].value();
    sum2 += r[0].value() * r[0].value();
  }
  const double mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  REQUIRE(mean == Approx(10.0).margin(0.02));
  REQUIRE(sd == Approx(0.5).epsilon(0.05));

  SimulatedSensorOptions f;
  f.channels = 2;
  f.spike_rate = 0.02;
  f.dropout_rate = 0.1;
  f.timeout_share = 0.25;
  f.stuck_rate = 0.0;
  SimulatedSensor faulty(seed_of(4), f);
  std::vector<Reading> out(2);
  int spikes = 0, timeouts = 0, missing = 0;
  for (int i = 0; i < n; ++i) {
    faulty.poll({}, out);
    for (int k = 0; k < 2; ++k) {
      const SimulatedEvent e = faulty.last_events()[k];
      spikes += e == SimulatedEvent::spike;
      timeouts += out[k].status == ReadingStatus::timeout;
      missing += out[k].status == ReadingStatus::missing;
      REQUIRE((e == SimulatedEvent::dropout) == !out[k].ok());
    }
  }
  // 40000 readings: 2 % spikes of the 90 % not dropped, 10 % dropouts of which a quarter time out.
  REQUIRE(spikes == Approx(0.02 * 0.9 * 2 * n).epsilon(0.1));
  REQUIRE(timeouts + missing == Approx(0.1 * 2 * n).epsilon(0.05));
  REQUIRE(timeouts == Approx(0.025 * 2 * n).epsilon(0.1));
}

TEST_CASE("simulated sensor: stuck periods repeat one raw value, drift accumulates", "[device]") {
  SimulatedSensorOptions o;
  o.stuck_rate = 0.01;
  o.stuck_length = 12;
  o.noise_stddev = 0.2;
  SimulatedSensor s(seed_of(5), o);
  std::vector<Reading> r(1);
  int periods = 0, in_period = 0;
  std::int64_t stuck_raw = 0;
  for (int i = 0; i < 20000; ++i) {
    s.poll({}, r);
    if (s.last_events()[0] == SimulatedEvent::stuck) {
      if (in_period == 0) {
        ++periods;
        stuck_raw = r[0].raw;
      }
      REQUIRE(r[0].raw == stuck_raw);
      in_period = (in_period + 1) % 12;
    } else {
      REQUIRE(in_period == 0);  // a stuck period is always the full 12 readings
    }
  }
  REQUIRE(periods > 50);

  SimulatedSensorOptions d;
  d.period = 0;
  d.noise_stddev = 0.0;
  d.drift_per_sample = 0.01;
  SimulatedSensor drifting(seed_of(6), d);
  for (int i = 0; i <= 1000; ++i) drifting.poll({}, r);
  REQUIRE(r[0].value() == Approx(30.0));  // 20 + 1000 * 0.01
}

TEST_CASE("simulated sensor refuses impossible options", "[device]") {
  auto refused = [](SimulatedSensorOptions o) {
    try {
      SimulatedSensor s(seed_of(0), o);
    } catch (const error& e) {
      return e.code() == errc::invalid_argument;
    }
    return false;
  };
  SimulatedSensorOptions o;
  o.channels = 0;
  REQUIRE(refused(o));
  o = {};
  o.spike_rate = 1.5;
  REQUIRE(refused(o));
  o = {};
  o.dropout_rate = -0.1;
  REQUIRE(refused(o));
  o = {};
  o.decimals = 12;
  REQUIRE(refused(o));
  o = {};
  o.stuck_length = 0;
  REQUIRE(refused(o));
  SimulatedSensor s(seed_of(0), {});
  std::vector<Reading> none;
  REQUIRE_THROWS_AS(s.poll({}, none), error);
  // A value too large for raw is reported as the device's out_of_range, not wrapped.
  SimulatedSensorOptions huge;
  huge.base = 1e30;
  SimulatedSensor h(seed_of(0), huge);
  std::vector<Reading> r(1);
  h.poll({}, r);
  REQUIRE(r[0].status == ReadingStatus::out_of_range);
}
