// SPDX-License-Identifier: Apache-2.0
// The round report's binary form (platform/round_report.hpp) and the byte codec under it
// (core/bytes.hpp): round trips of random reports from a fixed seed, and every malformed input
// refused with malformed_message.
#include <catch2/catch.hpp>

#include <random>

#include "edgempc/core/bytes.hpp"
#include "edgempc/platform/round_report.hpp"
#include "protocol_harness.hpp"

using namespace edgempc;
using namespace edgempc::platform;

namespace {

RoundReport random_report(std::mt19937_64& rng) {
  RoundReport r;
  r.round = static_cast<std::uint32_t>(rng());
  r.status = static_cast<RoundStatus>(1 + rng() % 3);
  r.recipient = rng() % 2;
  for (std::size_t i = rng() % 5; i > 0; --i) r.live.push_back(static_cast<PartyId>(rng() % 64));
  r.contributors = rng();
  r.seconds = static_cast<double>(rng() % 100000) / 7.0;
  r.reason = rng() % 2 ? std::string("") : std::string("because \"x\"\n") + std::to_string(rng());
  for (std::size_t i = rng() % 4; i > 0; --i) {
    ChannelResult c;
    c.name = "channel" + std::to_string(rng() % 100);
    c.count = rng();
    const auto maybe = [&]() -> std::optional<double> {
      if (rng() % 3 == 0) return std::nullopt;
      return std::bit_cast<double>(rng() & 0x7fefffffffffffffULL);  // any finite double
    };
    c.mean = maybe(), c.variance = maybe(), c.minimum = maybe(), c.maximum = maybe();
    if (rng() % 2) c.alerts = rng();
    r.channels.push_back(c);
  }
  for (std::size_t i = rng() % 4; i > 0; --i)
    r.rejected.push_back({static_cast<std::uint32_t>(rng()), static_cast<Rejection>(1 + rng() % 4)});
  for (std::size_t i = rng() % 3; i > 0; --i) r.faulty.push_back(static_cast<PartyId>(rng() % 64));
  return r;
}

void check_equal(const RoundReport& a, const RoundReport& b) {
  CHECK(a.round == b.round);
  CHECK(a.status == b.status);
  CHECK(a.recipient == b.recipient);
  CHECK(a.live == b.live);
  CHECK(a.contributors == b.contributors);
  CHECK(std::bit_cast<std::uint64_t>(a.seconds) == std::bit_cast<std::uint64_t>(b.seconds));
  CHECK(a.reason == b.reason);
  CHECK(a.rejected == b.rejected);
  CHECK(a.faulty == b.faulty);
  REQUIRE(a.channels.size() == b.channels.size());
  for (std::size_t i = 0; i < a.channels.size(); ++i) {
    const auto &x = a.channels[i], &y = b.channels[i];
    CHECK(x.name == y.name);
    CHECK(x.count == y.count);
    CHECK(x.mean == y.mean);
    CHECK(x.variance == y.variance);
    CHECK(x.minimum == y.minimum);
    CHECK(x.maximum == y.maximum);
    CHECK(x.alerts == y.alerts);
  }
}

}  // namespace

TEST_CASE("ByteWriter and ByteReader: integers, doubles and strings round-trip, little-endian", "[core]") {
  ByteWriter w;
  w.u8(0xab);
  w.u32(0x01020304);
  w.u64(0x0102030405060708ULL);
  w.f64(-1.5);
  w.str("hi");
  const auto& b = w.bytes();
  REQUIRE(b.size() == 1 + 4 + 8 + 8 + 4 + 2);
  CHECK(b[1] == 0x04);  // little-endian
  CHECK(b[5] == 0x08);
  ByteReader r(b, "test");
  CHECK(r.u8() == 0xab);
  CHECK(r.u32() == 0x01020304u);
  CHECK(r.u64() == 0x0102030405060708ULL);
  CHECK(r.f64() == -1.5);
  CHECK(r.str() == "hi");
  CHECK(r.left() == 0);
  r.done();
  CHECK_THROWS_MATCHES((void)r.u8(), error, test::has_code(errc::malformed_message));  // past the end
}

TEST_CASE("ByteReader refuses short buffers, long lengths, hostile counts and trailing bytes", "[core]") {
  const std::vector<std::uint8_t> three{1, 2, 3};
  ByteReader a(three, "t");
  CHECK_THROWS_MATCHES((void)a.u32(), error, test::has_code(errc::malformed_message));
  const std::vector<std::uint8_t> long_string{0xff, 0xff, 0xff, 0xff, 'x'};
  ByteReader b(long_string, "t");
  CHECK_THROWS_MATCHES((void)b.str(), error, test::has_code(errc::malformed_message));
  const std::vector<std::uint8_t> big_count{0x00, 0x00, 0x00, 0x40, 0, 0, 0, 0};
  ByteReader c(big_count, "t");
  CHECK_THROWS_MATCHES((void)c.count(4), error, test::has_code(errc::malformed_message));
  ByteReader d(three, "t");
  (void)d.u8();
  CHECK_THROWS_MATCHES(d.done(), error, test::has_code(errc::malformed_message));
}

TEST_CASE("round reports: the binary form round-trips random reports", "[platform]") {
  std::mt19937_64 rng(20261202);
  for (int i = 0; i < 500; ++i) {
    const RoundReport r = random_report(rng);
    check_equal(decode_report(encode_report(r)), r);
  }
  check_equal(decode_report(encode_report(RoundReport{})), RoundReport{});
}

TEST_CASE("round reports: every truncation, a bad version, status or flag, and trailing bytes are refused",
          "[platform]") {
  std::mt19937_64 rng(7);
  RoundReport r = random_report(rng);
  r.channels.push_back({"t", 3, 1.0, 2.0, 0.0, 4.0, 1});
  const auto bytes = encode_report(r);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    CHECK_THROWS_MATCHES((void)decode_report(std::span(bytes).first(n)), error, test::has_code(errc::malformed_message));
  auto longer = bytes;
  longer.push_back(0);
  CHECK_THROWS_MATCHES((void)decode_report(longer), error, test::has_code(errc::malformed_message));
  auto bad = bytes;
  bad[0] = 3;  // version (1 and 2 read)
  CHECK_THROWS_MATCHES((void)decode_report(bad), error, test::has_code(errc::malformed_message));
  bad = bytes;
  bad[5] = 0;  // status
  CHECK_THROWS_MATCHES((void)decode_report(bad), error, test::has_code(errc::malformed_message));
  bad[5] = 4;
  CHECK_THROWS_MATCHES((void)decode_report(bad), error, test::has_code(errc::malformed_message));
  bad = bytes;
  bad[6] = 2;  // recipient flag
  CHECK_THROWS_MATCHES((void)decode_report(bad), error, test::has_code(errc::malformed_message));
}
