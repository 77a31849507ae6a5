// SPDX-License-Identifier: Apache-2.0
// Secret sharing, Beaver multiplication, honest-majority multiplication and sums, with the
// bytes each party sends, beside references measured in the same run.
//
//   BM_beaver_online_{local,tcp}/<n>/<m>: m Beaver multiplications (additive, Z2k<64>) on n
//       parties, triples already held (the online phase). tcp = one process per party.
//   BM_dealer_additive/<n>/<m>: the dealer phase: the dealer makes PRG-compressed triples for n
//       parties and every party expands its message (one thread; bytes = the dealer's messages).
//   BM_honest_majority_{local,tcp}/3/<m>: m Shamir multiplications (GRR, t = 1), no dealer.
//   BM_shamir_share/<n>/<m>, BM_shamir_reconstruct/<n>/<m>: t = (n - 1) / 2, one thread.
//   BM_sum_inputs_tcp/3/<m>: party 0 shares m inputs (Mersenne61) to 3 processes, every party
//       sums its shares, party 0 learns the sum. BM_sum_held_tcp: the shares already held.
//   References: BM_exchange_tcp_reference/2/<m>: two processes swap 16m bytes (what one Beaver
//       round must move); BM_mul_reference/<m>: batch::mul of m elements (its local arithmetic).
#include <benchmark/benchmark.h>

#include <edgempc/edgempc.hpp>

#include "mpc_world.hpp"

using namespace edgempc;
using Ring = Z2k<64>;

namespace {

Prg fixed_prg(std::uint8_t tag) {
  Prg::Seed s{};
  s[0] = tag;
  return Prg(s, PrgAlgorithm::chacha20);
}

/// Beaver online phase: this party's triples are expanded once; prepare() hands a fresh copy
/// to a new Triples batch, because a batch hands out each triple once.
struct BeaverWork {
  AdditiveScheme<Ring> scheme;
  std::size_t m;
  std::vector<Ring> a, b, c, x, y;
  Triples<Ring> triples;

  BeaverWork(std::size_t n, std::size_t batch, PartyId me) : scheme(n), m(batch), x(batch), y(batch) {
    auto prg = fixed_prg(1);
    const auto messages = TrustedDealer<Ring>(n).additive(prg, m);
    auto mine = open_triples<Ring>(messages[me], m);
    const auto v = mine.take(m);
    a.assign(v.a.begin(), v.a.end()), b.assign(v.b.begin(), v.b.end()), c.assign(v.c.begin(), v.c.end());
    batch::random_fill<Ring>(prg, x);
    batch::random_fill<Ring>(prg, y);
  }
  void prepare() { triples = Triples<Ring>(a, b, c); }
  template <class P>
  void run(P& party) {
    benchmark::DoNotOptimize(beaver_multiply(party, scheme, triples, x, y));
  }
};

struct HonestMajorityWork {
  HonestMajorityMultiplier multiply;
  std::vector<Mersenne61> x, y;
  Prg prg;
  HonestMajorityWork(std::size_t n, std::size_t m, PartyId me)
      : multiply(Shamir(n, (n - 1) / 2)), x(m), y(m), prg(fixed_prg(static_cast<std::uint8_t>(10 + me))) {
    batch::random_fill<Mersenne61>(prg, x);
    batch::random_fill<Mersenne61>(prg, y);
  }
  void prepare() {}
  template <class P>
  void run(P& party) {
    benchmark::DoNotOptimize(multiply(party, prg, x, y));
  }
};

/// Party 0 holds m inputs and shares them; everybody sums; party 0 learns the sum.
struct SumWork {
  AdditiveScheme<Mersenne61> scheme;
  bool distribute;
  std::vector<Mersenne61> inputs, held;
  Prg prg;
  SumWork(std::size_t n, std::size_t m, PartyId me, bool with_inputs)
      : scheme(n), distribute(with_inputs), inputs(me == 0 ? m : 0), held(m), prg(fixed_prg(20)) {
    batch::random_fill<Mersenne61>(prg, inputs);
    batch::random_fill<Mersenne61>(prg, held);
  }
  void prepare() {}
  template <class P>
  void run(P& party) {
    const PartyId me = party.id();
    if (distribute) {
      if (me == 0) {
        auto shares = share_additive<Mersenne61>(prg, inputs, scheme.parties());
        for (PartyId p = 1; p < scheme.parties(); ++p) party.template send<Mersenne61>(p, shares[p]);
        held = std::move(shares[0]);
      } else {
        held = party.template receive<Mersenne61>(0, held.size());
      }
    }
    const std::vector<PartyId> to0{0};
    benchmark::DoNotOptimize(secure_sum(party, scheme, held, to0));
  }
};

/// The floor of one Beaver round between two parties: swap 16 bytes per multiplication.
struct ExchangeWork {
  std::vector<std::uint8_t> out;
  explicit ExchangeWork(std::size_t m) : out(16 * m, 0x5a) {}
  void prepare() {}
  template <class P>
  void run(P& party) {
    const PartyId peer = 1 - party.id();
    party.send_bytes(peer, out);
    benchmark::DoNotOptimize(party.receive_bytes(peer));
  }
};

template <class W, class... A>
auto maker(A... args) {
  return [=](PartyId me) { return W(args..., me); };
}

void BM_beaver_online_local(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), m = static_cast<std::size_t>(state.range(1));
  bench::run_local(state, n, maker<BeaverWork>(n, m), static_cast<double>(m));
}
void BM_beaver_online_tcp(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), m = static_cast<std::size_t>(state.range(1));
  bench::run_tcp_processes(state, n, maker<BeaverWork>(n, m), static_cast<double>(m));
}
void BM_honest_majority_local(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), m = static_cast<std::size_t>(state.range(1));
  bench::run_local(state, n, maker<HonestMajorityWork>(n, m), static_cast<double>(m));
}
void BM_honest_majority_tcp(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), m = static_cast<std::size_t>(state.range(1));
  bench::run_tcp_processes(state, n, maker<HonestMajorityWork>(n, m), static_cast<double>(m));
}
void BM_sum_inputs_tcp(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), m = static_cast<std::size_t>(state.range(1));
  bench::run_tcp_processes(state, n, [=](PartyId me) { return SumWork(n, m, me, true); }, static_cast<double>(m));
}
void BM_sum_held_tcp(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), m = static_cast<std::size_t>(state.range(1));
  bench::run_tcp_processes(state, n, [=](PartyId me) { return SumWork(n, m, me, false); }, static_cast<double>(m));
}
void BM_exchange_tcp_reference(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(1));
  bench::run_tcp_processes(state, 2, [=](PartyId) { return ExchangeWork(m); }, static_cast<double>(m));
}

void BM_mul_reference(benchmark::State& state) {
  const auto m = static_cast<std::size_t>(state.range(0));
  auto prg = fixed_prg(30);
  std::vector<Ring> x(m), y(m), z(m);
  batch::random_fill<Ring>(prg, x);
  batch::random_fill<Ring>(prg, y);
  for (auto _ : state) {
    batch::mul<Ring>(x, y, z);
    benchmark::DoNotOptimize(z.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(m));
}

void BM_dealer_additive(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), m = static_cast<std::size_t>(state.range(1));
  auto prg = fixed_prg(40);
  const TrustedDealer<Ring> dealer(n);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto messages = dealer.additive(prg, m);
    bytes = 0;
    for (const auto& message : messages) {
      bytes += message.size();
      auto t = open_triples<Ring>(message, m);
      benchmark::DoNotOptimize(t.take(m).c.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(m));
  state.counters["bytes_sent_per_op"] = static_cast<double>(bytes) / static_cast<double>(m);
}

void BM_shamir_share(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), m = static_cast<std::size_t>(state.range(1));
  const Shamir shamir(n, (n - 1) / 2);
  auto prg = fixed_prg(50);
  std::vector<Mersenne61> secrets(m);
  batch::random_fill<Mersenne61>(prg, secrets);
  for (auto _ : state) benchmark::DoNotOptimize(shamir.share(prg, secrets));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(m));
}

void BM_shamir_reconstruct(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0)), m = static_cast<std::size_t>(state.range(1));
  const Shamir shamir(n, (n - 1) / 2);
  auto prg = fixed_prg(51);
  std::vector<Mersenne61> secrets(m);
  batch::random_fill<Mersenne61>(prg, secrets);
  const auto shares = shamir.share(prg, secrets);
  std::vector<PartyId> holders;
  for (PartyId p = 0; p <= shamir.threshold(); ++p) holders.push_back(p);
  const Reconstruction reconstruct(shamir, holders);
  const std::span<const std::vector<Mersenne61>> first(shares.data(), holders.size());
  for (auto _ : state) benchmark::DoNotOptimize(reconstruct(first));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(m));
}

void batches(benchmark::internal::Benchmark* b, std::initializer_list<std::int64_t> parties) {
  for (const auto n : parties)
    for (std::int64_t m = 1 << 10; m <= 1 << 20; m <<= 2) b->Args({n, m});
}

}  // namespace

BENCHMARK(BM_beaver_online_local)->Apply([](auto* b) { batches(b, {2, 3}); })->UseRealTime();
BENCHMARK(BM_beaver_online_tcp)->Apply([](auto* b) { batches(b, {2, 3}); })->UseRealTime();
BENCHMARK(BM_exchange_tcp_reference)->Apply([](auto* b) { batches(b, {2}); })->UseRealTime();
BENCHMARK(BM_mul_reference)->RangeMultiplier(4)->Range(1 << 10, 1 << 20);
BENCHMARK(BM_dealer_additive)->Apply([](auto* b) { batches(b, {2, 3}); });
BENCHMARK(BM_honest_majority_local)->Apply([](auto* b) { batches(b, {3}); })->UseRealTime();
BENCHMARK(BM_honest_majority_tcp)->Apply([](auto* b) { batches(b, {3}); })->UseRealTime();
BENCHMARK(BM_shamir_share)->ArgsProduct({{3, 5, 7}, {1 << 10, 1 << 20}});
BENCHMARK(BM_shamir_reconstruct)->ArgsProduct({{3, 5, 7}, {1 << 10, 1 << 20}});
BENCHMARK(BM_sum_inputs_tcp)->Args({3, 1024})->Args({3, 1'000'000})->UseRealTime();
BENCHMARK(BM_sum_held_tcp)->Args({3, 1024})->Args({3, 1'000'000})->UseRealTime();
