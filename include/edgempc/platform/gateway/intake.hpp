// SPDX-License-Identifier: Apache-2.0
// Intake: what a gateway does with the submissions devices send it. Submissions in, one
// IngestCode each out; the shares it accepted, per round, for the round's finish. No sockets (the
// ingest port, tcp_ingest.hpp, or any other transport hands it the request bodies) and no clock
// (the caller passes the time), so it is tested, and fuzzed, in one process over any ShareStore.
//
// Order of the checks, and why. First what any sender may learn (framing, the round's phase, the
// shape, whether the id is enrolled); then the MAC (GatewayOpener::open_batch, decryption spread
// over a ThreadPool); and only for an authentic submission what depends on the device's history
// (`replayed`, `duplicate`, `stale`): someone without the device's key learns nothing about
// which devices reported. Every accepted submission of a batch is stored in one transaction
// (ShareStore::put_shares) before any answer goes out: `accepted` means durable. If the store
// fails, the batch is answered `unavailable` and the replay state of its clients is reset, so a
// device that retries is not refused as a replay of what was never stored.
//
// Rounds. A round's submissions are taken from one round early (for clock skew) until the caller
// close()s it, which the gateway does when it begins to finish the round, not at its close: a
// device slowed down by a busy machine still counts. From then on the round's shares are fixed.
// Rounds before `start_round` (the first the gateway's clock saw) are taken only while open, and
// rounds below prune_below() never again.
//
// Threat. A device may send anything: every field is checked before use, and a submission never
// makes the intake hold more than one entry per (client, round). Not thread-safe: the gateway
// serialises calls under its mutex.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/core/wire.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/gateway/share_store.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/reading_layout.hpp"
#include "edgempc/platform/round_clock.hpp"
#include "edgempc/platform/submission.hpp"
#include "edgempc/platform/thread_pool.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

template <ShareStore Store>
class Intake {
 public:
  using Shares = std::map<ClientId, std::vector<Mersenne61>>;

  /// `keys` and `store` and `pool` must outlive the intake; it keeps the enrolment.
  Intake(const GroupConfig& group, PartyId id, const KeyPair& keys, Enrolment enrolment, Store& store, ThreadPool& pool,
         std::function<void(const std::string&)> log = {})
      : rounds_clock_{group.epoch_ms, group.round_length.count()},
        elements_per_reading_(ReadingLayout(group).row_elements()),
        enrolment_(std::move(enrolment)),
        opener_(keys, id, enrolment_),
        store_(store),
        pool_(pool),
        log_(std::move(log)) {}
  Intake(const Intake&) = delete;
  Intake& operator=(const Intake&) = delete;

  /// The first round the gateway's clock saw: earlier rounds are not taken after their close.
  void set_start_round(std::uint32_t r) noexcept { start_round_ = r; }

  /// Takes back a share the store held before a restart (its client's replay state with it).
  void restore(std::uint32_t round, ClientId client, std::uint32_t seq, std::vector<Mersenne61> share) {
    if (enrolment_.is_enrolled(client) && enrolment_.is_fresh(client, round, seq)) enrolment_.accept(client, round, seq);
    auto& r = rounds_[round];
    r.shares[client] = std::move(share);
    r.seq[client] = seq;
  }

  /// Answers `submissions` (sealed submissions, without the request's kind byte) at Unix time
  /// `now_ms`: one code each, in order. Accepted ones are stored before this returns.
  std::vector<IngestCode> submit(std::span<const std::span<const std::uint8_t>> submissions, std::int64_t now_ms) {
    std::vector<IngestCode> codes(submissions.size(), IngestCode::malformed);
    std::vector<std::span<const std::uint8_t>> candidates;
    std::vector<std::size_t> reply_of;  // candidate -> submission
    for (std::size_t i = 0; i < submissions.size(); ++i) {
      if (const auto refused = screen(submissions[i], now_ms)) {
        codes[i] = *refused;
        continue;
      }
      candidates.push_back(submissions[i]);
      reply_of.push_back(i);
    }
    if (candidates.empty()) return codes;
    auto opened = opener_.open_batch<Mersenne61>(candidates, pool_);
    // In message order: an authentic submission of a client this round already holds (stored
    // before, or earlier in this batch) is a replay (same seq) or a duplicate (another seq).
    pending_.clear();
    std::vector<std::vector<std::uint8_t>> bytes(opened.size());
    std::vector<char> store_it(opened.size(), 0);
    std::vector<ShareRef> refs;
    for (std::size_t j = 0; j < opened.size(); ++j) {
      auto& o = opened[j];
      IngestCode& code = codes[reply_of[j]];
      if (o.failure && *o.failure != errc::protocol_violation) {
        const errc e = *o.failure;
        code = e == errc::not_enrolled ? IngestCode::not_enrolled
               : e == errc::authentication_failed ? IngestCode::forged
                                                  : IngestCode::malformed;
        continue;
      }
      // Authentic from here on (open_batch checks freshness only after the MAC).
      std::optional<std::uint32_t> prior;
      if (const auto it = rounds_.find(o.header.round); it != rounds_.end())
        if (const auto c = it->second.seq.find(o.header.client); c != it->second.seq.end()) prior = c->second;
      if (const auto it = pending_.find(key(o.header.client, o.header.round)); !prior && it != pending_.end())
        prior = it->second;
      if (prior || o.failure) {
        code = prior ? (*prior == o.header.seq ? IngestCode::replayed : IngestCode::duplicate) : IngestCode::stale;
        secure_wipe(o.shares.data(), o.shares.size() * sizeof(Mersenne61));
        continue;
      }
      pending_.emplace(key(o.header.client, o.header.round), o.header.seq);
      bytes[j] = wire::encode<Mersenne61>(o.shares);
      refs.push_back({o.header.client, o.header.round, o.header.seq, bytes[j]});
      store_it[j] = 1;
    }
    bool stored = true;
    try {
      if (!refs.empty()) (void)store_.put_shares(refs);
    } catch (const std::exception& e) {
      stored = false;
      if (log_) log_(std::string("cannot store a batch of submissions: ") + e.what());
    }
    for (std::size_t j = 0; j < opened.size(); ++j) {
      if (!store_it[j]) continue;
      auto& o = opened[j];
      if (!stored) {
        codes[reply_of[j]] = IngestCode::unavailable;
        enrolment_.reset_replay(o.header.client);
        secure_wipe(o.shares.data(), o.shares.size() * sizeof(Mersenne61));
        continue;
      }
      codes[reply_of[j]] = IngestCode::accepted;
      auto& data = rounds_[o.header.round];
      data.shares[o.header.client] = std::move(o.shares);
      data.seq[o.header.client] = o.header.seq;
    }
    for (auto& b : bytes) secure_wipe(b.data(), b.size());
    return codes;
  }

  /// No submission for `round` is taken from now on; its shares are fixed.
  void close(std::uint32_t round) { rounds_[round].closed = true; }
  [[nodiscard]] bool closed(std::uint32_t round) const {
    const auto it = rounds_.find(round);
    return it != rounds_.end() && it->second.closed;
  }

  /// The shares held for `round` (client -> its elements); stays valid until release() or
  /// prune_below() of that round, and fixed once the round is closed.
  [[nodiscard]] const Shares& held(std::uint32_t round) {
    return rounds_[round].shares;
  }
  [[nodiscard]] std::size_t held_count(std::uint32_t round) const {
    const auto it = rounds_.find(round);
    return it == rounds_.end() ? 0 : it->second.shares.size();
  }
  /// Rounds that hold at least one share.
  [[nodiscard]] std::size_t rounds_held() const {
    std::size_t n = 0;
    for (const auto& [r, d] : rounds_) n += !d.shares.empty();
    return n;
  }

  /// Wipes and drops the shares of a round that is final (the store keeps them for retention).
  void release(std::uint32_t round) {
    auto& d = rounds_[round];
    d.closed = true;
    for (auto& [client, e] : d.shares) secure_wipe(e.data(), e.size() * sizeof(Mersenne61));
    d.shares.clear();
  }

  /// Forgets every round below `round` for good: their submissions are answered round_closed,
  /// and the replay state for them is dropped.
  void prune_below(std::uint32_t round) {
    for (auto it = rounds_.begin(); it != rounds_.end() && it->first < round;) {
      for (auto& [client, e] : it->second.shares) secure_wipe(e.data(), e.size() * sizeof(Mersenne61));
      it = rounds_.erase(it);
    }
    if (round > pruned_below_) pruned_below_ = round;
    enrolment_.close_rounds_before(round);
  }
  [[nodiscard]] std::uint32_t pruned_below() const noexcept { return pruned_below_; }

  [[nodiscard]] const Enrolment& enrolment() const noexcept { return enrolment_; }

 private:
  struct Round {
    bool closed = false;
    Shares shares;
    std::map<ClientId, std::uint32_t> seq;
  };

  static std::uint64_t key(ClientId client, std::uint32_t round) noexcept { return (std::uint64_t{round} << 32) | client; }

  /// The checks that need no cryptography and reveal nothing of any device's history: a code if
  /// the submission is refused, nullopt if it goes on to be opened with the batch.
  std::optional<IngestCode> screen(std::span<const std::uint8_t> message, std::int64_t now) const {
    SubmissionHeader h;
    try {
      h = peek_submission<Mersenne61>(message);
    } catch (const error&) {
      return IngestCode::malformed;
    }
    if (closed(h.round) || h.round < pruned_below_) return IngestCode::round_closed;
    if (now >= rounds_clock_.close_ms(h.round) && h.round < start_round_) return IngestCode::round_closed;
    if (static_cast<std::int64_t>(h.round) > rounds_clock_.round_at(now) + 1) return IngestCode::round_not_open;
    if (h.count % elements_per_reading_ != 0) return IngestCode::bad_shape;
    if (!enrolment_.is_enrolled(h.client)) return IngestCode::not_enrolled;
    return std::nullopt;
  }

  RoundClock rounds_clock_;
  std::size_t elements_per_reading_;
  Enrolment enrolment_;
  GatewayOpener opener_;
  Store& store_;
  ThreadPool& pool_;
  std::function<void(const std::string&)> log_;
  std::uint32_t start_round_ = 0;
  std::uint32_t pruned_below_ = 0;
  std::map<std::uint32_t, Round> rounds_;
  std::unordered_map<std::uint64_t, std::uint32_t> pending_;  // (round, client) -> seq, within a batch
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
