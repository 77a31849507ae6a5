// SPDX-License-Identifier: Apache-2.0
// Transports: round-trip latency and throughput of LocalNetwork, TCP on 127.0.0.1 (two
// parties on two threads), and SecureTransport over TCP, beside raw libsodium
// ChaCha20-Poly1305 in the same binary.
//
//   BM_<transport>_roundtrip/<bytes>: party 0 sends a message, party 1 echoes it; time per
//       iteration is the round trip; bytes/s counts both directions.
//   BM_<transport>_stream/<bytes>: party 0 sends a batch of messages back to back, party 1
//       receives them all and acknowledges with one byte; bytes/s is the one-way payload rate.
//   BM_aead_reference/<bytes>: crypto_aead_chacha20poly1305_ietf_encrypt of that many bytes
//       on one core, the yardstick for the secure transport.
#include <benchmark/benchmark.h>

#include <edgempc/net.hpp>

#include <memory>
#include <thread>

using namespace edgempc;
using namespace std::chrono_literals;

namespace {

// Two connected parties of some transport, with whatever owns the layers below them.
template <class T>
struct Pair {
  std::vector<std::shared_ptr<void>> keep_alive;
  T* a = nullptr;
  T* b = nullptr;
};

Pair<LocalTransport> local_pair() {
  auto net = std::make_shared<std::vector<std::unique_ptr<LocalTransport>>>(make_local_network(2));
  return {{net}, (*net)[0].get(), (*net)[1].get()};
}

std::vector<std::shared_ptr<TcpTransport>> tcp_mesh() {
  std::vector<std::shared_ptr<TcpTransport>> t;
  std::vector<TcpEndpoint> addresses;
  for (PartyId i = 0; i < 2; ++i) {
    t.push_back(std::make_shared<TcpTransport>(TcpOptions{.id = i, .parties = 2}));
    addresses.push_back({"127.0.0.1", t.back()->local_port()});
  }
  std::thread other([&] { t[1]->connect(addresses); });
  t[0]->connect(addresses);
  other.join();
  return t;
}

Pair<TcpTransport> tcp_pair() {
  auto t = tcp_mesh();
  return {{t[0], t[1]}, t[0].get(), t[1].get()};
}

template <class Inner>
Pair<SecureTransport<Inner>> secure_over(Pair<Inner> inner) {
  const auto ka = KeyPair::generate(), kb = KeyPair::generate();
  const std::vector<PublicKey> keys = {ka.public_key(), kb.public_key()};
  auto a = std::make_shared<SecureTransport<Inner>>(*inner.a, ka, keys);
  auto b = std::make_shared<SecureTransport<Inner>>(*inner.b, kb, keys);
  std::thread other([&] { b->handshake(10s); });
  a->handshake(10s);
  other.join();
  Pair<SecureTransport<Inner>> out{inner.keep_alive, a.get(), b.get()};
  out.keep_alive.push_back(a);
  out.keep_alive.push_back(b);
  return out;
}

template <class T>
void roundtrip(benchmark::State& state, Pair<T> p) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::vector<std::uint8_t> message(size, 0x5a);
  std::thread echo([&] {
    for (;;) {
      auto m = p.b->receive(0, 60s);
      if (m.empty()) return;  // the stop signal
      p.b->send(0, m);
    }
  });
  for (auto _ : state) {
    p.a->send(1, message);
    benchmark::DoNotOptimize(p.a->receive(1, 60s));
  }
  p.a->send(1, std::span<const std::uint8_t>{});
  echo.join();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * 2 * size));
  state.counters["bytes_sent_per_roundtrip"] = static_cast<double>(p.a->stats().bytes_sent) /
                                                static_cast<double>(std::max<std::uint64_t>(1, p.a->stats().messages_sent));
}

template <class T>
void stream(benchmark::State& state, Pair<T> p) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::size_t batch = std::max<std::size_t>(4, (std::size_t{8} << 20) / size);  // >= 8 MiB per batch
  const std::vector<std::uint8_t> message(size, 0x5a);
  std::thread sink([&] {
    for (;;) {
      for (std::size_t i = 0; i < batch; ++i)
        if (p.b->receive(0, 60s).empty()) return;  // the stop signal, sent between batches
      p.b->send(0, std::vector<std::uint8_t>{1});
    }
  });
  for (auto _ : state) {
    for (std::size_t i = 0; i < batch; ++i) p.a->send(1, message);
    benchmark::DoNotOptimize(p.a->receive(1, 60s));
  }
  p.a->send(1, std::span<const std::uint8_t>{});
  sink.join();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * batch * size));
}

void aead_reference(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  ensure_sodium();
  std::vector<std::uint8_t> in(size, 0x5a), out(size + crypto_aead_chacha20poly1305_ietf_ABYTES);
  unsigned char key[crypto_aead_chacha20poly1305_ietf_KEYBYTES] = {1};
  unsigned char nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES] = {};
  for (auto _ : state) {
    crypto_aead_chacha20poly1305_ietf_encrypt(out.data(), nullptr, in.data(), in.size(), nullptr, 0, nullptr, nonce,
                                              key);
    ++nonce[0];
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void sizes(benchmark::internal::Benchmark* b) {
  b->Arg(1 << 10)->Arg(64 << 10)->Arg(16 << 20)->UseRealTime()->Unit(benchmark::kMicrosecond);
}

const int registered = [] {
  benchmark::RegisterBenchmark("BM_local_roundtrip", [](benchmark::State& s) { roundtrip(s, local_pair()); })->Apply(sizes);
  benchmark::RegisterBenchmark("BM_tcp_roundtrip", [](benchmark::State& s) { roundtrip(s, tcp_pair()); })->Apply(sizes);
  benchmark::RegisterBenchmark("BM_secure_tcp_roundtrip", [](benchmark::State& s) {
    roundtrip(s, secure_over(tcp_pair()));
  })->Apply(sizes);
  benchmark::RegisterBenchmark("BM_local_stream", [](benchmark::State& s) { stream(s, local_pair()); })->Apply(sizes);
  benchmark::RegisterBenchmark("BM_tcp_stream", [](benchmark::State& s) { stream(s, tcp_pair()); })->Apply(sizes);
  benchmark::RegisterBenchmark("BM_secure_tcp_stream", [](benchmark::State& s) {
    stream(s, secure_over(tcp_pair()));
  })->Apply(sizes);
  benchmark::RegisterBenchmark("BM_secure_local_stream", [](benchmark::State& s) {
    stream(s, secure_over(local_pair()));
  })->Apply(sizes);
  benchmark::RegisterBenchmark("BM_aead_reference", aead_reference)->Apply(sizes);
  return 0;
}();

}  // namespace
