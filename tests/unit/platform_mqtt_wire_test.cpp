// SPDX-License-Identifier: Apache-2.0
// The MQTT 5 subset of platform/mqtt_wire.hpp without a broker: hand-assembled packets from the
// standard's layouts, encode/decode round trips, every length check, and random and truncated
// input (which must give errc::malformed_message or message_too_large, never a crash or a read
// out of bounds: ASan watches). The broker tests are platform_mqtt_test.cpp.
#include <catch2/catch.hpp>

#include <edgempc/platform/mqtt_client.hpp>
#include <edgempc/platform/mqtt_topics.hpp>
#include <edgempc/platform/mqtt_wire.hpp>

#include <random>

using namespace edgempc;
using namespace edgempc::platform;
using namespace edgempc::platform::mqtt;

namespace {

bool fails_with(errc want, const std::function<void()>& f) {
  try {
    f();
  } catch (const error& e) {
    return e.code() == make_error_code(want);
  }
  return false;
}

}  // namespace

TEST_CASE("MQTT wire: variable byte integers at every length boundary", "[platform]") {
  for (const std::uint32_t v : {0u, 1u, 127u, 128u, 16383u, 16384u, 2097151u, 2097152u, 268435455u}) {
    std::vector<std::uint8_t> b{0xD0};
    mqtt::detail::put_varint(b, v);
    const std::size_t want_len = v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
    CHECK(b.size() == 1 + want_len);
    mqtt::detail::Reader r(std::span<const std::uint8_t>(b).subspan(1));
    CHECK(r.varint("test") == v);
    // packet_size sees the header; the body is missing, so it needs more bytes (or is too large).
    if (v != 0 && v < 1000) CHECK_FALSE(packet_size(b));
  }
  std::vector<std::uint8_t> b;
  CHECK(fails_with(errc::message_too_large, [&] { mqtt::detail::put_varint(b, 268435456u); }));
  // Five continuation bytes: malformed.
  const std::vector<std::uint8_t> five{0x30, 0x80, 0x80, 0x80, 0x80, 0x01};
  CHECK(fails_with(errc::malformed_message, [&] { (void)packet_size(five); }));
  // A header announcing more than the limit is refused before the body arrives.
  const std::vector<std::uint8_t> huge{0x30, 0xFF, 0xFF, 0x7F};
  CHECK(fails_with(errc::message_too_large, [&] { (void)packet_size(huge, 4096); }));
}

TEST_CASE("MQTT wire: CONNECT, SUBSCRIBE, PUBACK, PINGREQ and DISCONNECT as MQTT 5 lays them out", "[platform]") {
  ConnectOptions o;
  o.client_id = "gw";
  o.username = "u";
  o.password = "p";
  o.keep_alive_s = 60;
  o.session_expiry_s = 3600;
  o.receive_maximum = 100;
  const std::vector<std::uint8_t> want{
      0x10, 29,                                      // CONNECT, remaining length
      0, 4, 'M', 'Q', 'T', 'T', 5,                    // protocol name and level
      0xC0,                                          // user name, password; clean start 0
      0, 60,                                         // keep alive
      8, 0x11, 0, 0, 0x0E, 0x10, 0x21, 0, 100,       // properties: session expiry, receive maximum
      0, 2, 'g', 'w', 0, 1, 'u', 0, 1, 'p'};         // client id, user name, password
  CHECK(encode_connect(o) == want);
  CHECK(encode_subscribe(7, "a/+", 1) ==
        std::vector<std::uint8_t>{0x82, 9, 0, 7, 0, 0, 3, 'a', '/', '+', 0x21});
  CHECK(encode_puback(0x1234) == std::vector<std::uint8_t>{0x40, 2, 0x12, 0x34});
  CHECK(encode_pingreq() == std::vector<std::uint8_t>{0xC0, 0});
  CHECK(encode_disconnect() == std::vector<std::uint8_t>{0xE0, 0});
  CHECK(fails_with(errc::invalid_argument, [] { (void)encode_subscribe(0, "a", 1); }));
  CHECK(fails_with(errc::invalid_argument, [] { (void)encode_publish("a", {}, 1, 0); }));
  CHECK(fails_with(errc::invalid_argument, [] { (void)encode_publish("a", {}, 0, 5); }));
}

TEST_CASE("MQTT wire: PUBLISH round trips with its properties, QoS and DUP", "[platform]") {
  std::mt19937_64 gen(20261207);
  for (int i = 0; i < 200; ++i) {
    std::vector<std::uint8_t> payload(gen() % 3000);
    for (auto& b : payload) b = static_cast<std::uint8_t>(gen());
    std::vector<std::uint8_t> corr(gen() % 33);
    for (auto& b : corr) b = static_cast<std::uint8_t>(gen());
    const std::uint8_t qos = static_cast<std::uint8_t>(gen() % 2);
    const std::uint16_t id = qos ? static_cast<std::uint16_t>(1 + gen() % 65535) : 0;
    const std::optional<std::string> response = gen() % 2 ? std::optional<std::string>("edgempc/reply/d1") : std::nullopt;
    const bool dup = qos && gen() % 2;
    const auto bytes = encode_publish("edgempc/g1/submit/d1", payload, qos, id, response, corr, dup);
    REQUIRE(packet_size(bytes) == bytes.size());
    const Packet p = decode(bytes);
    CHECK(p.type == PacketType::publish);
    CHECK(p.topic == "edgempc/g1/submit/d1");
    CHECK(p.qos() == qos);
    CHECK(p.dup() == dup);
    CHECK(p.packet_id == id);
    CHECK(p.payload == payload);
    CHECK(p.properties.response_topic == response);
    if (corr.empty()) CHECK_FALSE(p.properties.correlation_data);
    else CHECK(*p.properties.correlation_data == corr);
  }
}

TEST_CASE("MQTT wire: CONNACK, SUBACK, PUBACK and DISCONNECT from a broker decode", "[platform]") {
  // CONNACK: session present, success, receive maximum 20, a user property, shared subs available.
  const std::vector<std::uint8_t> connack{0x20, 15, 0x01, 0x00, 12, 0x21, 0, 20, 0x26, 0, 1, 'k', 0, 1, 'v', 0x2A, 1};
  const Packet c = decode(connack);
  CHECK(c.type == PacketType::connack);
  CHECK(c.session_present);
  CHECK(c.reason_code == 0);
  CHECK(c.properties.receive_maximum == std::uint16_t{20});
  CHECK(c.properties.shared_subscription_available == std::uint8_t{1});
  const Packet s = decode(std::vector<std::uint8_t>{0x90, 4, 0, 7, 0, 0x87});
  CHECK(s.type == PacketType::suback);
  CHECK(s.packet_id == 7);
  CHECK(s.reason_codes == std::vector<std::uint8_t>{0x87});
  const Packet a = decode(std::vector<std::uint8_t>{0x40, 3, 0, 9, 0x87});
  CHECK(a.packet_id == 9);
  CHECK(a.reason_code == reason::not_authorized);
  CHECK(decode(std::vector<std::uint8_t>{0x40, 2, 0, 9}).reason_code == reason::success);  // the short form
  const Packet d = decode(std::vector<std::uint8_t>{0xE0, 6, 0x8E, 4, 0x1F, 0, 1, 'x'});
  CHECK(d.reason_code == reason::session_taken_over);
  CHECK(d.properties.reason_string == std::string("x"));
}

TEST_CASE("MQTT wire: bad packets are malformed, never read past their end", "[platform]") {
  const auto malformed = [](std::vector<std::uint8_t> b) {
    return fails_with(errc::malformed_message, [&] { (void)decode(b); });
  };
  CHECK(malformed({0x00, 0}));                          // reserved type 0
  CHECK(malformed({0x10, 0}));                          // CONNECT from a server
  CHECK(malformed({0x82, 0}));                          // SUBSCRIBE from a server
  CHECK(malformed({0x36, 0}));                          // PUBLISH with QoS 3
  CHECK(malformed({0x32, 5, 0, 1, 'a', 0, 0}));         // PUBLISH QoS 1 with packet id 0 (and no properties)
  CHECK(malformed({0x30, 4, 0, 9, 'a', 'b'}));          // a topic longer than the packet
  CHECK(malformed({0x30, 4, 0, 1, 'a', 5}));            // a property block longer than the packet
  CHECK(malformed({0x30, 5, 0, 1, 'a', 1, 0x7F}));      // an unknown property
  CHECK(malformed({0x41, 2, 0, 1}));                    // PUBACK with flags
  CHECK(malformed({0x20, 2, 0x02, 0}));                 // CONNACK reserved flags
  CHECK(malformed({0xD0, 1, 0}));                       // PINGRESP with a body
  CHECK(malformed({0x90, 3, 0, 1, 0}));                 // SUBACK without reason codes
  CHECK(malformed({0x40, 2, 0, 1, 0}));                 // more bytes than the packet says
  // Every prefix of a valid packet, and random bytes: an error, never a crash.
  const auto good = encode_publish("t/x", std::vector<std::uint8_t>(40, 7), 1, 3, std::string("r"),
                                   std::vector<std::uint8_t>{1, 2});
  for (std::size_t n = 0; n < good.size(); ++n) {
    const std::span<const std::uint8_t> prefix(good.data(), n);
    CHECK_FALSE(packet_size(prefix));
  }
  std::mt19937_64 gen(7);
  std::size_t decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> b(2 + gen() % 40);
    for (auto& x : b) x = static_cast<std::uint8_t>(gen());
    b[1] = static_cast<std::uint8_t>((b.size() - 2) & 0x7F);  // a length that fits, most of the time
    try {
      const auto size = packet_size(b);
      if (size && *size == b.size()) (void)decode(b), ++decoded;
    } catch (const error& e) {
      const bool expected = e.code() == make_error_code(errc::malformed_message) ||
                            e.code() == make_error_code(errc::message_too_large);
      CHECK(expected);
    }
  }
  CHECK(decoded > 0);  // some random packets are valid (PINGRESP, short PUBACKs, ...)
}

TEST_CASE("MQTT: broker URLs and topic levels", "[platform]") {
  CHECK(BrokerAddress::parse("mqtt://127.0.0.1:1884").port == 1884);
  CHECK(BrokerAddress::parse("mqtt://broker.local").host == "broker.local");
  CHECK(BrokerAddress::parse("mqtt://broker.local").port == 1883);
  CHECK(BrokerAddress::parse("mqtt://[::1]:7000").host == "::1");
  CHECK(BrokerAddress::parse("mqtt://[::1]:7000").port == 7000);
  for (const char* bad : {"tcp://h:1", "mqtt://", "mqtt://h:0", "mqtt://h:65536", "mqtt://h:x", "mqtt://h:", "mqtt://h/p:1",
                          "mqtt://[::1", "mqtt://user@h:1"})
    CHECK(fails_with(errc::invalid_argument, [&] { (void)BrokerAddress::parse(bad); }));
  // mqtts:// is TLS, port 8883 by default; whether a TLS link exists is checked where one is used.
  CHECK(BrokerAddress::parse("mqtts://h").tls);
  CHECK(BrokerAddress::parse("mqtts://h").port == 8883);
  CHECK(BrokerAddress::parse("mqtts://h:9000").port == 9000);
  CHECK_FALSE(BrokerAddress::parse("mqtt://h").tls);
  for (const char* bad : {"mqtts://", "mqtts://h:0", "mqtts://user@h"})
    CHECK(fails_with(errc::invalid_argument, [&] { (void)BrokerAddress::parse(bad); }));
  CHECK(fails_with(errc::unsupported, [] { check_link(BrokerAddress::parse("mqtts://h"), {}, "mqtts://h"); }));
  CHECK(valid_topic_level("kitchen-1"));
  for (const char* bad : {"", "a/b", "a+", "#"})
    CHECK_FALSE(valid_topic_level(bad));
  CHECK_FALSE(valid_topic_level(std::string_view("a\0b", 3)));
  CHECK(mqtt_topics::submit("edgempc", 2, "d7") == "edgempc/g2/submit/d7");
  CHECK(mqtt_topics::reply("edgempc", "d7") == "edgempc/reply/d7");
  CHECK(mqtt_topics::shared_filter("edgempc", 2) == "$share/edgempc-g2/edgempc/g2/submit/+");
}
