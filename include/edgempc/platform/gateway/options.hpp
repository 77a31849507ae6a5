// SPDX-License-Identifier: Apache-2.0
// GatewayOptions: how a gateway runs (platform/gateway/gateway.hpp): its logs, its limits and
// timeouts, its round clock. The ingest port's limits are tcp_ingest.hpp's IngestLimits; the
// finishing ones (finish_limit, message_timeout, retain_rounds, broken_link_rounds, clock,
// at_step) are read by the round finisher (round_finisher.hpp), which is why they live in a
// header of their own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "edgempc/platform/gateway/mqtt_ingest.hpp"
#include "edgempc/platform/log.hpp"
#include "edgempc/platform/gateway/round_protocol.hpp"
#include "edgempc/platform/gateway/tcp_ingest.hpp"
#include "edgempc/platform/round_clock.hpp"
#include "edgempc/platform/thread_pool.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

struct GatewayOptions {
  /// Where the gateway's log records go (platform/log.hpp: level, time, event, fields; text or
  /// JSON lines): a line per finished round, warnings from its parts. Unset: stderr, text,
  /// info and above, source "gateway ID".
  std::optional<Logger> logger;
  /// If set, the free-text lines of the gateway's parts (ingest, MQTT, intake, finisher) go here
  /// instead of to `logger` (one line each, no newline); the round records still go to `logger`.
  std::function<void(const std::string&)> log;
  /// How long after a round's close the gateway keeps trying to finish it.
  std::chrono::milliseconds finish_limit{30000};
  /// How long one protocol message may take to arrive once the mesh is up.
  std::chrono::milliseconds message_timeout{20000};
  /// Worker threads that open a batch of submissions (besides the ingest thread); 0: none.
  std::size_t workers = ThreadPool::default_workers();
  /// Connection limits and timeouts of the ingest port (platform/gateway/tcp_ingest.hpp).
  IngestLimits ingest;
  /// Also take submissions through an MQTT broker (platform/gateway/mqtt_ingest.hpp), besides
  /// the TCP ingest port (which the other gateways use for status, and devices may still use).
  std::optional<MqttIngestOptions> mqtt;
  /// Final rounds whose shares stay in the store (the newest ones); older final rounds are
  /// pruned. 0 keeps everything.
  std::uint32_t retain_rounds = 16;
  /// How many rounds a peer link found broken stays left out of this gateway's meshes before it
  /// is tried again (at least 1).
  std::uint32_t broken_link_rounds = 16;
  /// Round time: when rounds open and close, and the finish limit (platform/round_clock.hpp).
  /// Default: the system clock; a test passes a ManualClock and moves it by hand.
  AnyClock clock;
  /// Test hook: called at each step of the round protocol (round_protocol.hpp); a test makes it
  /// kill the process at a chosen point.
  std::function<void(std::uint32_t round, RoundStep)> at_step;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
