// SPDX-License-Identifier: Apache-2.0
// NMEA 0183 sentences from a GPS receiver: the sentence parser, the GGA (fix) decoder, and
// NmeaGps, an Adapter over a serial port with three channels: latitude and longitude in
// degrees, altitude above mean sea level in metres.
//
// A sentence is "$" talker(2) type(3) "," fields "*" two hex digits CR LF, at most 82
// characters in all, printable ASCII only; the checksum is the XOR of the characters between
// "$" and "*" (crc.hpp). parse_nmea refuses anything else with a status, never an exception: a
// GPS on a noisy line sends garbage as a matter of course. The checksum is required, since a
// sentence that cannot be checked cannot be trusted.
//
// Coordinates are turned from the receiver's ddmm.mmmm text into integers without going
// through floating point: raw is in 1e-7 degree (scale 1e-7, about 1 cm, as u-blox reports
// them), altitude in millimetres (scale 1e-3).
//
// Statuses per poll: a GGA sentence with a wrong checksum -> checksum_mismatch; a GGA without
// a fix (quality 0 or empty fields) -> missing; a GGA whose fields do not parse or lie outside
// the globe -> out_of_range; no GGA before the deadline -> timeout. Other sentences and
// garbage are skipped (and counted) while waiting.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "edgempc/device/adapter.hpp"
#include "edgempc/device/bus.hpp"
#include "edgempc/device/crc.hpp"
#include "edgempc/device/reading.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

/// The standard's limit, "$" to LF inclusive.
inline constexpr std::size_t nmea_max_sentence = 82;

enum class NmeaStatus : std::uint8_t {
  ok,
  too_long,      ///< more than 82 characters
  malformed,     ///< no "$", no address field, a character outside printable ASCII, no "*HH"
  bad_checksum,  ///< well formed, but the checksum does not match
};

/// A parsed sentence; its views point into the text given to parse_nmea.
struct NmeaSentence {
  std::string_view talker;  ///< "GP" (GPS), "GN" (several systems), "GL", "GA", "BD", ...
  std::string_view type;    ///< "GGA", "RMC", ...
  std::string_view fields;  ///< everything after the first comma, before "*"

  /// Field `index` (0 = the first after the type), empty if there are fewer.
  [[nodiscard]] constexpr std::string_view field(std::size_t index) const noexcept {
    std::string_view rest = fields;
    for (std::size_t i = 0; i < index; ++i) {
      const auto comma = rest.find(',');
      if (comma == std::string_view::npos) return {};
      rest.remove_prefix(comma + 1);
    }
    return rest.substr(0, rest.find(','));
  }
};

struct NmeaParse {
  NmeaStatus status = NmeaStatus::malformed;
  NmeaSentence sentence{};  ///< filled for ok and bad_checksum (so the caller knows what was lost)
};

namespace detail {

[[nodiscard]] constexpr int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// A non-negative decimal "123.4567" as an integer in units of 10^-digits, rounded half up
/// on the first dropped digit; nothing for an empty or non-numeric text or one too large.
[[nodiscard]] constexpr std::optional<std::int64_t> parse_nmea_decimal(std::string_view text, int digits) noexcept {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  int kept = 0;       // digits in value, at most 18 so it cannot overflow
  int fraction = -1;  // digits seen after the point, -1 before it
  bool round_up = false;
  for (const char c : text) {
    if (c == '.') {
      if (fraction >= 0) return std::nullopt;
      fraction = 0;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (fraction >= digits) {
      if (fraction == digits) round_up = c >= '5';
      ++fraction;
      continue;
    }
    if (++kept > 18) return std::nullopt;
    value = value * 10 + (c - '0');
    if (fraction >= 0) ++fraction;
  }
  if (kept == 0 && fraction <= digits) return std::nullopt;
  for (int f = fraction < 0 ? 0 : fraction; f < digits; ++f) {
    if (++kept > 18) return std::nullopt;
    value *= 10;
  }
  return value + (round_up ? 1 : 0);
}

/// "ddmm.mmmm" (latitude) or "dddmm.mmmm" (longitude) and its hemisphere letter, in 1e-7
/// degree; nothing when malformed or beyond `max_degrees`.
[[nodiscard]] constexpr std::optional<std::int64_t> parse_coordinate(std::string_view text, std::string_view hemisphere,
                                                                     int max_degrees, char positive,
                                                                     char negative) noexcept {
  const auto point = text.find('.');
  const std::size_t whole = point == std::string_view::npos ? text.size() : point;
  if (whole < 3 || whole > 5) return std::nullopt;
  const auto degrees = parse_nmea_decimal(text.substr(0, whole - 2), 0);
  const auto minutes = parse_nmea_decimal(text.substr(whole - 2), 9);  // in 1e-9 minute
  if (!degrees || !minutes || *minutes >= 60'000'000'000) return std::nullopt;
  if (hemisphere.size() != 1 || (hemisphere[0] != positive && hemisphere[0] != negative)) return std::nullopt;
  // minutes / 60 in 1e-7 degree = minutes[1e-9] / 6000, rounded.
  const std::int64_t value = *degrees * 10'000'000 + (*minutes + 3000) / 6000;
  if (value > std::int64_t{max_degrees} * 10'000'000) return std::nullopt;
  return hemisphere[0] == negative ? -value : value;
}

}  // namespace detail

/// Checks one sentence. `line` may end in CR LF or not.
[[nodiscard]] constexpr NmeaParse parse_nmea(std::string_view line) noexcept {
  NmeaParse result;
  if (line.ends_with('\n')) line.remove_suffix(1);
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.size() + 2 > nmea_max_sentence) {
    result.status = NmeaStatus::too_long;
    return result;
  }
  for (const char c : line)
    if (c < 0x20 || c > 0x7E) return result;
  if (line.size() < 9 || line[0] != '$') return result;  // "$GPxxx*HH" is the shortest
  const std::size_t star = line.size() - 3;
  if (line[star] != '*') return result;
  const int high = detail::hex_digit(line[star + 1]), low = detail::hex_digit(line[star + 2]);
  if (high < 0 || low < 0) return result;
  const std::string_view body = line.substr(1, star - 1);
  if (body.find('*') != std::string_view::npos) return result;
  const auto comma = body.find(',');
  const std::string_view address = body.substr(0, comma);
  if (address.size() != 5) return result;
  result.sentence.talker = address.substr(0, 2);
  result.sentence.type = address.substr(2);
  result.sentence.fields = comma == std::string_view::npos ? std::string_view{} : body.substr(comma + 1);
  result.status = nmea_checksum(body) == (high << 4 | low) ? NmeaStatus::ok : NmeaStatus::bad_checksum;
  return result;
}

/// The fields of a GGA sentence the adapter uses.
struct GgaFix {
  std::int64_t latitude_e7 = 0;   ///< 1e-7 degree, north positive
  std::int64_t longitude_e7 = 0;  ///< 1e-7 degree, east positive
  std::int64_t altitude_mm = 0;   ///< above mean sea level
  std::uint8_t quality = 0;       ///< 0 no fix, 1 GPS, 2 DGPS, 4 RTK fixed, ...
  std::uint8_t satellites = 0;
};

enum class GgaStatus : std::uint8_t { ok, no_fix, malformed };

struct GgaParse {
  GgaStatus status = GgaStatus::malformed;
  GgaFix fix{};
};

/// Decodes a GGA sentence (any talker) that parse_nmea passed.
[[nodiscard]] constexpr GgaParse parse_gga(const NmeaSentence& s) noexcept {
  GgaParse result;
  if (s.type != "GGA") return result;
  const std::string_view quality = s.field(5);
  if (quality.size() != 1 || quality[0] < '0' || quality[0] > '9') return result;
  result.fix.quality = static_cast<std::uint8_t>(quality[0] - '0');
  if (result.fix.quality == 0 || s.field(1).empty()) {
    result.status = GgaStatus::no_fix;
    return result;
  }
  const auto latitude = detail::parse_coordinate(s.field(1), s.field(2), 90, 'N', 'S');
  const auto longitude = detail::parse_coordinate(s.field(3), s.field(4), 180, 'E', 'W');
  const auto satellites = detail::parse_nmea_decimal(s.field(6), 0);
  std::string_view altitude_text = s.field(8);
  const bool below_sea = altitude_text.starts_with('-');
  if (below_sea) altitude_text.remove_prefix(1);
  const auto altitude = detail::parse_nmea_decimal(altitude_text, 3);
  if (!latitude || !longitude || !altitude || s.field(9) != "M" || (satellites && *satellites > 99)) return result;
  result.fix.latitude_e7 = *latitude;
  result.fix.longitude_e7 = *longitude;
  result.fix.altitude_mm = below_sea ? -*altitude : *altitude;
  result.fix.satellites = static_cast<std::uint8_t>(satellites ? *satellites : 0);
  result.status = GgaStatus::ok;
  return result;
}

/// Counts of what the adapter read and dropped, beside the common BusStats.
struct NmeaStats {
  std::uint64_t sentences = 0;  ///< well formed, checksum included
  std::uint64_t too_long = 0;
  std::uint64_t malformed = 0;
  std::uint64_t bad_checksum = 0;
  std::uint64_t skipped = 0;  ///< good sentences of another type than GGA
};

template <SerialPort Port>
class NmeaGps {
 public:
  static constexpr double degree_scale = 1e-7;
  static constexpr double metre_scale = 1e-3;

  /// Keeps a reference to `port`, which must outlive the adapter. Channels first_channel
  /// (latitude), + 1 (longitude), + 2 (altitude).
  explicit NmeaGps(Port& port, std::uint32_t first_channel = 0) : port_(port), first_channel_(first_channel) {}

  [[nodiscard]] std::size_t channels() const noexcept { return 3; }

  /// The next GGA sentence the receiver sends, decoded. Bytes after it stay for the next poll.
  std::size_t poll(Deadline deadline, std::span<Reading> out) {
    if (out.size() < 3) throw error(errc::size_mismatch, "NmeaGps::poll: room for 3 readings needed");
    ++bus_.polls;
    for (std::uint32_t i = 0; i < 3; ++i) {
      out[i] = Reading{};
      out[i].channel = first_channel_ + i;
      out[i].scale = i < 2 ? degree_scale : metre_scale;
      out[i].status = ReadingStatus::timeout;
    }
    for (;;) {
      while (pending_begin_ < pending_end_) {
        const char c = static_cast<char>(pending_[pending_begin_++]);
        if (const auto status = take(c)) {
          finish(*status, out);
          return 3;
        }
      }
      pending_begin_ = pending_end_ = 0;
      const IoResult got = port_.read(pending_, deadline);
      if (got.count == 0) {
        // Silence until the deadline, or an I/O error. The error is not retried here: a GPS
        // repeats itself every second, so the next poll is the retry.
        if (got.error && got.error != std::errc::timed_out) ++bus_.bus_errors;
        ++bus_.timeouts;
        for (auto& r : out.first(3)) r.timestamp = Reading::clock::now();
        return 3;
      }
      pending_end_ = got.count;
    }
  }

  [[nodiscard]] const BusStats& stats() const noexcept { return bus_; }
  [[nodiscard]] const NmeaStats& nmea_stats() const noexcept { return nmea_; }
  /// The last GGA fix decoded (quality, satellites and all), valid after a poll that was ok.
  [[nodiscard]] const GgaFix& last_fix() const noexcept { return fix_; }

 private:
  // Feeds one character; at the end of a GGA sentence returns the status for the readings.
  std::optional<ReadingStatus> take(char c) {
    if (c == '$') {
      // A '$' always starts a sentence; whatever came before it without a line end was cut.
      if (length_ > 0 || overflow_) ++nmea_.malformed;
      length_ = 0;
      overflow_ = false;
    }
    if (c == '\n') {
      const bool was_overflow = overflow_;
      const std::size_t length = length_;
      length_ = 0;
      overflow_ = false;
      if (was_overflow) {
        ++nmea_.too_long;
        return std::nullopt;
      }
      if (length == 0) return std::nullopt;
      return line(std::string_view(line_.data(), length));
    }
    if (overflow_) return std::nullopt;
    if (length_ == line_.size()) {
      overflow_ = true;
      return std::nullopt;
    }
    line_[length_++] = c;
    return std::nullopt;
  }

  std::optional<ReadingStatus> line(std::string_view text) {
    const NmeaParse parsed = parse_nmea(text);
    switch (parsed.status) {
      case NmeaStatus::too_long: ++nmea_.too_long; return std::nullopt;
      case NmeaStatus::malformed: ++nmea_.malformed; return std::nullopt;
      case NmeaStatus::bad_checksum:
        ++nmea_.bad_checksum;
        if (parsed.sentence.type != "GGA") return std::nullopt;
        ++bus_.checksum_mismatches;
        return ReadingStatus::checksum_mismatch;
      case NmeaStatus::ok: break;
    }
    ++nmea_.sentences;
    if (parsed.sentence.type != "GGA") {
      ++nmea_.skipped;
      return std::nullopt;
    }
    const GgaParse gga = parse_gga(parsed.sentence);
    if (gga.status == GgaStatus::no_fix) return ReadingStatus::missing;
    if (gga.status == GgaStatus::malformed) return ReadingStatus::out_of_range;
    fix_ = gga.fix;
    return ReadingStatus::ok;
  }

  void finish(ReadingStatus status, std::span<Reading> out) noexcept {
    const auto stamp = Reading::clock::now();
    const std::int64_t raws[3] = {fix_.latitude_e7, fix_.longitude_e7, fix_.altitude_mm};
    for (std::size_t i = 0; i < 3; ++i) {
      out[i].status = status;
      out[i].timestamp = stamp;
      if (status == ReadingStatus::ok) out[i].raw = raws[i];
    }
  }

  Port& port_;
  std::uint32_t first_channel_;
  // One sentence without its LF: the standard's 82 less the LF, plus room for the one extra
  // character that tells a too-long line from a full one.
  std::array<char, nmea_max_sentence> line_{};
  std::size_t length_ = 0;
  bool overflow_ = false;
  std::array<std::uint8_t, 128> pending_{};
  std::size_t pending_begin_ = 0;
  std::size_t pending_end_ = 0;
  GgaFix fix_{};
  BusStats bus_{};
  NmeaStats nmea_{};
};

}  // namespace device
EDGEMPC_END_NAMESPACE
