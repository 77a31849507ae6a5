// SPDX-License-Identifier: Apache-2.0
// Garbling and evaluation throughput in one process on one core: AND gates per second on the
// AES-128 Bristol circuit and on a large random AND-heavy circuit, per fixed-key back-end, with
// the floor beside them: the bare fixed-key permutation of as many blocks as the garbler (four
// per AND gate) or the evaluator (two) hashes.
//
// Names: garble/<circuit>/<backend>/<arg>, evaluate/..., permute/<backend>/<blocks>. For the
// AES circuit the argument is the sink batch (AND gates per callback); for the random circuit
// it is the number of gates. Counters: and_gates/s, bytes_per_and (the table size: 32).
// BM_field_stats_garble/<n>: garbling the min/max/alert-count circuit of gc/field_stats.hpp for
// n Mersenne61-shared values of w = 24 bits (default back-end); items/s are values/s.
#include <benchmark/benchmark.h>

#include <edgempc/gc/bristol.hpp>
#include <edgempc/gc/field_stats.hpp>
#include <edgempc/gc/garble.hpp>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

using namespace edgempc;

namespace {

Prg bench_prg() {
  Prg::Seed seed{};
  seed[0] = 0x42;
  return Prg(seed, PrgAlgorithm::chacha20);
}

const gc::Circuit* aes_circuit() {
  static const std::optional<gc::Circuit> c = []() -> std::optional<gc::Circuit> {
#if defined(EDGEMPC_BENCH_DATA_DIR)
    const std::filesystem::path path = std::filesystem::path(EDGEMPC_BENCH_DATA_DIR) / "../../tests/data/circuits/aes_128.txt";
    if (std::filesystem::exists(path)) return gc::load_bristol(path);
#endif
    return std::nullopt;
  }();
  return c ? &*c : nullptr;
}

// Half ANDs, the rest XOR and INV, over uniformly random earlier wires: AND-heavy and with
// little locality, so the labels' memory traffic is part of the cost.
gc::Circuit random_circuit(std::uint32_t gates) {
  Prg prg = bench_prg();
  gc::Circuit c;
  const std::uint32_t inputs = 256, outputs = 128;
  c.input_widths = {inputs / 2, inputs / 2};
  c.output_widths = {outputs};
  c.wires = inputs + gates;
  for (std::uint32_t i = 0; i < gates; ++i) {
    const std::uint32_t set = inputs + i;
    const std::uint64_t r = prg.next_u64();
    const std::uint32_t kind = static_cast<std::uint32_t>(r % 10);
    const auto type = kind < 5 ? gc::GateType::and_gate : kind < 9 ? gc::GateType::xor_gate : gc::GateType::inv;
    c.gates.push_back({type, static_cast<std::uint32_t>((r >> 8) % set), static_cast<std::uint32_t>((r >> 36) % set), set});
  }
  return c;
}

const gc::Circuit& random_circuit_cached(std::uint32_t gates) {
  static std::vector<std::pair<std::uint32_t, gc::Circuit>> cache;
  for (const auto& [n, c] : cache)
    if (n == gates) return c;
  return cache.emplace_back(gates, random_circuit(gates)).second;
}

struct Inputs {
  Block delta;
  std::vector<Block> zero;
  std::vector<Block> active;
};

Inputs random_inputs(const gc::Circuit& c) {
  Prg prg = bench_prg();
  Inputs in{gc::random_delta(prg), std::vector<Block>(c.input_bits()), {}};
  gc::random_labels(prg, in.zero);
  for (std::size_t i = 0; i < in.zero.size(); ++i) in.active.push_back(in.zero[i] ^ (Block::mask(i % 3 == 0) & in.delta));
  return in;
}

void set_counters(benchmark::State& state, std::uint64_t and_gates, double table_blocks) {
  state.counters["and_gates/s"] =
      benchmark::Counter(static_cast<double>(and_gates) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["bytes_per_and"] = table_blocks * sizeof(Block) / static_cast<double>(and_gates);
}

void garble(benchmark::State& state, const gc::Circuit& c, gc::PermutationBackend backend, std::size_t batch) {
  const gc::FixedKey key(gc::FixedKey::default_seed, backend);
  gc::Garbler garbler(c, key, batch);
  const Inputs in = random_inputs(c);
  std::size_t blocks = 0;
  for (auto _ : state) {
    blocks = 0;
    auto decoding = garbler.garble(in.delta, in.zero, [&](std::span<const Block> t) {
      benchmark::DoNotOptimize(t.data());
      blocks += t.size();
    });
    benchmark::DoNotOptimize(decoding);
  }
  set_counters(state, c.and_count(), static_cast<double>(blocks));
}

void evaluate(benchmark::State& state, const gc::Circuit& c, gc::PermutationBackend backend) {
  const gc::FixedKey key(gc::FixedKey::default_seed, backend);
  const Inputs in = random_inputs(c);
  std::vector<Block> tables;
  gc::Garbler(c, key).garble(in.delta, in.zero, [&](std::span<const Block> t) { tables.insert(tables.end(), t.begin(), t.end()); });
  gc::Evaluator evaluator(c, key);
  for (auto _ : state) {
    bool served = false;
    auto out = evaluator.evaluate(in.active, [&]() {
      const std::span<const Block> s = served ? std::span<const Block>() : std::span<const Block>(tables);
      served = true;
      return s;
    });
    benchmark::DoNotOptimize(out.data());
  }
  set_counters(state, c.and_count(), static_cast<double>(tables.size()));
}

// The floor: the permutation alone on n blocks, with AND gates/s counted as n / 4 (the
// garbler's four hashes per gate).
void permute(benchmark::State& state, gc::PermutationBackend backend) {
  const gc::FixedKey key(gc::FixedKey::default_seed, backend);
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<Block> x(n), y(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = Block{i, ~i};
  for (auto _ : state) {
    key.permute(x, y);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["blocks/s"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["and_gates/s"] = benchmark::Counter(static_cast<double>(n) / 4 * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate);
}

void field_stats_garble(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  static std::vector<std::pair<std::size_t, gc::Circuit>> cache;  // built once per n, not timed
  auto it = std::find_if(cache.begin(), cache.end(), [n](const auto& e) { return e.first == n; });
  if (it == cache.end()) it = cache.insert(cache.end(), {n, gc::field_stats_circuit({24, 0}, n)});
  const gc::Circuit& c = it->second;
  garble(state, c, gc::best_permutation_backend(), gc::Garbler::default_batch_gates);
  state.SetItemsProcessed(static_cast<std::int64_t>(n) * static_cast<std::int64_t>(state.iterations()));
  state.counters["and_per_value"] = static_cast<double>(c.and_count()) / static_cast<double>(n);
}

const bool registered = [] {
  benchmark::RegisterBenchmark("BM_field_stats_garble", field_stats_garble)->Arg(1024)->Arg(16384)->Unit(benchmark::kMillisecond);
  for (const auto backend : gc::available_permutation_backends()) {
    const std::string b(gc::to_string(backend));
    for (const std::int64_t batch : {1024, 4096})
      benchmark::RegisterBenchmark(("garble/aes128/" + b + "/" + std::to_string(batch)).c_str(),
                                   [=](benchmark::State& s) {
                                     if (const auto* c = aes_circuit()) garble(s, *c, backend, static_cast<std::size_t>(batch));
                                     else s.SkipWithError("tests/data/circuits/aes_128.txt not found");
                                   })
          ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("evaluate/aes128/" + b + "/1024").c_str(), [=](benchmark::State& s) {
      if (const auto* c = aes_circuit()) evaluate(s, *c, backend);
      else s.SkipWithError("tests/data/circuits/aes_128.txt not found");
    })->Unit(benchmark::kMicrosecond);
    for (const std::uint32_t gates : {1024u, 1u << 20}) {
      benchmark::RegisterBenchmark(("garble/random/" + b + "/" + std::to_string(gates)).c_str(), [=](benchmark::State& s) {
        garble(s, random_circuit_cached(gates), backend, gc::Garbler::default_batch_gates);
      })->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("evaluate/random/" + b + "/" + std::to_string(gates)).c_str(), [=](benchmark::State& s) {
        evaluate(s, random_circuit_cached(gates), backend);
      })->Unit(benchmark::kMillisecond);
    }
    // 25,600 blocks: the garbler's hashes for the AES circuit's 6,400 AND gates.
    benchmark::RegisterBenchmark(("permute/" + b).c_str(), [=](benchmark::State& s) { permute(s, backend); })
        ->Arg(1024)
        ->Arg(25600)
        ->Unit(benchmark::kMicrosecond);
  }
  return true;
}();

}  // namespace
