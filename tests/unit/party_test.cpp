// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/core.hpp>
#include <edgempc/net/local_network.hpp>
#include <edgempc/party.hpp>

#include "net_conformance.hpp"
#include "net_tcp_mesh.hpp"
#include "reference.hpp"

using namespace edgempc;
using namespace std::chrono_literals;

namespace {
std::vector<Mersenne61> values_of(PartyId who, std::size_t n) {
  std::vector<Mersenne61> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = Mersenne61::from_uint(who * 1000003 + i * 7919);
  return v;
}
}  // namespace

TEST_CASE("Party: typed send and receive, broadcast, exchange and gather", "[net]") {
  const std::size_t n = GENERATE(2, 3, 5);
  CAPTURE(n);
  auto net = make_local_network(n);
  std::vector<ChannelStats> stats(n);
  test::on_all_parties(n, [&](PartyId me) {
    Party party(*net[me], 10s);
    test::expect(party.id() == me && party.parties() == n && party.session() == 0, "identity");
    // exchange_all: one round, everyone gets everyone's vector.
    const auto all = party.exchange_all<Mersenne61>(values_of(me, 100));
    for (PartyId p = 0; p < n; ++p) test::expect(all[p] == values_of(p, 100), "exchange_all");
    // gather to party 1 of the ring Z2k<32>.
    const std::vector<Z2k<32>> mine = {Z2k<32>::from_uint(me), Z2k<32>::from_int(-1)};
    const auto gathered = party.gather<Z2k<32>>(1, mine);
    if (me == 1) {
      for (PartyId p = 0; p < n; ++p) test::expect(gathered[p][0] == Z2k<32>::from_uint(p), "gather");
    } else {
      test::expect(gathered.empty(), "gather on a non-root");
    }
    // point to point, empty vectors included.
    const PartyId next = (me + 1) % n, prev = (me + n - 1) % n;
    party.send<Mersenne61>(next, values_of(me, 0));
    party.send<Mersenne61>(next, values_of(me, 3));
    test::expect(party.receive<Mersenne61>(prev, 0).empty(), "empty");
    test::expect(party.receive<Mersenne61>(prev, 3) == values_of(prev, 3), "point to point");
    stats[me] = party.stats();
  });
  for (PartyId p = 0; p < n; ++p) {
    // exchange: n-1 messages of 800 bytes; gather: 1 of 8 (not for the root); ring: 2 of 0 and 24.
    const std::uint64_t gather_sent = p == 1 ? 0 : 8;
    REQUIRE(stats[p].bytes_sent == (n - 1) * 800 + gather_sent + 24);
    REQUIRE(stats[p].messages_sent == (n - 1) + (p == 1 ? 0 : 1) + 2);
    // Rounds: the exchange, then the gather send and the ring sends (no receive between them,
    // so one burst; the root receives the gather first, then sends the ring: also one burst).
    REQUIRE(stats[p].rounds == 2);
  }
}

TEST_CASE("Party: forked sub-channels running at the same time never mix messages", "[net]") {
  constexpr std::size_t n = 3, messages = 200;
  auto net = make_local_network(n);
  std::vector<std::uint64_t> received(n);
  test::on_all_parties(n, [&](PartyId me) {
    Party party(*net[me], 10s);
    std::vector<Party<LocalTransport>> subs;
    for (int k = 0; k < 4; ++k) subs.push_back(party.fork());
    test::expect(subs[0].session() != subs[1].session() && subs[0].session() != 0, "distinct sessions");
    // Four sub-protocols on four threads, all talking to the same peers at once.
    test::on_all_parties(subs.size(), [&](PartyId k) {
      for (std::size_t i = 0; i < messages; ++i) {
        const std::vector<Z2k<64>> v = {Z2k<64>::from_uint(k), Z2k<64>::from_uint(i), Z2k<64>::from_uint(me)};
        for (PartyId p = 0; p < n; ++p)
          if (p != me) subs[k].send<Z2k<64>>(p, v);
        for (PartyId p = 0; p < n; ++p) {
          if (p == me) continue;
          const auto got = subs[k].receive<Z2k<64>>(p, 3);
          test::expect(got[0].to_uint() == k && got[1].to_uint() == i && got[2].to_uint() == p, "mixed channels");
        }
      }
    });
    for (const auto& sub : subs) received[me] += sub.stats().messages_received;
  });
  for (PartyId p = 0; p < n; ++p) REQUIRE(received[p] == 4 * messages * (n - 1));
  REQUIRE(test::nothing_lost(net));
}

TEST_CASE("Party: malformed and missing messages are errors, not hangs", "[net]") {
  auto net = make_local_network(2);
  Party a(*net[0], 200ms), b(*net[1], 200ms);
  SECTION("wrong element count") {
    a.send<Mersenne61>(1, values_of(0, 3));
    test::require_errc(errc::malformed_message, [&] { (void)b.receive<Mersenne61>(0, 4); });
  }
  SECTION("non-canonical element") {
    std::vector<std::uint8_t> bad(8, 0xff);
    a.send_bytes(1, bad);
    test::require_errc(errc::out_of_range, [&] { (void)b.receive<Mersenne61>(0, 1); });
  }
  SECTION("a frame too short for its session header") {
    net[0]->send(1, std::vector<std::uint8_t>(5));
    test::require_errc(errc::malformed_message, [&] { (void)b.receive_bytes(0); });
  }
  SECTION("silence") {
    const auto start = std::chrono::steady_clock::now();
    test::require_errc(errc::peer_timeout, [&] { (void)b.receive_bytes(0); });
    REQUIRE(std::chrono::steady_clock::now() - start < 5s);
  }
  SECTION("a flood for a session nobody reads") {
    Party other = a.fork();
    for (std::size_t i = 0; i <= detail::SessionDemux<LocalTransport>::max_held_messages; ++i)
      other.send_bytes(1, std::vector<std::uint8_t>(1));
    test::require_errc(errc::protocol_violation, [&] { (void)b.receive_bytes(0); });
  }
  SECTION("bad ids") {
    test::require_errc(errc::invalid_argument, [&] { a.send_bytes(0, std::vector<std::uint8_t>(1)); });
    test::require_errc(errc::invalid_argument, [&] { (void)a.gather<Mersenne61>(2, values_of(0, 1)); });
  }
}

TEST_CASE("Party over TCP on 127.0.0.1: exchange, gather and forks", "[net]") {
  constexpr std::size_t n = 3;
  auto tcp = test::make_mesh(n);
  test::on_all_parties(n, [&](PartyId me) {
    Party party(*tcp[me], 10s);
    const auto all = party.exchange_all<Mersenne61>(values_of(me, 1000));
    for (PartyId p = 0; p < n; ++p) test::expect(all[p] == values_of(p, 1000), "exchange_all over TCP");
    Party sub = party.fork();
    const auto gathered = sub.gather<Mersenne61>(0, values_of(me, 5));
    if (me == 0)
      for (PartyId p = 0; p < n; ++p) test::expect(gathered[p] == values_of(p, 5), "gather over TCP");
  });
  REQUIRE(test::nothing_lost(tcp));
}
