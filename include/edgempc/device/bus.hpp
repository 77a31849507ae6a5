// SPDX-License-Identifier: Apache-2.0
// The bus interfaces sensor adapters are written against: I2C, SPI and a serial port.
//
// They are concepts, not abstract classes, for the reason Transport is one: the bus of a given
// adapter is known when the gateway is built, so a concept costs no vtable, no heap object and
// no indirect call per transfer, and a test's fake bus is any plain struct with the right
// member functions (tests/unit/device_*_test.cpp have several). The adapters (sht3x.hpp,
// mcp3008.hpp, modbus_rtu.hpp, nmea.hpp) are class templates over these concepts and hold the
// bus by reference, so one bus object can be shared and a test can inspect its fake.
//
// Bus operations report failure as a std::error_code, never by throwing: a NACK, a glitch or a
// silent device is an everyday event on a sensor bus, and the adapter turns it into a retry or
// a Reading status. Errors from the OS keep their errno (std::system_category); a wait that
// reached its deadline is std::errc::timed_out.
//
// I2cBus, for a bus `b` bound to one device address (as Linux i2c-dev binds it with
// I2C_SLAVE), `out` a std::span<const std::uint8_t>, `in` a std::span<std::uint8_t>:
//
// | expression            | type            | semantics                                           |
// | --------------------- | --------------- | --------------------------------------------------- |
// | b.write(out)          | std::error_code | one write transaction (start, address+W, out, stop) |
// | b.read(in)            | IoResult        | one read transaction; count is how many bytes came  |
// | b.write_read(out, in) | IoResult        | write then read with a repeated start in between    |
// |                       |                 | (no stop), so no other master can slip in           |
//
// SpiBus, for a device `s` on its own chip select:
//
// | expression            | type            | semantics                                           |
// | --------------------- | --------------- | --------------------------------------------------- |
// | s.transfer(out, in)   | std::error_code | full duplex: clocks out.size() bytes out while      |
// |                       |                 | reading as many into `in` (sizes must be equal)     |
//
// SerialPort, for a port `p` and a deadline `d`:
//
// | expression            | type            | semantics                                           |
// | --------------------- | --------------- | --------------------------------------------------- |
// | p.write(out, d)       | std::error_code | all of out, or an error; never blocks past d        |
// | p.read(in, d)         | IoResult        | waits until at least one byte is there or d passes, |
// |                       |                 | then returns what is there (up to in.size())        |
// | p.discard_input()     | std::error_code | drops bytes received and not yet read, so a late    |
// |                       |                 | answer to an earlier request is not taken for the   |
// |                       |                 | answer to the next                                  |
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <system_error>

#include "edgempc/device/adapter.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

/// What a read gave: how many bytes arrived, and why it stopped short if it did.
struct IoResult {
  std::size_t count = 0;
  std::error_code error{};

  [[nodiscard]] bool ok() const noexcept { return !error; }
};

template <class B>
concept I2cBus = requires(B& b, std::span<const std::uint8_t> out, std::span<std::uint8_t> in) {
  { b.write(out) } -> std::same_as<std::error_code>;
  { b.read(in) } -> std::same_as<IoResult>;
  { b.write_read(out, in) } -> std::same_as<IoResult>;
};

template <class B>
concept SpiBus = requires(B& b, std::span<const std::uint8_t> out, std::span<std::uint8_t> in) {
  { b.transfer(out, in) } -> std::same_as<std::error_code>;
};

template <class P>
concept SerialPort = requires(P& p, std::span<const std::uint8_t> out, std::span<std::uint8_t> in, Deadline d) {
  { p.write(out, d) } -> std::same_as<std::error_code>;
  { p.read(in, d) } -> std::same_as<IoResult>;
  { p.discard_input() } -> std::same_as<std::error_code>;
};

/// Counters an adapter keeps about its bus, so a gateway can tell a flaky wire from a dead
/// sensor. A retry is an attempt after the first in one poll.
struct BusStats {
  std::uint64_t polls = 0;
  std::uint64_t retries = 0;
  std::uint64_t bus_errors = 0;
  std::uint64_t checksum_mismatches = 0;
  std::uint64_t timeouts = 0;
  friend bool operator==(const BusStats&, const BusStats&) = default;
};

}  // namespace device
EDGEMPC_END_NAMESPACE
