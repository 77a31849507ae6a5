// SPDX-License-Identifier: Apache-2.0
// GatewayMetrics: what a gateway counts for its operators, and its exposition in the Prometheus
// text format (version 0.0.4, https://prometheus.io/docs/instrumenting/exposition_formats/), the
// format Prometheus, Grafana Agent, VictoriaMetrics, Telegraf and the OpenMetrics parsers read.
// platform/gateway/metrics_server.hpp serves it over HTTP; Gateway::metrics() fills a snapshot.
//
// Metrics (all names begin edgempc_gateway_; counters end _total; each sample carries no labels
// beyond those listed, so the series count is fixed whatever devices send):
//   submissions_total{code}            intake answers by code (accepted, replayed, forged, ...)
//   rounds_total{status}               rounds finished here: published, withheld, failed
//   round_duration_seconds             histogram: a round's close to its end here
//   last_round, last_round_status      the newest finished round and its status (1 published,
//                                      2 withheld, 3 failed)
//   contributors_last_round            clients in the newest finished round's statistics
//   rejected_clients_total             clients left out as invalid, over all rounds
//   ingest_connections_total{outcome}  TCP ingest connections: accepted, refused_limit,
//                                      refused_address, timed_out, bad_framing
//   ingest_connections_open            TCP ingest connections open now
//   mqtt_messages_total, mqtt_requests_total, mqtt_malformed_total, mqtt_outages_total
//                                      (only with an MQTT ingest)
//   store_bytes                        the share store's files (database, WAL) on disk
//   start_time_seconds                 when this gateway started (Unix time)
// Ingest rate is rate(edgempc_gateway_submissions_total[1m]) in PromQL: the server exposes
// counters, the monitoring system derives rates.
//
// Thread-safety: GatewayMetrics counts with atomics and one lock for the histogram; any thread
// may count or take a snapshot.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgempc/platform/gateway/mqtt_ingest.hpp"
#include "edgempc/platform/gateway/tcp_ingest.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/log.hpp"
#include "edgempc/platform/round_report.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// Upper bounds of the round-duration histogram's buckets, in seconds (+Inf implied).
inline constexpr std::array<double, 10> round_duration_buckets{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
inline constexpr std::size_t ingest_code_count = static_cast<std::size_t>(IngestCode::stale) + 1;

/// Everything a scrape shows, taken at one moment.
struct GatewaySnapshot {
  PartyId gateway = 0;
  std::array<std::uint64_t, ingest_code_count> submissions{};   ///< by IngestCode value
  std::array<std::uint64_t, 3> rounds{};                        ///< published, withheld, failed
  std::array<std::uint64_t, round_duration_buckets.size()> duration_buckets{};  ///< not cumulative
  std::uint64_t duration_count = 0;
  double duration_sum = 0;
  std::optional<std::uint32_t> last_round;
  RoundStatus last_status = RoundStatus::failed;
  std::uint64_t last_contributors = 0;
  std::uint64_t rejected_clients = 0;
  IngestCounters ingest;
  std::optional<MqttIngestCounters> mqtt;
  std::uint64_t store_bytes = 0;
  double start_time = 0;  ///< Unix seconds
};

/// The live counters of one gateway.
class GatewayMetrics {
 public:
  void count(IngestCode c) noexcept {
    const auto i = static_cast<std::size_t>(c);
    if (i < submissions_.size()) submissions_[i].fetch_add(1, std::memory_order_relaxed);
  }

  void round_finished(const RoundReport& r) {
    std::lock_guard lock(mutex_);
    const auto s = static_cast<std::size_t>(r.status) - 1;
    if (s < rounds_.size()) ++rounds_[s];
    std::size_t b = 0;
    while (b < round_duration_buckets.size() && r.seconds > round_duration_buckets[b]) ++b;
    if (b < buckets_.size()) ++buckets_[b];
    ++duration_count_;
    duration_sum_ += r.seconds;
    if (!last_round_ || r.round >= *last_round_) {
      last_round_ = r.round;
      last_status_ = r.status;
      last_contributors_ = r.contributors;
    }
    rejected_ += r.rejected.size();
  }

  /// The counters kept here; the caller adds the ingest's, the store's size and the start time.
  [[nodiscard]] GatewaySnapshot snapshot() const {
    GatewaySnapshot s;
    for (std::size_t i = 0; i < submissions_.size(); ++i) s.submissions[i] = submissions_[i].load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    s.rounds = rounds_;
    s.duration_buckets = buckets_;
    s.duration_count = duration_count_;
    s.duration_sum = duration_sum_;
    s.last_round = last_round_;
    s.last_status = last_status_;
    s.last_contributors = last_contributors_;
    s.rejected_clients = rejected_;
    return s;
  }

 private:
  std::array<std::atomic<std::uint64_t>, ingest_code_count> submissions_{};
  mutable std::mutex mutex_;
  std::array<std::uint64_t, 3> rounds_{};
  std::array<std::uint64_t, round_duration_buckets.size()> buckets_{};
  std::uint64_t duration_count_ = 0;
  double duration_sum_ = 0;
  std::optional<std::uint32_t> last_round_;
  RoundStatus last_status_ = RoundStatus::failed;
  std::uint64_t last_contributors_ = 0;
  std::uint64_t rejected_ = 0;
};

/// The Prometheus text exposition of a snapshot (every line ends in '\n').
[[nodiscard]] inline std::string to_prometheus(const GatewaySnapshot& s) {
  const std::string gw = "gateway=\"" + std::to_string(s.gateway) + "\"";
  std::string out;
  const auto head = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP edgempc_gateway_") + name + " " + help + "\n# TYPE edgempc_gateway_" + name + " " + type + "\n";
  };
  const auto sample = [&](const std::string& name, const std::string& labels, const std::string& value) {
    out += "edgempc_gateway_" + name + "{" + gw + (labels.empty() ? "" : "," + labels) + "} " + value + "\n";
  };
  const auto u = [](std::uint64_t v) { return std::to_string(v); };
  const auto d = [](double v) { return shortest_number(v); };

  head("submissions_total", "counter", "Submissions answered by the intake, by answer code.");
  for (std::size_t i = 0; i < s.submissions.size(); ++i)
    sample("submissions_total", std::string("code=\"") + to_string(static_cast<IngestCode>(i)) + "\"", u(s.submissions[i]));
  head("rounds_total", "counter", "Rounds finished by this gateway, by status.");
  for (std::size_t i = 0; i < s.rounds.size(); ++i)
    sample("rounds_total", std::string("status=\"") + to_string(static_cast<RoundStatus>(i + 1)) + "\"", u(s.rounds[i]));
  head("round_duration_seconds", "histogram", "Time from a round's close to its end at this gateway.");
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < round_duration_buckets.size(); ++b) {
    cumulative += s.duration_buckets[b];
    sample("round_duration_seconds_bucket", "le=\"" + d(round_duration_buckets[b]) + "\"", u(cumulative));
  }
  sample("round_duration_seconds_bucket", "le=\"+Inf\"", u(s.duration_count));
  sample("round_duration_seconds_sum", "", d(s.duration_sum));
  sample("round_duration_seconds_count", "", u(s.duration_count));
  if (s.last_round) {
    head("last_round", "gauge", "The newest round finished here.");
    sample("last_round", "", u(*s.last_round));
    head("last_round_status", "gauge", "Its status: 1 published, 2 withheld, 3 failed.");
    sample("last_round_status", "", u(static_cast<std::uint64_t>(s.last_status)));
    head("contributors_last_round", "gauge", "Clients in the newest finished round's statistics.");
    sample("contributors_last_round", "", u(s.last_contributors));
  }
  head("rejected_clients_total", "counter", "Clients left out of a round as invalid (out of range, inconsistent, over quota).");
  sample("rejected_clients_total", "", u(s.rejected_clients));
  head("ingest_connections_total", "counter", "TCP ingest connections by outcome.");
  sample("ingest_connections_total", "outcome=\"accepted\"", u(s.ingest.accepted));
  sample("ingest_connections_total", "outcome=\"refused_limit\"", u(s.ingest.refused_total));
  sample("ingest_connections_total", "outcome=\"refused_address\"", u(s.ingest.refused_address));
  sample("ingest_connections_total", "outcome=\"timed_out\"", u(s.ingest.timed_out));
  sample("ingest_connections_total", "outcome=\"bad_framing\"", u(s.ingest.bad_framing));
  head("ingest_accept_errors_total", "counter", "accept() failures on the ingest port (EMFILE and the like).");
  sample("ingest_accept_errors_total", "", u(s.ingest.accept_errors));
  head("ingest_connections_open", "gauge", "TCP ingest connections open now.");
  sample("ingest_connections_open", "", u(s.ingest.open));
  if (s.mqtt) {
    head("mqtt_messages_total", "counter", "MQTT messages handled and acknowledged.");
    sample("mqtt_messages_total", "", u(s.mqtt->messages));
    head("mqtt_requests_total", "counter", "Requests in those messages.");
    sample("mqtt_requests_total", "", u(s.mqtt->requests));
    head("mqtt_malformed_total", "counter", "MQTT messages answered malformed as a whole.");
    sample("mqtt_malformed_total", "", u(s.mqtt->malformed));
    head("mqtt_outages_total", "counter", "Times the broker was lost or could not be reached.");
    sample("mqtt_outages_total", "", u(s.mqtt->outages));
  }
  head("store_bytes", "gauge", "Size of the share store's files on disk.");
  sample("store_bytes", "", u(s.store_bytes));
  head("start_time_seconds", "gauge", "When this gateway started, in Unix seconds.");
  sample("start_time_seconds", "", d(s.start_time));
  return out;
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
