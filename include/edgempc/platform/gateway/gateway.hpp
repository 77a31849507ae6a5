// SPDX-License-Identifier: Apache-2.0
// needs SQLite 3 (libsqlite3-dev): link edgempc::gateway (the gateway keeps its shares in
// platform/gateway/sqlite_store.hpp).
//
// Gateway: one gateway of a group, as a long-running object. It wires the parts: an ingest port
// (tcp_ingest.hpp) whose frames it answers, and, if asked, an MQTT ingest (mqtt_ingest.hpp)
// answered by the same handler, the intake that checks, opens and stores the devices'
// submissions (intake.hpp), a share store it acknowledges nothing before (sqlite_store.hpp), the
// round clock (platform/round_clock.hpp), and the round finisher (round_finisher.hpp: live set,
// mesh, retry, outcome, retention), which it runs at the end of each round. What stays here is
// construction, the reload at a restart, the ingest handler, the run loop and stop().
//
// Rounds. Round r covers [epoch + r L, epoch + (r+1) L) (GroupConfig). A submission for r is
// accepted from one round early (for clock skew) until the gateway begins to finish r, at the
// close or later if it is still busy with earlier rounds (a device slowed down by a busy machine
// still counts); then the finisher ends r in exactly one of published, withheld or failed.
//
// Crash safety: a share is acknowledged only after the store committed it (fsync); on restart
// the gateway reloads every share and round state from the store, rebuilds the replay state
// from it, and finishes the rounds it has not finished. A recipient's published round that
// on_report may not have had is handed over again by run(), before any other round.
//
// Failures. The constructor throws errc::invalid_argument for a gateway id the group lacks or a
// key that is not its own, whatever the store throws on opening (a wrong key, a damaged file), and
// errc::malformed_message for a stored share of a bad size; the ingest port throws if it cannot
// listen. run() returns; a round that cannot finish is reported failed, not thrown.
//
// Security model: semi-honest gateways, at most t of them colluding for Shamir (none for
// additive); channels between gateways authenticated and encrypted (Noise KK); devices' shares
// sealed end to end. What leaks: each gateway learns which clients contributed to each round
// and how many readings each sent (never a reading); the recipients learn what the policy
// reveals. The ingest port answers strangers only what needs no key: a device's history
// (replayed, duplicate, stale) is answered only to a submission that authenticated. Devices are
// untrusted (policy.validation required, Shamir): round_protocol.hpp leaves out and names every
// device over its quota, with inconsistent shares, a wrong square or a reading out of range;
// a valid device can still report any in-range value of its own.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/wire.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/gateway/intake.hpp"
#include "edgempc/platform/gateway/metrics.hpp"
#include "edgempc/platform/gateway/options.hpp"
#include "edgempc/platform/gateway/round_finisher.hpp"
#include "edgempc/platform/gateway/sqlite_store.hpp"
#include "edgempc/platform/gateway/tcp_ingest.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/round_clock.hpp"
#include "edgempc/platform/round_report.hpp"
#include "edgempc/platform/thread_pool.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

class Gateway {
 public:
  /// Opens (or creates) the store, reloads what it holds, and starts listening for devices.
  Gateway(GroupConfig group, PartyId id, KeyPair keys, Enrolment enrolment, const std::filesystem::path& store_path,
          GatewayOptions options = {})
      : group_(std::move(group)),
        id_(id),
        keys_(std::move(keys)),
        store_(store_path, keys_),
        options_(with_logger(std::move(options), id)),
        store_path_(store_path),
        pool_(options_.workers),
        intake_(group_, id, keys_, std::move(enrolment), store_, pool_, part_log("intake")),
        finisher_({.group = group_,
                   .id = id_,
                   .keys = keys_,
                   .store = store_,
                   .intake = intake_,
                   .mutex = mutex_,
                   .options = options_,
                   .log = part_log("round"),
                   .stopping = stopping_,
                   .pause = [this](std::chrono::milliseconds d) { return pause(d); }}) {
    group_.validate();
    if (id_ >= group_.gateways.size()) throw error(errc::invalid_argument, "Gateway: no gateway " + std::to_string(id_));
    if (group_.gateways[id_].public_key != keys_.public_key())
      throw error(errc::invalid_argument, "Gateway: the key does not match gateway " + std::to_string(id_) + "'s public key");
    const std::int64_t now = options_.clock.now_ms();
    start_round_ = static_cast<std::uint32_t>(std::max<std::int64_t>(0, round_clock().round_at(now)));
    intake_.set_start_round(start_round_);
    finisher_.set_start_round(start_round_);
    reload();
    const auto& me = group_.gateways[id_];
    ingest_.emplace(
        me.host, me.ingest_port,
        [this](const std::vector<std::span<const std::uint8_t>>& frames, std::vector<std::uint8_t>& out) {
          return handle(frames, out);
        },
        options_.ingest, part_log("ingest"));
    if (options_.mqtt)
      mqtt_.emplace(
          id_, *options_.mqtt,
          [this](const std::vector<std::span<const std::uint8_t>>& frames, std::vector<std::uint8_t>& out) {
            return handle(frames, out);
          },
          part_log("mqtt"));
    start_time_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  }

  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  ~Gateway() {
    stop();
    mqtt_.reset();    // no request is handled while the members go
    ingest_.reset();
  }

  [[nodiscard]] PartyId id() const noexcept { return id_; }
  [[nodiscard]] std::uint16_t ingest_port() const { return ingest_->port(); }
  /// The ingest port's counters (connections served, refused, timed out; for monitoring).
  [[nodiscard]] IngestCounters ingest_counters() const { return ingest_->counters(); }
  /// The MQTT ingest's counters, if the gateway takes submissions through a broker.
  [[nodiscard]] std::optional<MqttIngestCounters> mqtt_counters() const {
    return mqtt_ ? std::optional<MqttIngestCounters>(mqtt_->counters()) : std::nullopt;
  }
  /// What it counts for its operators (metrics.hpp; metrics_server.hpp serves it). Thread-safe.
  [[nodiscard]] GatewaySnapshot metrics() const {
    GatewaySnapshot s = metrics_.snapshot();
    s.gateway = id_;
    s.ingest = ingest_->counters();
    if (mqtt_) s.mqtt = mqtt_->counters();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::error_code ec;
      const auto size = std::filesystem::file_size(store_path_.string() + suffix, ec);
      if (!ec) s.store_bytes += size;
    }
    s.start_time = start_time_;
    return s;
  }
  /// Blocks until the MQTT ingest is subscribed (true at once without one); false after `timeout`.
  bool wait_mqtt_subscribed(std::chrono::milliseconds timeout) { return !mqtt_ || mqtt_->wait_subscribed(timeout); }
  /// The first round this gateway's clock saw (rounds before it are finished only if the store
  /// holds data of them).
  [[nodiscard]] std::uint32_t start_round() const noexcept { return start_round_; }

  /// Finishes rounds until `last_round` is finished (or stop()); calls `on_report` after each.
  /// last_round = UINT32_MAX runs until stop().
  void run(std::uint32_t last_round, const std::function<void(const RoundReport&)>& on_report) {
    const auto one = [&](std::uint32_t r) {
      if (!wait_until_ms(round_clock().close_ms(r))) return false;
      const RoundReport report = finisher_.finish(r);
      round_done(report);
      if (on_report) on_report(report);
      if (report.recipient && report.status == RoundStatus::published) finisher_.mark_reported(report);
      return !stopping_;
    };
    for (const RoundReport& stored : std::exchange(unreported_, {})) {
      options_.logger->info("round_reported_late", {{"round", stored.round}}, "published before this start; reported now");
      if (on_report) on_report(stored);
      finisher_.mark_reported(stored);
    }
    // Unfinished rounds from before a restart first.
    for (const std::uint32_t r : finisher_.unfinished_before(start_round_, last_round))
      if (!one(r)) return;
    for (std::uint32_t r = start_round_; r <= last_round; ++r) {
      if (!one(r) || r == std::numeric_limits<std::uint32_t>::max()) return;
    }
  }

  /// Asks run() to return soon (within about 100 ms, or after the protocol step under way
  /// times out). Thread-safe; not async-signal-safe (programs watch signals on a thread).
  void stop() noexcept {
    {
      std::lock_guard lock(stop_mutex_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
  }

  /// Shares held for `round` (for tests and monitoring).
  [[nodiscard]] std::size_t held(std::uint32_t round) const {
    std::lock_guard lock(mutex_);
    return intake_.held_count(round);
  }

 private:
  [[nodiscard]] RoundClock round_clock() const noexcept { return {group_.epoch_ms, group_.round_length.count()}; }

  /// Waits until the round clock reads `ms`; false if stop() came first (seen within 100 ms).
  bool wait_until_ms(std::int64_t ms) {
    while (!stopping_) {
      if (options_.clock.now_ms() >= ms) return true;
      options_.clock.wait_until(ms, std::chrono::milliseconds(100));
    }
    return false;
  }

  /// Pauses for `d` of real time (a retry's backoff, not round time); false if stop() came first.
  bool pause(std::chrono::milliseconds d) {
    std::unique_lock lock(stop_mutex_);
    return !stop_cv_.wait_for(lock, d, [&] { return stopping_.load(); });
  }

  static GatewayOptions with_logger(GatewayOptions o, PartyId id) {
    if (!o.logger) {
      Logger::Options lo;
      lo.source = "gateway " + std::to_string(id);
      o.logger.emplace(Logger::file_sink(stderr), std::move(lo));
    }
    return o;
  }

  /// Where a part's free-text lines go: GatewayOptions::log if set, else the logger as a warning
  /// of `event` (what the parts report is trouble: a lost broker, a retried round, a store error).
  [[nodiscard]] std::function<void(const std::string&)> part_log(std::string event) const {
    if (options_.log) return options_.log;
    return options_.logger->lines(LogLevel::warn, std::move(event));
  }

  /// A round ended here: count it, and log one record with what operators ask first (status,
  /// contributors, who was left out and why, submissions refused since the last round, ingest
  /// connections refused, duration).
  void round_done(const RoundReport& r) {
    metrics_.round_finished(r);
    const GatewaySnapshot now = metrics();
    std::string live, rejected, refused;
    for (const PartyId g : r.live) live += (live.empty() ? "" : ",") + std::to_string(g);
    std::map<std::string, std::size_t> why;
    for (const auto& c : r.rejected) ++why[to_string(c.reason)];
    for (const auto& [reason, n] : why) rejected += (rejected.empty() ? "" : ",") + reason + ":" + std::to_string(n);
    std::uint64_t accepted = 0;
    for (std::size_t i = 0; i < now.submissions.size(); ++i) {
      const std::uint64_t d = now.submissions[i] - last_logged_.submissions[i];
      const auto code = static_cast<IngestCode>(i);
      if (code == IngestCode::accepted || code == IngestCode::replayed) accepted += d;
      else if (d != 0) refused += (refused.empty() ? "" : ",") + std::string(to_string(code)) + ":" + std::to_string(d);
    }
    const auto level = r.status == RoundStatus::published ? LogLevel::info : LogLevel::warn;
    options_.logger->write(level, "round",
                          {{"round", r.round}, {"status", to_string(r.status)}, {"contributors", r.contributors},
                           {"live", live}, {"rejected", rejected.empty() ? "none" : rejected},
                           {"submissions_held", accepted}, {"submissions_refused", refused.empty() ? "none" : refused},
                           {"seconds", r.seconds}},
                          r.reason);
    const std::uint64_t limit = now.ingest.refused_total - last_logged_.ingest.refused_total;
    const std::uint64_t address = now.ingest.refused_address - last_logged_.ingest.refused_address;
    const std::uint64_t slow = now.ingest.timed_out - last_logged_.ingest.timed_out;
    const std::uint64_t framing = now.ingest.bad_framing - last_logged_.ingest.bad_framing;
    // One record per round at most, however many connections were refused.
    if (limit + address + slow + framing != 0)
      options_.logger->warn("ingest_refused", {{"round", r.round}, {"over_limit", limit}, {"over_address_limit", address},
                                              {"timed_out", slow}, {"bad_framing", framing}},
                           "connections closed by the ingest limits since the last round");
    last_logged_ = now;
  }

  /// At a restart: each round's state (the finisher's) and, for a round not final yet, its shares.
  void reload() {
    const auto log = [this](const std::string& line) { options_.logger->info("reload", {}, line); };
    std::size_t rounds = 0;
    std::size_t shares = 0;
    for (const std::uint64_t r64 : store_.rounds()) {
      if (r64 > std::numeric_limits<std::uint32_t>::max()) continue;
      const auto r = static_cast<std::uint32_t>(r64);
      ++rounds;
      if (finisher_.reload(r, unreported_)) continue;
      for (auto& s : store_.shares_for_round(r)) {
        if (s.share.size() % 8 != 0) throw error(errc::malformed_message, "Gateway: a stored share of a bad size");
        const auto client = static_cast<ClientId>(s.client);
        intake_.restore(r, client, static_cast<std::uint32_t>(s.seq), wire::decode<Mersenne61>(s.share, s.share.size() / 8));
      }
      shares += intake_.held_count(r);
    }
    if (rounds != 0)
      log("reloaded " + std::to_string(shares) + " shares of " + std::to_string(rounds) + " rounds from the store");
  }

  /// Answers every frame (appending one reply each to `out`); false to drop the connection.
  /// Submissions go to the intake (intake.hpp: the checks, the MAC before any answer that
  /// depends on a device's history, one store transaction per batch before any answer); a
  /// peer's status and links requests to the finisher (RoundFinisher::answer).
  bool handle(const std::vector<std::span<const std::uint8_t>>& frames, std::vector<std::uint8_t>& out) {
    std::lock_guard lock(mutex_);
    const std::int64_t now = options_.clock.now_ms();
    std::vector<IngestCode> codes(frames.size(), IngestCode::malformed);
    std::vector<std::uint32_t> details(frames.size(), 0);
    std::vector<std::span<const std::uint8_t>> submissions;
    std::vector<std::size_t> reply_of;  // submission -> frame
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto f = frames[i];
      if (f[0] == static_cast<std::uint8_t>(IngestKind::status) || f[0] == static_cast<std::uint8_t>(IngestKind::links)) {
        if (!finisher_.answer(f, now, codes[i], details[i])) return false;
        continue;
      }
      if (f[0] != static_cast<std::uint8_t>(IngestKind::submit)) return false;
      submissions.push_back(f.subspan(1));
      reply_of.push_back(i);
    }
    if (!submissions.empty()) {
      const auto answers = intake_.submit(submissions, now);
      for (std::size_t j = 0; j < answers.size(); ++j) {
        codes[reply_of[j]] = answers[j];
        metrics_.count(answers[j]);
      }
    }
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto reply = detail::encode_reply(static_cast<IngestKind>(frames[i][0]), static_cast<std::uint8_t>(codes[i]),
                                              details[i]);
      out.insert(out.end(), reply.begin(), reply.end());
    }
    return true;
  }

  GroupConfig group_;
  PartyId id_;
  KeyPair keys_;
  SqliteStore store_;
  GatewayOptions options_;
  std::filesystem::path store_path_;
  GatewayMetrics metrics_;
  GatewaySnapshot last_logged_;  // run()'s: what the previous round record counted from
  double start_time_ = 0;
  ThreadPool pool_;  // opens batches of submissions (intake_)
  Intake<SqliteStore> intake_;
  mutable std::mutex mutex_;  // guards intake_, store_ and finisher_'s round data
  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  RoundFinisher<SqliteStore> finisher_;
  std::uint32_t start_round_ = 0;
  std::vector<RoundReport> unreported_;  // published here before a restart, not yet on_report'd

  std::optional<TcpIngest> ingest_;  // last: constructed after reload(), destroyed first
  std::optional<MqttIngest> mqtt_;   // likewise
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
