// SPDX-License-Identifier: Apache-2.0
// The round protocol (platform/gateway/round_protocol.hpp) in one process: the live gateways as
// threads over LocalNetwork (and once over TCP), their shares made by the device path's encoder
// and Shamir or additive sharing from fixed seeds, results against the plaintext; dropouts,
// withholding, retries over a stored contributor set, bad messages, and a gateway killed at each
// step of the protocol through the test hook (no process, no clock, no sleep).
#include <catch2/catch.hpp>

#include <edgempc/platform/device/client.hpp>
#include <edgempc/platform/gateway/round_protocol.hpp>
#include <edgempc/platform/round_report.hpp>

#include <cmath>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "protocol_harness.hpp"

using namespace edgempc;
using namespace edgempc::platform;

namespace {

using Held = std::map<ClientId, std::vector<Mersenne61>>;

GroupConfig make_group(std::size_t n, std::size_t t, std::vector<PartyId> recipients, std::size_t min_clients) {
  GroupConfig g;
  g.scheme = t == 0 ? SplitScheme::additive(n) : SplitScheme::shamir(t, n);
  for (PartyId i = 0; i < n; ++i)
    g.gateways.push_back({i, "127.0.0.1", static_cast<std::uint16_t>(41000 + 2 * i),
                          static_cast<std::uint16_t>(41001 + 2 * i), KeyPair::generate().public_key()});
  g.channels = {{"temperature", 16, -40.0, 125.0, 30.0}, {"humidity", 12, 0.0, 100.0, std::nullopt}};
  g.policy.recipients = std::move(recipients);
  g.policy.min_clients = min_clients;
  g.validate();
  return g;
}

struct Fleet {
  std::vector<std::array<double, 2>> readings;  // client i's reading
  std::vector<Held> held;                       // per gateway id
};

/// `clients` devices, one reading of both channels each, shared among every gateway; the
/// clients in `lost_at_last` never reach the last gateway.
Fleet make_fleet(const GroupConfig& g, std::size_t clients, std::uint8_t seed, const std::set<ClientId>& lost_at_last = {}) {
  auto prg = test::seeded(seed);
  Fleet f;
  f.held.resize(g.gateways.size());
  for (ClientId c = 0; c < clients; ++c) {
    const double t = -5.0 + static_cast<double>(prg.next_u64() % 45000) / 1000.0;  // -5 to 40 degrees
    const double h = static_cast<double>(prg.next_u64() % 100000) / 1000.0;
    f.readings.push_back({t, h});
    const auto secrets = encode_channel_readings(g, std::array<double, 2>{t, h});
    const auto shares = g.scheme.kind == SplitScheme::Kind::shamir
                            ? Shamir(g.scheme.parties, g.scheme.threshold).share(prg, secrets)
                            : share_additive<Mersenne61>(prg, secrets, g.scheme.parties);
    for (PartyId p = 0; p < g.gateways.size(); ++p) {
      if (p + 1 == g.gateways.size() && lost_at_last.count(c)) continue;
      f.held[p][c] = shares[p];
    }
  }
  return f;
}

struct Plain {
  std::uint64_t count = 0, alerts = 0;
  double mean = 0, variance = 0, minimum = 0, maximum = 0;
};

Plain plain(const GroupConfig& g, std::size_t channel, const Fleet& f, const ContributorSet& who) {
  const FixedPoint<Mersenne61> format(g.channels[channel].frac_bits);
  std::int64_t sum = 0, sum_sq = 0, lo = INT64_MAX, hi = INT64_MIN;
  Plain p;
  const auto& alert = g.channels[channel].alert_above;
  for (const auto& [c, k] : who) {
    const double x = f.readings[c][channel];
    const std::int64_t e = format.encode(x).to_int();
    sum += e, sum_sq += format.encode(x * x).to_int(), lo = std::min(lo, e), hi = std::max(hi, e);
    p.alerts += alert && e > format.encode(*alert).to_int() ? 1 : 0;
    ++p.count;
  }
  const double n = static_cast<double>(p.count), scale = std::ldexp(1.0, -static_cast<int>(g.channels[channel].frac_bits));
  p.mean = static_cast<double>(sum) * scale / n;
  p.variance = static_cast<double>(sum_sq) * scale / n - p.mean * p.mean;
  p.minimum = static_cast<double>(lo) * scale, p.maximum = static_cast<double>(hi) * scale;
  return p;
}

/// What each gateway of one attempt ended with.
struct Attempt {
  std::vector<std::optional<RoundReport>> report;         // per mesh index; nullopt if it threw
  std::vector<std::exception_ptr> failure;
  std::vector<std::optional<ContributorSet>> agreed;      // what store_agreed was given
  std::vector<std::optional<RoundReport>> outcome;        // what store_outcome was given
};

/// Runs one attempt among the gateways `live` over LocalNetwork (or TCP); `kill_at` makes
/// gateway `victim` throw at that step; `stored` is each gateway's agreed set from before.
Attempt attempt(const GroupConfig& g, const Fleet& f, const std::vector<PartyId>& live,
                std::optional<std::pair<PartyId, RoundStep>> kill_at = std::nullopt,
                const std::map<PartyId, ContributorSet>& stored = {}, test::Net net = test::Net::local,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(20000)) {
  const std::size_t m = live.size();
  Attempt out;
  out.report.resize(m), out.failure.resize(m), out.agreed.resize(m), out.outcome.resize(m);
  const auto body = [&](auto& transport, PartyId me) {
    Party party(transport, timeout);
    RoundInput in;
    in.round = 4;
    in.live = live;
    in.self = live[me];
    in.held = &f.held[live[me]];
    if (const auto it = stored.find(live[me]); it != stored.end()) in.agreed = it->second;
    RoundHooks hooks;
    hooks.store_agreed = [&](const ContributorSet& s) { out.agreed[me] = s; };
    hooks.store_outcome = [&](const RoundReport& r) { out.outcome[me] = r; };
    if (kill_at && kill_at->first == live[me])
      hooks.at = [&](RoundStep s) {
        if (s == kill_at->second) throw std::runtime_error("killed");
      };
    auto prg = test::seeded(static_cast<std::uint8_t>(90 + me));
    try {
      out.report[me] = run_round_protocol(party, g, in, hooks, prg);
    } catch (...) {
      out.failure[me] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  if (net == test::Net::local) {
    auto ts = make_local_network(m);
    for (PartyId me = 0; me < m; ++me) threads.emplace_back([&, me] { body(*ts[me], me); });
    for (auto& t : threads) t.join();
  } else {
    auto ts = test::make_mesh(m);
    for (PartyId me = 0; me < m; ++me) threads.emplace_back([&, me] { body(*ts[me], me); });
    for (auto& t : threads) t.join();
  }
  return out;
}

ContributorSet everyone_but(std::size_t clients, const std::set<ClientId>& out) {
  ContributorSet s;
  for (ClientId c = 0; c < clients; ++c)
    if (!out.count(c)) s.emplace_back(c, 1);
  return s;
}

void check_published(const GroupConfig& g, const Fleet& f, const ContributorSet& who, const RoundReport& r, bool recipient) {
  REQUIRE(r.status == RoundStatus::published);
  CHECK(r.contributors == who.size());
  CHECK(r.recipient == recipient);
  if (!recipient) {
    CHECK(r.channels.empty());
    return;
  }
  REQUIRE(r.channels.size() == g.channels.size());
  for (std::size_t c = 0; c < g.channels.size(); ++c) {
    const Plain p = plain(g, c, f, who);
    const auto& got = r.channels[c];
    CHECK(got.count == p.count);
    CHECK(*got.mean == Approx(p.mean).epsilon(1e-12));
    CHECK(*got.variance == Approx(p.variance).epsilon(1e-9));
    CHECK(*got.minimum == p.minimum);
    CHECK(*got.maximum == p.maximum);
    if (g.channels[c].alert_above) CHECK(*got.alerts == p.alerts);
    else CHECK_FALSE(got.alerts);
  }
}

}  // namespace

TEST_CASE("round protocol publishes every statistic against the plaintext, dropouts left out everywhere", "[platform]") {
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (const std::size_t t : {std::size_t{1}, std::size_t{0}}) {
      CAPTURE(test::to_string(net), t);
      const auto g = make_group(3, t, {0, 2}, 10);
      const std::set<ClientId> lost{3, 17, 30};
      const auto f = make_fleet(g, 40, 11, lost);
      const auto a = attempt(g, f, {0, 1, 2}, std::nullopt, {}, net);
      const auto who = everyone_but(40, lost);
      for (PartyId p = 0; p < 3; ++p) {
        CAPTURE(p);
        REQUIRE(a.report[p]);
        CHECK(a.agreed[p] == who);  // stored before anything was revealed
        check_published(g, f, who, *a.report[p], p != 1);
        CHECK(a.outcome[p].has_value() == (p != 1));  // recipients store, then ack
      }
    }
  }
}

TEST_CASE("round protocol finishes over any t+1 live gateways, with 5 gateways and t = 2", "[platform]") {
  const auto g = make_group(5, 2, {1, 3}, 1);
  const auto f = make_fleet(g, 25, 12);
  for (const std::vector<PartyId>& live : {std::vector<PartyId>{0, 1, 2}, {1, 3, 4}, {0, 1, 2, 3, 4}, {1, 2, 3, 4}}) {
    CAPTURE(live);
    const auto a = attempt(g, f, live);
    for (PartyId p = 0; p < live.size(); ++p) {
      REQUIRE(a.report[p]);
      check_published(g, f, everyone_but(25, {}), *a.report[p], g.policy.is_recipient(live[p]));
    }
  }
}

TEST_CASE("round protocol withholds a round below min_clients everywhere, revealing nothing", "[platform]") {
  const auto g = make_group(3, 1, {0, 1, 2}, 7);
  const auto f = make_fleet(g, 8, 13, {1, 2});  // 6 contributors < 7
  const auto a = attempt(g, f, {0, 1, 2});
  for (PartyId p = 0; p < 3; ++p) {
    REQUIRE(a.report[p]);
    CHECK(a.report[p]->status == RoundStatus::withheld);
    CHECK(a.report[p]->contributors == 6);
    CHECK(a.report[p]->channels.empty());
    CHECK_FALSE(a.report[p]->reason.empty());
    CHECK_FALSE(a.outcome[p]);
  }
}

TEST_CASE("round protocol: a retry reveals sums over the stored contributor set only", "[platform]") {
  const auto g = make_group(3, 1, {0}, 1);
  auto f = make_fleet(g, 20, 14, {5});
  // The first attempt dies at the recipient right after every gateway stored the agreed set.
  const auto first = attempt(g, f, {0, 1, 2}, std::make_pair(PartyId{0}, RoundStep::agreed_stored), {}, test::Net::local,
                             std::chrono::milliseconds(500));
  for (PartyId p = 0; p < 3; ++p) CHECK_FALSE(first.report[p]);
  const ContributorSet stored = *first.agreed[1];
  CHECK(stored == everyone_but(20, {5}));
  // Client 5's lost share turns up at gateway 2 before the retry: the stored set still rules.
  auto again = make_fleet(g, 20, 14);
  f.held[2][5] = again.held[2][5];
  std::map<PartyId, ContributorSet> before{{0, stored}, {1, stored}};  // gateway 2 lost its copy
  const auto second = attempt(g, f, {0, 1, 2}, std::nullopt, before);
  for (PartyId p = 0; p < 3; ++p) {
    REQUIRE(second.report[p]);
    check_published(g, f, stored, *second.report[p], p == 0);
  }
  // Two different stored sets: refused, nothing revealed.
  ContributorSet other = stored;
  other.pop_back();
  const auto clash = attempt(g, f, {0, 1, 2}, std::nullopt, {{0, stored}, {1, other}}, test::Net::local,
                             std::chrono::milliseconds(500));
  for (PartyId p = 0; p < 3; ++p) {
    CHECK_FALSE(clash.report[p]);
    CHECK_FALSE(clash.outcome[p]);
  }
}

TEST_CASE("round protocol: a gateway killed at any step never leaves a round published without a result", "[platform]") {
  const auto g = make_group(3, 1, {0}, 1);
  const auto f = make_fleet(g, 12, 15);
  for (const RoundStep step : {RoundStep::checked, RoundStep::agreed_stored, RoundStep::sums_sent, RoundStep::opened,
                               RoundStep::circuit_done, RoundStep::outcome_stored, RoundStep::acked}) {
    CAPTURE(static_cast<int>(step));
    // The only recipient dies there.
    const auto a = attempt(g, f, {0, 1, 2}, std::make_pair(PartyId{0}, step), {}, test::Net::local,
                           std::chrono::milliseconds(400));
    CHECK_FALSE(a.report[0]);
    const bool result_stored = step == RoundStep::outcome_stored || step == RoundStep::acked;
    CHECK(a.outcome[0].has_value() == result_stored);
    for (PartyId p = 1; p < 3; ++p) {
      CAPTURE(p);
      // Published at a non-recipient only with the recipient's ack, i.e. its result stored.
      if (step == RoundStep::acked) {
        REQUIRE(a.report[p]);
        CHECK(a.report[p]->status == RoundStatus::published);
      } else {
        CHECK_FALSE(a.report[p]);
      }
    }
  }
  for (const RoundStep step : {RoundStep::checked, RoundStep::agreed_stored, RoundStep::sums_sent, RoundStep::circuit_done}) {
    CAPTURE(static_cast<int>(step));
    // Gateway 1 (a non-recipient, the circuit's evaluator) dies. Before the circuit is done
    // nobody publishes and the recipient stores nothing; once it is done the recipient no longer
    // needs it: it stores, acks, and gateway 2 publishes too.
    const auto a = attempt(g, f, {0, 1, 2}, std::make_pair(PartyId{1}, step), {}, test::Net::local,
                           std::chrono::milliseconds(400));
    CHECK_FALSE(a.report[1]);
    const bool after_circuit = step == RoundStep::circuit_done;
    CHECK(a.outcome[0].has_value() == after_circuit);
    CHECK(a.report[0].has_value() == after_circuit);
    CHECK(a.report[2].has_value() == after_circuit);
    if (after_circuit) check_published(g, f, everyone_but(12, {}), *a.report[0], true);
  }
}

TEST_CASE("round protocol refuses bad messages, another round or live set, and bad inputs", "[platform]") {
  const auto g = make_group(2, 0, {0}, 1);
  const Held none;
  RoundHooks hooks;
  hooks.store_agreed = [](const ContributorSet&) {};
  auto prg = test::seeded(3);
  const auto run_b = [&](auto& party, std::uint32_t round = 4) {
    RoundInput in;
    in.round = round, in.live = {0, 1}, in.self = 1, in.held = &none;
    return run_round_protocol(party, g, in, hooks, prg);
  };
  const auto check_msg = [] {
    std::vector<std::uint8_t> c(12);
    edgempc::detail::store_le<std::uint32_t>(c.data(), 4), edgempc::detail::store_le<std::uint32_t>(c.data() + 4, 0),
        edgempc::detail::store_le<std::uint32_t>(c.data() + 8, 1);
    return c;
  };
  {  // another round or live set
    auto net = make_local_network(2);
    Party a(*net[0]), b(*net[1], std::chrono::milliseconds(300));
    auto c = check_msg();
    c[0] = 5;
    a.send_bytes(1, c);
    CHECK_THROWS_MATCHES(run_b(b), error, test::has_code(errc::protocol_violation));
  }
  for (const std::vector<std::uint8_t>& bad : {std::vector<std::uint8_t>(5),                                      // truncated
                                               std::vector<std::uint8_t>{2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},     // flag 2
                                               std::vector<std::uint8_t>{0, 0, 0, 0, 0xff, 0xff, 0, 0}}) {        // long list
    auto net = make_local_network(2);
    Party a(*net[0]), b(*net[1], std::chrono::milliseconds(300));
    a.send_bytes(1, check_msg());
    a.send_bytes(1, bad);
    CHECK_THROWS_MATCHES(run_b(b), error, test::has_code(errc::malformed_message));
  }
  {  // a list not sorted
    auto net = make_local_network(2);
    Party a(*net[0]), b(*net[1], std::chrono::milliseconds(300));
    a.send_bytes(1, check_msg());
    std::vector<std::uint8_t> m(4 + 4 + 16);
    edgempc::detail::store_le<std::uint32_t>(m.data() + 8, 2), edgempc::detail::store_le<std::uint32_t>(m.data() + 12, 7);
    edgempc::detail::store_le<std::uint32_t>(m.data() + 20, 3);
    a.send_bytes(1, m);
    CHECK_THROWS_MATCHES(run_b(b), error, test::has_code(errc::malformed_message));
  }
  {  // a missing hook, a mesh that does not match the live set, no shares
    auto net = make_local_network(2);
    Party b(*net[1]);
    RoundInput in;
    in.live = {0, 1}, in.self = 1, in.held = &none;
    CHECK_THROWS_MATCHES(run_round_protocol(b, g, in, RoundHooks{}, prg), error, test::has_code(errc::invalid_argument));
    in.self = 0;
    CHECK_THROWS_MATCHES(run_round_protocol(b, g, in, hooks, prg), error, test::has_code(errc::invalid_argument));
    in.self = 1, in.held = nullptr;
    CHECK_THROWS_MATCHES(run_round_protocol(b, g, in, hooks, prg), error, test::has_code(errc::invalid_argument));
    in.held = &none, in.live = {0, 1, 2};
    CHECK_THROWS_MATCHES(run_round_protocol(b, g, in, hooks, prg), error, test::has_code(errc::invalid_argument));
  }
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
  CHECK(std::string(to_string(RoundStatus::failed)) == "failed");
}
