// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/gc/evaluate.hpp>
#include <edgempc/gc/field_stats.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "protocol_harness.hpp"

using namespace edgempc;

namespace {

constexpr std::uint64_t p = Mersenne61::modulus;

std::int64_t half(std::uint32_t w) { return std::int64_t{1} << (w - 1); }

/// A value in [-2^(w-1), 2^(w-1)).
std::int64_t random_value(Prg& prg, std::uint32_t w) {
  return static_cast<std::int64_t>(prg.next_u64() & ((std::uint64_t{1} << w) - 1)) - half(w);
}

/// Shares (a, b) of x, a + b = x (mod p), with the garbler's offset share a' = a + 2^(w-1)
/// chosen by `mode` to reach the reconstruction's cases: a' + b below p, equal to p (only for
/// x = -2^(w-1)), above p, top bits set on one or both sides, zero shares.
struct Shares {
  Mersenne61 a, b;
};

Shares make_shares(Prg& prg, std::uint32_t w, std::int64_t x, unsigned mode) {
  const Mersenne61 v = Mersenne61::from_int(x) + Mersenne61::from_uint(static_cast<std::uint64_t>(half(w)));
  const std::uint64_t r = prg.next_u64();
  std::uint64_t ap = 0;  // a'
  switch (mode % 7) {
    case 0: ap = (r >> 3) % p; break;                                   // uniform
    case 1: ap = p - 1 - (r & ((std::uint64_t{1} << w) - 1)); break;     // near p: a' + b wraps unless b small
    case 2: ap = (std::uint64_t{1} << 60) + (r & 0x3ff); break;         // bit 60 set, b may have it too
    case 3: ap = 0; break;                                              // b = v
    case 4: ap = v.to_uint(); break;                                    // b = 0
    case 5: ap = r & ((std::uint64_t{1} << w) - 1); break;              // small: b = v - a' may wrap
    case 6: ap = (std::uint64_t{1} << 60) - 1 - (r & 0xff); break;      // just below 2^60
  }
  const Mersenne61 a_off = Mersenne61::from_canonical(ap);
  const Mersenne61 b = v - a_off;
  const Mersenne61 a = a_off - Mersenne61::from_uint(static_cast<std::uint64_t>(half(w)));
  return {a, b};
}

/// Shares with a' + b = p exactly: x = -2^(w-1), v = 0.
Shares shares_summing_to_p(Prg& prg, std::uint32_t w) {
  const std::uint64_t ap = 1 + (prg.next_u64() >> 3) % (p - 1);  // in [1, p)
  const Mersenne61 a_off = Mersenne61::from_canonical(ap);
  const Mersenne61 b = Mersenne61::from_canonical(p - ap);
  return {a_off - Mersenne61::from_uint(static_cast<std::uint64_t>(half(w))), b};
}

gc::FieldStats plain(const gc::FieldStatsSpec& spec, const std::vector<std::int64_t>& xs) {
  gc::FieldStats s{*std::ranges::min_element(xs), *std::ranges::max_element(xs), 0};
  for (const auto x : xs) s.above += x > spec.threshold ? 1 : 0;
  return s;
}

struct Instance {
  std::vector<std::int64_t> values;
  std::vector<Mersenne61> a, b;
};

/// The circuit evaluated in plaintext on the packed inputs.
gc::FieldStats evaluate_plain(const gc::FieldStatsSpec& spec, const gc::Circuit& c, const Instance& in) {
  std::vector<std::uint64_t> inputs;
  for (const auto a : in.a) inputs.push_back(gc::field_stats_input(spec, gc::field_stats_offset_share(spec, a)));
  for (const auto b : in.b) inputs.push_back(gc::field_stats_input(spec, b));
  const auto out = gc::evaluate(c, inputs);
  REQUIRE(out.size() == 3);
  const std::int64_t off = half(spec.value_bits);
  return {static_cast<std::int64_t>(out[0]) - off, static_cast<std::int64_t>(out[1]) - off, out[2]};
}

/// Counts the reconstruction cases seen, to check the instances reach them all.
struct Cases {
  std::size_t below = 0, equal = 0, above = 0, both_top = 0;
  void see(const gc::FieldStatsSpec& spec, Mersenne61 a, Mersenne61 b) {
    const std::uint64_t ap = gc::field_stats_offset_share(spec, a).to_uint();
    const std::uint64_t s = ap + b.to_uint();
    below += s < p;
    equal += s == p;
    above += s > p;
    both_top += ((ap >> 60) & (b.to_uint() >> 60)) != 0;
  }
};

Instance make_instance(Prg& prg, const gc::FieldStatsSpec& spec, std::size_t n, Cases& cases) {
  const std::uint32_t w = spec.value_bits;
  const std::int64_t lo = -half(w), hi = half(w) - 1, t = spec.threshold;
  const std::vector<std::int64_t> special{lo, hi, 0, -1, t, std::max(lo, t - 1), std::min(hi, t + 1)};
  Instance in;
  for (std::size_t i = 0; i < n; ++i) {
    Shares s{};
    std::int64_t x = 0;
    if (i % 11 == 3) {
      x = lo;
      s = shares_summing_to_p(prg, w);
    } else {
      x = i % 3 == 0 ? special[(i / 3) % special.size()] : random_value(prg, w);
      s = make_shares(prg, w, x, static_cast<unsigned>(i + prg.next_u64() % 7));
    }
    REQUIRE((s.a + s.b).to_int() == x);
    cases.see(spec, s.a, s.b);
    in.values.push_back(x);
    in.a.push_back(s.a);
    in.b.push_back(s.b);
  }
  return in;
}

struct PartyResult {
  std::optional<gc::FieldStats> stats;
  std::optional<errc> failure;
};

std::array<PartyResult, 2> run(test::Net net, const gc::FieldStatsSpec& spec0, const gc::FieldStatsSpec& spec1,
                               const std::vector<Mersenne61>& a, const std::vector<Mersenne61>& b, gc::Reveal reveal,
                               bool second_garbles = false) {
  std::array<PartyResult, 2> out;
  test::on_network(net, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(0x70 + me));
    try {
      out[me].stats = gc::two_party_field_stats(party, prg, 1 - me, me == 0 || second_garbles, me == 0 ? spec0 : spec1,
                                                std::span<const Mersenne61>(me == 0 ? a : b), reveal);
    } catch (const error& e) {
      out[me].failure = static_cast<errc>(e.code().value());
    }
  });
  return out;
}

}  // namespace

TEST_CASE("field stats circuit: min, max and alert count of Mersenne61 shares equal the plaintext", "[gc]") {
  auto prg = test::seeded(0x61);
  Cases cases;
  for (const std::uint32_t w : {2u, 24u, 40u, 60u}) {
    const std::int64_t lo = -half(w), hi = half(w) - 1;
    for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{8}, std::size_t{1000}}) {
      std::vector<std::int64_t> thresholds{lo, hi, 0, -1, random_value(prg, w)};
      if (n == 1000 && w != 24) thresholds = {0, random_value(prg, w)};
      for (const std::int64_t t : thresholds) {
        const gc::FieldStatsSpec spec{w, t};
        const gc::Circuit c = gc::field_stats_circuit(spec, n);
        REQUIRE(c.input_widths.size() == 2 * n);
        REQUIRE(c.input_widths.front() == w + 1);
        const std::size_t rounds = n == 1 ? 40 : n < 1000 ? 10 : 1;
        for (std::size_t r = 0; r < rounds; ++r) {
          const Instance in = make_instance(prg, spec, n, cases);
          CAPTURE(w, n, t, r);
          CHECK(evaluate_plain(spec, c, in) == plain(spec, in.values));
        }
      }
    }
  }
  // Every reconstruction case was reached, many times.
  CHECK(cases.below > 100);
  CHECK(cases.equal > 100);
  CHECK(cases.above > 100);
  CHECK(cases.both_top > 100);
}

TEST_CASE("field stats circuit: every value alone, every share shape, at the range ends", "[gc]") {
  auto prg = test::seeded(0x62);
  for (const std::uint32_t w : {2u, 3u, 24u, 59u, 60u}) {
    const std::int64_t lo = -half(w), hi = half(w) - 1;
    for (const std::int64_t t : {lo, hi, std::int64_t{0}, std::int64_t{-1}}) {
      const gc::FieldStatsSpec spec{w, t};
      const gc::Circuit c = gc::field_stats_circuit(spec, 1);
      for (const std::int64_t x : {lo, lo + 1, std::int64_t{-1}, std::int64_t{0}, hi - 1, hi, t}) {
        for (unsigned mode = 0; mode < 7; ++mode) {
          const Shares s = make_shares(prg, w, x, mode);
          const Instance in{{x}, {s.a}, {s.b}};
          CAPTURE(w, t, x, mode);
          CHECK(evaluate_plain(spec, c, in) == gc::FieldStats{x, x, x > t ? 1U : 0U});
        }
      }
      const Shares s = shares_summing_to_p(prg, w);
      CHECK(gc::field_stats_offset_share(spec, s.a).to_uint() + s.b.to_uint() == p);
      CHECK(evaluate_plain(spec, c, Instance{{lo}, {s.a}, {s.b}}) == gc::FieldStats{lo, lo, 0});
    }
  }
  // Exhaustively for w = 2 and 3: all pairs of values, shares of random shapes.
  for (const std::uint32_t w : {2u, 3u}) {
    const gc::FieldStatsSpec spec{w, 0};
    const gc::Circuit c = gc::field_stats_circuit(spec, 2);
    for (std::int64_t x = -half(w); x < half(w); ++x)
      for (std::int64_t y = -half(w); y < half(w); ++y)
        for (unsigned mode = 0; mode < 7; ++mode) {
          const Shares sx = make_shares(prg, w, x, mode), sy = make_shares(prg, w, y, mode + 3);
          const Instance in{{x, y}, {sx.a, sy.a}, {sx.b, sy.b}};
          CAPTURE(w, x, y, mode);
          CHECK(evaluate_plain(spec, c, in) == plain(spec, in.values));
        }
  }
}

TEST_CASE("field stats circuit: about 5w AND gates per value", "[gc]") {
  for (const std::uint32_t w : {24u, 40u}) {
    const gc::Circuit c = gc::field_stats_circuit({w, 0}, 1000);
    const double per_value = static_cast<double>(c.and_count()) / 1000.0;
    CAPTURE(w, c.and_count());
    CHECK(per_value <= 5.0 * w + 1.0);
    CHECK(per_value >= 5.0 * w - 1.0);
  }
}

TEST_CASE("field stats circuit: bad specs and no values are invalid arguments", "[gc]") {
  using gc::field_stats_circuit;
  CHECK_THROWS_MATCHES(field_stats_circuit({1, 0}, 4), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(field_stats_circuit({0, 0}, 4), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(field_stats_circuit({61, 0}, 4), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(field_stats_circuit({24, std::int64_t{1} << 23}, 4), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(field_stats_circuit({24, -(std::int64_t{1} << 23) - 1}, 4), error,
                       test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(field_stats_circuit({2, 2}, 4), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(field_stats_circuit({24, 0}, 0), error, test::has_code(errc::invalid_argument));
  CHECK_NOTHROW(field_stats_circuit({2, -2}, 1));
  CHECK_NOTHROW(field_stats_circuit({60, (std::int64_t{1} << 59) - 1}, 1));
  CHECK_NOTHROW(field_stats_circuit({60, -(std::int64_t{1} << 59)}, 1));
}

TEST_CASE("field stats over two real parties: local and TCP, every reveal", "[gc]") {
  auto prg = test::seeded(0x63);
  Cases cases;
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (const auto& [w, n] : {std::pair<std::uint32_t, std::size_t>{24, 97}, {2, 1}, {60, 20}}) {
      const gc::FieldStatsSpec spec{w, w == 2 ? -1 : random_value(prg, w) / 2};
      const Instance in = make_instance(prg, spec, n, cases);
      const gc::FieldStats expected = plain(spec, in.values);
      for (const auto reveal : {gc::Reveal::to_both, gc::Reveal::to_garbler, gc::Reveal::to_evaluator, gc::Reveal::to_both_checked}) {
        CAPTURE(test::to_string(net), w, n, static_cast<int>(reveal));
        const auto r = run(net, spec, spec, in.a, in.b, reveal);
        REQUIRE_FALSE(r[0].failure.has_value());
        REQUIRE_FALSE(r[1].failure.has_value());
        const bool g = reveal != gc::Reveal::to_evaluator, e = reveal != gc::Reveal::to_garbler;
        REQUIRE(r[0].stats.has_value() == g);
        REQUIRE(r[1].stats.has_value() == e);
        if (g) CHECK(*r[0].stats == expected);
        if (e) CHECK(*r[1].stats == expected);
      }
    }
  }
}

TEST_CASE("field stats over two real parties: 1000 values", "[gc]") {
  auto prg = test::seeded(0x64);
  Cases cases;
  const gc::FieldStatsSpec spec{24, 1000};
  const Instance in = make_instance(prg, spec, 1000, cases);
  const auto r = run(test::Net::local, spec, spec, in.a, in.b, gc::Reveal::to_both);
  REQUIRE(r[0].stats.has_value());
  REQUIRE(r[1].stats.has_value());
  CHECK(*r[0].stats == plain(spec, in.values));
  CHECK(*r[1].stats == plain(spec, in.values));
}

TEST_CASE("field stats over two real parties: disagreements fail on both sides at once", "[gc]") {
  auto prg = test::seeded(0x65);
  Cases cases;
  const gc::FieldStatsSpec spec{24, 0};
  const Instance in = make_instance(prg, spec, 6, cases);
  const std::vector<Mersenne61> fewer(in.b.begin(), in.b.end() - 1);
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    CAPTURE(test::to_string(net));
    const auto start = std::chrono::steady_clock::now();
    // A different count.
    auto r = run(net, spec, spec, in.a, fewer, gc::Reveal::to_both);
    CHECK(r[0].failure == errc::size_mismatch);
    CHECK(r[1].failure == errc::size_mismatch);
    // A different threshold, a different width.
    r = run(net, spec, {24, 1}, in.a, in.b, gc::Reveal::to_both);
    CHECK(r[0].failure == errc::protocol_violation);
    CHECK(r[1].failure == errc::protocol_violation);
    r = run(net, spec, {25, 0}, in.a, in.b, gc::Reveal::to_both);
    CHECK(r[0].failure == errc::protocol_violation);
    CHECK(r[1].failure == errc::protocol_violation);
    // Two garblers.
    r = run(net, spec, spec, in.a, in.b, gc::Reveal::to_both, true);
    CHECK(r[0].failure == errc::protocol_violation);
    CHECK(r[1].failure == errc::protocol_violation);
    // A bad spec or no shares: invalid on that side, a disagreement on the other.
    r = run(net, {61, 0}, {61, 0}, in.a, in.b, gc::Reveal::to_both);
    CHECK(r[0].failure == errc::invalid_argument);
    CHECK(r[1].failure == errc::invalid_argument);
    r = run(net, spec, {1, 0}, in.a, in.b, gc::Reveal::to_both);
    CHECK(r[0].failure == errc::protocol_violation);
    CHECK(r[1].failure == errc::invalid_argument);
    r = run(net, spec, spec, {}, {}, gc::Reveal::to_both);
    CHECK(r[0].failure == errc::invalid_argument);
    CHECK(r[1].failure == errc::invalid_argument);
    // None of this waited for the parties' 20 s timeout.
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  }
}
