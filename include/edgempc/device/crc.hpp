// SPDX-License-Identifier: Apache-2.0
// The three checksums sensor buses use: CRC-8 of Sensirion sensors, CRC-16 of Modbus RTU, and
// the XOR checksum of NMEA 0183 sentences.
//
// All constexpr, so a frame built at compile time (a fixed Modbus request) carries its CRC
// without running code, and the tests check the published vectors with static_assert.
//
// | function                  | polynomial              | init   | vector                        |
// | ------------------------- | ----------------------- | ------ | ----------------------------- |
// | crc8_sensirion(bytes)     | 0x31 (x^8+x^5+x^4+1)    | 0xFF   | BE EF -> 0x92                 |
// | crc16_modbus(bytes)       | 0xA001 (0x8005 mirrored)| 0xFFFF | 01 03 00 6B 00 03 -> 0x8776,  |
// |                           |                         |        | sent low byte first: 76 87    |
// | nmea_checksum(text)       | XOR of every character  | 0      | GPGGA,123519,...  -> *47      |
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {
namespace detail {

// Byte-at-a-time tables: a sensor frame is a handful of bytes, so 256-entry tables (256 and
// 512 bytes, built at compile time) are the sweet spot; slicing-by-8 would not pay off.
consteval std::array<std::uint8_t, 256> make_crc8_table(std::uint8_t poly) {
  std::array<std::uint8_t, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    auto c = static_cast<std::uint8_t>(i);
    for (int bit = 0; bit < 8; ++bit)
      c = static_cast<std::uint8_t>((c & 0x80U) != 0 ? (c << 1) ^ poly : c << 1);
    table[i] = c;
  }
  return table;
}

// Modbus sends bits least significant first, hence the reflected (right-shifting) form.
consteval std::array<std::uint16_t, 256> make_crc16_reflected_table(std::uint16_t poly) {
  std::array<std::uint16_t, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    auto c = static_cast<std::uint16_t>(i);
    for (int bit = 0; bit < 8; ++bit)
      c = static_cast<std::uint16_t>((c & 1U) != 0 ? (c >> 1) ^ poly : c >> 1);
    table[i] = c;
  }
  return table;
}

inline constexpr auto crc8_sensirion_table = make_crc8_table(0x31);
inline constexpr auto crc16_modbus_table = make_crc16_reflected_table(0xA001);

}  // namespace detail

/// CRC-8 as Sensirion sensors append it to every 2-byte word (SHT3x, SHT4x, SGP30, SCD30...).
[[nodiscard]] constexpr std::uint8_t crc8_sensirion(std::span<const std::uint8_t> bytes) noexcept {
  std::uint8_t crc = 0xFF;
  for (const std::uint8_t b : bytes) crc = detail::crc8_sensirion_table[crc ^ b];
  return crc;
}

/// CRC-16/MODBUS. On the wire the low byte goes first (the one place Modbus is little-endian).
[[nodiscard]] constexpr std::uint16_t crc16_modbus(std::span<const std::uint8_t> bytes) noexcept {
  std::uint16_t crc = 0xFFFF;
  for (const std::uint8_t b : bytes)
    crc = static_cast<std::uint16_t>((crc >> 8) ^ detail::crc16_modbus_table[(crc ^ b) & 0xFFU]);
  return crc;
}

/// The NMEA 0183 checksum: XOR of the characters strictly between '$' and '*'. Pass just
/// that part; the caller decides where the sentence's body is.
[[nodiscard]] constexpr std::uint8_t nmea_checksum(std::string_view body) noexcept {
  std::uint8_t sum = 0;
  for (const char c : body) sum = static_cast<std::uint8_t>(sum ^ static_cast<std::uint8_t>(c));
  return sum;
}

}  // namespace device
EDGEMPC_END_NAMESPACE
