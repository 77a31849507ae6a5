// SPDX-License-Identifier: Apache-2.0
// The device-to-gateway protocol: how sealed submissions reach a gateway's ingest port, how
// the gateway answers, and IngestClient, the blocking client devices and peers use.
//
// The link is plain TCP on purpose: a submission is sealed end to end for one gateway
// (platform/submission.hpp), so a relay or a network in between learns nothing from it and
// cannot forge or alter it. What the link does not hide: who sends, how much, and when.
//
// Wire format, integers little-endian:
//   request  u32 length L (1 <= L <= max_request_size), then L bytes: u8 kind, body
//     kind 1 (submit): body = one sealed submission
//     kind 2 (status): body = u32 round; used by the gateways to see which peers are live; the
//                      reply's detail is the RoundStatus once the round is finished there
//     kind 3 (links):  body = u32 round, u32 word w (0 or 1); the reply's code is the round's
//                      phase there, its detail bits 32w..32w+31 of the gateways it failed to link
//                      with for that round (bit j: gateway j; platform/gateway/mesh_choice.hpp)
//   reply    8 bytes, one per request, in request order:
//            u8 kind (echoed), u8 code (IngestCode, or RoundPhase for status), u16 zero,
//            u32 detail (0 unless stated)
// A request of a bad length or an unknown kind closes the connection: a peer that cannot frame
// its requests cannot be answered request by request. Requests may be pipelined: a client may
// send many and then read the replies.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/error.hpp"
#include "edgempc/platform/detail/asio_deadline.hpp"
#include "edgempc/platform/round_report.hpp"
#include "edgempc/platform/submission.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

enum class IngestKind : std::uint8_t { submit = 1, status = 2, links = 3 };

/// The gateway's answer to one submission.
enum class IngestCode : std::uint8_t {
  accepted = 0,        ///< opened, stored durably: the gateway holds it
  replayed = 1,        ///< this (client, round, seq) was accepted before; it is held, not again
  not_enrolled = 2,    ///< the client id is not enrolled at this gateway
  forged = 3,          ///< did not authenticate: wrong key, altered, or sealed for another gateway
  malformed = 4,       ///< does not parse as a submission
  round_closed = 5,    ///< the round is finishing or finished; too late
  round_not_open = 6,  ///< the round is more than one round in the future
  duplicate = 7,       ///< the client already has another submission in this round
  bad_shape = 8,       ///< the element count does not fit the group's channels
  unavailable = 9,     ///< the gateway could not store it (disk); try again later
  stale = 10,          ///< (round, seq) is not above the client's last accepted one
};

/// A gateway's phase for one round (the answer to a status request).
enum class RoundPhase : std::uint8_t {
  collecting = 0,  ///< still accepting submissions
  finishing = 1,   ///< closed; trying to finish it with its peers
  finished = 2,    ///< finished (published, withheld or given up)
  absent = 3,      ///< not taking part: the gateway started after the round and holds nothing of it
};

[[nodiscard]] inline const char* to_string(IngestCode c) noexcept {
  switch (c) {
    case IngestCode::accepted: return "accepted";
    case IngestCode::replayed: return "replayed";
    case IngestCode::not_enrolled: return "not enrolled";
    case IngestCode::forged: return "forged";
    case IngestCode::malformed: return "malformed";
    case IngestCode::round_closed: return "round closed";
    case IngestCode::round_not_open: return "round not open";
    case IngestCode::duplicate: return "duplicate";
    case IngestCode::bad_shape: return "bad shape";
    case IngestCode::unavailable: return "unavailable";
    case IngestCode::stale: return "stale";
  }
  return "unknown";
}

/// Whether the gateway holds the submission after this answer. `replayed` counts: a device
/// that resends after a lost answer gets it for a submission the gateway already stored.
[[nodiscard]] inline bool is_held(IngestCode c) noexcept {
  return c == IngestCode::accepted || c == IngestCode::replayed;
}

inline constexpr std::size_t ingest_reply_size = 8;
/// The largest request: a submission of submission_max_batch 8-byte elements, plus the kind.
inline constexpr std::size_t max_request_size = submission_overhead + 8 * submission_max_batch + 1;

namespace detail {

inline std::array<std::uint8_t, ingest_reply_size> encode_reply(IngestKind kind, std::uint8_t code,
                                                                std::uint32_t detail_value = 0) {
  std::array<std::uint8_t, ingest_reply_size> r{};
  r[0] = static_cast<std::uint8_t>(kind);
  r[1] = code;
  edgempc::detail::store_le<std::uint32_t>(r.data() + 4, detail_value);
  return r;
}

}  // namespace detail

/// A blocking connection to one gateway's ingest port. Every call has a deadline (the
/// `timeout` given at construction): a silent gateway gives errc::peer_timeout, a closed
/// connection errc::connection_lost, a refused one errc::connection_lost. After an error the
/// client is closed; make a new one to retry. Not thread-safe.
class IngestClient {
 public:
  IngestClient(const std::string& host, std::uint16_t port,
               std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : socket_(io_), timeout_(timeout) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    if (ec) throw error(errc::invalid_argument, "IngestClient: '" + host + "' is not an address");
    const boost::asio::ip::tcp::endpoint where(address, port);
    std::optional<boost::system::error_code> result;
    socket_.async_connect(where, [&](const boost::system::error_code& e) { result = e; });
    run("connect to " + host + ":" + std::to_string(port), result);
    socket_.set_option(boost::asio::ip::tcp::no_delay(true), ec);
  }

  /// Sends every submission, then reads every answer (pipelined: one round trip for the lot).
  [[nodiscard]] std::vector<IngestCode> submit(std::span<const std::vector<std::uint8_t>> submissions) {
    std::vector<std::uint8_t> out;
    for (const auto& s : submissions) {
      if (s.empty() || s.size() + 1 > max_request_size)
        throw error(errc::message_too_large, "IngestClient: a submission of " + std::to_string(s.size()) + " bytes");
      append_request(out, IngestKind::submit, s);
    }
    write(out);
    std::vector<IngestCode> codes(submissions.size());
    std::vector<std::uint8_t> replies(ingest_reply_size * submissions.size());
    read(replies);
    for (std::size_t i = 0; i < codes.size(); ++i) {
      const std::uint8_t* r = replies.data() + i * ingest_reply_size;
      if (r[0] != static_cast<std::uint8_t>(IngestKind::submit) || r[1] > static_cast<std::uint8_t>(IngestCode::stale))
        throw error(errc::malformed_message, "IngestClient: a reply that does not answer a submission");
      codes[i] = static_cast<IngestCode>(r[1]);
    }
    return codes;
  }

  [[nodiscard]] IngestCode submit(std::span<const std::uint8_t> submission) {
    const std::vector<std::vector<std::uint8_t>> one{std::vector<std::uint8_t>(submission.begin(), submission.end())};
    return submit(std::span<const std::vector<std::uint8_t>>(one))[0];
  }

  /// The gateway's phase for `round`.
  [[nodiscard]] RoundPhase status(std::uint32_t round) { return round_state(round).phase; }

  /// The gateway's phase for `round` and, once finished there, how it ended.
  struct RoundAnswer {
    RoundPhase phase = RoundPhase::collecting;
    std::optional<RoundStatus> outcome;  ///< set when phase is finished and the gateway said how
  };
  [[nodiscard]] RoundAnswer round_state(std::uint32_t round) {
    std::array<std::uint8_t, 4> body{};
    edgempc::detail::store_le<std::uint32_t>(body.data(), round);
    std::vector<std::uint8_t> out;
    append_request(out, IngestKind::status, body);
    write(out);
    std::array<std::uint8_t, ingest_reply_size> r{};
    read(r);
    if (r[0] != static_cast<std::uint8_t>(IngestKind::status) || r[1] > static_cast<std::uint8_t>(RoundPhase::absent))
      throw error(errc::malformed_message, "IngestClient: a reply that does not answer a status request");
    RoundAnswer answer{static_cast<RoundPhase>(r[1]), std::nullopt};
    const auto outcome = edgempc::detail::load_le<std::uint32_t>(r.data() + 4);
    if (answer.phase == RoundPhase::finished && outcome >= 1 && outcome <= 3) answer.outcome = static_cast<RoundStatus>(outcome);
    return answer;
  }

  /// The gateways this one failed to link with for `round` (bit j: gateway j), as it says.
  [[nodiscard]] std::uint64_t unreachable(std::uint32_t round) {
    std::vector<std::uint8_t> out;
    for (std::uint32_t w = 0; w < 2; ++w) {
      std::array<std::uint8_t, 8> body{};
      edgempc::detail::store_le<std::uint32_t>(body.data(), round);
      edgempc::detail::store_le<std::uint32_t>(body.data() + 4, w);
      append_request(out, IngestKind::links, body);
    }
    write(out);
    std::array<std::uint8_t, 2 * ingest_reply_size> r{};
    read(r);
    std::uint64_t mask = 0;
    for (std::uint32_t w = 0; w < 2; ++w) {
      const std::uint8_t* reply = r.data() + w * ingest_reply_size;
      if (reply[0] != static_cast<std::uint8_t>(IngestKind::links) || reply[1] > static_cast<std::uint8_t>(RoundPhase::absent))
        throw error(errc::malformed_message, "IngestClient: a reply that does not answer a links request");
      mask |= std::uint64_t{edgempc::detail::load_le<std::uint32_t>(reply + 4)} << (32 * w);
    }
    return mask;
  }

  /// Sends raw bytes as they are (for tests of the gateway's framing checks).
  void send_raw(std::span<const std::uint8_t> bytes) { write(bytes); }

 private:
  static void append_request(std::vector<std::uint8_t>& out, IngestKind kind, std::span<const std::uint8_t> body) {
    const std::size_t at = out.size();
    out.resize(at + 5 + body.size());
    edgempc::detail::store_le<std::uint32_t>(out.data() + at, static_cast<std::uint32_t>(body.size() + 1));
    out[at + 4] = static_cast<std::uint8_t>(kind);
    std::copy(body.begin(), body.end(), out.begin() + static_cast<std::ptrdiff_t>(at + 5));
  }

  void write(std::span<const std::uint8_t> bytes) {
    std::optional<boost::system::error_code> result;
    boost::asio::async_write(socket_, boost::asio::buffer(bytes.data(), bytes.size()),
                             [&](const boost::system::error_code& e, std::size_t) { result = e; });
    run("send", result);
  }

  void read(std::span<std::uint8_t> bytes) {
    std::optional<boost::system::error_code> result;
    boost::asio::async_read(socket_, boost::asio::buffer(bytes.data(), bytes.size()),
                            [&](const boost::system::error_code& e, std::size_t) { result = e; });
    run("receive", result);
  }

  // Runs the one pending operation to completion or to the deadline.
  void run(const std::string& what, std::optional<boost::system::error_code>& result) {
    if (!detail::run_until(io_, socket_, result, timeout_))
      throw error(errc::peer_timeout, "IngestClient: " + what + ": no answer within " + std::to_string(timeout_.count()) + " ms");
    if (*result) {
      boost::system::error_code ignored;
      socket_.close(ignored);
      throw error(errc::connection_lost, "IngestClient: " + what + ": " + result->message());
    }
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  std::chrono::milliseconds timeout_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
