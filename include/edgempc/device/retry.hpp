// SPDX-License-Identifier: Apache-2.0
// Retry with exponential backoff, bounded by a deadline: how an adapter rides out a bus glitch
// without waiting forever on a device that has gone.
//
// A bus error (a NACK while the sensor is busy, noise on a long wire, lost arbitration) is
// often gone a millisecond later, so the adapter tries again, waiting a little longer each
// time so a struggling device is not hammered. Two limits stop it: max_attempts, and the poll's
// deadline. retry_with_backoff never sleeps past the deadline: when the next wait would end at
// or after it, it gives up at once with the last error, so the caller can report a status in
// time. No jitter: one gateway is the only master on its bus, so there is no herd to spread.
#pragma once

#include <algorithm>
#include <chrono>
#include <concepts>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>

#include "edgempc/device/adapter.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

struct RetryPolicy {
  unsigned max_attempts = 3;                        ///< attempts per operation, the first included
  std::chrono::microseconds initial_backoff{500};  ///< wait before the first retry
  double multiplier = 2.0;                          ///< each further wait is this many times longer
  std::chrono::microseconds max_backoff{20'000};   ///< no single wait is longer than this

  /// The wait before retry number `retry` (1 = the first retry): initial * multiplier^(retry-1),
  /// capped at max_backoff.
  [[nodiscard]] constexpr std::chrono::microseconds backoff(unsigned retry) const noexcept {
    double wait = static_cast<double>(initial_backoff.count());
    const auto cap = static_cast<double>(max_backoff.count());
    for (unsigned i = 1; i < retry && wait < cap; ++i) wait *= multiplier;
    return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(std::min(wait, cap)));
  }

  /// Throws errc::invalid_argument for a policy that could not work (no attempt at all, a
  /// shrinking or negative wait). Adapters call it in their constructors.
  void validate() const {
    if (max_attempts < 1) throw error(errc::invalid_argument, "RetryPolicy: max_attempts must be at least 1");
    if (initial_backoff.count() < 0 || max_backoff.count() < 0)
      throw error(errc::invalid_argument, "RetryPolicy: negative backoff");
    if (!(multiplier >= 1.0)) throw error(errc::invalid_argument, "RetryPolicy: multiplier must be at least 1");
  }
};

/// How a retried operation ended.
struct RetryOutcome {
  std::error_code error{};  ///< empty on success, else the last attempt's error (timed_out if none ran)
  unsigned attempts = 0;    ///< how many times the operation ran

  [[nodiscard]] bool ok() const noexcept { return !error; }
};

/// Runs `op` (returning std::error_code, empty for success) until it succeeds, max_attempts
/// is reached, or the deadline would be passed, sleeping policy.backoff(n) between attempts.
/// A deadline already passed means no attempt at all (std::errc::timed_out).
template <class Op>
  requires std::same_as<std::invoke_result_t<Op&>, std::error_code>
RetryOutcome retry_with_backoff(const RetryPolicy& policy, Deadline deadline, Op&& op) {
  RetryOutcome outcome;
  if (std::chrono::steady_clock::now() >= deadline) {
    outcome.error = std::make_error_code(std::errc::timed_out);
    return outcome;
  }
  for (unsigned attempt = 1;; ++attempt) {
    outcome.attempts = attempt;
    outcome.error = op();
    if (!outcome.error || attempt >= policy.max_attempts) return outcome;
    const auto wake = std::chrono::steady_clock::now() + policy.backoff(attempt);
    if (wake >= deadline) return outcome;
    std::this_thread::sleep_until(wake);
    // A loaded machine may wake us late: never start an attempt past the deadline.
    if (std::chrono::steady_clock::now() >= deadline) return outcome;
  }
}

}  // namespace device
EDGEMPC_END_NAMESPACE
