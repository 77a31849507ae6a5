// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/net/local_network.hpp>
#include <edgempc/net/secure.hpp>
#include <edgempc/net/simulated.hpp>

#include "net_conformance.hpp"
#include "net_secure_group.hpp"

using namespace edgempc;
using namespace std::chrono_literals;
using Sim = SimulatedTransport<LocalTransport>;

namespace {
std::vector<std::unique_ptr<Sim>> simulated(std::vector<std::unique_ptr<LocalTransport>>& net, LinkModel link) {
  std::vector<std::unique_ptr<Sim>> out;
  for (auto& t : net) out.push_back(std::make_unique<Sim>(*t, link));
  return out;
}
}  // namespace

TEST_CASE("SimulatedTransport passes the transport conformance suite", "[net]") {
  const std::size_t n = GENERATE(2, 3);
  auto net = make_local_network(n);
  auto sim = simulated(net, LinkModel{std::chrono::microseconds(100), 0});
  test::transport_conformance(sim);
  REQUIRE(net[0]->stats().bytes_sent == sim[0]->stats().bytes_sent + 8 * sim[0]->stats().messages_sent);
}

TEST_CASE("SimulatedTransport adds its latency and caps the bandwidth", "[net]") {
  auto net = make_local_network(2);
  SECTION("a round trip takes two latencies") {
    auto sim = simulated(net, LinkModel{std::chrono::milliseconds(20), 0});
    const auto start = std::chrono::steady_clock::now();
    sim[0]->send(1, std::vector<std::uint8_t>{1});
    test::on_all_parties(1, [&](PartyId) {
      const auto m = sim[1]->receive(0, 5s);
      sim[1]->send(0, m);
    });
    REQUIRE(sim[0]->receive(1, 5s) == std::vector<std::uint8_t>{1});
    REQUIRE(std::chrono::steady_clock::now() - start >= 40ms);
  }
  SECTION("1 MB at 10 MB/s takes at least 0.1 s, and messages queue behind each other") {
    auto sim = simulated(net, LinkModel{std::chrono::microseconds(0), 10e6});
    const auto start = std::chrono::steady_clock::now();
    sim[0]->send(1, std::vector<std::uint8_t>(500000));
    sim[0]->send(1, std::vector<std::uint8_t>(500000));
    (void)sim[1]->receive(0, 5s);
    REQUIRE(std::chrono::steady_clock::now() - start >= 50ms);
    (void)sim[1]->receive(0, 5s);
    REQUIRE(std::chrono::steady_clock::now() - start >= 100ms);
  }
  SECTION("a message still in flight at the deadline is a timeout, and arrives later") {
    auto sim = simulated(net, LinkModel{std::chrono::milliseconds(200), 0});
    sim[0]->send(1, std::vector<std::uint8_t>{9});
    test::require_errc(errc::peer_timeout, [&] { (void)sim[1]->receive(0, 10ms); });
    REQUIRE(sim[1]->receive(0, 5s) == std::vector<std::uint8_t>{9});
  }
  SECTION("bad input") {
    test::require_errc(errc::invalid_argument, [&] { Sim s(*net[0], LinkModel{-1ms, 0}); });
    net[0]->send(1, std::vector<std::uint8_t>(3));  // no arrival header
    Sim s(*net[1], LinkModel{});
    test::require_errc(errc::malformed_message, [&] { (void)s.receive(0, 1s); });
  }
}

TEST_CASE("wrappers stack: Secure over Simulated over LocalNetwork", "[net]") {
  auto net = make_local_network(3);
  auto sim = simulated(net, LinkModel{std::chrono::microseconds(50), 0});
  auto secure = test::secure_over(sim);
  test::transport_conformance(secure);
  REQUIRE(test::nothing_lost(secure));
}
