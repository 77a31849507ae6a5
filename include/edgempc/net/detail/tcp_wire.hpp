// SPDX-License-Identifier: Apache-2.0
// TcpTransport's wire format and limits: the 16-byte hello each side of a new connection sends
// ("EMPC", u16 version, u16 zero, u32 party id, u32 number of parties, little-endian), and the
// 8-byte little-endian length before every message.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

inline constexpr std::array<std::uint8_t, 4> tcp_magic = {'E', 'M', 'P', 'C'};
inline constexpr std::uint16_t tcp_protocol_version = 1;
inline constexpr std::size_t tcp_hello_size = 16;
inline constexpr std::size_t tcp_frame_header_size = 8;
// An honest dialer writes its hello as soon as it is connected, so a short limit costs it
// nothing (it would retry) and stops silent connections from piling up.
inline constexpr std::chrono::milliseconds tcp_hello_timeout{2000};
inline constexpr std::size_t tcp_max_pending_hellos = 64;
inline constexpr std::chrono::milliseconds tcp_first_backoff{5};
inline constexpr std::chrono::milliseconds tcp_max_backoff{200};
inline constexpr std::chrono::milliseconds tcp_close_linger{2000};
// Long enough to mean "forever", short enough that now() + it cannot overflow steady_clock.
inline constexpr std::chrono::milliseconds tcp_max_wait = std::chrono::hours(24 * 365 * 10);

using TcpHello = std::array<std::uint8_t, tcp_hello_size>;

[[nodiscard]] inline TcpHello encode_tcp_hello(PartyId id, std::size_t parties) noexcept {
  TcpHello h{};
  std::copy(tcp_magic.begin(), tcp_magic.end(), h.begin());
  store_le<std::uint16_t>(h.data() + 4, tcp_protocol_version);
  store_le<std::uint16_t>(h.data() + 6, 0);
  store_le<std::uint32_t>(h.data() + 8, id);
  store_le<std::uint32_t>(h.data() + 12, static_cast<std::uint32_t>(parties));
  return h;
}

/// The sender's id if the hello is well formed and for a network of `parties`; else why not.
struct TcpHelloCheck {
  std::optional<PartyId> id;
  const char* problem = nullptr;
};

[[nodiscard]] inline TcpHelloCheck check_tcp_hello(const TcpHello& h, std::size_t parties) noexcept {
  if (!std::equal(tcp_magic.begin(), tcp_magic.end(), h.begin())) return {std::nullopt, "not an edgempc hello"};
  if (load_le<std::uint16_t>(h.data() + 4) != tcp_protocol_version || load_le<std::uint16_t>(h.data() + 6) != 0)
    return {std::nullopt, "another protocol version"};
  if (load_le<std::uint32_t>(h.data() + 12) != parties) return {std::nullopt, "another number of parties"};
  return {load_le<std::uint32_t>(h.data() + 8), nullptr};
}

// Authenticated hello (TcpOptions::link_keys): the accepting side first sends a fresh random
// challenge; each hello is followed by a 32-byte tag, BLAKE2b-256 keyed with the pair's link
// key over (role byte, challenge, hello). The role byte ('D' from the dialer, 'A' from the
// acceptor) keeps one side's tag from being reflected as the other's.
inline constexpr std::size_t tcp_challenge_size = 16;
inline constexpr std::size_t tcp_hello_tag_size = 32;
using TcpLinkKey = std::array<std::uint8_t, 32>;
using TcpChallenge = std::array<std::uint8_t, tcp_challenge_size>;
using TcpHelloTag = std::array<std::uint8_t, tcp_hello_tag_size>;

[[nodiscard]] inline std::chrono::milliseconds clamp_wait(std::chrono::milliseconds d) noexcept {
  return std::clamp(d, std::chrono::milliseconds::zero(), tcp_max_wait);
}

}  // namespace detail

EDGEMPC_END_NAMESPACE
