// SPDX-License-Identifier: Apache-2.0
// Batch arithmetic, PRG fill: edgempc beside a plain reference measured in the same run.
//
// Names: BM_<op> runs on the active back-end (the widest this CPU has), BM_<op>_<backend> on a
// named one, BM_<op>_reference is the plain loop (unsigned __int128 and %) over the same data.
// BM_memcpy copies the bytes of one vector: the memory-bandwidth yardstick for add and sub.
// bytes_per_second counts every byte an operation reads or writes (add: two inputs, one
// output; memcpy: one read, one write), so bandwidth-bound operations compare directly.
#include <benchmark/benchmark.h>

#include <edgempc/core.hpp>

#include <cstring>
#include <string>
#include <vector>

using namespace edgempc;

namespace {

__extension__ using u128 = unsigned __int128;
constexpr u128 p = Mersenne61::modulus;

template <class T>
std::vector<T> random_vector(std::size_t n, std::uint8_t tag) {
  Prg::Seed seed{};
  seed[0] = tag;
  Prg prg(seed, PrgAlgorithm::chacha20);
  std::vector<T> v(n);
  batch::random_fill<T>(prg, v);
  return v;
}

void report(benchmark::State& state, std::size_t n, std::size_t words_touched, std::size_t word_size = 8) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * words_touched * word_size));
}

// --- element-wise binary operations -------------------------------------------------------

enum class Op { add, sub, mul };

template <Op op>
void bm_binary(benchmark::State& state, std::optional<Backend> backend) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Mersenne61>(n, 1), b = random_vector<Mersenne61>(n, 2);
  std::vector<Mersenne61> out(n);
  for (auto _ : state) {
    if constexpr (op == Op::add) batch::add<Mersenne61>(a, b, out, backend);
    if constexpr (op == Op::sub) batch::sub<Mersenne61>(a, b, out, backend);
    if constexpr (op == Op::mul) batch::mul<Mersenne61>(a, b, out, backend);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}

template <Op op>
void bm_binary_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Mersenne61>(n, 1), b = random_vector<Mersenne61>(n, 2);
  std::vector<std::uint64_t> out(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      const u128 x = a[i].to_uint(), y = b[i].to_uint();
      if constexpr (op == Op::add) out[i] = static_cast<std::uint64_t>((x + y) % p);
      if constexpr (op == Op::sub) out[i] = static_cast<std::uint64_t>((x + p - y) % p);
      if constexpr (op == Op::mul) out[i] = static_cast<std::uint64_t>((x * y) % p);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}

void bm_neg(benchmark::State& state, std::optional<Backend> backend) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Mersenne61>(n, 1);
  std::vector<Mersenne61> out(n);
  for (auto _ : state) {
    batch::neg<Mersenne61>(a, out, backend);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 2);
}

void bm_neg_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Mersenne61>(n, 1);
  std::vector<std::uint64_t> out(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint64_t>((p - a[i].to_uint()) % p);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 2);
}

void bm_mul_add(benchmark::State& state, std::optional<Backend> backend) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto x = random_vector<Mersenne61>(n, 1), y = random_vector<Mersenne61>(n, 2);
  const auto s = Mersenne61::from_uint(0x123456789abcdefull);
  std::vector<Mersenne61> out(n);
  for (auto _ : state) {
    batch::mul_add<Mersenne61>(s, x, y, out, backend);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}

void bm_mul_add_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto x = random_vector<Mersenne61>(n, 1), y = random_vector<Mersenne61>(n, 2);
  const u128 s = 0x123456789abcdefull % p;
  std::vector<std::uint64_t> out(n);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint64_t>((s * x[i].to_uint() + y[i].to_uint()) % p);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}

// --- reductions ---------------------------------------------------------------------------

void bm_sum(benchmark::State& state, std::optional<Backend> backend) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Mersenne61>(n, 1);
  for (auto _ : state) benchmark::DoNotOptimize(batch::sum<Mersenne61>(a, backend));
  report(state, n, 1);
}

void bm_sum_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Mersenne61>(n, 1);
  for (auto _ : state) {
    u128 acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = (acc + a[i].to_uint()) % p;
    benchmark::DoNotOptimize(acc);
  }
  report(state, n, 1);
}

void bm_dot(benchmark::State& state, std::optional<Backend> backend) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Mersenne61>(n, 1), b = random_vector<Mersenne61>(n, 2);
  for (auto _ : state) benchmark::DoNotOptimize(batch::dot<Mersenne61>(a, b, backend));
  report(state, n, 2);
}

void bm_dot_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Mersenne61>(n, 1), b = random_vector<Mersenne61>(n, 2);
  for (auto _ : state) {
    u128 acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = (acc + static_cast<u128>(a[i].to_uint()) * b[i].to_uint()) % p;
    benchmark::DoNotOptimize(acc);
  }
  report(state, n, 2);
}

// --- the ring Z_2^64 ----------------------------------------------------------------------

template <Op op>
void bm_z64(benchmark::State& state, std::optional<Backend> backend) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Z2k<64>>(n, 1), b = random_vector<Z2k<64>>(n, 2);
  std::vector<Z2k<64>> out(n);
  for (auto _ : state) {
    if constexpr (op == Op::add) batch::add<Z2k<64>>(a, b, out, backend);
    if constexpr (op == Op::mul) batch::mul<Z2k<64>>(a, b, out, backend);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}

template <Op op>
void bm_z64_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Z2k<64>>(n, 1), b = random_vector<Z2k<64>>(n, 2);
  std::vector<std::uint64_t> out(n);
  constexpr u128 m = u128{1} << 64;
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      const u128 x = a[i].to_uint(), y = b[i].to_uint();
      out[i] = static_cast<std::uint64_t>((op == Op::add ? x + y : x * y) % m);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 3);
}

// --- PRG field fill -----------------------------------------------------------------------

void bm_random_fill(benchmark::State& state, PrgAlgorithm algorithm) {
  const auto n = static_cast<std::size_t>(state.range(0));
  if (!prg_algorithm_supported(algorithm)) {
    state.SkipWithError("algorithm not supported on this CPU");
    return;
  }
  Prg prg(Prg::Seed{}, algorithm);
  std::vector<Mersenne61> out(n);
  for (auto _ : state) {
    batch::random_fill<Mersenne61>(prg, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 1);
}

// Raw libsodium ChaCha20 keystream into the same bytes: what the chacha20 fill is built on.
void bm_random_fill_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ensure_sodium();
  std::vector<unsigned char> out(n * 8);
  unsigned char key[crypto_stream_chacha20_KEYBYTES] = {}, nonce[crypto_stream_chacha20_NONCEBYTES] = {};
  for (auto _ : state) {
    crypto_stream_chacha20(out.data(), out.size(), nonce, key);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 1);
}

// --- memory bandwidth ---------------------------------------------------------------------

void bm_memcpy(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto a = random_vector<Mersenne61>(n, 1);
  std::vector<Mersenne61> out(n);
  for (auto _ : state) {
    std::memcpy(out.data(), a.data(), n * sizeof(Mersenne61));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  report(state, n, 2);
}

void sizes(benchmark::internal::Benchmark* b) { b->RangeMultiplier(4)->Range(1 << 10, 1 << 22); }

template <class F>
void with_backends(const std::string& name, F f) {
  benchmark::RegisterBenchmark(name.c_str(), [f](benchmark::State& s) { f(s, std::nullopt); })->Apply(sizes);
  for (Backend b : available_backends())
    benchmark::RegisterBenchmark((name + "_" + std::string(to_string(b))).c_str(),
                                 [f, b](benchmark::State& s) { f(s, b); })
        ->Apply(sizes);
}

const int registered = [] {
  with_backends("BM_add", bm_binary<Op::add>);
  benchmark::RegisterBenchmark("BM_add_reference", bm_binary_reference<Op::add>)->Apply(sizes);
  with_backends("BM_sub", bm_binary<Op::sub>);
  benchmark::RegisterBenchmark("BM_sub_reference", bm_binary_reference<Op::sub>)->Apply(sizes);
  with_backends("BM_neg", bm_neg);
  benchmark::RegisterBenchmark("BM_neg_reference", bm_neg_reference)->Apply(sizes);
  with_backends("BM_mul", bm_binary<Op::mul>);
  benchmark::RegisterBenchmark("BM_mul_reference", bm_binary_reference<Op::mul>)->Apply(sizes);
  with_backends("BM_mul_add", bm_mul_add);
  benchmark::RegisterBenchmark("BM_mul_add_reference", bm_mul_add_reference)->Apply(sizes);
  with_backends("BM_sum", bm_sum);
  benchmark::RegisterBenchmark("BM_sum_reference", bm_sum_reference)->Apply(sizes);
  with_backends("BM_dot", bm_dot);
  benchmark::RegisterBenchmark("BM_dot_reference", bm_dot_reference)->Apply(sizes);
  with_backends("BM_z64_add", bm_z64<Op::add>);
  benchmark::RegisterBenchmark("BM_z64_add_reference", bm_z64_reference<Op::add>)->Apply(sizes);
  with_backends("BM_z64_mul", bm_z64<Op::mul>);
  benchmark::RegisterBenchmark("BM_z64_mul_reference", bm_z64_reference<Op::mul>)->Apply(sizes);
  benchmark::RegisterBenchmark("BM_random_fill", bm_random_fill, PrgAlgorithm::aes128_ctr)->Apply(sizes);
  benchmark::RegisterBenchmark("BM_random_fill_chacha20", bm_random_fill, PrgAlgorithm::chacha20)->Apply(sizes);
  benchmark::RegisterBenchmark("BM_random_fill_reference", bm_random_fill_reference)->Apply(sizes);
  benchmark::RegisterBenchmark("BM_memcpy", bm_memcpy)->Apply(sizes);
  return 0;
}();

}  // namespace
