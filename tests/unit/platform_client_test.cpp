// SPDX-License-Identifier: Apache-2.0
// The device side of a group (DeviceClient, encode_channel_readings) against the gateway's
// opener and a plain reconstruction, and the ingest client and uplink against dead and silent
// gateways.
#include <catch2/catch.hpp>

#include <edgempc/platform/device/client.hpp>
#include <edgempc/platform/ingest.hpp>
#include <edgempc/platform/device/uplink.hpp>

#include <boost/asio/ip/tcp.hpp>

#include <bit>
#include <cmath>

#include "protocol_harness.hpp"

using namespace edgempc;
using namespace edgempc::platform;

namespace {

GroupConfig small_group(std::vector<KeyPair>& keys, std::size_t n = 3) {
  GroupConfig g;
  g.scheme = SplitScheme::shamir(1, n);
  for (PartyId i = 0; i < n; ++i) {
    keys.push_back(KeyPair::generate());
    g.gateways.push_back({i, "127.0.0.1", static_cast<std::uint16_t>(40000 + 2 * i),
                          static_cast<std::uint16_t>(40001 + 2 * i), keys.back().public_key()});
  }
  g.channels = {{"temperature", 12, -40.0, 125.0, 30.0}, {"humidity", 12, 0.0, 100.0, std::nullopt}};
  g.policy.recipients = {0};
  g.validate();
  return g;
}

}  // namespace

TEST_CASE("range bits: every value from 0 to D decomposes into bits whose weights add up to it, and no bits exceed D",
          "[platform]") {
  Prg prg = test::seeded(17);
  std::vector<std::uint64_t> spans{0, 1, 2, 3, 4, 5, 7, 8, 9, 100, 255, 256, 1000, 4095, 4096, 4097};
  for (int i = 0; i < 20; ++i) spans.push_back(prg.next_u64() % (std::uint64_t{1} << 40));
  spans.push_back((std::uint64_t{1} << 40) - 1);
  for (const std::uint64_t d : spans) {
    CAPTURE(d);
    ChannelRange r;
    r.span = d;
    r.bits = static_cast<std::uint32_t>(std::bit_width(d));
    r.top_weight = r.bits ? d - ((std::uint64_t{1} << (r.bits - 1)) - 1) : 0;
    std::uint64_t total = 0;
    for (std::uint32_t j = 0; j < r.bits; ++j) total += r.weight(j);
    CHECK(total == d);  // all bits set: exactly D, so any bits stay within [0, D]
    std::vector<std::uint64_t> values;
    if (d <= 4097)
      for (std::uint64_t v = 0; v <= d; ++v) values.push_back(v);
    else
      for (std::uint64_t v : {std::uint64_t{0}, std::uint64_t{1}, d / 2, d - 1, d, (std::uint64_t{1} << (r.bits - 1)) - 1,
                              std::uint64_t{1} << (r.bits - 1)})
        values.push_back(v);
    for (int i = 0; i < 200 && d > 4097; ++i) values.push_back(prg.next_u64() % (d + 1));
    std::vector<std::uint64_t> bits(64, 9);
    for (const std::uint64_t v : values) {
      r.decompose(v, std::span(bits).first(r.bits));
      std::uint64_t sum = 0;
      bool all_bits = true;
      for (std::uint32_t j = 0; j < r.bits; ++j) sum += r.weight(j) * bits[j], all_bits = all_bits && bits[j] <= 1;
      if (sum != v || !all_bits) FAIL_CHECK("v = " << v << " decomposes to " << sum);
    }
  }
  // From a channel: [-40, 125] at 12 fraction bits is [-163840, 512000], D = 675840, 20 bits.
  const ChannelRange t = ChannelRange::of({"t", 12, -40.0, 125.0, std::nullopt});
  CHECK(t.lo == -163840);
  CHECK(t.span == 675840);
  CHECK(t.bits == 20);
  CHECK(ChannelRange::of({"c", 0, 5.0, 5.0, std::nullopt}).bits == 0);
  CHECK_THROWS_MATCHES(ChannelRange::of({"w", 0, 0.0, 1.0e13, std::nullopt}), error, test::has_code(errc::invalid_argument));
}

TEST_CASE("encode_channel_readings lays out values, their exact squares and range bits, each channel in its own format",
          "[platform]") {
  std::vector<KeyPair> keys;
  const GroupConfig g = small_group(keys);
  const std::vector<double> rows{21.5, 40.25, -3.0, 99.0};  // two rows of (temperature, humidity)
  const auto e = encode_channel_readings(g, rows);
  const ReadingLayout layout(g);
  REQUIRE(layout.ranged());
  REQUIRE(layout.row_bits() == 20 + 19);  // D = 165 * 2^12 and 100 * 2^12
  REQUIRE(layout.row_elements() == 4 + 39);
  REQUIRE(e.size() == 2 * 43);
  CHECK(layout.rows(e.size()) == 2);
  CHECK(layout.rows(e.size() - 1) == 0);
  // The range bits of each reading, after the squares: bits, adding up to X - lo.
  for (std::size_t i = 0; i < 4; ++i) {
    const ChannelRange& r = layout.range(i % 2);
    Mersenne61 sum = Mersenne61::from_int(r.lo);
    for (std::uint32_t j = 0; j < r.bits; ++j) {
      const Mersenne61 b = e[8 + (i / 2) * layout.row_bits() + layout.bit_offset(i % 2) + j];
      CHECK((b == Mersenne61::zero() || b == Mersenne61::one()));
      sum = sum + Mersenne61::from_uint(r.weight(j)) * b;
    }
    CHECK(sum == e[i]);
  }
  // Without validation, no bits.
  GroupConfig off = g;
  off.policy.validation = Validation::off;
  CHECK(encode_channel_readings(off, rows).size() == 8);
  const FixedPoint<Mersenne61> t(12), h(12);
  CHECK(e[0] == t.encode(21.5));
  CHECK(e[1] == h.encode(40.25));
  CHECK(e[2] == t.encode(-3.0));
  CHECK(e[3] == h.encode(99.0));
  // Squares: X^2 of the encoded reading, in twice the fraction bits (exact, so checkable).
  for (std::size_t i = 0; i < 4; ++i) CHECK(e[4 + i] == e[i] * e[i]);
  CHECK(FixedPoint<Mersenne61>(24).decode(e[4]) == 21.5 * 21.5);
  CHECK(FixedPoint<Mersenne61>(24).decode(e[6]) == 9.0);

  CHECK_THROWS_MATCHES(encode_channel_readings(g, std::vector<double>{1.0}), error, test::has_code(errc::size_mismatch));
  CHECK_THROWS_MATCHES(encode_channel_readings(g, std::vector<double>{}), error, test::has_code(errc::size_mismatch));
  CHECK_NOTHROW(encode_channel_readings(g, std::vector<double>(46, 1.0)));  // 23 rows of 43 fit 1,000
  CHECK_THROWS_MATCHES(encode_channel_readings(g, std::vector<double>(48, 1.0)), error, test::has_code(errc::size_mismatch));
  CHECK_THROWS_MATCHES(encode_channel_readings(g, std::vector<double>{126.0, 50.0}), error, test::has_code(errc::out_of_range));
  CHECK_THROWS_MATCHES(encode_channel_readings(g, std::vector<double>{20.0, -0.5}), error, test::has_code(errc::out_of_range));
  CHECK_THROWS_MATCHES(encode_channel_readings(g, std::vector<double>{std::nan(""), 50.0}), error,
                       test::has_code(errc::invalid_argument));
}

TEST_CASE("DeviceClient's sealed shares open at each gateway and reconstruct to the readings", "[platform]") {
  std::vector<KeyPair> keys;
  const GroupConfig g = small_group(keys);
  const KeyPair device = KeyPair::generate();
  std::vector<Enrolment> enrolment(3);
  for (auto& e : enrolment) e.add_client(device.public_key(), 5);
  DeviceClient client(g, 5, device);
  CHECK(client.id() == 5);
  Prg prg = test::seeded(41);
  const std::vector<double> rows{21.5, 40.25, -3.0, 99.0};
  const auto sealed = client.seal(prg, 2, 0, rows);
  REQUIRE(sealed.size() == 3);
  std::vector<std::vector<Mersenne61>> shares(3, std::vector<Mersenne61>(submission_max_batch));
  for (std::uint32_t i = 0; i < 3; ++i) {
    GatewayOpener opener(keys[i], i, enrolment[i]);
    const auto h = opener.open_into<Mersenne61>(sealed[i], shares[i]);
    CHECK(h.client == 5);
    CHECK(h.round == 2);
    REQUIRE(h.count == 86);  // 2 rows of 43: values, squares, range bits
    shares[i].resize(86);
  }
  const Shamir shamir(3, 1);
  const std::vector<PartyId> holders{0, 1, 2};
  CHECK(Reconstruction(shamir, holders)(shares) == encode_channel_readings(g, rows));
  // The nonce derives from (round, seq): the same pair twice is refused before sealing.
  CHECK_THROWS_MATCHES(client.seal(prg, 2, 0, rows), error, test::has_code(errc::invalid_argument));
}

TEST_CASE("an ingest client fails cleanly on a refused connection and on a silent gateway", "[platform]") {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto silent_port = silent.local_endpoint().port();
  std::uint16_t closed_port = 0;
  {
    boost::asio::ip::tcp::acceptor gone(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    closed_port = gone.local_endpoint().port();
  }
  CHECK_THROWS_MATCHES(IngestClient("127.0.0.1", closed_port), error, test::has_code(errc::connection_lost));
  CHECK_THROWS_MATCHES(IngestClient("not-an-address", 1), error, test::has_code(errc::invalid_argument));
  // Listening but never answering (the kernel accepts into the backlog): a timeout, not a hang.
  IngestClient c("127.0.0.1", silent_port, std::chrono::milliseconds(200));
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_MATCHES(c.status(0), error, test::has_code(errc::peer_timeout));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK_THROWS_MATCHES(c.submit(std::vector<std::uint8_t>(max_request_size, 0)), error,
                       test::has_code(errc::message_too_large));
  CHECK(std::string(to_string(IngestCode::forged)) == "forged");
  CHECK(is_held(IngestCode::replayed));
  CHECK_FALSE(is_held(IngestCode::duplicate));
}

TEST_CASE("an uplink to gateways that are down gives up at its deadline with nothing held", "[platform]") {
  std::vector<KeyPair> keys;
  GroupConfig g = small_group(keys);
  {  // ports that nothing listens on
    boost::asio::io_context io;
    for (auto& gw : g.gateways) {
      boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
      gw.ingest_port = a.local_endpoint().port();
    }
  }
  Uplink uplink(g, 16, std::chrono::milliseconds(200));
  const std::vector<std::vector<std::vector<std::uint8_t>>> subs(3, std::vector<std::vector<std::uint8_t>>(3, {1, 2, 3}));
  const auto start = std::chrono::steady_clock::now();
  const auto codes = uplink.send(subs, start + std::chrono::milliseconds(300));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  REQUIRE(codes.size() == 3);
  for (const auto& row : codes)
    for (const auto c : row) CHECK(c == IngestCode::unavailable);
  const std::vector<std::vector<std::vector<std::uint8_t>>> wrong(1, std::vector<std::vector<std::uint8_t>>(2));
  CHECK_THROWS_MATCHES(uplink.send(wrong, start), error, test::has_code(errc::size_mismatch));
}
