// SPDX-License-Identifier: Apache-2.0
// The part of MQTT 5 (OASIS Standard, 7 March 2019, "MQTT Version 5.0") that edgempc's broker
// fan-in speaks: encoding and decoding of CONNECT/CONNACK, SUBSCRIBE/SUBACK, PUBLISH/PUBACK,
// PINGREQ/PINGRESP and DISCONNECT, as pure functions over bytes (no socket; fuzzed by the tests
// with random and truncated input). platform/mqtt_client.hpp runs them over TCP.
//
// Why edgempc speaks MQTT itself instead of linking libmosquitto or Paho C (both in Debian):
// both client libraries send PUBACK for a QoS 1 message as soon as it arrives, before the
// application sees it (mosquitto 2.0.11 lib/handle_publish.c, Paho C 1.3.12
// MQTTProtocol_handlePublishes), and neither has a manual acknowledgement. A gateway must
// acknowledge a submission to the broker only after its store committed it (MQTT 5 §4.3.2: the
// PUBACK transfers ownership), or a gateway killed in between loses it. The subset below is
// small, and the tests run it against a real broker (mosquitto).
//
// Wire (MQTT 5 §1.5, §2): a fixed header byte (type << 4 | flags), the remaining length as a
// variable byte integer (1..4 bytes, 7 bits each, least significant first), then the packet.
// Integers are big-endian; strings and binary data carry a u16 length. Properties are a variable
// byte integer length, then (identifier, value) pairs; every identifier of §2.2.2.2 parses (the
// unknown ones are a protocol error), and the ones edgempc uses are kept.
//
// Threat: the broker, or whoever sits on the connection without TLS, may send anything. Every
// decode checks every length against the packet it is in and throws errc::malformed_message;
// a packet larger than the limit the caller gives is refused before it is buffered whole.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform::mqtt {

enum class PacketType : std::uint8_t {
  reserved = 0,
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15,
};

/// The reason codes edgempc looks at (MQTT 5 §2.4); any code >= 0x80 is a failure.
namespace reason {
inline constexpr std::uint8_t success = 0x00;
inline constexpr std::uint8_t granted_qos1 = 0x01;
inline constexpr std::uint8_t no_matching_subscribers = 0x10;
inline constexpr std::uint8_t unspecified = 0x80;
inline constexpr std::uint8_t malformed_packet = 0x81;
inline constexpr std::uint8_t bad_user_name_or_password = 0x86;
inline constexpr std::uint8_t not_authorized = 0x87;
inline constexpr std::uint8_t server_unavailable = 0x88;
inline constexpr std::uint8_t session_taken_over = 0x8E;
inline constexpr std::uint8_t quota_exceeded = 0x97;
}  // namespace reason

/// The properties edgempc reads or writes (the rest are parsed and dropped).
struct Properties {
  std::optional<std::uint32_t> session_expiry;       // 0x11
  std::optional<std::uint16_t> receive_maximum;      // 0x21
  std::optional<std::uint32_t> maximum_packet_size;  // 0x27
  std::optional<std::uint8_t> maximum_qos;           // 0x24
  std::optional<std::uint16_t> server_keep_alive;    // 0x13
  std::optional<std::string> assigned_client_id;     // 0x12
  std::optional<std::string> reason_string;          // 0x1F
  std::optional<std::string> response_topic;         // 0x08
  std::optional<std::vector<std::uint8_t>> correlation_data;  // 0x09
  std::optional<std::uint8_t> shared_subscription_available;  // 0x2A
};

/// What a client says in CONNECT.
struct ConnectOptions {
  std::string client_id;                 ///< 1..23+ characters; the broker keeps the session under it
  std::optional<std::string> username;
  std::optional<std::string> password;
  bool clean_start = false;              ///< false: resume the session (queued QoS 1 messages)
  std::uint16_t keep_alive_s = 30;       ///< the broker drops a client silent for 1.5x this
  std::uint32_t session_expiry_s = 0;    ///< how long the broker keeps the session after a disconnect
  std::uint16_t receive_maximum = 0;     ///< QoS 1 messages in flight to us at once (0: not sent, 65535)
  std::uint32_t maximum_packet_size = 0; ///< the largest packet we accept (0: not sent, no limit)
};

/// One decoded packet: the fields of its type are set, the others left empty.
struct Packet {
  PacketType type = PacketType::reserved;
  std::uint8_t flags = 0;            ///< the fixed header's low 4 bits
  std::uint16_t packet_id = 0;       ///< PUBLISH (QoS > 0), PUBACK, SUBACK
  std::uint8_t reason_code = 0;      ///< CONNACK, PUBACK, DISCONNECT
  bool session_present = false;      ///< CONNACK
  std::string topic;                 ///< PUBLISH
  std::vector<std::uint8_t> payload; ///< PUBLISH
  std::vector<std::uint8_t> reason_codes;  ///< SUBACK
  Properties properties;
  [[nodiscard]] std::uint8_t qos() const noexcept { return static_cast<std::uint8_t>((flags >> 1) & 3); }
  [[nodiscard]] bool dup() const noexcept { return (flags & 8) != 0; }
};

namespace detail {

[[noreturn]] inline void malformed(const std::string& what) {
  throw error(errc::malformed_message, "MQTT: " + what);
}

/// Appends the variable byte integer v (< 2^28).
inline void put_varint(std::vector<std::uint8_t>& out, std::uint32_t v) {
  if (v >= (1u << 28)) throw error(errc::message_too_large, "MQTT: a length of " + std::to_string(v) + " bytes");
  do {
    std::uint8_t b = v & 0x7F;
    v >>= 7;
    if (v != 0) b |= 0x80;
    out.push_back(b);
  } while (v != 0);
}
inline void put_u16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}
inline void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
}
inline void put_binary(std::vector<std::uint8_t>& out, std::span<const std::uint8_t> b) {
  if (b.size() > 0xFFFF) throw error(errc::message_too_large, "MQTT: a string or binary field over 65535 bytes");
  put_u16(out, static_cast<std::uint16_t>(b.size()));
  out.insert(out.end(), b.begin(), b.end());
}
inline void put_string(std::vector<std::uint8_t>& out, std::string_view s) {
  put_binary(out, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}
/// Fixed header + body.
inline std::vector<std::uint8_t> packet(std::uint8_t first, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> out{first};
  put_varint(out, static_cast<std::uint32_t>(body.size()));
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

/// A bounds-checked reader over one packet's bytes.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> b) : b_(b) {}
  [[nodiscard]] std::size_t left() const noexcept { return b_.size() - at_; }
  [[nodiscard]] std::span<const std::uint8_t> rest() const noexcept { return b_.subspan(at_); }
  void need(std::size_t n, const char* what) const {
    if (left() < n) malformed(std::string("a truncated ") + what);
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return b_[at_++];
  }
  std::uint16_t u16(const char* what) {
    need(2, what);
    const auto v = static_cast<std::uint16_t>(b_[at_] << 8 | b_[at_ + 1]);
    at_ += 2;
    return v;
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | b_[at_ + i];
    at_ += 4;
    return v;
  }
  std::uint32_t varint(const char* what) {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const std::uint8_t b = u8(what);
      v |= std::uint32_t{b & 0x7Fu} << (7 * i);
      if ((b & 0x80) == 0) return v;
    }
    malformed(std::string("a variable byte integer over 4 bytes in ") + what);
  }
  std::span<const std::uint8_t> bytes(std::size_t n, const char* what) {
    need(n, what);
    const auto s = b_.subspan(at_, n);
    at_ += n;
    return s;
  }
  std::vector<std::uint8_t> binary(const char* what) {
    const auto s = bytes(u16(what), what);
    return {s.begin(), s.end()};
  }
  std::string string(const char* what) {
    const auto s = bytes(u16(what), what);
    return {s.begin(), s.end()};
  }
  void skip(std::size_t n, const char* what) { (void)bytes(n, what); }

 private:
  std::span<const std::uint8_t> b_;
  std::size_t at_ = 0;
};

/// Reads a property block (MQTT 5 §2.2.2): its length, then every property in it.
inline Properties read_properties(Reader& r) {
  const std::uint32_t length = r.varint("property length");
  Reader p(r.bytes(length, "property block"));
  Properties out;
  while (p.left() != 0) {
    const std::uint32_t id = p.varint("property identifier");
    switch (id) {
      case 0x01: case 0x17: case 0x19: case 0x25: case 0x28: case 0x29: (void)p.u8("property"); break;
      case 0x24: out.maximum_qos = p.u8("maximum QoS"); break;
      case 0x2A: out.shared_subscription_available = p.u8("shared subscription available"); break;
      case 0x23: case 0x22: (void)p.u16("property"); break;
      case 0x13: out.server_keep_alive = p.u16("server keep alive"); break;
      case 0x21: out.receive_maximum = p.u16("receive maximum"); break;
      case 0x02: case 0x18: (void)p.u32("property"); break;
      case 0x11: out.session_expiry = p.u32("session expiry"); break;
      case 0x27: out.maximum_packet_size = p.u32("maximum packet size"); break;
      case 0x0B: (void)p.varint("subscription identifier"); break;
      case 0x03: case 0x15: case 0x1A: case 0x1C: (void)p.string("property"); break;
      case 0x08: out.response_topic = p.string("response topic"); break;
      case 0x12: out.assigned_client_id = p.string("assigned client identifier"); break;
      case 0x1F: out.reason_string = p.string("reason string"); break;
      case 0x09: out.correlation_data = p.binary("correlation data"); break;
      case 0x16: (void)p.binary("authentication data"); break;
      case 0x26: (void)p.string("user property"), (void)p.string("user property"); break;
      default: malformed("an unknown property identifier " + std::to_string(id));
    }
  }
  return out;
}

}  // namespace detail

/// The largest packet edgempc ever decodes by default (a batched submission fits many times).
inline constexpr std::size_t default_max_packet = 1u << 20;

/// If `buffer` begins with a complete packet, its total size (fixed header included); nullopt if
/// more bytes are needed. errc::malformed_message for a remaining length over 4 bytes,
/// errc::message_too_large for a packet over `max_packet` (known from its header alone).
[[nodiscard]] inline std::optional<std::size_t> packet_size(std::span<const std::uint8_t> buffer,
                                                            std::size_t max_packet = default_max_packet) {
  if (buffer.size() < 2) return std::nullopt;
  std::uint32_t length = 0;
  std::size_t i = 1;
  for (;; ++i) {
    if (i > 4) detail::malformed("a remaining length over 4 bytes");
    if (i >= buffer.size()) return std::nullopt;
    length |= std::uint32_t{buffer[i] & 0x7Fu} << (7 * (i - 1));
    if ((buffer[i] & 0x80) == 0) break;
  }
  const std::size_t total = i + 1 + std::size_t{length};
  if (total > max_packet)
    throw error(errc::message_too_large, "MQTT: a packet of " + std::to_string(total) + " bytes (at most " +
                                             std::to_string(max_packet) + ")");
  return buffer.size() >= total ? std::optional<std::size_t>(total) : std::nullopt;
}

/// Decodes one complete packet (as packet_size() delimits it). errc::malformed_message for
/// anything that does not parse, a reserved type or flags MQTT 5 fixes otherwise.
[[nodiscard]] inline Packet decode(std::span<const std::uint8_t> bytes) {
  using detail::malformed;
  const auto size = packet_size(bytes, bytes.size());
  if (!size || *size != bytes.size()) malformed("not exactly one packet");
  Packet p;
  const std::uint8_t type = bytes[0] >> 4;
  p.flags = bytes[0] & 0x0F;
  if (type == 0) malformed("the reserved packet type 0");
  p.type = static_cast<PacketType>(type);
  detail::Reader r(bytes.subspan(1));
  (void)r.varint("remaining length");
  const auto fixed_flags = [&](std::uint8_t want) {
    if (p.flags != want) malformed("wrong fixed-header flags for packet type " + std::to_string(type));
  };
  switch (p.type) {
    case PacketType::connack: {
      fixed_flags(0);
      const std::uint8_t ack = r.u8("CONNACK flags");
      if ((ack & 0xFE) != 0) malformed("reserved CONNACK flags set");
      p.session_present = (ack & 1) != 0;
      p.reason_code = r.u8("CONNACK reason code");
      if (r.left() != 0) p.properties = detail::read_properties(r);
      break;
    }
    case PacketType::publish: {
      if (p.qos() == 3) malformed("a PUBLISH with QoS 3");
      p.topic = r.string("topic name");
      if (p.qos() > 0) {
        p.packet_id = r.u16("packet identifier");
        if (p.packet_id == 0) malformed("a PUBLISH with packet identifier 0");
      }
      p.properties = detail::read_properties(r);
      const auto rest = r.rest();
      p.payload.assign(rest.begin(), rest.end());
      return p;
    }
    case PacketType::puback: case PacketType::pubrec: case PacketType::pubcomp: case PacketType::pubrel:
      fixed_flags(p.type == PacketType::pubrel ? 2 : 0);
      p.packet_id = r.u16("packet identifier");
      if (r.left() != 0) p.reason_code = r.u8("reason code");
      if (r.left() != 0) p.properties = detail::read_properties(r);
      break;
    case PacketType::suback: case PacketType::unsuback: {
      fixed_flags(0);
      p.packet_id = r.u16("packet identifier");
      p.properties = detail::read_properties(r);
      const auto rest = r.rest();
      if (rest.empty()) malformed("a SUBACK without reason codes");
      p.reason_codes.assign(rest.begin(), rest.end());
      return p;
    }
    case PacketType::pingresp: case PacketType::pingreq:
      fixed_flags(0);
      break;
    case PacketType::disconnect: case PacketType::auth:
      fixed_flags(0);
      if (r.left() != 0) p.reason_code = r.u8("reason code");
      if (r.left() != 0) p.properties = detail::read_properties(r);
      break;
    default:
      // CONNECT, SUBSCRIBE, UNSUBSCRIBE: a server never sends them to a client.
      malformed("a packet of type " + std::to_string(type) + " a server does not send");
  }
  if (r.left() != 0) malformed("trailing bytes in packet type " + std::to_string(type));
  return p;
}

/// CONNECT (MQTT 5 §3.1), protocol level 5, no will.
[[nodiscard]] inline std::vector<std::uint8_t> encode_connect(const ConnectOptions& o) {
  using namespace detail;
  std::vector<std::uint8_t> b;
  put_string(b, "MQTT");
  b.push_back(5);
  std::uint8_t flags = 0;
  if (o.username) flags |= 0x80;
  if (o.password) flags |= 0x40;
  if (o.clean_start) flags |= 0x02;
  b.push_back(flags);
  put_u16(b, o.keep_alive_s);
  std::vector<std::uint8_t> props;
  if (o.session_expiry_s != 0) props.push_back(0x11), put_u32(props, o.session_expiry_s);
  if (o.receive_maximum != 0) props.push_back(0x21), put_u16(props, o.receive_maximum);
  if (o.maximum_packet_size != 0) props.push_back(0x27), put_u32(props, o.maximum_packet_size);
  put_varint(b, static_cast<std::uint32_t>(props.size()));
  b.insert(b.end(), props.begin(), props.end());
  put_string(b, o.client_id);
  if (o.username) put_string(b, *o.username);
  if (o.password) put_string(b, *o.password);
  return packet(0x10, b);
}

/// SUBSCRIBE (§3.8) to one filter at `qos`, No Local off, retained messages not sent.
[[nodiscard]] inline std::vector<std::uint8_t> encode_subscribe(std::uint16_t packet_id, std::string_view filter,
                                                                std::uint8_t qos) {
  using namespace detail;
  if (packet_id == 0 || qos > 1) throw error(errc::invalid_argument, "MQTT: SUBSCRIBE needs a packet id and QoS 0 or 1");
  std::vector<std::uint8_t> b;
  put_u16(b, packet_id);
  put_varint(b, 0);
  put_string(b, filter);
  b.push_back(static_cast<std::uint8_t>(qos | 0x20));  // retain handling 2: no retained messages
  return packet(0x82, b);
}

/// PUBLISH (§3.3). QoS 0 takes packet_id 0; QoS 1 a non-zero one.
[[nodiscard]] inline std::vector<std::uint8_t> encode_publish(std::string_view topic, std::span<const std::uint8_t> payload,
                                                              std::uint8_t qos, std::uint16_t packet_id,
                                                              const std::optional<std::string>& response_topic = {},
                                                              std::span<const std::uint8_t> correlation = {},
                                                              bool dup = false) {
  using namespace detail;
  if (qos > 1 || (qos == 0) != (packet_id == 0))
    throw error(errc::invalid_argument, "MQTT: PUBLISH with QoS 0 takes no packet id, QoS 1 a non-zero one");
  std::vector<std::uint8_t> b;
  put_string(b, topic);
  if (qos > 0) put_u16(b, packet_id);
  std::vector<std::uint8_t> props;
  if (response_topic) props.push_back(0x08), put_string(props, *response_topic);
  if (!correlation.empty()) props.push_back(0x09), put_binary(props, correlation);
  put_varint(b, static_cast<std::uint32_t>(props.size()));
  b.insert(b.end(), props.begin(), props.end());
  b.insert(b.end(), payload.begin(), payload.end());
  return packet(static_cast<std::uint8_t>(0x30 | (dup ? 8 : 0) | (qos << 1)), b);
}

/// PUBACK (§3.4) with reason code success: the short form.
[[nodiscard]] inline std::vector<std::uint8_t> encode_puback(std::uint16_t packet_id) {
  std::vector<std::uint8_t> b;
  detail::put_u16(b, packet_id);
  return detail::packet(0x40, b);
}

[[nodiscard]] inline std::vector<std::uint8_t> encode_pingreq() { return {0xC0, 0x00}; }

/// DISCONNECT (§3.14) with reason 0: normal; the broker then drops no will and keeps the session.
[[nodiscard]] inline std::vector<std::uint8_t> encode_disconnect() { return {0xE0, 0x00}; }

/// Whether `topic` is a valid topic name to publish to: 1..65535 bytes, no wildcard, no NUL.
[[nodiscard]] inline bool valid_topic_name(std::string_view topic) noexcept {
  if (topic.empty() || topic.size() > 0xFFFF) return false;
  for (const char c : topic)
    if (c == '+' || c == '#' || c == '\0') return false;
  return true;
}

/// Whether `level` may be one level of a topic: non-empty, no '/', no wildcard, no NUL.
[[nodiscard]] inline bool valid_topic_level(std::string_view level) noexcept {
  return valid_topic_name(level) && level.find('/') == std::string_view::npos;
}

}  // namespace platform::mqtt
EDGEMPC_END_NAMESPACE
