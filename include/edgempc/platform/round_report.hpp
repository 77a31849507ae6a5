// SPDX-License-Identifier: Apache-2.0
// What a gateway reports at the end of each round (platform/gateway.hpp): the status, the live
// gateways, the number of contributors and, at recipients, the published statistics; and its
// one-line JSON form, which edgempc-gateway prints; and a binary form (encode_report /
// decode_report) in which a gateway keeps each round's outcome in its store.
//
// Binary form (core/bytes.hpp, little-endian): u8 version (2), u32 round, u8 status, u8 recipient,
// u32 k then k u32 live ids, u64 contributors, f64 seconds, u32-length reason, u32 c channels,
// each: u32-length name, u64 count, u8 present-bits (1 mean, 2 variance, 4 min, 8 max, 16 alerts)
// then, in that order, an f64 for each present statistic and a u64 for alerts; then (version 2)
// u32 r rejected devices, each u32 client and u8 reason, then u32 f faulty gateways, each u32.
// Version 1 (neither list) still reads.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/bytes.hpp"
#include "edgempc/net/transport.hpp"
#include "edgempc/platform/log.hpp"

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

/// Why a device's submission was left out of a round (platform/gateway/validation.hpp).
enum class Rejection : std::uint8_t {
  over_quota = 1,           ///< more readings per channel than the policy's max_readings
  inconsistent_shares = 2,  ///< its shares are not on one polynomial of degree t
  bad_square = 3,           ///< its share of x^2 is not the square of its reading
  out_of_range = 4,         ///< a reading outside its channel's [min, max]
};

[[nodiscard]] inline const char* to_string(Rejection r) noexcept {
  switch (r) {
    case Rejection::over_quota: return "over_quota";
    case Rejection::inconsistent_shares: return "inconsistent_shares";
    case Rejection::bad_square: return "bad_square";
    case Rejection::out_of_range: return "out_of_range";
  }
  return "unknown";
}

/// A device left out of a round, and why.
struct RejectedClient {
  std::uint32_t client = 0;  ///< its ClientId (platform/enrolment.hpp)
  Rejection reason = Rejection::over_quota;
  friend bool operator==(const RejectedClient&, const RejectedClient&) = default;
};

struct RoundReport {
  std::uint32_t round = 0;
  RoundStatus status = RoundStatus::failed;
  std::vector<PartyId> live;        ///< the gateways that finished it
  std::uint64_t contributors = 0;   ///< clients whose readings are in the statistics
  std::vector<RejectedClient> rejected;  ///< clients left out as invalid, sorted by client
  std::vector<PartyId> faulty;  ///< gateways whose sums were wrong and corrected (recipients only), sorted
  bool recipient = false;           ///< whether `channels` holds results
  std::vector<ChannelResult> channels;
  std::string reason;               ///< why it was withheld or failed, or how it was learnt
  double seconds = 0;               ///< from the round's close to its end here
};

/// One line of JSON (no newline).
[[nodiscard]] inline std::string to_json(const RoundReport& r) {
  // The shortest form that reads back exactly (22.5, not 22.500000000000004 or 17 digits).
  const auto num = [](double v) { return shortest_number(v); };
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
  if (!r.rejected.empty()) {
    s += ",\"rejected\":[";
    for (std::size_t i = 0; i < r.rejected.size(); ++i)
      s += (i ? "," : "") + std::string("{\"client\":") + std::to_string(r.rejected[i].client) + ",\"reason\":\"" +
           to_string(r.rejected[i].reason) + "\"}";
    s += "]";
  }
  if (!r.faulty.empty()) {
    s += ",\"faulty\":[";
    for (std::size_t i = 0; i < r.faulty.size(); ++i) s += (i ? "," : "") + std::to_string(r.faulty[i]);
    s += "]";
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

/// The binary form (above).
[[nodiscard]] inline std::vector<std::uint8_t> encode_report(const RoundReport& r) {
  ByteWriter w;
  w.u8(2);
  w.u32(r.round);
  w.u8(static_cast<std::uint8_t>(r.status));
  w.u8(r.recipient ? 1 : 0);
  w.u32(static_cast<std::uint32_t>(r.live.size()));
  for (const PartyId p : r.live) w.u32(p);
  w.u64(r.contributors);
  w.f64(r.seconds);
  w.str(r.reason);
  w.u32(static_cast<std::uint32_t>(r.channels.size()));
  for (const auto& c : r.channels) {
    w.str(c.name);
    w.u64(c.count);
    w.u8(static_cast<std::uint8_t>((c.mean ? 1 : 0) | (c.variance ? 2 : 0) | (c.minimum ? 4 : 0) | (c.maximum ? 8 : 0) |
                                   (c.alerts ? 16 : 0)));
    for (const auto* v : {&c.mean, &c.variance, &c.minimum, &c.maximum})
      if (*v) w.f64(**v);
    if (c.alerts) w.u64(*c.alerts);
  }
  w.u32(static_cast<std::uint32_t>(r.rejected.size()));
  for (const auto& x : r.rejected) {
    w.u32(x.client);
    w.u8(static_cast<std::uint8_t>(x.reason));
  }
  w.u32(static_cast<std::uint32_t>(r.faulty.size()));
  for (const PartyId p : r.faulty) w.u32(p);
  return std::move(w).take();
}

/// Parses the binary form; errc::malformed_message if it is not exactly one valid report.
[[nodiscard]] inline RoundReport decode_report(std::span<const std::uint8_t> bytes) {
  ByteReader in(bytes, "round report");
  const std::uint8_t version = in.u8();
  if (version != 1 && version != 2) throw error(errc::malformed_message, "round report: an unknown version");
  RoundReport r;
  r.round = in.u32();
  const std::uint8_t status = in.u8();
  if (status < 1 || status > 3) throw error(errc::malformed_message, "round report: a bad status");
  r.status = static_cast<RoundStatus>(status);
  const std::uint8_t recipient = in.u8();
  if (recipient > 1) throw error(errc::malformed_message, "round report: a bad recipient flag");
  r.recipient = recipient == 1;
  r.live.resize(in.count(4));
  for (auto& p : r.live) p = in.u32();
  r.contributors = in.u64();
  r.seconds = in.f64();
  r.reason = in.str();
  r.channels.resize(in.count(4 + 8 + 1));
  for (auto& c : r.channels) {
    c.name = in.str();
    c.count = in.u64();
    const std::uint8_t present = in.u8();
    if (present > 31) throw error(errc::malformed_message, "round report: bad present-bits");
    if (present & 1) c.mean = in.f64();
    if (present & 2) c.variance = in.f64();
    if (present & 4) c.minimum = in.f64();
    if (present & 8) c.maximum = in.f64();
    if (present & 16) c.alerts = in.u64();
  }
  if (version >= 2) {
    r.rejected.resize(in.count(5));
    for (auto& x : r.rejected) {
      x.client = in.u32();
      const std::uint8_t why = in.u8();
      if (why < 1 || why > 4) throw error(errc::malformed_message, "round report: a bad rejection reason");
      x.reason = static_cast<Rejection>(why);
    }
    r.faulty.resize(in.count(4));
    for (auto& p : r.faulty) p = in.u32();
  }
  in.done();
  return r;
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
