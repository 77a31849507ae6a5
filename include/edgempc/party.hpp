// SPDX-License-Identifier: Apache-2.0
// Party<Transport>: one party's view of a protocol run: typed messages of field and ring
// elements, broadcast, gather, exchange with all, sub-channels, and traffic counters.
//
// Every message a Party sends is framed as [8-byte little-endian session id][payload], so that
// sub-protocols running at the same time over the same transport never take each other's
// messages: fork() makes a sub-channel with its own session id (as coproto's Socket::fork()).
// Both sides must fork in the same order, so that their k-th forks share an id. Messages that
// arrive for another session are held until that session asks for them, up to
// `max_held_messages` per peer (a peer flooding a session nobody reads is a protocol
// violation, not an unbounded allocation).
//
// Every receive waits at most the Party's timeout: an honest party does not hang on a silent
// peer (errc::peer_timeout). Typed receives check the element count and canonical form
// (errc::malformed_message, errc::out_of_range).
//
// Counters: bytes and messages per channel (payload, without the 8-byte session header), and
// rounds: one round is counted each time the party starts sending after it last received (a
// burst of sends to several peers is one round).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/domain.hpp"
#include "edgempc/core/wire.hpp"
#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

/// Splits the messages of one transport by session id. One per transport, shared by the
/// Party and all its forks; it is what lets several threads receive from one peer at once.
template <Transport T>
class SessionDemux {
 public:
  static constexpr std::size_t header_size = 8;
  static constexpr std::size_t max_held_messages = 4096;

  explicit SessionDemux(T& transport) : transport_(transport), peers_(transport.parties()) {}

  T& transport() noexcept { return transport_; }

  void send(PartyId to, std::uint64_t session, std::span<const std::uint8_t> payload) {
    std::vector<std::uint8_t> frame(header_size + payload.size());
    store_le<std::uint64_t>(frame.data(), session);
    std::copy(payload.begin(), payload.end(), frame.begin() + header_size);
    transport_.send(to, frame);
  }

  std::vector<std::uint8_t> receive(PartyId from, std::uint64_t session, std::chrono::steady_clock::time_point deadline) {
    check_peer(transport_.id(), transport_.parties(), from);
    auto& peer = peers_[from];
    std::unique_lock lock(peer.mutex);
    for (;;) {
      if (auto it = peer.held.find(session); it != peer.held.end() && !it->second.empty()) {
        std::vector<std::uint8_t> message = std::move(it->second.front());
        it->second.pop_front();
        if (it->second.empty()) peer.held.erase(it);
        --peer.held_count;
        return message;
      }
      if (!peer.pulling) {
        pull(peer, from, deadline, lock);
        continue;
      }
      // Another thread is reading from this peer; it hands our message over when it comes.
      if (peer.arrived.wait_until(lock, deadline) == std::cv_status::timeout && !has(peer, session))
        throw error(errc::peer_timeout, "Party: no message from party " + std::to_string(from));
    }
  }

 private:
  struct Peer {
    std::mutex mutex;
    std::condition_variable arrived;
    std::unordered_map<std::uint64_t, std::deque<std::vector<std::uint8_t>>> held;
    std::size_t held_count = 0;
    bool pulling = false;  // one thread at a time reads the transport for this peer
  };

  static bool has(Peer& peer, std::uint64_t session) {
    auto it = peer.held.find(session);
    return it != peer.held.end() && !it->second.empty();
  }

  void pull(Peer& peer, PartyId from, std::chrono::steady_clock::time_point deadline,
            std::unique_lock<std::mutex>& lock) {
    peer.pulling = true;
    lock.unlock();
    std::vector<std::uint8_t> frame;
    try {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) throw error(errc::peer_timeout, "Party: no message from party " + std::to_string(from));
      frame = transport_.receive(from, left);
    } catch (...) {
      lock.lock();
      peer.pulling = false;
      peer.arrived.notify_all();
      throw;
    }
    lock.lock();
    peer.pulling = false;
    peer.arrived.notify_all();
    if (frame.size() < header_size)
      throw error(errc::malformed_message, "Party: a frame of " + std::to_string(frame.size()) +
                                               " bytes has no session header");
    if (peer.held_count >= max_held_messages)
      throw error(errc::protocol_violation, "Party: party " + std::to_string(from) +
                                                " sent too many messages nobody has asked for");
    const auto session = load_le<std::uint64_t>(frame.data());
    frame.erase(frame.begin(), frame.begin() + header_size);
    peer.held[session].push_back(std::move(frame));
    ++peer.held_count;
  }

  T& transport_;
  std::vector<Peer> peers_;  // sized once: Peer is not movable
};

/// The session id of the k-th fork of `parent` (splitmix64 finaliser: distinct ids for
/// distinct (parent, k) with overwhelming probability; the root session is 0).
[[nodiscard]] constexpr std::uint64_t child_session(std::uint64_t parent, std::uint64_t k) noexcept {
  std::uint64_t z = parent + 0x9e3779b97f4a7c15ull * (k + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace detail

/// Traffic of one channel (a Party or one of its forks).
struct ChannelStats {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t rounds = 0;
};

template <Transport T>
class Party {
 public:
  /// `transport` must outlive the Party and its forks.
  explicit Party(T& transport, std::chrono::milliseconds timeout = std::chrono::seconds(30))
      : Party(std::make_shared<detail::SessionDemux<T>>(transport), 0, timeout) {}

  [[nodiscard]] PartyId id() const noexcept { return demux_->transport().id(); }
  [[nodiscard]] std::size_t parties() const noexcept { return demux_->transport().parties(); }
  [[nodiscard]] std::uint64_t session() const noexcept { return session_; }
  [[nodiscard]] std::chrono::milliseconds timeout() const noexcept { return timeout_; }
  [[nodiscard]] ChannelStats stats() const noexcept { return stats_; }

  /// A sub-channel with its own session id; the peers must fork in the same order.
  [[nodiscard]] Party fork() { return Party(demux_, detail::child_session(session_, forks_++), timeout_); }

  void send_bytes(PartyId to, std::span<const std::uint8_t> payload) {
    if (!sending_) {
      sending_ = true;
      ++stats_.rounds;
    }
    demux_->send(to, session_, payload);
    stats_.bytes_sent += payload.size();
    ++stats_.messages_sent;
  }

  [[nodiscard]] std::vector<std::uint8_t> receive_bytes(PartyId from) {
    sending_ = false;
    auto payload = demux_->receive(from, session_, std::chrono::steady_clock::now() + timeout_);
    stats_.bytes_received += payload.size();
    ++stats_.messages_received;
    return payload;
  }

  template <Domain E>
  void send(PartyId to, std::span<const std::type_identity_t<E>> values) {
    send_bytes(to, wire::encode<E>(values));
  }

  /// Exactly `count` elements from `from`; anything else is errc::malformed_message.
  template <Domain E>
  [[nodiscard]] std::vector<E> receive(PartyId from, std::size_t count) {
    return wire::decode<E>(receive_bytes(from), count);
  }

  /// The same values to every peer.
  template <Domain E>
  void broadcast(std::span<const std::type_identity_t<E>> values) {
    const auto bytes = wire::encode<E>(values);
    for (PartyId p = 0; p < parties(); ++p)
      if (p != id()) send_bytes(p, bytes);
  }

  /// One round: every party sends `mine` to every other and receives theirs (of the same
  /// length). Result i is party i's values; result id() is `mine`.
  template <Domain E>
  [[nodiscard]] std::vector<std::vector<E>> exchange_all(std::span<const std::type_identity_t<E>> mine) {
    broadcast<E>(mine);
    std::vector<std::vector<E>> all(parties());
    for (PartyId p = 0; p < parties(); ++p)
      all[p] = p == id() ? std::vector<E>(mine.begin(), mine.end()) : receive<E>(p, mine.size());
    return all;
  }

  /// Every party sends `mine` to `root`; root gets all of them (its own at index root), the
  /// others get an empty result.
  template <Domain E>
  [[nodiscard]] std::vector<std::vector<E>> gather(PartyId root, std::span<const std::type_identity_t<E>> mine) {
    if (root >= parties()) throw error(errc::invalid_argument, "Party::gather: no party " + std::to_string(root));
    if (id() != root) {
      send<E>(root, mine);
      return {};
    }
    std::vector<std::vector<E>> all(parties());
    for (PartyId p = 0; p < parties(); ++p)
      all[p] = p == id() ? std::vector<E>(mine.begin(), mine.end()) : receive<E>(p, mine.size());
    return all;
  }

 private:
  Party(std::shared_ptr<detail::SessionDemux<T>> demux, std::uint64_t session, std::chrono::milliseconds timeout)
      : demux_(std::move(demux)), session_(session), timeout_(timeout) {}

  std::shared_ptr<detail::SessionDemux<T>> demux_;
  std::uint64_t session_;
  std::chrono::milliseconds timeout_;
  std::uint64_t forks_ = 0;
  bool sending_ = false;
  ChannelStats stats_;
};

EDGEMPC_END_NAMESPACE
