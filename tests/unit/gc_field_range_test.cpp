// SPDX-License-Identifier: Apache-2.0
// gc/field_range.hpp: the range circuit against the plaintext on every edge (the bounds, one
// past them, the wrap at p, the field's extremes) and random values, evaluated in the clear and
// by two parties over LocalNetwork and TCP; disagreements on the header end both sides.
#include <catch2/catch.hpp>

#include <edgempc/gc/evaluate.hpp>
#include <edgempc/gc/field_range.hpp>
#include <edgempc/sharing/additive.hpp>

#include <array>
#include <optional>
#include <vector>

#include "protocol_harness.hpp"

using namespace edgempc;

namespace {

/// Values around the range and around the field's wrap, then random ones of every size.
std::vector<Mersenne61> edge_values(const gc::FieldRangeSpec& spec, Prg& prg, std::size_t random) {
  std::vector<Mersenne61> out;
  for (const std::int64_t d : {-2, -1, 0, 1, 2}) {
    out.push_back(Mersenne61::from_int(spec.low + d));
    out.push_back(Mersenne61::from_int(spec.high + d));
  }
  for (const std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, Mersenne61::modulus - 1, Mersenne61::modulus - 2,
                                Mersenne61::max_int, Mersenne61::max_int + 1})
    out.push_back(Mersenne61::from_uint(v));
  for (std::size_t i = 0; i < random; ++i) {
    const unsigned bits = 1 + static_cast<unsigned>(prg.next_u64() % 61);
    out.push_back(Mersenne61::from_uint(prg.next_u64() >> (64 - bits)));
  }
  return out;
}

bool in_range(const gc::FieldRangeSpec& spec, Mersenne61 x) { return x.to_int() >= spec.low && x.to_int() <= spec.high; }

}  // namespace

TEST_CASE("field range circuit: in range exactly when low <= x <= high, for every edge and random shares", "[gc]") {
  auto prg = test::seeded(0x52);
  for (const gc::FieldRangeSpec spec : {gc::FieldRangeSpec{-163840, 512000}, gc::FieldRangeSpec{0, 0},
                                        gc::FieldRangeSpec{0, 409600}, gc::FieldRangeSpec{-(std::int64_t{1} << 59) + 1, 5},
                                        gc::FieldRangeSpec{7, (std::int64_t{1} << 59) - 1}}) {
    CAPTURE(spec.low, spec.high);
    const auto x = edge_values(spec, prg, 200);
    std::vector<Mersenne61> a(x.size()), b(x.size());
    batch::random_fill<Mersenne61>(prg, a);
    batch::sub<Mersenne61>(x, a, b);
    // Some shares at the extremes, so that s = a' + b hits 0, p - 1, p and 2p - 2.
    a[0] = Mersenne61::zero(), b[0] = x[0];
    a[1] = Mersenne61::from_uint(Mersenne61::modulus - 1), b[1] = x[1] - a[1];
    const gc::Circuit c = gc::field_range_circuit(spec, x.size());
    std::vector<std::vector<bool>> in;
    for (int side = 0; side < 2; ++side)
      for (std::size_t i = 0; i < x.size(); ++i) {
        const std::uint64_t v = gc::field_range_input(spec, side == 0 ? a[i] : b[i], side == 0);
        auto& word = in.emplace_back(gc::field_range_input_width);
        for (std::uint32_t k = 0; k < gc::field_range_input_width; ++k) word[k] = ((v >> k) & 1U) != 0;
      }
    const auto words = gc::evaluate_bits(c, in);
    REQUIRE(words.size() == 1);
    const std::vector<bool>& out = words[0];
    REQUIRE(out.size() == x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      CAPTURE(i, x[i].to_int());
      CHECK(out[i] == in_range(spec, x[i]));
    }
    CHECK(c.and_count() <= 250 * x.size());  // about 240 per value (see the header)
  }
}

TEST_CASE("field range: two parties learn the bits, over LocalNetwork and TCP", "[gc]") {
  auto prg = test::seeded(0x53);
  const gc::FieldRangeSpec spec{-163840, 512000};
  const auto x = edge_values(spec, prg, 100);
  std::vector<Mersenne61> a(x.size()), b(x.size());
  batch::random_fill<Mersenne61>(prg, a);
  batch::sub<Mersenne61>(x, a, b);
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (const auto reveal : {gc::Reveal::to_both, gc::Reveal::to_garbler, gc::Reveal::to_both_checked}) {
      std::array<std::optional<std::vector<bool>>, 2> got;
      test::on_network(net, 2, [&](auto& party, PartyId me) {
        auto p = test::seeded(static_cast<std::uint8_t>(0x80 + me));
        got[me] = gc::two_party_field_range(party, p, 1 - me, me == 0, spec, std::span<const Mersenne61>(me == 0 ? a : b), reveal);
      });
      REQUIRE(got[0]);
      CHECK(got[1].has_value() == (reveal != gc::Reveal::to_garbler));
      for (std::size_t i = 0; i < x.size(); ++i) CHECK((*got[0])[i] == in_range(spec, x[i]));
      if (got[1]) CHECK(*got[1] == *got[0]);
    }
  }
}

TEST_CASE("field range: bad specs, no shares and disagreements end both sides with an error", "[gc]") {
  CHECK_THROWS_MATCHES(gc::field_range_circuit({5, 4}, 1), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(gc::field_range_circuit({0, std::int64_t{1} << 59}, 1), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(gc::field_range_circuit({0, 1}, 0), error, test::has_code(errc::invalid_argument));
  const std::vector<Mersenne61> one{Mersenne61::one()}, two{Mersenne61::one(), Mersenne61::one()};
  struct Case {
    gc::FieldRangeSpec s0, s1;
    std::size_t n1;
    bool both_garble;
    errc want;
  };
  for (const auto& k : {Case{{0, 9}, {0, 9}, 2, false, errc::size_mismatch}, Case{{0, 9}, {0, 10}, 1, false, errc::protocol_violation},
                        Case{{0, 9}, {0, 9}, 1, true, errc::protocol_violation}}) {
    std::array<std::optional<errc>, 2> failure;
    test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
      auto p = test::seeded(static_cast<std::uint8_t>(0x90 + me));
      try {
        (void)gc::two_party_field_range(party, p, 1 - me, me == 0 || k.both_garble, me == 0 ? k.s0 : k.s1,
                                        std::span<const Mersenne61>(me == 0 || k.n1 == 1 ? one : two), gc::Reveal::to_both);
      } catch (const error& e) {
        failure[me] = static_cast<errc>(e.code().value());
      }
    });
    CHECK(failure[0] == k.want);
    CHECK(failure[1] == k.want);
  }
}
