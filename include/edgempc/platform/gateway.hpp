// SPDX-License-Identifier: Apache-2.0
// needs SQLite 3 (libsqlite3-dev): link edgempc::gateway (the gateway keeps its shares in
// platform/gateway/sqlite_store.hpp).
//
// Gateway: one gateway of a group, as a long-running object. It wires the parts: an ingest port
// (platform/gateway/tcp_ingest.hpp) whose frames it answers, the intake that checks, opens and
// stores the devices' submissions (platform/gateway/intake.hpp), a share store it acknowledges
// nothing before (platform/gateway/sqlite_store.hpp), the round clock (platform/round_clock.hpp),
// and at the end of each round the round protocol (platform/gateway/round_protocol.hpp) with the
// other live gateways it chooses (platform/gateway/mesh_choice.hpp), retried until it finishes
// or the finish limit passes. What stays here is the round's life cycle: live set, mesh, retry,
// outcome, retention.
//
// Rounds. Round r covers [epoch + r L, epoch + (r+1) L) (GroupConfig). A submission for r is
// accepted from one round early (for clock skew) until the gateway begins to finish r, which is
// at the close or later if the gateway is still busy with earlier rounds: a device slowed down by
// a busy machine still counts. From then on the gateway's data of r is fixed. Then:
//  1. Live set. The gateway asks every peer, on its ingest port, for its phase of round r. A
//     peer that answers "finishing" is live; one that is unreachable or "absent" is waited for
//     until peer_wait after the close, then left out. A peer that answers "finished" also says
//     how the round ended there (published, withheld or failed): this gateway, which was away
//     or slow, ends the round the same way, with the reason "finished by the other gateways".
//     Fewer live gateways than the quorum (t+1 for Shamir, n for additive), or no live
//     recipient: wait and probe again, until finish_limit; then the round failed.
//  2. Mesh. The live gateways connect to each other on their peer ports (TcpTransport with
//     authenticated hellos, ids renumbered 0..m-1 in the order of their gateway ids) under
//     SecureTransport (Noise KK with the configured keys). Then the round protocol; any failure
//     tears the mesh down and goes back to 1.
//  Broken links. A gateway that fails to link with a live peer remembers it for the round (its
//     "unreachable" mask, which peers read on its ingest port; a peer is marked when it failed
//     two attempts of the round), and every gateway then chooses
//     the same largest subset of the live ones without a broken link that still holds a quorum
//     and a recipient (platform/gateway/mesh_choice.hpp); a live gateway left out learns the
//     outcome from the others. So one broken or mis-keyed link fails no round the rest can
//     finish. A broken link stays left out of the next rounds' meshes too (no round pays for
//     it again) until GatewayOptions::broken_link_rounds rounds have passed; then it is tried
//     again. If no subset qualifies, the gateway forgets its marks and tries everyone again.
//
// Statuses. Every round at every gateway ends in exactly one of published, withheld (with the
// reason) or failed (with the reason). A recipient reports published once it has stored its
// result; any other gateway once every live recipient has acknowledged (round_protocol.hpp), so
// a round whose results reached no recipient is never reported published. A recipient that
// stored its result and died before its acks arrived reports the round published when it comes
// back (from its store); the others may have given up on it by then and report failed. A
// recipient's published report reaches on_report at least once: one stored but not yet marked
// reported (the process died between storing and reporting) is handed over again by run() after
// a restart, before any other round.
//
// The rule for each statistic when gateways drop out (Shamir t-of-n): count, sum, mean and
// variance are linear, so any t+1 live gateways finish them; min, max and alerts need the
// garbled circuit, which any t+1 live gateways also finish (two of them run it, the others
// re-share into them) as long as at least one recipient is live. With additive n-of-n sharing
// every gateway must be live.
//
// Crash safety: a share is acknowledged only after the store committed it (fsync); on restart
// the gateway reloads every share and round state from the store, rebuilds the replay state
// from it, and finishes the rounds it has not finished. Retention: once a round is final, the
// shares of rounds older than the last `retain_rounds` final ones are deleted from the store.
//
// Security model: semi-honest gateways, at most t of them colluding for Shamir (none for
// additive); channels between gateways authenticated and encrypted (Noise KK); devices' shares
// sealed end to end. What leaks: each gateway learns which clients contributed to each round
// and how many readings each sent (never a reading); the recipients learn what the policy
// reveals. The ingest port answers strangers only what needs no key: a device's history
// (replayed, duplicate, stale) is answered only to a submission that authenticated. Devices are
// trusted for the values they report (a reading outside its channel's range gives a wrong
// min/max, never a crash).
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
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/core/wire.hpp"
#include "edgempc/net/secure.hpp"
#include "edgempc/net/tcp.hpp"
#include "edgempc/party.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/gateway/intake.hpp"
#include "edgempc/platform/gateway/mesh_choice.hpp"
#include "edgempc/platform/gateway/round_protocol.hpp"
#include "edgempc/platform/gateway/sqlite_store.hpp"
#include "edgempc/platform/gateway/tcp_ingest.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/round_clock.hpp"
#include "edgempc/platform/round_report.hpp"
#include "edgempc/platform/submission.hpp"
#include "edgempc/platform/thread_pool.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

struct GatewayOptions {
  /// Where log lines go (one line each, no newline); default: stderr.
  std::function<void(const std::string&)> log;
  /// How long after a round's close the gateway keeps trying to finish it.
  std::chrono::milliseconds finish_limit{30000};
  /// How long one protocol message may take to arrive once the mesh is up.
  std::chrono::milliseconds message_timeout{20000};
  /// Worker threads that open a batch of submissions (besides the ingest thread); 0: none.
  std::size_t workers = ThreadPool::default_workers();
  /// Connection limits and timeouts of the ingest port (platform/gateway/tcp_ingest.hpp).
  IngestLimits ingest;
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

namespace detail::gateway {

// Round-state status codes in the store.
inline constexpr std::uint32_t state_agreed = 10;  // data: the agreed client set
inline constexpr std::uint32_t state_done = 20;    // data: the RoundStatus byte, then encode_report(report)
inline constexpr std::uint32_t state_reported = 30;  // the same, once on_report has returned with it

}  // namespace detail::gateway

class Gateway {
 public:
  /// Opens (or creates) the store, reloads what it holds, and starts listening for devices.
  Gateway(GroupConfig group, PartyId id, KeyPair keys, Enrolment enrolment, const std::filesystem::path& store_path,
          GatewayOptions options = {})
      : group_(std::move(group)),
        id_(id),
        keys_(std::move(keys)),
        store_(store_path, keys_),
        options_(std::move(options)),
        pool_(options_.workers),
        intake_(group_, id, keys_, std::move(enrolment), store_, pool_, [this](const std::string& line) { log(line); }) {
    group_.validate();
    if (id_ >= group_.gateways.size()) throw error(errc::invalid_argument, "Gateway: no gateway " + std::to_string(id_));
    if (group_.gateways[id_].public_key != keys_.public_key())
      throw error(errc::invalid_argument, "Gateway: the key does not match gateway " + std::to_string(id_) + "'s public key");
    if (!options_.log)
      options_.log = [id = id_](const std::string& line) { std::fprintf(stderr, "gateway %u: %s\n", id, line.c_str()); };
    const std::int64_t now = options_.clock.now_ms();
    start_round_ = static_cast<std::uint32_t>(std::max<std::int64_t>(0, round_clock().round_at(now)));
    intake_.set_start_round(start_round_);
    reload();
    const auto& me = group_.gateways[id_];
    ingest_.emplace(
        me.host, me.ingest_port,
        [this](const std::vector<std::span<const std::uint8_t>>& frames, std::vector<std::uint8_t>& out) {
          return handle(frames, out);
        },
        options_.ingest, options_.log);
  }

  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  ~Gateway() {
    stop();
    ingest_.reset();  // no request is handled while the members go
  }

  [[nodiscard]] PartyId id() const noexcept { return id_; }
  [[nodiscard]] std::uint16_t ingest_port() const { return ingest_->port(); }
  /// The ingest port's counters (connections served, refused, timed out; for monitoring).
  [[nodiscard]] IngestCounters ingest_counters() const { return ingest_->counters(); }
  /// The first round this gateway's clock saw (rounds before it are finished only if the store
  /// holds data of them).
  [[nodiscard]] std::uint32_t start_round() const noexcept { return start_round_; }

  /// Finishes rounds until `last_round` is finished (or stop()); calls `on_report` after each.
  /// last_round = UINT32_MAX runs until stop().
  void run(std::uint32_t last_round, const std::function<void(const RoundReport&)>& on_report) {
    const auto one = [&](std::uint32_t r) {
      if (!wait_until_ms(close_ms(r))) return false;
      const RoundReport report = finish(r);
      if (on_report) on_report(report);
      if (report.recipient && report.status == RoundStatus::published) mark_reported(report);
      return !stopping_;
    };
    for (const RoundReport& stored : std::exchange(unreported_, {})) {
      log("round " + std::to_string(stored.round) + " was published before this start: " + to_json(stored));
      if (on_report) on_report(stored);
      mark_reported(stored);
    }
    std::vector<std::uint32_t> earlier;  // unfinished rounds from before a restart
    {
      std::lock_guard lock(mutex_);
      for (const auto& [r, data] : rounds_)
        if (r < start_round_ && r <= last_round && data.phase != RoundPhase::finished) earlier.push_back(r);
    }
    for (const std::uint32_t r : earlier)
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
  struct RoundData {
    RoundPhase phase = RoundPhase::collecting;
    std::optional<RoundStatus> status;  // once finished
    std::optional<ContributorSet> agreed;
    std::uint64_t unreachable = 0;  // peers this gateway failed to link with (bit = gateway id)
    std::uint64_t failed_once = 0;  // peers that failed to link once this round (a second time marks them)
  };

  // ---------------------------------------------------------------- clock and waiting

  [[nodiscard]] RoundClock round_clock() const noexcept { return {group_.epoch_ms, group_.round_length.count()}; }
  [[nodiscard]] std::int64_t close_ms(std::uint32_t r) const noexcept { return round_clock().close_ms(r); }

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

  void log(const std::string& line) const { options_.log(line); }

  // ---------------------------------------------------------------- restart

  void reload() {
    for (const std::uint64_t r64 : store_.rounds()) {
      if (r64 > std::numeric_limits<std::uint32_t>::max()) continue;
      const auto r = static_cast<std::uint32_t>(r64);
      RoundData& data = rounds_[r];
      const auto state = store_.round_state(r);
      if (state && (state->status == detail::gateway::state_done || state->status == detail::gateway::state_reported)) {
        data.phase = RoundPhase::finished;
        const std::uint8_t s = state->data.empty() ? 0 : state->data[0];
        data.status = s >= 1 && s <= 3 ? static_cast<RoundStatus>(s) : RoundStatus::failed;
        if (state->status == detail::gateway::state_done && data.status == RoundStatus::published) {
          // Published here (stored) but perhaps never handed to on_report: the process died in
          // between. run() hands it over first, so that no stored result is lost to the user.
          try {
            RoundReport stored = decode_report(std::span<const std::uint8_t>(state->data).subspan(1));
            if (stored.recipient) {
              stored.reason = "stored before a restart, reported after it (it may have been reported before)";
              unreported_.push_back(std::move(stored));
            }
          } catch (const error& e) {
            log("round " + std::to_string(r) + ": its stored outcome does not parse (" + e.what() + ")");
          }
        }
        intake_.close(r);
        continue;
      }
      if (state && state->status == detail::gateway::state_agreed) {
        detail::round::Reader reader(state->data);
        data.agreed = detail::round::decode_set(reader);
      }
      for (auto& s : store_.shares_for_round(r)) {
        if (s.share.size() % 8 != 0) throw error(errc::malformed_message, "Gateway: a stored share of a bad size");
        const auto client = static_cast<ClientId>(s.client);
        intake_.restore(r, client, static_cast<std::uint32_t>(s.seq), wire::decode<Mersenne61>(s.share, s.share.size() / 8));
      }
    }
    std::size_t shares = 0;
    for (const auto& [r, d] : rounds_) shares += intake_.held_count(r);
    if (!rounds_.empty())
      log("reloaded " + std::to_string(shares) + " shares of " + std::to_string(rounds_.size()) + " rounds from the store");
  }

  // ---------------------------------------------------------------- intake

  [[nodiscard]] RoundPhase phase_of(std::uint32_t r, std::int64_t now) const {
    if (r < intake_.pruned_below()) return RoundPhase::absent;
    const auto it = rounds_.find(r);
    if (it != rounds_.end() && it->second.phase == RoundPhase::finished) return RoundPhase::finished;
    if (now < close_ms(r)) return RoundPhase::collecting;
    if (r < start_round_ && it == rounds_.end()) return RoundPhase::absent;
    return RoundPhase::finishing;
  }

  /// Answers every frame (appending one reply each to `out`); false to drop the connection.
  /// Submissions go to the intake (platform/gateway/intake.hpp: the checks, the MAC before any
  /// answer that depends on a device's history, one store transaction per batch before any
  /// answer). A status request is answered with the round's phase and, once the round is
  /// finished here, its RoundStatus in the detail field; a links request with the peers this
  /// gateway failed to link with (mesh_choice.hpp).
  bool handle(const std::vector<std::span<const std::uint8_t>>& frames, std::vector<std::uint8_t>& out) {
    std::lock_guard lock(mutex_);
    const std::int64_t now = options_.clock.now_ms();
    std::vector<IngestCode> codes(frames.size(), IngestCode::malformed);
    std::vector<std::uint32_t> details(frames.size(), 0);
    std::vector<std::span<const std::uint8_t>> submissions;
    std::vector<std::size_t> reply_of;  // submission -> frame
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto f = frames[i];
      if (f[0] == static_cast<std::uint8_t>(IngestKind::status)) {
        if (f.size() != 5) return false;
        const auto r = edgempc::detail::load_le<std::uint32_t>(f.data() + 1);
        const RoundPhase phase = phase_of(r, now);
        codes[i] = static_cast<IngestCode>(phase);  // a RoundPhase in the code byte
        if (phase == RoundPhase::finished)
          if (const auto it = rounds_.find(r); it != rounds_.end() && it->second.status)
            details[i] = static_cast<std::uint32_t>(*it->second.status);
        continue;
      }
      if (f[0] == static_cast<std::uint8_t>(IngestKind::links)) {
        if (f.size() != 9) return false;
        const auto r = edgempc::detail::load_le<std::uint32_t>(f.data() + 1);
        const auto word = edgempc::detail::load_le<std::uint32_t>(f.data() + 5);
        if (word > 1) return false;
        const RoundPhase phase = phase_of(r, now);
        codes[i] = static_cast<IngestCode>(phase);
        details[i] = static_cast<std::uint32_t>(unreachable_for(r, phase) >> (32 * word));
        continue;
      }
      if (f[0] != static_cast<std::uint8_t>(IngestKind::submit)) return false;
      submissions.push_back(f.subspan(1));
      reply_of.push_back(i);
    }
    if (!submissions.empty()) {
      const auto answers = intake_.submit(submissions, now);
      for (std::size_t j = 0; j < answers.size(); ++j) codes[reply_of[j]] = answers[j];
    }
    return reply(frames, codes, details, out);
  }

  /// The peers this gateway failed to link with for round r (mutex_ held): the round's own
  /// marks once it is finishing here, else the links still left out from earlier rounds.
  [[nodiscard]] std::uint64_t unreachable_for(std::uint32_t r, RoundPhase phase) const {
    if (phase == RoundPhase::finished || phase == RoundPhase::absent) return 0;
    if (const auto it = rounds_.find(r); it != rounds_.end() && it->second.phase == RoundPhase::finishing)
      return it->second.unreachable;
    return broken_links_;
  }

  static bool reply(const std::vector<std::span<const std::uint8_t>>& frames, const std::vector<IngestCode>& codes,
                    const std::vector<std::uint32_t>& details, std::vector<std::uint8_t>& out) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto r = detail::encode_reply(static_cast<IngestKind>(frames[i][0]), static_cast<std::uint8_t>(codes[i]),
                                          details[i]);
      out.insert(out.end(), r.begin(), r.end());
    }
    return true;
  }

  // ---------------------------------------------------------------- finishing a round

  RoundReport finish(std::uint32_t r) {
    using clock = std::chrono::steady_clock;
    const auto started = clock::now();
    const std::int64_t give_up = close_ms(r) + options_.finish_limit.count();
    {
      std::lock_guard lock(mutex_);
      auto& data = rounds_[r];
      if (data.phase == RoundPhase::finished) {
        RoundReport done;
        done.round = r;
        done.status = data.status.value_or(RoundStatus::failed);
        done.reason = "finished before this gateway started";
        return done;
      }
      data.phase = RoundPhase::finishing;
      intake_.close(r);  // no submission for r is accepted from here on: its shares are fixed
      if (broken_links_ != 0 && r >= broken_since_ && r - broken_since_ >= std::max<std::uint32_t>(1, options_.broken_link_rounds)) {
        log("round " + std::to_string(r) + ": trying again the links to " + gateway_list(broken_links_) +
            ", left out since round " + std::to_string(broken_since_));
        broken_links_ = 0;
      }
      data.unreachable = broken_links_;
    }
    RoundReport report;
    report.round = r;
    std::string last_problem = "no attempt";
    bool stopped = false;
    for (unsigned attempt = 0;; ++attempt) {
      if (stopping_) {
        stopped = true;
        break;
      }
      std::optional<RoundStatus> elsewhere;
      std::vector<std::uint64_t> masks;
      const std::vector<PartyId> live = probe(r, elsewhere, masks);
      if (elsewhere) {
        report.status = *elsewhere;
        report.reason = "finished by the other gateways without this one";
        break;
      }
      const bool recipient_live = std::any_of(live.begin(), live.end(), [&](PartyId p) { return group_.policy.is_recipient(p); });
      if (live.size() >= group_.quorum() && recipient_live) {
        const auto mesh = choose(r, live, masks);
        if (!mesh) {
          last_problem = "no " + std::to_string(group_.quorum()) + " of the live gateways " + gateway_list(mask_of(live)) +
                         " link with each other and include a recipient";
          forget_broken_links(r);  // perhaps they were only slow: try everyone again
        } else if (!std::binary_search(mesh->begin(), mesh->end(), id_)) {
          // Left out over a broken link: the chosen ones finish the round, and the next probe
          // learns how it ended.
          last_problem = "left out of the mesh of " + gateway_list(mask_of(*mesh)) + " (a broken link)";
          if (attempt == 0) log("round " + std::to_string(r) + ": " + last_problem);
        } else {
          std::optional<RoundReport> stored;  // set once this gateway stored its result
          try {
            report = run_mesh(r, *mesh, stored);
            break;
          } catch (const std::exception& e) {
            if (stored) {  // a recipient that has its result: a peer failing after that changes nothing
              report = *stored;
              break;
            }
            last_problem = e.what();
            log("round " + std::to_string(r) + ", attempt " + std::to_string(attempt + 1) + " with gateways " +
                gateway_list(mask_of(*mesh)) + ": " + last_problem);
          }
        }
      } else {
        last_problem = std::to_string(live.size()) + " live gateways, " + std::to_string(group_.quorum()) + " needed" +
                       (recipient_live ? "" : ", and no recipient is live");
      }
      if (options_.clock.now_ms() > give_up) {
        report.status = RoundStatus::failed;
        report.reason = last_problem;
        break;
      }
      // Back off a little, differently per gateway, so that retries do not collide forever.
      if (!pause(std::chrono::milliseconds(100 + 50 * id_ + 37 * (attempt % 5)))) {
        stopped = true;
        break;
      }
    }
    report.round = r;
    report.seconds = std::chrono::duration<double>(clock::now() - started).count();
    if (stopped) {  // the round stays open here: a restart finishes it
      report.status = RoundStatus::failed;
      report.reason = "stopped before the round finished (a restart finishes it)";
      return report;
    }
    record_outcome(r, report);
    prune();
    return report;
  }

  /// Makes `report` the round's durable outcome here (once; later calls keep the first).
  void record_outcome(std::uint32_t r, const RoundReport& report) {
    std::lock_guard lock(mutex_);
    auto& data = rounds_[r];
    if (data.phase == RoundPhase::finished) return;
    std::vector<std::uint8_t> state{static_cast<std::uint8_t>(report.status)};
    const auto bytes = encode_report(report);
    state.insert(state.end(), bytes.begin(), bytes.end());
    try {
      store_.set_round_state(r, detail::gateway::state_done, state);
    } catch (const std::exception& e) {
      log("cannot record the end of round " + std::to_string(r) + ": " + e.what());
    }
    data.phase = RoundPhase::finished;
    data.status = report.status;
    intake_.release(r);
    data.agreed.reset();
  }

  /// Records that on_report has had `report` (a recipient's published round), so that a restart
  /// does not hand it over again.
  void mark_reported(const RoundReport& report) {
    std::lock_guard lock(mutex_);
    if (report.round < intake_.pruned_below()) return;
    std::vector<std::uint8_t> state{static_cast<std::uint8_t>(report.status)};
    const auto bytes = encode_report(report);
    state.insert(state.end(), bytes.begin(), bytes.end());
    try {
      store_.set_round_state(report.round, detail::gateway::state_reported, state);
    } catch (const std::exception& e) {
      log("cannot record that round " + std::to_string(report.round) + " was reported: " + e.what());
    }
  }

  /// Deletes from the store every round older than the newest retain_rounds final ones, if all
  /// rounds below it are final.
  void prune() {
    if (options_.retain_rounds == 0) return;
    std::lock_guard lock(mutex_);
    std::vector<std::uint32_t> final_rounds;
    std::optional<std::uint32_t> first_open;
    for (const auto& [r, data] : rounds_) {
      if (data.phase == RoundPhase::finished) {
        if (!first_open) final_rounds.push_back(r);
      } else if (!first_open) {
        first_open = r;
      }
    }
    if (final_rounds.size() <= options_.retain_rounds) return;
    const std::uint32_t keep_from = final_rounds[final_rounds.size() - options_.retain_rounds];
    try {
      (void)store_.prune(keep_from);
    } catch (const std::exception& e) {
      log(std::string("cannot prune the store: ") + e.what());
      return;
    }
    rounds_.erase(rounds_.begin(), rounds_.lower_bound(keep_from));
    // Rounds below the first kept one are gone from memory and store: a submission for one is
    // refused as closed, and a peer asking about one hears `absent` (this gateway no longer
    // takes part in it), never `finishing`.
    intake_.prune_below(keep_from);
  }

  /// Who is live for round r (sorted, this gateway included). Sets `elsewhere` to the outcome if
  /// a peer has finished the round already, and masks[p] to what each live peer p says it cannot
  /// link with (asked on the same connection; 0 if it cannot be asked).
  std::vector<PartyId> probe(std::uint32_t r, std::optional<RoundStatus>& elsewhere, std::vector<std::uint64_t>& masks) {
    const std::size_t n = group_.gateways.size();
    std::vector<int> state(n, -1);  // -1 unknown, else a RoundPhase
    state[id_] = static_cast<int>(RoundPhase::finishing);
    const std::int64_t wait_until = close_ms(r) + group_.peer_wait.count();
    masks.assign(n, 0);
    for (;;) {
      bool unknown = false;
      for (PartyId p = 0; p < n; ++p) {
        if (state[p] != -1 && state[p] != static_cast<int>(RoundPhase::collecting)) continue;
        try {
          IngestClient c(group_.gateways[p].host, group_.gateways[p].ingest_port, std::chrono::milliseconds(1000));
          const auto answer = c.round_state(r);
          state[p] = static_cast<int>(answer.phase);
          if (answer.phase == RoundPhase::finished) elsewhere = answer.outcome.value_or(RoundStatus::failed);
          if (answer.phase == RoundPhase::finishing) {
            try {
              masks[p] = c.unreachable(r);
            } catch (const std::exception&) {  // a peer that cannot say names nobody
            }
          }
        } catch (const std::exception&) {  // also out of descriptors (a system_error)
          state[p] = -1;
        }
        unknown = unknown || state[p] == -1 || state[p] == static_cast<int>(RoundPhase::collecting);
      }
      if (elsewhere || !unknown || options_.clock.now_ms() >= wait_until || stopping_) break;
      if (!pause(std::chrono::milliseconds(50))) break;
    }
    std::vector<PartyId> live;
    for (PartyId p = 0; p < n; ++p)
      if (state[p] == static_cast<int>(RoundPhase::finishing)) live.push_back(p);
    return live;
  }

  // ---------------------------------------------------------------- broken links

  static std::uint64_t mask_of(const std::vector<PartyId>& ids) {
    std::uint64_t m = 0;
    for (const PartyId p : ids) m |= std::uint64_t{1} << p;
    return m;
  }

  static std::string gateway_list(std::uint64_t mask) {
    std::string out = "{";
    for (PartyId p = 0; p < 64; ++p)
      if (mask >> p & 1) out += (out.size() > 1 ? ", " : "") + std::to_string(p);
    return out + "}";
  }

  /// The gateways that finish round r (mesh_choice.hpp), from the live set and the unreachable
  /// masks probe() read (this gateway's own from its round data).
  std::optional<std::vector<PartyId>> choose(std::uint32_t r, const std::vector<PartyId>& live,
                                             const std::vector<std::uint64_t>& masks) {
    std::vector<MeshCandidate> candidates;
    for (const PartyId p : live) {
      MeshCandidate c{p, group_.policy.is_recipient(p), masks[p]};
      if (p == id_) {
        std::lock_guard lock(mutex_);
        c.unreachable = rounds_[r].unreachable;
      }
      candidates.push_back(c);
    }
    return choose_mesh(candidates, group_.quorum());
  }

  /// Marks the links to `peers` broken for round r and the next broken_link_rounds rounds, once
  /// they have failed twice in this round: a peer still busy with an earlier round on a loaded
  /// machine fails one attempt, and leaving it out for many rounds would cost more than a retry.
  void mark_broken(std::uint32_t r, const std::vector<PartyId>& peers) {
    if (peers.empty()) return;
    std::lock_guard lock(mutex_);
    RoundData& data = rounds_[r];
    const std::uint64_t failed = mask_of(peers);
    const std::uint64_t m = failed & data.failed_once;
    data.failed_once |= failed;
    if (m == 0) return;
    data.unreachable |= m;
    if ((broken_links_ | m) != broken_links_) {
      if (broken_links_ == 0) broken_since_ = r;
      broken_links_ |= m;
      log("round " + std::to_string(r) + ": no link to gateways " + gateway_list(m) +
          "; left out of the meshes of this and the next rounds");
    }
  }

  void forget_broken_links(std::uint32_t r) {
    std::lock_guard lock(mutex_);
    if (rounds_[r].unreachable == 0 && broken_links_ == 0) return;
    rounds_[r].unreachable = 0;
    rounds_[r].failed_once = 0;
    broken_links_ = 0;
  }

  RoundReport run_mesh(std::uint32_t r, const std::vector<PartyId>& live, std::optional<RoundReport>& stored) {
    const std::size_t m = live.size();
    const auto me = static_cast<PartyId>(std::find(live.begin(), live.end(), id_) - live.begin());
    std::vector<TcpEndpoint> endpoints;
    std::vector<PublicKey> keys;
    for (const PartyId p : live) {
      endpoints.push_back({group_.gateways[p].host, group_.gateways[p].peer_port});
      keys.push_back(group_.gateways[p].public_key);
    }
    // Authenticated hellos: a stranger on the peer port cannot take a live gateway's place.
    std::vector<TcpLinkKey> link_keys(m);
    for (PartyId p = 0; p < m; ++p)
      if (p != me) link_keys[p] = link_key(keys_, keys[p]);
    TcpTransport tcp({.id = me,
                      .parties = m,
                      .listen_host = group_.gateways[id_].host,
                      .listen_port = group_.gateways[id_].peer_port,
                      .connect_timeout = std::chrono::milliseconds(3000),
                      .link_keys = std::move(link_keys)});
    try {
      tcp.connect(endpoints);
    } catch (const error&) {
      // Every chosen gateway answered "finishing" a moment ago: the ones this gateway could not
      // link with are down, slow or on a broken link. Either way, leave them out and go on.
      std::vector<PartyId> missing;
      for (const PartyId j : tcp.unconnected_peers()) missing.push_back(live[j]);
      mark_broken(r, missing);
      throw;
    }
    SecureTransport secure(tcp, keys_, keys);
    secure.handshake(std::chrono::milliseconds(3000));
    Party party(secure, options_.message_timeout);

    RoundInput in;
    in.round = r;
    in.live = live;
    in.self = id_;
    {
      std::lock_guard lock(mutex_);
      in.held = &intake_.held(r);  // fixed while finishing: the intake refuses round r now
      in.agreed = rounds_[r].agreed;
    }
    RoundHooks hooks;
    hooks.store_agreed = [&](const ContributorSet& set) {
      std::lock_guard lock(mutex_);
      auto& data = rounds_[r];
      if (data.agreed) return;  // stored by an earlier attempt (the protocol checked it is this one)
      std::vector<std::uint8_t> bytes;
      detail::round::encode_set(bytes, set);
      store_.set_round_state(r, detail::gateway::state_agreed, bytes);  // durable before any reveal
      data.agreed = set;
    };
    hooks.store_outcome = [&](const RoundReport& report) {
      RoundReport done = report;
      done.round = r;
      record_outcome(r, done);
      stored = done;
    };
    if (options_.at_step) hooks.at = [&](RoundStep s) { options_.at_step(r, s); };
    Prg prg;
    return run_round_protocol(party, group_, in, hooks, prg);
  }

  GroupConfig group_;
  PartyId id_;
  KeyPair keys_;
  SqliteStore store_;
  GatewayOptions options_;
  ThreadPool pool_;  // opens batches of submissions (intake_)
  Intake<SqliteStore> intake_;
  std::uint32_t start_round_ = 0;
  std::uint64_t broken_links_ = 0;  // peers left out of meshes since broken_since_ (bit = id)
  std::uint32_t broken_since_ = 0;

  mutable std::mutex mutex_;  // guards intake_, store_, rounds_, broken_links_, broken_since_
  std::map<std::uint32_t, RoundData> rounds_;
  std::vector<RoundReport> unreported_;  // published here before a restart, not yet on_report'd

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};

  std::optional<TcpIngest> ingest_;  // last: constructed after reload(), destroyed first
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
