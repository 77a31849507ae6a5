// SPDX-License-Identifier: Apache-2.0
// Mcp3008: an MCP3008-style 10-bit, 8-input SPI ADC, as an Adapter with one channel per
// selected input (in volts).
//
// Each conversion is one 3-byte full-duplex transfer (datasheet section 6.1, "8-bit segments"):
//
//   MOSI  0000 0001 | S D2 D1 D0 xxxx | xxxx xxxx      S = 1 single-ended, 0 differential
//   MISO  ???? ???? | ???? ?0 B9 B8   | B7 .. B0       0 = the null bit before the result
//
// The null bit is the only framing SPI gives: a missing or unpowered chip leaves MISO floating,
// usually high, so a null bit of 1 marks the transfer as garbage (checksum_mismatch) rather
// than reading 1023. The value is kept as IIO raw/scale: volts = raw * vref / 1024.
// A failed transfer is retried with backoff; if it keeps failing the input is timeout.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <system_error>

#include "edgempc/device/adapter.hpp"
#include "edgempc/device/bus.hpp"
#include "edgempc/device/reading.hpp"
#include "edgempc/device/retry.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

/// One conversion to ask for: input 0..7 single-ended, or in differential mode the pair the
/// datasheet numbers 0..7 (0 = CH0+ CH1-, 1 = CH0- CH1+, ...).
struct Mcp3008Input {
  std::uint8_t input = 0;
  bool differential = false;
};

/// The three bytes to clock out for one conversion.
[[nodiscard]] constexpr std::array<std::uint8_t, 3> mcp3008_command(Mcp3008Input in) noexcept {
  const auto select = static_cast<std::uint8_t>((in.differential ? 0x00U : 0x80U) | (in.input & 0x07U) << 4);
  return {0x01, select, 0x00};
}

/// The 10-bit result from the three bytes clocked in, or nothing when the null bit is not 0.
[[nodiscard]] constexpr std::optional<std::uint16_t> mcp3008_decode(std::span<const std::uint8_t, 3> in) noexcept {
  if ((in[1] & 0x04U) != 0) return std::nullopt;
  return static_cast<std::uint16_t>((in[1] & 0x03U) << 8 | in[2]);
}

struct Mcp3008Config {
  double vref = 3.3;  ///< the reference voltage on VREF, in volts
  std::uint32_t first_channel = 0;
  RetryPolicy retry{};
};

template <SpiBus Bus>
class Mcp3008 {
 public:
  static constexpr std::size_t max_inputs = 8;

  /// Keeps a reference to `bus`, which must outlive the adapter. `inputs` (1 to 8) become
  /// channels first_channel, first_channel + 1, ... in this order.
  Mcp3008(Bus& bus, std::span<const Mcp3008Input> inputs, const Mcp3008Config& config = {})
      : bus_(bus), config_(config), count_(inputs.size()) {
    config_.retry.validate();
    if (inputs.empty() || inputs.size() > max_inputs)
      throw error(errc::invalid_argument, "Mcp3008: between 1 and 8 inputs");
    if (!(config.vref > 0.0)) throw error(errc::invalid_argument, "Mcp3008: vref must be positive");
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].input > 7) throw error(errc::invalid_argument, "Mcp3008: inputs are numbered 0 .. 7");
      inputs_[i] = inputs[i];
    }
  }
  Mcp3008(Bus& bus, std::initializer_list<Mcp3008Input> inputs, const Mcp3008Config& config = {})
      : Mcp3008(bus, std::span<const Mcp3008Input>(inputs.begin(), inputs.size()), config) {}

  [[nodiscard]] std::size_t channels() const noexcept { return count_; }

  std::size_t poll(Deadline deadline, std::span<Reading> out) {
    if (out.size() < count_) throw error(errc::size_mismatch, "Mcp3008::poll: out is shorter than channels()");
    ++stats_.polls;
    for (std::size_t i = 0; i < count_; ++i) out[i] = convert(i, deadline);
    return count_;
  }

  [[nodiscard]] const BusStats& stats() const noexcept { return stats_; }

 private:
  Reading convert(std::size_t i, Deadline deadline) {
    Reading r;
    r.channel = config_.first_channel + static_cast<std::uint32_t>(i);
    r.scale = config_.vref / 1024.0;
    const auto command = mcp3008_command(inputs_[i]);
    std::array<std::uint8_t, 3> answer{};
    const auto done = retry_with_backoff(config_.retry, deadline, [&] {
      const std::error_code ec = bus_.transfer(command, answer);
      if (ec) ++stats_.bus_errors;
      return ec;
    });
    stats_.retries += done.attempts > 1 ? done.attempts - 1 : 0;
    r.timestamp = Reading::clock::now();
    if (!done.ok()) {
      ++stats_.timeouts;
      r.status = ReadingStatus::timeout;
    } else if (const auto code = mcp3008_decode(answer)) {
      r.raw = *code;
      r.status = ReadingStatus::ok;
    } else {
      ++stats_.checksum_mismatches;
      r.status = ReadingStatus::checksum_mismatch;
    }
    return r;
  }

  Bus& bus_;
  Mcp3008Config config_;
  std::array<Mcp3008Input, max_inputs> inputs_{};
  std::size_t count_;
  BusStats stats_{};
};

}  // namespace device
EDGEMPC_END_NAMESPACE
