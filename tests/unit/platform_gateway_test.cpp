// SPDX-License-Identifier: Apache-2.0
// Gateways over real TCP on 127.0.0.1, fed by a device fleet over their ingest ports: the
// published statistics against the plaintext, and every failure the platform must survive.
// Most tests run the gateways in this process on one ManualClock (InProcessGroup): the test
// moves the clock to close a round, so nothing sleeps to a round boundary. A few end-to-end
// smoke tests fork real gateway processes on the wall clock, where a process must die (SIGKILL
// and restart, a kill at a chosen step of the finish), be restored from a backup, or run
// under its own descriptor limit.
#include <catch2/catch.hpp>

#include "gateway_fleet.hpp"
#include "protocol_harness.hpp"

#include <thread>

using namespace edgempc;
using namespace edgempc::platform;
using test::Fixture;
using test::GatewayProcess;
using test::InProcessGroup;

namespace {

void check_round(const Fixture& f, const RoundReport& got, const std::vector<std::array<double, 2>>& readings,
                 const std::vector<bool>& included) {
  const auto want = test::plaintext(f.group, readings, included);
  REQUIRE(got.status == RoundStatus::published);
  REQUIRE(got.recipient);
  REQUIRE(got.channels.size() == want.size());
  CHECK(got.contributors == static_cast<std::uint64_t>(std::count(included.begin(), included.end(), true)));
  for (std::size_t c = 0; c < want.size(); ++c) {
    INFO("channel " << got.channels[c].name);
    CHECK(got.channels[c].count == want[c].count);
    CHECK(*got.channels[c].mean == Approx(want[c].mean).epsilon(1e-12));
    // Devices' squares are checked only with 2t + 1 live gateways; below that no variance.
    if (f.group.policy.validation == Validation::off || got.live.size() >= 2 * f.group.scheme.threshold + 1)
      CHECK(*got.channels[c].variance == Approx(want[c].variance).epsilon(1e-9));
    else
      CHECK_FALSE(got.channels[c].variance);
    CHECK(*got.channels[c].minimum == want[c].minimum);
    CHECK(*got.channels[c].maximum == want[c].maximum);
    if (f.group.channels[c].alert_above) CHECK(*got.channels[c].alerts == want[c].alerts);
    else CHECK(!got.channels[c].alerts);
  }
}

/// Held by every gateway named in `live`.
std::vector<bool> held_by(const std::vector<std::vector<IngestCode>>& codes, const std::vector<PartyId>& live) {
  std::vector<bool> out(codes.size(), true);
  for (std::size_t i = 0; i < codes.size(); ++i)
    for (const PartyId g : live) out[i] = out[i] && is_held(codes[i][g]);
  return out;
}

std::chrono::steady_clock::time_point before_close(const Fixture& f, std::uint32_t r) {
  return std::chrono::steady_clock::now() + std::chrono::milliseconds(f.close_ms(r) - test::unix_ms() - 100);
}

/// For gateways on a manual clock, a round stays open until the test moves the clock: the
/// uplink's deadline only guards against a hang.
std::chrono::steady_clock::time_point guard() { return std::chrono::steady_clock::now() + std::chrono::seconds(60); }

}  // namespace

TEST_CASE("gateways publish count, mean, variance, min, max and alerts over two rounds", "[platform]") {
  const bool shamir = GENERATE(true, false);
  Fixture f(3, shamir ? 1 : 0, 120, 3'600'000, 1, {0, 2});  // hour-long rounds: only the clock closes one
  InProcessGroup group(f, {0, 1, 2}, 1);
  std::vector<std::vector<std::array<double, 2>>> readings;
  std::vector<std::vector<bool>> included;
  Uplink uplink(f.group);
  for (std::uint32_t r = 0; r < 2; ++r) {
    readings.push_back(test::make_readings(120, r, 7));
    const auto codes = uplink.send(test::seal_round(f, r, readings.back()), guard());
    included.push_back(held_by(codes, {0, 1, 2}));
    CHECK(std::count(included.back().begin(), included.back().end(), true) == 120);
    group.clock->set(f.close_ms(r));  // round r closes; round r + 1 opens
    REQUIRE(group.wait_for(0, r + 1).size() == r + 1);
  }
  for (const PartyId g : {0u, 2u}) {  // the recipients
    const auto reports = group.wait_for(g, 2);
    REQUIRE(reports.size() == 2);
    for (std::uint32_t r = 0; r < 2; ++r) {
      CHECK(reports[r].round == r);
      CHECK(reports[r].live == std::vector<PartyId>{0, 1, 2});
      check_round(f, reports[r], readings[r], included[r]);
    }
  }
  const auto other = group.wait_for(1, 2);  // not a recipient: knows the round was published, no values
  REQUIRE(other.size() == 2);
  CHECK(other[0].status == RoundStatus::published);
  CHECK_FALSE(other[0].recipient);
  CHECK(other[0].channels.empty());
}

TEST_CASE("a gateway rejects unenrolled, forged, replayed, duplicate, late and malformed submissions", "[platform]") {
  Fixture f(3, 1, 4, 3'600'000);
  InProcessGroup group(f, {0, 1, 2}, 1);  // alive in round 1, to see round 0 closed
  Prg prg;
  const std::vector<double> reading{21.5, 40.0};
  IngestClient c(f.group.gateways[0].host, f.group.gateways[0].ingest_port);

  // An enrolled client: accepted once; the same bytes again are a replay, held once.
  DeviceClient good(f.group, 0, f.client_keys[0]);
  const auto sealed = good.seal(prg, 0, 0, reading);
  CHECK(c.submit(sealed[0]) == IngestCode::accepted);
  CHECK(c.submit(sealed[0]) == IngestCode::replayed);
  // A second, different submission of the same client in the same round.
  CHECK(c.submit(good.seal(prg, 0, 1, reading)[0]) == IngestCode::duplicate);

  // Not enrolled: a key the gateways never saw, under an id nobody has.
  const KeyPair stranger = KeyPair::generate();
  DeviceClient unenrolled(f.group, 99, stranger);
  CHECK(c.submit(unenrolled.seal(prg, 0, 0, reading)[0]) == IngestCode::not_enrolled);

  // Forged: enrolled client 1's id, sealed with another key.
  DeviceClient forger(f.group, 1, stranger);
  CHECK(c.submit(forger.seal(prg, 0, 0, reading)[0]) == IngestCode::forged);
  // Client 0's id, which has a submission held this round, under another key, with the held
  // seq and with another: `forged` both times, never `replayed` or `duplicate`, so that someone
  // without the device's key cannot learn that it reported.
  DeviceClient impostor(f.group, 0, stranger);
  CHECK(c.submit(impostor.seal(prg, 0, 0, reading)[0]) == IngestCode::forged);
  CHECK(c.submit(impostor.seal(prg, 0, 1, reading)[0]) == IngestCode::forged);
  CHECK(c.submit(sealed[0]) == IngestCode::replayed);  // the real one still is
  // Sealed for gateway 1, sent to gateway 0.
  DeviceClient two(f.group, 2, f.client_keys[2]);
  CHECK(c.submit(two.seal(prg, 0, 0, reading)[1]) == IngestCode::forged);

  // Altered in transit.
  auto altered = DeviceClient(f.group, 3, f.client_keys[3]).seal(prg, 0, 0, reading)[0];
  altered.back() ^= 1;
  CHECK(c.submit(altered) == IngestCode::forged);

  // Truncated, and a round far in the future.
  CHECK(c.submit(std::vector<std::uint8_t>(10, 0)) == IngestCode::malformed);
  CHECK(c.submit(DeviceClient(f.group, 3, f.client_keys[3]).seal(prg, 5, 0, reading)[0]) == IngestCode::round_not_open);
  // A malformed request length: the gateway drops the connection, and keeps serving others.
  {
    IngestClient bad(f.group.gateways[0].host, f.group.gateways[0].ingest_port, std::chrono::milliseconds(2000));
    const std::vector<std::uint8_t> huge{0xff, 0xff, 0xff, 0x7f, 1};
    bad.send_raw(huge);
    CHECK_THROWS_MATCHES(bad.status(0), error, test::has_code(errc::connection_lost));
  }
  CHECK(c.status(0) == RoundPhase::collecting);
  // The links request (kind 3): no peer it failed to link with; a request of the wrong size or
  // for a word beyond the second closes the connection.
  CHECK(c.unreachable(0) == 0);
  for (const auto& bad_links : {std::vector<std::uint8_t>{5, 0, 0, 0, 3, 0, 0, 0, 0},
                                                    std::vector<std::uint8_t>{9, 0, 0, 0, 3, 0, 0, 0, 0, 2, 0, 0, 0}}) {
    IngestClient bad(f.group.gateways[0].host, f.group.gateways[0].ingest_port, std::chrono::milliseconds(2000));
    bad.send_raw(bad_links);
    CHECK_THROWS_MATCHES(bad.status(0), error, test::has_code(errc::connection_lost));
  }

  // Once the gateway has begun to finish the round: too late. (Until then a late submission is
  // still taken, so that a device slowed by a busy machine counts; gateway.hpp.) Close the
  // round, then wait for the gateway to say it finished round 0.
  group.clock->set(f.close_ms(0));
  {
    IngestClient poll(f.group.gateways[0].host, f.group.gateways[0].ingest_port);
    const auto give_up = test::unix_ms() + 30000;
    while (poll.status(0) != RoundPhase::finished && test::unix_ms() < give_up)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    REQUIRE(poll.status(0) == RoundPhase::finished);
  }
  IngestClient late(f.group.gateways[0].host, f.group.gateways[0].ingest_port);
  CHECK(late.submit(DeviceClient(f.group, 3, f.client_keys[3]).seal(prg, 0, 7, reading)[0]) == IngestCode::round_closed);

  // The round itself: client 0 reached gateway 0 only, so nobody is in every list.
  const auto reports = group.wait_for(0, 1);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].contributors == 0);
  CHECK(reports[0].status == RoundStatus::withheld);
}

TEST_CASE("a client that reaches only some gateways is left out, and the round is still right", "[platform]") {
  Fixture f(3, 1, 60, 3'600'000);
  InProcessGroup group(f, {0, 1, 2}, 0);
  const auto readings = test::make_readings(60, 0, 11);
  auto sealed = test::seal_round(f, 0, readings);
  // Clients 0..9 lose their submission to gateway 2 (dropped on the way): sent elsewhere only.
  std::vector<std::vector<std::vector<std::uint8_t>>> full(sealed.begin() + 10, sealed.end());
  Uplink uplink(f.group);
  auto codes = uplink.send(full, guard());
  {
    GroupConfig two = f.group;  // an uplink to gateways 0 and 1 only
    IngestClient a(two.gateways[0].host, two.gateways[0].ingest_port), b(two.gateways[1].host, two.gateways[1].ingest_port);
    for (std::size_t i = 0; i < 10; ++i) {
      CHECK(a.submit(sealed[i][0]) == IngestCode::accepted);
      CHECK(b.submit(sealed[i][1]) == IngestCode::accepted);
    }
  }
  std::vector<bool> included(60, true);
  for (std::size_t i = 0; i < 10; ++i) included[i] = false;
  const auto rest = held_by(codes, {0, 1, 2});
  for (std::size_t i = 10; i < 60; ++i) included[i] = rest[i - 10];
  group.clock->set(f.close_ms(0));
  const auto reports = group.wait_for(0, 1);
  REQUIRE(reports.size() == 1);
  check_round(f, reports[0], readings, included);
  CHECK(reports[0].contributors == 50);
}

TEST_CASE("with t = 1 and n = 3, one gateway down for the whole round: the others publish", "[platform]") {
  Fixture f(3, 1, 80, 3'600'000);
  InProcessGroup group(f, {0, 1}, 0);  // gateway 2 never starts
  const auto readings = test::make_readings(80, 0, 13);
  Uplink uplink(f.group);
  const auto codes = uplink.send(test::seal_round(f, 0, readings), guard());
  const auto included = held_by(codes, {0, 1});
  CHECK(std::count(included.begin(), included.end(), true) == 80);
  // A silent peer is waited for until peer_wait after the close (round time), then left out.
  group.clock->set(f.close_ms(0) + f.group.peer_wait.count());
  const auto reports = group.wait_for(0, 1);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].live == std::vector<PartyId>{0, 1});
  check_round(f, reports[0], readings, included);
}

TEST_CASE("a gateway killed with SIGKILL mid-round and restarted finishes the round with every share", "[platform]") {
  Fixture f(3, 1, 100, 3000);
  auto g0 = std::make_unique<GatewayProcess>(f, 0, 0);
  auto g1 = std::make_unique<GatewayProcess>(f, 1, 0);
  auto g2 = std::make_unique<GatewayProcess>(f, 2, 0);
  // No wait for round 0 to open: a gateway takes a submission from one round early, and the
  // uplink retries until the gateways listen.
  const auto readings = test::make_readings(100, 0, 17);
  const auto sealed = test::seal_round(f, 0, readings);
  Uplink uplink(f.group);
  const std::vector<std::vector<std::vector<std::uint8_t>>> first(sealed.begin(), sealed.begin() + 50),
      second(sealed.begin() + 50, sealed.end());
  auto codes = uplink.send(first, before_close(f, 0));
  g2->kill();                                          // acknowledged shares must survive this
  g2 = std::make_unique<GatewayProcess>(f, 2, 0);      // same store, same ports
  const auto more = uplink.send(second, before_close(f, 0));
  codes.insert(codes.end(), more.begin(), more.end());
  const auto included = held_by(codes, {0, 1, 2});
  CHECK(std::count(included.begin(), included.end(), true) == 100);
  const auto reports = g0->reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].live == std::vector<PartyId>{0, 1, 2});
  check_round(f, reports[0], readings, included);
  const auto restarted = g2->reports();
  REQUIRE(restarted.size() == 1);
  CHECK(restarted[0].status == RoundStatus::published);
}

TEST_CASE("a round with fewer than min_clients contributors is withheld everywhere", "[platform]") {
  Fixture f(3, 1, 5, 3'600'000, 6, {0});
  InProcessGroup group(f, {0, 1, 2}, 0);
  Uplink uplink(f.group);
  (void)uplink.send(test::seal_round(f, 0, test::make_readings(5, 0, 19)), guard());
  group.clock->set(f.close_ms(0));
  for (const PartyId g : {0u, 1u, 2u}) {
    const auto reports = group.wait_for(g, 1);
    REQUIRE(reports.size() == 1);
    CHECK(reports[0].status == RoundStatus::withheld);
    CHECK(reports[0].contributors == 5);
    CHECK(reports[0].channels.empty());
  }
}

TEST_CASE("a gateway's store backed up and restored into a fresh gateway gives the same results", "[platform]") {
  Fixture f(3, 1, 40, 3000);
  auto g0 = std::make_unique<GatewayProcess>(f, 0, 0);
  auto g1 = std::make_unique<GatewayProcess>(f, 1, 0);
  auto g2 = std::make_unique<GatewayProcess>(f, 2, 0);
  // (submitted before the open: taken from one round early)
  const auto readings = test::make_readings(40, 0, 23);
  Uplink uplink(f.group);
  const auto codes = uplink.send(test::seal_round(f, 0, readings), before_close(f, 0));
  const auto included = held_by(codes, {0, 1, 2});
  CHECK(std::count(included.begin(), included.end(), true) == 40);
  // Gateway 2's machine dies; its last backup is restored on a new machine (a new file).
  g2->kill();
  const auto snapshot = f.dir / "gw2.snapshot";
  {
    SqliteStore old(f.store(2), f.gateway_keys[2]);
    old.backup(snapshot);
  }
  std::filesystem::remove(f.store(2));
  const auto fresh = f.dir / "gw2-restored.db";
  (void)SqliteStore::restore(snapshot, fresh, f.gateway_keys[2]);
  g2 = std::make_unique<GatewayProcess>(f, 2, 0, fresh);
  const auto reports = g0->reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].live == std::vector<PartyId>{0, 1, 2});
  check_round(f, reports[0], readings, included);
}

namespace {

/// `count` idle TCP connections to host:port from the local address `from` (127.0.0.x), held
/// until the vector goes; connections the server closes at once stay in it, closed.
std::vector<boost::asio::ip::tcp::socket> idle_connections(boost::asio::io_context& io, const std::string& from,
                                                          const std::string& host, std::uint16_t port, std::size_t count) {
  std::vector<boost::asio::ip::tcp::socket> out;
  const boost::asio::ip::tcp::endpoint to(boost::asio::ip::make_address(host), port);
  for (std::size_t i = 0; i < count; ++i) {
    boost::asio::ip::tcp::socket s(io);
    s.open(boost::asio::ip::tcp::v4());
    s.bind({boost::asio::ip::make_address(from), 0});
    boost::system::error_code ec;
    s.connect(to, ec);  // lands in the backlog even when the gateway does not accept it
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

TEST_CASE("a gateway with few descriptors, flooded with idle connections, serves its devices and finishes the round",
          "[platform]") {
  Fixture f(3, 1, 30, 3000);
  // Gateway 0 may hold 16 connections per source address and has 64 descriptors in all; the
  // attacker (127.0.0.2) opens 300 connections, far more than the gateway's descriptors.
  const auto tight = [](GatewayOptions& o) {
    o.ingest.max_per_address = 16;
    o.ingest.idle_timeout = std::chrono::milliseconds(20000);  // the attack outlasts the round
  };
  GatewayProcess g0(f, 0, 0, {}, tight, 64), g1(f, 1, 0), g2(f, 2, 0);
  // (submitted before the open: taken from one round early)
  boost::asio::io_context io;
  auto flood = idle_connections(io, "127.0.0.2", f.group.gateways[0].host, f.group.gateways[0].ingest_port, 300);
  const auto readings = test::make_readings(30, 0, 31);
  Uplink uplink(f.group);
  const auto codes = uplink.send(test::seal_round(f, 0, readings), before_close(f, 0));
  const auto included = held_by(codes, {0, 1, 2});
  CHECK(std::count(included.begin(), included.end(), true) == 30);
  const auto reports = g0.reports();
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].live == std::vector<PartyId>{0, 1, 2});
  check_round(f, reports[0], readings, included);
}

TEST_CASE("the only recipient killed at a chosen point of the finish: re-finished on its return, never published empty",
          "[platform]") {
  // Killed before storing its result (opened), or after storing it but before its acks
  // (outcome_stored): the test hook raises SIGKILL in the gateway process at that step.
  for (const RoundStep step : {RoundStep::opened, RoundStep::outcome_stored}) {
    CAPTURE(static_cast<int>(step));
    Fixture f(3, 1, 30, 2000);
    f.group.policy.recipients = {0};
    const auto die_at = [step](GatewayOptions& o) {
      o.at_step = [step](std::uint32_t r, RoundStep s) {
        if (r == 0 && s == step) ::raise(SIGKILL);
      };
    };
    // All run to round 1 (empty, withheld), so that each is up while the others finish round 0.
    auto g0 = std::make_unique<GatewayProcess>(f, 0, 1, std::filesystem::path{}, die_at);
    GatewayProcess g1(f, 1, 1), g2(f, 2, 1);
    // (submitted before the open: taken from one round early)
    const auto readings = test::make_readings(30, 0, 37);
    Uplink uplink(f.group);
    const auto included = held_by(uplink.send(test::seal_round(f, 0, readings), before_close(f, 0)), {0, 1, 2});
    CHECK(g0->reports().empty());  // it died in round 0's finish: no report
    g0 = std::make_unique<GatewayProcess>(f, 0, 1);  // back, same store, no hook; runs on to round 1
    const auto back = g0->reports();
    for (auto* g : {&g1, &g2}) {  // neither reports published unless the recipient stored a result
      const auto reports = g->reports();
      REQUIRE(reports.size() == 2);
      CHECK(reports[0].round == 0);
      CHECK(reports[0].status == RoundStatus::published);
      CHECK(reports[0].channels.empty());
      CHECK(reports[1].status == RoundStatus::withheld);
    }
    if (step == RoundStep::opened) {  // nothing was stored: the returning recipient re-finished round 0
      REQUIRE_FALSE(back.empty());
      CHECK(back[0].round == 0);
      check_round(f, back[0], readings, included);
    } else {  // stored before the kill, never reported: handed over first after the restart
      REQUIRE_FALSE(back.empty());
      CHECK(back[0].round == 0);
      check_round(f, back[0], readings, included);
      for (std::size_t i = 1; i < back.size(); ++i) CHECK(back[i].round != 0);  // once
      // A further restart hands nothing over again: the round is marked reported.
      GatewayProcess again(f, 0, 1);
      CHECK(again.reports().empty());
    }
  }
}

TEST_CASE("a mis-keyed link between two gateways fails no round: the others finish every round, right",
          "[platform]") {
  // t = 1, n = 3: gateway 0 holds a wrong key for gateway 2, so the link 0-2 never comes up (its
  // authenticated hello fails at both ends); 0 and 1, or 1 and 2, still hold a quorum. Round 0
  // finds the broken link (two failed attempts), round 1 leaves it out from the start. With the
  // recipient at either end of the broken link, the mesh keeps the recipient.
  for (const PartyId recipient : {PartyId{0}, PartyId{2}}) {
    CAPTURE(recipient);
    Fixture f(3, 1, 40, 3'600'000);
    f.group.policy.recipients = {recipient};
    const auto miskey = [](PartyId id, GroupConfig& g) {
      if (id == 0) g.gateways[2].public_key = KeyPair::generate().public_key();
    };
    // The end of the link that is left out learns each outcome by asking the others, so they
    // keep running (waiting for a round 2 the clock never closes) after it has finished rounds
    // 0 and 1.
    const PartyId left_out = recipient == 0 ? 2 : 0;
    InProcessGroup group(f, {0, 1, 2}, 1000, miskey);
    std::vector<std::vector<std::array<double, 2>>> readings;
    std::vector<std::vector<bool>> included;
    Uplink uplink(f.group);
    const std::vector<PartyId> want_live = recipient == 0 ? std::vector<PartyId>{0, 1} : std::vector<PartyId>{1, 2};
    for (std::uint32_t r = 0; r < 2; ++r) {
      readings.push_back(test::make_readings(40, r, 41 + r));
      included.push_back(held_by(uplink.send(test::seal_round(f, r, readings[r]), guard()), want_live));
      group.clock->set(f.close_ms(r));
      REQUIRE(group.wait_for(recipient, r + 1).size() == r + 1);
    }
    const auto at_left_out = group.wait_for(left_out, 2);
    const auto at_recipient = group.wait_for(recipient, 2);
    const auto at_one = group.wait_for(1, 2);
    REQUIRE(at_recipient.size() >= 2);
    for (std::uint32_t r = 0; r < 2; ++r) {
      CHECK(at_recipient[r].round == r);
      CHECK(at_recipient[r].live == want_live);
      check_round(f, at_recipient[r], readings[r], included[r]);
    }
    for (const auto* reports_of : {&at_left_out, &at_one}) {  // published everywhere, the left-out end included
      const auto& reports = *reports_of;
      REQUIRE(reports.size() >= 2);
      for (std::uint32_t r = 0; r < 2; ++r) {
        INFO("round " << r << ": " << reports[r].reason);
        CHECK(reports[r].round == r);
        CHECK(reports[r].status == RoundStatus::published);
      }
    }
  }
}

TEST_CASE("gateways on a manual clock: a round closes when the test moves the clock, not the wall", "[platform]") {
  // Three gateways in this process; no sleep to a round boundary: the test sends, then sets the
  // clock to the round's close, and the round finishes at once over real TCP.
  Fixture f(3, 1, 50, 3'600'000);  // hour-long rounds: the wall clock would never close one
  InProcessGroup group(f, {0, 1, 2}, 0);
  const auto readings = test::make_readings(50, 0, 59);
  Uplink uplink(f.group);
  const auto codes = uplink.send(test::seal_round(f, 0, readings), std::chrono::steady_clock::now() + std::chrono::seconds(30));
  const auto included = held_by(codes, {0, 1, 2});
  CHECK(std::count(included.begin(), included.end(), true) == 50);
  CHECK(group.reports(0).empty());  // nothing before the close
  group.clock->set(f.close_ms(0));
  const auto reports = group.wait_for(0, 1);
  REQUIRE(reports.size() == 1);
  check_round(f, reports[0], readings, included);
  // A submission now is too late, whatever the wall clock says.
  IngestClient c(f.group.gateways[1].host, f.group.gateways[1].ingest_port);
  Prg prg;
  CHECK(c.submit(DeviceClient(f.group, 3, f.client_keys[3]).seal(prg, 0, 9, std::vector<double>{20.0, 50.0})[1]) ==
        IngestCode::round_closed);
}

TEST_CASE("on a manual clock, a round without a quorum fails exactly when the finish limit passes", "[platform]") {
  // Additive 2-of-2 with gateway 1 never started: gateway 0 keeps trying until the clock passes
  // close + finish_limit, and only then reports failed, publishing nothing.
  Fixture f(2, 0, 4, 3'600'000);
  f.group.peer_wait = std::chrono::milliseconds(1000);
  InProcessGroup group(f, {0}, 0);
  group.clock->set(f.close_ms(0));
  group.clock->advance(std::chrono::milliseconds(14'000));  // still inside the 15 s limit
  // Let it retry a few times in real time (its backoff is real time, not round time): the
  // round is still being finished, not failed.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  CHECK(IngestClient(f.group.gateways[0].host, f.group.gateways[0].ingest_port).status(0) == RoundPhase::finishing);
  CHECK(group.reports(0).empty());
  group.clock->advance(std::chrono::milliseconds(1'001));
  const auto reports = group.wait_for(0, 1);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].status == RoundStatus::failed);
  CHECK(reports[0].channels.empty());
  CHECK_THAT(reports[0].reason, Catch::Contains("1 live gateways, 2 needed"));
}

TEST_CASE("a gateway counts what operators watch and logs one record per round", "[platform]") {
  Fixture f(3, 1, 6, 3'600'000);
  std::mutex lines_mutex;
  std::vector<std::string> lines;
  InProcessGroup group(f, {0, 1, 2}, 0, {}, [&](PartyId g, GatewayOptions& o) {
    if (g != 0) return;
    Logger::Options lo;
    lo.format = LogFormat::json;
    lo.source = "gateway 0";
    o.logger.emplace(
        [&](std::string_view l) {
          std::lock_guard lock(lines_mutex);
          lines.emplace_back(l);
        },
        lo);
  });
  const auto readings = test::make_readings(6, 0, 3);
  Uplink uplink(f.group);
  const auto codes = uplink.send(test::seal_round(f, 0, readings), guard());
  const auto held = held_by(codes, {0, 1, 2});
  CHECK(std::count(held.begin(), held.end(), true) == 6);
  // Refused submissions are counted by code: a forgery and garbage.
  Prg prg;
  IngestClient c(f.group.gateways[0].host, f.group.gateways[0].ingest_port);
  DeviceClient forger(f.group, 1, KeyPair::generate());
  CHECK(c.submit(forger.seal(prg, 0, 0, std::vector<double>{20.0, 40.0})[0]) == IngestCode::forged);
  CHECK(c.submit(std::vector<std::uint8_t>(40, 7)) == IngestCode::malformed);
  group.clock->set(f.close_ms(0));
  const auto reports = group.wait_for(0, 1);
  REQUIRE(reports.size() == 1);
  REQUIRE(reports[0].status == RoundStatus::published);

  const GatewaySnapshot s = group.gateway(0).metrics();
  CHECK(s.gateway == 0);
  CHECK(s.submissions[static_cast<std::size_t>(IngestCode::accepted)] == 6);
  CHECK(s.submissions[static_cast<std::size_t>(IngestCode::forged)] == 1);
  CHECK(s.submissions[static_cast<std::size_t>(IngestCode::malformed)] == 1);
  CHECK(s.rounds[0] == 1);  // published
  REQUIRE(s.last_round);
  CHECK(*s.last_round == 0);
  CHECK(s.last_contributors == 6);
  CHECK(s.duration_count == 1);
  CHECK(s.store_bytes > 0);
  CHECK(s.ingest.accepted >= 2);
  CHECK(s.start_time > 1.7e9);
  const std::string text = to_prometheus(s);
  CHECK(text.find("edgempc_gateway_submissions_total{gateway=\"0\",code=\"accepted\"} 6\n") != std::string::npos);
  CHECK(text.find("edgempc_gateway_rounds_total{gateway=\"0\",status=\"published\"} 1\n") != std::string::npos);

  // The round's record: status, contributors, what was refused since the last one.
  std::lock_guard lock(lines_mutex);
  const auto round_line = std::find_if(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("\"event\":\"round\"") != std::string::npos;
  });
  REQUIRE(round_line != lines.end());
  INFO(*round_line);
  CHECK(round_line->find("\"level\":\"info\"") != std::string::npos);
  CHECK(round_line->find("\"round\":0,\"status\":\"published\",\"contributors\":6,\"live\":\"0,1,2\"") != std::string::npos);
  CHECK(round_line->find("\"submissions_held\":6,\"submissions_refused\":\"forged:1,malformed:1\"") != std::string::npos);
}
