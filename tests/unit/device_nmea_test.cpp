// SPDX-License-Identifier: Apache-2.0
// NMEA 0183 (device/nmea.hpp): sentence checks, GGA decoding, and NmeaGps over a fake serial
// port that delivers a byte stream in arbitrary pieces.
#include <catch2/catch.hpp>

#include <edgempc/device/nmea.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

using namespace edgempc;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::string_view gga = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47";
constexpr std::string_view rmc = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A";

// Builds "$<body>*HH".
std::string sentence(std::string_view body) {
  static constexpr char hex[] = "0123456789ABCDEF";
  const auto sum = device::nmea_checksum(body);
  return "$" + std::string(body) + "*" + hex[sum >> 4] + hex[sum & 0xF];
}

// Models SerialPort: hands out the queued chunks one per read; an empty queue is silence,
// reported at once as timed_out (the adapter must then give up, whatever the deadline).
struct FakeSerial {
  std::deque<std::string> chunks;
  std::error_code write(std::span<const std::uint8_t>, device::Deadline) { return {}; }
  device::IoResult read(std::span<std::uint8_t> in, device::Deadline) {
    if (chunks.empty()) return {0, std::make_error_code(std::errc::timed_out)};
    std::string& c = chunks.front();
    const std::size_t n = std::min(in.size(), c.size());
    std::copy_n(c.begin(), n, in.begin());
    c.erase(0, n);
    if (c.empty()) chunks.pop_front();
    return {n, {}};
  }
  std::error_code discard_input() { return {}; }
};

}  // namespace

static_assert(device::SerialPort<FakeSerial>);
static_assert(device::Adapter<device::NmeaGps<FakeSerial>>);

TEST_CASE("NMEA: good sentences parse, with or without CR LF", "[device]") {
  static_assert(device::parse_nmea(gga).status == device::NmeaStatus::ok);
  for (const std::string& line : {std::string(gga), std::string(gga) + "\r\n", std::string(rmc) + "\n"}) {
    const auto p = device::parse_nmea(line);
    REQUIRE(p.status == device::NmeaStatus::ok);
    REQUIRE(p.sentence.talker == "GP");
  }
  const auto p = device::parse_nmea(gga);
  REQUIRE(p.sentence.type == "GGA");
  REQUIRE(p.sentence.field(0) == "123519");
  REQUIRE(p.sentence.field(8) == "545.4");
  REQUIRE(p.sentence.field(13).empty());
  REQUIRE(p.sentence.field(40).empty());
  // Lower-case hex is accepted too.
  REQUIRE(device::parse_nmea("$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6a").status ==
          device::NmeaStatus::ok);
}

TEST_CASE("NMEA: bad checksum, too long and garbage are statuses", "[device]") {
  std::string bad(gga);
  bad[10] = '6';  // a changed digit
  const auto p = device::parse_nmea(bad);
  REQUIRE(p.status == device::NmeaStatus::bad_checksum);
  REQUIRE(p.sentence.type == "GGA");  // so the caller knows a fix was lost
  REQUIRE(device::parse_nmea(std::string(gga.substr(0, gga.size() - 2)) + "48").status ==
          device::NmeaStatus::bad_checksum);

  // 82 characters with CR LF is the limit; one more is too long.
  const std::string at_limit = sentence("GPTXT," + std::string(80 - 10, 'A'));
  REQUIRE(at_limit.size() == 80);
  REQUIRE(device::parse_nmea(at_limit + "\r\n").status == device::NmeaStatus::ok);
  const std::string over = sentence("GPTXT," + std::string(80 - 9, 'A'));
  REQUIRE(device::parse_nmea(over + "\r\n").status == device::NmeaStatus::too_long);
  REQUIRE(device::parse_nmea(std::string(500, '$')).status == device::NmeaStatus::too_long);

  for (const std::string_view garbage :
       {"", "$", "GPGGA,1*00", "$GPGGA,123519", "$GPGGA,123519*4", "$GPGGA,123519*ZZ", "$GPGG,1*00",
        "$GPGGA,1*2*00", "\x01\x02\x03\xff\xfe garbage", "$GPGGA,12\x00" "3*00", "$GPGGA,1\xC3\xA9*00"}) {
    INFO(garbage);
    REQUIRE(device::parse_nmea(garbage).status == device::NmeaStatus::malformed);
  }
}

TEST_CASE("NMEA GGA decodes to 1e-7 degree and millimetres", "[device]") {
  constexpr auto fix = device::parse_gga(device::parse_nmea(gga).sentence);
  static_assert(fix.status == device::GgaStatus::ok);
  // 48° 07.038' = 48.1173°, 11° 31.000' = 11.516666...°
  static_assert(fix.fix.latitude_e7 == 481'173'000);
  static_assert(fix.fix.longitude_e7 == 115'166'667);
  static_assert(fix.fix.altitude_mm == 545'400);
  static_assert(fix.fix.quality == 1 && fix.fix.satellites == 8);

  const auto south_west =
      device::parse_gga(device::parse_nmea(sentence("GNGGA,000001,3351.5200,S,15112.6400,W,2,12,0.7,-12.25,M,0,M,,")).sentence);
  REQUIRE(south_west.status == device::GgaStatus::ok);
  REQUIRE(south_west.fix.latitude_e7 == -338'586'667);
  REQUIRE(south_west.fix.longitude_e7 == -1'512'106'667);
  REQUIRE(south_west.fix.altitude_mm == -12'250);

  REQUIRE(device::parse_gga(device::parse_nmea(sentence("GPGGA,000001,,,,,0,00,,,M,,M,,")).sentence).status ==
          device::GgaStatus::no_fix);
  for (const char* body : {"GPGGA,1,9107.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,",   // 91°
                           "GPGGA,1,4860.000,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,",   // 60'
                           "GPGGA,1,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,",   // hemisphere
                           "GPGGA,1,4807.038,N,18031.000,E,1,08,0.9,545.4,M,46.9,M,,",   // 180.5°
                           "GPGGA,1,48a7.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,",   // digit
                           "GPGGA,1,4807.038,N,01131.000,E,1,08,0.9,,M,46.9,M,,",        // altitude
                           "GPGGA,1,4807.038,N,01131.000,E,x,08,0.9,545.4,M,46.9,M,,"})  // quality
  {
    INFO(body);
    REQUIRE(device::parse_gga(device::parse_nmea(sentence(body)).sentence).status == device::GgaStatus::malformed);
  }
  REQUIRE(device::parse_gga(device::parse_nmea(rmc).sentence).status == device::GgaStatus::malformed);
}

TEST_CASE("NmeaGps finds GGA in a noisy stream split anywhere", "[device]") {
  FakeSerial port;
  std::string stream = "\x7f\x00garbage$GPG";  // a cut sentence and noise first
  stream += "\r\n" + std::string(rmc) + "\r\n" + std::string(300, 'X') + "\r\n";  // another type, an over-long line
  stream += std::string(gga) + "\r\n";
  std::string bad(gga);
  bad[20] = '9';
  stream += bad + "\r\n";
  stream += sentence("GPGGA,000001,,,,,0,00,,,M,,M,,") + "\r\n";
  stream += sentence("GPGGA,1,9107.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,") + "\r\n";
  // Deliver it 7 bytes at a time, so sentences straddle reads.
  for (std::size_t i = 0; i < stream.size(); i += 7) port.chunks.push_back(stream.substr(i, 7));

  device::NmeaGps gps(port, 20);
  REQUIRE(gps.channels() == 3);
  std::array<device::Reading, 3> out;
  REQUIRE(gps.poll(Clock::now() + 1s, out) == 3);
  for (const auto& r : out) REQUIRE(r.ok());
  REQUIRE(out[0].channel == 20);
  REQUIRE(out[0].value() == Approx(48.1173));
  REQUIRE(out[1].value() == Approx(11.5166667));
  REQUIRE(out[2].value() == Approx(545.4));
  REQUIRE(gps.last_fix().satellites == 8);
  REQUIRE(gps.nmea_stats().skipped == 1);
  REQUIRE(gps.nmea_stats().too_long == 1);
  REQUIRE(gps.nmea_stats().malformed >= 1);

  gps.poll(Clock::now() + 1s, out);
  REQUIRE(out[0].status == device::ReadingStatus::checksum_mismatch);
  REQUIRE(out[0].raw == 0);
  gps.poll(Clock::now() + 1s, out);
  REQUIRE(out[0].status == device::ReadingStatus::missing);
  gps.poll(Clock::now() + 1s, out);
  REQUIRE(out[0].status == device::ReadingStatus::out_of_range);
  gps.poll(Clock::now() + 1s, out);  // nothing more: silence
  REQUIRE(out[0].status == device::ReadingStatus::timeout);
  REQUIRE(out[2].status == device::ReadingStatus::timeout);
  REQUIRE(gps.stats().polls == 5);
  REQUIRE(gps.stats().checksum_mismatches == 1);
  REQUIRE(gps.stats().timeouts == 1);
}
