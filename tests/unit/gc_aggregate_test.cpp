// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/gc/aggregate.hpp>
#include <edgempc/sharing/additive.hpp>

#include <algorithm>
#include <random>

#include "protocol_harness.hpp"

using namespace edgempc;
using gc::Int128;

namespace {

struct Case {
  std::vector<std::int64_t> a, b;  // the garbler's and the evaluator's values
};

std::vector<std::uint64_t> raw(const std::vector<std::int64_t>& v) {
  return std::vector<std::uint64_t>(v.begin(), v.end());  // two's complement words
}

/// The plaintext answer, with 128-bit arithmetic.
Int128 plain(const gc::AggregateSpec& s, const std::vector<std::int64_t>& all) {
  const auto n = static_cast<Int128>(all.size());
  Int128 sum = 0;
  for (const auto v : all) sum += s.is_signed ? static_cast<Int128>(v) : static_cast<Int128>(static_cast<std::uint64_t>(v));
  switch (s.what) {
    case gc::Aggregate::sum: return sum;
    case gc::Aggregate::average: return sum / n;  // C++ truncates toward zero; unsigned sums are >= 0
    case gc::Aggregate::maximum:
      return s.is_signed ? *std::max_element(all.begin(), all.end())
                         : static_cast<Int128>(std::ranges::max(raw(all)));
    case gc::Aggregate::minimum:
      return s.is_signed ? *std::min_element(all.begin(), all.end())
                         : static_cast<Int128>(std::ranges::min(raw(all)));
    case gc::Aggregate::above_threshold: {
      const Int128 t = s.is_signed ? static_cast<Int128>(s.threshold) : static_cast<Int128>(static_cast<std::uint64_t>(s.threshold));
      return sum > t * n ? 1 : 0;
    }
  }
  return 0;
}

std::pair<std::optional<Int128>, std::optional<Int128>> run(test::Net net, const gc::AggregateSpec& s,
                                                            const std::vector<std::uint64_t>& a,
                                                            const std::vector<std::uint64_t>& b, gc::Reveal reveal) {
  std::optional<Int128> out[2];
  test::on_network(net, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(0x40 + me));
    out[me] = gc::two_party_aggregate(party, prg, 1 - me, me == 0, s, me == 0 ? a : b, me == 0 ? b.size() : a.size(), reveal);
  });
  return {out[0], out[1]};
}

}  // namespace

TEST_CASE("garbled aggregates: sum, average, max, min, threshold equal the plaintext", "[gc]") {
  std::mt19937_64 rng(11);
  std::vector<Case> cases;
  cases.push_back({{5, -7, 100}, {-2, 0, 9}});
  cases.push_back({{INT64_MAX, INT64_MAX - 1}, {INT64_MAX, 3}});   // the sum overflows 64 bits
  cases.push_back({{INT64_MIN, INT64_MIN + 5}, {-1, INT64_MIN}});  // and below
  Case r;
  for (int i = 0; i < 4; ++i) r.a.push_back(static_cast<std::int64_t>(rng())), r.b.push_back(static_cast<std::int64_t>(rng()));
  cases.push_back(r);
  cases.push_back({{42}, {}});  // one party may have no values
  for (const auto& c : cases) {
    std::vector<std::int64_t> all = c.a;
    all.insert(all.end(), c.b.begin(), c.b.end());
    for (const bool is_signed : {true, false}) {
      for (const auto what : {gc::Aggregate::sum, gc::Aggregate::average, gc::Aggregate::maximum, gc::Aggregate::minimum,
                              gc::Aggregate::above_threshold}) {
        for (const std::int64_t threshold : {std::int64_t{0}, std::int64_t{20}}) {
          if (what != gc::Aggregate::above_threshold && threshold != 0) continue;
          const gc::AggregateSpec spec{what, is_signed, threshold, false};
          CAPTURE(static_cast<int>(what), is_signed, threshold, all.size());
          const auto [g, e] = run(test::Net::local, spec, raw(c.a), raw(c.b), gc::Reveal::to_both);
          REQUIRE(g.has_value());
          REQUIRE(e.has_value());
          CHECK(*g == plain(spec, all));
          CHECK(*e == plain(spec, all));
        }
      }
    }
  }
}

TEST_CASE("garbled aggregates: the bridge from additive shares equals reconstructing in the clear", "[gc]") {
  std::mt19937_64 rng(12);
  auto prg = test::seeded(13);
  std::vector<Z2k<64>> secret(6);
  std::vector<std::int64_t> plain_values(6);
  for (std::size_t i = 0; i < 6; ++i) {
    plain_values[i] = static_cast<std::int64_t>(rng() >> 20) - (std::int64_t{1} << 43);  // negative and positive
    secret[i] = Z2k<64>::from_int(plain_values[i]);
  }
  const auto shares = share_additive<Z2k<64>>(prg, secret, 2);
  std::vector<std::uint64_t> a, b;
  for (std::size_t i = 0; i < 6; ++i) a.push_back(shares[0][i].to_uint()), b.push_back(shares[1][i].to_uint());
  const auto clear = reconstruct_additive<Z2k<64>>(shares);
  for (std::size_t i = 0; i < 6; ++i) REQUIRE(clear[i].to_int() == plain_values[i]);
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (const auto what : {gc::Aggregate::average, gc::Aggregate::maximum, gc::Aggregate::above_threshold}) {
      const gc::AggregateSpec spec{what, true, -1000, true};
      const auto [g, e] = run(net, spec, a, b, gc::Reveal::to_evaluator);
      CHECK_FALSE(g.has_value());
      REQUIRE(e.has_value());
      CHECK(*e == plain(spec, plain_values));
    }
  }
  CHECK_THROWS_MATCHES(gc::aggregate_circuit({gc::Aggregate::sum, true, 0, true}, 2, 3), error,
                       test::has_code(errc::size_mismatch));
  CHECK_THROWS_MATCHES(gc::aggregate_circuit({gc::Aggregate::sum, true, 0, false}, 0, 0), error,
                       test::has_code(errc::invalid_argument));
}
