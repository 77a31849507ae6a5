// SPDX-License-Identifier: Apache-2.0
// Beaver triples over Z_2^64 from OT (Gilboa products): valid triples, and Beaver
// multiplication with them between two real parties and no dealer.
#include <catch2/catch.hpp>

#include <edgempc/beaver.hpp>
#include <edgempc/ot.hpp>
#include <edgempc/sharing.hpp>

#include <optional>
#include <random>

#include "protocol_harness.hpp"

using namespace edgempc;
using Ring = Z2k<64>;

namespace {

using test::code_of;

}  // namespace

TEST_CASE("ot_triples: c = a * b mod 2^64, a and b uniform", "[ot]") {
  for (const std::size_t count : {1u, 1000u, 2500u}) {  // 2500: three rounds, the last partial
    CAPTURE(count);
    std::vector<std::vector<Ring>> a(2), b(2), c(2);
    test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
      auto prg = test::seeded(static_cast<std::uint8_t>(80 + me));
      BidirectionalOt ot(1 - me);
      ot.setup(party, prg);
      auto triples = ot_triples(party, ot, prg, count);
      REQUIRE(triples.size() == count);
      const auto v = triples.take(count);
      a[me].assign(v.a.begin(), v.a.end()), b[me].assign(v.b.begin(), v.b.end()), c[me].assign(v.c.begin(), v.c.end());
    });
    std::size_t top_bits = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const Ring ai = a[0][i] + a[1][i], bi = b[0][i] + b[1][i];
      REQUIRE((c[0][i] + c[1][i]) == ai * bi);
      top_bits += (ai.to_uint() >> 63) + (bi.to_uint() >> 63);
    }
    if (count > 1) {
      CHECK(a[0][0] != a[0][1]);
      CHECK(c[0][0] != c[1][0]);
    }
    if (count >= 1000) {  // about half of the a and b values have their top bit set
      CHECK(top_bits > count * 8 / 10);
      CHECK(top_bits < count * 12 / 10);
    }
  }
}

TEST_CASE("ot_triples: beaver_multiply with OT triples, no dealer", "[ot]") {
  const AdditiveScheme<Ring> scheme(2);
  const std::size_t m = 700;
  std::mt19937_64 rng(81);
  std::vector<Ring> x(m), y(m);
  for (std::size_t i = 0; i < m; ++i) x[i] = Ring::from_uint(rng()), y[i] = Ring::from_uint(rng());
  x[0] = Ring::from_int(-1), y[0] = Ring::from_int(-1);  // wrap-around
  auto share_prg = test::seeded(82);
  const auto xs = share_additive<Ring>(share_prg, x, 2), ys = share_additive<Ring>(share_prg, y, 2);
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    CAPTURE(test::to_string(net));
    std::vector<std::vector<Ring>> z(2);
    std::vector<Ring> dot(2);
    test::on_network(net, 2, [&](auto& party, PartyId me) {
      auto prg = test::seeded(static_cast<std::uint8_t>(83 + me));
      BidirectionalOt ot(1 - me, OtConfig::portable());
      ot.setup(party, prg);
      auto triples = ot_triples(party, ot, prg, 2 * m);
      z[me] = beaver_multiply(party, scheme, triples, xs[me], ys[me]);
      dot[me] = beaver_dot(party, scheme, triples, xs[me], ys[me]);
    });
    const auto product = scheme.reconstruct(z);
    Ring want_dot = Ring::zero();
    for (std::size_t i = 0; i < m; ++i) {
      REQUIRE(product[i] == x[i] * y[i]);
      want_dot = want_dot + x[i] * y[i];
    }
    CHECK(product[0] == Ring::one());
    CHECK(dot[0] + dot[1] == want_dot);
  }
}

TEST_CASE("ot_triples: not set up, and short corrections from the peer", "[ot]") {
  {
    auto net = make_local_network(2);
    Party party(*net[0]);
    BidirectionalOt ot(1);
    auto prg = test::seeded(84);
    CHECK_THROWS_MATCHES(ot_triples(party, ot, prg, 1), error, test::has_code(errc::protocol_violation));
  }
  std::optional<errc> got;
  test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(85 + me));
    BidirectionalOt ot(1 - me);
    ot.setup(party, prg);
    if (me == 0) {
      got = code_of([&] { (void)ot_triples(party, ot, prg, 3); });
    } else {  // runs the OTs of 3 triples (the higher id sends first) but sends one byte too few of corrections
      std::vector<Block> mine(192), m0(192), m1(192);
      ot.sender().random(party, m0, m1);
      ot.receiver().random(party, BitVector(192), mine);
      party.send_bytes(0, std::vector<std::uint8_t>(3 * 260 - 1));
    }
  });
  CHECK(got == errc::malformed_message);
}
