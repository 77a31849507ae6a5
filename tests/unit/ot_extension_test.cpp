// SPDX-License-Identifier: Apache-2.0
// IKNP OT extension between two real parties: correlated, random and chosen-message OT for
// batch sizes around the 128-row block and past one message, both configurations, and the
// errors a misused object or a misbehaving peer gives.
#include <catch2/catch.hpp>

#include <edgempc/ot.hpp>

#include <optional>

#include "protocol_harness.hpp"

using namespace edgempc;

namespace {

using test::code_of;

std::vector<OtConfig> configs() {
  std::vector<OtConfig> out{OtConfig::portable()};
  if (OtConfig{} != OtConfig::portable()) out.push_back(OtConfig{});
  return out;
}

/// Party 0 is the extension sender, party 1 the receiver; each body runs after setup.
template <class S, class R>
void with_extension(test::Net net, const OtConfig& config, S&& sender_body, R&& receiver_body,
                    std::optional<Block> delta = std::nullopt) {
  test::on_network(net, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(60 + me));
    if (me == 0) {
      OtExtensionSender sender(1, config);
      if (delta) sender.setup(party, prg, *delta);
      else sender.setup(party, prg);
      sender_body(party, sender);
    } else {
      OtExtensionReceiver receiver(0, config);
      receiver.setup(party, prg);
      receiver_body(party, receiver);
    }
  });
}

const std::size_t sizes[] = {1, 127, 128, 129, 10000};

}  // namespace

TEST_CASE("IKNP correlated OT: receiver gets m0 ^ b * Delta", "[ot]") {
  for (const auto& config : configs()) {
    for (const auto net : {test::Net::local, test::Net::tcp}) {
      CAPTURE(test::to_string(net), static_cast<int>(config.hash));
      auto prg = test::seeded(61);
      std::vector<BitVector> choices;
      for (const auto n : sizes) choices.push_back(BitVector::random(prg, n));
      std::vector<std::vector<Block>> m0(std::size(sizes)), got(std::size(sizes));
      Block delta{};
      with_extension(
          net, config,
          [&](auto& party, OtExtensionSender& s) {
            delta = s.delta();
            for (std::size_t k = 0; k < std::size(sizes); ++k) m0[k] = s.correlated(party, sizes[k]);
          },
          [&](auto& party, OtExtensionReceiver& r) {
            for (std::size_t k = 0; k < std::size(sizes); ++k) got[k] = r.correlated(party, choices[k]);
          });
      CHECK(delta != Block{});
      for (std::size_t k = 0; k < std::size(sizes); ++k) {
        CAPTURE(sizes[k]);
        REQUIRE(m0[k].size() == sizes[k]);
        REQUIRE(got[k].size() == sizes[k]);
        for (std::size_t i = 0; i < sizes[k]; ++i) REQUIRE(got[k][i] == (m0[k][i] ^ (Block::mask(choices[k].get(i)) & delta)));
        if (sizes[k] > 1) CHECK(m0[k][0] != m0[k][1]);
      }
    }
  }
}

TEST_CASE("IKNP correlated OT with a chosen Delta: free-XOR labels", "[ot]") {
  const Block delta{0x0123456789abcdefull | 1, 0xfedcba9876543210ull};  // lsb 1, as garbling needs
  auto prg = test::seeded(62);
  const auto choices = BitVector::random(prg, 1000);
  std::vector<Block> zero_labels, labels;
  with_extension(
      test::Net::local, OtConfig{},
      [&](auto& party, OtExtensionSender& s) {
        CHECK(s.delta() == delta);
        zero_labels = s.correlated(party, 1000);
      },
      [&](auto& party, OtExtensionReceiver& r) { labels = r.correlated(party, choices); }, delta);
  for (std::size_t i = 0; i < 1000; ++i) {
    REQUIRE(labels[i] == (choices.get(i) ? zero_labels[i] ^ delta : zero_labels[i]));
    REQUIRE(labels[i].lsb() == (zero_labels[i].lsb() != choices.get(i)));  // colour bit flips with b
  }
}

TEST_CASE("IKNP random OT: the receiver gets m_b and not m_{1-b}", "[ot]") {
  for (const auto& config : configs()) {
    CAPTURE(static_cast<int>(config.hash));
    auto prg = test::seeded(63);
    // 10000, then one batch over two messages (65,536 OTs each), then a short one.
    const std::size_t ns[] = {10000, 65536 + 129, 5};
    std::vector<BitVector> choices;
    for (const auto n : ns) choices.push_back(BitVector::random(prg, n));
    std::vector<std::vector<Block>> m0(3), m1(3), got(3);
    Block delta{};
    with_extension(
        test::Net::local, config,
        [&](auto& party, OtExtensionSender& s) {
          delta = s.delta();
          for (std::size_t k = 0; k < 3; ++k) {
            m0[k].resize(ns[k]), m1[k].resize(ns[k]);
            s.random(party, m0[k], m1[k]);
          }
          CHECK(s.count() == ns[0] + ns[1] + ns[2]);
        },
        [&](auto& party, OtExtensionReceiver& r) {
          for (std::size_t k = 0; k < 3; ++k) {
            got[k].resize(ns[k]);
            r.random(party, choices[k], got[k]);
          }
        });
    for (std::size_t k = 0; k < 3; ++k)
      for (std::size_t i = 0; i < ns[k]; ++i) {
        const bool c = choices[k].get(i);
        REQUIRE(got[k][i] == (c ? m1[k][i] : m0[k][i]));
        REQUIRE(got[k][i] != (c ? m0[k][i] : m1[k][i]));
        REQUIRE((m0[k][i] ^ m1[k][i]) != delta);  // the hash broke the correlation
      }
  }
}

TEST_CASE("IKNP chosen-message OT, interleaved with the other kinds", "[ot]") {
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    CAPTURE(test::to_string(net));
    auto prg = test::seeded(64);
    std::vector<Block> x0(3000), x1(3000);
    prg.fill(x0.data(), x0.size() * sizeof(Block));
    prg.fill(x1.data(), x1.size() * sizeof(Block));
    const auto choices = BitVector::random(prg, 3000);
    const auto c2 = BitVector::random(prg, 129);
    std::vector<Block> got(3000), got_small(129), corr, m0;
    Block delta{};
    with_extension(
        net, OtConfig{},
        [&](auto& party, OtExtensionSender& s) {
          delta = s.delta();
          s.chosen(party, x0, x1);
          m0 = s.correlated(party, 129);
          s.chosen(party, std::span(x0).first(129), std::span(x1).first(129));
        },
        [&](auto& party, OtExtensionReceiver& r) {
          r.chosen(party, choices, got);
          corr = r.correlated(party, c2);
          r.chosen(party, c2, got_small);
        });
    for (std::size_t i = 0; i < 3000; ++i) REQUIRE(got[i] == (choices.get(i) ? x1[i] : x0[i]));
    for (std::size_t i = 0; i < 129; ++i) {
      REQUIRE(corr[i] == (c2.get(i) ? m0[i] ^ delta : m0[i]));
      REQUIRE(got_small[i] == (c2.get(i) ? x1[i] : x0[i]));
    }
  }
}

TEST_CASE("IKNP: misuse is refused before anything is sent", "[ot]") {
  auto net = make_local_network(2);
  Party party(*net[0]);
  OtExtensionSender s(1);
  OtExtensionReceiver r(1);
  std::vector<Block> out(4), out3(3);
  CHECK_THROWS_MATCHES(s.correlated(party, out), error, test::has_code(errc::protocol_violation));
  CHECK_THROWS_MATCHES(s.random(party, out, out), error, test::has_code(errc::protocol_violation));
  CHECK_THROWS_MATCHES(s.chosen(party, out, out), error, test::has_code(errc::protocol_violation));
  CHECK_THROWS_MATCHES(s.delta(), error, test::has_code(errc::protocol_violation));
  CHECK_THROWS_MATCHES(r.correlated(party, BitVector(4), out), error, test::has_code(errc::protocol_violation));
  CHECK_THROWS_MATCHES(r.random(party, BitVector(4), out), error, test::has_code(errc::protocol_violation));
  CHECK_THROWS_MATCHES(s.random(party, out, out3), error, test::has_code(errc::size_mismatch));
  CHECK_THROWS_MATCHES(s.chosen(party, out, out3), error, test::has_code(errc::size_mismatch));
  auto prg = test::seeded(65);
  OtExtensionSender self(0);
  CHECK_THROWS_MATCHES(self.setup(party, prg), error, test::has_code(errc::invalid_argument));
  CHECK(party.stats().messages_sent == 0);
  if (!prg_algorithm_supported(PrgAlgorithm::aes128_ctr))
    CHECK_THROWS_MATCHES(OtExtensionSender(1, OtConfig{PrgAlgorithm::aes128_ctr, CrHashAlgorithm::blake2b}), error,
                         test::has_code(errc::unsupported));
}

TEST_CASE("IKNP: choice and output sizes must agree, and setup runs once", "[ot]") {
  std::optional<errc> mismatch, twice_s, twice_r;
  with_extension(
      test::Net::local, OtConfig{},
      [&](auto& party, OtExtensionSender& s) {
        auto prg = test::seeded(66);
        twice_s = code_of([&] { s.setup(party, prg); });
      },
      [&](auto& party, OtExtensionReceiver& r) {
        std::vector<Block> out(10);
        mismatch = code_of([&] { r.correlated(party, BitVector(11), out); });
        auto prg = test::seeded(67);
        twice_r = code_of([&] { r.setup(party, prg); });
      });
  CHECK(mismatch == errc::size_mismatch);
  CHECK(twice_s == errc::protocol_violation);
  CHECK(twice_r == errc::protocol_violation);
}

TEST_CASE("IKNP: different configurations are refused on both sides", "[ot]") {
  if (OtConfig{} == OtConfig::portable()) return;  // this machine has only the portable one
  std::optional<errc> s_code, r_code;
  test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(68);
    if (me == 0) s_code = code_of([&] { OtExtensionSender(1, OtConfig{}).setup(party, prg); });
    else r_code = code_of([&] { OtExtensionReceiver(0, OtConfig::portable()).setup(party, prg); });
  });
  CHECK(s_code == errc::protocol_violation);
  CHECK(r_code == errc::protocol_violation);
}

TEST_CASE("IKNP: wrong-length messages from the peer are malformed", "[ot]") {
  // A short u matrix reaches the sender.
  std::optional<errc> got;
  with_extension(
      test::Net::local, OtConfig{},
      [&](auto& party, OtExtensionSender& s) { got = code_of([&] { (void)s.correlated(party, 200); }); },
      [&](auto& party, OtExtensionReceiver&) { party.send_bytes(0, std::vector<std::uint8_t>(128 * 256 / 8 - 1)); });
  CHECK(got == errc::malformed_message);
  // Short chosen-OT corrections reach the receiver.
  got.reset();
  with_extension(
      test::Net::local, OtConfig{},
      [&](auto& party, OtExtensionSender& s) {
        std::vector<Block> m0(50), m1(50);
        s.random(party, m0, m1);  // consumes the u matrix the receiver's chosen() sends
        party.send_bytes(1, std::vector<std::uint8_t>(32 * 50 + 16));
      },
      [&](auto& party, OtExtensionReceiver& r) {
        std::vector<Block> out(50);
        got = code_of([&] { r.chosen(party, BitVector(50), out); });
      });
  CHECK(got == errc::malformed_message);
  // A bad configuration message.
  got.reset();
  test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(69);
    if (me == 0) got = code_of([&] { OtExtensionSender(1).setup(party, prg); });
    else party.send_bytes(0, std::vector<std::uint8_t>{1, 2});
  });
  CHECK(got == errc::malformed_message);
}
