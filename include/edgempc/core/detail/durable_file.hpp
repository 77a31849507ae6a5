// SPDX-License-Identifier: Apache-2.0
// Files that survive a crash: an owned descriptor, whole writes and reads that retry EINTR, a
// directory sync (which makes a rename or unlink durable), and an atomic replace (write a
// temporary file, fsync it, rename it over the target, fsync the directory), so that a crash at
// any instruction leaves either the old file or the new one, never a mix or nothing. POSIX only;
// used by the gateway's store (platform/gateway/sqlite_store.hpp) and the device's seal sequence
// (platform/device/seal_sequence.hpp). Errors are errc::invalid_argument naming the path and errno.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <utility>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail {

/// An owned file descriptor.
class Fd {
 public:
  explicit Fd(int fd) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }
  /// Closes now and reports failure (a failed close can lose buffered data).
  void close() {
    const int fd = std::exchange(fd_, -1);
    if (fd >= 0 && ::close(fd) != 0) throw error(errc::invalid_argument, std::string("close: ") + std::strerror(errno));
  }

 private:
  int fd_;
};

[[nodiscard]] inline error os_error(const std::string& what, const std::filesystem::path& p) {
  return error(errc::invalid_argument, what + " " + p.string() + ": " + std::strerror(errno));
}

inline void write_all(int fd, const std::uint8_t* p, std::size_t n, const std::filesystem::path& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw os_error("cannot write", path);
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

/// Reads up to n bytes, fewer only at end of file.
[[nodiscard]] inline std::size_t read_up_to(int fd, std::uint8_t* p, std::size_t n, const std::filesystem::path& path) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw os_error("cannot read", path);
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

/// Makes a rename or unlink in `dir` durable.
inline void fsync_dir(const std::filesystem::path& dir) {
  Fd d(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.get() < 0 || ::fsync(d.get()) != 0) throw os_error("cannot sync directory", dir);
}

/// Replaces `path` with `bytes` atomically and durably (see the header); mode 0600.
inline void replace_file(const std::filesystem::path& path, std::span<const std::uint8_t> bytes) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) throw os_error("cannot create", tmp);
  write_all(fd.get(), bytes.data(), bytes.size(), tmp);
  if (::fsync(fd.get()) != 0) throw os_error("cannot sync", tmp);
  fd.close();
  if (::rename(tmp.c_str(), path.c_str()) != 0) throw os_error("cannot rename onto", path);
  fsync_dir(path.parent_path());
}

}  // namespace detail
EDGEMPC_END_NAMESPACE
