// SPDX-License-Identifier: Apache-2.0
// Dual execution (gc/dual_execution.hpp) between two real parties: outputs against plaintext
// evaluation at both, in either role, over LocalNetwork and TCP; a garbler that garbles a wrong
// circuit, or an evaluator that deviates as OT receiver (test hooks), is caught at the honest
// party, whichever role it has.
#include <catch2/catch.hpp>

#include <edgempc/gc/builder.hpp>
#include <edgempc/gc/dual_execution.hpp>
#include <edgempc/gc/evaluate.hpp>

#include <array>
#include <exception>
#include <optional>
#include <random>

#include "protocol_harness.hpp"

using namespace edgempc;

namespace {

using test::bits_of;
using test::value_of;

/// out0 = a + b (32 bits), out1 = a < b (unsigned), out2 = a * b (32 bits).
gc::Circuit test_circuit() {
  gc::Builder b;
  const auto a = b.input(32), x = b.input(32);
  b.output(gc::add(b, a, x));
  b.output({gc::less_unsigned(b, a, x)});
  b.output(gc::mul(b, a, x));
  return b.finish();
}

/// The same circuit with one AND gate fed its first input twice: garbled tables of the same shape
/// for another circuit (what a cheating garbler would send). The evaluator, following the right
/// circuit, ends with labels that encode no value or a wrong one.
gc::Circuit tampered(gc::Circuit c) {
  for (auto& g : c.gates)
    if (g.type == gc::GateType::and_gate) {
      g.in1 = g.in0;
      break;
    }
  return c;
}

struct Result {
  std::optional<std::vector<bool>> out;
  std::optional<errc> failure;
};

/// Party 0 holds a, party 1 holds b; `first` is the first party's index; `cheater`, if set,
/// garbles `garbled` instead of the circuit.
std::array<Result, 2> dual(test::Net net, const gc::Circuit& c, std::uint64_t a, std::uint64_t b, PartyId first,
                           std::optional<PartyId> cheater = std::nullopt, const gc::Circuit* garbled = nullptr) {
  std::array<Result, 2> r;
  test::on_network(net, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(0x90 + me));
    const std::vector<bool> first_owns{first == 0, first == 1};  // input 0 is party 0's
    try {
      r[me].out = gc::run_dual_execution(party, prg, c, 1 - me, me == first, first_owns, bits_of(me == 0 ? a : b, 32),
                                         cheater == me ? garbled : nullptr);
    } catch (const error& e) {
      r[me].failure = static_cast<errc>(e.code().value());
    }
  });
  return r;
}

}  // namespace

TEST_CASE("dual execution: both parties get the plaintext outputs, in either role, local and TCP", "[gc]") {
  const auto c = test_circuit();
  std::mt19937_64 rng(23);
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (int k = 0; k < 4; ++k) {
      const std::uint64_t a = k == 0 ? 0 : rng() & 0xffffffffu, b = k == 1 ? 0xffffffffu : rng() & 0xffffffffu;
      const auto want = gc::evaluate(c, {a, b});
      for (const PartyId first : {PartyId{0}, PartyId{1}}) {
        CAPTURE(test::to_string(net), a, b, first);
        const auto r = dual(net, c, a, b, first);
        for (const auto& side : r) {
          REQUIRE_FALSE(side.failure);
          REQUIRE(side.out);
          CHECK(value_of(*side.out, 0, 32) == want[0]);
          CHECK(value_of(*side.out, 32, 1) == want[1]);
          CHECK(value_of(*side.out, 33, 32) == want[2]);
        }
      }
    }
  }
}

TEST_CASE("dual execution: a garbler that garbles a wrong circuit is caught, whichever role it has", "[gc]") {
  const auto c = test_circuit();
  const auto wrong = tampered(c);
  REQUIRE(wrong.and_count() == c.and_count());
  std::mt19937_64 rng(29);
  int checked = 0;
  for (int k = 0; k < 40 && checked < 6; ++k) {
    const std::uint64_t a = rng() & 0xffffffffu, b = rng() & 0xffffffffu;
    if (gc::evaluate(wrong, {a, b}) == gc::evaluate(c, {a, b})) continue;  // the one bit it may learn
    ++checked;
    const PartyId cheater = static_cast<PartyId>(k % 2), first = static_cast<PartyId>((k / 2) % 2);
    CAPTURE(a, b, cheater, first);
    const auto r = dual(test::Net::local, c, a, b, first, cheater, &wrong);
    const Result& honest = r[1 - cheater];
    CHECK_FALSE(honest.out);
    REQUIRE(honest.failure);
    CHECK(*honest.failure == errc::protocol_violation);
  }
  CHECK(checked == 6);
}

TEST_CASE("dual execution: a cheater that echoes the honest party's check back is caught", "[gc]") {
  // The first party garbles a wrong circuit, then, rushing, waits for the honest party's hash and
  // sends it back: the role in the hash makes the echo fail.
  const auto c = test_circuit();
  const auto wrong = tampered(c);
  const std::uint64_t a = 0x12345679, b = 0x0fedcba8;
  REQUIRE(gc::evaluate(wrong, {a, b}) != gc::evaluate(c, {a, b}));
  const std::vector<bool> first_owns{true, false}, second_owns{false, true};
  std::optional<errc> honest_failure;
  test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(0xa0 + me));
    if (me == 0) {  // the cheater, by hand
      gc::YaoGarbler garbler(wrong, 1);
      garbler.setup(party, prg);
      const auto zero = garbler.run_labels(party, prg, first_owns, bits_of(a, 32));
      gc::YaoEvaluator evaluator(c, 1);
      evaluator.setup(party, prg);
      (void)evaluator.run_labels(party, second_owns, bits_of(a, 32));
      std::vector<bool> decoding(zero.size());
      for (std::size_t i = 0; i < zero.size(); ++i) decoding[i] = zero[i].lsb();
      party.send_bytes(1, gc::detail::yao::pack(decoding));
      (void)party.receive_bytes(1);                 // the honest decoding bits
      party.send_bytes(1, party.receive_bytes(1));  // the echo
    } else {
      try {
        (void)gc::run_dual_execution(party, prg, c, 0, false, first_owns, bits_of(b, 32));
      } catch (const error& e) {
        honest_failure = static_cast<errc>(e.code().value());
      }
    }
  });
  REQUIRE(honest_failure);
  CHECK(*honest_failure == errc::protocol_violation);
}

TEST_CASE("dual execution: an OT receiver inconsistent across columns is caught by the KOS check, either role", "[gc]") {
  // The cheater flips one bit of its OT matrix as evaluator: choice bit 1 - r in column 0 only,
  // for one of its input wires. Yao's Delta has lsb 1, so the garbler's row moves by e_0 and the
  // check must fail at the honest garbler, every time. The cheater itself is then left waiting
  // for labels, so it runs with a short deadline.
  using namespace std::chrono_literals;
  const auto c = test_circuit();
  for (const PartyId cheater : {PartyId{0}, PartyId{1}}) {
    for (const PartyId first : {PartyId{0}, PartyId{1}}) {
      CAPTURE(cheater, first);
      InsecureReceiverDeviation flip;
      flip.u = [](std::span<std::uint8_t> u, std::size_t rows) {
        const auto at = detail::iknp::u_bit(rows, 7, 0);
        u[at.byte] = static_cast<std::uint8_t>(u[at.byte] ^ (1u << at.bit));
      };
      std::array<Result, 2> r;
      auto ts = make_local_network(2);
      test::on_all_parties(2, [&](PartyId me) {
        Party party(*ts[me], me == cheater ? 1s : 20s);
        auto prg = test::seeded(static_cast<std::uint8_t>(0xb0 + me));
        const std::vector<bool> first_owns{first == 0, first == 1};
        try {
          r[me].out = gc::run_dual_execution(party, prg, c, 1 - me, me == first, first_owns,
                                             bits_of(me == 0 ? 0x1234u : 0x9876u, 32), nullptr,
                                             me == cheater ? &flip : nullptr);
        } catch (const error& e) {
          r[me].failure = static_cast<errc>(e.code().value());
        }
      });
      const Result& honest = r[1 - cheater];
      CHECK_FALSE(honest.out);
      REQUIRE(honest.failure);
      CHECK(*honest.failure == errc::protocol_violation);
      CHECK_FALSE(r[cheater].out);
    }
  }
}
