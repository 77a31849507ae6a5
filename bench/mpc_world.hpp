// SPDX-License-Identifier: Apache-2.0
// Runs a protocol step on n parties for a benchmark: as threads over a LocalNetwork, or as n
// processes over TCP on 127.0.0.1 (party 0 is the benchmark process, the others are forked
// children, so each party has its own address space and its own TCP stack endpoint).
//
// A Work object is made per party by `make(me)`; it has prepare() (untimed: fresh triples,
// fresh inputs) and run(party) (timed). Party 0 times state's iterations; the others run the
// same number of iterations in lock step, which the protocol's own messages enforce. A Work may
// also have setup(party), run once per party before the iterations (e.g. base OTs), untimed.
#pragma once

#include <benchmark/benchmark.h>

#include <edgempc/net.hpp>
#include <edgempc/party.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <thread>
#include <vector>

namespace bench {

using edgempc::PartyId;

template <class W, class P>
void setup(W& work, P& party) {
  if constexpr (requires { work.setup(party); }) work.setup(party);
}

inline void report(benchmark::State& state, const edgempc::ChannelStats& s, double ops_per_iteration) {
  const auto it = static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<std::int64_t>(it * ops_per_iteration));
  state.counters["bytes_sent_per_op"] = static_cast<double>(s.bytes_sent) / (it * ops_per_iteration);
  state.counters["rounds_per_iter"] = static_cast<double>(s.rounds) / it;
}

template <class Make>
void run_local(benchmark::State& state, std::size_t n, Make make, double ops_per_iteration) {
  auto net = edgempc::make_local_network(n);
  const auto iterations = static_cast<std::size_t>(state.max_iterations);
  std::vector<std::thread> others;
  for (PartyId me = 1; me < n; ++me)
    others.emplace_back([&, me] {
      try {
        edgempc::Party party(*net[me]);
        auto work = make(me);
        setup(work, party);
        for (std::size_t i = 0; i < iterations; ++i) {
          work.prepare();
          work.run(party);
        }
      } catch (const std::exception& e) {
        std::fprintf(stderr, "party %u: %s\n", me, e.what());
        std::abort();
      }
    });
  edgempc::Party party(*net[0]);
  auto work = make(0);
  setup(work, party);
  for (auto _ : state) {
    state.PauseTiming();
    work.prepare();
    state.ResumeTiming();
    work.run(party);
  }
  for (auto& t : others) t.join();
  report(state, party.stats(), ops_per_iteration);
}

namespace detail {

inline void write_all(int fd, const void* p, std::size_t n) {
  const auto* b = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t k = ::write(fd, b, n);
    if (k <= 0) std::abort();
    b += k, n -= static_cast<std::size_t>(k);
  }
}
inline void read_all(int fd, void* p, std::size_t n) {
  auto* b = static_cast<char*>(p);
  while (n > 0) {
    const ssize_t k = ::read(fd, b, n);
    if (k <= 0) std::abort();
    b += k, n -= static_cast<std::size_t>(k);
  }
}

}  // namespace detail

/// n processes over TCP loopback. Ports are chosen by the OS: each child reports its port
/// through a pipe, party 0 sends everyone the address list and the iteration count.
template <class Make>
void run_tcp_processes(benchmark::State& state, std::size_t n, Make make, double ops_per_iteration) {
  const auto iterations = static_cast<std::uint64_t>(state.max_iterations);
  std::vector<int> up(n), down(n);
  std::vector<pid_t> children;
  for (PartyId me = 1; me < n; ++me) {
    int to_parent[2], to_child[2];
    if (::pipe(to_parent) != 0 || ::pipe(to_child) != 0) std::abort();
    const pid_t pid = ::fork();
    if (pid < 0) std::abort();
    if (pid == 0) {  // the child: party `me`, until it exits
      ::close(to_parent[0]), ::close(to_child[1]);
      int status = 0;
      try {
        edgempc::TcpTransport tcp(edgempc::TcpOptions{.id = me, .parties = n});
        const std::uint16_t port = tcp.local_port();
        detail::write_all(to_parent[1], &port, sizeof port);
        std::vector<std::uint16_t> ports(n);
        std::uint64_t count = 0;
        detail::read_all(to_child[0], ports.data(), n * sizeof(std::uint16_t));
        detail::read_all(to_child[0], &count, sizeof count);
        std::vector<edgempc::TcpEndpoint> all;
        for (const auto p : ports) all.push_back({"127.0.0.1", p});
        tcp.connect(all);
        edgempc::Party party(tcp);
        auto work = make(me);
        setup(work, party);
        for (std::uint64_t i = 0; i < count; ++i) {
          work.prepare();
          work.run(party);
        }
        // Done: party 0 waits for this before it closes, so no message is still in flight.
        party.fork().send_bytes(0, std::vector<std::uint8_t>{1});
      } catch (const std::exception& e) {
        std::fprintf(stderr, "party %u: %s\n", me, e.what());
        status = 1;
      }
      std::fflush(nullptr);
      ::_exit(status);
    }
    ::close(to_parent[1]), ::close(to_child[0]);
    up[me] = to_parent[0], down[me] = to_child[1];
    children.push_back(pid);
  }
  edgempc::TcpTransport tcp(edgempc::TcpOptions{.id = 0, .parties = n});
  std::vector<std::uint16_t> ports(n);
  ports[0] = tcp.local_port();
  for (PartyId me = 1; me < n; ++me) detail::read_all(up[me], &ports[me], sizeof(std::uint16_t));
  for (PartyId me = 1; me < n; ++me) {
    detail::write_all(down[me], ports.data(), n * sizeof(std::uint16_t));
    detail::write_all(down[me], &iterations, sizeof iterations);
    ::close(up[me]), ::close(down[me]);
  }
  std::vector<edgempc::TcpEndpoint> all;
  for (const auto p : ports) all.push_back({"127.0.0.1", p});
  tcp.connect(all);
  {
    edgempc::Party party(tcp);
    auto work = make(0);
    setup(work, party);
    for (auto _ : state) {
      state.PauseTiming();
      work.prepare();
      state.ResumeTiming();
      work.run(party);
    }
    report(state, party.stats(), ops_per_iteration);
    auto done = party.fork();
    for (PartyId me = 1; me < n; ++me) (void)done.receive_bytes(me);
  }
  for (const pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) state.SkipWithError("a child party failed");
  }
}

}  // namespace bench
