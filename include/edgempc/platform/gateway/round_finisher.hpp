// SPDX-License-Identifier: Apache-2.0
// RoundFinisher: how one gateway finishes its rounds, after the round's close: the live set, the
// mesh, the retries and the outcome (platform/gateway/gateway.hpp runs it for each round). One
// attempt at the round itself is round_protocol.hpp's; which live gateways form the mesh is
// mesh_choice.hpp's; this header finds the live ones, connects, retries and records the end.
//
// finish(r) closes the gateway's intake for r (from then on its shares of r are fixed), then:
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
//     tears the mesh down and goes back to 1, after a pause that differs per gateway.
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
// reported (mark_reported) is handed over again after a restart (reload()). The reasons of a
// failed round: too few live gateways or no live recipient ("2 live gateways, 3 needed"), no
// quorum that links ("no 2 of the live gateways {0, 1, 2} link with each other ..."), this
// gateway left out of the mesh ("... (a broken link)"), or the last attempt's error, once
// finish_limit has passed; "stopped before the round finished" if stop() came first (nothing is
// recorded then: a restart finishes the round).
//
// The rule for each statistic when gateways drop out (Shamir t-of-n): count, sum, mean and
// variance are linear, so any t+1 live gateways finish them; min, max and alerts need the
// garbled circuit, which any t+1 live gateways also finish (two of them run it, the others
// re-share into them) as long as at least one recipient is live. With additive n-of-n sharing
// every gateway must be live.
//
// Durability and retention. The agreed contributor set is stored before anything is revealed
// and reused by every retry; the outcome is stored once (state_done), and a recipient's published
// report is marked once on_report has had it (state_reported). A store that fails to record an
// outcome or a mark is logged and the round still ends (the outcome then lives only in memory:
// a restart may finish the round again). Once a round is final, the shares of rounds older than
// the last `retain_rounds` final ones are deleted from the store (prune).
//
// Threats. The probes read peers' ingest ports, which anyone who can reach them may answer or
// impersonate: a false "finished" ends the round here with the outcome it names, a false mask
// only leaves gateways out, a silent or unreachable port makes the peer count as not live. None
// of that lets anyone into the mesh, whose links are authenticated end to end (link keys, then
// Noise KK), so it costs rounds, never a secret. Probe failures, out of descriptors included,
// count as an unreachable peer and never escape finish().
//
// Threads. finish() and mark_reported() run on the gateway's run() thread; answer() on the
// ingest port's, with the shared mutex held.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/net/secure.hpp"
#include "edgempc/net/tcp.hpp"
#include "edgempc/party.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/gateway/intake.hpp"
#include "edgempc/platform/gateway/mesh_choice.hpp"
#include "edgempc/platform/gateway/options.hpp"
#include "edgempc/platform/gateway/round_protocol.hpp"
#include "edgempc/platform/gateway/share_store.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/round_clock.hpp"
#include "edgempc/platform/round_report.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

namespace detail::gateway {

// Round-state status codes in the store.
inline constexpr std::uint32_t state_agreed = 10;  // data: the agreed client set
inline constexpr std::uint32_t state_done = 20;    // data: the RoundStatus byte, then encode_report(report)
inline constexpr std::uint32_t state_reported = 30;  // the same, once on_report has returned with it

}  // namespace detail::gateway

template <ShareStore Store>
class RoundFinisher {
 public:
  /// What the finisher needs of its gateway. Everything referenced must outlive the finisher.
  struct Parts {
    const GroupConfig& group;  // validated
    PartyId id;
    const KeyPair& keys;
    Store& store;
    Intake<Store>& intake;
    /// Guards store, intake and this finisher's round data; the gateway's ingest handler holds
    /// it while it calls answer().
    std::mutex& mutex;
    /// Read here: finish_limit, message_timeout, retain_rounds, broken_link_rounds, clock, at_step.
    const GatewayOptions& options;
    std::function<void(const std::string&)> log;
    /// Set by the gateway's stop(): finish() returns soon after.
    const std::atomic<bool>& stopping;
    /// Pauses for that much real time (a retry's backoff); false if stop() came first.
    std::function<bool(std::chrono::milliseconds)> pause;
  };

  explicit RoundFinisher(Parts parts)
      : group_(parts.group),
        id_(parts.id),
        keys_(parts.keys),
        store_(parts.store),
        intake_(parts.intake),
        mutex_(parts.mutex),
        options_(parts.options),
        log_(std::move(parts.log)),
        stopping_(parts.stopping),
        pause_(std::move(parts.pause)) {}
  RoundFinisher(const RoundFinisher&) = delete;
  RoundFinisher& operator=(const RoundFinisher&) = delete;

  /// The first round the gateway's clock saw: an earlier round it holds no data of is `absent`.
  void set_start_round(std::uint32_t r) noexcept { start_round_ = r; }

  // ---------------------------------------------------------------- restart (before any thread)

  /// Takes round r's state from the store. True if r is final here (its intake is closed and
  /// its shares need no reloading); a recipient's published round that on_report may not have had
  /// is appended to `unreported`.
  bool reload(std::uint32_t r, std::vector<RoundReport>& unreported) {
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
            unreported.push_back(std::move(stored));
          }
        } catch (const error& e) {
          log("round " + std::to_string(r) + ": its stored outcome does not parse (" + e.what() + ")");
        }
      }
      intake_.close(r);
      return true;
    }
    if (state && state->status == detail::gateway::state_agreed) {
      detail::round::Reader reader(state->data);
      data.agreed = detail::round::decode_set(reader);
    }
    return false;
  }

  // ---------------------------------------------------------------- peers' questions (mutex held)

  /// Answers a peer's question about a round, a frame of the ingest port (platform/ingest.hpp)
  /// of kind `status` (u32 round) or `links` (u32 round, u32 word): the round's phase here in
  /// `code`, and in `detail_out` the RoundStatus once it is finished here (status) or word 0 or 1
  /// of the peers this gateway failed to link with (links; mesh_choice.hpp). False for a
  /// malformed frame: its connection is dropped.
  bool answer(std::span<const std::uint8_t> frame, std::int64_t now, IngestCode& code, std::uint32_t& detail_out) const {
    const bool links = frame[0] == static_cast<std::uint8_t>(IngestKind::links);
    if (frame.size() != (links ? 9 : 5)) return false;
    const auto r = edgempc::detail::load_le<std::uint32_t>(frame.data() + 1);
    const auto word = links ? edgempc::detail::load_le<std::uint32_t>(frame.data() + 5) : 0;
    if (word > 1) return false;
    const RoundPhase phase = phase_of(r, now);
    code = static_cast<IngestCode>(phase);  // a RoundPhase in the code byte
    if (links) {
      detail_out = static_cast<std::uint32_t>(unreachable_for(r, phase) >> (32 * word));
    } else if (phase == RoundPhase::finished) {
      if (const auto it = rounds_.find(r); it != rounds_.end() && it->second.status)
        detail_out = static_cast<std::uint32_t>(*it->second.status);
    }
    return true;
  }

  // ---------------------------------------------------------------- the run() thread's

  /// The rounds before `start` (up to `last`) that the store held unfinished at the restart.
  [[nodiscard]] std::vector<std::uint32_t> unfinished_before(std::uint32_t start, std::uint32_t last) const {
    std::lock_guard lock(mutex_);
    std::vector<std::uint32_t> earlier;
    for (const auto& [r, data] : rounds_)
      if (r < start && r <= last && data.phase != RoundPhase::finished) earlier.push_back(r);
    return earlier;
  }

  /// Finishes round r (its close has passed): its report, recorded in the store unless stop()
  /// came first.
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
      if (!pause_(std::chrono::milliseconds(100 + 50 * id_ + 37 * (attempt % 5)))) {
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

  /// Records that on_report has had `report` (a recipient's published round), so that a restart
  /// does not hand it over again.
  void mark_reported(const RoundReport& report) {
    std::lock_guard lock(mutex_);
    if (report.round < intake_.pruned_below()) return;
    try {
      store_.set_round_state(report.round, detail::gateway::state_reported, outcome_bytes(report));
    } catch (const std::exception& e) {
      log("cannot record that round " + std::to_string(report.round) + " was reported: " + e.what());
    }
  }

 private:
  struct RoundData {
    RoundPhase phase = RoundPhase::collecting;
    std::optional<RoundStatus> status;  // once finished
    std::optional<ContributorSet> agreed;
    std::uint64_t unreachable = 0;  // peers this gateway failed to link with (bit = gateway id)
    std::uint64_t failed_once = 0;  // peers that failed to link once this round (a second time marks them)
  };

  [[nodiscard]] std::int64_t close_ms(std::uint32_t r) const noexcept {
    return RoundClock{group_.epoch_ms, group_.round_length.count()}.close_ms(r);
  }

  void log(const std::string& line) const { log_(line); }

  /// Round r's phase here at Unix time `now` (ms) (mutex held).
  [[nodiscard]] RoundPhase phase_of(std::uint32_t r, std::int64_t now) const {
    if (r < intake_.pruned_below()) return RoundPhase::absent;
    const auto it = rounds_.find(r);
    if (it != rounds_.end() && it->second.phase == RoundPhase::finished) return RoundPhase::finished;
    if (now < close_ms(r)) return RoundPhase::collecting;
    if (r < start_round_ && it == rounds_.end()) return RoundPhase::absent;
    return RoundPhase::finishing;
  }

  /// The peers this gateway failed to link with for round r (mutex held): the round's own marks
  /// once it is finishing here, else the links still left out from earlier rounds.
  [[nodiscard]] std::uint64_t unreachable_for(std::uint32_t r, RoundPhase phase) const {
    if (phase == RoundPhase::finished || phase == RoundPhase::absent) return 0;
    if (const auto it = rounds_.find(r); it != rounds_.end() && it->second.phase == RoundPhase::finishing)
      return it->second.unreachable;
    return broken_links_;
  }

  /// What the store keeps of an outcome: the RoundStatus byte, then encode_report(report).
  static std::vector<std::uint8_t> outcome_bytes(const RoundReport& report) {
    std::vector<std::uint8_t> state{static_cast<std::uint8_t>(report.status)};
    const auto bytes = encode_report(report);
    state.insert(state.end(), bytes.begin(), bytes.end());
    return state;
  }

  // ---------------------------------------------------------------- outcome and retention

  /// Makes `report` the round's durable outcome here (once; later calls keep the first).
  void record_outcome(std::uint32_t r, const RoundReport& report) {
    std::lock_guard lock(mutex_);
    auto& data = rounds_[r];
    if (data.phase == RoundPhase::finished) return;
    try {
      store_.set_round_state(r, detail::gateway::state_done, outcome_bytes(report));
    } catch (const std::exception& e) {
      log("cannot record the end of round " + std::to_string(r) + ": " + e.what());
    }
    data.phase = RoundPhase::finished;
    data.status = report.status;
    intake_.release(r);
    data.agreed.reset();
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

  // ---------------------------------------------------------------- live set

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
      if (!pause_(std::chrono::milliseconds(50))) break;
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

  // ---------------------------------------------------------------- mesh

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

  const GroupConfig& group_;
  PartyId id_;
  const KeyPair& keys_;
  Store& store_;
  Intake<Store>& intake_;
  std::mutex& mutex_;  // guards intake_, store_, rounds_, broken_links_, broken_since_
  const GatewayOptions& options_;
  std::function<void(const std::string&)> log_;
  const std::atomic<bool>& stopping_;
  std::function<bool(std::chrono::milliseconds)> pause_;
  std::uint32_t start_round_ = 0;

  std::map<std::uint32_t, RoundData> rounds_;
  std::uint64_t broken_links_ = 0;  // peers left out of meshes since broken_since_ (bit = id)
  std::uint32_t broken_since_ = 0;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
