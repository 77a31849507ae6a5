// SPDX-License-Identifier: Apache-2.0
// The platform balancer: weighted rendezvous lookups, beside one keyed hash per lookup, and the
// share of clients a joining group moves.
//
//   BM_group_for/<groups>/<clients>: Balancer::group_for for each of `clients` 32-byte keys,
//       groups of weights 1, 2, 3, 1, 2, 3, ...; items = lookups.
//   BM_group_for_reference/<clients>: one SipHash-2-4 (crypto_shorthash) per key, the least a
//       keyed lookup can cost; a lookup adds one mix, log and divide per group to it.
//   BM_moved_on_join/<groups>/<clients>: assigns the clients with `groups` equal groups, then
//       times the reassignment after one more joins; user counters moved_fraction (measured)
//       and expected (1 / (groups + 1)).
//   BM_group_for_pool/<clients>/real_time: the lookups of BM_group_for/64 spread over a
//       platform::ThreadPool with one thread per core.
#include <benchmark/benchmark.h>

#include <edgempc/core/prg.hpp>
#include <edgempc/platform/balancer.hpp>
#include <edgempc/platform/thread_pool.hpp>

#include <sodium.h>

#include <array>
#include <cstdint>
#include <vector>

namespace {

using ClientKey = std::array<std::uint8_t, 32>;
using edgempc::platform::Balancer;

std::vector<ClientKey> make_clients(std::size_t n) {
  edgempc::Prg::Seed seed{};
  seed[0] = 0xba;
  edgempc::Prg prg(seed, edgempc::PrgAlgorithm::chacha20);
  std::vector<ClientKey> v(n);
  for (ClientKey& k : v) prg.fill(k);
  return v;
}

Balancer make_balancer(std::size_t groups, bool weighted) {
  Balancer b;
  for (std::size_t i = 0; i < groups; ++i) b.add_group(i, weighted ? static_cast<double>(1 + i % 3) : 1.0);
  return b;
}

void BM_group_for(benchmark::State& state) {
  const Balancer b = make_balancer(static_cast<std::size_t>(state.range(0)), true);
  const auto clients = make_clients(static_cast<std::size_t>(state.range(1)));
  for (auto _ : state)
    for (const ClientKey& k : clients) benchmark::DoNotOptimize(b.group_for(k));
  state.SetItemsProcessed(state.iterations() * state.range(1));
}
BENCHMARK(BM_group_for)->Args({3, 1024})->Args({16, 1024})->Args({64, 1024});

void BM_group_for_reference(benchmark::State& state) {
  const auto clients = make_clients(static_cast<std::size_t>(state.range(0)));
  std::array<std::uint8_t, crypto_shorthash_KEYBYTES> key{};
  std::array<std::uint8_t, crypto_shorthash_BYTES> out{};
  for (auto _ : state)
    for (const ClientKey& k : clients) {
      crypto_shorthash(out.data(), k.data(), k.size(), key.data());
      benchmark::DoNotOptimize(out);
    }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_group_for_reference)->Arg(1024);

void BM_moved_on_join(benchmark::State& state) {
  const auto groups = static_cast<std::size_t>(state.range(0));
  const auto clients = make_clients(static_cast<std::size_t>(state.range(1)));
  Balancer before = make_balancer(groups, false);
  std::vector<Balancer::id_type> old_assignment;
  old_assignment.reserve(clients.size());
  for (const ClientKey& k : clients) old_assignment.push_back(before.group_for(k));
  Balancer after = before;
  after.add_group(groups, 1.0);
  std::size_t moved = 0;
  for (auto _ : state) {
    moved = 0;
    for (std::size_t i = 0; i < clients.size(); ++i) moved += after.group_for(clients[i]) != old_assignment[i] ? 1 : 0;
    benchmark::DoNotOptimize(moved);
  }
  state.SetItemsProcessed(state.iterations() * state.range(1));
  state.counters["moved_fraction"] = static_cast<double>(moved) / static_cast<double>(clients.size());
  state.counters["expected"] = 1.0 / static_cast<double>(groups + 1);
}
BENCHMARK(BM_moved_on_join)->Args({16, 1024})->Args({2, 100'000})->Args({16, 100'000})->Args({64, 100'000});

void BM_group_for_pool(benchmark::State& state) {
  const Balancer b = make_balancer(64, true);
  const auto clients = make_clients(static_cast<std::size_t>(state.range(0)));
  std::vector<Balancer::id_type> out(clients.size());
  edgempc::platform::ThreadPool pool;
  for (auto _ : state) {
    pool.parallel_for(clients.size(), 256, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) out[i] = b.group_for(clients[i]);
    });
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["threads"] = static_cast<double>(pool.concurrency());
}
BENCHMARK(BM_group_for_pool)->Arg(1024)->Arg(65536)->UseRealTime();

}  // namespace
