// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/net/local_network.hpp>

#include "net_conformance.hpp"

using namespace edgempc;
using namespace std::chrono_literals;

TEST_CASE("LocalNetwork passes the transport conformance suite", "[net]") {
  const std::size_t n = GENERATE(2, 3, 5, 8);
  CAPTURE(n);
  auto parties = make_local_network(n);
  test::transport_conformance(parties);
  REQUIRE(test::nothing_lost(parties));
}

TEST_CASE("LocalNetwork: a party that goes away is connection_lost after its last message", "[net]") {
  auto ps = make_local_network(3);
  ps[2]->send(0, test::pattern(2, 0, 1, 10));
  ps[2].reset();  // party 2 leaves
  REQUIRE(ps[0]->receive(2, 1s) == test::pattern(2, 0, 1, 10));
  test::require_errc(errc::connection_lost, [&] { (void)ps[0]->receive(2, 1s); });
  test::require_errc(errc::connection_lost, [&] { ps[1]->send(2, std::vector<std::uint8_t>(4)); });
  // The others carry on.
  ps[0]->send(1, test::pattern(0, 1, 2, 3));
  REQUIRE(ps[1]->receive(0, 1s) == test::pattern(0, 1, 2, 3));
}

TEST_CASE("LocalNetwork: a message above the maximum size is refused", "[net]") {
  auto ps = make_local_network(2, 1000);
  REQUIRE(ps[0]->max_message_size() == 1000);
  ps[0]->send(1, std::vector<std::uint8_t>(1000));
  test::require_errc(errc::message_too_large, [&] { ps[0]->send(1, std::vector<std::uint8_t>(1001)); });
  REQUIRE(ps[1]->receive(0, 1s).size() == 1000);
  test::require_errc(errc::peer_timeout, [&] { (void)ps[1]->receive(0, 1ms); });  // nothing else arrived
  test::require_errc(errc::invalid_argument, [] { (void)make_local_network(1); });
}
