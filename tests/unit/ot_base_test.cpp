// SPDX-License-Identifier: Apache-2.0
// Base OT (Chou-Orlandi on ristretto255) between two real parties, and its checks on the
// peer's points.
#include <catch2/catch.hpp>

#include <edgempc/ot.hpp>

#include <set>

#include "protocol_harness.hpp"

using namespace edgempc;

namespace {

struct BaseRun {
  std::vector<std::array<Block, 2>> sent;
  std::vector<Block> received;
};

BaseRun run_base(test::Net net, const BitVector& choices, std::uint8_t seed) {
  BaseRun out;
  test::on_network(net, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(seed + me));
    if (me == 0) out.sent = base_ot_send(party, 1, prg, choices.size());
    else out.received = base_ot_receive(party, 0, prg, choices);
  });
  return out;
}

/// The error code a party's call ends with, or none.
using test::code_of;

}  // namespace

TEST_CASE("base OT: the receiver gets exactly the chosen key, never the other", "[ot]") {
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (const std::size_t n : {1u, 128u, 200u}) {
      CAPTURE(test::to_string(net), n);
      auto prg = test::seeded(30);
      const auto choices = BitVector::random(prg, n);
      const auto run = run_base(net, choices, 31);
      REQUIRE(run.sent.size() == n);
      REQUIRE(run.received.size() == n);
      std::set<std::pair<std::uint64_t, std::uint64_t>> distinct;
      for (std::size_t i = 0; i < n; ++i) {
        const bool c = choices.get(i);
        REQUIRE(run.received[i] == run.sent[i][c]);
        REQUIRE(run.received[i] != run.sent[i][!c]);
        distinct.insert({run.sent[i][0].lo, run.sent[i][0].hi});
        distinct.insert({run.sent[i][1].lo, run.sent[i][1].hi});
      }
      CHECK(distinct.size() == 2 * n);  // fresh keys for every OT and both messages
    }
  }
}

TEST_CASE("base OT: all-zero and all-one choices, reproducible with fixed seeds", "[ot]") {
  for (const bool bit : {false, true}) {
    BitVector choices(64);
    for (std::size_t i = 0; i < 64; ++i) choices.set(i, bit);
    const auto a = run_base(test::Net::local, choices, 40), b = run_base(test::Net::local, choices, 40);
    CHECK(a.received == b.received);
    for (std::size_t i = 0; i < 64; ++i) REQUIRE(a.received[i] == a.sent[i][bit]);
  }
  const auto empty = run_base(test::Net::local, BitVector(0), 41);
  CHECK(empty.sent.empty());
  CHECK(empty.received.empty());
}

TEST_CASE("base OT: malformed points from the peer are errors", "[ot]") {
  // The receiver's side against a bad first message.
  const std::vector<std::vector<std::uint8_t>> bad_a = {
      std::vector<std::uint8_t>(31, 1),     // short
      std::vector<std::uint8_t>(33, 1),     // long
      std::vector<std::uint8_t>(32, 0xff),  // not a canonical encoding
      std::vector<std::uint8_t>(32, 0),     // the identity
  };
  for (const auto& a : bad_a) {
    std::optional<errc> got;
    test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
      auto prg = test::seeded(50);
      if (me == 0) party.send_bytes(1, a);
      else got = code_of([&] { (void)base_ot_receive(party, 0, prg, BitVector(4)); });
    });
    CHECK(got == errc::malformed_message);
  }
  // The sender's side against bad points.
  for (const std::size_t which : {0u, 1u, 2u}) {
    std::optional<errc> got;
    test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
      auto prg = test::seeded(51);
      if (me == 0) {
        got = code_of([&] { (void)base_ot_send(party, 1, prg, 4); });
      } else {
        (void)party.receive_bytes(0);
        std::vector<std::uint8_t> bs(which == 0 ? 4 * 32 - 1 : 4 * 32, 0xff);
        if (which == 2) {  // valid points but the third is the identity
          for (std::size_t i = 0; i < 4; ++i) crypto_core_ristretto255_random(bs.data() + 32 * i);
          std::fill_n(bs.begin() + 64, 32, std::uint8_t{0});
        }
        party.send_bytes(0, bs);
      }
    });
    CAPTURE(which);
    CHECK(got == errc::malformed_message);
  }
}
