// SPDX-License-Identifier: Apache-2.0
// Uplink: delivers sealed submissions to every gateway of a group, for one device or for a relay
// carrying many devices' submissions (a relay learns nothing from them: each is sealed end to
// end for its gateway).
//
// Each gateway gets its own connection and thread, so a slow or dead gateway delays no other.
// Submissions go in pipelined chunks. When a connection fails, the uplink reconnects and sends
// the unanswered chunk again until the deadline: a gateway that stored a submission but whose
// answer was lost says `replayed` the second time, which counts as held (ingest.hpp), so a
// retry never loses or doubles a reading. A gateway still unreachable at the deadline holds
// nothing of what was left, and its codes stay `unavailable`.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "edgempc/platform/config.hpp"
#include "edgempc/platform/ingest.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

namespace detail {

/// Every submission's codes, `unavailable` until a gateway answers (the uplinks' contract:
/// codes[i][g] for submission i and gateway g); errc::size_mismatch for a submission that is not
/// sealed for exactly the group's n gateways.
[[nodiscard]] inline std::vector<std::vector<IngestCode>> unanswered(
    const std::vector<std::vector<std::vector<std::uint8_t>>>& submissions, std::size_t n, const char* who) {
  for (const auto& s : submissions)
    if (s.size() != n)
      throw error(errc::size_mismatch, std::string(who) + ": a submission for " + std::to_string(s.size()) +
                                           " gateways, the group has " + std::to_string(n));
  return std::vector<std::vector<IngestCode>>(submissions.size(), std::vector<IngestCode>(n, IngestCode::unavailable));
}

}  // namespace detail

class Uplink {
 public:
  explicit Uplink(GroupConfig group, std::size_t chunk = 512,
                  std::chrono::milliseconds io_timeout = std::chrono::milliseconds(5000))
      : group_(std::move(group)), chunk_(std::max<std::size_t>(chunk, 1)), io_timeout_(io_timeout),
        clients_(group_.gateways.size()) {}

  /// submissions[i][g] is submission i's sealed message for gateway g (as DeviceClient::seal
  /// returns them). Returns codes[i][g]. Blocks until every gateway has answered everything or
  /// `deadline` has passed.
  [[nodiscard]] std::vector<std::vector<IngestCode>> send(
      const std::vector<std::vector<std::vector<std::uint8_t>>>& submissions,
      std::chrono::steady_clock::time_point deadline) {
    const std::size_t n = group_.gateways.size();
    auto codes = detail::unanswered(submissions, n, "Uplink");
    std::vector<std::thread> threads;
    for (std::size_t g = 0; g < n; ++g)
      threads.emplace_back([&, g] { send_to(g, submissions, codes, deadline); });
    for (auto& t : threads) t.join();
    return codes;
  }

 private:
  void send_to(std::size_t g, const std::vector<std::vector<std::vector<std::uint8_t>>>& submissions,
               std::vector<std::vector<IngestCode>>& codes, std::chrono::steady_clock::time_point deadline) {
    const auto& gw = group_.gateways[g];
    std::vector<std::vector<std::uint8_t>> batch;
    for (std::size_t at = 0; at < submissions.size();) {
      const std::size_t end = std::min(submissions.size(), at + chunk_);
      batch.clear();
      for (std::size_t i = at; i < end; ++i) batch.push_back(submissions[i][g]);
      try {
        if (!clients_[g]) clients_[g] = std::make_unique<IngestClient>(gw.host, gw.ingest_port, io_timeout_);
        const auto answers = clients_[g]->submit(std::span<const std::vector<std::uint8_t>>(batch));
        for (std::size_t i = at; i < end; ++i) codes[i][g] = answers[i - at];
        at = end;
      } catch (const error&) {
        clients_[g].reset();
        if (std::chrono::steady_clock::now() >= deadline) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }

  GroupConfig group_;
  std::size_t chunk_;
  std::chrono::milliseconds io_timeout_;
  std::vector<std::unique_ptr<IngestClient>> clients_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
