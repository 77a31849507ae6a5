// SPDX-License-Identifier: Apache-2.0
// edgempc::error and the edgempc::errc error codes.
//
// Every failure the library reports is an `edgempc::error`, a `std::system_error` whose code
// is in the `edgempc` category. The numeric values of `errc` are stable: they may be logged,
// sent in a protocol abort message, or compared across versions.
#pragma once

#include <string>
#include <system_error>
#include <type_traits>

#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE

enum class errc : int {
  invalid_argument = 1,       ///< a parameter outside its documented range
  size_mismatch = 2,          ///< spans or buffers whose lengths must agree do not
  out_of_range = 3,           ///< a value does not fit (fixed-point overflow, non-canonical element)
  malformed_message = 4,      ///< a buffer or frame that does not parse (short, long, bad field)
  authentication_failed = 5,  ///< a MAC or signature did not verify
  peer_timeout = 6,           ///< a peer stayed silent past the deadline
  connection_lost = 7,        ///< a peer disconnected
  protocol_violation = 8,     ///< a message that is well formed but not allowed here
  checksum_mismatch = 9,      ///< a CRC or checksum did not match
  not_enrolled = 10,          ///< a client that is not enrolled in the group
  insufficient_shares = 11,   ///< fewer shares than the threshold needs
  inconsistent_shares = 12,   ///< shares that do not lie on one polynomial
  unsupported = 13,           ///< the feature is not available on this machine or build
  crypto_failure = 14,        ///< libsodium failed to initialise or an operation failed
  message_too_large = 15,     ///< a message or frame above the configured maximum size
};

namespace detail {

class error_category_impl final : public std::error_category {
 public:
  [[nodiscard]] const char* name() const noexcept override { return "edgempc"; }

  [[nodiscard]] std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::invalid_argument: return "invalid argument";
      case errc::size_mismatch: return "size mismatch";
      case errc::out_of_range: return "value out of range";
      case errc::malformed_message: return "malformed message";
      case errc::authentication_failed: return "authentication failed";
      case errc::peer_timeout: return "peer timeout";
      case errc::connection_lost: return "connection lost";
      case errc::protocol_violation: return "protocol violation";
      case errc::checksum_mismatch: return "checksum mismatch";
      case errc::not_enrolled: return "not enrolled";
      case errc::insufficient_shares: return "insufficient shares";
      case errc::inconsistent_shares: return "inconsistent shares";
      case errc::unsupported: return "unsupported";
      case errc::crypto_failure: return "cryptographic library failure";
      case errc::message_too_large: return "message too large";
    }
    return "unknown edgempc error";
  }
};

}  // namespace detail

/// The category of every `errc`; one object for the whole program.
[[nodiscard]] inline const std::error_category& error_category() noexcept {
  static const detail::error_category_impl instance;
  return instance;
}

[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), error_category()};
}

/// The exception type of the library. `code()` tells what went wrong; `what()` adds context.
class error : public std::system_error {
 public:
  explicit error(errc code) : std::system_error(make_error_code(code)) {}
  error(errc code, const std::string& context) : std::system_error(make_error_code(code), context) {}
};

EDGEMPC_END_NAMESPACE

template <>
struct std::is_error_code_enum<edgempc::errc> : std::true_type {};
