// SPDX-License-Identifier: Apache-2.0
// Modbus RTU "read holding registers" (function 0x03) over a serial port: the request, the
// reply parser, and ModbusRtu, an Adapter with one channel per register.
//
// Request:  slave | 0x03 | first register (2, big-endian) | count (2, big-endian) | CRC (2)
// Reply:    slave | 0x03 | byte count = 2 * count | registers (2 each, big-endian) | CRC (2)
// Exception reply: slave | 0x83 | exception code | CRC (2)
// The CRC is CRC-16/MODBUS over everything before it, low byte first (crc.hpp).
//
// RTU has no frame delimiter: a frame ends with a silence. The reader here knows how long a
// reply must be once its third byte is in, stops there, and otherwise ends the frame after a
// gap of config.frame_gap with no byte. The specification's gap (3.5 characters, 1.75 ms above
// 19200 baud) is shorter than what USB serial adapters and a busy scheduler deliver, so the
// default is 20 ms; a gap taken too early only cuts a frame short, and that is caught.
//
// Statuses, for every channel of a poll: no byte before the deadline -> timeout; a frame cut
// short or with a wrong CRC -> checksum_mismatch; an exception reply, or a well-formed reply
// that does not answer this request (another slave, a wrong byte count) -> missing, with the
// details in last_reply(). An I/O error of the port is retried with the config's backoff.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>
#include <utility>
#include <vector>

#include "edgempc/device/adapter.hpp"
#include "edgempc/device/bus.hpp"
#include "edgempc/device/crc.hpp"
#include "edgempc/device/reading.hpp"
#include "edgempc/device/retry.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

inline constexpr std::uint8_t modbus_read_holding_registers = 0x03;
inline constexpr std::size_t modbus_max_registers = 125;  ///< per request, by the specification
inline constexpr std::size_t modbus_max_frame = 256;      ///< an RTU frame's maximum size

/// The 8-byte request for `count` holding registers from `first` on `slave`.
[[nodiscard]] constexpr std::array<std::uint8_t, 8> modbus_read_holding_request(std::uint8_t slave, std::uint16_t first,
                                                                                std::uint16_t count) noexcept {
  std::array<std::uint8_t, 8> frame{slave,
                                    modbus_read_holding_registers,
                                    static_cast<std::uint8_t>(first >> 8),
                                    static_cast<std::uint8_t>(first & 0xFFU),
                                    static_cast<std::uint8_t>(count >> 8),
                                    static_cast<std::uint8_t>(count & 0xFFU),
                                    0,
                                    0};
  const std::uint16_t crc = crc16_modbus(std::span<const std::uint8_t>(frame).first(6));
  frame[6] = static_cast<std::uint8_t>(crc & 0xFFU);
  frame[7] = static_cast<std::uint8_t>(crc >> 8);
  return frame;
}

/// The whole size of a reply whose first bytes are `head`, or 0 while that is not known yet
/// (fewer than 3 bytes). An unknown function gives modbus_max_frame: read until the gap.
[[nodiscard]] constexpr std::size_t modbus_reply_size(std::span<const std::uint8_t> head) noexcept {
  if (head.size() < 2) return 0;
  if ((head[1] & 0x80U) != 0) return 5;
  if (head[1] != modbus_read_holding_registers) return modbus_max_frame;
  if (head.size() < 3) return 0;
  return std::size_t{5} + head[2];
}

enum class ModbusStatus : std::uint8_t {
  ok,
  short_frame,  ///< fewer bytes than the frame must have
  bad_crc,
  exception,    ///< the slave answered with an exception code
  unexpected,   ///< a valid frame that does not answer this request
};

struct ModbusReply {
  ModbusStatus status = ModbusStatus::short_frame;
  std::uint8_t exception_code = 0;  ///< for exception: 1 illegal function, 2 illegal address, ...
};

/// Checks a reply to read holding registers from `slave` and, when it is ok, writes its
/// registers to `registers` (whose size is the count that was asked for).
[[nodiscard]] constexpr ModbusReply parse_read_holding_reply(std::span<const std::uint8_t> frame, std::uint8_t slave,
                                                             std::span<std::uint16_t> registers) noexcept {
  const std::size_t size = modbus_reply_size(frame);
  const bool known = frame.size() >= 2 && ((frame[1] & 0x80U) != 0 || frame[1] == modbus_read_holding_registers);
  if (size == 0 || frame.size() < 4 || (known && frame.size() < size)) return {ModbusStatus::short_frame};
  // An unknown function has no length to go by: the CRC is in the last two bytes received.
  const std::size_t end = known ? size : frame.size();
  const std::uint16_t crc = crc16_modbus(frame.first(end - 2));
  if (frame[end - 2] != (crc & 0xFFU) || frame[end - 1] != (crc >> 8)) return {ModbusStatus::bad_crc};
  if (!known || frame.size() != end || frame[0] != slave) return {ModbusStatus::unexpected};
  if (frame[1] == (modbus_read_holding_registers | 0x80U)) return {ModbusStatus::exception, frame[2]};
  if (frame[1] != modbus_read_holding_registers || frame[2] != 2 * registers.size()) return {ModbusStatus::unexpected};
  for (std::size_t i = 0; i < registers.size(); ++i)
    registers[i] = static_cast<std::uint16_t>(frame[3 + 2 * i] << 8 | frame[4 + 2 * i]);
  return {ModbusStatus::ok};
}

/// How to read one register as a value: (raw + offset) * scale, raw signed or unsigned.
struct ModbusRegister {
  double scale = 1.0;
  double offset = 0.0;
  bool is_signed = false;  ///< two's complement int16 rather than uint16
};

struct ModbusConfig {
  std::uint8_t slave = 1;  ///< 1 .. 247
  std::uint16_t first_register = 0;
  std::uint16_t count = 1;  ///< 1 .. 125 registers, one channel each
  std::vector<ModbusRegister> formats{};  ///< empty (all unsigned, scale 1) or one per register
  std::uint32_t first_channel = 0;
  std::chrono::microseconds frame_gap{20'000};
  RetryPolicy retry{};
};

template <SerialPort Port>
class ModbusRtu {
 public:
  /// Keeps a reference to `port`, which must outlive the adapter.
  ModbusRtu(Port& port, ModbusConfig config) : port_(port), config_(std::move(config)) {
    config_.retry.validate();
    if (config_.slave < 1 || config_.slave > 247) throw error(errc::invalid_argument, "ModbusRtu: slave address must be 1 .. 247");
    if (config_.count < 1 || config_.count > modbus_max_registers)
      throw error(errc::invalid_argument, "ModbusRtu: between 1 and 125 registers per request");
    if (config_.formats.empty()) config_.formats.resize(config_.count);
    if (config_.formats.size() != config_.count)
      throw error(errc::size_mismatch, "ModbusRtu: formats must be empty or one per register");
    if (config_.frame_gap.count() <= 0) throw error(errc::invalid_argument, "ModbusRtu: frame_gap must be positive");
    request_ = modbus_read_holding_request(config_.slave, config_.first_register, config_.count);
    registers_.resize(config_.count);
  }

  [[nodiscard]] std::size_t channels() const noexcept { return config_.count; }

  std::size_t poll(Deadline deadline, std::span<Reading> out) {
    const std::size_t n = config_.count;
    if (out.size() < n) throw error(errc::size_mismatch, "ModbusRtu::poll: out is shorter than channels()");
    ++stats_.polls;
    std::array<std::uint8_t, modbus_max_frame> frame{};
    std::size_t have = 0;
    const auto done = retry_with_backoff(config_.retry, deadline, [&] { return transact(frame, have, deadline); });
    stats_.retries += done.attempts > 1 ? done.attempts - 1 : 0;

    ReadingStatus status = ReadingStatus::timeout;
    if (!done.ok() || have == 0) {
      last_reply_ = {ModbusStatus::short_frame};
      ++stats_.timeouts;
    } else {
      last_reply_ = parse_read_holding_reply(std::span<const std::uint8_t>(frame).first(have), config_.slave, registers_);
      switch (last_reply_.status) {
        case ModbusStatus::ok: status = ReadingStatus::ok; break;
        case ModbusStatus::short_frame:
        case ModbusStatus::bad_crc:
          ++stats_.checksum_mismatches;
          status = ReadingStatus::checksum_mismatch;
          break;
        case ModbusStatus::exception:
        case ModbusStatus::unexpected: status = ReadingStatus::missing; break;
      }
    }
    const auto stamp = Reading::clock::now();
    for (std::size_t i = 0; i < n; ++i) {
      const ModbusRegister& f = config_.formats[i];
      Reading& r = out[i];
      r = Reading{};
      r.channel = config_.first_channel + static_cast<std::uint32_t>(i);
      r.scale = f.scale;
      r.offset = f.offset;
      r.timestamp = stamp;
      r.status = status;
      if (status == ReadingStatus::ok)
        r.raw = f.is_signed ? std::int64_t{static_cast<std::int16_t>(registers_[i])} : std::int64_t{registers_[i]};
    }
    return n;
  }

  /// How the last poll's reply parsed (short_frame after a silence), with any exception code.
  [[nodiscard]] ModbusReply last_reply() const noexcept { return last_reply_; }
  [[nodiscard]] const BusStats& stats() const noexcept { return stats_; }

 private:
  // One request and its reply. Returns an error only for a port I/O error (worth a retry);
  // silence and bad frames are left in `have` and `frame` for the caller to judge.
  std::error_code transact(std::span<std::uint8_t> frame, std::size_t& have, Deadline deadline) {
    have = 0;
    if (const auto ec = port_.discard_input()) return io_error(ec);
    if (const auto ec = port_.write(request_, deadline)) return ec == std::errc::timed_out ? std::error_code{} : io_error(ec);
    std::size_t expected = 0;
    auto last_byte = std::chrono::steady_clock::now();
    for (;;) {
      // Ask only for what the frame still needs, so nothing after it is swallowed.
      const std::size_t want = expected != 0 ? expected - have : 3 - have;
      const Deadline until = have == 0 ? deadline : std::min(deadline, last_byte + config_.frame_gap);
      const IoResult got = port_.read(frame.subspan(have, want), until);
      if (got.count > 0) {
        have += got.count;
        last_byte = std::chrono::steady_clock::now();
        if (expected == 0) expected = std::min(modbus_reply_size(frame.first(have)), frame.size());
        if (expected != 0 && have >= expected) return {};
        continue;
      }
      if (!got.error || got.error == std::errc::timed_out) return {};
      return io_error(got.error);
    }
  }

  std::error_code io_error(std::error_code ec) noexcept {
    ++stats_.bus_errors;
    return ec;
  }

  Port& port_;
  ModbusConfig config_;
  std::array<std::uint8_t, 8> request_{};
  std::vector<std::uint16_t> registers_;
  ModbusReply last_reply_{};
  BusStats stats_{};
};

}  // namespace device
EDGEMPC_END_NAMESPACE
