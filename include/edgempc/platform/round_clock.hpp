// SPDX-License-Identifier: Apache-2.0
// Round time: the clock a gateway reads to know when rounds close and when to give up, as a
// seam, so that a test can run whole gateways with time it moves by hand instead of sleeping to
// round boundaries.
//
// A Clock gives Unix time in milliseconds and a way to wait for it. Requirements (c a C, cc a
// const C, ms a std::int64_t, most a std::chrono::milliseconds):
//
// | expression              | type          | meaning                                                |
// |-------------------------|---------------|--------------------------------------------------------|
// | cc.now_ms()             | std::int64_t  | the current time, Unix milliseconds; never decreases   |
// |                         |               | by itself (SystemClock follows the wall clock, which   |
// |                         |               | an operator may step: callers must not assume more)    |
// | c.wait_until(ms, most)  | void          | returns once now_ms() >= ms, or after at most `most`   |
// |                         |               | of real time, whichever is first (callers loop, so a   |
// |                         |               | stop request is seen within `most`); thread-safe       |
//
// Both may be called from any thread at once. SystemClock is the wall clock; ManualClock stands
// still until set() or advance(), which wake every waiter. AnyClock holds either (or any other
// model) by shared ownership, so that the gateway is not a template over its clock.
//
// RoundClock maps time to rounds: round r is [epoch + r L, epoch + (r+1) L) (GroupConfig).
//
// What a clock is NOT for: network timeouts and retry pauses (a connect timeout, a backoff),
// which are real time whatever the round clock says; the gateway takes those from steady_clock.
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

template <class C>
concept Clock = requires(C& c, const C& cc, std::int64_t ms, std::chrono::milliseconds most) {
  { cc.now_ms() } -> std::same_as<std::int64_t>;
  { c.wait_until(ms, most) } -> std::same_as<void>;
};

/// The wall clock (std::chrono::system_clock), waiting by sleeping.
class SystemClock {
 public:
  [[nodiscard]] std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  void wait_until(std::int64_t ms, std::chrono::milliseconds most) {
    const std::int64_t left = ms - now_ms();
    if (left > 0) std::this_thread::sleep_for(std::min(std::chrono::milliseconds(left), most));
  }
};

/// A clock that moves only when told to (tests): set() and advance() wake every waiter.
class ManualClock {
 public:
  explicit ManualClock(std::int64_t start_ms = 0) : now_(start_ms) {}

  [[nodiscard]] std::int64_t now_ms() const {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void wait_until(std::int64_t ms, std::chrono::milliseconds most) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, most, [&] { return now_ >= ms; });
  }
  /// Moves the time to `ms`; errc::invalid_argument if that is earlier than now.
  void set(std::int64_t ms) {
    {
      std::lock_guard lock(mutex_);
      if (ms < now_) throw error(errc::invalid_argument, "ManualClock::set: time does not go back");
      now_ = ms;
    }
    cv_.notify_all();
  }
  void advance(std::chrono::milliseconds by) { set(now_ms() + by.count()); }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::int64_t now_;
};

static_assert(Clock<SystemClock> && Clock<ManualClock>);

/// Any Clock, held by shared ownership (a test keeps its ManualClock and hands the gateway an
/// AnyClock of it). Default: the system clock.
class AnyClock {
  struct Concept {
    virtual ~Concept() = default;
    [[nodiscard]] virtual std::int64_t now_ms() const = 0;
    virtual void wait_until(std::int64_t ms, std::chrono::milliseconds most) = 0;
  };
  template <class C>
  struct Model final : Concept {
    explicit Model(std::shared_ptr<C> c) : clock(std::move(c)) {}
    [[nodiscard]] std::int64_t now_ms() const override { return clock->now_ms(); }
    void wait_until(std::int64_t ms, std::chrono::milliseconds most) override { clock->wait_until(ms, most); }
    std::shared_ptr<C> clock;
  };
  template <class C>
  static std::shared_ptr<Concept> hold(std::shared_ptr<C> clock) {
    if (!clock) throw error(errc::invalid_argument, "AnyClock: no clock");
    return std::make_shared<Model<C>>(std::move(clock));
  }
  std::shared_ptr<Concept> model_;

 public:
  AnyClock() : AnyClock(std::make_shared<SystemClock>()) {}
  template <Clock C>
  explicit AnyClock(std::shared_ptr<C> clock) : model_(hold(std::move(clock))) {}

  [[nodiscard]] std::int64_t now_ms() const { return model_->now_ms(); }
  void wait_until(std::int64_t ms, std::chrono::milliseconds most) { model_->wait_until(ms, most); }
};

static_assert(Clock<AnyClock>);

/// Rounds of length L from an epoch: round r is [epoch + r L, epoch + (r+1) L).
struct RoundClock {
  std::int64_t epoch_ms = 0;
  std::int64_t length_ms = 1000;

  [[nodiscard]] constexpr std::int64_t open_ms(std::uint32_t r) const noexcept {
    return epoch_ms + static_cast<std::int64_t>(r) * length_ms;
  }
  [[nodiscard]] constexpr std::int64_t close_ms(std::uint32_t r) const noexcept { return open_ms(r) + length_ms; }
  /// The round open at `ms`: -1 before the epoch; capped at UINT32_MAX.
  [[nodiscard]] constexpr std::int64_t round_at(std::int64_t ms) const noexcept {
    if (ms < epoch_ms) return -1;
    const std::int64_t r = (ms - epoch_ms) / length_ms;
    return r > std::int64_t{UINT32_MAX} ? std::int64_t{UINT32_MAX} : r;
  }
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
