// SPDX-License-Identifier: Apache-2.0
// Cleaning throughput on the UCI air-quality file, and the memory one device costs.
//
// BM_clean/<rows>:            clean::Pipeline (marker, limits, stuck, rate, MAD, encode) over
//                             rows x 13 readings already in memory; items = readings.
// BM_clean_marker_only/<rows>: the same with only the missing-marker check and the encode.
// BM_clean_reference/<rows>:  the plain loop the pipeline is measured against: skip -200,
//                             add up the rest, the least a gateway must do with each reading.
// BM_replay_and_clean/<rows>: parsing the CSV text (CsvReplay) plus the full pipeline.
// BM_device_memory/1024:      heap bytes, counted through a replacing global operator new, held
//                             by one CsvReplay on the file plus its Pipeline after 1024 rows,
//                             plus the two objects' own sizes (user counters; target <= 64 KiB).
#include <benchmark/benchmark.h>

#include <edgempc/clean.hpp>
#include <edgempc/core/mersenne61.hpp>
#include <edgempc/device/csv_replay.hpp>

#include <malloc.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <vector>

using namespace edgempc;

// --- a counting allocator for the whole program -------------------------------------------
// Live heap bytes as malloc sees them (malloc_usable_size, so it includes rounding).
namespace {
std::atomic<long long> live_bytes{0};
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t n) {
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  live_bytes.fetch_add(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  return p;
}
void* operator new[](std::size_t n) { return operator new(n); }
// noinline: inlined next to the matching new, GCC 12 misreads malloc/free as mismatched.
[[gnu::noinline]] void operator delete(void* p) noexcept {
  if (p == nullptr) return;
  live_bytes.fetch_sub(static_cast<long long>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
void operator delete[](void* p) noexcept { operator delete(p); }
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }
void operator delete[](void* p, std::size_t) noexcept { operator delete(p); }

namespace {

#ifdef EDGEMPC_BENCH_DATA_DIR  // set by bench/CMakeLists.txt
const std::string data_file = EDGEMPC_BENCH_DATA_DIR "/air_quality_uci.csv";
#else  // a build by hand: the file sits in examples/data beside bench/
const std::string data_file =
    (std::filesystem::path(__FILE__).parent_path().parent_path() / "examples" / "data" / "air_quality_uci.csv")
        .string();
#endif

device::CsvReplayOptions replay_options() {
  device::CsvReplayOptions o;
  o.timestamp = device::CsvTimestamp::date_time_dmy;
  o.date_column = device::CsvColumn::named("Date");
  o.time_column = device::CsvColumn::named("Time");
  return o;
}

std::vector<clean::ChannelConfig> full_configs(std::size_t n) {
  std::vector<clean::ChannelConfig> configs(n);
  for (clean::ChannelConfig& c : configs) {
    c.missing_marker = -200.0;
    c.limits = clean::Limits{.min = -50.0, .max = 5000.0};
    c.stuck_run = 6;
    c.max_rate_per_second = 1.0;
    c.outliers = clean::MadConfig{.window = 24, .k = 5.0, .min_samples = 12, .min_spread = 0.5};
  }
  return configs;
}

// Every reading of the file, row by row, read once.
const std::vector<device::Reading>& all_readings() {
  static const std::vector<device::Reading> readings = [] {
    device::CsvReplay replay = device::CsvReplay::open(data_file, replay_options());
    std::vector<device::Reading> all, row(replay.channels());
    while (replay.poll({}, row) != 0) all.insert(all.end(), row.begin(), row.end());
    return all;
  }();
  return readings;
}
constexpr std::size_t channels = 13;

std::size_t readings_for(const benchmark::State& state) {
  return std::min(static_cast<std::size_t>(state.range(0)) * channels, all_readings().size());
}

void run_pipeline(benchmark::State& state, const std::vector<clean::ChannelConfig>& configs) {
  const std::vector<device::Reading>& in = all_readings();
  const std::size_t n = readings_for(state);
  std::vector<clean::Cleaned<Mersenne61>> out(n);
  for (auto _ : state) {
    clean::Pipeline<Mersenne61> p(configs, FixedPoint<Mersenne61>(16));  // fresh windows each pass
    p.process(std::span(in).first(n), std::span(out));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void BM_clean(benchmark::State& state) { run_pipeline(state, full_configs(channels)); }

void BM_clean_marker_only(benchmark::State& state) {
  clean::ChannelConfig marker;
  marker.missing_marker = -200.0;
  run_pipeline(state, std::vector<clean::ChannelConfig>(channels, marker));
}

void BM_clean_reference(benchmark::State& state) {
  const std::vector<device::Reading>& in = all_readings();
  const std::size_t n = readings_for(state);
  std::vector<double> out(n);
  for (auto _ : state) {
    double sum = 0;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = in[i].value();
      if (v == -200.0) continue;
      out[kept++] = v;
      sum += v;
    }
    benchmark::DoNotOptimize(sum);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void BM_replay_and_clean(benchmark::State& state) {
  std::ifstream file(data_file, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  const std::string csv = text.str();
  const auto rows = static_cast<std::size_t>(state.range(0));
  const std::vector<clean::ChannelConfig> configs = full_configs(channels);
  std::size_t readings = 0;
  for (auto _ : state) {
    device::CsvReplay replay = device::CsvReplay::from_string(csv, replay_options());
    clean::Pipeline<Mersenne61> p(configs, FixedPoint<Mersenne61>(16));
    std::vector<device::Reading> in(channels);
    std::vector<clean::Cleaned<Mersenne61>> out(channels);
    for (std::size_t r = 0; r < rows && replay.poll({}, in) != 0; ++r) {
      p.process(in, out);
      readings += channels;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(readings));
}

void BM_device_memory(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const std::vector<clean::ChannelConfig> configs = full_configs(channels);
  long long heap = 0;
  for (auto _ : state) {
    const long long before = live_bytes.load();
    {
      device::CsvReplay replay = device::CsvReplay::open(data_file, replay_options());
      clean::Pipeline<Mersenne61> p(configs, FixedPoint<Mersenne61>(16));
      std::vector<device::Reading> in(channels);  // one poll's buffers belong to the device too
      std::vector<clean::Cleaned<Mersenne61>> out(channels);
      for (std::size_t r = 0; r < rows && replay.poll({}, in) != 0; ++r) p.process(in, out);
      heap = live_bytes.load() - before;
      benchmark::DoNotOptimize(out.data());
    }
  }
  const double objects = sizeof(device::CsvReplay) + sizeof(clean::Pipeline<Mersenne61>);
  state.counters["heap_bytes"] = static_cast<double>(heap);
  state.counters["object_bytes"] = objects;
  state.counters["device_bytes"] = static_cast<double>(heap) + objects;
  state.counters["target_bytes"] = 64 * 1024;
}

}  // namespace

BENCHMARK(BM_clean)->Arg(1024)->Arg(9357);
BENCHMARK(BM_clean_marker_only)->Arg(1024)->Arg(9357);
BENCHMARK(BM_clean_reference)->Arg(1024)->Arg(9357);
BENCHMARK(BM_replay_and_clean)->Arg(1024)->Arg(9357);
BENCHMARK(BM_device_memory)->Arg(1024);
