// SPDX-License-Identifier: Apache-2.0
// Decode cost of sensor frames, beside references measured in the same binary.
//
// BM_sht3x_poll: a whole Sht3x::poll against a fake I2C bus that answers at once (command,
// read, two CRCs, two Readings, two clock reads), no measurement wait. BM_sht3x_decode: just
// decode_sht3x on a frame in memory. References: BM_crc8_6_bytes (the CRC-8 over all 6 bytes,
// the checksum work a frame needs) and BM_memcpy_6_bytes (moving the frame). The Modbus and
// NMEA parsers are measured the same way. Each runs a batch of 1024 frames per iteration, so
// items_per_second is frames per second; bytes_per_adapter is sizeof the adapter object.
#include <benchmark/benchmark.h>

#include <edgempc/device/crc.hpp>
#include <edgempc/device/modbus_rtu.hpp>
#include <edgempc/device/nmea.hpp>
#include <edgempc/device/sht3x.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

using namespace edgempc;

namespace {

std::vector<std::array<std::uint8_t, 6>> sht3x_frames(std::size_t n) {
  std::mt19937 rng(6);
  std::vector<std::array<std::uint8_t, 6>> frames(n);
  for (auto& f : frames) {
    for (auto& b : f) b = static_cast<std::uint8_t>(rng());
    f[2] = device::crc8_sensirion(std::span(f).first(2));
    f[5] = device::crc8_sensirion(std::span(f).subspan(3, 2));
  }
  return frames;
}

// Answers every read with the next frame of a ring, at once.
struct InstantI2c {
  const std::vector<std::array<std::uint8_t, 6>>* frames = nullptr;
  std::size_t next = 0;
  std::error_code write(std::span<const std::uint8_t>) { return {}; }
  device::IoResult read(std::span<std::uint8_t> in) {
    std::memcpy(in.data(), (*frames)[next].data(), 6);
    next = next + 1 == frames->size() ? 0 : next + 1;
    return {6, {}};
  }
  device::IoResult write_read(std::span<const std::uint8_t>, std::span<std::uint8_t> in) { return read(in); }
};

void finish(benchmark::State& state, std::size_t n) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

void BM_sht3x_poll(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto frames = sht3x_frames(n);
  InstantI2c bus{&frames};
  device::Sht3x sensor(bus, {.measurement_time = std::chrono::microseconds(0)});
  std::array<device::Reading, 2> out;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::hours(24);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      sensor.poll(deadline, out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  finish(state, n);
  state.counters["bytes_per_adapter"] = static_cast<double>(sizeof(sensor));
}

void BM_sht3x_decode(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto frames = sht3x_frames(n);
  for (auto _ : state) {
    for (const auto& f : frames) {
      auto d = device::decode_sht3x(f);
      benchmark::DoNotOptimize(d);
    }
  }
  finish(state, n);
}

void BM_crc8_6_bytes(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto frames = sht3x_frames(n);
  for (auto _ : state) {
    for (const auto& f : frames) {
      auto c = device::crc8_sensirion(f);
      benchmark::DoNotOptimize(c);
    }
  }
  finish(state, n);
}

void BM_memcpy_6_bytes(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto frames = sht3x_frames(n);
  std::array<std::uint8_t, 6> sink{};
  for (auto _ : state) {
    for (const auto& f : frames) {
      std::memcpy(sink.data(), f.data(), 6);
      benchmark::DoNotOptimize(sink.data());
      benchmark::ClobberMemory();
    }
  }
  finish(state, n);
}

void BM_modbus_parse_3_registers(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint8_t> reply{0x11, 0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64};
  const auto crc = device::crc16_modbus(reply);
  reply.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  reply.push_back(static_cast<std::uint8_t>(crc >> 8));
  std::array<std::uint16_t, 3> regs{};
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      benchmark::DoNotOptimize(reply.data());
      auto r = device::parse_read_holding_reply(reply, 0x11, regs);
      benchmark::DoNotOptimize(r);
      benchmark::DoNotOptimize(regs.data());
    }
  }
  finish(state, n);
}

void BM_nmea_gga(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::string gga = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\r\n";
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      benchmark::DoNotOptimize(gga.data());
      auto fix = device::parse_gga(device::parse_nmea(gga).sentence);
      benchmark::DoNotOptimize(fix);
    }
  }
  finish(state, n);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * n * gga.size()));
}

}  // namespace

BENCHMARK(BM_sht3x_poll)->Arg(1024);
BENCHMARK(BM_sht3x_decode)->Arg(1024);
BENCHMARK(BM_crc8_6_bytes)->Arg(1024);
BENCHMARK(BM_memcpy_6_bytes)->Arg(1024);
BENCHMARK(BM_modbus_parse_3_registers)->Arg(1024);
BENCHMARK(BM_nmea_gga)->Arg(1024);
