// SPDX-License-Identifier: Apache-2.0
// LocalNetwork: n parties in one process, one thread each, exchanging messages through memory.
//
// The default transport for tests, examples and a one-box gateway: no sockets, no encryption
// (everything stays in one address space, where it needs none). Each ordered pair of parties
// has its own mailbox, so messages from one peer arrive in order and never mix with another's.
// A party's endpoint going away (its LocalTransport destroyed) is what a closed connection is
// elsewhere: its peers receive what it sent before, then errc::connection_lost.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>

#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

struct LocalMailbox {
  std::mutex mutex;
  std::condition_variable arrived;
  std::deque<std::vector<std::uint8_t>> messages;
  bool sender_gone = false;
  bool receiver_gone = false;
};

/// The mailboxes of all ordered pairs: box(from, to).
class LocalHub {
 public:
  LocalHub(std::size_t parties, std::size_t max_message_size)
      : parties_(parties), max_message_size_(max_message_size), boxes_(parties * parties) {}
  LocalMailbox& box(PartyId from, PartyId to) { return boxes_[from * parties_ + to]; }
  [[nodiscard]] std::size_t parties() const noexcept { return parties_; }
  [[nodiscard]] std::size_t max_message_size() const noexcept { return max_message_size_; }

 private:
  std::size_t parties_;
  std::size_t max_message_size_;
  std::vector<LocalMailbox> boxes_;  // never resized: mailboxes are not movable
};

}  // namespace detail

/// One party's end of a LocalNetwork. Models Transport.
class LocalTransport {
 public:
  LocalTransport(std::shared_ptr<detail::LocalHub> hub, PartyId id) : hub_(std::move(hub)), id_(id) {}
  LocalTransport(const LocalTransport&) = delete;
  LocalTransport& operator=(const LocalTransport&) = delete;

  ~LocalTransport() {
    for (PartyId peer = 0; peer < hub_->parties(); ++peer) {
      if (peer == id_) continue;
      close(hub_->box(id_, peer), &detail::LocalMailbox::sender_gone);
      close(hub_->box(peer, id_), &detail::LocalMailbox::receiver_gone);
    }
  }

  [[nodiscard]] PartyId id() const noexcept { return id_; }
  [[nodiscard]] std::size_t parties() const noexcept { return hub_->parties(); }
  [[nodiscard]] std::size_t max_message_size() const noexcept { return hub_->max_message_size(); }

  void send(PartyId to, std::span<const std::uint8_t> message) {
    detail::check_peer(id_, parties(), to);
    detail::check_message_size(message.size(), max_message_size());
    auto& box = hub_->box(id_, to);
    {
      std::lock_guard lock(box.mutex);
      if (box.receiver_gone)
        throw error(errc::connection_lost, "LocalTransport: party " + std::to_string(to) + " has gone");
      box.messages.emplace_back(message.begin(), message.end());
    }
    box.arrived.notify_one();
    counters_.count_sent(message.size());
  }

  [[nodiscard]] std::vector<std::uint8_t> receive(PartyId from, std::chrono::milliseconds timeout) {
    detail::check_peer(id_, parties(), from);
    auto& box = hub_->box(from, id_);
    std::unique_lock lock(box.mutex);
    if (!detail::spin_then_wait(lock, box.arrived, timeout, [&] { return !box.messages.empty() || box.sender_gone; }))
      throw error(errc::peer_timeout, "LocalTransport: no message from party " + std::to_string(from));
    if (box.messages.empty())
      throw error(errc::connection_lost, "LocalTransport: party " + std::to_string(from) + " has gone");
    std::vector<std::uint8_t> message = std::move(box.messages.front());
    box.messages.pop_front();
    lock.unlock();
    counters_.count_received(message.size());
    return message;
  }

  [[nodiscard]] TransportStats stats() const noexcept { return counters_.snapshot(); }

 private:
  static void close(detail::LocalMailbox& box, bool detail::LocalMailbox::*flag) {
    {
      std::lock_guard lock(box.mutex);
      box.*flag = true;
    }
    box.arrived.notify_all();
  }

  std::shared_ptr<detail::LocalHub> hub_;
  PartyId id_;
  detail::TrafficCounters counters_;
};

/// Creates the n connected endpoints of one in-process network; give endpoint i to party i's
/// thread. Messages above `max_message_size` bytes are refused (errc::message_too_large).
[[nodiscard]] inline std::vector<std::unique_ptr<LocalTransport>> make_local_network(
    std::size_t parties, std::size_t max_message_size = std::size_t{1} << 30) {
  if (parties < 2) throw error(errc::invalid_argument, "make_local_network: at least 2 parties");
  auto hub = std::make_shared<detail::LocalHub>(parties, max_message_size);
  std::vector<std::unique_ptr<LocalTransport>> endpoints;
  for (PartyId i = 0; i < parties; ++i) endpoints.push_back(std::make_unique<LocalTransport>(hub, i));
  return endpoints;
}

EDGEMPC_END_NAMESPACE
