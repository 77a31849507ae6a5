// SPDX-License-Identifier: Apache-2.0
// MqttConnection: one blocking MQTT 5 client connection to a broker over TCP or TLS, with a
// deadline on every step, for the gateway's MQTT ingest (platform/gateway/mqtt_ingest.hpp) and
// the device's MQTT uplink (platform/device/mqtt_uplink.hpp). The packets are mqtt_wire.hpp's;
// this header adds the byte stream, the broker address, CONNECT/CONNACK, SUBSCRIBE/SUBACK and
// keep-alive. Why edgempc speaks MQTT itself: mqtt_wire.hpp.
//
// TLS: mqtt://HOST:PORT is plain TCP; mqtts://HOST:PORT (port 8883 by default) is TLS, whose
// stream comes from platform/mqtt_tls.hpp (`tls_link`, target edgempc::mqtt_tls, OpenSSL). This
// header has no OpenSSL in it: a program that never includes mqtt_tls.hpp needs no OpenSSL, and
// asking it for mqtts:// without a TLS link fails with errc::unsupported, never falls back to
// plain TCP.
//
// Failures: every call that cannot finish throws and leaves the connection closed (make a new
// one): errc::connection_lost (refused, reset, closed, or the broker silent for twice the keep
// alive), errc::peer_timeout (no answer by the deadline), errc::authentication_failed (the
// broker refused the credentials or the client: CONNACK 0x86, 0x87, 0x8C; or a SUBSCRIBE; or,
// on TLS, a certificate this side or the broker did not accept), errc::malformed_message (the
// broker sent what does not parse), errc::invalid_argument (a bad URL), errc::unsupported
// (mqtts:// without a TLS link).
//
// Not thread-safe: one thread uses a connection.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "edgempc/error.hpp"
#include "edgempc/platform/detail/asio_deadline.hpp"
#include "edgempc/platform/mqtt_wire.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform::mqtt {

/// Where the broker is: mqtt://HOST:PORT (TCP, port 1883 by default) or mqtts://HOST:PORT (TLS,
/// port 8883 by default); HOST a name, an IPv4 literal or [IPv6].
struct BrokerAddress {
  std::string host;
  std::uint16_t port = 1883;
  bool tls = false;

  /// errc::invalid_argument for anything else.
  [[nodiscard]] static BrokerAddress parse(std::string_view url) {
    const auto bad = [&](const char* why) {
      return error(errc::invalid_argument, "MQTT broker URL '" + std::string(url) + "': " + why);
    };
    BrokerAddress a;
    std::string_view rest;
    if (url.starts_with("mqtt://")) {
      rest = url.substr(7);
    } else if (url.starts_with("mqtts://")) {
      rest = url.substr(8);
      a.tls = true;
      a.port = 8883;
    } else {
      throw bad("must start with mqtt:// or mqtts://");
    }
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    std::string_view port;
    if (rest.starts_with('[')) {
      const auto close = rest.find(']');
      if (close == std::string_view::npos) throw bad("an unclosed [");
      a.host = std::string(rest.substr(1, close - 1));
      rest = rest.substr(close + 1);
      if (!rest.empty()) {
        if (rest[0] != ':') throw bad("junk after the address");
        port = rest.substr(1);
      }
    } else {
      const auto colon = rest.rfind(':');
      a.host = std::string(rest.substr(0, colon));
      if (colon != std::string_view::npos) port = rest.substr(colon + 1);
    }
    if (a.host.empty() || a.host.find_first_of("/?#@ ") != std::string::npos) throw bad("no host, or a path, query or user in it");
    if (!port.empty() || rest.ends_with(':')) {
      unsigned v = 0;
      if (port.empty() || port.size() > 5) throw bad("a bad port");
      for (const char c : port) {
        if (c < '0' || c > '9') throw bad("a bad port");
        v = v * 10 + static_cast<unsigned>(c - '0');
      }
      if (v == 0 || v > 65535) throw bad("a port outside 1..65535");
      a.port = static_cast<std::uint16_t>(v);
    }
    return a;
  }
};

namespace detail {

/// The byte stream under one MQTT connection: plain TCP (TcpLink, here) or TLS (TlsLink,
/// platform/mqtt_tls.hpp). Internal to the platform layer: users choose one through a URL
/// scheme and a LinkFactory, they do not implement it. Every operation is asynchronous on the
/// connection's io_context, and MqttConnection runs it to a deadline; the handlers are called
/// from that io_context only. Cancelling or closing the TCP socket underneath ends whatever is
/// pending with an error.
class Link {
 public:
  using Done = std::function<void(const boost::system::error_code&)>;
  using Transferred = std::function<void(const boost::system::error_code&, std::size_t)>;
  virtual ~Link() = default;
  /// The TCP socket underneath (connected by MqttConnection before the handshake).
  [[nodiscard]] virtual boost::asio::ip::tcp::socket& socket() noexcept = 0;
  /// After the TCP connection: whatever the link needs before MQTT bytes flow; `host` is the
  /// broker URL's host (TLS checks the broker's certificate against it).
  virtual void async_handshake(const std::string& host, Done done) = 0;
  virtual void async_read_some(boost::asio::mutable_buffer into, Transferred done) = 0;
  /// Writes all of `bytes`.
  virtual void async_write(boost::asio::const_buffer bytes, Transferred done) = 0;
  /// Whether `e` (from a handshake or a read before CONNACK) means the peer refused this side's
  /// credentials, or this side the peer's, rather than that the connection broke.
  [[nodiscard]] virtual bool refused(const boost::system::error_code& e) const noexcept = 0;

  void close(boost::system::error_code& ignored) noexcept { socket().close(ignored); }
};

class TcpLink final : public Link {
 public:
  explicit TcpLink(boost::asio::io_context& io) : socket_(io) {}
  boost::asio::ip::tcp::socket& socket() noexcept override { return socket_; }
  void async_handshake(const std::string&, Done done) override {
    boost::asio::post(socket_.get_executor(), [done = std::move(done)] { done({}); });
  }
  void async_read_some(boost::asio::mutable_buffer into, Transferred done) override {
    socket_.async_read_some(into, std::move(done));
  }
  void async_write(boost::asio::const_buffer bytes, Transferred done) override {
    boost::asio::async_write(socket_, bytes, std::move(done));
  }
  bool refused(const boost::system::error_code&) const noexcept override { return false; }

 private:
  boost::asio::ip::tcp::socket socket_;
};

}  // namespace detail

/// Makes the byte stream of one connection on its io_context. Empty means plain TCP; TLS comes
/// from tls_link() in platform/mqtt_tls.hpp. Called once per connection (and reconnection).
using LinkFactory = std::function<std::unique_ptr<detail::Link>(boost::asio::io_context&)>;

/// Checks that a URL and a link agree: mqtts:// needs a TLS link (errc::unsupported without one:
/// never plain TCP in its place), mqtt:// must not be given one (errc::invalid_argument: the
/// configuration says TLS in one place and not in the other).
inline void check_link(const BrokerAddress& broker, const LinkFactory& link, std::string_view url) {
  if (broker.tls && !link)
    throw error(errc::unsupported, "MQTT broker URL '" + std::string(url) +
                                       "': TLS needs a TLS link (platform/mqtt_tls.hpp, edgempc::mqtt_tls; a CA file in the configuration)");
  if (!broker.tls && link)
    throw error(errc::invalid_argument, "MQTT broker URL '" + std::string(url) + "' is plain TCP, but TLS settings were given: use mqtts://");
}

class MqttConnection {
 public:
  /// Connects (and, on TLS, completes the handshake), sends CONNECT and waits for CONNACK, all
  /// within `timeout`; `max_packet` bounds what this side accepts (also sent to the broker as
  /// Maximum Packet Size when the options leave it 0). `link` makes the byte stream: it must be
  /// a TLS link exactly when the broker address is mqtts:// (check_link).
  MqttConnection(const BrokerAddress& broker, ConnectOptions options, std::chrono::milliseconds timeout,
                 std::size_t max_packet = default_max_packet, const LinkFactory& link = {})
      : timeout_(timeout), max_packet_(max_packet), keep_alive_(std::chrono::seconds(options.keep_alive_s)) {
    check_link(broker, link, broker.tls ? "mqtts://" + broker.host : "mqtt://" + broker.host);
    link_ = link ? link(io_) : std::make_unique<detail::TcpLink>(io_);
    if (options.maximum_packet_size == 0) options.maximum_packet_size = static_cast<std::uint32_t>(max_packet_);
    boost::asio::ip::tcp::resolver resolver(io_);
    boost::system::error_code ec;
    const auto endpoints = resolver.resolve(broker.host, std::to_string(broker.port), ec);
    if (ec) throw error(errc::connection_lost, "MQTT: cannot resolve '" + broker.host + "': " + ec.message());
    const std::string where = broker.host + ":" + std::to_string(broker.port);
    std::optional<boost::system::error_code> result;
    boost::asio::async_connect(link_->socket(), endpoints, [&](const boost::system::error_code& e, const auto&) { result = e; });
    run("connect to " + where, result, timeout_);
    link_->socket().set_option(boost::asio::ip::tcp::no_delay(true), ec);
    result.reset();
    link_->async_handshake(broker.host, [&](const boost::system::error_code& e) { result = e; });
    if (!platform::detail::run_until(io_, *link_, result, timeout_))
      throw error(errc::peer_timeout, "MQTT: TLS handshake with " + where + ": no progress within " + std::to_string(timeout_.count()) + " ms");
    if (*result)
      fail(link_->refused(*result) ? errc::authentication_failed : errc::connection_lost,
           "TLS handshake with " + where + " failed: " + result->message());
    send(encode_connect(options));
    auto got = from_stream(std::chrono::steady_clock::now() + timeout_);
    if (!got) fail(errc::peer_timeout, "no CONNACK within " + std::to_string(timeout_.count()) + " ms");
    if (got->type != PacketType::connack) fail(errc::malformed_message, "the broker's first packet is not CONNACK");
    connack_ = std::move(*got);
    const std::uint8_t rc = connack_.reason_code;
    if (rc >= 0x80) {
      const std::string why = "the broker refused the connection (reason 0x" + hex(rc) + ")" +
                              (connack_.properties.reason_string ? ": " + *connack_.properties.reason_string : "");
      fail(rc == reason::bad_user_name_or_password || rc == reason::not_authorized || rc == 0x8C || rc == 0x85
               ? errc::authentication_failed
               : errc::connection_lost,
           why);
    }
    if (connack_.properties.server_keep_alive) keep_alive_ = std::chrono::seconds(*connack_.properties.server_keep_alive);
  }

  MqttConnection(const MqttConnection&) = delete;
  MqttConnection& operator=(const MqttConnection&) = delete;

  ~MqttConnection() {
    if (link_ && link_->socket().is_open()) {
      // A normal DISCONNECT: the broker keeps the session (if it has an expiry), sends no will.
      try {
        send(encode_disconnect());
      } catch (const error&) {
      }
      boost::system::error_code ignored;
      link_->close(ignored);
    }
  }

  [[nodiscard]] const Packet& connack() const noexcept { return connack_; }
  [[nodiscard]] bool session_present() const noexcept { return connack_.session_present; }
  /// How many QoS 1 messages the broker takes from us unacknowledged (its Receive Maximum).
  [[nodiscard]] std::size_t send_quota() const noexcept {
    return connack_.properties.receive_maximum ? *connack_.properties.receive_maximum : 65535;
  }

  /// The next free packet identifier (1..65535, wrapping).
  [[nodiscard]] std::uint16_t next_packet_id() noexcept {
    if (++packet_id_ == 0) packet_id_ = 1;
    return packet_id_;
  }

  /// Subscribes to `filter` and waits for the SUBACK (packets arriving meanwhile are kept for
  /// receive()). errc::authentication_failed if the broker refuses it.
  void subscribe(std::string_view filter, std::uint8_t qos) {
    const std::uint16_t id = next_packet_id();
    send(encode_subscribe(id, filter, qos));
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      auto got = from_stream(deadline);
      if (!got) fail(errc::peer_timeout, "no SUBACK within " + std::to_string(timeout_.count()) + " ms");
      if (got->type == PacketType::suback && got->packet_id == id) {
        if (got->reason_codes.size() != 1 || got->reason_codes[0] >= 0x80)
          fail(errc::authentication_failed, "the broker refused the subscription to '" + std::string(filter) + "' (reason 0x" +
                                                hex(got->reason_codes.empty() ? 0 : got->reason_codes[0]) + ")");
        return;
      }
      pending_.push_back(std::move(*got));
    }
  }

  /// Sends bytes (one or more encoded packets) within the timeout.
  void send(std::span<const std::uint8_t> bytes) {
    std::optional<boost::system::error_code> result;
    link_->async_write(boost::asio::buffer(bytes.data(), bytes.size()),
                       [&](const boost::system::error_code& e, std::size_t) { result = e; });
    run("send", result, timeout_);
    last_sent_ = std::chrono::steady_clock::now();
  }

  /// Waits up to `wait` for a packet, then returns every complete one buffered (at most
  /// `limit`); empty if none came. PINGRESP is consumed here. Sends PINGREQ when the link has
  /// been quiet for half the keep alive; errc::connection_lost if the broker has been silent for
  /// twice the keep alive, or sent DISCONNECT.
  [[nodiscard]] std::vector<Packet> receive(std::chrono::milliseconds wait, std::size_t limit = SIZE_MAX) {
    keep_alive();
    std::vector<Packet> out;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (out.size() < limit) {
      std::optional<Packet> got;
      if (!pending_.empty()) {
        got = std::move(pending_.front());
        pending_.pop_front();
      } else {
        got = out.empty() ? from_stream(deadline) : decode_buffered();
      }
      if (!got) break;
      out.push_back(std::move(*got));
    }
    return out;
  }

  /// Sends PINGREQ if nothing was sent for half the keep alive.
  void keep_alive() {
    if (keep_alive_.count() == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_received_ > 2 * keep_alive_) fail(errc::connection_lost, "the broker has been silent for twice the keep alive");
    if (now - last_sent_ >= keep_alive_ / 2) send(encode_pingreq());
  }

 private:
  static std::string hex(std::uint8_t v) {
    static constexpr char d[] = "0123456789abcdef";
    return {d[v >> 4], d[v & 15]};
  }

  void close_quietly() noexcept {
    boost::system::error_code ignored;
    if (link_) link_->close(ignored);
  }

  [[noreturn]] void fail(errc code, const std::string& why) {
    close_quietly();
    throw error(code, "MQTT: " + why);
  }

  /// A complete packet already in the read buffer, decoded (PINGRESP consumed). Packets kept in
  /// pending_ (those that came while subscribe() waited) are receive()'s, not this one's.
  std::optional<Packet> decode_buffered() {
    for (;;) {
      std::optional<std::size_t> size;
      try {
        size = packet_size(std::span<const std::uint8_t>(buffer_).subspan(consumed_), max_packet_);
      } catch (const error&) {
        close_quietly();
        throw;
      }
      if (!size) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(consumed_));
        consumed_ = 0;
        return std::nullopt;
      }
      Packet p;
      try {
        p = decode(std::span<const std::uint8_t>(buffer_).subspan(consumed_, *size));
      } catch (const error&) {
        close_quietly();
        throw;
      }
      consumed_ += *size;
      if (p.type == PacketType::pingresp) continue;
      if (p.type == PacketType::disconnect)
        fail(errc::connection_lost, "the broker disconnected (reason 0x" + hex(p.reason_code) + ")" +
                                        (p.properties.reason_string ? ": " + *p.properties.reason_string : ""));
      return p;
    }
  }

  /// The next packet off the connection, reading from the socket until `deadline` if none is
  /// buffered.
  std::optional<Packet> from_stream(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      if (auto p = decode_buffered()) return p;
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::nullopt;
      const std::size_t at = buffer_.size();
      buffer_.resize(at + 16384);
      std::optional<boost::system::error_code> result;
      std::size_t got = 0;
      link_->async_read_some(boost::asio::buffer(buffer_.data() + at, 16384),
                             [&](const boost::system::error_code& e, std::size_t n) { result = e, got = n; });
      io_.restart();
      io_.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + std::chrono::milliseconds(1));
      if (!result) {
        // The deadline: cancel the read (the connection stays up) and let its handler run.
        boost::system::error_code ignored;
        link_->socket().cancel(ignored);
        io_.restart();
        io_.run();
      }
      buffer_.resize(at + got);
      if (result && *result) {
        if (*result == boost::asio::error::operation_aborted) return std::nullopt;
        // Before CONNACK a TLS alert is the broker refusing this side's certificate (TLS 1.3
        // sends it after the client's handshake has finished).
        fail(connack_.type != PacketType::connack && link_->refused(*result) ? errc::authentication_failed : errc::connection_lost,
             "receive: " + result->message());
      }
      if (got != 0) last_received_ = std::chrono::steady_clock::now();
      if (!result) return decode_buffered();
    }
  }

  // Runs one pending operation to completion or to `limit` (platform/detail/asio_deadline.hpp).
  void run(const std::string& what, std::optional<boost::system::error_code>& result, std::chrono::milliseconds limit) {
    if (!platform::detail::run_until(io_, *link_, result, limit))
      throw error(errc::peer_timeout, "MQTT: " + what + ": no progress within " + std::to_string(limit.count()) + " ms");
    if (*result) fail(errc::connection_lost, what + ": " + result->message());
  }

  boost::asio::io_context io_;
  std::unique_ptr<detail::Link> link_;
  std::chrono::milliseconds timeout_;
  std::size_t max_packet_;
  std::chrono::milliseconds keep_alive_;
  std::chrono::steady_clock::time_point last_sent_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_received_ = std::chrono::steady_clock::now();
  std::vector<std::uint8_t> buffer_;
  std::size_t consumed_ = 0;
  std::deque<Packet> pending_;
  Packet connack_;
  std::uint16_t packet_id_ = 0;
};

}  // namespace platform::mqtt
EDGEMPC_END_NAMESPACE
