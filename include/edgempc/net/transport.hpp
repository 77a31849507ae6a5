// SPDX-License-Identifier: Apache-2.0
// The Transport concept: how one party sends messages to and receives messages from its peers.
//
// A Transport is one party's end of a fully connected network of `parties()` parties with ids
// 0 .. parties()-1. Requirements, for a Transport t, a const Transport ct, a peer id p other
// than t.id(), a message m (std::span<const std::uint8_t>) and a timeout d
// (std::chrono::milliseconds):
//
// | expression             | type                      | semantics                                      |
// |------------------------|---------------------------|------------------------------------------------|
// | ct.id()                | PartyId                   | this party's id                                |
// | ct.parties()           | std::size_t               | number of parties, at least 2                  |
// | ct.max_message_size()  | std::size_t               | largest message send accepts and receive gives |
// | t.send(p, m)           | void                      | queues m for p; returns once m is handed over  |
// |                        |                           | (it may be in flight). Messages to one peer    |
// |                        |                           | arrive in order, whole, exactly once.          |
// | t.receive(p, d)        | std::vector<std::uint8_t> | the next message from p, waiting at most d     |
// | ct.stats()             | TransportStats            | bytes and messages sent and received so far    |
//
// Errors, all edgempc::error: a peer id out of range or equal to id() is invalid_argument; a
// message above max_message_size() is message_too_large (on send, and on receive when a peer
// announces one: nothing of that size is allocated); no message within the timeout is
// peer_timeout (the transport stays usable: a later receive can still get it); a peer that
// has gone is connection_lost, once its remaining messages have been received.
//
// Threads: send and receive may be called at the same time from different threads (one
// thread sending while another receives is the normal way to exchange large messages), and
// sends to different peers may run concurrently. Two threads receiving from the same peer at
// once is not allowed. Empty messages are messages.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

using PartyId = std::uint32_t;

/// Traffic counters of one transport, as its party saw them (payload bytes, no framing).
struct TransportStats {
  std::uint64_t bytes_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
  friend bool operator==(const TransportStats&, const TransportStats&) = default;
};

template <class T>
concept Transport = requires(T& t, const T& ct, PartyId peer, std::span<const std::uint8_t> message,
                             std::chrono::milliseconds timeout) {
  { ct.id() } -> std::same_as<PartyId>;
  { ct.parties() } -> std::same_as<std::size_t>;
  { ct.max_message_size() } -> std::same_as<std::size_t>;
  { t.send(peer, message) } -> std::same_as<void>;
  { t.receive(peer, timeout) } -> std::same_as<std::vector<std::uint8_t>>;
  { ct.stats() } -> std::same_as<TransportStats>;
};

namespace detail {

/// The argument checks every transport makes the same way.
inline void check_peer(PartyId self, std::size_t parties, PartyId peer) {
  if (peer >= parties || peer == self)
    throw error(errc::invalid_argument, "transport: party " + std::to_string(self) + " cannot address peer " +
                                            std::to_string(peer) + " (of " + std::to_string(parties) + " parties)");
}

inline void check_message_size(std::size_t size, std::size_t max) {
  if (size > max)
    throw error(errc::message_too_large,
                "transport: message of " + std::to_string(size) + " bytes, at most " + std::to_string(max));
}

/// Like `cv.wait_for(lock, timeout, ready)`, but polls `ready` for up to `spin` first. A thread
/// that blocks at once pays the scheduler's wake-up latency on every message (tens of
/// microseconds on a virtual machine), which dominates a protocol round on a fast link; a short
/// poll catches the reply of a peer that is already computing it. Polling yields the core, so
/// a peer sharing it still runs.
/// Timeouts are clamped to [0, 10 years], so that milliseconds::max() cannot overflow a clock.
template <class Ready>
[[nodiscard]] bool spin_then_wait(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                                  std::chrono::milliseconds timeout, Ready ready,
                                  std::chrono::microseconds spin = std::chrono::microseconds(50)) {
  if (ready()) return true;
  constexpr std::chrono::milliseconds longest = std::chrono::hours(24 * 365 * 10);
  timeout = std::clamp(timeout, std::chrono::milliseconds(0), longest);
  const auto start = std::chrono::steady_clock::now();
  const auto spin_end = start + std::min<std::chrono::microseconds>(spin, timeout);
  while (std::chrono::steady_clock::now() < spin_end) {
    lock.unlock();
    std::this_thread::yield();
    lock.lock();
    if (ready()) return true;
  }
  return cv.wait_until(lock, start + timeout, ready);
}

/// TransportStats kept with atomics: send and receive may run on two threads at once.
class TrafficCounters {
 public:
  void count_sent(std::size_t bytes) noexcept {
    bytes_sent_.fetch_add(bytes, std::memory_order_relaxed);
    messages_sent_.fetch_add(1, std::memory_order_relaxed);
  }
  void count_received(std::size_t bytes) noexcept {
    bytes_received_.fetch_add(bytes, std::memory_order_relaxed);
    messages_received_.fetch_add(1, std::memory_order_relaxed);
  }
  [[nodiscard]] TransportStats snapshot() const noexcept {
    return {bytes_sent_.load(std::memory_order_relaxed), bytes_received_.load(std::memory_order_relaxed),
            messages_sent_.load(std::memory_order_relaxed), messages_received_.load(std::memory_order_relaxed)};
  }

 private:
  std::atomic<std::uint64_t> bytes_sent_{0}, bytes_received_{0}, messages_sent_{0}, messages_received_{0};
};

}  // namespace detail

EDGEMPC_END_NAMESPACE
