// SPDX-License-Identifier: Apache-2.0
// SimulatedTransport<T>: adds a one-way latency and a bandwidth cap to any Transport, so that
// LAN and WAN deployments can be benchmarked on one machine.
//
// Model: each direction of each pair is a link that carries one message at a time at
// `bytes_per_second`; a message of b bytes occupies it for b / bytes_per_second after the
// previous one has left, then needs `latency` more to arrive. send() does not wait (like a
// network card's queue); receive() returns a message no earlier than its arrival time. The
// arrival time travels in an 8-byte header as steady_clock nanoseconds, which all processes of
// one Linux host share (CLOCK_MONOTONIC): the simulation is for parties on one machine.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <thread>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE

struct LinkModel {
  std::chrono::microseconds latency{0};  ///< one way
  double bytes_per_second = 0;           ///< 0: unlimited

  [[nodiscard]] static LinkModel lan() { return {std::chrono::microseconds(250), 125e6}; }   // 1 Gbit/s
  [[nodiscard]] static LinkModel wan() { return {std::chrono::milliseconds(40), 12.5e6}; }   // 100 Mbit/s
};

/// Models Transport. Wraps `inner`, which must outlive it.
template <Transport T>
class SimulatedTransport {
 public:
  static constexpr std::size_t header_size = 8;

  SimulatedTransport(T& inner, LinkModel link) : inner_(inner), link_(link), peers_(inner.parties()) {
    if (link.latency.count() < 0 || link.bytes_per_second < 0)
      throw error(errc::invalid_argument, "SimulatedTransport: negative latency or bandwidth");
  }

  [[nodiscard]] PartyId id() const noexcept { return inner_.id(); }
  [[nodiscard]] std::size_t parties() const noexcept { return inner_.parties(); }
  [[nodiscard]] std::size_t max_message_size() const noexcept {
    return inner_.max_message_size() > header_size ? inner_.max_message_size() - header_size : 0;
  }
  [[nodiscard]] TransportStats stats() const noexcept { return counters_.snapshot(); }
  [[nodiscard]] const LinkModel& link() const noexcept { return link_; }

  void send(PartyId to, std::span<const std::uint8_t> message) {
    detail::check_peer(id(), parties(), to);
    detail::check_message_size(message.size(), max_message_size());
    std::vector<std::uint8_t> frame(header_size + message.size());
    std::copy(message.begin(), message.end(), frame.begin() + header_size);
    auto& peer = peers_[to];
    std::lock_guard lock(peer.send_mutex);
    const auto now = clock::now();
    const auto transmit = link_.bytes_per_second > 0
                              ? std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
                                    static_cast<double>(message.size()) / link_.bytes_per_second))
                              : clock::duration::zero();
    peer.link_free = std::max(peer.link_free, now) + transmit;
    const auto arrival = peer.link_free + link_.latency;
    detail::store_le<std::uint64_t>(frame.data(), static_cast<std::uint64_t>(arrival.time_since_epoch().count()));
    inner_.send(to, frame);
    counters_.count_sent(message.size());
  }

  [[nodiscard]] std::vector<std::uint8_t> receive(PartyId from, std::chrono::milliseconds timeout) {
    detail::check_peer(id(), parties(), from);
    const auto deadline = clock::now() + timeout;
    auto& peer = peers_[from];
    std::lock_guard lock(peer.receive_mutex);
    if (!peer.pending) {
      auto frame = inner_.receive(from, timeout);
      if (frame.size() < header_size)
        throw error(errc::malformed_message, "SimulatedTransport: frame without its arrival time");
      peer.pending = std::move(frame);
    }
    const auto arrival =
        clock::time_point(clock::duration(static_cast<clock::rep>(detail::load_le<std::uint64_t>(peer.pending->data()))));
    if (arrival > deadline) {
      std::this_thread::sleep_until(deadline);
      throw error(errc::peer_timeout, "SimulatedTransport: message from party " + std::to_string(from) +
                                          " still in flight");
    }
    std::this_thread::sleep_until(arrival);
    std::vector<std::uint8_t> message(peer.pending->begin() + header_size, peer.pending->end());
    peer.pending.reset();
    counters_.count_received(message.size());
    return message;
  }

 private:
  using clock = std::chrono::steady_clock;
  struct Peer {
    std::mutex send_mutex, receive_mutex;
    clock::time_point link_free{};
    std::optional<std::vector<std::uint8_t>> pending;  // received, not yet arrived
  };

  T& inner_;
  LinkModel link_;
  std::vector<Peer> peers_;
  detail::TrafficCounters counters_;
};

EDGEMPC_END_NAMESPACE
