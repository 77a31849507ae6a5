// SPDX-License-Identifier: Apache-2.0
// TermiosSerial: a UART (or USB serial adapter, or pseudo-terminal) through POSIX termios;
// models SerialPort (bus.hpp).
//
// The port is put in raw mode (cfmakeraw: no echo, no line editing, no CR/LF translation, 8
// data bits), so binary frames such as Modbus RTU pass unchanged. Timing is done with ppoll(2)
// against the caller's deadline, not with the terminal's VMIN/VTIME timer: VTIME counts in
// tenths of a second, too coarse for a Modbus gap of a few milliseconds, and it cannot be
// combined with an absolute deadline. VMIN = 0 and VTIME = 0 make read(2) return at once with
// whatever has arrived, and the descriptor is non-blocking as well, so no call can hang.
//
// Opening throws edgempc::error: connection_lost when the node cannot be opened,
// invalid_argument for a node that is not a terminal or an unsupported baud rate. Reads and
// writes never throw; they return the errno, std::errc::timed_out at the deadline, and
// std::errc::io_error when the other end has hung up.
#pragma once

#if defined(__linux__)

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "edgempc/device/bus.hpp"
#include "edgempc/device/detail/file_descriptor.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

enum class Parity : std::uint8_t { none, even, odd };

struct SerialConfig {
  std::uint32_t baud = 9600;
  Parity parity = Parity::none;
  std::uint8_t stop_bits = 1;  ///< 1 or 2 (Modbus RTU without parity asks for 2; many devices use 1)
};

namespace detail {

[[nodiscard]] constexpr speed_t termios_speed(std::uint32_t baud) noexcept {
  switch (baud) {
    case 1200: return B1200;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 500000: return B500000;
    case 921600: return B921600;
    case 1000000: return B1000000;
    case 1500000: return B1500000;
    case 2000000: return B2000000;
    case 3000000: return B3000000;
    case 4000000: return B4000000;
    default: return B0;
  }
}

/// Waits with ppoll until `fd` has one of `events` or the deadline passes. Returns the revents
/// (0 at the deadline) or an error. ppoll's nanosecond timeout lets it end at the deadline
/// instead of up to a millisecond after it, as poll's would.
struct WaitResult {
  short revents = 0;
  std::error_code error{};
};

[[nodiscard]] inline WaitResult wait_fd(int fd, short events, Deadline deadline) noexcept {
  for (;;) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return {};
    const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - now).count();
    timespec timeout{};
    timeout.tv_sec = static_cast<time_t>(left / 1'000'000'000);
    timeout.tv_nsec = static_cast<long>(left % 1'000'000'000);
    pollfd p{fd, events, 0};
    const int rc = ::ppoll(&p, 1, &timeout, nullptr);
    if (rc > 0) return {p.revents, {}};
    if (rc < 0 && errno != EINTR) return {0, last_os_error()};
  }
}

}  // namespace detail

class TermiosSerial {
 public:
  /// Opens `path` (such as "/dev/ttyUSB0", "/dev/ttyAMA0" or a pty's slave) and configures it.
  TermiosSerial(std::string_view path, const SerialConfig& config) {
    const speed_t speed = detail::termios_speed(config.baud);
    if (speed == B0) throw error(errc::invalid_argument, "TermiosSerial: unsupported baud rate " + std::to_string(config.baud));
    if (config.stop_bits != 1 && config.stop_bits != 2)
      throw error(errc::invalid_argument, "TermiosSerial: stop_bits must be 1 or 2");
    const std::string p(path);
    // O_NOCTTY: a gateway daemon must not get the sensor port as its controlling terminal.
    // O_NONBLOCK: open must not wait for a modem's carrier line, and I/O must never block.
    fd_ = detail::UniqueFd(::open(p.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!fd_) detail::throw_open_error("TermiosSerial: cannot open", p, errno);
    termios tio{};
    if (::tcgetattr(fd_.get(), &tio) < 0) detail::throw_open_error("TermiosSerial: not a terminal:", p, errno);
    ::cfmakeraw(&tio);
    tio.c_cflag |= CLOCAL | CREAD;  // ignore modem lines; enable the receiver
    tio.c_cflag &= ~static_cast<tcflag_t>(PARENB | PARODD | CSTOPB | CRTSCTS);
    if (config.parity != Parity::none) {
      tio.c_cflag |= PARENB;
      if (config.parity == Parity::odd) tio.c_cflag |= PARODD;
      // Drop bytes that fail the parity check: the frame comes up short and its CRC fails,
      // which the decoder reports, instead of a byte silently read as 0.
      tio.c_iflag |= INPCK | IGNPAR;
    }
    if (config.stop_bits == 2) tio.c_cflag |= CSTOPB;
    tio.c_cc[VMIN] = 0;
    tio.c_cc[VTIME] = 0;
    if (::cfsetispeed(&tio, speed) < 0 || ::cfsetospeed(&tio, speed) < 0)
      detail::throw_open_error("TermiosSerial: cannot set the baud rate of", p, errno);
    if (::tcsetattr(fd_.get(), TCSANOW, &tio) < 0) detail::throw_open_error("TermiosSerial: tcsetattr failed on", p, errno);
    // tcsetattr succeeds if any of the changes took; read back the one a driver may refuse.
    termios applied{};
    if (::tcgetattr(fd_.get(), &applied) < 0 || ::cfgetospeed(&applied) != speed)
      throw error(errc::invalid_argument, "TermiosSerial: " + p + " did not accept " + std::to_string(config.baud) + " baud");
    // Whatever arrived before we were ready belongs to nobody.
    ::tcflush(fd_.get(), TCIOFLUSH);
  }

  /// Writes all of `out`, waiting for room in the driver's buffer until the deadline.
  [[nodiscard]] std::error_code write(std::span<const std::uint8_t> out, Deadline deadline) {
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t n = ::write(fd_.get(), out.data() + done, out.size() - done);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) return detail::last_os_error();
      const auto waited = detail::wait_fd(fd_.get(), POLLOUT, deadline);
      if (waited.error) return waited.error;
      if (waited.revents == 0) return std::make_error_code(std::errc::timed_out);
      if ((waited.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return std::make_error_code(std::errc::io_error);
    }
    return {};
  }

  /// Waits until at least one byte has arrived or the deadline passes; returns what is there.
  [[nodiscard]] IoResult read(std::span<std::uint8_t> in, Deadline deadline) {
    if (in.empty()) return {};
    bool told_readable = false;
    for (;;) {
      const ssize_t n = ::read(fd_.get(), in.data(), in.size());
      if (n > 0) return {static_cast<std::size_t>(n), {}};
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN) return {0, detail::last_os_error()};
      // Nothing there (VMIN = VTIME = 0 makes that 0 rather than EAGAIN). Right after ppoll
      // said readable, it is end of file: the other end has hung up.
      if (told_readable) return {0, std::make_error_code(std::errc::io_error)};
      const auto waited = detail::wait_fd(fd_.get(), POLLIN, deadline);
      if (waited.error) return {0, waited.error};
      if (waited.revents == 0) return {0, std::make_error_code(std::errc::timed_out)};
      if ((waited.revents & POLLIN) == 0) return {0, std::make_error_code(std::errc::io_error)};
      told_readable = true;
    }
  }

  [[nodiscard]] std::error_code discard_input() {
    if (::tcflush(fd_.get(), TCIFLUSH) < 0) return detail::last_os_error();
    return {};
  }

  [[nodiscard]] int native_handle() const noexcept { return fd_.get(); }

 private:
  detail::UniqueFd fd_;
};

static_assert(SerialPort<TermiosSerial>);

}  // namespace device
EDGEMPC_END_NAMESPACE

#endif  // __linux__
