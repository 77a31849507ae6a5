// SPDX-License-Identifier: Apache-2.0
// Cost of a device's send step and of a gateway's ingest, beside references in the same binary.
//
// Every benchmark handles 1024 readings or submissions per iteration (the /1024 argument), so
// items_per_second is readings (split, seal) or submissions (open) per second on one core.
//  - BM_split_additive_3: encode one reading and split it into 3 additive shares (target <= 1 us);
//  - BM_split_shamir_3: the same with Shamir t = 1, n = 3;
//  - BM_split_seal_3: make_submissions for one reading and 3 gateways (target <= 5 us);
//  - BM_device_seal_validated: DeviceClient::seal of one validated 16-bit reading for 3
//    gateways (Shamir, X^2 and 16 range bits; target <= 3 us, issue 13);
//  - BM_open_single: a gateway opens 1024 single-reading submissions from 1024 enrolled
//    clients (target >= 100,000/s); BM_open_batch64: 64-reading batches, items = readings
//    (target >= 1,000,000 readings/s). Both include resetting the 1024 replay entries once per
//    iteration, so that the same messages can be opened again;
//  - references: BM_box_seal_raw / BM_box_open_raw (crypto_box_*_afternm of the same bytes,
//    the cipher and MAC alone) and BM_plain_loop (summing the same 8-byte words).
// Counters: bytes_per_submission (on the wire, per gateway) and bytes_per_reading.
#include <benchmark/benchmark.h>

#include <edgempc/platform/enrolment.hpp>
#include <edgempc/platform/device/client.hpp>
#include <edgempc/platform/submission.hpp>

#include <array>
#include <cstdint>
#include <vector>

using namespace edgempc;
using namespace edgempc::platform;

namespace {

KeyPair key(std::uint32_t tag) {
  std::array<std::uint8_t, 32> s{};
  s[0] = 0x40;  // X25519 clamps the low 3 bits of byte 0, so the tag goes elsewhere
  edgempc::detail::store_le<std::uint32_t>(s.data() + 4, tag);
  return KeyPair::from_secret(s);
}

Prg bench_prg() {
  Prg::Seed s{};
  s[0] = 7;
  return Prg(s, PrgAlgorithm::chacha20);
}

std::vector<PublicKey> gateway_keys(std::size_t n) {
  std::vector<PublicKey> out;
  for (std::size_t g = 0; g < n; ++g) out.push_back(key(1000000 + static_cast<std::uint32_t>(g)).public_key());
  return out;
}

void finish(benchmark::State& state, std::size_t items_per_iteration) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(items_per_iteration));
}

void BM_split_additive_3(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto prg = bench_prg();
  const FixedPoint<Mersenne61> format(16);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::array<Mersenne61, 1> x{format.encode(20.0 + 0.001 * static_cast<double>(i))};
      auto shares = share_additive<Mersenne61>(prg, x, 3);
      benchmark::DoNotOptimize(shares.data());
    }
  }
  finish(state, n);
}
BENCHMARK(BM_split_additive_3)->Arg(1024);

void BM_split_shamir_3(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto prg = bench_prg();
  const FixedPoint<Mersenne61> format(16);
  const Shamir scheme(3, 1);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::array<Mersenne61, 1> x{format.encode(20.0 + 0.001 * static_cast<double>(i))};
      auto shares = scheme.share(prg, x);
      benchmark::DoNotOptimize(shares.data());
    }
  }
  finish(state, n);
}
BENCHMARK(BM_split_shamir_3)->Arg(1024);

void BM_split_seal_3(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto prg = bench_prg();
  const FixedPoint<Mersenne61> format(16);
  const auto gateways = gateway_keys(3);
  ClientSealer sealer(key(0), 0, gateways);
  std::uint32_t seq = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::array<double, 1> reading{20.0 + 0.001 * static_cast<double>(i)};
      auto messages = make_submissions<Mersenne61>(sealer, prg, 1, seq++, reading, format, SplitScheme::additive(3));
      bytes = messages[0].size();
      benchmark::DoNotOptimize(messages.data());
    }
  }
  finish(state, n);
  state.counters["bytes_per_submission"] = static_cast<double>(bytes);
}
BENCHMARK(BM_split_seal_3)->Arg(1024);

// One validated 16-bit reading, as a device of a group sends it (DeviceClient::seal: encode, X^2,
// 16 range bits, Shamir t = 1 of 3, seal for each gateway): the figure issue 13 asks for.
void BM_device_seal_validated(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto prg = bench_prg();
  GroupConfig g;
  g.scheme = SplitScheme::shamir(1, 3);
  const auto gateways = gateway_keys(3);
  for (PartyId i = 0; i < 3; ++i)
    g.gateways.push_back({i, "127.0.0.1", static_cast<std::uint16_t>(1 + 2 * i), static_cast<std::uint16_t>(2 + 2 * i), gateways[i]});
  g.channels = {{"level", 0, 0.0, 65535.0, std::nullopt}};  // D = 65535: 16 range bits
  g.policy.recipients = {0};
  DeviceClient device(g, 0, key(0));
  std::uint32_t seq = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::array<double, 1> reading{static_cast<double>((i * 7919) % 65536)};
      auto messages = device.seal(prg, 1, seq++, reading);
      bytes = messages[0].size();
      benchmark::DoNotOptimize(messages.data());
    }
  }
  finish(state, n);
  state.counters["bytes_per_gateway"] = static_cast<double>(bytes);
}
BENCHMARK(BM_device_seal_validated)->Arg(1024);

// 1024 clients enrolled at one gateway, each with one sealed submission of `count` elements.
struct Ingest {
  KeyPair gateway = key(1000000);
  Enrolment enrolment;
  GatewayOpener opener;
  std::vector<std::vector<std::uint8_t>> messages;

  Ingest(std::size_t clients, std::size_t count) : opener(gateway, 0, enrolment) {
    const std::array<PublicKey, 1> gateways{gateway.public_key()};
    std::vector<Mersenne61> shares(count);
    for (std::size_t i = 0; i < count; ++i) shares[i] = Mersenne61::from_int(static_cast<std::int64_t>(i) * 77 - 1000);
    for (std::size_t c = 0; c < clients; ++c) {
      const KeyPair client = key(static_cast<std::uint32_t>(c));
      const ClientId id = enrolment.add_client(client.public_key());
      ClientSealer sealer(client, id, gateways);
      messages.push_back(sealer.seal<Mersenne61>(0, 1, 0, shares));
    }
    open_all();  // warms the precomputed-key cache, as a running gateway has it
  }
  void open_all() {
    enrolment.reset_replay();
    std::array<Mersenne61, submission_max_batch> out;
    for (const auto& m : messages) benchmark::DoNotOptimize(opener.open_into<Mersenne61>(m, out).count);
  }
};

void BM_open_single(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Ingest ingest(n, 1);
  for (auto _ : state) ingest.open_all();
  finish(state, n);
  state.counters["bytes_per_submission"] = static_cast<double>(ingest.messages[0].size());
  state.counters["bytes_per_reading"] = static_cast<double>(ingest.messages[0].size());
}
BENCHMARK(BM_open_single)->Arg(1024);

void BM_open_batch64(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  Ingest ingest(n, 64);
  for (auto _ : state) ingest.open_all();
  finish(state, n * 64);
  state.counters["bytes_per_submission"] = static_cast<double>(ingest.messages[0].size());
  state.counters["bytes_per_reading"] = static_cast<double>(ingest.messages[0].size()) / 64.0;
}
BENCHMARK(BM_open_batch64)->Arg(1024);

// The cipher and MAC alone, on the bytes of a single-reading submission.
void BM_box_seal_raw(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ensure_sodium();
  std::array<std::uint8_t, crypto_box_BEFORENMBYTES> k{};
  randombytes_buf(k.data(), k.size());
  std::array<std::uint8_t, crypto_box_NONCEBYTES> nonce{};
  std::array<std::uint8_t, 8> plain{1, 2, 3, 4, 5, 6, 7, 0};
  std::array<std::uint8_t, 8 + crypto_box_MACBYTES> sealed{};
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      nonce[0] = static_cast<std::uint8_t>(i);
      crypto_box_easy_afternm(sealed.data(), plain.data(), plain.size(), nonce.data(), k.data());
      benchmark::DoNotOptimize(sealed.data());
    }
  }
  finish(state, n);
}
BENCHMARK(BM_box_seal_raw)->Arg(1024);

void BM_box_open_raw(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ensure_sodium();
  std::array<std::uint8_t, crypto_box_BEFORENMBYTES> k{};
  randombytes_buf(k.data(), k.size());
  std::array<std::uint8_t, crypto_box_NONCEBYTES> nonce{};
  std::array<std::uint8_t, 8> plain{1, 2, 3, 4, 5, 6, 7, 0};
  std::array<std::uint8_t, 8 + crypto_box_MACBYTES> sealed{};
  crypto_box_easy_afternm(sealed.data(), plain.data(), plain.size(), nonce.data(), k.data());
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      benchmark::DoNotOptimize(crypto_box_open_easy_afternm(plain.data(), sealed.data(), sealed.size(), nonce.data(), k.data()));
    }
  }
  finish(state, n);
}
BENCHMARK(BM_box_open_raw)->Arg(1024);

void BM_plain_loop(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<std::uint64_t> words(n);
  for (std::size_t i = 0; i < n; ++i) words[i] = i * 0x9e3779b97f4a7c15ULL;
  for (auto _ : state) {
    std::uint64_t sum = 0;
    for (const auto w : words) sum += w;
    benchmark::DoNotOptimize(sum);
  }
  finish(state, n);
}
BENCHMARK(BM_plain_loop)->Arg(1024);

}  // namespace
