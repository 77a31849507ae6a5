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
  g.channels = {{"temperature", 12, -40.0, 125.0, 30.0}, {"humidity", 12, 0.0, 100.0, std::nullopt}};
  g.policy.recipients = std::move(recipients);
  g.policy.min_clients = min_clients;
  if (t == 0) g.policy.validation = Validation::off;  // additive shares cannot be checked
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
    sum += e, sum_sq += e * e, lo = std::min(lo, e), hi = std::max(hi, e);  // devices send X and X^2
    p.alerts += alert && e > format.encode(*alert).to_int() ? 1 : 0;
    ++p.count;
  }
  const double n = static_cast<double>(p.count), scale = std::ldexp(1.0, -static_cast<int>(g.channels[channel].frac_bits));
  p.mean = static_cast<double>(sum) * scale / n;
  p.variance = static_cast<double>(sum_sq) * scale * scale / n - p.mean * p.mean;
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
                std::chrono::milliseconds timeout = std::chrono::milliseconds(20000),
                const std::set<PartyId>& liars = {}, const std::set<PartyId>& cheating_garblers = {}) {
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
    if (cheating_garblers.count(live[me]))  // every AND gate fed its first input twice
      hooks.garble_as = [](const gc::Circuit& c) {
        gc::Circuit wrong = c;
        for (auto& gate : wrong.gates)
          if (gate.type == gc::GateType::and_gate) gate.in1 = gate.in0;
        return wrong;
      };
    if (liars.count(live[me]))  // adds 1 to every sum it sends
      hooks.alter_sums = [](std::vector<Mersenne61>& sums) {
        for (auto& v : sums) v += Mersenne61::one();
      };
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
    // The squares are checked only with 2t + 1 live gateways; below that the variance is not published.
    if (g.policy.validation == Validation::off || r.live.size() >= 2 * g.scheme.threshold + 1) {
      CHECK(*got.variance == Approx(p.variance).epsilon(1e-9));
    } else {
      CHECK_FALSE(got.variance);
      CHECK(r.reason.find("variance not published") != std::string::npos);
    }
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
  for (const RoundStep step : {RoundStep::checked, RoundStep::agreed_stored, RoundStep::validated, RoundStep::sums_sent, RoundStep::opened,
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

// ---- Malicious devices (platform/gateway/validation.hpp) ----

namespace {

/// How a cheating device of the tests misbehaves.
enum class Cheat { inconsistent, bad_square, over_quota, square_and_inconsistent, too_high, too_low, fake_bits };

/// Makes client c of `f` a cheater: it keeps its honest reading as the plaintext, so the expected
/// statistics are those of the other clients.
void cheat(const GroupConfig& g, Fleet& f, ClientId c, Cheat how, std::uint64_t salt) {
  const std::size_t channels = g.channels.size(), n = f.held.size();
  const ReadingLayout layout(g);
  const auto delta = Mersenne61::from_int(static_cast<std::int64_t>(1 + salt % 1000));
  switch (how) {
    case Cheat::inconsistent:  // one gateway's share of one value is off the polynomial
      f.held[(salt % 2 == 0) ? n - 1 : 0][c][salt % channels] += delta;
      break;
    case Cheat::bad_square:  // a consistent sharing of x^2 + delta: only the square check sees it
      for (auto& held : f.held) held[c][channels + salt % channels] += delta;
      break;
    case Cheat::over_quota:  // the same reading twice: values twice, squares twice, bits twice
      for (auto& held : f.held) {
        auto& e = held[c];
        const auto part = [&](std::size_t from, std::size_t len) {
          return std::vector<Mersenne61>(e.begin() + static_cast<std::ptrdiff_t>(from),
                                         e.begin() + static_cast<std::ptrdiff_t>(from + len));
        };
        std::vector<Mersenne61> two;
        for (const auto& [from, len] : {std::pair{std::size_t{0}, channels}, std::pair{channels, channels},
                                        std::pair{2 * channels, layout.row_bits()}})
          for (int copy = 0; copy < 2; ++copy) {
            const auto p = part(from, len);
            two.insert(two.end(), p.begin(), p.end());
          }
        e = std::move(two);
      }
      break;
    case Cheat::square_and_inconsistent:
      for (auto& held : f.held) held[c][channels] += delta;
      f.held[n - 1][c][0] += delta;
      break;
    case Cheat::too_high:
    case Cheat::too_low:
    case Cheat::fake_bits: {
      // A well-formed sharing (consistent, exact square) of a value out of range. too_high and
      // too_low: far out, with the range bits of an in-range value (they do not add up to it);
      // fake_bits: just above the range, with "bits" that add up to it, one of them not a bit.
      const std::size_t ch = salt % channels;
      const ChannelRange range = layout.range(ch);
      const std::int64_t hi = range.lo + static_cast<std::int64_t>(range.span);
      const std::int64_t far = how == Cheat::too_high  ? 1000000000 + static_cast<std::int64_t>(salt)
                               : how == Cheat::too_low ? -(std::int64_t{1} << 40) - static_cast<std::int64_t>(salt)
                                                       : hi + 1 + static_cast<std::int64_t>(salt % 7);
      std::vector<Mersenne61> secrets(layout.row_elements());
      std::vector<std::uint64_t> bits(64);
      for (std::size_t k = 0; k < channels; ++k) {
        const ChannelRange& r = layout.range(k);
        const std::int64_t in_range = r.lo + static_cast<std::int64_t>(r.span / 3);
        secrets[k] = Mersenne61::from_int(k == ch ? far : in_range);
        secrets[channels + k] = secrets[k] * secrets[k];
        r.decompose(static_cast<std::uint64_t>(in_range - r.lo), std::span(bits).first(r.bits));
        if (k == ch && how == Cheat::fake_bits) {  // all ones add up to D; the lowest takes the rest
          std::fill_n(bits.begin(), r.bits, 1);
          bits[0] = 1 + static_cast<std::uint64_t>(far - hi);
        }
        for (std::uint32_t j = 0; j < r.bits; ++j)
          secrets[2 * channels + layout.bit_offset(k) + j] = Mersenne61::from_int(static_cast<std::int64_t>(bits[j]));
      }
      auto prg = test::seeded(static_cast<std::uint8_t>(salt));
      const auto shares = Shamir(n, g.scheme.threshold).share(prg, secrets);
      for (PartyId p = 0; p < n; ++p) f.held[p][c] = shares[p];
      break;
    }
  }
}

Rejection expected_reason(Cheat how) {
  switch (how) {
    case Cheat::over_quota: return Rejection::over_quota;
    case Cheat::bad_square: return Rejection::bad_square;
    case Cheat::too_high:
    case Cheat::too_low:
    case Cheat::fake_bits: return Rejection::out_of_range;
    default: return Rejection::inconsistent_shares;
  }
}

}  // namespace

TEST_CASE("malicious devices: every kind of invalid submission is left out and named, the result is the honest one",
          "[platform]") {
  struct Shape {
    std::size_t n, t;
    std::vector<PartyId> recipients;
  };
  for (const auto& shape : {Shape{3, 1, {0, 2}}, Shape{5, 2, {1}}}) {
    CAPTURE(shape.n, shape.t);
    const auto g = make_group(shape.n, shape.t, shape.recipients, 5);
    auto f = make_fleet(g, 30, 21);
    const std::map<ClientId, Cheat> cheaters{{0, Cheat::bad_square},   {2, Cheat::inconsistent},
                                              {3, Cheat::inconsistent},  {9, Cheat::bad_square},
                                              {10, Cheat::bad_square},   {17, Cheat::over_quota},
                                              {29, Cheat::square_and_inconsistent}, {5, Cheat::too_high},
                                              {6, Cheat::too_low},       {21, Cheat::too_high},
                                              {24, Cheat::fake_bits}};
    std::uint64_t salt = 0;
    std::vector<RejectedClient> expected;
    for (const auto& [c, how] : cheaters) {
      cheat(g, f, c, how, salt++);
      expected.push_back({c, expected_reason(how)});
    }
    std::set<ClientId> out;
    for (const auto& [c, how] : cheaters) out.insert(c);
    const auto honest = everyone_but(30, out);
    std::vector<PartyId> all;
    for (PartyId p = 0; p < shape.n; ++p) all.push_back(p);
    const auto a = attempt(g, f, all);
    for (PartyId p = 0; p < shape.n; ++p) {
      CAPTURE(p);
      REQUIRE(a.report[p]);
      CHECK(a.report[p]->rejected == expected);
      check_published(g, f, honest, *a.report[p], g.policy.is_recipient(p));
    }
  }
}

TEST_CASE("malicious devices: the same cheater every round is named every round, without validation it stops the round",
          "[platform]") {
  auto g = make_group(3, 1, {0}, 1);
  for (std::uint8_t round = 0; round < 3; ++round) {
    auto f = make_fleet(g, 10, static_cast<std::uint8_t>(40 + round));
    cheat(g, f, 4, Cheat::inconsistent, 1000 + round);
    const auto a = attempt(g, f, {0, 1, 2});
    REQUIRE(a.report[0]);
    CHECK(a.report[0]->rejected == std::vector<RejectedClient>{{4, Rejection::inconsistent_shares}});
    check_published(g, f, everyone_but(10, {4}), *a.report[0], true);
  }
  // Trusted devices: the recipient's reconstruction finds the inconsistency and the attempt fails,
  // every round the device does it.
  g.policy.validation = Validation::off;
  auto f = make_fleet(g, 10, 40);
  cheat(g, f, 4, Cheat::inconsistent, 1000);
  const auto a = attempt(g, f, {0, 1, 2}, std::nullopt, {}, test::Net::local, std::chrono::milliseconds(500));
  CHECK_FALSE(a.report[0]);
  CHECK_FALSE(a.outcome[0]);
}

TEST_CASE("malicious devices: a wrong square is caught with 2t + 1 live gateways, with fewer no variance is published",
          "[platform]") {
  const auto g = make_group(3, 1, {0}, 1);
  auto f = make_fleet(g, 10, 45);
  cheat(g, f, 4, Cheat::bad_square, 8);  // the temperature square
  const auto all = attempt(g, f, {0, 1, 2});
  REQUIRE(all.report[0]);
  CHECK(all.report[0]->rejected == std::vector<RejectedClient>{{4, Rejection::bad_square}});
  check_published(g, f, everyone_but(10, {4}), *all.report[0], true);
  // Two live gateways (t + 1): nothing can be checked; the device counts with its (honest) x,
  // and the variance, which its square would move, is not published.
  const auto two = attempt(g, f, {0, 1});
  REQUIRE(two.report[0]);
  CHECK(two.report[0]->rejected.empty());
  check_published(g, f, everyone_but(10, {}), *two.report[0], true);
  CHECK_FALSE(two.report[0]->channels[0].variance);
}

TEST_CASE("malicious devices: out of range high and low is caught with any quorum, t + 1 live gateways included",
          "[platform]") {
  // 2t + 1 live: the range bits; fewer: the garbled range circuit (round_protocol.hpp step 1c).
  const auto g = make_group(5, 2, {1}, 1);
  auto f = make_fleet(g, 12, 46);
  cheat(g, f, 3, Cheat::too_high, 0);
  cheat(g, f, 7, Cheat::too_low, 1);
  cheat(g, f, 9, Cheat::fake_bits, 2);
  const std::vector<RejectedClient> expected{
      {3, Rejection::out_of_range}, {7, Rejection::out_of_range}, {9, Rejection::out_of_range}};
  for (const std::vector<PartyId>& live : {std::vector<PartyId>{0, 1, 2, 3, 4}, {1, 2, 4}, {0, 1, 3, 4}}) {
    CAPTURE(live);
    const auto a = attempt(g, f, live);
    for (PartyId p = 0; p < live.size(); ++p) {
      REQUIRE(a.report[p]);
      CHECK(a.report[p]->rejected == expected);
      check_published(g, f, everyone_but(12, {3, 7, 9}), *a.report[p], g.policy.is_recipient(live[p]));
    }
  }
}

TEST_CASE("malicious devices: a quota above one admits batches, and min_clients counts only valid devices", "[platform]") {
  auto g = make_group(3, 1, {0}, 1);
  g.policy.max_readings = 2;
  auto f = make_fleet(g, 6, 50);
  cheat(g, f, 1, Cheat::over_quota, 0);  // two readings: within this quota
  auto a = attempt(g, f, {0, 1, 2});
  REQUIRE(a.report[0]);
  CHECK(a.report[0]->rejected.empty());
  CHECK(a.report[0]->channels[0].count == 7);
  // Two cheaters among 6 with min_clients 5: withheld everywhere, and they are still named.
  g.policy.min_clients = 5;
  g.policy.max_readings = 1;
  cheat(g, f, 2, Cheat::inconsistent, 0);
  a = attempt(g, f, {0, 1, 2});
  for (PartyId p = 0; p < 3; ++p) {
    REQUIRE(a.report[p]);
    CHECK(a.report[p]->status == RoundStatus::withheld);
    CHECK(a.report[p]->contributors == 4);
    CHECK(a.report[p]->rejected ==
          std::vector<RejectedClient>{{1, Rejection::over_quota}, {2, Rejection::inconsistent_shares}});
    CHECK(a.report[p]->channels.empty());
  }
}

namespace {

/// Per gateway, every client's Shamir shares of k readings of C channels with exact squares
/// (y = x^2 in the field), the layout validate_shares reads.
std::vector<Held> exact_fleet(const Shamir& scheme, std::size_t clients, std::size_t k, std::size_t channels, std::uint8_t seed) {
  auto prg = test::seeded(seed);
  std::vector<Held> held(scheme.parties());
  for (ClientId c = 0; c < clients; ++c) {
    std::vector<Mersenne61> secrets(2 * k * channels);
    for (std::size_t i = 0; i < k * channels; ++i) {
      secrets[i] = Mersenne61::from_int(static_cast<std::int64_t>(prg.next_u64() % 2000001) - 1000000);
      secrets[k * channels + i] = secrets[i] * secrets[i];
    }
    const auto shares = scheme.share(prg, secrets);
    for (PartyId p = 0; p < scheme.parties(); ++p) held[p][c] = shares[p];
  }
  return held;
}

/// validate_shares run by every gateway of `live` over LocalNetwork (held per gateway id; the
/// candidates are what the first live one holds), with a forced coin if `coin` is set.
std::vector<std::vector<RejectedClient>> validate_all(const SplitScheme& scheme, const std::vector<PartyId>& live,
                                                      const std::vector<Held>& held, const ReadingLayout& layout, bool squares,
                                                      std::vector<ValidationStats>& stats, const Prg::Seed* coin = nullptr) {
  const std::size_t m = live.size();
  const ContributorSet candidates = held_set(held[live[0]], layout);
  auto ts = make_local_network(m);
  std::vector<std::vector<RejectedClient>> got(m);
  stats.assign(m, {});
  std::vector<std::thread> threads;
  for (PartyId me = 0; me < m; ++me)
    threads.emplace_back([&, me] {
      Party party(*ts[me], std::chrono::milliseconds(20000));
      got[me] = validate_shares(party, scheme, live, candidates, held[live[me]], layout, squares, &stats[me], coin);
    });
  for (auto& t : threads) t.join();
  return got;
}

std::vector<std::vector<RejectedClient>> validate_all(const SplitScheme& scheme, const std::vector<PartyId>& live,
                                                      const std::vector<Held>& held, std::size_t channels, bool squares,
                                                      std::vector<ValidationStats>& stats) {
  return validate_all(scheme, live, held, ReadingLayout(channels), squares, stats);
}

}  // namespace

TEST_CASE("validate_shares: bisection names exactly the cheaters among many, in few exchanges, all honest in one exchange",
          "[platform]") {
  for (const auto& [n, t] : {std::pair<std::size_t, std::size_t>{3, 1}, {5, 2}, {7, 2}}) {
    for (const std::size_t cheaters : {std::size_t{0}, std::size_t{1}, std::size_t{6}}) {
      CAPTURE(n, t, cheaters);
      const Shamir shamir(n, t);
      auto held = exact_fleet(shamir, 200, 1, 2, static_cast<std::uint8_t>(60 + n));
      std::vector<RejectedClient> expected;
      for (std::size_t i = 0; i < cheaters; ++i) {
        const auto c = static_cast<ClientId>(7 + 31 * i);
        if (i % 2) {  // a consistent sharing of x^2 + delta
          for (auto& h : held) h[c][2 + i % 2] += Mersenne61::from_int(static_cast<std::int64_t>(i + 1));
          expected.push_back({c, Rejection::bad_square});
        } else {  // one share off the polynomial
          held[(i / 2) % n][c][i % 4] += Mersenne61::one();
          expected.push_back({c, Rejection::inconsistent_shares});
        }
      }
      std::vector<PartyId> live;
      for (PartyId p = 0; p < n; ++p) live.push_back(p);
      std::vector<ValidationStats> stats;
      const auto got = validate_all(SplitScheme::shamir(t, n), live, held, 2, true, stats);
      for (PartyId me = 0; me < n; ++me) {
        CHECK(got[me] == expected);
        CHECK(stats[me].exchanges <= (cheaters ? 1 + 8 : 1));  // 1 + ceil(log2 200)
      }
      if (cheaters == 0) CHECK(stats[0].groups == 1);
      // Without the square check, only the inconsistent ones.
      std::vector<RejectedClient> inconsistent;
      for (const auto& r : expected)
        if (r.reason == Rejection::inconsistent_shares) inconsistent.push_back(r);
      CHECK(validate_all(SplitScheme::shamir(t, n), live, held, 2, false, stats)[0] == inconsistent);
    }
  }
}

TEST_CASE("validate_shares: with t + 1 live gateways nothing can be checked, t + 2 check consistency, not squares",
          "[platform]") {
  const Shamir shamir(5, 2);
  auto held = exact_fleet(shamir, 20, 2, 2, 70);
  for (auto& h : held) h[3][5] += Mersenne61::one();  // a bad square
  held[4][8][0] += Mersenne61::one();                 // inconsistent at gateway 4
  std::vector<ValidationStats> stats;
  // 3 = t + 1 live: no redundancy, nothing sent.
  CHECK(validate_all(SplitScheme::shamir(2, 5), {0, 1, 4}, held, 2, true, stats)[0].empty());
  CHECK(stats[0].exchanges == 0);
  // 4 = t + 2 live: consistency only.
  CHECK(validate_all(SplitScheme::shamir(2, 5), {1, 2, 3, 4}, held, 2, true, stats)[0] ==
        std::vector<RejectedClient>{{8, Rejection::inconsistent_shares}});
  // 5 = 2t + 1 live: both.
  CHECK(validate_all(SplitScheme::shamir(2, 5), {0, 1, 2, 3, 4}, held, 2, true, stats)[0] ==
        std::vector<RejectedClient>{{3, Rejection::bad_square}, {8, Rejection::inconsistent_shares}});
  CHECK(validation_plan(5, 2).values() == 3);
  CHECK(validation_plan(5, 2, false).values() == 2);
  CHECK(validation_plan(3, 2).values() == 0);
}

TEST_CASE("validate_shares: refuses additive schemes and bad seed messages", "[platform]") {
  const auto g = make_group(3, 1, {0}, 1);
  const auto f = make_fleet(g, 3, 61);
  auto ts = make_local_network(2);
  Party party(*ts[0], std::chrono::milliseconds(300));
  const std::vector<PartyId> live{0, 1};
  const ReadingLayout layout(g);
  CHECK_THROWS_MATCHES(validate_shares(party, SplitScheme::additive(2), live, held_set(f.held[0], layout), f.held[0], layout, true),
                       error, test::has_code(errc::invalid_argument));
  // t = 1 with two live gateways: nothing can be checked, nothing is sent.
  CHECK(validate_shares(party, SplitScheme::shamir(1, 3), live, held_set(f.held[0], layout), f.held[0], layout, true).empty());
  // A peer that sends a short seed message.
  auto ts3 = make_local_network(3);
  std::thread bad([&] {
    Party p1(*ts3[1], std::chrono::milliseconds(300));
    p1.send_bytes(0, std::vector<std::uint8_t>(5, 0));
  });
  Party p0(*ts3[0], std::chrono::milliseconds(300));
  CHECK_THROWS_MATCHES(validate_shares(p0, g.scheme, std::vector<PartyId>{0, 1, 2}, held_set(f.held[0], layout), f.held[0], layout, true),
                       error, test::has_code(errc::malformed_message));
  bad.join();
  // A peer whose coin does not match its commitment.
  auto ts4 = make_local_network(3);
  std::thread liar([&] {
    Party p1(*ts4[1], std::chrono::milliseconds(300));
    p1.send_bytes(0, std::vector<std::uint8_t>(32, 1));  // a commitment
    p1.send_bytes(0, std::vector<std::uint8_t>(32, 2));  // a coin part that is not its opening
  });
  std::thread honest([&] {  // gateway 2 commits and opens properly (its seeds to 0 and 1)
    Party p2(*ts4[2], std::chrono::milliseconds(300));
    Prg::Seed part{};
    const auto c = platform::detail::validation::commit(part);
    p2.send_bytes(0, std::span<const std::uint8_t>(c));
    p2.send_bytes(0, std::span<const std::uint8_t>(part));
  });
  Party q0(*ts4[0], std::chrono::milliseconds(300));
  CHECK_THROWS_MATCHES(validate_shares(q0, g.scheme, std::vector<PartyId>{0, 1, 2}, held_set(f.held[0], layout), f.held[0], layout, true),
                       error, test::has_code(errc::protocol_violation));
  liar.join();
  honest.join();
}

TEST_CASE("a round report keeps its rejected devices, in JSON and in the binary form (version 1 still reads)", "[platform]") {
  RoundReport r;
  r.round = 9;
  r.status = RoundStatus::published;
  r.live = {0, 1, 2};
  r.contributors = 5;
  r.rejected = {{3, Rejection::over_quota}, {8, Rejection::bad_square}, {12, Rejection::inconsistent_shares}};
  CHECK(to_json(r) == R"({"round":9,"status":"published","live":[0,1,2],"contributors":5,"seconds":0,)"
                      R"("rejected":[{"client":3,"reason":"over_quota"},{"client":8,"reason":"bad_square"},)"
                      R"({"client":12,"reason":"inconsistent_shares"}]})");
  const auto bytes = encode_report(r);
  const auto back = decode_report(bytes);
  CHECK(back.rejected == r.rejected);
  CHECK(back.contributors == 5);
  // Version 1: the same report without the list.
  RoundReport v1 = r;
  v1.rejected.clear();
  auto old = encode_report(v1);
  old[0] = 1;
  old.resize(old.size() - 8);  // no rejected list, no faulty list
  CHECK(decode_report(old).rejected.empty());
  // A bad reason code, and a count beyond the data.
  auto bad = bytes;
  bad[bad.size() - 5] = 9;  // the last reason (the faulty list's count follows)
  CHECK_THROWS_MATCHES(decode_report(bad), error, test::has_code(errc::malformed_message));
  bad = bytes;
  bad.resize(bad.size() - 2);
  CHECK_THROWS_MATCHES(decode_report(bad), error, test::has_code(errc::malformed_message));
  CHECK(std::string(to_string(Rejection::inconsistent_shares)) == "inconsistent_shares");
  r.rejected.clear();
  r.faulty = {3, 5};
  CHECK(to_json(r) == R"({"round":9,"status":"published","live":[0,1,2],"contributors":5,"seconds":0,"faulty":[3,5]})");
  CHECK(decode_report(encode_report(r)).faulty == r.faulty);
}

// ---- Malicious gateways: altered sums (sharing/robust.hpp) ----

TEST_CASE("a gateway that alters its sums: detected with n = 3, corrected and named with n = 4 (t = 1) and n = 7 (t = 2)",
          "[platform]") {
  {  // n = 3, t = 1: the recipient sees the disagreement and publishes nothing.
    const auto g = make_group(3, 1, {0}, 1);
    const auto f = make_fleet(g, 15, 80);
    // The others wait for the recipient's ack until the deadline; 3 s leaves room for the range
    // circuit before the sums under qemu-user (scripts/test-arm.sh).
    const auto a = attempt(g, f, {0, 1, 2}, std::nullopt, {}, test::Net::local, std::chrono::milliseconds(3000), {2});
    CHECK_FALSE(a.report[0]);
    CHECK_FALSE(a.outcome[0]);
    REQUIRE(a.failure[0]);
    try {
      std::rethrow_exception(a.failure[0]);
    } catch (const error& e) {
      CHECK(e.code() == make_error_code(errc::inconsistent_shares));
      CHECK(std::string(e.what()).find("a gateway altered its shares") != std::string::npos);
    }
  }
  struct Shape {
    std::size_t n, t;
    std::set<PartyId> liars;
    std::vector<PartyId> recipients;
  };
  for (const auto& shape : {Shape{4, 1, {3}, {0, 1}}, Shape{4, 1, {0}, {1}}, Shape{7, 2, {2, 6}, {0}}}) {
    CAPTURE(shape.n, shape.t);
    const auto g = make_group(shape.n, shape.t, shape.recipients, 1);
    const auto f = make_fleet(g, 20, 81);
    std::vector<PartyId> live;
    for (PartyId p = 0; p < shape.n; ++p) live.push_back(p);
    const auto a = attempt(g, f, live, std::nullopt, {}, test::Net::local, std::chrono::milliseconds(20000), shape.liars);
    for (PartyId p = 0; p < shape.n; ++p) {
      CAPTURE(p);
      REQUIRE(a.report[p]);
      check_published(g, f, everyone_but(20, {}), *a.report[p], g.policy.is_recipient(p));
      if (g.policy.is_recipient(p) && !shape.liars.count(p))
        CHECK(a.report[p]->faulty == std::vector<PartyId>(shape.liars.begin(), shape.liars.end()));
    }
  }
}

TEST_CASE("validate_shares: soundness rests on the coin, so a cheat built for a known coin passes it and no other",
          "[platform]") {
  const Shamir shamir(3, 1);
  auto held = exact_fleet(shamir, 1, 1, 2, 90);
  Prg::Seed known{};
  known[0] = 7;
  // The coefficients the gateways draw for the first exchange and the group of client 0.
  Prg stream(platform::detail::validation::derive(known, "rho", 0, 0), PrgAlgorithm::chacha20);
  std::vector<Mersenne61> rho(4);
  batch::random_fill<Mersenne61>(stream, rho);
  // Gateway 2's shares of x_0 and x_1 off the polynomial by (rho_1, -rho_0): the combination
  // rho . error is 0 for exactly this rho.
  held[2][0][0] += rho[1];
  held[2][0][1] -= rho[0];
  const std::vector<PartyId> live{0, 1, 2};
  const auto run = [&](const Prg::Seed* coin) {  // nullptr: the gateways toss the coin
    std::vector<ValidationStats> stats;
    const auto got = validate_all(SplitScheme::shamir(1, 3), live, held, ReadingLayout(2), false, stats, coin);
    CHECK(got[1] == got[0]);
    CHECK(got[2] == got[0]);
    return got[0];
  };
  CHECK(run(&known).empty());  // built for this coin: passes
  for (std::uint8_t k = 1; k < 20; ++k) {
    Prg::Seed other{};
    other[0] = 7, other[1] = k;
    CHECK(run(&other) == std::vector<RejectedClient>{{0, Rejection::inconsistent_shares}});
  }
  CHECK(run(nullptr) == std::vector<RejectedClient>{{0, Rejection::inconsistent_shares}});  // the tossed coin
}

TEST_CASE("validate_shares: under any forced coin each kind of invalid share is caught with its reason", "[platform]") {
  // The checks are exact identities on the shares, so a cheat not built for the coin fails under
  // every coin: here several forced coins and the tossed one, for each kind, one cheater among
  // honest devices whose readings carry range bits.
  const auto g = make_group(3, 1, {0}, 1);
  const ReadingLayout layout(g);
  const std::vector<PartyId> live{0, 1, 2};
  std::uint64_t salt = 3;
  for (const Cheat how : {Cheat::inconsistent, Cheat::bad_square, Cheat::too_high, Cheat::too_low, Cheat::fake_bits}) {
    auto f = make_fleet(g, 9, 92);
    cheat(g, f, 5, how, salt++);
    for (int k = 0; k <= 4; ++k) {
      CAPTURE(static_cast<int>(how), k);
      Prg::Seed coin{};
      coin[0] = static_cast<std::uint8_t>(k);
      std::vector<ValidationStats> stats;
      const auto got = validate_all(g.scheme, live, f.held, layout, true, stats, k < 4 ? &coin : nullptr);
      for (PartyId me = 0; me < 3; ++me) CHECK(got[me] == std::vector<RejectedClient>{{5, expected_reason(how)}});
    }
  }
}

TEST_CASE("a cheating garbler of the circuit pair is detected: nothing is published, the attempt fails", "[platform]") {
  const auto g = make_group(3, 1, {0}, 1);
  auto f = make_fleet(g, 12, 95);
  struct Case {
    std::vector<PartyId> live;
    PartyId cheater;  // gateway id; the pair is 0 (A, the recipient) and the lowest other live one
  };
  // All live: min/max/alerts (the range by bits); two live: also the range circuit.
  for (const auto& [live, cheater] : {Case{{0, 1, 2}, 0}, Case{{0, 1, 2}, 1}, Case{{0, 2}, 2}, Case{{0, 1}, 0}}) {
    CAPTURE(live, cheater);
    const auto a = attempt(g, f, live, std::nullopt, {}, test::Net::local, std::chrono::milliseconds(3000), {}, {cheater});
    for (PartyId p = 0; p < live.size(); ++p) {
      CAPTURE(p);
      CHECK_FALSE(a.report[p]);
      CHECK_FALSE(a.outcome[p]);
    }
    // The honest one of the pair saw the two executions disagree.
    const PartyId honest = live[0] == cheater ? 1 : 0;  // mesh index
    REQUIRE(a.failure[honest]);
    try {
      std::rethrow_exception(a.failure[honest]);
    } catch (const error& e) {
      CHECK(e.code() == make_error_code(errc::protocol_violation));
      CHECK(std::string(e.what()).find("dual execution") != std::string::npos);
    }
  }
  // The same groups without a cheater publish (the pair's checks cost no correctness).
  const auto ok = attempt(g, f, {0, 1, 2});
  REQUIRE(ok.report[0]);
  check_published(g, f, everyone_but(12, {}), *ok.report[0], true);
}

TEST_CASE("recipients outside the circuit pair get the same min/max/alerts from both of it", "[platform]") {
  // Recipients 0, 1 and 2 of 3: the pair is 0 and 1, and 2 compares what both send.
  const auto g = make_group(3, 1, {0, 1, 2}, 1);
  const auto f = make_fleet(g, 10, 96);
  const auto a = attempt(g, f, {0, 1, 2});
  for (PartyId p = 0; p < 3; ++p) {
    REQUIRE(a.report[p]);
    check_published(g, f, everyone_but(10, {}), *a.report[p], true);
  }
}
