// SPDX-License-Identifier: Apache-2.0
// Oblivious transfer: base OTs, IKNP correlated and random OTs, OT-based Beaver triples, in one
// process (two threads over LocalNetwork) and as two processes over TCP loopback, beside the
// local work they are made of, measured in the same run.
//
//   BM_base_ot_local/<n>: n Chou-Orlandi base OTs (ristretto255), sender and receiver threads.
//   BM_correlated_ot_{local,tcp}/<n>: n IKNP correlated OTs (global Delta, 16 bytes per OT on
//       the wire). Party 0 is the receiver; it waits for a one-byte acknowledgement from the
//       sender after each batch, so the time is end to end.
//   BM_random_ot_{local,tcp}/<n>: the same plus the correlation-robust hash on both sides
//       (fixed-key AES: AES-NI, VAES, ARMv8 AES or the bitsliced portable AES).
//   These four run the semi-honest IKNP (OtCheck::none), the reference for:
//   BM_{correlated,random}_ot_kos_{local,tcp}/<n>: the same with the KOS consistency check
//       (the default OtConfig): 256 extra OTs, a 16-byte seed and a 32-byte answer per
//       message of up to 65,536 OTs, and one GF(2^128) product per row on each side.
//   BM_gf128_dot_{portable,pclmul}/<n>: the check's inner product alone over n rows.
//   BM_ot_triples_{local,tcp}/<count>: count Beaver triples over Z2k<64> (Gilboa), 128 OTs each.
//   The setup (128 base OTs each way) is outside the timed region everywhere but BM_base_ot.
//   References (one thread): BM_tccr_reference/<n> fixed-key AES TCCR of n blocks (two AES
//       each); BM_tccr_portable_reference/<n> the same on the bitsliced AES (a CPU without
//       AES instructions); BM_blake2b_hash_reference/<n> the portable hash; BM_transpose_<kernel>/<n> the
//       128 x n bit transpose (IKNP transposes slabs of 4096); BM_prg_reference/<n> the 32n bytes of AES-CTR a receiver
//       expands; BM_memcpy_reference/<n> 16n bytes (one u matrix).
#include <benchmark/benchmark.h>

#include <edgempc/beaver.hpp>
#include <edgempc/ot.hpp>

#include <cstring>
#include <memory>

#include "mpc_world.hpp"

using namespace edgempc;

namespace {

Prg fixed_prg(std::uint8_t tag) {
  Prg::Seed s{};
  s[0] = tag;
  s[1] = 0x07;
  return Prg(s, PrgAlgorithm::chacha20);
}

/// Runs `f` with the clock stopped when this is the timing party (the others have no state).
template <class F>
void untimed(benchmark::State* state, F&& f) {
  if (state != nullptr) state->PauseTiming();
  f();
  if (state != nullptr) state->ResumeTiming();
}

struct BaseOtWork {
  PartyId me;
  std::size_t n;
  Prg prg;
  BitVector choices;
  BaseOtWork(std::size_t count, PartyId id)
      : me(id), n(count), prg(fixed_prg(static_cast<std::uint8_t>(1 + id))), choices(BitVector::random(prg, count)) {}
  void prepare() {}
  template <class P>
  void run(P& party) {
    if (me == 0) benchmark::DoNotOptimize(base_ot_send(party, 1, prg, n));
    else benchmark::DoNotOptimize(base_ot_receive(party, 0, prg, choices));
  }
};

/// Party 0 receives, party 1 sends; `random` adds the hash; `check` is the OtConfig's.
struct ExtensionWork {
  PartyId me;
  benchmark::State* state;
  bool random;
  Prg prg;
  std::unique_ptr<OtExtensionSender> sender;
  std::unique_ptr<OtExtensionReceiver> receiver;
  BitVector choices;
  std::vector<Block> m0, m1;

  ExtensionWork(benchmark::State* s, bool hashed, OtCheck check, std::size_t n, PartyId id)
      : me(id), state(id == 0 ? s : nullptr), random(hashed), prg(fixed_prg(static_cast<std::uint8_t>(10 + id))),
        choices(BitVector::random(prg, n)), m0(n), m1(n) {
    OtConfig config;
    config.check = check;
    if (me == 0) receiver = std::make_unique<OtExtensionReceiver>(1, config);
    else sender = std::make_unique<OtExtensionSender>(0, config);
  }
  void prepare() {}
  template <class P>
  void run(P& party) {
    if (me == 0) {
      if (!receiver->ready()) untimed(state, [&] { receiver->setup(party, prg); });
      if (random) receiver->random(party, choices, m0);
      else receiver->correlated(party, choices, m0);
      (void)party.receive_bytes(1);  // the sender has finished the batch
    } else {
      if (!sender->ready()) sender->setup(party, prg);
      if (random) sender->random(party, m0, m1);
      else sender->correlated(party, m0);
      party.send_bytes(0, std::vector<std::uint8_t>{1});
    }
    benchmark::DoNotOptimize(m0.data());
  }
};

struct TriplesWork {
  PartyId me;
  benchmark::State* state;
  std::size_t count;
  Prg prg;
  BidirectionalOt ot;
  TriplesWork(benchmark::State* s, std::size_t n, PartyId id)
      : me(id), state(id == 0 ? s : nullptr), count(n), prg(fixed_prg(static_cast<std::uint8_t>(20 + id))),
        ot(1 - id) {}
  void prepare() {}
  template <class P>
  void run(P& party) {
    if (!ot.ready()) untimed(state, [&] { ot.setup(party, prg); });
    auto triples = ot_triples(party, ot, prg, count);
    benchmark::DoNotOptimize(triples.remaining());
  }
};

template <class W, class... A>
auto maker(A... args) {
  return [=](PartyId me) { return W(args..., me); };
}

std::size_t arg(const benchmark::State& state) { return static_cast<std::size_t>(state.range(0)); }

void BM_base_ot_local(benchmark::State& state) {
  bench::run_local(state, 2, maker<BaseOtWork>(arg(state)), static_cast<double>(arg(state)));
}
void extension_local(benchmark::State& state, bool hashed, OtCheck check) {
  bench::run_local(state, 2, maker<ExtensionWork>(&state, hashed, check, arg(state)), static_cast<double>(arg(state)));
}
void extension_tcp(benchmark::State& state, bool hashed, OtCheck check) {
  bench::run_tcp_processes(state, 2, maker<ExtensionWork>(&state, hashed, check, arg(state)),
                           static_cast<double>(arg(state)));
}
void BM_correlated_ot_local(benchmark::State& state) { extension_local(state, false, OtCheck::none); }
void BM_correlated_ot_tcp(benchmark::State& state) { extension_tcp(state, false, OtCheck::none); }
void BM_random_ot_local(benchmark::State& state) { extension_local(state, true, OtCheck::none); }
void BM_random_ot_tcp(benchmark::State& state) { extension_tcp(state, true, OtCheck::none); }
void BM_correlated_ot_kos_local(benchmark::State& state) { extension_local(state, false, OtCheck::kos); }
void BM_correlated_ot_kos_tcp(benchmark::State& state) { extension_tcp(state, false, OtCheck::kos); }
void BM_random_ot_kos_local(benchmark::State& state) { extension_local(state, true, OtCheck::kos); }
void BM_random_ot_kos_tcp(benchmark::State& state) { extension_tcp(state, true, OtCheck::kos); }
void BM_ot_triples_local(benchmark::State& state) {
  bench::run_local(state, 2, maker<TriplesWork>(&state, arg(state)), static_cast<double>(arg(state)));
}
void BM_ot_triples_tcp(benchmark::State& state) {
  bench::run_tcp_processes(state, 2, maker<TriplesWork>(&state, arg(state)), static_cast<double>(arg(state)));
}

std::vector<Block> blocks(std::size_t n) {
  std::vector<Block> v(n);
  auto prg = fixed_prg(30);
  prg.fill(v.data(), n * sizeof(Block));
  return v;
}

void hash_reference(benchmark::State& state, CrHashAlgorithm alg) {
  if (!cr_hash_supported(alg)) {
    state.SkipWithError("no AES-NI here");
    return;
  }
  const auto in = blocks(arg(state));
  std::vector<Block> out(in.size());
  std::uint64_t tweak = 0;
  for (auto _ : state) {
    cr_hash(alg, in, tweak, out);
    tweak += in.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size() * 16));
}
void BM_tccr_reference(benchmark::State& state) { hash_reference(state, CrHashAlgorithm::fixed_key_aes); }
// The same hash on the portable bitsliced AES, as a CPU without AES instructions runs it.
void BM_tccr_portable_reference(benchmark::State& state) {
  const auto in = blocks(arg(state));
  std::vector<Block> out(in.size());
  std::uint64_t tweak = 0;
  for (auto _ : state) {
    detail::tccr::tccr(detail::fixed_key_aes::Backend::portable, in.data(), Block{}, tweak, out.data(), in.size());
    tweak += in.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * in.size()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * in.size() * 16));
}
void BM_blake2b_hash_reference(benchmark::State& state) { hash_reference(state, CrHashAlgorithm::blake2b); }

void transpose_with(benchmark::State& state, TransposeKernel k) {
  if (!transpose_kernel_supported(k)) {
    state.SkipWithError("kernel not available here");
    return;
  }
  const std::size_t n = arg(state);
  std::vector<std::uint8_t> rows(16 * n, 0x5a);
  auto prg = fixed_prg(31);
  prg.fill(rows);
  std::vector<Block> out(n);
  for (auto _ : state) {
    transpose_128(rows, n / 8, out, k);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * 16));
}
void BM_transpose_portable(benchmark::State& state) { transpose_with(state, TransposeKernel::portable); }
void BM_transpose_sse2(benchmark::State& state) { transpose_with(state, TransposeKernel::sse2); }
void BM_transpose_avx2(benchmark::State& state) { transpose_with(state, TransposeKernel::avx2); }
void BM_transpose_avx512(benchmark::State& state) { transpose_with(state, TransposeKernel::avx512); }

void BM_prg_reference(benchmark::State& state) {
  std::vector<std::uint8_t> out(32 * arg(state));
  Prg prg(Prg::Seed{}, default_prg_algorithm());
  for (auto _ : state) {
    prg.fill(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * arg(state)));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * out.size()));
}

void gf128_dot(benchmark::State& state, detail::gf128::Kernel k) {
  if (!detail::gf128::supported(k)) {
    state.SkipWithError("kernel not available here");
    return;
  }
  const auto a = blocks(arg(state)), b = blocks(arg(state));
  for (auto _ : state) {
    detail::gf128::Wide acc;
    detail::gf128::dot(a, b, acc, k);
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * a.size()));
}
void BM_gf128_dot_portable(benchmark::State& state) { gf128_dot(state, detail::gf128::Kernel::portable); }
void BM_gf128_dot_pclmul(benchmark::State& state) { gf128_dot(state, detail::gf128::Kernel::pclmul); }

void BM_memcpy_reference(benchmark::State& state) {
  std::vector<std::uint8_t> a(16 * arg(state), 1), b(a.size());
  for (auto _ : state) {
    std::memcpy(b.data(), a.data(), a.size());
    benchmark::DoNotOptimize(b.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * arg(state)));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * a.size()));
}

void ot_sizes(benchmark::internal::Benchmark* b) {
  for (const std::int64_t n : {1 << 10, 1 << 16, 1 << 20, 1 << 23}) b->Arg(n);
}

}  // namespace

BENCHMARK(BM_base_ot_local)->Arg(128)->Arg(1024)->UseRealTime();
BENCHMARK(BM_correlated_ot_local)->Apply(ot_sizes)->UseRealTime();
BENCHMARK(BM_correlated_ot_tcp)->Apply(ot_sizes)->UseRealTime();
BENCHMARK(BM_random_ot_local)->Apply(ot_sizes)->UseRealTime();
BENCHMARK(BM_random_ot_tcp)->Apply(ot_sizes)->UseRealTime();
BENCHMARK(BM_correlated_ot_kos_local)->Apply(ot_sizes)->UseRealTime();
BENCHMARK(BM_correlated_ot_kos_tcp)->Apply(ot_sizes)->UseRealTime();
BENCHMARK(BM_random_ot_kos_local)->Apply(ot_sizes)->UseRealTime();
BENCHMARK(BM_random_ot_kos_tcp)->Apply(ot_sizes)->UseRealTime();
BENCHMARK(BM_ot_triples_local)->Arg(1024)->Arg(1 << 16)->UseRealTime();
BENCHMARK(BM_ot_triples_tcp)->Arg(1024)->Arg(1 << 16)->Arg(1'000'000)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_tccr_reference)->Arg(1024)->Arg(1 << 16);
BENCHMARK(BM_tccr_portable_reference)->Arg(1024)->Arg(1 << 16);
BENCHMARK(BM_blake2b_hash_reference)->Arg(1024)->Arg(1 << 16);
BENCHMARK(BM_transpose_portable)->Arg(1024)->Arg(4096)->Arg(1 << 16);
BENCHMARK(BM_transpose_sse2)->Arg(1024)->Arg(4096)->Arg(1 << 16);
BENCHMARK(BM_transpose_avx2)->Arg(1024)->Arg(4096)->Arg(1 << 16);
BENCHMARK(BM_transpose_avx512)->Arg(1024)->Arg(4096)->Arg(1 << 16);
BENCHMARK(BM_prg_reference)->Arg(1024)->Arg(1 << 16);
BENCHMARK(BM_gf128_dot_portable)->Arg(1 << 16);
BENCHMARK(BM_gf128_dot_pclmul)->Arg(1 << 16);
BENCHMARK(BM_memcpy_reference)->Arg(1024)->Arg(1 << 16);
