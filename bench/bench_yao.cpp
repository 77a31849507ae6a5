// SPDX-License-Identifier: Apache-2.0
// Yao's protocol end to end: garbler and evaluator as two processes over TCP on 127.0.0.1
// (or two threads over LocalNetwork), inputs by correlated OT, tables streamed in batches.
//
//   BM_yao_aes_{tcp,local}/<k>: k evaluations of the Bristol AES-128 circuit (6,400 AND gates)
//       per iteration in one session (base OTs done once, untimed); time per iteration / k is
//       the amortised time per AES evaluation. items = AES evaluations.
//   BM_yao_random_{tcp,local}/<g>: one evaluation of a random circuit of g AND gates (and as
//       many XORs) per iteration; items = AND gates, so items/s = AND gates/s end to end.
//   bytes_sent_per_op: bytes the garbler sent per item (tables, its input labels, its OT
//       messages and the decoding bits; 32 bytes per AND gate is the table floor).
//   Reference: BM_garble_only/<g>: garbling the same random circuit in one thread, no network.
#include <benchmark/benchmark.h>

#include <edgempc/gc/bristol.hpp>
#include <edgempc/gc/yao.hpp>

#include <memory>

#include "mpc_world.hpp"

using namespace edgempc;

namespace {

const std::string aes_file = EDGEMPC_BENCH_DATA_DIR "/../../tests/data/circuits/aes_128.txt";

/// A circuit of `ands` AND gates and as many XORs over two 128-bit inputs, from a fixed seed.
gc::Circuit random_circuit(std::size_t ands) {
  gc::Circuit c;
  c.input_widths = {128, 128};
  std::uint32_t wires = 256;
  Prg prg(Prg::Seed{9}, PrgAlgorithm::chacha20);
  for (std::size_t i = 0; i < ands; ++i) {
    const auto pick = [&] { return static_cast<std::uint32_t>(prg.next_u64() % wires); };
    c.gates.push_back({gc::GateType::and_gate, pick(), pick(), wires});
    ++wires;
    c.gates.push_back({gc::GateType::xor_gate, pick(), pick(), wires});
    ++wires;
  }
  for (std::uint32_t k = 0; k < 128; ++k) c.gates.push_back({gc::GateType::eqw, wires - 1 - k, 0, wires + k});
  wires += 128;
  c.wires = wires;
  c.output_widths = {128};
  return c;
}

struct YaoWork {
  std::shared_ptr<const gc::Circuit> circuit;
  std::size_t evaluations;
  PartyId me;
  Prg prg;
  std::unique_ptr<gc::YaoGarbler> garbler;
  std::unique_ptr<gc::YaoEvaluator> evaluator;
  std::vector<bool> bits = std::vector<bool>(128, true);

  YaoWork(std::shared_ptr<const gc::Circuit> c, std::size_t k, PartyId id) : circuit(std::move(c)), evaluations(k), me(id) {
    if (me == 0) garbler = std::make_unique<gc::YaoGarbler>(*circuit, 1);
    else evaluator = std::make_unique<gc::YaoEvaluator>(*circuit, 0);
  }
  template <class P>
  void setup(P& party) {
    if (garbler) garbler->setup(party, prg);
    else evaluator->setup(party, prg);
  }
  void prepare() {}
  template <class P>
  void run(P& party) {
    for (std::size_t i = 0; i < evaluations; ++i) {
      if (garbler) benchmark::DoNotOptimize(garbler->run(party, prg, {true, false}, bits, gc::Reveal::to_evaluator));
      else benchmark::DoNotOptimize(evaluator->run(party, {true, false}, bits, gc::Reveal::to_evaluator));
    }
  }
};

template <bool Tcp>
void yao_aes(benchmark::State& state) {
  std::shared_ptr<const gc::Circuit> aes;
  try {
    aes = std::make_shared<const gc::Circuit>(gc::load_bristol(aes_file));
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  const auto k = static_cast<std::size_t>(state.range(0));
  const auto make = [=](PartyId me) { return YaoWork(aes, k, me); };
  if constexpr (Tcp) bench::run_tcp_processes(state, 2, make, static_cast<double>(k));
  else bench::run_local(state, 2, make, static_cast<double>(k));
  state.counters["ms_per_aes"] =
      benchmark::Counter(static_cast<double>(k) * 1e-3, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

template <bool Tcp>
void yao_random(benchmark::State& state) {
  const auto g = static_cast<std::size_t>(state.range(0));
  const auto c = std::make_shared<const gc::Circuit>(random_circuit(g));
  const auto make = [=](PartyId me) { return YaoWork(c, 1, me); };
  if constexpr (Tcp) bench::run_tcp_processes(state, 2, make, static_cast<double>(g));
  else bench::run_local(state, 2, make, static_cast<double>(g));
}

void BM_garble_only(benchmark::State& state) {
  const auto c = random_circuit(static_cast<std::size_t>(state.range(0)));
  const gc::FixedKey key;
  Prg prg;
  std::vector<Block> zero(c.input_bits());
  gc::random_labels(prg, zero);
  const Block delta = gc::random_delta(prg);
  gc::Garbler garbler(c, key);
  for (auto _ : state)
    benchmark::DoNotOptimize(garbler.garble(delta, zero, [](std::span<const Block> t) { benchmark::DoNotOptimize(t.data()); }));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_yao_aes_tcp(benchmark::State& s) { yao_aes<true>(s); }
void BM_yao_aes_local(benchmark::State& s) { yao_aes<false>(s); }
void BM_yao_random_tcp(benchmark::State& s) { yao_random<true>(s); }
void BM_yao_random_local(benchmark::State& s) { yao_random<false>(s); }

}  // namespace

BENCHMARK(BM_yao_aes_tcp)->Arg(1)->Arg(1024)->UseRealTime();
BENCHMARK(BM_yao_aes_local)->Arg(1)->Arg(1024)->UseRealTime();
BENCHMARK(BM_yao_random_tcp)->Arg(1024)->Arg(1 << 20)->UseRealTime();
BENCHMARK(BM_yao_random_local)->Arg(1024)->Arg(1 << 20)->UseRealTime();
BENCHMARK(BM_garble_only)->Arg(1024)->Arg(1 << 20);
