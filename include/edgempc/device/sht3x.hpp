// SPDX-License-Identifier: Apache-2.0
// Sht3x: a Sensirion SHT3x-style temperature and humidity sensor on I2C, as an Adapter with two
// channels (temperature in °C, relative humidity in %).
//
// One poll is one single-shot measurement: the command 0x2400 (high repeatability, no clock
// stretching), a wait of the measurement time, then a 6-byte read: temperature MSB, LSB, CRC,
// humidity MSB, LSB, CRC, each CRC the Sensirion CRC-8 of its 2-byte word (crc.hpp). Without
// clock stretching the sensor NACKs its address until the measurement is done, so a read that
// comes early fails like a bus error and is simply retried.
//
// The datasheet's conversions are kept as IIO raw/scale/offset, so the value is exact:
//   T  = -45 + 175 * raw / 65535  ->  scale = 175/65535,  offset = -45 * 65535 / 175
//   RH = 100 * raw / 65535        ->  scale = 100/65535,  offset = 0
//
// Faults become statuses, per channel: a word whose CRC fails is checksum_mismatch (its raw is
// 0, never the damaged value; the other word may still be good); a bus error is retried with
// the config's backoff, and a sensor that still does not answer, or cannot answer before the
// deadline, is timeout for both channels. poll never sleeps past its deadline.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <thread>

#include "edgempc/device/adapter.hpp"
#include "edgempc/device/bus.hpp"
#include "edgempc/device/crc.hpp"
#include "edgempc/device/reading.hpp"
#include "edgempc/device/retry.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

/// One 16-bit word of an SHT3x answer and whether its CRC matched.
struct Sht3xWord {
  std::uint16_t raw = 0;
  bool crc_ok = false;
};

struct Sht3xFrame {
  Sht3xWord temperature;
  Sht3xWord humidity;
};

/// Splits a 6-byte answer into its two words and checks each CRC.
[[nodiscard]] constexpr Sht3xFrame decode_sht3x(std::span<const std::uint8_t, 6> bytes) noexcept {
  const auto word = [&](std::size_t at) {
    return Sht3xWord{static_cast<std::uint16_t>(bytes[at] << 8 | bytes[at + 1]),
                     crc8_sensirion(bytes.subspan(at, 2)) == bytes[at + 2]};
  };
  return {word(0), word(3)};
}

struct Sht3xConfig {
  std::uint32_t first_channel = 0;                   ///< temperature's channel id; humidity is the next
  std::chrono::microseconds measurement_time{15'500};  ///< the datasheet maximum for high repeatability
  RetryPolicy retry{};                               ///< for the command and for the read
};

template <I2cBus Bus>
class Sht3x {
 public:
  static constexpr std::uint16_t default_address = 0x44;  ///< 0x45 with the ADDR pin high
  static constexpr std::array<std::uint8_t, 2> measure_command{0x24, 0x00};
  static constexpr double temperature_scale = 175.0 / 65535.0;
  static constexpr double temperature_offset = -45.0 * 65535.0 / 175.0;
  static constexpr double humidity_scale = 100.0 / 65535.0;

  /// Keeps a reference to `bus`, which must outlive the adapter.
  explicit Sht3x(Bus& bus, const Sht3xConfig& config = {}) : bus_(bus), config_(config) {
    config_.retry.validate();
    if (config_.measurement_time.count() < 0) throw error(errc::invalid_argument, "Sht3x: negative measurement_time");
  }

  [[nodiscard]] std::size_t channels() const noexcept { return 2; }

  /// Fills out[0] (temperature) and out[1] (humidity); returns 2.
  std::size_t poll(Deadline deadline, std::span<Reading> out) {
    if (out.size() < 2) throw error(errc::size_mismatch, "Sht3x::poll: room for 2 readings needed");
    ++stats_.polls;
    out[0] = blank(0, temperature_scale, temperature_offset);
    out[1] = blank(1, humidity_scale, 0.0);

    const auto sent = retry_with_backoff(config_.retry, deadline, [&] { return count(bus_.write(measure_command)); });
    stats_.retries += sent.attempts > 1 ? sent.attempts - 1 : 0;
    if (!sent.ok()) return give_up(out);

    // If the answer cannot be ready before the deadline, say so now rather than at it.
    const auto ready = std::chrono::steady_clock::now() + config_.measurement_time;
    if (ready > deadline) return give_up(out);
    std::this_thread::sleep_until(ready);

    std::array<std::uint8_t, 6> bytes{};
    const auto got = retry_with_backoff(config_.retry, deadline, [&] {
      const IoResult r = bus_.read(bytes);
      if (!r.ok()) return count(r.error);
      // A short read leaves bytes we cannot trust: as good as no answer.
      if (r.count != bytes.size()) return count(std::make_error_code(std::errc::no_message));
      return std::error_code{};
    });
    stats_.retries += got.attempts > 1 ? got.attempts - 1 : 0;
    if (!got.ok()) return give_up(out);

    const Sht3xFrame frame = decode_sht3x(bytes);
    const auto stamp = Reading::clock::now();
    fill(out[0], frame.temperature, stamp);
    fill(out[1], frame.humidity, stamp);
    return 2;
  }

  [[nodiscard]] const BusStats& stats() const noexcept { return stats_; }

 private:
  [[nodiscard]] Reading blank(std::uint32_t index, double scale, double offset) const noexcept {
    Reading r;
    r.channel = config_.first_channel + index;
    r.scale = scale;
    r.offset = offset;
    r.status = ReadingStatus::timeout;
    return r;
  }

  std::error_code count(std::error_code ec) noexcept {
    if (ec) ++stats_.bus_errors;
    return ec;
  }

  std::size_t give_up(std::span<Reading> out) noexcept {
    ++stats_.timeouts;
    out[0].timestamp = out[1].timestamp = Reading::clock::now();
    return 2;
  }

  void fill(Reading& r, const Sht3xWord& word, Reading::clock::time_point stamp) noexcept {
    r.timestamp = stamp;
    if (word.crc_ok) {
      r.raw = word.raw;
      r.status = ReadingStatus::ok;
    } else {
      ++stats_.checksum_mismatches;
      r.status = ReadingStatus::checksum_mismatch;
    }
  }

  Bus& bus_;
  Sht3xConfig config_;
  BusStats stats_{};
};

}  // namespace device
EDGEMPC_END_NAMESPACE
