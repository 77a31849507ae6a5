// SPDX-License-Identifier: Apache-2.0
// SpiDev: one device on a Linux SPI bus through spidev (/dev/spidevB.C, bus B, chip select C);
// models SpiBus (bus.hpp).
//
// Mode, clock and word size are set once at open (SPI_IOC_WR_MODE, SPI_IOC_WR_MAX_SPEED_HZ,
// SPI_IOC_WR_BITS_PER_WORD) and read back, because a controller may round the clock down or
// refuse a mode; the values it took are what speed_hz() and mode() report. Each transfer is one
// SPI_IOC_MESSAGE(1): chip select held for the whole buffer, full duplex.
//
// Opening throws edgempc::error (connection_lost when the node cannot be opened,
// invalid_argument for a setting the controller refuses or a node that is not spidev).
// Transfers never throw; they return the errno. SPI has no acknowledge, so a missing device is
// not an error here: it reads as whatever the MISO line floats to, and the decoder must check.
#pragma once

#if defined(__linux__)

#include <cerrno>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <linux/spi/spidev.h>
#include <sys/ioctl.h>

#include "edgempc/device/bus.hpp"
#include "edgempc/device/detail/file_descriptor.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

struct SpiConfig {
  std::uint8_t mode = 0;              ///< 0 .. 3: clock polarity (CPOL) << 1 | clock phase (CPHA)
  std::uint32_t speed_hz = 1'000'000;  ///< the highest clock the device allows
  std::uint8_t bits_per_word = 8;
};

class SpiDev {
 public:
  /// Opens `path` (such as "/dev/spidev0.0") and applies `config`.
  SpiDev(std::string_view path, const SpiConfig& config) {
    if (config.mode > 3) throw error(errc::invalid_argument, "SpiDev: mode must be 0 .. 3");
    if (config.speed_hz == 0) throw error(errc::invalid_argument, "SpiDev: speed_hz must not be 0");
    if (config.bits_per_word == 0) throw error(errc::invalid_argument, "SpiDev: bits_per_word must not be 0");
    const std::string p(path);
    fd_ = detail::UniqueFd(::open(p.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd_) detail::throw_open_error("SpiDev: cannot open", p, errno);
    std::uint8_t mode = config.mode;
    std::uint32_t speed = config.speed_hz;
    std::uint8_t bits = config.bits_per_word;
    if (::ioctl(fd_.get(), SPI_IOC_WR_MODE, &mode) < 0) detail::throw_open_error("SpiDev: SPI_IOC_WR_MODE failed on", p, errno);
    if (::ioctl(fd_.get(), SPI_IOC_WR_MAX_SPEED_HZ, &speed) < 0)
      detail::throw_open_error("SpiDev: SPI_IOC_WR_MAX_SPEED_HZ failed on", p, errno);
    if (::ioctl(fd_.get(), SPI_IOC_WR_BITS_PER_WORD, &bits) < 0)
      detail::throw_open_error("SpiDev: SPI_IOC_WR_BITS_PER_WORD failed on", p, errno);
    if (::ioctl(fd_.get(), SPI_IOC_RD_MODE, &mode) < 0 || ::ioctl(fd_.get(), SPI_IOC_RD_MAX_SPEED_HZ, &speed) < 0)
      detail::throw_open_error("SpiDev: reading back the settings failed on", p, errno);
    mode_ = mode;
    speed_hz_ = speed;
    bits_per_word_ = bits;
  }

  /// Clocks out.size() bytes out and the same number in, chip select asserted throughout.
  [[nodiscard]] std::error_code transfer(std::span<const std::uint8_t> out, std::span<std::uint8_t> in) {
    if (out.size() != in.size()) return std::make_error_code(std::errc::invalid_argument);
    spi_ioc_transfer xfer{};
    xfer.tx_buf = reinterpret_cast<std::uintptr_t>(out.data());
    xfer.rx_buf = reinterpret_cast<std::uintptr_t>(in.data());
    xfer.len = static_cast<std::uint32_t>(out.size());
    xfer.speed_hz = speed_hz_;
    xfer.bits_per_word = bits_per_word_;
    int rc = 0;
    do rc = ::ioctl(fd_.get(), SPI_IOC_MESSAGE(1), &xfer);
    while (rc < 0 && errno == EINTR);
    if (rc < 0) return detail::last_os_error();
    return {};
  }

  [[nodiscard]] std::uint8_t mode() const noexcept { return mode_; }
  [[nodiscard]] std::uint32_t speed_hz() const noexcept { return speed_hz_; }
  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }

 private:
  detail::UniqueFd fd_;
  std::uint8_t mode_ = 0;
  std::uint32_t speed_hz_ = 0;
  std::uint8_t bits_per_word_ = 8;
};

static_assert(SpiBus<SpiDev>);

}  // namespace device
EDGEMPC_END_NAMESPACE

#endif  // __linux__
