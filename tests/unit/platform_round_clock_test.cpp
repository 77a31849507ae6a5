// SPDX-License-Identifier: Apache-2.0
// Round time (platform/round_clock.hpp): the Clock models against the system clock and by hand,
// AnyClock sharing its clock, and RoundClock's arithmetic at the edges.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "edgempc/platform/round_clock.hpp"
#include "protocol_harness.hpp"

using namespace edgempc;
using namespace edgempc::platform;
using namespace std::chrono_literals;

TEST_CASE("SystemClock reads the wall clock and waits at most the given real time", "[platform]") {
  SystemClock c;
  const auto wall = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch()).count();
  CHECK(std::abs(c.now_ms() - wall) < 1000);
  const auto t0 = std::chrono::steady_clock::now();
  c.wait_until(c.now_ms() + 3'600'000, 20ms);  // an hour away: returns after about 20 ms
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
  c.wait_until(0, 10s);  // in the past: at once
  CHECK(std::chrono::steady_clock::now() - t0 < 5s);
}

TEST_CASE("ManualClock stands still until set or advanced, and wakes its waiters", "[platform]") {
  ManualClock c(1000);
  CHECK(c.now_ms() == 1000);
  c.wait_until(2000, 10ms);  // nothing moves it: returns after 10 ms of real time, still 1000
  CHECK(c.now_ms() == 1000);
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    while (c.now_ms() < 2000) c.wait_until(2000, 10s);
    woke = true;
  });
  c.advance(500ms);
  CHECK(c.now_ms() == 1500);
  c.set(2000);  // wakes the waiter long before its 10 s
  waiter.join();
  CHECK(woke);
  CHECK_THROWS_MATCHES(c.set(1999), error, test::has_code(errc::invalid_argument));  // never back
  c.set(2000);  // the same time is fine
}

TEST_CASE("AnyClock shares the clock it holds, refuses an empty one, and defaults to the system clock", "[platform]") {
  auto manual = std::make_shared<ManualClock>(42);
  AnyClock any(manual);
  CHECK(any.now_ms() == 42);
  manual->set(100);
  CHECK(any.now_ms() == 100);
  AnyClock copy = any;
  manual->set(200);
  CHECK(copy.now_ms() == 200);
  CHECK_THROWS_MATCHES(AnyClock(std::shared_ptr<ManualClock>{}), error, test::has_code(errc::invalid_argument));
  CHECK(std::abs(AnyClock().now_ms() - SystemClock().now_ms()) < 1000);
}

TEST_CASE("RoundClock: opens, closes and the round at a time, at the edges", "[platform]") {
  const RoundClock rc{10'000, 1'000};
  CHECK(rc.open_ms(0) == 10'000);
  CHECK(rc.close_ms(0) == 11'000);
  CHECK(rc.open_ms(5) == 15'000);
  CHECK(rc.round_at(9'999) == -1);
  CHECK(rc.round_at(10'000) == 0);
  CHECK(rc.round_at(10'999) == 0);
  CHECK(rc.round_at(11'000) == 1);  // a round's close is the next one's open
  CHECK(rc.close_ms(UINT32_MAX) == 10'000 + (std::int64_t{UINT32_MAX} + 1) * 1'000);
  CHECK(rc.round_at(INT64_MAX) == UINT32_MAX);  // capped
  for (std::uint32_t r : {0u, 1u, 77u, 1'000'000u}) {
    CHECK(rc.round_at(rc.open_ms(r)) == r);
    CHECK(rc.round_at(rc.close_ms(r) - 1) == r);
  }
}
