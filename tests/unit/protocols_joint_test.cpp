// SPDX-License-Identifier: Apache-2.0
// protocols/joint_sum.hpp and protocols/joint_moments.hpp on real parties (threads over the
// in-process network and over TCP), against plain computations in double.
#include <catch2/catch.hpp>

#include <edgempc/protocols/joint_moments.hpp>
#include <edgempc/protocols/joint_sum.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "protocol_harness.hpp"

using namespace edgempc;

namespace {

/// How each party's run ended: a result, nothing (not a receiver), or an edgempc::error.
template <class R>
struct Outcome {
  std::optional<R> result;
  std::optional<errc> code;
  std::string what;
};

/// Runs `body` on n parties, each with its own fixed-seed PRG, catching each party's error.
template <class R, class F>
std::vector<Outcome<R>> run(test::Net net, std::size_t n, F&& body) {
  std::vector<Outcome<R>> out(n);
  test::on_network(net, n, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(90 + me));
    try {
      out[me].result = body(party, prg, me);
    } catch (const error& e) {
      out[me].code = static_cast<errc>(e.code().value());
      out[me].what = e.what();
    }
  });
  return out;
}

std::vector<double> random_values(std::mt19937_64& rng, std::size_t count, double max_abs) {
  std::uniform_real_distribution<double> d(-max_abs, max_abs);
  std::vector<double> v(count);
  for (auto& x : v) x = d(rng);
  return v;
}

struct Plain {
  std::uint64_t count = 0;
  double sum = 0, mean = 0, variance = 0, sigma = 0;
};

Plain plain_moments(const std::vector<std::vector<double>>& held) {
  Plain p;
  for (const auto& v : held)
    for (const double x : v) ++p.count, p.sum += x;
  p.mean = p.sum / static_cast<double>(p.count);
  for (const auto& v : held)
    for (const double x : v) p.variance += (x - p.mean) * (x - p.mean);
  p.variance /= static_cast<double>(p.count);
  p.sigma = std::sqrt(p.variance);
  return p;
}

/// The element-wise sum and mean of n random vectors (with the extremes +-max_abs, 0 and values
/// below the resolution among them), revealed to party 0 and the last, or to everyone.
template <class T>
void vector_sum_on(test::Net net, std::size_t n) {
  CAPTURE(test::to_string(net), n, T::bits);
  const std::size_t m = 64;
  JointSumOptions o;
  o.frac_bits = 16;
  o.max_abs = 5000;
  std::mt19937_64 rng(1000 + n + T::bits);
  std::vector<std::vector<double>> held(n);
  for (auto& v : held) {
    v = random_values(rng, m, o.max_abs);
    v[0] = o.max_abs, v[1] = -o.max_abs, v[2] = 0, v[3] = std::ldexp(1.0, -20), v[4] = -std::ldexp(1.0, -18);
  }
  o.receivers = {static_cast<PartyId>(n - 1), 0, 0};  // unsorted, repeated: the same set
  const auto sums = run<std::vector<double>>(net, n, [&](auto& party, Prg& prg, PartyId me) {
    return joint_vector_sum<T>(party, prg, held[me], o);
  });
  JointSumOptions everyone = o;
  everyone.receivers.clear();
  const auto means = run<std::vector<double>>(net, n, [&](auto& party, Prg& prg, PartyId me) {
    return joint_vector_mean<T>(party, prg, held[me], everyone);
  });
  std::vector<double> want(m, 0.0);
  for (const auto& v : held)
    for (std::size_t i = 0; i < m; ++i) want[i] += v[i];
  const double d = std::ldexp(1.0, -17);  // half a step: the most one encoding errs
  for (PartyId p = 0; p < n; ++p) {
    CAPTURE(p);
    REQUIRE_FALSE(sums[p].code);
    REQUIRE_FALSE(means[p].code);
    REQUIRE(sums[p].result.has_value() == (p == 0 || p == n - 1));
    REQUIRE(means[p].result.has_value());
    REQUIRE(means[p].result->size() == m);
    if (sums[p].result) {
      REQUIRE(sums[p].result->size() == m);
      for (std::size_t i = 0; i < m; ++i) CHECK((*sums[p].result)[i] == Approx(want[i]).margin(n * d));
      CHECK((*sums[p].result)[0] == static_cast<double>(n) * o.max_abs);  // exact: on the grid
      CHECK((*sums[p].result)[2] == 0.0);
    }
    for (std::size_t i = 0; i < m; ++i) CHECK((*means[p].result)[i] == Approx(want[i] / n).margin(d));
  }
}

/// Count, sum, mean and variance of random values, a different number at each party (none at
/// party 1), against the plain ones within the documented accuracy.
template <class T>
void moments_on(test::Net net, std::size_t n) {
  CAPTURE(test::to_string(net), n, T::bits);
  JointMomentsOptions o;
  o.frac_bits = 12;
  o.max_abs = 200;
  o.max_values = 500;
  o.receivers = {0};
  std::mt19937_64 rng(2000 + n + T::bits);
  std::vector<std::vector<double>> held(n);
  for (std::size_t p = 0; p < n; ++p) {
    held[p] = random_values(rng, p == 1 ? 0 : 40 + 97 * p, o.max_abs);
    for (auto& x : held[p]) x = x / 4 + 60;  // a mean far from 0, as temperatures in kelvin are
  }
  held[0][0] = o.max_abs, held[0][1] = -o.max_abs;
  const auto out = run<Moments>(net, n, [&](auto& party, Prg& prg, PartyId me) {
    return joint_moments<T>(party, prg, held[me], o);
  });
  const Plain want = plain_moments(held);
  const double d = std::ldexp(1.0, -13);
  const double N = static_cast<double>(want.count);
  for (PartyId p = 0; p < n; ++p) {
    CAPTURE(p);
    REQUIRE_FALSE(out[p].code);
    REQUIRE(out[p].result.has_value() == (p == 0));
    if (p != 0) continue;
    const Moments& got = *out[p].result;
    CHECK(got.count == want.count);
    CHECK(got.sum == Approx(want.sum).margin(N * d));
    CHECK(got.mean == Approx(want.mean).margin(d));
    const double variance_error = (2 * want.sigma + static_cast<double>(n) / N + 1) * d +
                                  (want.mean * want.mean + want.variance) * 0x1p-50;
    CHECK(got.variance == Approx(want.variance).margin(variance_error));
  }
}

/// Every party's error code; each must have failed.
template <class R>
std::vector<errc> codes_of(const std::vector<Outcome<R>>& out) {
  std::vector<errc> codes;
  for (const auto& o : out) {
    INFO(o.what);
    REQUIRE(o.code.has_value());
    codes.push_back(*o.code);
  }
  return codes;
}

}  // namespace

TEST_CASE("joint vector sum and mean equal the plaintext on 2, 3 and 5 parties, local and TCP", "[sharing]") {
  for (const auto net : {test::Net::local, test::Net::tcp})
    for (const std::size_t n : {2, 3, 5}) vector_sum_on<Mersenne61>(net, n);
  vector_sum_on<Z2k<64>>(test::Net::local, 3);
}

TEST_CASE("joint moments equal the plaintext on 2, 3 and 5 parties, local and TCP", "[sharing]") {
  for (const auto net : {test::Net::local, test::Net::tcp})
    for (const std::size_t n : {2, 3, 5}) moments_on<Mersenne61>(net, n);
  moments_on<Z2k<64>>(test::Net::local, 4);
}

TEST_CASE("joint vector sum: empty vectors give an empty sum", "[sharing]") {
  const auto out = run<std::vector<double>>(test::Net::local, 3, [](auto& party, Prg& prg, PartyId) {
    return joint_vector_sum(party, prg, std::span<const double>());
  });
  for (const auto& o : out) {
    REQUIRE_FALSE(o.code);
    REQUIRE(o.result.has_value());
    CHECK(o.result->empty());
  }
}

TEST_CASE("joint vector sum: a length mismatch between parties fails at every party", "[sharing]") {
  const auto out = run<std::vector<double>>(test::Net::local, 3, [](auto& party, Prg& prg, PartyId me) {
    const std::vector<double> mine(me == 2 ? 5 : 4, 1.5);
    return joint_vector_sum(party, prg, mine);
  });
  for (const errc c : codes_of(out)) CHECK(c == errc::size_mismatch);
  CHECK_THAT(out[0].what, Catch::Contains("party 2 holds 5 values, this party 4"));
  CHECK_THAT(out[2].what, Catch::Contains("holds 4 values, this party 5"));
}

TEST_CASE("joint vector sum: the extremes of the domain sum exactly, one party more is refused", "[sharing]") {
  // B = 2^42 * 2^16 = 2^58: three such values sum below 2^60 - 1 (Mersenne61's max_int), four not.
  JointSumOptions o;
  o.max_abs = std::ldexp(1.0, 42);
  const auto three = run<std::vector<double>>(test::Net::local, 3, [&](auto& party, Prg& prg, PartyId) {
    const std::vector<double> mine{o.max_abs, -o.max_abs, std::ldexp(1.0, -16)};
    return joint_vector_sum(party, prg, mine, o);
  });
  for (const auto& o3 : three) {
    REQUIRE_FALSE(o3.code);
    CHECK(*o3.result == std::vector<double>{3 * o.max_abs, -3 * o.max_abs, 3 * std::ldexp(1.0, -16)});
  }
  const auto four = run<std::vector<double>>(test::Net::local, 4, [&](auto& party, Prg& prg, PartyId) {
    return joint_vector_sum(party, prg, std::vector<double>{1.0}, o);
  });
  for (const errc c : codes_of(four)) CHECK(c == errc::invalid_argument);
  CHECK_THAT(four[0].what, Catch::Contains("at most 3 parties"));
  // Z2k<64> has 3 bits more room: the same four parties fit there.
  const auto ring = run<std::vector<double>>(test::Net::local, 4, [&](auto& party, Prg& prg, PartyId) {
    return joint_vector_sum<Z2k<64>>(party, prg, std::vector<double>{-o.max_abs}, o);
  });
  for (const auto& r : ring) {
    REQUIRE_FALSE(r.code);
    CHECK(*r.result == std::vector<double>{-4 * o.max_abs});
  }
}

TEST_CASE("joint vector sum: a value out of range or NaN at one party fails every party at once", "[sharing]") {
  for (const double bad : {1.0e6 + 1, -1.0e6 - 1, std::nan(""), HUGE_VAL}) {
    CAPTURE(bad);
    const auto out = run<std::vector<double>>(test::Net::local, 3, [&](auto& party, Prg& prg, PartyId me) {
      const std::vector<double> mine{1.0, me == 1 ? bad : 2.0};
      return joint_vector_mean(party, prg, mine);
    });
    for (const errc c : codes_of(out)) CHECK(c == errc::out_of_range);
    CHECK_THAT(out[1].what, Catch::Contains("value 1"));
    CHECK_THAT(out[0].what, Catch::Contains("party 1 refused its input"));
  }
}

TEST_CASE("joint vector sum: parties with other parameters fail at every party", "[sharing]") {
  using Options = std::function<void(JointSumOptions&)>;
  for (const auto& change : {Options([](JointSumOptions& o) { o.frac_bits = 12; }),
                             Options([](JointSumOptions& o) { o.max_abs = 10; }),
                             Options([](JointSumOptions& o) { o.receivers = {1}; })}) {
    const auto out = run<std::vector<double>>(test::Net::local, 3, [&](auto& party, Prg& prg, PartyId me) {
      JointSumOptions o;
      if (me == 2) change(o);
      return joint_vector_sum(party, prg, std::vector<double>{1.0, 2.0}, o);
    });
    for (const errc c : codes_of(out)) CHECK(c == errc::invalid_argument);
  }
  // A party that runs the moments instead.
  const auto mixed = run<std::vector<double>>(test::Net::local, 2, [](auto& party, Prg& prg, PartyId me) {
    const std::vector<double> mine{1.0, 2.0, 3.0};
    if (me == 0) return joint_vector_sum(party, prg, mine);
    const auto m = joint_moments(party, prg, mine);
    return m ? std::optional<std::vector<double>>(std::vector<double>{m->mean}) : std::nullopt;
  });
  for (const errc c : codes_of(mixed)) CHECK(c == errc::invalid_argument);
  CHECK_THAT(mixed[0].what, Catch::Contains("runs moments"));
  // A receiver that is no party, and too many fractional bits, are refused before anything is sent.
  JointSumOptions o;
  o.receivers = {3};
  const auto nobody = run<std::vector<double>>(test::Net::local, 3, [&](auto& party, Prg& prg, PartyId) {
    return joint_vector_sum(party, prg, std::vector<double>{1.0}, o);
  });
  for (const errc c : codes_of(nobody)) CHECK(c == errc::invalid_argument);
  o = JointSumOptions();
  o.frac_bits = 61;
  const auto bits = run<std::vector<double>>(test::Net::local, 2, [&](auto& party, Prg& prg, PartyId) {
    return joint_vector_sum(party, prg, std::vector<double>{1.0}, o);
  });
  for (const errc c : codes_of(bits)) CHECK(c == errc::invalid_argument);
}

TEST_CASE("joint vector sum: a party that sends a value beyond the limits is caught by the receivers", "[sharing]") {
  // Party 1 skips the range check and shares 10^7 under max_abs = 10^6 (the default): the sum
  // cannot come from honest inputs, so every receiver refuses it.
  const auto out = run<std::vector<double>>(test::Net::local, 3, [](auto& party, Prg& prg, PartyId me) {
    if (me != 1) return joint_vector_sum(party, prg, std::vector<double>{1.0e6, 0.5});
    const FixedPoint<Mersenne61> fp(16);
    const auto raw = detail::joint_sum<Mersenne61>(party, prg, "cheat", [&] {
      detail::JointInput<Mersenne61> in;
      in.header.frac_bits = 16;
      in.header.max_abs = 1.0e6;
      in.header.max_values = 1;
      in.header.length = 2;
      in.header.receivers = {0, 1, 2};
      in.values = {fp.encode(1.0e7), fp.encode(0.5)};
      return in;
    });
    return std::optional<std::vector<double>>(std::vector<double>{fp.decode((*raw)[0])});
  });
  CHECK(out[0].code == errc::protocol_violation);
  CHECK(out[2].code == errc::protocol_violation);
  CHECK_THAT(out[0].what, Catch::Contains("element 0"));
}

TEST_CASE("joint vector sum: a malformed round-1 message is refused", "[sharing]") {
  const auto out = run<std::vector<double>>(test::Net::local, 3, [](auto& party, Prg& prg, PartyId me) {
    if (me != 1) return joint_vector_sum(party, prg, std::vector<double>{1.0});
    const std::vector<std::uint8_t> junk{1, 2, 3};
    party.send_bytes(0, junk);
    party.send_bytes(2, junk);
    return std::optional<std::vector<double>>();
  });
  CHECK(out[0].code == errc::malformed_message);
  CHECK(out[2].code == errc::malformed_message);
}

TEST_CASE("joint moments: a single value, no values, and values at the limits", "[sharing]") {
  SECTION("one value in all: count 1, mean the value, variance 0") {
    const auto out = run<Moments>(test::Net::local, 3, [](auto& party, Prg& prg, PartyId me) {
      return joint_moments(party, prg, me == 2 ? std::vector<double>{-273.15} : std::vector<double>{});
    });
    for (const auto& o : out) {
      REQUIRE_FALSE(o.code);
      CHECK(o.result->count == 1);
      CHECK(o.result->sum == Approx(-273.15).margin(0x1p-17));
      CHECK(o.result->mean == Approx(-273.15).margin(0x1p-17));
      CHECK(o.result->variance == Approx(0).margin(0x1p-17));
    }
  }
  SECTION("no values anywhere: count 0, sum 0, mean and variance NaN") {
    const auto out = run<Moments>(test::Net::local, 2, [](auto& party, Prg& prg, PartyId) {
      return joint_moments(party, prg, std::span<const double>());
    });
    for (const auto& o : out) {
      REQUIRE_FALSE(o.code);
      CHECK(o.result->count == 0);
      CHECK(o.result->sum == 0.0);
      CHECK(std::isnan(o.result->mean));
      CHECK(std::isnan(o.result->variance));
    }
  }
  SECTION("the largest values and counts that fit are exact; one value more per party is refused") {
    // B = 2^36, B^2 / 2^16 = 2^56: 15 values fit below 2^60 - 1, so 5 per party for 3 parties.
    JointMomentsOptions o;
    o.max_abs = std::ldexp(1.0, 20);
    o.max_values = 5;
    const auto out = run<Moments>(test::Net::local, 3, [&](auto& party, Prg& prg, PartyId) {
      return joint_moments(party, prg, std::vector<double>(5, -o.max_abs), o);
    });
    for (const auto& r : out) {
      REQUIRE_FALSE(r.code);
      CHECK(r.result->count == 15);
      CHECK(r.result->sum == -15 * o.max_abs);
      CHECK(r.result->mean == -o.max_abs);
      CHECK(r.result->variance == 0.0);
    }
    o.max_values = 6;
    const auto more = run<Moments>(test::Net::local, 3, [&](auto& party, Prg& prg, PartyId) {
      return joint_moments(party, prg, std::vector<double>{1.0}, o);
    });
    for (const errc c : codes_of(more)) CHECK(c == errc::invalid_argument);
    CHECK_THAT(more[0].what, Catch::Contains("1 to 5 values per party"));
  }
  SECTION("a party with more than max_values values, or a value beyond max_abs, fails every party") {
    JointMomentsOptions o;
    o.max_values = 3;
    const auto many = run<Moments>(test::Net::local, 3, [&](auto& party, Prg& prg, PartyId me) {
      return joint_moments(party, prg, std::vector<double>(me == 0 ? 4 : 3, 1.0), o);
    });
    for (const errc c : codes_of(many)) CHECK(c == errc::out_of_range);
    CHECK_THAT(many[0].what, Catch::Contains("holds 4 values"));
    const auto far = run<Moments>(test::Net::local, 3, [&](auto& party, Prg& prg, PartyId me) {
      return joint_moments(party, prg, std::vector<double>{me == 2 ? -1000.5 : 1.0}, o);
    });
    for (const errc c : codes_of(far)) CHECK(c == errc::out_of_range);
  }
}

TEST_CASE("the README quotes examples/secure_mean.cpp as it is", "[sharing]") {
  const auto read = [](const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string root = EDGEMPC_TEST_DATA_DIR "/../..";
  const std::string example = read(root + "/examples/secure_mean.cpp");
  CHECK(std::count(example.begin(), example.end(), '\n') <= 30);
  CHECK(read(root + "/README.md").find("```cpp\n" + example + "```\n") != std::string::npos);
}
