// SPDX-License-Identifier: Apache-2.0
// The conformance suite every Transport passes, whatever carries its bytes: ids, order,
// boundaries, empty and 64 MiB messages, simultaneous large sends, timeouts, bad peer ids,
// traffic counters. Each party runs on its own thread, as in a real deployment.
#pragma once

#include <catch2/catch.hpp>

#include <edgempc/net/transport.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace test {

using namespace std::chrono_literals;

/// Runs f(i) for every party on its own thread and rethrows the first failure here, on the
/// test's thread (Catch2 assertions are not thread-safe, so the threads only throw).
inline void on_all_parties(std::size_t n, const std::function<void(edgempc::PartyId)>& f) {
  std::mutex mutex;
  std::exception_ptr failure;
  std::vector<std::thread> threads;
  for (edgempc::PartyId i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      try {
        f(i);
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!failure) failure = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

/// A message whose bytes depend on (from, to, k) so that a swap, a loss or a merge shows.
inline std::vector<std::uint8_t> pattern(edgempc::PartyId from, edgempc::PartyId to, std::size_t k,
                                         std::size_t size) {
  std::vector<std::uint8_t> m(size);
  for (std::size_t i = 0; i < size; ++i) m[i] = static_cast<std::uint8_t>(from * 31 + to * 17 + k * 7 + i * 13);
  return m;
}

inline void expect(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(what);
}

template <class F>
void require_errc(edgempc::errc code, F&& f) {
  try {
    f();
    FAIL("no error");
  } catch (const edgempc::error& e) {
    REQUIRE(e.code() == code);
  }
}

/// Every message sent was received, once: totals over all parties agree (true after each
/// section of the suite, which leaves no message in flight).
template <class T>
bool nothing_lost(const std::vector<std::unique_ptr<T>>& ps) {
  std::uint64_t sent = 0, received = 0, bytes_sent = 0, bytes_received = 0;
  for (const auto& p : ps) {
    const auto s = p->stats();
    sent += s.messages_sent;
    received += s.messages_received;
    bytes_sent += s.bytes_sent;
    bytes_received += s.bytes_received;
  }
  return sent == received && bytes_sent == bytes_received;
}

template <class T>
void transport_conformance(std::vector<std::unique_ptr<T>>& ps) {
  static_assert(edgempc::Transport<T>);
  const std::size_t n = ps.size();
  REQUIRE(n >= 2);
  for (edgempc::PartyId i = 0; i < n; ++i) {
    REQUIRE(ps[i]->id() == i);
    REQUIRE(ps[i]->parties() == n);
  }
  std::vector<edgempc::TransportStats> before;
  for (auto& p : ps) before.push_back(p->stats());

  SECTION("all to all: order, boundaries and empty messages") {
    constexpr std::size_t per_peer = 40;
    on_all_parties(n, [&](edgempc::PartyId me) {
      for (std::size_t k = 0; k < per_peer; ++k)
        for (edgempc::PartyId to = 0; to < n; ++to)
          if (to != me) ps[me]->send(to, pattern(me, to, k, (k * 37) % 300));  // k = 0: empty
      for (edgempc::PartyId from = 0; from < n; ++from) {
        if (from == me) continue;
        for (std::size_t k = 0; k < per_peer; ++k)
          expect(ps[me]->receive(from, 10s) == pattern(from, me, k, (k * 37) % 300), "message out of order or damaged");
      }
    });
    std::size_t bytes_per_peer = 0;
    for (std::size_t k = 0; k < per_peer; ++k) bytes_per_peer += (k * 37) % 300;
    for (edgempc::PartyId i = 0; i < n; ++i) {
      const auto s = ps[i]->stats();
      REQUIRE(s.messages_sent - before[i].messages_sent == per_peer * (n - 1));
      REQUIRE(s.messages_received - before[i].messages_received == per_peer * (n - 1));
      REQUIRE(s.bytes_sent - before[i].bytes_sent == bytes_per_peer * (n - 1));
      REQUIRE(s.bytes_received - before[i].bytes_received == bytes_per_peer * (n - 1));
    }
  }

  SECTION("two parties send each other 64 MiB at the same moment") {
    constexpr std::size_t size = std::size_t{64} << 20;
    on_all_parties(2, [&](edgempc::PartyId me) {
      const edgempc::PartyId peer = 1 - me;
      ps[me]->send(peer, pattern(me, peer, 1, size));
      const auto got = ps[me]->receive(peer, 60s);
      expect(got.size() == size, "wrong size");
      expect(got == pattern(peer, me, 1, size), "large message damaged");
    });
  }

  SECTION("a silent peer gives peer_timeout, and the transport stays usable") {
    const auto start = std::chrono::steady_clock::now();
    require_errc(edgempc::errc::peer_timeout, [&] { (void)ps[0]->receive(1, 50ms); });
    const auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE(waited >= 45ms);
    REQUIRE(waited < 5s);
    ps[1]->send(0, pattern(1, 0, 9, 5));
    REQUIRE(ps[0]->receive(1, 10s) == pattern(1, 0, 9, 5));
  }

  SECTION("peer ids out of range or equal to one's own are refused") {
    const auto m = pattern(0, 0, 0, 3);
    require_errc(edgempc::errc::invalid_argument, [&] { ps[0]->send(0, m); });
    require_errc(edgempc::errc::invalid_argument, [&] { ps[0]->send(static_cast<edgempc::PartyId>(n), m); });
    require_errc(edgempc::errc::invalid_argument, [&] { (void)ps[0]->receive(0, 1ms); });
    require_errc(edgempc::errc::invalid_argument, [&] { (void)ps[0]->receive(static_cast<edgempc::PartyId>(n + 7), 1ms); });
  }
}

}  // namespace test
