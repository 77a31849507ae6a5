// SPDX-License-Identifier: Apache-2.0
// I2cDev: one device on a Linux I2C bus through i2c-dev (/dev/i2c-N); models I2cBus (bus.hpp).
//
// The descriptor is bound to one 7-bit address with ioctl(I2C_SLAVE) when it is opened, so
// plain read(2)/write(2) are single transactions with that device. write_read goes through
// ioctl(I2C_RDWR) with two messages, which the adapter driver runs as one combined
// transaction (repeated start, no stop in between), as register reads need. Several devices on
// one bus are several I2cDev objects: Linux lets a bus node be opened many times, each
// descriptor with its own address.
//
// Opening throws edgempc::error (connection_lost when the node cannot be opened, invalid_argument
// for a bad address or a node that is not an i2c-dev, unsupported for an adapter that can only
// do SMBus). Transfers never throw; they return the errno. Linux reports a device that does not
// acknowledge its address as ENXIO or EREMOTEIO (depending on the adapter driver) — that is
// how a busy SHT3x says "not yet".
//
// WARNING: a transfer is bounded by the adapter driver's own timeout (often 1 s, settable
// bus-wide with ioctl(I2C_TIMEOUT)), not by a poll's deadline: i2c-dev offers no way to abandon
// a transfer in flight. A healthy bus finishes a 6-byte read in well under a millisecond.
#pragma once

#if defined(__linux__)

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "edgempc/device/bus.hpp"
#include "edgempc/device/detail/file_descriptor.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

class I2cDev {
 public:
  /// i2c-dev limits one message to 8192 bytes.
  static constexpr std::size_t max_message_size = 8192;

  /// Opens `path` (such as "/dev/i2c-1") for the device at 7-bit `address` (0x03 .. 0x77; the
  /// others are reserved by the I2C specification).
  I2cDev(std::string_view path, std::uint16_t address) : address_(address) {
    if (address < 0x03 || address > 0x77)
      throw error(errc::invalid_argument, "I2cDev: address " + std::to_string(address) + " is not a 7-bit device address");
    const std::string p(path);
    fd_ = detail::UniqueFd(::open(p.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd_) detail::throw_open_error("I2cDev: cannot open", p, errno);
    unsigned long funcs = 0;
    if (::ioctl(fd_.get(), I2C_FUNCS, &funcs) < 0) detail::throw_open_error("I2cDev: I2C_FUNCS failed on", p, errno);
    // read(2), write(2) and I2C_RDWR all need plain I2C transfers; an SMBus-only adapter
    // would fail every one of them, so say so now rather than on every poll.
    if ((funcs & I2C_FUNC_I2C) == 0) throw error(errc::unsupported, "I2cDev: " + p + " can only do SMBus transfers");
    // I2C_SLAVE (not I2C_SLAVE_FORCE): if a kernel driver owns the device, EBUSY tells the
    // user to unbind it instead of letting two drivers talk to one chip.
    if (::ioctl(fd_.get(), I2C_SLAVE, static_cast<unsigned long>(address)) < 0)
      detail::throw_open_error("I2cDev: I2C_SLAVE " + std::to_string(address) + " failed on", p, errno);
  }

  /// "/dev/i2c-<number>".
  [[nodiscard]] static I2cDev bus(unsigned number, std::uint16_t address) {
    return I2cDev("/dev/i2c-" + std::to_string(number), address);
  }

  [[nodiscard]] std::error_code write(std::span<const std::uint8_t> out) {
    if (out.size() > max_message_size) return std::make_error_code(std::errc::message_size);
    ssize_t n = 0;
    do n = ::write(fd_.get(), out.data(), out.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return detail::last_os_error();
    if (static_cast<std::size_t>(n) != out.size()) return std::make_error_code(std::errc::io_error);
    return {};
  }

  [[nodiscard]] IoResult read(std::span<std::uint8_t> in) {
    if (in.size() > max_message_size) return {0, std::make_error_code(std::errc::message_size)};
    ssize_t n = 0;
    do n = ::read(fd_.get(), in.data(), in.size());
    while (n < 0 && errno == EINTR);
    if (n < 0) return {0, detail::last_os_error()};
    return {static_cast<std::size_t>(n), {}};
  }

  [[nodiscard]] IoResult write_read(std::span<const std::uint8_t> out, std::span<std::uint8_t> in) {
    if (out.size() > max_message_size || in.size() > max_message_size)
      return {0, std::make_error_code(std::errc::message_size)};
    // i2c_msg::buf is not const for the write message too; the kernel only copies from it.
    i2c_msg messages[2] = {
        {address_, 0, static_cast<std::uint16_t>(out.size()), const_cast<std::uint8_t*>(out.data())},
        {address_, I2C_M_RD, static_cast<std::uint16_t>(in.size()), in.data()},
    };
    i2c_rdwr_ioctl_data request{messages, 2};
    int rc = 0;
    do rc = ::ioctl(fd_.get(), I2C_RDWR, &request);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) return {0, detail::last_os_error()};
    if (rc != 2) return {0, std::make_error_code(std::errc::io_error)};
    return {in.size(), {}};
  }

  [[nodiscard]] std::uint16_t address() const noexcept { return address_; }
  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }

 private:
  detail::UniqueFd fd_;
  std::uint16_t address_;
};

static_assert(I2cBus<I2cDev>);

}  // namespace device
EDGEMPC_END_NAMESPACE

#endif  // __linux__
