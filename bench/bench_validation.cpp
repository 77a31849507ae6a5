// SPDX-License-Identifier: Apache-2.0
// What checking the devices costs the gateways (issue 13), in one process, the gateways as
// threads over LocalNetwork (no TCP, no store: the protocol's own cost).
//
// BM_validate_shares/<clients>/real_time: 3 gateways (Shamir t = 1) run validate_shares
// (platform/gateway/validation.hpp: committed coin, one masked exchange, consistency, squares
// and range bits) over <clients> honest devices of one reading of 2 channels each, encoded by
// the device path (temperature [-40, 125] and humidity [0, 100] at 12 fraction bits: 20 and
// 19 range bits, 43 elements per device). Counters: ns_per_reading (wall
// time per reading, all three gateways on this machine's cores), cpu_ns_per_reading_per_gw (the
// gateway threads' CPU time per reading, averaged over the 3: one gateway's cost per core),
// bytes_per_gateway (what one gateway sends in all). Beside it, BM_validate_reference/<clients>: the same arithmetic a
// gateway must do anyway to read the shares once (one dot product over every element), in one
// thread: the floor.
// BM_field_range/<values>/real_time: the range circuit (gc/field_range.hpp) between two parties
// over <values> shared readings, garbling, OT and evaluation; ns_per_value. Beside it,
// BM_field_stats/<values>: the min/max/alerts circuit (gc/field_stats.hpp, w = 21) on as many,
// once semi-honest and once by dual execution (what the round runs with devices validated).
#include <benchmark/benchmark.h>

#include <edgempc/gc/field_range.hpp>
#include <edgempc/gc/field_stats.hpp>
#include <edgempc/net/local_network.hpp>
#include <edgempc/platform/device/client.hpp>
#include <edgempc/platform/gateway/validation.hpp>
#include <edgempc/sharing/shamir.hpp>

#include <ctime>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

using namespace edgempc;
using namespace edgempc::platform;

namespace {

Prg bench_prg(std::uint8_t tag) {
  Prg::Seed seed{};
  seed[0] = tag;
  return Prg(seed, PrgAlgorithm::chacha20);
}

using Held = std::map<ClientId, std::vector<Mersenne61>>;

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// The channels of bench_round and the tests, Shamir t = 1 of 3, devices validated.
GroupConfig bench_group() {
  GroupConfig g;
  g.scheme = SplitScheme::shamir(1, 3);
  for (PartyId i = 0; i < 3; ++i)
    g.gateways.push_back({i, "127.0.0.1", static_cast<std::uint16_t>(1 + 2 * i), static_cast<std::uint16_t>(2 + 2 * i), PublicKey{}});
  g.channels = {{"temperature", 12, -40.0, 125.0, 30.0}, {"humidity", 12, 0.0, 100.0, std::nullopt}};
  g.policy.recipients = {0};
  return g;
}

/// Per gateway: every client's shares of one reading of 2 channels, as the device sends them
/// (values, exact squares, range bits).
std::vector<Held> fleet(std::size_t clients) {
  Prg prg = bench_prg(1);
  const Shamir shamir(3, 1);
  const GroupConfig g = bench_group();
  std::vector<Held> held(3);
  for (ClientId c = 0; c < clients; ++c) {
    const std::array<double, 2> reading{-40.0 + static_cast<double>(prg.next_u64() % 165000) / 1000.0,
                                        static_cast<double>(prg.next_u64() % 100000) / 1000.0};
    const auto s = encode_channel_readings(g, reading);
    const auto shares = shamir.share(prg, s);
    for (PartyId p = 0; p < 3; ++p) held[p][c] = shares[p];
  }
  return held;
}

void BM_validate_shares(benchmark::State& state) {
  const auto clients = static_cast<std::size_t>(state.range(0));
  const auto held = fleet(clients);
  ContributorSet candidates;
  for (ClientId c = 0; c < clients; ++c) candidates.emplace_back(c, 1);
  const std::vector<PartyId> live{0, 1, 2};
  const ReadingLayout layout(bench_group());
  std::uint64_t sent = 0;
  double cpu = 0;  // seconds of CPU, summed over the 3 gateway threads and the iterations
  std::mutex cpu_mutex;
  for (auto _ : state) {
    auto ts = make_local_network(3);
    std::vector<std::thread> threads;
    std::vector<std::size_t> rejected(3);
    for (PartyId me = 0; me < 3; ++me)
      threads.emplace_back([&, me] {
        Party party(*ts[me], std::chrono::seconds(60));
        const double t0 = thread_cpu_seconds();
        rejected[me] = validate_shares(party, SplitScheme::shamir(1, 3), live, candidates, held[me], layout, true).size();
        const double used = thread_cpu_seconds() - t0;
        const std::lock_guard lock(cpu_mutex);
        cpu += used;
      });
    for (auto& t : threads) t.join();
    if (rejected[0] != 0) state.SkipWithError("an honest device was rejected");
    // Gateway 0, the most: to each peer a commitment, its coin part and pair seed, and 3 values
    // (one consistency row, the square, the range).
    sent = 2 * 32 + 2 * 64 + 2 * 8 * 3;
  }
  const double readings = static_cast<double>(clients) * 2;
  state.counters["ns_per_reading"] =
      benchmark::Counter(readings * static_cast<double>(state.iterations()) * 1e-9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["bytes_per_gateway"] = static_cast<double>(sent);
  // CPU per reading per gateway: what one core of one gateway spends.
  state.counters["cpu_ns_per_reading_per_gw"] = cpu / 3 / (readings * static_cast<double>(state.iterations())) * 1e9;
}

void BM_validate_reference(benchmark::State& state) {
  const auto clients = static_cast<std::size_t>(state.range(0));
  const auto held = fleet(clients);
  std::vector<Mersenne61> rho(held[0].begin()->second.size());
  Prg prg = bench_prg(2);
  batch::random_fill<Mersenne61>(prg, rho);
  for (auto _ : state) {
    Mersenne61 acc = Mersenne61::zero();
    for (const auto& [c, e] : held[0]) acc = acc + batch::dot<Mersenne61>(rho, e);
    benchmark::DoNotOptimize(acc);
  }
  const double readings = static_cast<double>(clients) * 2;
  state.counters["ns_per_reading"] =
      benchmark::Counter(readings * static_cast<double>(state.iterations()) * 1e-9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

template <class F>
void two_parties(F&& body) {
  auto ts = make_local_network(2);
  std::thread other([&] {
    Party party(*ts[1], std::chrono::seconds(60));
    body(party, PartyId{1});
  });
  Party party(*ts[0], std::chrono::seconds(60));
  body(party, PartyId{0});
  other.join();
}

std::pair<std::vector<Mersenne61>, std::vector<Mersenne61>> shared_values(std::size_t n) {
  Prg prg = bench_prg(3);
  std::vector<Mersenne61> x(n), a(n), b(n);
  for (auto& v : x) v = Mersenne61::from_int(static_cast<std::int64_t>(prg.next_u64() % 600000) - 100000);
  batch::random_fill<Mersenne61>(prg, a);
  batch::sub<Mersenne61>(x, a, b);
  return {a, b};
}

void BM_field_range(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto [a, b] = shared_values(n);
  const gc::FieldRangeSpec spec{-163840, 512000};
  for (auto _ : state) {
    two_parties([&](auto& party, PartyId me) {
      Prg prg = bench_prg(static_cast<std::uint8_t>(10 + me));
      const auto bits = gc::two_party_field_range(party, prg, 1 - me, me == 0, spec,
                                                  std::span<const Mersenne61>(me == 0 ? a : b), gc::Reveal::to_both);
      benchmark::DoNotOptimize(bits);
    });
  }
  state.counters["ns_per_value"] = benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()) * 1e-9,
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.counters["and_per_value"] = static_cast<double>(gc::field_range_circuit(spec, n).and_count()) / static_cast<double>(n);
}

void BM_field_stats(benchmark::State& state, gc::Reveal reveal) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto [a, b] = shared_values(n);
  const gc::FieldStatsSpec spec{21, 122880};
  for (auto _ : state) {
    two_parties([&](auto& party, PartyId me) {
      Prg prg = bench_prg(static_cast<std::uint8_t>(20 + me));
      const auto stats = gc::two_party_field_stats(party, prg, 1 - me, me == 0, spec,
                                                   std::span<const Mersenne61>(me == 0 ? a : b), reveal);
      benchmark::DoNotOptimize(stats);
    });
  }
  state.counters["ns_per_value"] = benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()) * 1e-9,
                                                      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(BM_validate_shares)->Arg(1024)->Arg(10000)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_validate_reference)->Arg(1024)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_field_range)->Arg(1024)->Arg(8192)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_field_stats, semi_honest, gc::Reveal::to_both)->Arg(1024)->Arg(8192)->UseRealTime()->Unit(benchmark::kMillisecond);
// The same by dual execution (gc/dual_execution.hpp), as the round runs it with devices validated.
BENCHMARK_CAPTURE(BM_field_stats, dual_execution, gc::Reveal::to_both_checked)
    ->Arg(1024)
    ->Arg(8192)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
