// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/platform/make_submissions.hpp>
#include <edgempc/platform/round.hpp>
#include <edgempc/platform/round_report.hpp>

#include <cmath>
#include <set>

#include "protocol_harness.hpp"

using namespace edgempc;
using namespace edgempc::platform;

namespace {

KeyPair key(std::uint32_t tag) {
  std::array<std::uint8_t, 32> s{};
  s[0] = 0x40;
  edgempc::detail::store_le<std::uint32_t>(s.data() + 4, tag);
  return KeyPair::from_secret(s);
}

/// A round from devices to published result: `clients` devices share a reading and its square
/// (Shamir 1-of-3 or additive over Mersenne61) and seal each share for its gateway; submissions
/// of the clients in `lost` never reach gateway 2; then the three gateways finish the round.
struct Scenario {
  std::size_t clients = 40;
  std::set<ClientId> lost;
  RoundPolicy policy{1, {0}};
  bool shamir = true;
  test::Net net = test::Net::local;
};

struct Observed {
  std::vector<RoundOutcome> outcomes;
  std::vector<ClientId> expected_contributors;
  edgempc::Moments plain;
};

Observed run(const Scenario& sc) {
  using T = Mersenne61;
  const std::size_t n = 3;
  std::vector<KeyPair> gw;
  std::vector<PublicKey> gw_public;
  for (std::uint32_t g = 0; g < n; ++g) gw.push_back(key(1000 + g)), gw_public.push_back(gw.back().public_key());
  std::vector<Enrolment> enrolment(n);
  std::vector<std::unique_ptr<GatewayOpener>> openers;
  for (std::uint32_t g = 0; g < n; ++g) openers.push_back(std::make_unique<GatewayOpener>(gw[g], g, enrolment[g]));
  const FixedPoint<T> format(16);
  auto prg = test::seeded(77);
  std::vector<std::map<ClientId, HeldShares<T>>> held(n);
  Observed o;
  double sum = 0, sum2 = 0;
  for (std::uint32_t c = 0; c < sc.clients; ++c) {
    const KeyPair device = key(c);
    const ClientId id = enrolment[0].add_client(device.public_key());
    for (std::size_t g = 1; g < n; ++g) enrolment[g].add_client(device.public_key(), id);
    ClientSealer sealer(device, id, gw_public);
    const double reading = 15.0 + static_cast<double>(prg.next_u64() % 20000) / 1000.0;  // 15 to 35 degrees
    const std::vector<double> one{reading};
    const auto split = sc.shamir ? SplitScheme::shamir(1, n) : SplitScheme::additive(n);
    const auto messages = make_submissions<T>(sealer, prg, 1, 0, one, format, split, Contents::values_and_squares);
    for (std::uint32_t g = 0; g < n; ++g) {
      if (g == 2 && sc.lost.count(id)) continue;  // this submission was lost on the way
      const auto s = openers[g]->open<T>(messages[g]);
      held[g][s.client] = {s.shares[0], s.shares[1]};
    }
    if (!sc.lost.count(id)) {
      o.expected_contributors.push_back(id);
      sum += reading, sum2 += reading * reading;
    }
  }
  const double k = static_cast<double>(o.expected_contributors.size());
  o.plain = {o.expected_contributors.size(), sum, sum / k, sum2 / k - (sum / k) * (sum / k)};
  o.outcomes.resize(n);
  const Shamir shamir(n, 1);
  test::on_network(sc.net, n, [&](auto& party, PartyId me) {
    if (sc.shamir) o.outcomes[me] = finish_round(party, ShamirScheme(shamir), held[me], format, sc.policy, sc.clients);
    else o.outcomes[me] = finish_round(party, AdditiveScheme<T>(n), held[me], format, sc.policy, sc.clients);
  });
  return o;
}

}  // namespace

TEST_CASE("round: devices to published statistics, dropouts left out, only recipients learn", "[platform]") {
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (const bool shamir : {true, false}) {
      CAPTURE(test::to_string(net), shamir);
      Scenario sc;
      sc.net = net, sc.shamir = shamir;
      sc.lost = {3, 17, 30};  // three clients reached only two of the gateways
      sc.policy = {10, {0, 2}};
      const auto o = run(sc);
      const double r = FixedPoint<Mersenne61>(16).resolution();
      for (PartyId g = 0; g < 3; ++g) {
        const auto& out = o.outcomes[g];
        CHECK(out.contributors == o.expected_contributors);
        CHECK(out.published);
        const bool recipient = g != 1;
        REQUIRE(out.result.has_value() == recipient);
        if (!recipient) continue;
        CHECK(out.result->count == o.plain.count);
        CHECK(std::fabs(out.result->mean - o.plain.mean) <= r);
        CHECK(std::fabs(out.result->variance - o.plain.variance) <= 100 * r);
      }
    }
  }
}

TEST_CASE("round: fewer contributors than min_clients withholds the round everywhere", "[platform]") {
  Scenario sc;
  sc.clients = 8;
  sc.lost = {1, 2};
  sc.policy = {7, {0, 1, 2}};  // 6 contributors < 7
  const auto o = run(sc);
  for (const auto& out : o.outcomes) {
    CHECK(out.contributors.size() == 6);
    CHECK_FALSE(out.published);
    CHECK_FALSE(out.result.has_value());
  }
}

TEST_CASE("round: a malformed contributor list is an error", "[platform]") {
  auto net = make_local_network(2);
  Party a(*net[0]), b(*net[1], std::chrono::milliseconds(200));
  const std::map<ClientId, HeldShares<Mersenne61>> none;
  const FixedPoint<Mersenne61> format(16);
  const RoundPolicy policy{1, {0}};
  a.send_bytes(1, std::vector<std::uint8_t>(5));  // not whole ids
  CHECK_THROWS_MATCHES(finish_round(b, AdditiveScheme<Mersenne61>(2), none, format, policy, 10), error,
                       test::has_code(errc::malformed_message));
  a.send_bytes(1, std::vector<std::uint8_t>{2, 0, 0, 0, 1, 0, 0, 0});  // not sorted
  CHECK_THROWS_MATCHES(finish_round(b, AdditiveScheme<Mersenne61>(2), none, format, policy, 10), error,
                       test::has_code(errc::malformed_message));
  a.send_bytes(1, std::vector<std::uint8_t>(4 * 11));  // more ids than clients exist
  CHECK_THROWS_MATCHES(finish_round(b, AdditiveScheme<Mersenne61>(2), none, format, policy, 10), error,
                       test::has_code(errc::malformed_message));
}

TEST_CASE("a round report as one line of JSON", "[platform]") {
  RoundReport r;
  r.round = 7;
  r.status = RoundStatus::published;
  r.live = {0, 2};
  r.contributors = 3;
  r.seconds = 0.5;
  CHECK(to_json(r) == R"({"round":7,"status":"published","live":[0,2],"contributors":3,"seconds":0.5})");
  r.recipient = true;
  ChannelResult c;
  c.name = "temperature";
  c.count = 3;
  c.mean = 21.25, c.variance = 0.25, c.minimum = -1.5, c.maximum = 30, c.alerts = 1;
  r.channels = {c};
  CHECK(to_json(r) == R"({"round":7,"status":"published","live":[0,2],"contributors":3,"seconds":0.5,)"
                      R"("channels":{"temperature":{"count":3,"mean":21.25,"variance":0.25,"min":-1.5,"max":30,"alerts":1}}})");
  r.status = RoundStatus::failed;
  r.recipient = false;
  r.reason = "2 live gateways, \"3\" needed\n";
  CHECK(to_json(r) == R"({"round":7,"status":"failed","live":[0,2],"contributors":3,"seconds":0.5,)"
                      R"("reason":"2 live gateways, \"3\" needed "})");
  CHECK(std::string(to_string(RoundStatus::withheld)) == "withheld");
  CHECK(std::string(to_string(RoundStatus::finished_elsewhere)) == "finished_elsewhere");
}
