// SPDX-License-Identifier: Apache-2.0
// The gateway's ingest port (platform/gateway/tcp_ingest.hpp): what an idle held connection
// costs, and how fast pipelined requests are framed and answered.
//
// BM_ingest_held/<n>:            open <n> idle connections to a TcpIngest on 127.0.0.1 and hold
//                                them; counter bytes_per_connection = the growth of the heap in
//                                use over <n> (the server's sessions, timers and buffers, plus
//                                this process's client socket objects; kernel socket buffers are
//                                not counted).
// BM_held_reference/<n>:         the yardstick: the same <n> connections to a bare Asio acceptor
//                                that accepts and holds each socket with no session, no timer
//                                and no buffer; the difference is what TcpIngest adds.
// BM_ingest_requests/<n>:        <n> 100-byte requests pipelined in one write, answered by a
//                                handler that only writes the replies; items = requests.
// Limits: n stays below the usual 1,024 descriptors (2 per connection in one process).
#include <benchmark/benchmark.h>

#include <edgempc/platform/gateway/tcp_ingest.hpp>

#include <malloc.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace {

using boost::asio::ip::tcp;
namespace ep = edgempc::platform;

// Heap bytes in use (glibc's mallinfo2: small blocks plus mmapped ones). Resident memory does
// not move for this: the blocks come from pages the process already touched.
long heap_in_use() {
  const struct mallinfo2 m = ::mallinfo2();
  return static_cast<long>(m.uordblks + m.hblkhd);
}

ep::TcpIngest::Handler replier() {
  return [](const std::vector<std::span<const std::uint8_t>>& frames, std::vector<std::uint8_t>& out) {
    for (const auto f : frames) {
      const auto r = ep::detail::encode_reply(static_cast<ep::IngestKind>(f[0]), 0);
      out.insert(out.end(), r.begin(), r.end());
    }
    return true;
  };
}

std::vector<tcp::socket> connect_many(boost::asio::io_context& io, std::uint16_t port, std::size_t n) {
  std::vector<tcp::socket> out;
  for (std::size_t i = 0; i < n; ++i) {
    tcp::socket s(io);
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    out.push_back(std::move(s));
  }
  return out;
}

void BM_ingest_held(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ep::IngestLimits limits;
  limits.max_connections = limits.max_per_address = n + 1;
  double per = 0;
  for (auto _ : state) {
    ep::TcpIngest port("127.0.0.1", 0, replier(), limits);
    boost::asio::io_context io;
    const long before = heap_in_use();
    auto clients = connect_many(io, port.port(), n);
    while (port.counters().open < n) std::this_thread::yield();
    per = static_cast<double>(heap_in_use() - before) / static_cast<double>(n);
  }
  state.counters["bytes_per_connection"] = per;
}
BENCHMARK(BM_ingest_held)->Arg(256)->Arg(400)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_held_reference(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  double per = 0;
  for (auto _ : state) {
    boost::asio::io_context server_io;
    tcp::acceptor acceptor(server_io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    std::vector<std::unique_ptr<tcp::socket>> held;
    std::atomic<std::size_t> count{0};
    std::function<void()> accept = [&] {
      acceptor.async_accept([&](const boost::system::error_code& ec, tcp::socket s) {
        if (ec) return;
        held.push_back(std::make_unique<tcp::socket>(std::move(s)));
        ++count;
        accept();
      });
    };
    accept();
    std::thread t([&] { server_io.run(); });
    boost::asio::io_context io;
    const long before = heap_in_use();
    auto clients = connect_many(io, acceptor.local_endpoint().port(), n);
    while (count < n) std::this_thread::yield();
    per = static_cast<double>(heap_in_use() - before) / static_cast<double>(n);
    server_io.stop();
    t.join();
  }
  state.counters["bytes_per_connection"] = per;
}
BENCHMARK(BM_held_reference)->Arg(256)->Arg(400)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_ingest_requests(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ep::TcpIngest port("127.0.0.1", 0, replier());
  ep::IngestClient client("127.0.0.1", port.port());
  std::vector<std::vector<std::uint8_t>> requests(n, std::vector<std::uint8_t>(100, 0x42));
  for (auto _ : state) {
    const auto codes = client.submit(std::span<const std::vector<std::uint8_t>>(requests));
    benchmark::DoNotOptimize(codes.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_ingest_requests)->Arg(1024)->Arg(16384)->UseRealTime();

}  // namespace
