// SPDX-License-Identifier: Apache-2.0
// What a gateway reports at the end of each round (platform/gateway.hpp): the status, the live
// gateways, the number of contributors and, at recipients, the published statistics; and its
// one-line JSON form, which edgempc-gateway prints.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// One channel's published statistics (set only at recipients, and only what the policy
/// reveals).
struct ChannelResult {
  std::string name;
  std::uint64_t count = 0;  ///< readings in the round
  std::optional<double> mean, variance, minimum, maximum;
  std::optional<std::uint64_t> alerts;  ///< readings above the channel's alert_above
};

/// How a round ended at one gateway: exactly one of these, with a reason unless published.
enum class RoundStatus : std::uint8_t {
  published = 1,  ///< at least one recipient stored the results (a recipient: this one)
  withheld = 2,   ///< fewer than min_clients contributed: nothing revealed
  failed = 3,     ///< nothing published (too few live gateways or no recipient until the limit)
};

[[nodiscard]] inline const char* to_string(RoundStatus s) noexcept {
  switch (s) {
    case RoundStatus::published: return "published";
    case RoundStatus::withheld: return "withheld";
    case RoundStatus::failed: return "failed";
  }
  return "unknown";
}

struct RoundReport {
  std::uint32_t round = 0;
  RoundStatus status = RoundStatus::failed;
  std::vector<PartyId> live;        ///< the gateways that finished it
  std::uint64_t contributors = 0;   ///< clients in the agreed set
  bool recipient = false;           ///< whether `channels` holds results
  std::vector<ChannelResult> channels;
  std::string reason;               ///< why it was withheld or failed, or how it was learnt
  double seconds = 0;               ///< from the round's close to its end here
};

/// One line of JSON (no newline).
[[nodiscard]] inline std::string to_json(const RoundReport& r) {
  const auto num = [](double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return std::string(b);
  };
  std::string s = "{\"round\":" + std::to_string(r.round) + ",\"status\":\"" + to_string(r.status) + "\",\"live\":[";
  for (std::size_t i = 0; i < r.live.size(); ++i) s += (i ? "," : "") + std::to_string(r.live[i]);
  s += "],\"contributors\":" + std::to_string(r.contributors) + ",\"seconds\":" + num(r.seconds);
  if (!r.reason.empty()) {
    std::string esc;
    for (const char c : r.reason) {
      if (c == '"' || c == '\\') esc += '\\';
      esc += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
    }
    s += ",\"reason\":\"" + esc + "\"";
  }
  if (r.recipient) {
    s += ",\"channels\":{";
    for (std::size_t i = 0; i < r.channels.size(); ++i) {
      const auto& c = r.channels[i];
      s += (i ? "," : "") + std::string("\"") + c.name + "\":{\"count\":" + std::to_string(c.count);
      if (c.mean) s += ",\"mean\":" + num(*c.mean);
      if (c.variance) s += ",\"variance\":" + num(*c.variance);
      if (c.minimum) s += ",\"min\":" + num(*c.minimum);
      if (c.maximum) s += ",\"max\":" + num(*c.maximum);
      if (c.alerts) s += ",\"alerts\":" + std::to_string(*c.alerts);
      s += "}";
    }
    s += "}";
  }
  return s + "}";
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
