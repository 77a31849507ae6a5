// SPDX-License-Identifier: Apache-2.0
// needs SQLite 3 (libsqlite3-dev): link edgempc::store (the gateway keeps its shares in
// platform/store.hpp).
//
// Gateway: one gateway of a group, as a long-running object. It listens for devices' sealed
// submissions on its ingest port (platform/ingest.hpp), stores every accepted share durably
// before it acknowledges it, and at the end of each round finishes the round with the other
// live gateways and reports the result.
//
// Rounds. Round r covers [epoch + r L, epoch + (r+1) L) (GroupConfig). A submission for r is
// accepted from one round early (for clock skew) until the gateway begins to finish r, which is
// at the close or later if the gateway is still busy with earlier rounds: a device slowed down by
// a busy machine still counts. From then on the gateway's data of r is fixed. Then:
//  1. Live set. The gateway asks every peer, on its ingest port, for its phase of round r. A
//     peer that answers "finishing" is live; one that is unreachable or "absent" is waited for
//     until peer_wait after the close, then left out; one that answers "finished" finished the
//     round without this gateway, which then reports the round as finished elsewhere. Fewer
//     live gateways than the quorum (t+1 for Shamir, n for additive): wait and probe again,
//     until finish_limit; then the round failed.
//  2. Mesh. The live gateways connect to each other on their peer ports (TcpTransport, ids
//     renumbered 0..m-1 in the order of their gateway ids) under SecureTransport (Noise KK with
//     the configured keys), and check that they all agree on (round, live set); any
//     disagreement or failure tears the mesh down and goes back to 1.
//  3. Contributors. Each sends the others the clients it holds (with how many readings each);
//     the agreed set is their intersection, so a client whose submission reached only some
//     gateways is left out everywhere. Every gateway stores the agreed set durably before it
//     reveals anything: a retry (after a crash or a lost peer) reuses the stored set, so the
//     recipients can never see sums over two different sets of one round (whose difference
//     would expose a client). Below policy.min_clients the round is withheld.
//  4. Linear statistics. Each live gateway sums, per channel, its shares of x and of x^2 over
//     the agreed set and sends the two sums to the live recipients only; they reconstruct
//     (Shamir: from every live gateway, checking the extra shares; additive: all n) and get
//     count, mean and variance (population variance sum x^2/N - mean^2).
//  5. Minimum, maximum and alerts, if the policy reveals them: a garbled circuit between two
//     live gateways A (the first live recipient, garbler) and B (evaluator), on additive shares
//     of every reading (gc/field_stats.hpp). A set Q of quorum live gateways containing A and B
//     turns its shares into additive ones (Lagrange coefficients at 0 for Shamir); each member
//     of Q other than A and B splits its share at random between A and B. The circuit reveals
//     the three results to A (and to B if B is a recipient); A sends them to the other live
//     recipients.
//
// The rule for each statistic when gateways drop out (Shamir t-of-n): count, sum, mean and
// variance are linear, so any t+1 live gateways finish them; min, max and alerts need the
// garbled circuit, which any t+1 live gateways also finish (two of them run it, the others
// re-share into them) as long as at least one recipient is live. With additive n-of-n sharing
// every gateway must be live. A round that cannot reach its quorum within finish_limit fails
// and publishes nothing.
//
// Crash safety: a share is acknowledged only after ShareStore committed it (fsync); on
// restart the gateway reloads every share and round state from the store, rebuilds the replay
// state from it, and finishes the rounds it has not finished.
//
// Security model: semi-honest gateways, at most t of them colluding for Shamir (none for
// additive); channels between gateways authenticated and encrypted (Noise KK); devices'
// shares sealed end to end. What leaks: each gateway learns which clients contributed to each
// round and how many readings each sent (never a reading); the recipients learn what the policy
// reveals; A and B learn the garbled circuit's results only if they are recipients. Devices
// are trusted for the values they report (a device can always lie about its own reading; a
// reading outside its channel's range gives a wrong min/max, never a crash).
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
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/core/wire.hpp"
#include "edgempc/gc/field_stats.hpp"
#include "edgempc/net/secure.hpp"
#include "edgempc/net/tcp.hpp"
#include "edgempc/party.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/round_report.hpp"
#include "edgempc/platform/store.hpp"
#include "edgempc/platform/submission.hpp"
#include "edgempc/platform/thread_pool.hpp"
#include "edgempc/sharing/shamir.hpp"

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
};

namespace detail::gateway {

// Round-state status codes in the store.
inline constexpr std::uint32_t state_agreed = 10;  // data: the agreed client set
inline constexpr std::uint32_t state_done = 20;    // data: the RoundStatus byte

inline std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  const std::size_t at = out.size();
  out.resize(at + 4);
  edgempc::detail::store_le<std::uint32_t>(out.data() + at, v);
}

/// Reads u32s from a message with bounds checks: errc::malformed_message past the end.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  std::uint32_t u32() {
    if (b_.size() - at_ < 4) throw error(errc::malformed_message, "gateway: a truncated round message");
    const auto v = edgempc::detail::load_le<std::uint32_t>(b_.data() + at_);
    at_ += 4;
    return v;
  }
  [[nodiscard]] std::size_t left() const noexcept { return b_.size() - at_; }
  void done() const {
    if (at_ != b_.size()) throw error(errc::malformed_message, "gateway: trailing bytes in a round message");
  }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t at_ = 0;
};

inline std::vector<std::uint8_t> encode_set(const std::vector<std::pair<ClientId, std::uint32_t>>& set) {
  std::vector<std::uint8_t> out;
  put_u32(out, static_cast<std::uint32_t>(set.size()));
  for (const auto& [id, k] : set) put_u32(out, id), put_u32(out, k);
  return out;
}

inline std::vector<std::pair<ClientId, std::uint32_t>> decode_set(Reader& r) {
  const std::uint32_t n = r.u32();
  if (n > r.left() / 8) throw error(errc::malformed_message, "gateway: a client list longer than its message");
  std::vector<std::pair<ClientId, std::uint32_t>> out(n);
  for (auto& [id, k] : out) id = r.u32(), k = r.u32();
  for (std::size_t i = 1; i < out.size(); ++i)
    if (!(out[i - 1].first < out[i].first)) throw error(errc::malformed_message, "gateway: a client list not sorted");
  return out;
}

/// Bits w such that every encoded reading of the channel lies in [-2^(w-1), 2^(w-1)).
inline std::uint32_t value_bits(const ChannelConfig& c) {
  const double bound = std::ceil(std::ldexp(std::max(std::fabs(c.min), std::fabs(c.max)), static_cast<int>(c.frac_bits)));
  return static_cast<std::uint32_t>(std::bit_width(static_cast<std::uint64_t>(bound))) + 1;
}

}  // namespace detail::gateway

class Gateway {
 public:
  /// Opens (or creates) the store, reloads what it holds, and starts listening for devices.
  Gateway(GroupConfig group, PartyId id, KeyPair keys, Enrolment enrolment, const std::filesystem::path& store_path,
          GatewayOptions options = {})
      : group_(std::move(group)),
        id_(id),
        keys_(std::move(keys)),
        enrolment_(std::move(enrolment)),
        opener_(keys_, id, enrolment_),
        store_(store_path, keys_),
        options_(std::move(options)),
        pool_(options_.workers),
        acceptor_(io_) {
    group_.validate();
    if (id_ >= group_.gateways.size()) throw error(errc::invalid_argument, "Gateway: no gateway " + std::to_string(id_));
    if (group_.gateways[id_].public_key != keys_.public_key())
      throw error(errc::invalid_argument, "Gateway: the key does not match gateway " + std::to_string(id_) + "'s public key");
    if (!options_.log)
      options_.log = [id = id_](const std::string& line) { std::fprintf(stderr, "gateway %u: %s\n", id, line.c_str()); };
    const std::int64_t now = detail::gateway::unix_ms();
    start_round_ = now < group_.epoch_ms ? 0 : static_cast<std::uint32_t>((now - group_.epoch_ms) / group_.round_length.count());
    reload();
    listen();
    io_thread_ = std::thread([this] { io_.run(); });
  }

  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  ~Gateway() {
    stop();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
  }

  [[nodiscard]] PartyId id() const noexcept { return id_; }
  [[nodiscard]] std::uint16_t ingest_port() const { return acceptor_.local_endpoint().port(); }
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
      return !stopping_;
    };
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
    const auto it = rounds_.find(round);
    return it == rounds_.end() ? 0 : it->second.held.size();
  }

 private:
  struct Held {
    std::uint32_t seq = 0;
    std::vector<Mersenne61> elements;
  };
  struct RoundData {
    RoundPhase phase = RoundPhase::collecting;
    std::map<ClientId, Held> held;
    std::optional<std::vector<std::pair<ClientId, std::uint32_t>>> agreed;
  };


  // ---------------------------------------------------------------- clock and waiting

  [[nodiscard]] std::int64_t close_ms(std::uint32_t r) const noexcept {
    return group_.epoch_ms + (static_cast<std::int64_t>(r) + 1) * group_.round_length.count();
  }

  /// Sleeps until the Unix time `ms`; false if stop() came first.
  bool wait_until_ms(std::int64_t ms) {
    std::unique_lock lock(stop_mutex_);
    while (!stopping_) {
      const std::int64_t now = detail::gateway::unix_ms();
      if (now >= ms) return true;
      stop_cv_.wait_for(lock, std::chrono::milliseconds(std::min<std::int64_t>(ms - now, 100)));
    }
    return false;
  }

  void log(const std::string& line) const { options_.log(line); }

  // ---------------------------------------------------------------- restart

  void reload() {
    for (const std::uint64_t r64 : store_.rounds()) {
      if (r64 > std::numeric_limits<std::uint32_t>::max()) continue;
      const auto r = static_cast<std::uint32_t>(r64);
      RoundData& data = rounds_[r];
      const auto state = store_.round_state(r);
      if (state && state->status == detail::gateway::state_done) {
        data.phase = RoundPhase::finished;
        continue;
      }
      if (state && state->status == detail::gateway::state_agreed) {
        detail::gateway::Reader reader(state->data);
        data.agreed = detail::gateway::decode_set(reader);
      }
      for (auto& s : store_.shares_for_round(r)) {
        if (s.share.size() % 8 != 0) throw error(errc::malformed_message, "Gateway: a stored share of a bad size");
        Held h{static_cast<std::uint32_t>(s.seq), wire::decode<Mersenne61>(s.share, s.share.size() / 8)};
        const auto client = static_cast<ClientId>(s.client);
        if (enrolment_.is_enrolled(client) && enrolment_.is_fresh(client, r, h.seq)) enrolment_.accept(client, r, h.seq);
        data.held[client] = std::move(h);
      }
    }
    std::size_t shares = 0;
    for (const auto& [r, d] : rounds_) shares += d.held.size();
    if (!rounds_.empty())
      log("reloaded " + std::to_string(shares) + " shares of " + std::to_string(rounds_.size()) + " rounds from the store");
  }

  // ---------------------------------------------------------------- ingest

  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(Gateway& g, boost::asio::ip::tcp::socket s) : g_(g), socket_(std::move(s)), in_(buffer_size) {}
    void start() { read(); }

   private:
    static constexpr std::size_t buffer_size = 4 + max_request_size + (std::size_t{1} << 16);

    void read() {
      socket_.async_read_some(boost::asio::buffer(in_.data() + used_, in_.size() - used_),
                              [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                if (ec) return;
                                self->used_ += n;
                                self->process();
                              });
    }

    void process() {
      std::vector<std::span<const std::uint8_t>> frames;
      std::size_t at = 0;
      while (used_ - at >= 4) {
        const std::uint32_t length = edgempc::detail::load_le<std::uint32_t>(in_.data() + at);
        if (length == 0 || length > max_request_size) return close();  // cannot be framed: drop
        if (used_ - at - 4 < length) break;
        frames.emplace_back(in_.data() + at + 4, length);
        at += 4 + length;
      }
      if (frames.empty()) return read();
      out_.clear();
      if (!g_.handle(frames, out_)) return close();
      std::copy(in_.begin() + static_cast<std::ptrdiff_t>(at), in_.begin() + static_cast<std::ptrdiff_t>(used_), in_.begin());
      used_ -= at;
      boost::asio::async_write(socket_, boost::asio::buffer(out_),
                               [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                                 if (!ec) self->process_or_read();
                               });
    }

    // Frames that arrived behind the ones just answered are handled before reading more.
    void process_or_read() {
      if (used_ >= 4) return process();
      read();
    }

    void close() {
      boost::system::error_code ignored;
      socket_.close(ignored);
    }

    Gateway& g_;
    boost::asio::ip::tcp::socket socket_;
    std::vector<std::uint8_t> in_;
    std::size_t used_ = 0;
    std::vector<std::uint8_t> out_;
  };

  void listen() {
    const auto& me = group_.gateways[id_];
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(me.host, ec);
    if (ec) throw error(errc::invalid_argument, "Gateway: host '" + me.host + "' is not an address");
    const boost::asio::ip::tcp::endpoint where(address, me.ingest_port);
    acceptor_.open(where.protocol(), ec);
    if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(where, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw error(errc::invalid_argument, "Gateway: cannot listen on " + me.host + ":" + std::to_string(me.ingest_port) +
                                              ": " + ec.message());
    accept();
  }

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
      if (ec == boost::asio::error::operation_aborted) return;
      if (!ec) {
        boost::system::error_code ignored;
        socket.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
        std::make_shared<Session>(*this, std::move(socket))->start();
      }
      accept();
    });
  }

  [[nodiscard]] RoundPhase phase_of(std::uint32_t r, std::int64_t now) const {
    const auto it = rounds_.find(r);
    if (it != rounds_.end() && it->second.phase == RoundPhase::finished) return RoundPhase::finished;
    if (now < close_ms(r)) return RoundPhase::collecting;
    if (r < start_round_ && it == rounds_.end()) return RoundPhase::absent;
    return RoundPhase::finishing;
  }

  /// Answers every frame (appending one reply each to `out`); false to drop the connection.
  /// The submissions that pass the cheap checks are opened together (GatewayOpener::open_batch,
  /// decryption spread over the pool), and every accepted one is stored in one transaction
  /// before any answer goes out.
  bool handle(const std::vector<std::span<const std::uint8_t>>& frames, std::vector<std::uint8_t>& out) {
    std::lock_guard lock(mutex_);
    const std::int64_t now = detail::gateway::unix_ms();
    std::vector<IngestCode> codes(frames.size(), IngestCode::malformed);
    std::vector<std::span<const std::uint8_t>> candidates;
    std::vector<std::size_t> reply_of;  // candidate -> frame
    pending_index_.clear();
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto f = frames[i];
      if (f[0] == static_cast<std::uint8_t>(IngestKind::status)) {
        if (f.size() != 5) return false;
        const auto r = edgempc::detail::load_le<std::uint32_t>(f.data() + 1);
        codes[i] = static_cast<IngestCode>(phase_of(r, now));  // a RoundPhase in the code byte
        continue;
      }
      if (f[0] != static_cast<std::uint8_t>(IngestKind::submit)) return false;
      if (const auto refused = screen(f.subspan(1), now)) {
        codes[i] = *refused;
        continue;
      }
      candidates.push_back(f.subspan(1));
      reply_of.push_back(i);
    }
    if (candidates.empty()) return reply(frames, codes, out);
    auto opened = opener_.open_batch<Mersenne61>(candidates, pool_);
    std::vector<std::vector<std::uint8_t>> bytes(opened.size());
    std::vector<ShareRef> refs;
    for (std::size_t j = 0; j < opened.size(); ++j) {
      auto& o = opened[j];
      if (o.failure) {
        const errc e = *o.failure;
        codes[reply_of[j]] = e == errc::not_enrolled            ? IngestCode::not_enrolled
                             : e == errc::protocol_violation    ? IngestCode::stale
                             : e == errc::authentication_failed ? IngestCode::forged
                                                                : IngestCode::malformed;
        continue;
      }
      bytes[j] = wire::encode<Mersenne61>(o.shares);
      refs.push_back({o.header.client, o.header.round, o.header.seq, bytes[j]});
    }
    bool stored = true;
    try {
      (void)store_.put_shares(refs);
    } catch (const std::exception& e) {
      stored = false;
      log(std::string("cannot store a batch of submissions: ") + e.what());
    }
    for (std::size_t j = 0; j < opened.size(); ++j) {
      auto& o = opened[j];
      if (o.failure) continue;
      if (!stored) {
        codes[reply_of[j]] = IngestCode::unavailable;
        enrolment_.reset_replay(o.header.client);
        continue;
      }
      codes[reply_of[j]] = IngestCode::accepted;
      rounds_[o.header.round].held[o.header.client] = Held{o.header.seq, std::move(o.shares)};
    }
    return reply(frames, codes, out);
  }

  static bool reply(const std::vector<std::span<const std::uint8_t>>& frames, const std::vector<IngestCode>& codes,
                    std::vector<std::uint8_t>& out) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto r = detail::encode_reply(static_cast<IngestKind>(frames[i][0]), static_cast<std::uint8_t>(codes[i]));
      out.insert(out.end(), r.begin(), r.end());
    }
    return true;
  }

  /// The checks that need no cryptography: a code if the submission is refused, nullopt if it
  /// goes on to be opened with the batch.
  std::optional<IngestCode> screen(std::span<const std::uint8_t> message, std::int64_t now) {
    SubmissionHeader h;
    try {
      h = peek_submission<Mersenne61>(message);
    } catch (const error&) {
      return IngestCode::malformed;
    }
    // Accepted until this gateway begins to finish the round (not merely until its close), so
    // that a submission delayed by a busy machine still counts; the contributor lists are read
    // after that point, under this mutex, so a late submission is either in this gateway's list
    // or refused. Rounds before this gateway's start are never collected late.
    if (const auto it = rounds_.find(h.round); it != rounds_.end() && it->second.phase != RoundPhase::collecting)
      return IngestCode::round_closed;
    if (now >= close_ms(h.round) && h.round < start_round_) return IngestCode::round_closed;
    const std::int64_t current = now < group_.epoch_ms ? -1 : (now - group_.epoch_ms) / group_.round_length.count();
    if (static_cast<std::int64_t>(h.round) > current + 1) return IngestCode::round_not_open;
    if (h.count % (2 * group_.channels.size()) != 0) return IngestCode::bad_shape;
    if (!enrolment_.is_enrolled(h.client)) return IngestCode::not_enrolled;
    std::optional<std::uint32_t> prior;
    if (const auto it = rounds_.find(h.round); it != rounds_.end())
      if (const auto c = it->second.held.find(h.client); c != it->second.held.end()) prior = c->second.seq;
    if (const auto it = pending_index_.find(pending_key(h.client, h.round)); !prior && it != pending_index_.end())
      prior = static_cast<std::uint32_t>(it->second);
    if (prior) return *prior == h.seq ? IngestCode::replayed : IngestCode::duplicate;
    pending_index_.emplace(pending_key(h.client, h.round), h.seq);
    return std::nullopt;
  }

  // ---------------------------------------------------------------- finishing a round

  RoundReport finish(std::uint32_t r) {
    using clock = std::chrono::steady_clock;
    const auto started = clock::now();
    const std::int64_t closed_at = close_ms(r);
    const std::int64_t give_up = closed_at + options_.finish_limit.count();
    {
      std::lock_guard lock(mutex_);
      auto& data = rounds_[r];
      if (data.phase == RoundPhase::finished) {
        RoundReport done;
        done.round = r;
        done.status = RoundStatus::finished_elsewhere;
        return done;
      }
      data.phase = RoundPhase::finishing;
    }
    RoundReport report;
    report.round = r;
    std::string last_problem = "no attempt";
    for (unsigned attempt = 0;; ++attempt) {
      if (stopping_) {
        report.reason = "stopped";
        break;
      }
      bool elsewhere = false;
      const std::vector<PartyId> live = probe(r, elsewhere);
      if (elsewhere) {
        report.status = RoundStatus::finished_elsewhere;
        break;
      }
      if (live.size() >= group_.quorum()) {
        try {
          report = run_mesh(r, live);
          break;
        } catch (const std::exception& e) {
          last_problem = e.what();
          log("round " + std::to_string(r) + ", attempt " + std::to_string(attempt + 1) + " with " +
              std::to_string(live.size()) + " gateways: " + last_problem);
        }
      } else {
        last_problem = std::to_string(live.size()) + " live gateways, " + std::to_string(group_.quorum()) + " needed";
      }
      if (detail::gateway::unix_ms() > give_up) {
        report.status = RoundStatus::failed;
        report.reason = last_problem;
        break;
      }
      // Back off a little, differently per gateway, so that retries do not collide forever.
      if (!wait_until_ms(detail::gateway::unix_ms() + 100 + 50 * id_ + 37 * (attempt % 5))) {
        report.reason = "stopped";
        break;
      }
    }
    report.round = r;
    report.seconds = std::chrono::duration<double>(clock::now() - started).count();
    {
      std::lock_guard lock(mutex_);
      auto& data = rounds_[r];
      data.phase = RoundPhase::finished;
      data.held.clear();
      data.agreed.reset();
      if (report.reason != "stopped") {
        const std::uint8_t status = static_cast<std::uint8_t>(report.status);
        try {
          store_.set_round_state(r, detail::gateway::state_done, std::span<const std::uint8_t>(&status, 1));
        } catch (const std::exception& e) {
          log(std::string("cannot record the end of round ") + std::to_string(r) + ": " + e.what());
        }
      } else {
        data.phase = RoundPhase::finishing;
      }
    }
    return report;
  }

  /// Who is live for round r (sorted, this gateway included). Sets `elsewhere` if a peer has
  /// finished the round already.
  std::vector<PartyId> probe(std::uint32_t r, bool& elsewhere) {
    const std::size_t n = group_.gateways.size();
    std::vector<int> state(n, -1);  // -1 unknown, else a RoundPhase
    state[id_] = static_cast<int>(RoundPhase::finishing);
    const std::int64_t wait_until = close_ms(r) + group_.peer_wait.count();
    for (;;) {
      bool unknown = false;
      for (PartyId p = 0; p < n; ++p) {
        if (state[p] != -1 && state[p] != static_cast<int>(RoundPhase::collecting)) continue;
        try {
          IngestClient c(group_.gateways[p].host, group_.gateways[p].ingest_port, std::chrono::milliseconds(1000));
          state[p] = static_cast<int>(c.status(r));
        } catch (const error&) {
          state[p] = -1;
        }
        if (state[p] == static_cast<int>(RoundPhase::finished)) elsewhere = true;
        unknown = unknown || state[p] == -1 || state[p] == static_cast<int>(RoundPhase::collecting);
      }
      if (elsewhere || !unknown || detail::gateway::unix_ms() >= wait_until || stopping_) break;
      if (!wait_until_ms(detail::gateway::unix_ms() + 50)) break;
    }
    std::vector<PartyId> live;
    for (PartyId p = 0; p < n; ++p)
      if (state[p] == static_cast<int>(RoundPhase::finishing)) live.push_back(p);
    return live;
  }

  RoundReport run_mesh(std::uint32_t r, const std::vector<PartyId>& live) {
    using namespace detail::gateway;
    const std::size_t m = live.size();
    const auto me = static_cast<PartyId>(std::find(live.begin(), live.end(), id_) - live.begin());
    std::vector<TcpEndpoint> endpoints;
    std::vector<PublicKey> keys;
    for (const PartyId p : live) {
      endpoints.push_back({group_.gateways[p].host, group_.gateways[p].peer_port});
      keys.push_back(group_.gateways[p].public_key);
    }
    TcpTransport tcp({.id = me,
                      .parties = m,
                      .listen_host = group_.gateways[id_].host,
                      .listen_port = group_.gateways[id_].peer_port,
                      .connect_timeout = std::chrono::milliseconds(3000)});
    tcp.connect(endpoints);
    SecureTransport secure(tcp, keys_, keys);
    secure.handshake(std::chrono::milliseconds(3000));
    Party party(secure, options_.message_timeout);

    // Do we all mean the same round and the same live set?
    std::vector<std::uint8_t> check;
    put_u32(check, r);
    for (const PartyId p : live) put_u32(check, p);
    for (PartyId p = 0; p < m; ++p)
      if (p != me) party.send_bytes(p, check);
    for (PartyId p = 0; p < m; ++p)
      if (p != me && party.receive_bytes(p) != check)
        throw error(errc::protocol_violation, "gateway: a peer finishing another round or with another live set");
    return run_round(party, r, live, me);
  }

  template <class P>
  RoundReport run_round(P& party, std::uint32_t r, const std::vector<PartyId>& live, PartyId me) {
    using namespace detail::gateway;
    using Set = std::vector<std::pair<ClientId, std::uint32_t>>;
    const std::size_t m = live.size(), channels = group_.channels.size();
    RoundReport report;
    report.round = r;
    report.live = live;

    // 3. Contributors.
    Set mine;
    std::optional<Set> stored;
    {
      std::lock_guard lock(mutex_);
      const auto& data = rounds_[r];
      for (const auto& [client, h] : data.held)
        mine.emplace_back(client, static_cast<std::uint32_t>(h.elements.size() / (2 * channels)));
      stored = data.agreed;
    }
    std::vector<std::uint8_t> msg;
    put_u32(msg, stored ? 1 : 0);
    const auto stored_bytes = encode_set(stored ? *stored : Set{});
    msg.insert(msg.end(), stored_bytes.begin(), stored_bytes.end());
    const auto mine_bytes = encode_set(mine);
    msg.insert(msg.end(), mine_bytes.begin(), mine_bytes.end());
    for (PartyId p = 0; p < m; ++p)
      if (p != me) party.send_bytes(p, msg);
    std::vector<Set> lists(m);
    std::optional<Set> agreed_before;
    for (PartyId p = 0; p < m; ++p) {
      Set their_stored;
      bool has_stored = false;
      if (p == me) {
        has_stored = stored.has_value();
        if (stored) their_stored = *stored;
        lists[p] = mine;
      } else {
        const auto bytes = party.receive_bytes(p);
        Reader reader(bytes);
        const std::uint32_t flag = reader.u32();
        if (flag > 1) throw error(errc::malformed_message, "gateway: a bad contributor message");
        has_stored = flag == 1;
        their_stored = decode_set(reader);
        lists[p] = decode_set(reader);
        reader.done();
      }
      if (has_stored) {
        if (agreed_before && *agreed_before != their_stored)
          throw error(errc::protocol_violation, "gateway: two different agreed client sets stored for round " + std::to_string(r));
        agreed_before = their_stored;
      }
    }
    Set agreed;
    if (agreed_before) {
      agreed = *agreed_before;
      for (PartyId p = 0; p < m; ++p)
        for (const auto& entry : agreed)
          if (!std::binary_search(lists[p].begin(), lists[p].end(), entry))
            throw error(errc::protocol_violation, "gateway " + std::to_string(live[p]) +
                                                      " no longer holds every client of the agreed set of round " +
                                                      std::to_string(r));
    } else {
      agreed = lists[0];
      for (PartyId p = 1; p < m; ++p) {
        Set both;
        std::set_intersection(agreed.begin(), agreed.end(), lists[p].begin(), lists[p].end(), std::back_inserter(both));
        agreed = std::move(both);
      }
      std::lock_guard lock(mutex_);
      store_.set_round_state(r, state_agreed, encode_set(agreed));  // durable before any reveal
      rounds_[r].agreed = agreed;
    }
    report.contributors = agreed.size();
    if (agreed.size() < group_.policy.min_clients) {
      report.status = RoundStatus::withheld;
      return report;
    }
    report.status = RoundStatus::published;

    // My shares of every reading, channel-major: values[c * K + i], and of the squares.
    std::uint64_t total = 0;
    for (const auto& e : agreed) total += e.second;
    const std::size_t K = total;
    std::vector<Mersenne61> values(channels * K), squares(channels * K);
    {
      std::lock_guard lock(mutex_);
      const auto& held = rounds_[r].held;
      std::size_t at = 0;
      for (const auto& [client, k] : agreed) {
        const auto& e = held.at(client).elements;
        for (std::uint32_t j = 0; j < k; ++j, ++at)
          for (std::size_t c = 0; c < channels; ++c) {
            values[c * K + at] = e[j * channels + c];
            squares[c * K + at] = e[k * channels + j * channels + c];
          }
      }
    }

    // 4. Linear statistics to the live recipients.
    std::vector<PartyId> recipients;  // mesh indices
    for (PartyId p = 0; p < m; ++p)
      if (group_.policy.is_recipient(live[p])) recipients.push_back(p);
    const bool i_receive = std::find(recipients.begin(), recipients.end(), me) != recipients.end();
    report.recipient = i_receive;
    if (recipients.empty()) {
      report.reason = "no recipient is live";
      return report;
    }
    std::vector<Mersenne61> sums(2 * channels, Mersenne61::zero());
    for (std::size_t c = 0; c < channels; ++c) {
      sums[2 * c] = batch::sum<Mersenne61>(std::span<const Mersenne61>(values).subspan(c * K, K));
      sums[2 * c + 1] = batch::sum<Mersenne61>(std::span<const Mersenne61>(squares).subspan(c * K, K));
    }
    for (const PartyId p : recipients)
      if (p != me) party.template send<Mersenne61>(p, sums);
    if (i_receive) {
      std::vector<std::vector<Mersenne61>> all(m);
      for (PartyId p = 0; p < m; ++p) all[p] = p == me ? sums : party.template receive<Mersenne61>(p, 2 * channels);
      std::vector<Mersenne61> opened;
      if (group_.scheme.kind == SplitScheme::Kind::shamir) {
        const Shamir shamir(group_.scheme.parties, group_.scheme.threshold);
        opened = Reconstruction(shamir, live, group_.scheme.threshold)(all);
      } else {
        opened.assign(2 * channels, Mersenne61::zero());
        for (const auto& v : all) batch::add<Mersenne61>(opened, v, opened);
      }
      report.channels.resize(channels);
      for (std::size_t c = 0; c < channels; ++c) {
        const FixedPoint<Mersenne61> format(group_.channels[c].frac_bits);
        auto& out = report.channels[c];
        out.name = group_.channels[c].name;
        out.count = K;
        const double mean = K ? format.decode(opened[2 * c]) / static_cast<double>(K) : 0.0;
        const double mean_sq = K ? format.decode(opened[2 * c + 1]) / static_cast<double>(K) : 0.0;
        if (group_.policy.reveals(Statistic::mean)) out.mean = mean;
        if (group_.policy.reveals(Statistic::variance)) out.variance = mean_sq - mean * mean;
      }
    }

    // 5. Minimum, maximum and alerts by garbled circuit.
    const auto& pol = group_.policy;
    if (!(pol.reveals(Statistic::minimum) || pol.reveals(Statistic::maximum) || pol.reveals(Statistic::alerts)) || K == 0)
      return report;
    const PartyId a = recipients.front();
    const PartyId b = a == 0 ? 1 : 0;
    std::vector<PartyId> q{std::min(a, b), std::max(a, b)};
    for (PartyId p = 0; p < m && q.size() < group_.quorum(); ++p)
      if (p != a && p != b) q.push_back(p);
    std::sort(q.begin(), q.end());
    Prg prg;
    const bool in_q = std::find(q.begin(), q.end(), me) != q.end();
    if (in_q) {
      std::vector<Mersenne61> mine_additive = values;
      if (group_.scheme.kind == SplitScheme::Kind::shamir) {
        std::vector<PartyId> holders;
        for (const PartyId p : q) holders.push_back(live[p]);
        const Shamir shamir(group_.scheme.parties, group_.scheme.threshold);
        mine_additive = shamir_to_additive(Reconstruction(shamir, holders, group_.scheme.threshold), id_, values);
      }
      if (me != a && me != b) {  // split between A and B
        std::vector<Mersenne61> mask(mine_additive.size());
        batch::random_fill<Mersenne61>(prg, mask);
        batch::sub<Mersenne61>(mine_additive, mask, mine_additive);
        party.template send<Mersenne61>(a, mask);
        party.template send<Mersenne61>(b, mine_additive);
      } else {
        for (const PartyId p : q) {
          if (p == a || p == b) continue;
          const auto part = party.template receive<Mersenne61>(p, mine_additive.size());
          batch::add<Mersenne61>(mine_additive, part, mine_additive);
        }
        const bool b_receives = std::find(recipients.begin(), recipients.end(), b) != recipients.end();
        for (std::size_t c = 0; c < channels; ++c) {
          const auto& ch = group_.channels[c];
          const FixedPoint<Mersenne61> format(ch.frac_bits);
          gc::FieldStatsSpec spec{value_bits(ch), 0};
          const std::int64_t top = (std::int64_t{1} << (spec.value_bits - 1)) - 1;
          spec.threshold = ch.alert_above ? format.encode(*ch.alert_above).to_int() : top;
          const auto stats = gc::two_party_field_stats(party, prg, me == a ? b : a, me == a, spec,
                                                       std::span<const Mersenne61>(mine_additive).subspan(c * K, K),
                                                       b_receives ? gc::Reveal::to_both : gc::Reveal::to_garbler);
          if (stats && i_receive) apply(report.channels[c], *stats, format, ch.alert_above.has_value());
          if (me == a && stats) {  // forward to the recipients outside the pair
            std::vector<std::uint8_t> bytes(24);
            edgempc::detail::store_le<std::uint64_t>(bytes.data(), static_cast<std::uint64_t>(stats->minimum));
            edgempc::detail::store_le<std::uint64_t>(bytes.data() + 8, static_cast<std::uint64_t>(stats->maximum));
            edgempc::detail::store_le<std::uint64_t>(bytes.data() + 16, stats->above);
            for (const PartyId p : recipients)
              if (p != a && p != b) party.send_bytes(p, bytes);
          }
        }
      }
    }
    if (i_receive && me != a && me != b) {
      for (std::size_t c = 0; c < channels; ++c) {
        const auto bytes = party.receive_bytes(a);
        if (bytes.size() != 24) throw error(errc::malformed_message, "gateway: a bad min/max/alerts message");
        const gc::FieldStats stats{static_cast<std::int64_t>(edgempc::detail::load_le<std::uint64_t>(bytes.data())),
                                   static_cast<std::int64_t>(edgempc::detail::load_le<std::uint64_t>(bytes.data() + 8)),
                                   edgempc::detail::load_le<std::uint64_t>(bytes.data() + 16)};
        const auto& ch = group_.channels[c];
        apply(report.channels[c], stats, FixedPoint<Mersenne61>(ch.frac_bits), ch.alert_above.has_value());
      }
    }
    return report;
  }

  void apply(ChannelResult& out, const gc::FieldStats& s, const FixedPoint<Mersenne61>& format, bool alerts) const {
    const auto& pol = group_.policy;
    if (pol.reveals(Statistic::minimum)) out.minimum = format.decode(Mersenne61::from_int(s.minimum));
    if (pol.reveals(Statistic::maximum)) out.maximum = format.decode(Mersenne61::from_int(s.maximum));
    if (pol.reveals(Statistic::alerts) && alerts) out.alerts = s.above;
  }

  GroupConfig group_;
  PartyId id_;
  KeyPair keys_;
  Enrolment enrolment_;
  GatewayOpener opener_;
  SqliteStore store_;
  GatewayOptions options_;
  std::uint32_t start_round_ = 0;

  static std::uint64_t pending_key(ClientId client, std::uint32_t round) noexcept {
    return (std::uint64_t{round} << 32) | client;
  }

  mutable std::mutex mutex_;  // guards enrolment_, opener_, store_, rounds_, pending_index_
  std::map<std::uint32_t, RoundData> rounds_;
  std::unordered_map<std::uint64_t, std::uint32_t> pending_index_;  // (round, client) -> seq, within a batch
  ThreadPool pool_;

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread io_thread_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
