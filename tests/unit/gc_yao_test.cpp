// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/gc/bristol.hpp>
#include <edgempc/gc/builder.hpp>
#include <edgempc/gc/evaluate.hpp>
#include <edgempc/gc/yao.hpp>

#include <random>

#include "protocol_harness.hpp"

using namespace edgempc;

namespace {

/// Bits of the 128-bit integer spelled by `hex` (32 digits), bit i = bit i of the integer.
std::vector<bool> bits_of_hex(const std::string& hex) {
  std::vector<bool> bits(128);
  for (std::size_t d = 0; d < 32; ++d) {
    const unsigned v = static_cast<unsigned>(std::stoul(hex.substr(d, 1), nullptr, 16));
    const std::size_t low = 4 * (31 - d);  // the last digit holds bits 0..3
    for (unsigned k = 0; k < 4; ++k) bits[low + k] = ((v >> k) & 1) != 0;
  }
  return bits;
}

using test::bits_of;
using test::value_of;

/// One session of `runs` evaluations; the garbler is party 0.
struct Outcome {
  std::vector<std::optional<std::vector<bool>>> garbler, evaluator;
};

Outcome yao(test::Net net, const gc::Circuit& c, const std::vector<bool>& garbler_inputs,
            const std::vector<std::vector<bool>>& g_bits, const std::vector<std::vector<bool>>& e_bits, gc::Reveal reveal) {
  Outcome o;
  o.garbler.resize(g_bits.size()), o.evaluator.resize(g_bits.size());
  test::on_network(net, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(0x70 + me));
    if (me == 0) {
      gc::YaoGarbler g(c, 1);
      g.setup(party, prg);
      for (std::size_t r = 0; r < g_bits.size(); ++r) o.garbler[r] = g.run(party, prg, garbler_inputs, g_bits[r], reveal);
    } else {
      gc::YaoEvaluator e(c, 0);
      e.setup(party, prg);
      for (std::size_t r = 0; r < e_bits.size(); ++r) o.evaluator[r] = e.run(party, garbler_inputs, e_bits[r], reveal);
    }
  });
  return o;
}

}  // namespace

TEST_CASE("Yao: the Bristol AES-128 circuit gives FIPS-197 C.1 between two parties", "[gc]") {
  const auto aes = gc::load_bristol(EDGEMPC_TEST_DATA_DIR "/circuits/aes_128.txt");
  const auto key = bits_of_hex("000102030405060708090a0b0c0d0e0f");
  const auto plain = bits_of_hex("00112233445566778899aabbccddeeff");
  const auto want = bits_of_hex("69c4e0d86a7b0430d8cdb78070b4c55a");
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    CAPTURE(test::to_string(net));
    const auto o = yao(net, aes, {true, false}, {key, key}, {plain, plain}, gc::Reveal::to_both);
    for (std::size_t r = 0; r < 2; ++r) {  // two evaluations in one session
      REQUIRE(o.garbler[r].has_value());
      REQUIRE(o.evaluator[r].has_value());
      CHECK(*o.garbler[r] == want);
      CHECK(*o.evaluator[r] == want);
    }
  }
}

TEST_CASE("Yao: builder circuits against plaintext evaluation, every reveal mode", "[gc]") {
  // out0 = a + b, out1 = a < b (signed), out2 = a / b (signed)
  gc::Builder b;
  const auto a = b.input(64), x = b.input(64);
  b.output(gc::add(b, a, x));
  b.output({gc::less_signed(b, a, x)});
  b.output(gc::sdivide(b, a, x).quotient);
  const auto c = b.finish();
  std::mt19937_64 rng(5);
  std::vector<std::vector<bool>> g, e;
  std::vector<std::uint64_t> av, bv;
  for (int r = 0; r < 4; ++r) {
    av.push_back(rng()), bv.push_back(r == 0 ? 0 : rng() >> (r * 8));
    g.push_back(bits_of(av.back(), 64)), e.push_back(bits_of(bv.back(), 64));
  }
  for (const auto reveal : {gc::Reveal::to_garbler, gc::Reveal::to_evaluator, gc::Reveal::to_both}) {
    const auto o = yao(test::Net::local, c, {true, false}, g, e, reveal);
    for (std::size_t r = 0; r < g.size(); ++r) {
      const auto want = gc::evaluate(c, {av[r], bv[r]});
      const bool to_g = reveal != gc::Reveal::to_evaluator, to_e = reveal != gc::Reveal::to_garbler;
      REQUIRE(o.garbler[r].has_value() == to_g);
      REQUIRE(o.evaluator[r].has_value() == to_e);
      for (const auto& got : {o.garbler[r], o.evaluator[r]}) {
        if (!got) continue;
        CHECK(value_of(*got, 0, 64) == want[0]);
        CHECK(value_of(*got, 64, 1) == want[1]);
        CHECK(value_of(*got, 65, 64) == want[2]);
      }
    }
  }
  // Inputs may belong to either side, or all to one.
  const auto both_garbler = yao(test::Net::local, c, {true, true}, {[&] {
                                  auto v = g[1];
                                  v.insert(v.end(), e[1].begin(), e[1].end());
                                  return v;
                                }()},
                                {{}}, gc::Reveal::to_evaluator);
  CHECK(value_of(*both_garbler.evaluator[0], 0, 64) == av[1] + bv[1]);
}

TEST_CASE("Yao: bad input", "[gc]") {
  gc::Builder b;
  const auto a = b.input(8), x = b.input(8);
  b.output(gc::add(b, a, x));
  const auto c = b.finish();
  auto net = make_local_network(2);
  Party party(*net[0], std::chrono::milliseconds(50));
  gc::YaoGarbler g(c, 1);
  auto prg = test::seeded(1);
  CHECK_THROWS_MATCHES(g.run(party, prg, {true}, std::vector<bool>(8), gc::Reveal::to_both), error,
                       test::has_code(errc::size_mismatch));
  CHECK_THROWS_MATCHES(g.run(party, prg, {true, false}, std::vector<bool>(7), gc::Reveal::to_both), error,
                       test::has_code(errc::size_mismatch));
  // Checked outputs need two sessions (gc/dual_execution.hpp), not one.
  CHECK_THROWS_MATCHES(g.run(party, prg, {true, false}, std::vector<bool>(8), gc::Reveal::to_both_checked), error,
                       test::has_code(errc::invalid_argument));
  // Before setup the OT refuses.
  CHECK_THROWS_MATCHES(g.run(party, prg, {true, false}, std::vector<bool>(8), gc::Reveal::to_both), error,
                       test::has_code(errc::protocol_violation));
  // An evaluator fed labels of the wrong size.
  auto net2 = make_local_network(2);
  Party garbler(*net2[0]), evaluator(*net2[1], std::chrono::milliseconds(200));
  gc::YaoEvaluator e(c, 0);
  garbler.send_bytes(1, std::vector<std::uint8_t>(15));
  CHECK_THROWS_MATCHES(e.run(evaluator, {true, true}, {}, gc::Reveal::to_evaluator), error,
                       test::has_code(errc::malformed_message));
}

TEST_CASE("Yao: run_yao_once, one evaluation in a fresh session, as either role", "[gc]") {
  const auto aes = gc::load_bristol(EDGEMPC_TEST_DATA_DIR "/circuits/aes_128.txt");
  const auto key = bits_of_hex("000102030405060708090a0b0c0d0e0f");
  const auto plain = bits_of_hex("00112233445566778899aabbccddeeff");
  const auto want = bits_of_hex("69c4e0d86a7b0430d8cdb78070b4c55a");
  const std::vector<bool> owners{true, false};
  std::vector<std::optional<std::vector<bool>>> got(2);
  test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(0x90 + me));
    got[me] = gc::run_yao_once(party, prg, aes, 1 - me, me == 0, owners, me == 0 ? key : plain, gc::Reveal::to_evaluator);
  });
  CHECK_FALSE(got[0].has_value());
  REQUIRE(got[1].has_value());
  CHECK(*got[1] == want);
}

TEST_CASE("Yao: the evaluator cannot run the OT without the KOS check if the garbler runs it", "[gc]") {
  gc::Builder b;
  const auto a = b.input(8), x = b.input(8);
  b.output(gc::add(b, a, x));
  const auto c = b.finish();
  OtConfig semi_honest;
  semi_honest.check = OtCheck::none;
  std::optional<errc> g_code, e_code;
  test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(0xc0 + me));
    const auto code = [&](auto&& f) -> std::optional<errc> {
      try {
        f();
      } catch (const error& e) {
        return static_cast<errc>(e.code().value());
      }
      return std::nullopt;
    };
    if (me == 0) g_code = code([&] { gc::YaoGarbler(c, 1).setup(party, prg); });
    else e_code = code([&] { gc::YaoEvaluator(c, 0, gc::FixedKey(), semi_honest).setup(party, prg); });
  });
  CHECK(g_code == errc::protocol_violation);
  CHECK(e_code == errc::protocol_violation);
  // Both semi-honest, by choice: runs.
  std::optional<std::vector<bool>> out;
  test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(0xc2 + me));
    if (me == 0) {
      gc::YaoGarbler g(c, 1, gc::FixedKey(), semi_honest);
      g.setup(party, prg);
      (void)g.run(party, prg, {true, false}, test::bits_of(100, 8), gc::Reveal::to_evaluator);
    } else {
      gc::YaoEvaluator e(c, 0, gc::FixedKey(), semi_honest);
      e.setup(party, prg);
      out = e.run(party, {true, false}, test::bits_of(55, 8), gc::Reveal::to_evaluator);
    }
  });
  REQUIRE(out);
  CHECK(test::value_of(*out, 0, 8) == 155);
}
