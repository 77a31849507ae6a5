// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/beaver.hpp>
#include <edgempc/protocols.hpp>

#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "protocol_harness.hpp"
#include "scheme_helpers.hpp"
#include "reference.hpp"

using namespace edgempc;

namespace {

struct Plain {
  double sum = 0, mean = 0, variance = 0, dot = 0;
};

Plain plain_of(const std::vector<double>& x, const std::vector<double>& y) {
  Plain p;
  for (std::size_t i = 0; i < x.size(); ++i) p.sum += x[i], p.dot += x[i] * y[i];
  p.mean = p.sum / static_cast<double>(x.size());
  for (const double v : x) p.variance += (v - p.mean) * (v - p.mean);
  p.variance /= static_cast<double>(x.size());
  return p;
}

/// Every statistic on n real parties, revealed to party 0 and the last party, against the plain
/// computation in double.
template <class S>
void statistics_on(test::Net net, const S& scheme) {
  using T = typename S::value_type;
  const std::size_t n = scheme.parties(), m = 200;
  CAPTURE(n, test::to_string(net), T::bits);
  const FixedPoint<T> fp(T::bits == 32 ? 8 : 16);
  std::mt19937_64 rng(n * 3 + T::bits);
  // Z2k<32> with f = 8 holds sum x^2 * 2^16 only for small readings.
  std::uniform_real_distribution<double> reading(T::bits == 32 ? -4.0 : -40.0, T::bits == 32 ? 4.0 : 120.0);
  std::vector<double> x(m), y(m);
  for (auto& v : x) v = reading(rng);
  for (auto& v : y) v = reading(rng) / 4;
  std::vector<T> ex(m), ex2(m), ey(m), flags(m);
  for (std::size_t i = 0; i < m; ++i) {
    ex[i] = fp.encode(x[i]), ex2[i] = fp.encode(x[i] * x[i]), ey[i] = fp.encode(y[i]);
    flags[i] = T::from_uint(x[i] > 0 ? 1 : 0);
  }
  auto prg = test::seeded(static_cast<std::uint8_t>(40 + n));
  const auto sx = test::share_for(scheme, prg, ex), sx2 = test::share_for(scheme, prg, ex2), sy = test::share_for(scheme, prg, ey),
             sf = test::share_for(scheme, prg, flags);
  const auto dealt = test::deal_for(scheme, prg, 2 * m);
  const std::vector<PartyId> receivers{0, static_cast<PartyId>(n - 1)};
  struct Out {
    std::optional<T> sum;
    std::optional<std::uint64_t> count;
    std::optional<double> mean, dot;
    std::optional<Moments> linear, beaver;
  };
  std::vector<Out> out(n);
  test::on_network(net, n, [&](auto& party, PartyId me) {
    auto triples = open_triples<T>(dealt[me], 2 * m);
    auto& o = out[me];
    o.sum = secure_sum(party, scheme, sx[me], receivers);
    o.count = secure_count(party, scheme, sf[me], receivers);
    o.mean = secure_mean(party, scheme, sx[me], fp, receivers);
    o.linear = secure_moments(party, scheme, sx[me], sx2[me], fp, receivers);
    o.beaver = secure_moments(party, scheme, triples, sx[me], fp, receivers);
    o.dot = secure_dot(party, scheme, triples, sx[me], sy[me], fp, receivers);
  });
  const Plain want = plain_of(x, y);
  std::uint64_t positives = 0;
  T encoded_sum = T::zero();
  for (std::size_t i = 0; i < m; ++i) positives += x[i] > 0, encoded_sum = encoded_sum + ex[i];
  // Each encoding errs by at most half a step; products and squares by about |x| + |y| steps.
  const double r = fp.resolution(), mean_tol = r, var_tol = 400 * r, dot_tol = static_cast<double>(m) * 200 * r;
  for (PartyId p = 0; p < n; ++p) {
    const auto& o = out[p];
    const bool receiver = p == 0 || p == n - 1;
    REQUIRE(o.sum.has_value() == receiver);
    REQUIRE(o.count.has_value() == receiver);
    REQUIRE(o.linear.has_value() == receiver);
    REQUIRE(o.beaver.has_value() == receiver);
    REQUIRE(o.dot.has_value() == receiver);
    if (!receiver) continue;
    CHECK(*o.sum == encoded_sum);  // exact in the domain
    CHECK(*o.count == positives);
    CHECK(*o.mean == Approx(want.mean).margin(mean_tol));
    for (const auto& mo : {*o.linear, *o.beaver}) {
      CHECK(mo.count == m);
      CHECK(mo.sum == Approx(want.sum).margin(static_cast<double>(m) * r));
      CHECK(mo.mean == Approx(want.mean).margin(mean_tol));
      CHECK(mo.variance == Approx(want.variance).margin(var_tol));
    }
    CHECK(*o.dot == Approx(want.dot).margin(dot_tol));
  }
}

}  // namespace

TEST_CASE("statistics: count, sum, mean, variance and dot product on 2, 3 and 5 parties", "[beaver]") {
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (const std::size_t n : {2, 3, 5}) {
      statistics_on(net, AdditiveScheme<Z2k<64>>(n));
      statistics_on(net, AdditiveScheme<Mersenne61>(n));
      statistics_on(net, ShamirScheme(Shamir(n, std::max<std::size_t>(1, (n - 1) / 2))));
    }
  }
  statistics_on(test::Net::local, AdditiveScheme<Z2k<32>>(3));
}

TEST_CASE("statistics: bad input", "[beaver]") {
  const AdditiveScheme<Mersenne61> scheme(2);
  const FixedPoint<Mersenne61> fp(16);
  auto net = make_local_network(2);
  Party party(*net[0], std::chrono::milliseconds(50));
  const std::vector<Mersenne61> four(4), three(3);
  const std::vector<PartyId> to0{0}, to9{9};
  CHECK_THROWS_MATCHES(secure_moments(party, scheme, four, three, fp, to0), error, test::has_code(errc::size_mismatch));
  CHECK_THROWS_MATCHES(secure_mean(party, scheme, std::span<const Mersenne61>(), fp, to0), error,
                       test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(secure_sum(party, scheme, four, to9), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(secure_sum(party, AdditiveScheme<Mersenne61>(3), four, to0), error,
                       test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(secure_sum(party, scheme, four, to0), error, test::has_code(errc::peer_timeout));
}

TEST_CASE("honest-majority multiplication: Shamir products with no dealer", "[sharing]") {
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (const auto& [n, t] : {std::pair<std::size_t, std::size_t>{3, 1}, {5, 2}, {5, 1}, {7, 3}}) {
      CAPTURE(n, t, test::to_string(net));
      const Shamir shamir(n, t);
      const HonestMajorityMultiplier multiply(shamir);
      std::mt19937_64 rng(n + t);
      const std::size_t m = 257;
      const auto x = test::random_elements<Mersenne61>(rng, m), y = test::random_elements<Mersenne61>(rng, m);
      auto prg = test::seeded(static_cast<std::uint8_t>(60 + n));
      const auto sx = shamir.share(prg, x), sy = shamir.share(prg, y);
      std::vector<std::vector<Mersenne61>> z(n), zz(n);
      std::vector<ChannelStats> stats(n);
      test::on_network(net, n, [&](auto& party, PartyId me) {
        auto own = test::seeded(static_cast<std::uint8_t>(100 + me));
        z[me] = multiply(party, own, sx[me], sy[me]);
        stats[me] = party.stats();
        zz[me] = multiply(party, own, z[me], sx[me]);  // the result is degree t again: multiply on
      });
      const ShamirScheme scheme(shamir);
      const auto product = scheme.reconstruct(z), product3 = scheme.reconstruct(zz);  // also checks consistency
      for (std::size_t i = 0; i < m; ++i) {
        REQUIRE(product[i].to_uint() == test::Ref<Mersenne61>::mul(x[i].to_uint(), y[i].to_uint()));
        REQUIRE(product3[i] == x[i] * y[i] * x[i]);
      }
      for (PartyId p = 0; p < n; ++p) {
        CHECK(stats[p].rounds == (p < 2 * t + 1 ? 1u : 0u));
        CHECK(stats[p].bytes_sent == (p < 2 * t + 1 ? (n - 1) * m * 8 : 0));
      }
    }
  }
}

TEST_CASE("honest-majority multiplication: bad input", "[sharing]") {
  CHECK_THROWS_MATCHES(HonestMajorityMultiplier(Shamir(4, 2)), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(HonestMajorityMultiplier(Shamir(2, 1)), error, test::has_code(errc::invalid_argument));
  const HonestMajorityMultiplier multiply(Shamir(3, 1));
  auto net2 = make_local_network(2);
  auto net3 = make_local_network(3);
  Party two(*net2[0]), three(*net3[0], std::chrono::milliseconds(50));
  auto prg = test::seeded(70);
  const std::vector<Mersenne61> a(4), b(5);
  CHECK_THROWS_MATCHES(multiply(two, prg, a, a), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(multiply(three, prg, a, b), error, test::has_code(errc::size_mismatch));
  CHECK_THROWS_MATCHES(multiply(three, prg, a, a), error, test::has_code(errc::peer_timeout));
}

TEST_CASE("truncation: two-party shares of a product lose 2^f within one unit", "[beaver]") {
  using T = Z2k<64>;
  auto prg = test::seeded(80);
  std::mt19937_64 rng(81);
  const unsigned f = 16;
  // |x| < 2^44: the failure probability is at most 2^-19 per element; with this seed none fails.
  std::uniform_int_distribution<std::int64_t> value(-(std::int64_t{1} << 44) + 1, (std::int64_t{1} << 44) - 1);
  std::vector<std::int64_t> plain(20000);
  std::vector<T> x(plain.size());
  for (std::size_t i = 0; i < plain.size(); ++i) plain[i] = value(rng), x[i] = T::from_int(plain[i]);
  plain[0] = 0, x[0] = T::zero();
  plain[1] = -1, x[1] = T::from_int(-1);
  auto shares = share_additive<T>(prg, x, 2);
  truncate_shares_2pc(0, shares[0], f);
  truncate_shares_2pc(1, shares[1], f);
  const auto z = reconstruct_additive<T>(shares);
  for (std::size_t i = 0; i < plain.size(); ++i) {
    const std::int64_t floor = plain[i] >> f;  // floor division: C++20 >> is arithmetic
    const std::int64_t got = z[i].to_int();
    REQUIRE((got == floor || got == floor + 1));
  }
  CHECK_THROWS_MATCHES(truncate_shares_2pc(2, shares[0], f), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(truncate_shares_2pc(0, shares[0], 0), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(truncate_shares_2pc(0, shares[0], 63), error, test::has_code(errc::invalid_argument));
}

TEST_CASE("Intel Lab temperatures: private mean and variance per round match the plaintext", "[beaver]") {
  std::ifstream in(EDGEMPC_TEST_DATA_DIR "/intel_lab_temperature.csv");
  REQUIRE(in);
  std::vector<std::vector<double>> rows;  // sensors x rounds
  for (std::string line; std::getline(in, line);) {
    std::vector<double> row;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) row.push_back(std::stod(cell));
    if (!row.empty()) rows.push_back(row);
  }
  REQUIRE(rows.size() == 50);
  const std::size_t rounds = rows[0].size(), sensors = rows.size();
  REQUIRE(rounds == 144);
  const FixedPoint<Mersenne61> fp(16);
  const std::size_t n = 3;
  const AdditiveScheme<Mersenne61> additive(n);
  const ShamirScheme shamir(Shamir(n, 1));
  auto prg = test::seeded(90);
  // Every sensor shares its reading and its square, per round (the linear variance).
  std::vector<std::vector<std::vector<Mersenne61>>> sx(rounds), sx2(rounds), hx(rounds), hx2(rounds);
  std::vector<Plain> want(rounds);
  for (std::size_t r = 0; r < rounds; ++r) {
    std::vector<double> col(sensors);
    std::vector<Mersenne61> e(sensors), e2(sensors);
    for (std::size_t s = 0; s < sensors; ++s) {
      col[s] = rows[s][r];
      e[s] = fp.encode(col[s]), e2[s] = fp.encode(col[s] * col[s]);
    }
    want[r] = plain_of(col, col);
    sx[r] = share_additive<Mersenne61>(prg, e, n), sx2[r] = share_additive<Mersenne61>(prg, e2, n);
    hx[r] = shamir.shamir().share(prg, e), hx2[r] = shamir.shamir().share(prg, e2);
  }
  std::vector<Moments> got_additive(rounds), got_shamir(rounds);
  const std::vector<PartyId> to0{0};
  test::on_network(test::Net::tcp, n, [&](auto& party, PartyId me) {
    for (std::size_t r = 0; r < rounds; ++r) {
      const auto a = secure_moments(party, additive, sx[r][me], sx2[r][me], fp, to0);
      const auto h = secure_moments(party, shamir, hx[r][me], hx2[r][me], fp, to0);
      if (me == 0) got_additive[r] = *a, got_shamir[r] = *h;
    }
  });
  // Each reading and square is off by at most half a step: the mean and E[x^2] by at most that.
  const double r = fp.resolution();
  for (std::size_t k = 0; k < rounds; ++k) {
    CAPTURE(k);
    for (const auto& g : {got_additive[k], got_shamir[k]}) {
      REQUIRE(g.count == sensors);
      REQUIRE(std::fabs(g.mean - want[k].mean) <= r / 2);
      // var = E[x^2] - mean^2: error <= r/2 + 2 |mean| r/2 + r^2/4.
      REQUIRE(std::fabs(g.variance - want[k].variance) <= r / 2 + std::fabs(want[k].mean) * r + r * r);
    }
  }
}
