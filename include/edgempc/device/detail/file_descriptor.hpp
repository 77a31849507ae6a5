// SPDX-License-Identifier: Apache-2.0
// An owned POSIX file descriptor, and the errno helpers the Linux buses share.
#pragma once

#if defined(__linux__)

#include <cerrno>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <unistd.h>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device::detail {

/// Closes its descriptor when destroyed; movable, not copyable, so exactly one owner closes it.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] explicit operator bool() const noexcept { return fd_ >= 0; }

  void reset(int fd = -1) noexcept {
    // close() is not retried on EINTR: on Linux the descriptor is released even then, and a
    // second close could hit a descriptor another thread has just been given.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

/// errno as a std::error_code, for bus operations that report instead of throw.
[[nodiscard]] inline std::error_code last_os_error() noexcept { return {errno, std::system_category()}; }

/// Throws edgempc::error with `code` and the OS's text for `err`: "what path: text".
[[noreturn]] inline void throw_os_error(errc code, std::string_view what, std::string_view path, int err) {
  std::string context(what);
  context += ' ';
  context += path;
  context += ": ";
  context += std::system_category().message(err);
  throw error(code, context);
}

/// An open or ioctl failure: a device node that is not there or not ours is connection_lost;
/// one that exists but refuses the request (wrong kind of device, a value it cannot take) is
/// invalid_argument.
[[noreturn]] inline void throw_open_error(std::string_view what, std::string_view path, int err) {
  const bool refused = err == EINVAL || err == ENOTTY || err == EOPNOTSUPP;
  throw_os_error(refused ? errc::invalid_argument : errc::connection_lost, what, path, err);
}

}  // namespace device::detail
EDGEMPC_END_NAMESPACE

#endif  // __linux__
