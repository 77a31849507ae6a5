// SPDX-License-Identifier: Apache-2.0
// The KOS consistency check of the OT extension (ot/iknp.hpp): honest runs give the same
// correlated, random and chosen OTs as semi-honest IKNP, at the batch sizes around the 128-row
// block and the 65,536-OT message; a receiver that is inconsistent across columns, or that
// alters its answer, is caught; the configurations must agree.
#include <catch2/catch.hpp>

#include <edgempc/ot.hpp>

#include <optional>

#include "protocol_harness.hpp"

using namespace edgempc;

namespace {

using test::code_of;

OtConfig with_check(OtConfig c, OtCheck check) {
  c.check = check;
  return c;
}

std::vector<OtConfig> kos_configs() {
  std::vector<OtConfig> out{OtConfig::portable()};
  if (OtConfig{} != OtConfig::portable()) out.push_back(OtConfig{});
  return out;
}

bool delta_bit(const Block& d, std::size_t j) { return ((j < 64 ? d.lo >> j : d.hi >> (j - 64)) & 1) != 0; }

/// Party 0 is the extension sender (with Delta `delta`), party 1 the receiver, which deviates
/// as `deviation` says; each body runs after setup.
template <class S, class R>
void with_kos(test::Net net, const OtConfig& config, const Block& delta, S&& sender_body, R&& receiver_body,
              const InsecureReceiverDeviation& deviation = {}) {
  test::on_network(net, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(static_cast<std::uint8_t>(160 + me));
    if (me == 0) {
      OtExtensionSender sender(1, config);
      sender.setup(party, prg, delta);
      sender_body(party, sender);
    } else {
      OtExtensionReceiver receiver(0, config);
      receiver.setup(party, prg);
      receiver.insecure_deviate(deviation);
      receiver_body(party, receiver);
    }
  });
}

const std::size_t edge_sizes[] = {1, 127, 128, 65536, 65537};

Block random_block(Prg& prg) { return Block{prg.next_u64(), prg.next_u64()}; }

}  // namespace

TEST_CASE("KOS: honest correlated, random and chosen OTs at the edge sizes", "[ot]") {
  for (const auto& config : kos_configs()) {
    CAPTURE(static_cast<int>(config.prg), static_cast<int>(config.hash));
    REQUIRE(config.check == OtCheck::kos);
    auto prg = test::seeded(161);
    const Block delta = random_block(prg);
    std::vector<BitVector> choices;
    std::vector<std::vector<Block>> x0, x1;
    for (const auto n : edge_sizes) {
      choices.push_back(BitVector::random(prg, n));
      x0.emplace_back(n), x1.emplace_back(n);
      prg.fill(x0.back().data(), n * sizeof(Block));
      prg.fill(x1.back().data(), n * sizeof(Block));
    }
    const std::size_t k_sizes = std::size(edge_sizes);
    std::vector<std::vector<Block>> cm0(k_sizes), cgot(k_sizes), rm0(k_sizes), rm1(k_sizes), rgot(k_sizes),
        xgot(k_sizes);
    std::uint64_t s_count = 0, r_count = 0;
    with_kos(
        test::Net::local, config, delta,
        [&](auto& party, OtExtensionSender& s) {
          for (std::size_t k = 0; k < k_sizes; ++k) {
            cm0[k] = s.correlated(party, edge_sizes[k]);
            rm0[k].resize(edge_sizes[k]), rm1[k].resize(edge_sizes[k]);
            s.random(party, rm0[k], rm1[k]);
            s.chosen(party, x0[k], x1[k]);
          }
          s_count = s.count();
        },
        [&](auto& party, OtExtensionReceiver& r) {
          for (std::size_t k = 0; k < k_sizes; ++k) {
            cgot[k] = r.correlated(party, choices[k]);
            rgot[k].resize(edge_sizes[k]);
            r.random(party, choices[k], rgot[k]);
            xgot[k].resize(edge_sizes[k]);
            r.chosen(party, choices[k], xgot[k]);
          }
          r_count = r.count();
        });
    std::uint64_t total = 0;
    for (std::size_t k = 0; k < k_sizes; ++k) {
      CAPTURE(edge_sizes[k]);
      total += 3 * edge_sizes[k];
      for (std::size_t i = 0; i < edge_sizes[k]; ++i) {
        const bool c = choices[k].get(i);
        REQUIRE(cgot[k][i] == (cm0[k][i] ^ (Block::mask(c) & delta)));
        REQUIRE(rgot[k][i] == (c ? rm1[k][i] : rm0[k][i]));
        REQUIRE(rgot[k][i] != (c ? rm0[k][i] : rm1[k][i]));
        REQUIRE((rm0[k][i] ^ rm1[k][i]) != delta);
        REQUIRE(xgot[k][i] == (c ? x1[k][i] : x0[k][i]));
      }
      if (edge_sizes[k] > 1) CHECK(cm0[k][0] != cm0[k][1]);
    }
    // The 256 check OTs per message are not counted: both ends agree on the tweaks.
    CHECK(s_count == total);
    CHECK(r_count == total);
  }
}

TEST_CASE("KOS: over TCP, and the wire cost of one message", "[ot]") {
  auto prg = test::seeded(162);
  const Block delta = random_block(prg);
  const auto choices = BitVector::random(prg, 1000);
  std::vector<Block> m0, got;
  std::uint64_t s_sent = 0, r_sent = 0;
  with_kos(
      test::Net::tcp, OtConfig{}, delta,
      [&](auto& party, OtExtensionSender& s) {
        const auto before = party.stats().bytes_sent;
        m0 = s.correlated(party, 1000);
        s_sent = party.stats().bytes_sent - before;
      },
      [&](auto& party, OtExtensionReceiver& r) {
        const auto before = party.stats().bytes_sent;
        got = r.correlated(party, choices);
        r_sent = party.stats().bytes_sent - before;
      });
  for (std::size_t i = 0; i < 1000; ++i) REQUIRE(got[i] == (m0[i] ^ (Block::mask(choices.get(i)) & delta)));
  // u of padded(1000) + 256 rows and the 32-byte answer; the 16-byte seed back.
  CHECK(r_sent >= 16 * (1024 + 256) + 32);
  CHECK(r_sent < 16 * (1024 + 256) + 32 + 64);
  CHECK(s_sent >= 16);
  CHECK(s_sent < 16 + 32);
}

TEST_CASE("KOS: a receiver inconsistent in one column of one row is caught", "[ot]") {
  // Flipping u's bit (row i, column j) is using choice bit 1 - r_i in column j only: the
  // sender's q_i moves by Delta_j e_j. With Delta_j = 1 that is the cheat the check is for, and
  // every run must be caught; with Delta_j = 0 it changes nothing the sender holds (the
  // receiver "guessed" Delta_j, KOS's 2^-c per guessed bit) and it passes, outputs intact.
  auto prg = test::seeded(163);
  const std::size_t sizes[] = {1, 127, 128, 1000, 65536, 65537};
  for (int run = 0; run < 24; ++run) {
    const std::size_t m = sizes[static_cast<std::size_t>(run) % std::size(sizes)];
    const std::size_t messages = (m + detail::iknp::chunk_ots - 1) / detail::iknp::chunk_ots;
    const std::size_t last_m = m - (messages - 1) * detail::iknp::chunk_ots;  // OTs in the last message
    const std::size_t rows = detail::iknp::rows_of(last_m, OtCheck::kos);
    const Block delta = random_block(prg);
    const std::size_t row = static_cast<std::size_t>(prg.next_u64() % rows);
    std::size_t column = static_cast<std::size_t>(prg.next_u64() % 128);
    const bool want_one = run % 3 != 2;  // two runs in three flip a column whose Delta bit is 1
    while (delta_bit(delta, column) != want_one) column = (column + 1) % 128;
    CAPTURE(run, m, row, column, want_one);
    const auto choices = BitVector::random(prg, m);
    std::size_t seen = 0;
    InsecureReceiverDeviation cheat;
    cheat.u = [&](std::span<std::uint8_t> u, std::size_t n_rows) {
      if (++seen != messages) return;  // the last message only: the receiver then finishes
      REQUIRE(n_rows == rows);
      const auto at = detail::iknp::u_bit(n_rows, row, column);
      u[at.byte] = static_cast<std::uint8_t>(u[at.byte] ^ (1u << at.bit));
    };
    std::optional<errc> got;
    std::vector<Block> m0(m), out;
    with_kos(
        test::Net::local, OtConfig::portable(), delta,
        [&](auto& party, OtExtensionSender& s) { got = code_of([&] { s.correlated(party, m0); }); },
        [&](auto& party, OtExtensionReceiver& r) { out = r.correlated(party, choices); }, cheat);
    if (want_one) {
      REQUIRE(got == errc::protocol_violation);
      // The sender wiped the failed message's outputs.
      const std::size_t from = (messages - 1) * detail::iknp::chunk_ots;
      for (std::size_t i = from; i < m; ++i) REQUIRE(m0[i] == Block{});
    } else {
      REQUIRE(!got);
      for (std::size_t i = 0; i < m; ++i) REQUIRE(out[i] == (m0[i] ^ (Block::mask(choices.get(i)) & delta)));
    }
  }
}

TEST_CASE("KOS: wider cheats are caught", "[ot]") {
  auto prg = test::seeded(164);
  const Block delta = random_block(prg);
  const std::size_t m = 300, rows = detail::iknp::rows_of(m, OtCheck::kos);
  const auto choices = BitVector::random(prg, m);
  const auto run = [&](const std::function<void(std::span<std::uint8_t>)>& change) {
    InsecureReceiverDeviation d;
    d.u = [&](std::span<std::uint8_t> u, std::size_t) { change(u); };
    std::optional<errc> got;
    with_kos(
        test::Net::local, OtConfig{}, delta,
        [&](auto& party, OtExtensionSender& s) { got = code_of([&] { (void)s.correlated(party, m); }); },
        [&](auto& party, OtExtensionReceiver& r) { (void)r.correlated(party, choices); }, d);
    return got;
  };
  const auto flip = [&](std::span<std::uint8_t> u, std::size_t row, std::size_t column) {
    const auto at = detail::iknp::u_bit(rows, row, column);
    u[at.byte] = static_cast<std::uint8_t>(u[at.byte] ^ (1u << at.bit));
  };
  std::size_t one = 0, zero = 0;
  while (!delta_bit(delta, one)) ++one;
  while (delta_bit(delta, zero)) ++zero;
  // Two columns of one row, one of them with Delta bit 1.
  CHECK(run([&](auto u) { flip(u, 5, one), flip(u, 5, zero); }) == errc::protocol_violation);
  // Half the columns of many rows.
  CHECK(run([&](auto u) {
          for (std::size_t row = 0; row < rows; row += 7)
            for (std::size_t c = 0; c < 64; ++c) flip(u, row, 2 * c + row % 2);
        }) == errc::protocol_violation);
  // A whole row flipped in every column with x left as it was: a consistent other choice in u,
  // but the answer no longer matches it.
  CHECK(run([&](auto u) {
          for (std::size_t c = 0; c < 128; ++c) flip(u, 42, c);
        }) == errc::protocol_violation);
}

TEST_CASE("KOS: a receiver that alters its answer is caught", "[ot]") {
  auto prg = test::seeded(165);
  for (int run = 0; run < 16; ++run) {
    const Block delta = random_block(prg);
    const std::size_t m = run % 2 == 0 ? 129 : 65536;
    const Block flip_x = run % 4 < 2 ? Block{prg.next_u64() | 1, 0} : Block{};
    const Block flip_t = run % 4 >= 2 ? random_block(prg) : Block{std::uint64_t{1} << (run % 64), 0};
    CAPTURE(run, m);
    InsecureReceiverDeviation cheat;
    cheat.answer = [&](Block& x, Block& t) { x ^= flip_x, t ^= flip_t; };
    std::optional<errc> got;
    with_kos(
        test::Net::local, OtConfig{}, delta,
        [&](auto& party, OtExtensionSender& s) { got = code_of([&] { (void)s.correlated(party, m); }); },
        [&](auto& party, OtExtensionReceiver& r) { (void)r.correlated(party, BitVector::random(prg, m)); }, cheat);
    REQUIRE(got == errc::protocol_violation);
  }
}

TEST_CASE("KOS: without the check the same cheat goes unseen and moves the output by e_j", "[ot]") {
  auto prg = test::seeded(166);
  const Block delta = random_block(prg);
  std::size_t column = 0;
  while (!delta_bit(delta, column)) ++column;
  const std::size_t m = 200;
  const auto choices = BitVector::random(prg, m);
  InsecureReceiverDeviation cheat;
  cheat.u = [&](std::span<std::uint8_t> u, std::size_t rows) {
    REQUIRE(rows == detail::iknp::rows_of(m, OtCheck::none));
    const auto at = detail::iknp::u_bit(rows, 17, column);
    u[at.byte] = static_cast<std::uint8_t>(u[at.byte] ^ (1u << at.bit));
  };
  std::optional<errc> got;
  std::vector<Block> m0, out;
  with_kos(
      test::Net::local, with_check(OtConfig{}, OtCheck::none), delta,
      [&](auto& party, OtExtensionSender& s) { got = code_of([&] { m0 = s.correlated(party, m); }); },
      [&](auto& party, OtExtensionReceiver& r) { out = r.correlated(party, choices); }, cheat);
  CHECK(!got);
  Block e{};
  (column < 64 ? e.lo : e.hi) = std::uint64_t{1} << (column % 64);
  // The receiver holds the sender's label up to e_j: which of the two it is tells it Delta_j.
  CHECK((out[17] ^ m0[17] ^ (Block::mask(choices.get(17)) & delta)) == e);
}

TEST_CASE("KOS: both ends must choose it, and wrong-length check messages are malformed", "[ot]") {
  std::optional<errc> s_code, r_code;
  test::on_network(test::Net::local, 2, [&](auto& party, PartyId me) {
    auto prg = test::seeded(167);
    if (me == 0) s_code = code_of([&] { OtExtensionSender(1, OtConfig{}).setup(party, prg); });
    else r_code = code_of([&] { OtExtensionReceiver(0, with_check(OtConfig{}, OtCheck::none)).setup(party, prg); });
  });
  CHECK(s_code == errc::protocol_violation);
  CHECK(r_code == errc::protocol_violation);

  // A short answer reaches the sender.
  std::optional<errc> got;
  auto prg = test::seeded(168);
  const Block delta = random_block(prg);
  with_kos(
      test::Net::local, OtConfig{}, delta,
      [&](auto& party, OtExtensionSender& s) { got = code_of([&] { (void)s.correlated(party, 10); }); },
      [&](auto& party, OtExtensionReceiver&) {
        party.send_bytes(0, std::vector<std::uint8_t>(16 * (128 + 256)));
        (void)party.receive_bytes(0);  // the seed
        party.send_bytes(0, std::vector<std::uint8_t>(31));
      });
  CHECK(got == errc::malformed_message);
  // A long seed reaches the receiver.
  got.reset();
  with_kos(
      test::Net::local, OtConfig{}, delta,
      [&](auto& party, OtExtensionSender&) {
        (void)party.receive_bytes(1);  // u
        party.send_bytes(1, std::vector<std::uint8_t>(17));
      },
      [&](auto& party, OtExtensionReceiver& r) { got = code_of([&] { (void)r.correlated(party, BitVector(10)); }); });
  CHECK(got == errc::malformed_message);
}
