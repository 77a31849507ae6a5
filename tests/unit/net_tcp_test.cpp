// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/net/tcp.hpp>

#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net_conformance.hpp"
#include "net_tcp_mesh.hpp"

using namespace edgempc;
using namespace std::chrono_literals;
using test::expect;
using test::on_all_parties;
using test::pattern;
using test::require_errc;
using test::Mesh;
using test::connect_all;
using test::endpoints_of;
using test::make_mesh;
using test::options;

namespace {

using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::uint8_t>;
using boost::asio::ip::tcp;

/// A port nothing listens on: the OS hands out a free one, which is closed again at once.
std::uint16_t unused_port() {
  boost::asio::io_context io;
  tcp::acceptor probe(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return probe.local_endpoint().port();
}

/// The hello, written out by hand so that the test pins the wire format.
Bytes hello(std::uint32_t id, std::uint32_t parties, std::uint16_t version = 1) {
  Bytes h = {'E', 'M', 'P', 'C', static_cast<std::uint8_t>(version), static_cast<std::uint8_t>(version >> 8), 0, 0};
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<std::uint8_t>(id >> (8 * i)));
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<std::uint8_t>(parties >> (8 * i)));
  return h;
}

Bytes frame_header(std::uint64_t length) {
  Bytes h;
  for (int i = 0; i < 8; ++i) h.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
  return h;
}

/// A hand-driven TCP connection, to play a peer that misbehaves. Reads wait at most a given
/// time, so a test that goes wrong fails instead of hanging.
class RawPeer {
 public:
  explicit RawPeer(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  }

  void write(const Bytes& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }

  std::optional<Bytes> read(std::size_t n, std::chrono::milliseconds timeout) {
    Bytes b(n);
    boost::system::error_code result;
    const bool in_time = run(timeout, [&](auto done) {
      boost::asio::async_read(socket_, boost::asio::buffer(b), [&, done](const boost::system::error_code& ec, std::size_t) {
        result = ec;
        *done = true;
      });
    });
    if (!in_time || result) return std::nullopt;
    return b;
  }

  /// Whether the other side closes this connection (end of stream or reset) within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    std::array<std::uint8_t, 256> b{};
    boost::system::error_code result;
    for (;;) {
      const bool in_time = run(timeout, [&](auto done) {
        socket_.async_read_some(boost::asio::buffer(b), [&, done](const boost::system::error_code& ec, std::size_t) {
          result = ec;
          *done = true;
        });
      });
      if (!in_time) return false;
      if (result) return result == boost::asio::error::eof || result == boost::asio::error::connection_reset;
    }
  }

 private:
  template <class Start>
  bool run(std::chrono::milliseconds timeout, Start start) {
    auto done = std::make_shared<bool>(false);
    start(done);
    io_.restart();
    io_.run_for(timeout);
    const bool in_time = *done;
    if (!in_time) {
      socket_.cancel();
      io_.restart();
      io_.run();
    }
    return in_time;
  }

  boost::asio::io_context io_;
  tcp::socket socket_;
};

Bytes random_bytes(std::size_t size, std::uint64_t seed) {
  Bytes b(size);
  std::uint64_t x = seed;
  for (std::size_t i = 0; i + 8 <= size; i += 8) {
    x += 0x9e3779b97f4a7c15ull;  // splitmix64
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    std::memcpy(b.data() + i, &z, 8);
  }
  return b;
}

template <class F>
std::chrono::milliseconds timed(F&& f) {
  const auto start = Clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

}  // namespace

TEST_CASE("TCP: parties exchange many messages all to all, in order and whole", "[net]") {
  const std::size_t n = GENERATE(2, 3, 5, 8);
  CAPTURE(n);
  auto ps = make_mesh(n);
  constexpr std::size_t per_peer = 150;
  auto size_of = [](std::size_t k) { return k % 5 == 0 ? 0 : (k * 131) % 3000; };  // every fifth empty
  on_all_parties(n, [&](PartyId me) {
    for (std::size_t k = 0; k < per_peer; ++k)
      for (PartyId to = 0; to < n; ++to)
        if (to != me) ps[me]->send(to, pattern(me, to, k, size_of(k)));
    for (PartyId from = 0; from < n; ++from) {
      if (from == me) continue;
      for (std::size_t k = 0; k < per_peer; ++k)
        expect(ps[me]->receive(from, 10s) == pattern(from, me, k, size_of(k)), "message out of order or damaged");
    }
  });
  std::uint64_t bytes = 0;
  for (std::size_t k = 0; k < per_peer; ++k) bytes += size_of(k);
  for (const auto& p : ps) {
    const auto s = p->stats();
    REQUIRE(s.messages_sent == per_peer * (n - 1));
    REQUIRE(s.messages_received == per_peer * (n - 1));
    REQUIRE(s.bytes_sent == bytes * (n - 1));
    REQUIRE(s.bytes_received == bytes * (n - 1));
  }
}

TEST_CASE("TCP: two parties send each other 64 MiB at the same moment", "[net]") {
  auto ps = make_mesh(2);
  constexpr std::size_t size = std::size_t{64} << 20;
  const std::array<Bytes, 2> data = {random_bytes(size, 1), random_bytes(size, 2)};
  on_all_parties(2, [&](PartyId me) {
    ps[me]->send(1 - me, data[me]);
    const auto got = ps[me]->receive(1 - me, 60s);
    expect(got == data[1 - me], "large message damaged");
  });
  REQUIRE(ps[0]->stats().bytes_received == size);
  REQUIRE(ps[1]->stats().bytes_sent == size);
}

TEST_CASE("TCP: a receive timeout is peer_timeout, and a later message still arrives", "[net]") {
  auto ps = make_mesh(2);
  const auto waited = timed([&] { require_errc(errc::peer_timeout, [&] { (void)ps[0]->receive(1, 100ms); }); });
  REQUIRE(waited >= 100ms);
  REQUIRE(waited < 2s);
  REQUIRE(timed([&] { require_errc(errc::peer_timeout, [&] { (void)ps[0]->receive(1, -5ms); }); }) < 1s);
  ps[1]->send(0, pattern(1, 0, 3, 10));
  REQUIRE(ps[0]->receive(1, 10s) == pattern(1, 0, 3, 10));
  ps[0]->send(1, Bytes{});
  REQUIRE(ps[1]->receive(0, 10s).empty());
}

TEST_CASE("TCP: a destroyed peer's messages arrive, then connection_lost", "[net]") {
  auto ps = make_mesh(3);
  const Bytes big = random_bytes(std::size_t{1} << 20, 3);
  ps[2]->send(0, pattern(2, 0, 0, 7));
  ps[2]->send(0, Bytes{});
  ps[2]->send(0, big);
  ps[2]->send(1, pattern(2, 1, 0, 9));
  REQUIRE(timed([&] { ps[2].reset(); }) < 2s);  // flushes, then closes in order

  REQUIRE(ps[0]->receive(2, 10s) == pattern(2, 0, 0, 7));
  REQUIRE(ps[0]->receive(2, 10s).empty());
  REQUIRE(ps[0]->receive(2, 10s) == big);
  require_errc(errc::connection_lost, [&] { (void)ps[0]->receive(2, 10s); });
  require_errc(errc::connection_lost, [&] { (void)ps[0]->receive(2, 10s); });
  require_errc(errc::connection_lost, [&] { ps[0]->send(2, pattern(0, 2, 0, 1)); });
  REQUIRE(ps[1]->receive(2, 10s) == pattern(2, 1, 0, 9));
  require_errc(errc::connection_lost, [&] { (void)ps[1]->receive(2, 10s); });

  ps[0]->send(1, pattern(0, 1, 5, 5));  // the others are unaffected
  REQUIRE(ps[1]->receive(0, 10s) == pattern(0, 1, 5, 5));
}

TEST_CASE("TCP: bad arguments are invalid_argument", "[net]") {
  require_errc(errc::invalid_argument, [] { TcpTransport t(options(0, 1)); });
  require_errc(errc::invalid_argument, [] { TcpTransport t(options(3, 3)); });
  require_errc(errc::invalid_argument, [] { TcpTransport t(options(0, 2, 1024, 0ms)); });
  require_errc(errc::invalid_argument, [] {
    auto o = options(0, 2);
    o.listen_host = "not an address";
    TcpTransport t(o);
  });
  {
    TcpTransport taken(options(0, 2));
    auto o = options(1, 2);
    o.listen_port = taken.local_port();
    require_errc(errc::invalid_argument, [&] { TcpTransport t(o); });
  }
  {
    TcpTransport lone(options(1, 2));
    REQUIRE(lone.local_port() != 0);
    require_errc(errc::invalid_argument, [&] { lone.send(0, Bytes{1}); });
    require_errc(errc::invalid_argument, [&] { (void)lone.receive(0, 1ms); });
    require_errc(errc::invalid_argument, [&] { lone.connect({{"127.0.0.1", 1}}); });
    require_errc(errc::invalid_argument, [&] { lone.connect({{"", 0}, {"127.0.0.1", lone.local_port()}}); });
  }
  auto ps = make_mesh(2);
  const Bytes m = {1, 2, 3};
  require_errc(errc::invalid_argument, [&] { ps[0]->send(0, m); });
  require_errc(errc::invalid_argument, [&] { ps[0]->send(2, m); });
  require_errc(errc::invalid_argument, [&] { (void)ps[1]->receive(1, 1ms); });
  require_errc(errc::invalid_argument, [&] { (void)ps[1]->receive(9, 1ms); });
  require_errc(errc::invalid_argument, [&] { ps[0]->connect(endpoints_of(ps)); });
  REQUIRE(ps[0]->id() == 0);
  REQUIRE(ps[1]->parties() == 2);
  REQUIRE(ps[0]->max_message_size() == std::size_t{1} << 30);
}

TEST_CASE("TCP: messages above max_message_size are message_too_large", "[net]") {
  SECTION("on send") {
    auto ps = make_mesh(2, 1024);
    require_errc(errc::message_too_large, [&] { ps[0]->send(1, Bytes(1025)); });
    ps[0]->send(1, Bytes(1024, 7));
    REQUIRE(ps[1]->receive(0, 10s) == Bytes(1024, 7));
    REQUIRE(ps[0]->stats().messages_sent == 1);
  }
  SECTION("on receive, when the sender allows more than the receiver") {
    Mesh ps;
    ps.push_back(std::make_unique<TcpTransport>(options(0, 2, 4096)));
    ps.push_back(std::make_unique<TcpTransport>(options(1, 2, 1024)));
    connect_all(ps);
    ps[0]->send(1, Bytes(100, 1));
    ps[0]->send(1, Bytes(2000, 2));
    REQUIRE(ps[1]->receive(0, 10s) == Bytes(100, 1));
    require_errc(errc::message_too_large, [&] { (void)ps[1]->receive(0, 10s); });
    require_errc(errc::message_too_large, [&] { (void)ps[1]->receive(0, 10s); });
    require_errc(errc::connection_lost, [&] { ps[1]->send(0, Bytes(1)); });
    require_errc(errc::connection_lost, [&] { (void)ps[0]->receive(1, 10s); });
  }
}

TEST_CASE("TCP: a forged peer announcing an oversized frame is cut off without an allocation", "[net]") {
  // 2^32 + 16 reads as 16 if truncated to 32 bits; 2^50 bytes would abort under ASan if allocated.
  const std::size_t max = GENERATE(std::size_t{1024}, std::size_t{1} << 30);
  const std::uint64_t announced = max == 1024 ? (std::uint64_t{1} << 32) + 16 : std::uint64_t{1} << 50;
  CAPTURE(max, announced);
  TcpTransport party0(options(0, 2, max));
  RawPeer forger(party0.local_port());
  forger.write(hello(1, 2));  // the hello is not authenticated: anyone may claim id 1
  std::thread connecting([&] { party0.connect({{}, {"127.0.0.1", 1}}); });
  const auto reply = forger.read(16, 10s);
  connecting.join();
  REQUIRE(reply == hello(0, 2));

  Bytes frames = frame_header(5);
  for (char c : std::string("hello")) frames.push_back(static_cast<std::uint8_t>(c));
  const auto ok = frame_header(max == 1024 ? 1024 : 0);
  frames.insert(frames.end(), ok.begin(), ok.end());
  frames.resize(frames.size() + (max == 1024 ? 1024 : 0), 9);
  const auto bad = frame_header(announced);
  frames.insert(frames.end(), bad.begin(), bad.end());
  frames.resize(frames.size() + 16, 0);  // what a truncating reader would take as a payload
  forger.write(frames);

  REQUIRE(party0.receive(1, 10s) == Bytes{'h', 'e', 'l', 'l', 'o'});
  REQUIRE(party0.receive(1, 10s) == Bytes(max == 1024 ? 1024 : 0, 9));
  require_errc(errc::message_too_large, [&] { (void)party0.receive(1, 10s); });
  require_errc(errc::message_too_large, [&] { (void)party0.receive(1, 10s); });
  REQUIRE(forger.closed_within(10s));
  require_errc(errc::connection_lost, [&] { party0.send(1, Bytes(3)); });

  // The real party 1 comes too late: party 0 stopped listening when its mesh was complete.
  TcpTransport party1(options(1, 2, max, 300ms));
  require_errc(errc::peer_timeout, [&] { party1.connect({{"127.0.0.1", party0.local_port()}, {}}); });
}

TEST_CASE("TCP: the destructor returns even when a peer never closes its end", "[net]") {
  auto party0 = std::make_unique<TcpTransport>(options(0, 2));
  RawPeer silent(party0->local_port());
  silent.write(hello(1, 2));
  std::thread connecting([&] { party0->connect({{}, {"127.0.0.1", 1}}); });
  REQUIRE(silent.read(16, 10s) == hello(0, 2));
  connecting.join();
  party0->send(1, pattern(0, 1, 0, 20));
  // The orderly close waits for the peer to close too; this one never does, so the linger
  // limit ends it.
  const auto took = timed([&] { party0.reset(); });
  CHECK(took >= edgempc::detail::tcp_close_linger - 100ms);
  CHECK(took < edgempc::detail::tcp_close_linger + 2s);
  REQUIRE(silent.read(8, 1s) == frame_header(20));
  REQUIRE(silent.read(20, 1s) == pattern(0, 1, 0, 20));
  REQUIRE(silent.closed_within(1s));
}

TEST_CASE("TCP: garbage, wrong hellos and silent connections do not disturb connect()", "[net]") {
  constexpr std::size_t n = 3;
  Mesh ps;
  for (PartyId i = 0; i < n; ++i) ps.push_back(std::make_unique<TcpTransport>(options(i, n)));
  std::vector<std::unique_ptr<RawPeer>> raws;
  auto raw_to = [&](PartyId target, const Bytes& first_bytes) {
    raws.push_back(std::make_unique<RawPeer>(ps[target]->local_port()));
    if (!first_bytes.empty()) raws.back()->write(first_bytes);
  };
  raw_to(0, random_bytes(16, 4));        // garbage
  raw_to(0, hello(1, n, 2));             // another protocol version
  raw_to(0, hello(2, n + 1));            // another network size
  raw_to(0, hello(0, n));                // party 0's own id
  raw_to(0, hello(9, n));                // no such party
  raw_to(1, hello(0, n));                // a lower id, which party 1 dials itself
  raw_to(1, frame_header(1ull << 62));   // a frame instead of a hello, then silence
  raw_to(1, {});                         // silence
  auto leaving = std::make_unique<RawPeer>(ps[0]->local_port());
  leaving.reset();                       // connects and leaves at once

  const auto took = timed([&] { connect_all(ps); });
  REQUIRE(took < 5s);
  for (auto& raw : raws) REQUIRE(raw->closed_within(10s));
  on_all_parties(n, [&](PartyId me) {
    for (PartyId to = 0; to < n; ++to)
      if (to != me) ps[me]->send(to, pattern(me, to, 0, 33));
    for (PartyId from = 0; from < n; ++from)
      if (from != me) expect(ps[me]->receive(from, 10s) == pattern(from, me, 0, 33), "mesh damaged");
  });
}

namespace {

/// Options with link keys for party `id` of the parties with key pairs `keys`.
TcpOptions keyed(PartyId id, const std::vector<KeyPair>& keys, std::chrono::milliseconds connect_timeout = 10s) {
  TcpOptions o = options(id, keys.size(), std::size_t{1} << 30, connect_timeout);
  o.link_keys.resize(keys.size());
  for (PartyId j = 0; j < keys.size(); ++j)
    if (j != id) o.link_keys[j] = link_key(keys[id], keys[j].public_key());
  return o;
}

}  // namespace

TEST_CASE("TCP link keys: both ends derive the same key, other pairs another", "[net]") {
  const auto a = KeyPair::generate(), b = KeyPair::generate(), c = KeyPair::generate();
  CHECK(link_key(a, b.public_key()) == link_key(b, a.public_key()));
  CHECK(link_key(a, b.public_key()) != link_key(a, c.public_key()));
  CHECK(link_key(a, c.public_key()) != link_key(b, c.public_key()));
  // A low-order point (all zeros) gives no key.
  require_errc(errc::authentication_failed, [&] { (void)link_key(a, PublicKey{}); });
  // One key per party, or none.
  TcpOptions o = options(0, 3);
  o.link_keys.resize(2);
  require_errc(errc::invalid_argument, [&] { TcpTransport t(o); });
}

TEST_CASE("TCP with link keys: a stranger's hello claiming a party's id neither takes its place nor blocks it", "[net]") {
  constexpr std::size_t n = 3;
  std::vector<KeyPair> keys;
  for (std::size_t i = 0; i < n; ++i) keys.push_back(KeyPair::generate());
  Mesh ps;
  for (PartyId i = 0; i < n; ++i) ps.push_back(std::make_unique<TcpTransport>(keyed(i, keys)));
  const auto all = endpoints_of(ps);
  // Party 0 and 1 start accepting; strangers get there first, claiming ids 1 and 2.
  std::thread zero([&] { ps[0]->connect(all); });
  std::vector<std::unique_ptr<RawPeer>> strangers;
  for (const std::uint32_t claimed : {1u, 2u}) {
    strangers.push_back(std::make_unique<RawPeer>(ps[0]->local_port()));
    const auto challenge = strangers.back()->read(16, 5s);  // the challenge comes first
    REQUIRE(challenge);
    Bytes claim = hello(claimed, n);
    const Bytes tag = random_bytes(32, static_cast<std::uint8_t>(claimed));  // no key: a guess
    claim.insert(claim.end(), tag.begin(), tag.end());
    strangers.back()->write(claim);
  }
  // A stranger replaying a genuine-looking hello without reading the challenge, and one silent.
  strangers.push_back(std::make_unique<RawPeer>(ps[0]->local_port()));
  strangers.back()->write(hello(2, n));
  strangers.push_back(std::make_unique<RawPeer>(ps[0]->local_port()));
  for (auto& st : strangers) REQUIRE(st->closed_within(10s));
  // The real parties 1 and 2 still connect, and the mesh works.
  std::thread one([&] { ps[1]->connect(all); });
  ps[2]->connect(all);
  one.join();
  zero.join();
  on_all_parties(n, [&](PartyId me) {
    for (PartyId to = 0; to < n; ++to)
      if (to != me) ps[me]->send(to, pattern(me, to, 0, 21));
    for (PartyId from = 0; from < n; ++from)
      if (from != me) expect(ps[me]->receive(from, 10s) == pattern(from, me, 0, 21), "mesh damaged");
  });
}

TEST_CASE("TCP with link keys: a mis-keyed link never connects, and says so", "[net]") {
  std::vector<KeyPair> keys{KeyPair::generate(), KeyPair::generate()};
  auto wrong = keyed(1, keys, 800ms);
  wrong.link_keys[0][0] ^= 1;  // party 1 has the wrong key for its link to party 0
  TcpTransport t0(keyed(0, keys, 800ms)), t1(wrong);
  const std::vector<TcpEndpoint> all{{"127.0.0.1", t0.local_port()}, {"127.0.0.1", t1.local_port()}};
  std::thread zero([&] { require_errc(errc::peer_timeout, [&] { t0.connect(all); }); });
  try {
    t1.connect(all);
    FAIL("connected over a mis-keyed link");
  } catch (const error& e) {
    CHECK(e.code() == errc::peer_timeout);
    CHECK_THAT(std::string(e.what()), Catch::Contains("wrong link key"));
  }
  zero.join();
  // Both ends name the other as the peer they did not link with (the gateways' mesh choice
  // reads this: platform/gateway/mesh_choice.hpp).
  CHECK(t0.unconnected_peers() == std::vector<PartyId>{1});
  CHECK(t1.unconnected_peers() == std::vector<PartyId>{0});
}

TEST_CASE("TCP: unconnected_peers names exactly the parties a failed connect() did not link with", "[net]") {
  // Three parties; party 2 never starts: 0 and 1 link with each other, not with 2.
  auto o0 = options(0, 3, std::size_t{1} << 30, 500ms), o1 = options(1, 3, std::size_t{1} << 30, 500ms);
  TcpTransport t0(o0), t1(o1);
  CHECK(t0.unconnected_peers() == std::vector<PartyId>{1, 2});  // before connect(): nobody
  const std::vector<TcpEndpoint> all{
      {"127.0.0.1", t0.local_port()}, {"127.0.0.1", t1.local_port()}, {"127.0.0.1", unused_port()}};
  std::thread zero([&] { require_errc(errc::peer_timeout, [&] { t0.connect(all); }); });
  require_errc(errc::peer_timeout, [&] { t1.connect(all); });
  zero.join();
  CHECK(t0.unconnected_peers() == std::vector<PartyId>{2});
  CHECK(t1.unconnected_peers() == std::vector<PartyId>{2});
}

TEST_CASE("TCP: a plain party and a keyed party do not connect", "[net]") {
  std::vector<KeyPair> keys{KeyPair::generate(), KeyPair::generate()};
  TcpTransport t0(keyed(0, keys, 800ms)), t1(options(1, 2, std::size_t{1} << 30, 800ms));
  const std::vector<TcpEndpoint> all{{"127.0.0.1", t0.local_port()}, {"127.0.0.1", t1.local_port()}};
  std::thread zero([&] { require_errc(errc::peer_timeout, [&] { t0.connect(all); }); });
  require_errc(errc::peer_timeout, [&] { t1.connect(all); });
  zero.join();
}

TEST_CASE("TCP: connect() retries until a lower party is listening", "[net]") {
  const std::uint16_t port0 = unused_port();
  TcpTransport party1(options(1, 2));
  std::thread dialing([&] { party1.connect({{"127.0.0.1", port0}, {}}); });  // refused at first
  auto o = options(0, 2);
  o.listen_port = port0;
  TcpTransport party0(o);
  party0.connect({{}, {"127.0.0.1", party1.local_port()}});
  dialing.join();
  party1.send(0, pattern(1, 0, 0, 4));
  REQUIRE(party0.receive(1, 10s) == pattern(1, 0, 0, 4));
}

TEST_CASE("TCP: connect() gives peer_timeout when a peer never comes up", "[net]") {
  constexpr auto limit = 300ms;
  auto check_timeout = [&](TcpTransport& t, const std::vector<TcpEndpoint>& all) {
    const auto waited = timed([&] { require_errc(errc::peer_timeout, [&] { t.connect(all); }); });
    CHECK(waited >= limit);
    CHECK(waited < limit + 2s);
    const PartyId other = t.id() == 0 ? 1 : 0;
    require_errc(errc::connection_lost, [&] { t.send(other, Bytes(1)); });
    require_errc(errc::connection_lost, [&] { (void)t.receive(other, 1s); });
    require_errc(errc::invalid_argument, [&] { t.connect(all); });
  };
  SECTION("nothing listens where the lower party should be") {
    TcpTransport party1(options(1, 2, 1024, limit));
    check_timeout(party1, {{"127.0.0.1", unused_port()}, {}});
  }
  SECTION("the lower party listens but never calls connect()") {
    TcpTransport party0(options(0, 2));
    TcpTransport party1(options(1, 2, 1024, limit));
    check_timeout(party1, {{"127.0.0.1", party0.local_port()}, {}});
  }
  SECTION("the higher party never dials") {
    TcpTransport party0(options(0, 2, 1024, limit));
    check_timeout(party0, {{}, {"127.0.0.1", unused_port()}});
  }
  SECTION("of three parties, one never calls connect(); the others both time out") {
    Mesh ps;
    for (PartyId i = 0; i < 3; ++i) ps.push_back(std::make_unique<TcpTransport>(options(i, 3, 1024, limit)));
    const auto all = endpoints_of(ps);
    std::array<std::string, 2> what;
    on_all_parties(2, [&](PartyId me) {
      try {
        ps[me]->connect(all);
      } catch (const error& e) {
        if (e.code() == errc::peer_timeout) what[me] = e.what();
      }
    });
    for (const auto& w : what) {
      REQUIRE_THAT(w, Catch::Contains("party 2"));
    }
  }
}

TEST_CASE("TCP: the transport conformance suite, 3 parties", "[net]") {
  auto ps = make_mesh(3);
  test::transport_conformance(ps);
  REQUIRE(test::nothing_lost(ps));
}
