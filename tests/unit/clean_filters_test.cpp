// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/clean.hpp>
#include <edgempc/core/mersenne61.hpp>
#include <edgempc/core/prg.hpp>
#include <edgempc/core/z2k.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <vector>

using namespace edgempc;
using namespace edgempc::clean;

namespace {

// The textbook definitions, by sorting a copy.
double reference_median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
double reference_mad(const std::vector<double>& v) {
  const double m = reference_median(v);
  std::vector<double> d;
  for (double x : v) d.push_back(std::fabs(x - m));
  return reference_median(d);
}

// Uniform values in [-100, 100), rounded to 0.1 so that ties and repeats occur.
std::vector<double> random_values(Prg& prg, std::size_t n) {
  std::vector<double> v(n);
  for (double& x : v) x = std::round(static_cast<double>(prg.next_u64() % 2000) - 1000.0) / 10.0;
  return v;
}

Prg::Seed fixed_seed() {
  Prg::Seed s{};
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::uint8_t>(i * 7 + 1);
  return s;
}

}  // namespace

TEST_CASE("median_of and median_and_mad match sorting on random inputs", "[clean]") {
  Prg prg(fixed_seed(), PrgAlgorithm::chacha20);
  for (std::size_t n = 1; n <= 65; ++n) {
    for (int rep = 0; rep < 20; ++rep) {
      const std::vector<double> v = random_values(prg, n);
      std::vector<double> scratch = v;
      REQUIRE(median_of(scratch) == reference_median(v));
      scratch = v;
      const MedianMad mm = median_and_mad(scratch);
      REQUIRE(mm.median == reference_median(v));
      REQUIRE(mm.mad == reference_mad(v));
    }
  }
  std::vector<double> huge{std::numeric_limits<double>::max(), std::numeric_limits<double>::max()};
  REQUIRE(median_of(huge) == std::numeric_limits<double>::max());  // no overflow to infinity
  std::vector<double> none;
  REQUIRE_THROWS_AS(median_of(none), error);
  REQUIRE_THROWS_AS(median_and_mad(none), error);
}

TEST_CASE("median filter is the median of the last w values", "[clean]") {
  Prg prg(fixed_seed(), PrgAlgorithm::chacha20);
  for (std::size_t w : {1u, 2u, 5u, 16u, 64u}) {
    MedianFilter f(w);
    std::deque<double> last;
    for (double x : random_values(prg, 500)) {
      last.push_back(x);
      if (last.size() > w) last.pop_front();
      REQUIRE(f.filter(x) == reference_median({last.begin(), last.end()}));
    }
    REQUIRE(f.window().count() == w);
  }
  REQUIRE_THROWS_AS(MedianFilter(0), error);
  REQUIRE_THROWS_AS(MedianFilter(max_window + 1), error);
}

TEST_CASE("MAD filter flags exactly what the Hampel rule says", "[clean]") {
  Prg prg(fixed_seed(), PrgAlgorithm::chacha20);
  const MadConfig config{.window = 24, .k = 2.0, .min_samples = 5, .min_spread = 0.0};
  MadFilter f(config);
  std::deque<double> last;
  int flagged = 0;
  for (double x : random_values(prg, 3000)) {
    bool expected = false;
    if (last.size() >= config.min_samples) {
      const std::vector<double> v(last.begin(), last.end());
      expected = std::fabs(x - reference_median(v)) > config.k * mad_to_sigma * reference_mad(v);
    }
    REQUIRE(f.is_outlier(x) == expected);
    flagged += expected;
    last.push_back(x);  // outliers enter the window too
    if (last.size() > config.window) last.pop_front();
  }
  REQUIRE(flagged > 0);
}

TEST_CASE("MAD filter edge cases: empty window, MAD = 0, min_spread", "[clean]") {
  MadFilter f({.window = 8, .k = 3.0, .min_samples = 4, .min_spread = 0.0});
  // Too few samples: nothing is judged, however wild.
  REQUIRE_FALSE(f.is_outlier(1e9));
  REQUIRE_FALSE(f.is_outlier(-1e9));
  REQUIRE_FALSE(f.is_outlier(5.0));
  REQUIRE_FALSE(f.is_outlier(5.0));
  // Window {1e9, -1e9, 5, 5}: median 5, MAD 0 -> equal values pass, any other value is out.
  REQUIRE_FALSE(f.is_outlier(5.0));
  REQUIRE(f.is_outlier(5.1));
  // All equal: MAD = 0.
  MadFilter flat({.window = 8, .k = 3.0, .min_samples = 4, .min_spread = 0.0});
  for (int i = 0; i < 8; ++i) REQUIRE_FALSE(flat.is_outlier(20.0));
  REQUIRE(flat.is_outlier(20.1));
  REQUIRE_FALSE(flat.is_outlier(20.0));
  // With a floor of 0.1: |x - 20| up to 0.3 passes.
  MadFilter floored({.window = 8, .k = 3.0, .min_samples = 4, .min_spread = 0.1});
  for (int i = 0; i < 8; ++i) REQUIRE_FALSE(floored.is_outlier(20.0));
  REQUIRE_FALSE(floored.is_outlier(20.25));
  REQUIRE(floored.is_outlier(20.5));
  // A genuine level change is taken over once it is most of the window.
  MadFilter level({.window = 8, .k = 3.0, .min_samples = 4, .min_spread = 0.1});
  for (int i = 0; i < 8; ++i) (void)level.is_outlier(20.0);
  int refused = 0;
  for (int i = 0; i < 10; ++i) refused += level.is_outlier(30.0);
  REQUIRE(refused == 4);
  REQUIRE_THROWS_AS(MadFilter({.window = 8, .k = 0.0}), error);
  REQUIRE_THROWS_AS(MadFilter({.window = 4, .min_samples = 5}), error);
  REQUIRE_THROWS_AS(MadFilter({.window = 0}), error);
}

TEST_CASE("window keeps the last n values in fixed storage", "[clean]") {
  Window w(3);
  std::array<double, max_window> out{};
  REQUIRE(w.empty());
  REQUIRE(w.copy_to(out).empty());
  for (double x : {1.0, 2.0, 3.0, 4.0, 5.0}) w.push(x);
  REQUIRE(w.count() == 3);
  std::span<double> held = w.copy_to(out);
  std::sort(held.begin(), held.end());
  REQUIRE(std::vector<double>(held.begin(), held.end()) == std::vector<double>{3.0, 4.0, 5.0});
  w.clear();
  REQUIRE(w.empty());
  static_assert(sizeof(Window) <= max_window * sizeof(double) + 4 * sizeof(std::size_t));
}

TEST_CASE("stuck detector refuses the run-th identical value and after", "[clean]") {
  StuckDetector s(3);
  REQUIRE_FALSE(s.is_stuck(1.0));
  REQUIRE_FALSE(s.is_stuck(1.0));
  REQUIRE(s.is_stuck(1.0));
  REQUIRE(s.is_stuck(1.0));
  REQUIRE_FALSE(s.is_stuck(1.5));
  REQUIRE_FALSE(s.is_stuck(1.0));
  REQUIRE_THROWS_AS(StuckDetector(1), error);
}

TEST_CASE("rate limit allows max_per_second times the elapsed time", "[clean]") {
  using namespace std::chrono_literals;
  const RateLimit::time_point t0{};
  RateLimit r(2.0);  // 2 units per second
  REQUIRE_FALSE(r.exceeds(1000.0, t0));  // nothing to compare with yet
  r.accept(10.0, t0);
  REQUIRE_FALSE(r.exceeds(12.0, t0 + 1s));
  REQUIRE(r.exceeds(12.1, t0 + 1s));
  REQUIRE(r.exceeds(7.9, t0 + 1s));
  REQUIRE_FALSE(r.exceeds(30.0, t0 + 10s));  // a step is accepted once enough time passed
  REQUIRE(r.exceeds(10.1, t0));               // no time: only the same value
  REQUIRE_FALSE(r.exceeds(10.0, t0 - 1s));
  REQUIRE_THROWS_AS(RateLimit(-1.0), error);
  REQUIRE_THROWS_AS(RateLimit(std::numeric_limits<double>::quiet_NaN()), error);
}

TEST_CASE("limits, status and marker checks", "[clean]") {
  const Limits l{.min = 0.0, .max = 100.0};
  REQUIRE(l.contains(0.0));
  REQUIRE(l.contains(100.0));
  REQUIRE_FALSE(l.contains(100.01));
  REQUIRE_FALSE(l.contains(std::numeric_limits<double>::quiet_NaN()));
  REQUIRE_FALSE(Limits{}.contains(std::numeric_limits<double>::infinity()));
  REQUIRE_THROWS_AS((Limits{.min = 1.0, .max = 0.0}.validate()), error);

  device::Reading r;
  r.status = device::ReadingStatus::ok;
  r.raw = -2000;
  r.scale = 0.1;
  REQUIRE(check_status(r, -200.0) == Reason::missing);  // -2000 * 0.1 is -200 up to rounding
  REQUIRE(check_status(r, std::nullopt) == Reason::kept);
  REQUIRE(check_status(r, -199.9) == Reason::kept);
  r.status = device::ReadingStatus::timeout;
  REQUIRE(check_status(r, std::nullopt) == Reason::timeout);
  r.status = device::ReadingStatus::checksum_mismatch;
  REQUIRE(check_status(r, std::nullopt) == Reason::checksum_mismatch);
  r.status = device::ReadingStatus::stuck;
  REQUIRE(check_status(r, std::nullopt) == Reason::device_stuck);
  for (std::size_t i = 0; i < reason_count; ++i) REQUIRE(to_string(static_cast<Reason>(i)) != "unknown");
}

TEST_CASE("try_encode refuses what FixedPoint refuses, and encodes the rest exactly", "[clean]") {
  const FixedPoint<Z2k<32>> small(16);  // max about 32768
  REQUIRE(try_encode(small, 32767.0).has_value());
  REQUIRE(small.decode(*try_encode(small, -12.5)) == -12.5);
  REQUIRE_FALSE(try_encode(small, 40000.0).has_value());
  REQUIRE_FALSE(try_encode(small, -40000.0).has_value());
  REQUIRE_FALSE(try_encode(small, std::numeric_limits<double>::quiet_NaN()).has_value());
  const FixedPoint<Mersenne61> big(16);
  REQUIRE(try_encode(big, 40000.0).has_value());
}
