// SPDX-License-Identifier: Apache-2.0
// TcpIngest in one process over 127.0.0.1: framing and pipelining, the connection limits (total
// and per source address), the idle and slow-request timeouts, and accept() out of descriptors.
#include <catch2/catch.hpp>

#include <edgempc/platform/gateway/tcp_ingest.hpp>

#include <sys/resource.h>

#include <atomic>
#include <thread>

#include "protocol_harness.hpp"

using namespace edgempc;
using namespace edgempc::platform;
using boost::asio::ip::tcp;

namespace {

// Answers a submission with `accepted` and the frame's length in the detail field; a status
// request with `finishing`. A frame whose first byte is 9 makes the handler refuse.
TcpIngest::Handler echo(std::atomic<std::size_t>* frames_seen = nullptr) {
  return [frames_seen](const std::vector<std::span<const std::uint8_t>>& frames, std::vector<std::uint8_t>& out) {
    for (const auto f : frames) {
      if (f[0] == 9) return false;
      const auto r = platform::detail::encode_reply(static_cast<IngestKind>(f[0]), 0, static_cast<std::uint32_t>(f.size()));
      out.insert(out.end(), r.begin(), r.end());
    }
    if (frames_seen) *frames_seen += frames.size();
    return true;
  };
}

template <class F>
bool eventually(F&& done, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

tcp::socket connect_from(boost::asio::io_context& io, const std::string& from, std::uint16_t port) {
  tcp::socket s(io);
  s.open(tcp::v4());
  s.bind({boost::asio::ip::make_address(from), 0});
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  return s;
}

// True if the server closed `s` (EOF or reset) within `limit`.
bool closed_by_server(tcp::socket& s, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  s.non_blocking(true);
  std::uint8_t b[64];
  while (std::chrono::steady_clock::now() < until) {
    boost::system::error_code ec;
    const std::size_t n = s.read_some(boost::asio::buffer(b), ec);
    if (ec == boost::asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    if (ec) return true;  // eof or reset
    (void)n;
  }
  return false;
}

std::vector<std::uint8_t> frame(std::uint8_t kind, std::size_t body) {
  std::vector<std::uint8_t> out(5 + body, 0x5a);
  edgempc::detail::store_le<std::uint32_t>(out.data(), static_cast<std::uint32_t>(body + 1));
  out[4] = kind;
  return out;
}

}  // namespace

TEST_CASE("tcp ingest answers pipelined requests in order and refuses bad framing", "[platform]") {
  std::atomic<std::size_t> seen{0};
  TcpIngest port("127.0.0.1", 0, echo(&seen));
  IngestClient c("127.0.0.1", port.port());
  // 600 submissions of random sizes in one write: one reply each, in order.
  Prg prg(Prg::Seed{7});
  std::vector<std::vector<std::uint8_t>> many(600);
  for (auto& m : many) m.assign(1 + prg.next_u64() % (max_request_size - 1), 0x11);
  const auto codes = c.submit(std::span<const std::vector<std::uint8_t>>(many));
  REQUIRE(codes.size() == many.size());
  for (const auto code : codes) CHECK(code == IngestCode::accepted);
  CHECK(seen == 600);
  CHECK(c.status(3) == RoundPhase::collecting);  // code 0

  // A zero length, a length above the largest request, and a handler refusal close the
  // connection; the port goes on serving others.
  for (const std::uint32_t bad_length : {0u, static_cast<std::uint32_t>(max_request_size + 1), 0xffffffffu}) {
    boost::asio::io_context io;
    auto s = connect_from(io, "127.0.0.1", port.port());
    std::array<std::uint8_t, 5> b{};
    edgempc::detail::store_le<std::uint32_t>(b.data(), bad_length);
    boost::asio::write(s, boost::asio::buffer(b));
    CHECK(closed_by_server(s));
  }
  {
    boost::asio::io_context io;
    auto s = connect_from(io, "127.0.0.1", port.port());
    boost::asio::write(s, boost::asio::buffer(frame(9, 3)));
    CHECK(closed_by_server(s));
  }
  CHECK(eventually([&] { return port.counters().bad_framing == 4; }));
  CHECK(c.status(1) == RoundPhase::collecting);
  CHECK(eventually([&] { return port.counters().open == 1; }));
}

TEST_CASE("tcp ingest holds at most max_per_address connections from one address and max_connections in all",
          "[platform]") {
  IngestLimits limits;
  limits.max_per_address = 4;
  limits.max_connections = 7;
  TcpIngest port("127.0.0.1", 0, echo(), limits);
  boost::asio::io_context io;
  std::vector<tcp::socket> from2;
  for (int i = 0; i < 10; ++i) from2.push_back(connect_from(io, "127.0.0.2", port.port()));
  CHECK(eventually([&] { return port.counters().refused_address == 6; }));
  for (int i = 4; i < 10; ++i) CHECK(closed_by_server(from2[i]));
  // Another address is served: 3 more fit under the total.
  std::vector<tcp::socket> from3;
  for (int i = 0; i < 5; ++i) from3.push_back(connect_from(io, "127.0.0.3", port.port()));
  CHECK(eventually([&] { return port.counters().refused_total == 2; }));
  CHECK(port.counters().open == 7);
  for (int i = 3; i < 5; ++i) CHECK(closed_by_server(from3[i]));
  // A held connection still works.
  const auto req = frame(1, 10);
  boost::asio::write(from2[0], boost::asio::buffer(req));
  std::array<std::uint8_t, ingest_reply_size> reply{};
  boost::asio::read(from2[0], boost::asio::buffer(reply));
  CHECK(reply[0] == 1);
  CHECK(edgempc::detail::load_le<std::uint32_t>(reply.data() + 4) == 11);
  // Closing some frees their slots.
  from2.clear();
  CHECK(eventually([&] { return port.counters().open == 3; }));
  IngestClient again("127.0.0.1", port.port());
  CHECK(again.status(0) == RoundPhase::collecting);
}

TEST_CASE("tcp ingest closes idle connections and requests that trickle in", "[platform]") {
  IngestLimits limits;
  limits.idle_timeout = std::chrono::milliseconds(300);
  limits.request_timeout = std::chrono::milliseconds(400);
  TcpIngest port("127.0.0.1", 0, echo(), limits);
  boost::asio::io_context io;
  {  // idle: never sends
    auto s = connect_from(io, "127.0.0.1", port.port());
    CHECK(closed_by_server(s));
  }
  {  // slow: one byte every 50 ms of a 60-byte request, 3 s in all if it were let through
    auto s = connect_from(io, "127.0.0.1", port.port());
    const auto req = frame(1, 55);
    bool cut = false;
    for (const std::uint8_t b : req) {
      boost::system::error_code ec;
      boost::asio::write(s, boost::asio::buffer(&b, 1), ec);
      if (ec) {
        cut = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK((cut || closed_by_server(s)));
  }
  CHECK(eventually([&] { return port.counters().timed_out >= 2; }));
  // A client that sends whole requests, with pauses shorter than the idle timeout, is served.
  IngestClient c("127.0.0.1", port.port());
  for (int i = 0; i < 3; ++i) {
    CHECK(c.status(0) == RoundPhase::collecting);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

TEST_CASE("tcp ingest out of descriptors backs off instead of spinning, and recovers", "[platform]") {
  rlimit old{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &old) == 0);
  IngestLimits limits;
  limits.accept_backoff = std::chrono::milliseconds(50);
  limits.max_per_address = 100000;
  limits.max_connections = 100000;
  TcpIngest port("127.0.0.1", 0, echo(), limits);
  // Count the descriptors in use, and allow 40 more: the clients take some, the server the rest.
  std::size_t in_use = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) (void)e, ++in_use;
  const rlimit tight{static_cast<rlim_t>(in_use + 40), old.rlim_max};
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &tight) == 0);
  // Take every descriptor left with unconnected sockets, then connect them (which needs no
  // descriptor here): the connections wait in the backlog, and the server cannot accept them.
  boost::asio::io_context io;
  std::vector<tcp::socket> clients;
  for (int i = 0; i < 1000; ++i) {
    tcp::socket s(io);
    boost::system::error_code ec;
    s.open(tcp::v4(), ec);
    if (ec) break;
    clients.push_back(std::move(s));
  }
  const std::size_t taken = clients.size();
  for (auto& s : clients) {
    boost::system::error_code ec;
    s.connect({boost::asio::ip::make_address("127.0.0.1"), port.port()}, ec);
  }
  // No Catch2 assertion while the table is full (its own machinery, and the sanitizers', may
  // need a descriptor): measure first, check once the descriptors are back.
  const bool saw_errors = eventually([&] { return port.counters().accept_errors > 0; });
  // Half a second out of descriptors: a few retries (one per back-off), not a spin.
  const auto before = port.counters().accept_errors;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto during = port.counters().accept_errors - before;
  clients.clear();
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &old) == 0);
  CHECK(taken < 1000);
  CHECK(saw_errors);
  CHECK(during <= 20);
  // Descriptors back: the port serves again.
  IngestClient c("127.0.0.1", port.port());
  CHECK(c.status(0) == RoundPhase::collecting);
}

TEST_CASE("tcp ingest limits refuse zero and non-positive values", "[platform]") {
  IngestLimits l;
  CHECK_NOTHROW(l.validate());
  l.max_per_address = 0;
  CHECK_THROWS_MATCHES(l.validate(), error, test::has_code(errc::invalid_argument));
  l = {};
  l.idle_timeout = std::chrono::milliseconds(0);
  CHECK_THROWS_MATCHES(l.validate(), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(TcpIngest("not an address", 0, echo()), error, test::has_code(errc::invalid_argument));
}
