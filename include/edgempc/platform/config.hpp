// SPDX-License-Identifier: Apache-2.0
// A gateway group's configuration as plain data: the gateways and their keys, the sharing
// scheme, the channels with their fixed-point formats and alert thresholds, the policy and the
// round clock. platform/config_toml.hpp reads it from a TOML file (an optional target, needs
// toml++); this header needs nothing but the standard library, so a program can also build a
// GroupConfig in code (smart_home does).
//
// validate() is the single place where a configuration is checked: every reader calls it, so a
// bad file and a bad program fail the same way, with errc::invalid_argument naming the field.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "edgempc/error.hpp"
#include "edgempc/net/keys.hpp"
#include "edgempc/net/transport.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/split_scheme.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// One gateway of the group.
struct GatewayInfo {
  PartyId id = 0;                ///< 0 .. n-1, its share index
  std::string host = "127.0.0.1";  ///< an address literal
  std::uint16_t peer_port = 0;   ///< where the other gateways reach it to finish rounds
  std::uint16_t ingest_port = 0; ///< where devices send submissions
  PublicKey public_key{};        ///< its X25519 key: devices seal to it, gateways authenticate it
};

/// One measured quantity of every device (temperature, humidity, ...).
struct ChannelConfig {
  std::string name;
  std::uint32_t frac_bits = 12;     ///< fixed-point fraction bits (squares carry twice as many)
  double min = -1.0e6;              ///< plausible range: devices drop readings outside it;
  double max = 1.0e6;               ///< the gateways' min/max circuit is sized from it
  std::optional<double> alert_above;  ///< count readings above this (alerts), if set
};

/// The statistics a round can publish.
enum class Statistic : std::uint8_t { count, mean, variance, minimum, maximum, alerts };

/// Who learns what.
/// Whether the gateways check the devices' shares before using them (platform/gateway/validation.hpp).
enum class Validation : std::uint8_t {
  required,  ///< every device's shares are checked; needs Shamir sharing (the default)
  off,       ///< devices are trusted (the only choice for additive sharing): any one can move any result
};

struct PolicyConfig {
  std::size_t min_clients = 1;       ///< publish a round only if at least this many valid devices contributed
  /// Readings per channel per device per round; a device sending more is left out (over_quota).
  std::uint32_t max_readings = 1;
  Validation validation = Validation::required;
  std::vector<PartyId> recipients;   ///< gateways that learn the published results
  std::vector<Statistic> reveal{Statistic::count, Statistic::mean, Statistic::variance,
                                Statistic::minimum, Statistic::maximum, Statistic::alerts};

  [[nodiscard]] bool reveals(Statistic s) const noexcept {
    for (const auto r : reveal)
      if (r == s) return true;
    return false;
  }
  [[nodiscard]] bool is_recipient(PartyId p) const noexcept {
    for (const auto r : recipients)
      if (r == p) return true;
    return false;
  }
};

/// The round epoch of a group whose configuration names none (group.epoch_ms left out of the
/// TOML): 2026-01-01T00:00:00Z, in Unix milliseconds.
///
/// Why a constant: every gateway and device of a group numbers rounds on its own, from its own
/// clock, with no message to agree on it; round r must be the same interval at every process. A
/// default such as "the next round boundary when this process starts" would give each process
/// its own round 0. A fixed instant, the same in every build, is computed identically everywhere.
///
/// Why this instant and not the Unix epoch: round numbers are 32-bit (the submission header and
/// the store), and from 1970 they would already be now / round_ms, past 2^32 for any round
/// shorter than about 420 ms today. From 2026 they reach 2^32 only after 2^32 rounds: 6.8 years
/// at the shortest round (50 ms), 136 years at 1 s. It is a whole number of days, so a round
/// length that divides a day (1 s, 10 s, 1 min, 15 min, 1 h) has its boundaries on the wall
/// clock's whole seconds, minutes or hours (UTC).
///
/// The consequence: round numbers are large (the rounds since 2026: about 3.1 million 10-second
/// rounds by the end of 2026), and a process started today starts at such a round, not at 0;
/// `rounds = N` counts from there (GatewayLocalConfig::rounds). A group with rounds shorter than
/// a second that must run past 2032, or that wants round 0 to be its first, sets epoch_ms.
/// Changing this constant would renumber every group that relies on it: it never changes.
inline constexpr std::int64_t default_epoch_ms = 1'767'225'600'000;

/// The first round boundary (epoch_ms + k round_ms, k >= 0) at or after `now_ms`: where the next
/// round opens, the same at every process whose clock reads a time in the same round. Before the
/// epoch, the epoch. A pure function, so the round numbering can be tested without a clock.
/// Needs round_ms > 0.
[[nodiscard]] constexpr std::int64_t next_round_boundary_ms(std::int64_t now_ms, std::int64_t round_ms,
                                                            std::int64_t epoch_ms = default_epoch_ms) noexcept {
  if (now_ms <= epoch_ms) return epoch_ms;
  const std::int64_t into = (now_ms - epoch_ms) % round_ms;
  return into == 0 ? now_ms : now_ms + (round_ms - into);
}

/// The round open at `now_ms` (round r is [epoch + r L, epoch + (r+1) L)): -1 before the epoch.
/// As RoundClock::round_at (platform/round_clock.hpp), uncapped. Needs round_ms > 0.
[[nodiscard]] constexpr std::int64_t round_at_ms(std::int64_t now_ms, std::int64_t round_ms,
                                                 std::int64_t epoch_ms = default_epoch_ms) noexcept {
  return now_ms < epoch_ms ? -1 : (now_ms - epoch_ms) / round_ms;
}

/// The largest group and the most channels a configuration may name.
inline constexpr std::size_t max_gateways = 64;
inline constexpr std::size_t max_channels = 32;

struct GroupConfig {
  std::string name = "edgempc";
  SplitScheme scheme = SplitScheme::shamir(1, 3);  ///< parties must equal gateways.size()
  std::string domain = "mersenne61";              ///< the only domain gateways run today
  std::vector<GatewayInfo> gateways;              ///< sorted by id, ids 0 .. n-1
  std::vector<ChannelConfig> channels;
  PolicyConfig policy;
  std::chrono::milliseconds round_length{1000};
  /// Round r covers [epoch + r * round_length, epoch + (r+1) * round_length), in Unix time (ms).
  /// The TOML reader's default, when a file leaves it out, is default_epoch_ms; a program that
  /// builds a GroupConfig in code sets it (0 here is the Unix epoch).
  std::int64_t epoch_ms = 0;
  /// How long a gateway waits for a silent peer before finishing a round without it.
  std::chrono::milliseconds peer_wait{2000};

  /// The gateways that must be live to finish a round: t + 1 for Shamir, all for additive.
  [[nodiscard]] std::size_t quorum() const noexcept {
    return scheme.quorum();
  }

  /// errc::invalid_argument naming the first field that is wrong.
  void validate() const {
    const auto bad = [](const std::string& what) { return error(errc::invalid_argument, "config: " + what); };
    if (domain != "mersenne61") throw bad("domain '" + domain + "' (only \"mersenne61\" is supported)");
    const std::size_t n = gateways.size();
    if (n < 2 || n > max_gateways)
      throw bad("gateways: " + std::to_string(n) + " (2 to " + std::to_string(max_gateways) + ")");
    if (scheme.parties != n)
      throw bad("scheme for " + std::to_string(scheme.parties) + " parties, " + std::to_string(n) + " gateways");
    if (scheme.kind == SplitScheme::Kind::shamir && (scheme.threshold < 1 || scheme.threshold > (n - 1) / 2))
      throw bad("threshold t = " + std::to_string(scheme.threshold) + " (1 <= t and 2t + 1 <= " + std::to_string(n) +
                " gateways)");
    std::set<std::pair<std::string, std::uint16_t>> ports;
    std::set<PublicKey> keys;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& g = gateways[i];
      const std::string who = "gateway " + std::to_string(i);
      if (g.id != i) throw bad(who + ": id " + std::to_string(g.id) + " (ids are 0 .. n-1, in order)");
      if (g.host.empty()) throw bad(who + ": empty host");
      if (g.peer_port == 0 || g.ingest_port == 0) throw bad(who + ": port 0");
      if (!ports.insert({g.host, g.peer_port}).second || !ports.insert({g.host, g.ingest_port}).second)
        throw bad(who + ": a host:port used twice");
      if (!keys.insert(g.public_key).second) throw bad(who + ": a public key used twice");
    }
    if (channels.empty() || channels.size() > max_channels)
      throw bad("channels: " + std::to_string(channels.size()) + " (1 to " + std::to_string(max_channels) + ")");
    std::set<std::string> names;
    for (const auto& c : channels) {
      if (c.name.empty() || !names.insert(c.name).second) throw bad("channel names must be non-empty and unique");
      if (c.frac_bits > 30) throw bad("channel " + c.name + ": frac_bits " + std::to_string(c.frac_bits) + " (0 to 30)");
      if (!std::isfinite(c.min) || !std::isfinite(c.max) || !(c.min < c.max))
        throw bad("channel " + c.name + ": min must be below max");
      // Devices send X and X^2 (X = x * 2^frac_bits), and sums of up to 2^20 of them must stay
      // below p/2.
      const double bound = std::max(std::abs(c.min), std::abs(c.max));
      if (std::ldexp(bound * bound, 2 * static_cast<int>(c.frac_bits)) > std::ldexp(1.0, 39))
        throw bad("channel " + c.name + ": max(|min|,|max|)^2 * 2^(2 frac_bits) above 2^39 (sums of squares would "
                  "overflow; use fewer frac_bits)");
      if (c.alert_above && !(*c.alert_above >= c.min && *c.alert_above <= c.max))
        throw bad("channel " + c.name + ": alert_above outside [min, max]");
    }
    if (policy.min_clients < 1) throw bad("policy: min_clients must be at least 1");
    if (policy.max_readings < 1) throw bad("policy: max_readings must be at least 1");
    if (policy.validation == Validation::required && scheme.kind != SplitScheme::Kind::shamir)
      throw bad("policy: validation = \"required\" needs Shamir sharing (additive shares have no redundancy to check); "
                "set validation = \"off\" to trust the devices");
    if (policy.recipients.empty()) throw bad("policy: no recipients");
    for (const auto r : policy.recipients)
      if (r >= n) throw bad("policy: recipient " + std::to_string(r) + " is not a gateway");
    if (round_length < std::chrono::milliseconds(50) || round_length > std::chrono::hours(24))
      throw bad("round_ms: " + std::to_string(round_length.count()) + " (50 ms to 24 h)");
    if (epoch_ms < 0) throw bad("epoch_ms must not be negative");
    if (peer_wait < std::chrono::milliseconds(0) || peer_wait > std::chrono::minutes(10))
      throw bad("peer_wait_ms: " + std::to_string(peer_wait.count()) + " (0 to 600000)");
  }
};

/// What one gateway process needs beyond the group: who it is and where its files are.
/// A process's MQTT broker settings ([ingest] of a gateway, [uplink] of a device).
struct MqttLocalConfig {
  std::string url;                                   ///< mqtt://HOST:PORT or mqtts://HOST:PORT (TLS)
  std::optional<std::string> username;
  std::optional<std::filesystem::path> password_file;  ///< the password is its first line
  std::string topic_prefix = "edgempc";
  std::uint32_t workers = 1;                         ///< gateway only: ingest connections
  // TLS (mqtts:// only; platform/mqtt_tls.hpp's TlsOptions says what each does).
  std::optional<std::filesystem::path> ca_file;      ///< unset: the system's CA store
  std::optional<std::filesystem::path> cert_file;    ///< a client certificate, with key_file
  std::optional<std::filesystem::path> key_file;
  std::optional<std::string> server_name;            ///< unset: the URL's host
};

struct GatewayLocalConfig {
  PartyId id = 0;
  std::filesystem::path secret_key;  ///< key file (net/keys.hpp), mode 0600
  std::filesystem::path enrolment;   ///< Enrolment file (platform/enrolment.hpp)
  std::filesystem::path store;       ///< SQLite share store (platform/store.hpp)
  /// Take part in this many consecutive rounds, then exit; 0 = until SIGTERM. The first is the
  /// round the gateway's clock is in when it starts (round 0 before the epoch), so rounds = N
  /// finishes rounds S .. S+N-1 for that start round S; gateways started in the same round stop
  /// after the same round. The same meaning as DeviceLocalConfig::rounds.
  std::uint32_t rounds = 0;
  // Operating limits (GatewayOptions and IngestLimits say what each does); unset: their defaults.
  std::optional<std::uint32_t> retain_rounds;       ///< final rounds kept in the store (0: all)
  std::optional<std::size_t> max_connections;       ///< ingest connections at once
  std::optional<std::size_t> max_per_address;       ///< ingest connections from one address
  std::optional<std::uint32_t> idle_timeout_ms;     ///< an ingest connection with no request
  std::optional<std::uint32_t> request_timeout_ms;  ///< one request, first byte to reply
  std::optional<MqttLocalConfig> mqtt;              ///< [ingest]: also take submissions through a broker
  // What operators watch (platform/log.hpp, platform/gateway/metrics_server.hpp).
  std::string log_format = "text";                   ///< "text" or "json" (JSON lines)
  std::string log_level = "info";                    ///< debug, info, warn or error
  std::optional<std::string> metrics;                ///< HOST:PORT of the /metrics and /health endpoint
  std::optional<std::filesystem::path> results_file; ///< also append the round results (JSON lines) here
};

/// What one device process needs beyond the group.
struct DeviceLocalConfig {
  ClientId client_id = 0;
  std::filesystem::path secret_key;  ///< key file (net/keys.hpp), mode 0600
  /// Take part in this many consecutive rounds, then exit; 0 = until SIGTERM. The first is the
  /// first round the device can still submit in when it starts, so rounds = N ends after round
  /// S+N-1 for that start round S (a round it skips, too late or with a reading refused, still
  /// counts). The same meaning as GatewayLocalConfig::rounds.
  std::uint32_t rounds = 0;
  std::optional<MqttLocalConfig> mqtt;  ///< [uplink]: send through a broker instead of TCP
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
