// SPDX-License-Identifier: Apache-2.0
// Devices through an MQTT broker (platform/gateway/mqtt_ingest.hpp, platform/device/mqtt_uplink.hpp)
// with a real mosquitto started by each test on a free port of 127.0.0.1 (tests/support/
// mosquitto_broker.hpp), real gateways with their SQLite stores, and, for the crash, a gateway in a
// child process killed by a test hook between receipt and commit; TLS to a mosquitto TLS
// listener with certificates made at test time (tests/support/test_pki.hpp). The gateways run on
// a ManualClock: no test waits for a round boundary.
#include <catch2/catch.hpp>

#include <edgempc/platform/device/mqtt_uplink.hpp>
#include <edgempc/platform/gateway.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "gateway_fleet.hpp"
#include "mosquitto_broker.hpp"
#ifdef EDGEMPC_TEST_TLS
#include <edgempc/platform/mqtt_tls.hpp>

#include "test_pki.hpp"
#endif

using namespace edgempc;
using namespace edgempc::platform;
using test::Fixture;
using test::InProcessGroup;

namespace {

std::string example_acl() {
  std::ifstream in(std::string(EDGEMPC_SOURCE_DIR) + "/examples/config/mosquitto.acl");
  std::stringstream s;
  s << in.rdbuf();
  REQUIRE(!s.str().empty());
  return s.str();
}

std::string device_name(std::size_t i) { return "d" + std::to_string(i); }

/// Every device of `sealed` sends through its own MqttUplink (its own connection and topic).
std::vector<std::vector<IngestCode>> send_all(const Fixture& f, const std::string& url,
                                              const std::vector<std::vector<std::vector<std::uint8_t>>>& sealed,
                                              std::chrono::milliseconds within = std::chrono::seconds(30),
                                              const std::map<std::string, std::string>* passwords = nullptr) {
  std::vector<std::vector<IngestCode>> codes;
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    MqttUplinkOptions o;
    o.url = url;
    o.device_level = device_name(i);
    if (passwords) o.username = device_name(i), o.password = passwords->at(device_name(i));
    o.retry = std::chrono::milliseconds(500);
    MqttUplink up(f.group, o);
    const auto got = up.send({sealed[i]}, std::chrono::steady_clock::now() + within);
    codes.push_back(got[0]);
  }
  return codes;
}

std::vector<bool> held_by_all(const std::vector<std::vector<IngestCode>>& codes) {
  std::vector<bool> out;
  for (const auto& c : codes) out.push_back(std::all_of(c.begin(), c.end(), is_held));
  return out;
}

void check_round(const Fixture& f, const RoundReport& got, const std::vector<std::array<double, 2>>& readings,
                 const std::vector<bool>& included) {
  const auto want = test::plaintext(f.group, readings, included);
  REQUIRE(got.status == RoundStatus::published);
  REQUIRE(got.recipient);
  CHECK(got.contributors == static_cast<std::uint64_t>(std::count(included.begin(), included.end(), true)));
  for (std::size_t c = 0; c < want.size(); ++c) {
    CHECK(got.channels[c].count == want[c].count);
    CHECK(*got.channels[c].mean == Approx(want[c].mean).epsilon(1e-12));
    CHECK(*got.channels[c].variance == Approx(want[c].variance).epsilon(1e-9));
    CHECK(*got.channels[c].minimum == want[c].minimum);
    CHECK(*got.channels[c].maximum == want[c].maximum);
  }
}

MqttIngestOptions ingest_options(const std::string& url, PartyId g, const std::string& password = {}) {
  MqttIngestOptions o;
  o.url = url;
  if (!password.empty()) o.username = "gw" + std::to_string(g), o.password = password;
  o.reconnect_backoff = std::chrono::milliseconds(100);
  return o;
}

/// Creates gateway g's persistent session and shared subscription at the broker (what its first
/// start does), so that messages published before it runs are queued for it.
void open_session(const std::string& url, PartyId g, const std::string& password = {}) {
  const auto o = ingest_options(url, g, password);
  mqtt::ConnectOptions c;
  c.client_id = "edgempc-g" + std::to_string(g) + "-0";
  c.username = o.username, c.password = o.password;
  c.session_expiry_s = o.session_expiry_s;
  c.receive_maximum = o.receive_maximum;
  mqtt::MqttConnection conn(mqtt::BrokerAddress::parse(url), c, std::chrono::seconds(5));
  conn.subscribe(mqtt_topics::shared_filter("edgempc", g), 1);
}

/// One relay connection carrying many devices' submissions, `batch` per message.
MqttUplinkOptions relay_options(const std::string& url, std::size_t batch) {
  MqttUplinkOptions o;
  o.url = url;
  o.device_level = "relay";
  o.batch = batch;
  return o;
}

std::chrono::steady_clock::time_point guard() { return std::chrono::steady_clock::now() + std::chrono::seconds(60); }

/// Polls `held()` (real time, a guard against a hang, never a round boundary).
bool wait_held(Gateway& g, std::uint32_t round, std::size_t want) {
  const auto until = guard();
  while (std::chrono::steady_clock::now() < until) {
    if (g.held(round) >= want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

TEST_CASE("MQTT: rounds through a real broker publish the plaintext statistics", "[platform]") {
  test::MosquittoBroker broker;
  Fixture f(3, 1, 40, 3'600'000, 1, {0});
  InProcessGroup group(f, {0, 1, 2}, 1, {}, [&](PartyId g, GatewayOptions& o) { o.mqtt = ingest_options(broker.url(), g); });
  for (const PartyId g : {0u, 1u, 2u}) REQUIRE(group.gateway(g).wait_mqtt_subscribed(std::chrono::seconds(10)));
  for (std::uint32_t r = 0; r < 2; ++r) {
    const auto readings = test::make_readings(40, r, 11);
    const auto codes = send_all(f, broker.url(), test::seal_round(f, r, readings));
    const auto included = held_by_all(codes);
    CHECK(std::count(included.begin(), included.end(), true) == 40);
    group.clock->set(f.close_ms(r));
    const auto reports = group.wait_for(0, r + 1);
    REQUIRE(reports.size() == r + 1);
    check_round(f, reports[r], readings, included);
  }
  const auto counters = group.gateway(1).mqtt_counters();
  REQUIRE(counters);
  CHECK(counters->requests == 80);
  CHECK(counters->malformed == 0);
}

TEST_CASE("MQTT: a batch of submissions in one message gets one answer per submission", "[platform]") {
  test::MosquittoBroker broker;
  Fixture f(3, 1, 30, 3'600'000, 1, {0});
  InProcessGroup group(f, {0, 1, 2}, 0, {}, [&](PartyId g, GatewayOptions& o) { o.mqtt = ingest_options(broker.url(), g); });
  for (const PartyId g : {0u, 1u, 2u}) REQUIRE(group.gateway(g).wait_mqtt_subscribed(std::chrono::seconds(10)));
  const auto readings = test::make_readings(30, 0, 5);
  auto sealed = test::seal_round(f, 0, readings);
  sealed.push_back(sealed[3]);  // the same submission twice in one batch: the second is replayed
  MqttUplink relay(f.group, relay_options(broker.url(), 16));
  const auto codes = relay.send(sealed, guard());
  for (std::size_t i = 0; i < 30; ++i)
    for (const PartyId g : {0u, 1u, 2u}) CHECK(codes[i][g] == IngestCode::accepted);
  for (const PartyId g : {0u, 1u, 2u}) CHECK(codes[30][g] == IngestCode::replayed);
  CHECK(group.gateway(0).mqtt_counters()->messages == 2);  // 31 submissions in batches of 16
  group.clock->set(f.close_ms(0));
  const auto reports = group.wait_for(0, 1);
  check_round(f, reports[0], readings, std::vector<bool>(30, true));
}

TEST_CASE("MQTT: the uplink splits a batch that would pass the message size limit", "[platform]") {
  test::MosquittoBroker broker;
  Fixture f(3, 1, 2, 3'600'000, 1, {0});
  InProcessGroup group(f, {0, 1, 2}, 0, {}, [&](PartyId g, GatewayOptions& o) { o.mqtt = ingest_options(broker.url(), g); });
  for (const PartyId g : {0u, 1u, 2u}) REQUIRE(group.gateway(g).wait_mqtt_subscribed(std::chrono::seconds(10)));
  // 64 requests of 8,000 bytes (no valid submission: each is answered, malformed or the like)
  // would be 512 KB in one message; the limit is 256 KiB.
  std::vector<std::vector<std::vector<std::uint8_t>>> big(64, std::vector<std::vector<std::uint8_t>>(3));
  for (std::size_t i = 0; i < big.size(); ++i)
    for (auto& s : big[i]) s.assign(8000, static_cast<std::uint8_t>(i));
  MqttUplink relay(f.group, relay_options(broker.url(), 64));
  const auto codes = relay.send(big, guard());
  for (const auto& c : codes)
    for (const auto code : c) CHECK(code != IngestCode::unavailable);  // every request answered
  for (const PartyId g : {0u, 1u, 2u}) {
    const auto c = *group.gateway(g).mqtt_counters();
    CHECK(c.requests == 64);
    CHECK(c.messages == (64 + 31) / 32);  // 32 requests of 8,005 bytes fit in one message
  }
}

TEST_CASE("MQTT: the workers of one gateway share its subscription and its store", "[platform]") {
  test::MosquittoBroker broker;
  Fixture f(3, 1, 60, 3'600'000, 1, {0});
  InProcessGroup group(f, {0, 1, 2}, 0, {}, [&](PartyId g, GatewayOptions& o) {
    o.mqtt = ingest_options(broker.url(), g);
    o.mqtt->workers = 3;
  });
  for (const PartyId g : {0u, 1u, 2u}) REQUIRE(group.gateway(g).wait_mqtt_subscribed(std::chrono::seconds(10)));
  const auto readings = test::make_readings(60, 0, 4);
  const auto codes = send_all(f, broker.url(), test::seal_round(f, 0, readings));
  const auto included = held_by_all(codes);
  CHECK(std::count(included.begin(), included.end(), true) == 60);
  for (const PartyId g : {0u, 1u, 2u}) {
    const auto c = *group.gateway(g).mqtt_counters();
    REQUIRE(c.per_worker.size() == 3);
    CHECK(c.messages == 60);
    // The broker hands each message to one worker (mosquitto: round robin): each got some.
    for (const auto w : c.per_worker) CHECK(w > 0);
  }
  group.clock->set(f.close_ms(0));
  check_round(f, group.wait_for(0, 1)[0], readings, included);
}

TEST_CASE("MQTT: a gateway killed between receipt and commit gets the messages again and loses nothing", "[platform]") {
  test::MosquittoBroker broker;
  Fixture f(3, 1, 12, 3'600'000, 1, {0});
  open_session(broker.url(), 0);
  const auto readings = test::make_readings(12, 0, 3);
  const auto sealed = test::seal_round(f, 0, readings);
  const auto clock = std::make_shared<ManualClock>(f.open_ms(0));

  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: gateway 0, killed by SIGKILL when its first batch has arrived, before the
    // intake stores it (no destructor, no flush: as a crash).
    try {
      GatewayOptions o;
      o.clock = AnyClock(clock);
      o.mqtt = ingest_options(broker.url(), 0);
      o.mqtt->at_receipt = [](std::size_t) { ::raise(SIGKILL); };
      o.log = [](const std::string& l) { std::fprintf(stderr, "child: %s\n", l.c_str()); };
      Gateway g(f.group, 0, f.gateway_keys[0], f.enrolment, f.store(0), o);
      for (;;) ::pause();
    } catch (...) {
      ::_exit(3);
    }
  }
  // The devices publish; gateway 0 dies before answering, so no device counts its reading held there.
  std::vector<std::vector<IngestCode>> first;
  {
    MqttUplink relay(f.group, relay_options(broker.url(), 4));
    first = relay.send(sealed, std::chrono::steady_clock::now() + std::chrono::milliseconds(1500));
  }
  // The child dies when the batch reaches it (a guard against a hang, not a wait for a boundary).
  int status = 0;
  pid_t done = 0;
  for (const auto until = guard(); done == 0 && std::chrono::steady_clock::now() < until;) {
    done = ::waitpid(pid, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL("the gateway never received the batch");
  }
  REQUIRE(done == pid);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  for (const auto& c : first) CHECK(c[0] == IngestCode::unavailable);

  // Restarted with the same client id: the broker delivers the unacknowledged messages again.
  GatewayOptions o;
  o.clock = AnyClock(clock);
  o.mqtt = ingest_options(broker.url(), 0);
  Gateway again(f.group, 0, f.gateway_keys[0], f.enrolment, f.store(0), o);
  CHECK(wait_held(again, 0, 12));
  CHECK(again.held(0) == 12);
  // The devices resend what was never answered: held once, answered replayed.
  MqttUplink relay(f.group, relay_options(broker.url(), 64));
  const auto second = relay.send(sealed, std::chrono::steady_clock::now() + std::chrono::seconds(3));
  for (const auto& c : second) CHECK(c[0] == IngestCode::replayed);
  CHECK(again.held(0) == 12);
}

TEST_CASE("MQTT: a broker restarted with queued submissions loses no reading and doubles none", "[platform]") {
  test::MosquittoBroker broker;
  Fixture f(3, 1, 20, 3'600'000, 1, {0});
  for (const PartyId g : {0u, 1u, 2u}) open_session(broker.url(), g);
  const auto readings = test::make_readings(20, 0, 9);
  const auto sealed = test::seal_round(f, 0, readings);
  // No gateway runs: the broker queues every submission (the devices get no answer yet).
  const auto early = send_all(f, broker.url(), sealed, std::chrono::milliseconds(300));
  for (const auto& c : early)
    for (const auto code : c) CHECK(code == IngestCode::unavailable);
  broker.restart();  // saves its queues on the way down, reloads them

  InProcessGroup group(f, {0, 1, 2}, 0, {}, [&](PartyId g, GatewayOptions& o) { o.mqtt = ingest_options(broker.url(), g); });
  for (const PartyId g : {0u, 1u, 2u}) CHECK(wait_held(group.gateway(g), 0, 20));
  // The devices send again what was never answered: held once, answered replayed.
  const auto codes = send_all(f, broker.url(), sealed);
  for (const auto& c : codes)
    for (const auto code : c) CHECK(code == IngestCode::replayed);
  for (const PartyId g : {0u, 1u, 2u}) CHECK(group.gateway(g).held(0) == 20);
  group.clock->set(f.close_ms(0));
  const auto reports = group.wait_for(0, 1);
  check_round(f, reports[0], readings, std::vector<bool>(20, true));
}

TEST_CASE("MQTT: the broker refuses a device without credentials and one publishing to another's topic", "[platform]") {
  std::map<std::string, std::string> users{{"gw0", "pw-gw0"}, {"gw1", "pw-gw1"}, {"gw2", "pw-gw2"}};
  for (std::size_t i = 0; i < 3; ++i) users[device_name(i)] = "pw-" + device_name(i);
  test::MosquittoOptions with_acl;
  with_acl.users = users, with_acl.acl = example_acl(), with_acl.persistence = false;
  test::MosquittoBroker broker(with_acl);
  Fixture f(3, 1, 3, 3'600'000, 1, {0});
  InProcessGroup group(f, {0, 1, 2}, 0, {},
                       [&](PartyId g, GatewayOptions& o) { o.mqtt = ingest_options(broker.url(), g, users.at("gw" + std::to_string(g))); });
  for (const PartyId g : {0u, 1u, 2u}) REQUIRE(group.gateway(g).wait_mqtt_subscribed(std::chrono::seconds(10)));
  const auto readings = test::make_readings(3, 0, 2);
  const auto sealed = test::seal_round(f, 0, readings);

  MqttUplinkOptions o;
  o.url = broker.url();
  o.device_level = device_name(0);
  SECTION("no credentials") {
    MqttUplink up(f.group, o);
    CHECK_THROWS_MATCHES(up.send({sealed[0]}, guard()), error, Catch::Predicate<error>([](const error& e) {
                           return e.code() == make_error_code(errc::authentication_failed);
                         }));
  }
  SECTION("a wrong password") {
    o.username = device_name(0), o.password = "guess";
    MqttUplink up(f.group, o);
    CHECK_THROWS_MATCHES(up.send({sealed[0]}, guard()), error, Catch::Predicate<error>([](const error& e) {
                           return e.code() == make_error_code(errc::authentication_failed);
                         }));
  }
  SECTION("another device's topic") {
    o.username = device_name(0), o.password = users.at(device_name(0));
    o.device_level = device_name(1);
    MqttUplink up(f.group, o);
    CHECK_THROWS_MATCHES(up.send({sealed[0]}, guard()), error, Catch::Predicate<error>([](const error& e) {
                           return e.code() == make_error_code(errc::authentication_failed) &&
                                  std::string(e.what()).find("edgempc/g0/submit/d1") != std::string::npos;
                         }));
  }
  // The devices with their own credentials and topics are served.
  const auto codes = send_all(f, broker.url(), sealed, std::chrono::seconds(30), &users);
  for (const auto& c : codes)
    for (const auto code : c) CHECK(code == IngestCode::accepted);
}

TEST_CASE("MQTT: a malformed payload gets its error code and the gateway keeps serving", "[platform]") {
  test::MosquittoOptions no_persistence;
  no_persistence.persistence = false;
  test::MosquittoBroker broker(no_persistence);
  Fixture f(3, 1, 2, 3'600'000, 1, {0});
  InProcessGroup group(f, {0, 1, 2}, 0, {}, [&](PartyId g, GatewayOptions& o) { o.mqtt = ingest_options(broker.url(), g); });
  for (const PartyId g : {0u, 1u, 2u}) REQUIRE(group.gateway(g).wait_mqtt_subscribed(std::chrono::seconds(10)));

  mqtt::ConnectOptions anonymous;
  anonymous.client_id = "raw";
  anonymous.clean_start = true;
  mqtt::MqttConnection raw(mqtt::BrokerAddress::parse(broker.url()), anonymous, std::chrono::seconds(5));
  raw.subscribe(mqtt_topics::reply("edgempc", "mallory"), 0);
  const std::vector<std::vector<std::uint8_t>> payloads{
      {1, 2, 3},                                   // not a frame
      {0, 0, 0, 0},                                // a frame of length 0
      {5, 0, 0, 0, 1, 9, 9, 9, 9},                 // a submission that is no submission
      {5, 0, 0, 0, 2, 0, 0, 0, 0},                 // a status request: only over TCP
      {9, 0, 0, 0, 1, 1, 2},                       // a truncated frame
  };
  const std::vector<std::uint8_t> want_codes{static_cast<std::uint8_t>(IngestCode::malformed),
                                             static_cast<std::uint8_t>(IngestCode::malformed),
                                             static_cast<std::uint8_t>(IngestCode::malformed),
                                             static_cast<std::uint8_t>(IngestCode::malformed),
                                             static_cast<std::uint8_t>(IngestCode::malformed)};
  std::vector<std::uint8_t> pub;
  for (std::size_t k = 0; k < payloads.size(); ++k) {
    const std::uint8_t corr[1] = {static_cast<std::uint8_t>(k)};
    const auto p = mqtt::encode_publish(mqtt_topics::submit("edgempc", 0, "mallory"), payloads[k], 1,
                                        static_cast<std::uint16_t>(k + 1), std::nullopt, corr);
    pub.insert(pub.end(), p.begin(), p.end());
  }
  raw.send(pub);
  std::map<std::uint8_t, std::vector<std::uint8_t>> answers;
  const auto until = guard();
  while (answers.size() < payloads.size() && std::chrono::steady_clock::now() < until)
    for (const auto& p : raw.receive(std::chrono::milliseconds(200)))
      if (p.type == mqtt::PacketType::publish && p.properties.correlation_data && p.properties.correlation_data->size() == 1)
        answers[(*p.properties.correlation_data)[0]] = p.payload;
  REQUIRE(answers.size() == payloads.size());
  for (std::size_t k = 0; k < payloads.size(); ++k) {
    INFO("payload " << k);
    REQUIRE(answers[static_cast<std::uint8_t>(k)].size() == ingest_reply_size);
    CHECK(answers[static_cast<std::uint8_t>(k)][1] == want_codes[k]);
  }
  // Still serving.
  const auto codes = send_all(f, broker.url(), test::seal_round(f, 0, test::make_readings(2, 0, 1)));
  for (const auto& c : codes)
    for (const auto code : c) CHECK(code == IngestCode::accepted);
  CHECK(group.gateway(0).mqtt_counters()->malformed == 4);  // the bad submission is a frame: answered by the intake
}

TEST_CASE("MQTT: a message the gateway cannot take whole is answered malformed for every request in it", "[platform]") {
  test::MosquittoBroker broker;
  Fixture f(3, 1, 4, 3'600'000, 1, {0});
  InProcessGroup group(f, {0, 1, 2}, 0, {}, [&](PartyId g, GatewayOptions& o) {
    o.mqtt = ingest_options(broker.url(), g);
    o.mqtt->max_requests_per_message = 2;  // this gateway takes at most 2 requests per message
  });
  for (const PartyId g : {0u, 1u, 2u}) REQUIRE(group.gateway(g).wait_mqtt_subscribed(std::chrono::seconds(10)));
  MqttUplink relay(f.group, relay_options(broker.url(), 4));  // one message of 4 per gateway
  // The answer settles the call: no retry until the deadline (which is far: a guard only).
  const auto codes = relay.send(test::seal_round(f, 0, test::make_readings(4, 0, 8)), guard());
  for (const auto& c : codes)
    for (const auto code : c) CHECK(code == IngestCode::malformed);
  for (const PartyId g : {0u, 1u, 2u}) {
    CHECK(group.gateway(g).held(0) == 0);
    CHECK(group.gateway(g).mqtt_counters()->malformed == 1);
  }
}

TEST_CASE("MQTT: a TLS link is needed exactly for mqtts URLs", "[platform]") {
  const auto code_is = [](errc c) {
    return Catch::Predicate<error>([c](const error& e) { return e.code() == make_error_code(c); });
  };
  const auto a = mqtt::BrokerAddress::parse("mqtts://broker.lan");
  CHECK(a.tls);
  CHECK(a.port == 8883);
  CHECK(mqtt::BrokerAddress::parse("mqtts://[::1]:9883").port == 9883);
  CHECK_FALSE(mqtt::BrokerAddress::parse("mqtt://broker.lan").tls);
  CHECK_THROWS_MATCHES(mqtt::BrokerAddress::parse("tls://broker.lan"), error, code_is(errc::invalid_argument));
  MqttUplinkOptions o;
  o.url = "mqtts://127.0.0.1:1";
  CHECK_THROWS_MATCHES(o.validate(), error, code_is(errc::unsupported));  // never plain TCP instead
  MqttIngestOptions i;
  i.url = "mqtts://127.0.0.1:1";
  CHECK_THROWS_MATCHES(i.validate(), error, code_is(errc::unsupported));
  // A link with an mqtt:// URL: the configuration contradicts itself.
  i.url = "mqtt://127.0.0.1:1";
  i.tls = [](boost::asio::io_context& io) -> std::unique_ptr<mqtt::detail::Link> { return std::make_unique<mqtt::detail::TcpLink>(io); };
  CHECK_THROWS_MATCHES(i.validate(), error, code_is(errc::invalid_argument));
}

#ifdef EDGEMPC_TEST_TLS
namespace {

mqtt::LinkFactory tls_for(const std::string& ca, const test::Pem* client = nullptr, const std::string& server_name = {}) {
  mqtt::TlsOptions t;
  t.ca_file = ca;
  if (client) t.cert_file = client->cert, t.key_file = client->key;
  t.server_name = server_name;
  return mqtt::tls_link(t);
}

test::MosquittoOptions tls_broker(const test::TestPki& pki, bool require_certificate) {
  test::MosquittoOptions o;
  o.persistence = false;
  test::MosquittoTls t;
  t.ca_file = pki.ca().cert, t.cert_file = pki.server().cert, t.key_file = pki.server().key;
  t.require_certificate = require_certificate;
  o.tls = t;
  return o;
}

auto code_is(errc c) {
  return Catch::Predicate<error>([c](const error& e) { return e.code() == make_error_code(c); }, "error code " + make_error_code(c).message());
}

}  // namespace

TEST_CASE("MQTT over TLS: rounds through a TLS broker with client certificates publish the plaintext", "[platform]") {
  test::TestPki pki;
  test::MosquittoBroker broker(tls_broker(pki, true));
  REQUIRE(broker.url().starts_with("mqtts://"));
  Fixture f(3, 1, 12, 3'600'000, 1, {0});
  InProcessGroup group(f, {0, 1, 2}, 0, {}, [&](PartyId g, GatewayOptions& o) {
    o.mqtt = ingest_options(broker.url(), g);
    o.mqtt->tls = tls_for(pki.ca().cert, &pki.client("gw" + std::to_string(g)));
    o.mqtt->workers = 2;
  });
  for (const PartyId g : {0u, 1u, 2u}) REQUIRE(group.gateway(g).wait_mqtt_subscribed(std::chrono::seconds(10)));
  const auto readings = test::make_readings(12, 0, 3);
  const auto sealed = test::seal_round(f, 0, readings);
  std::vector<bool> included;
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    MqttUplinkOptions o;
    o.url = broker.url();
    o.device_level = device_name(i);
    o.tls = tls_for(pki.ca().cert, &pki.client(device_name(i)));
    o.retry = std::chrono::milliseconds(500);
    MqttUplink up(f.group, o);
    const auto got = up.send({sealed[i]}, guard());
    included.push_back(std::all_of(got[0].begin(), got[0].end(), is_held));
  }
  CHECK(std::count(included.begin(), included.end(), true) == 12);
  group.clock->set(f.close_ms(0));
  const auto reports = group.wait_for(0, 1);
  REQUIRE(reports.size() == 1);
  check_round(f, reports[0], readings, included);
  CHECK(group.gateway(0).mqtt_counters()->requests == 12);
}

TEST_CASE("MQTT over TLS: a broker or client whose certificate does not check out is refused", "[platform]") {
  test::TestPki pki;
  Fixture f(3, 1, 1, 3'600'000, 1, {0});
  const auto sealed = test::seal_round(f, 0, test::make_readings(1, 0, 1));
  MqttUplinkOptions o;
  o.device_level = "d0";
  o.timeout = std::chrono::seconds(5);

  SECTION("a broker certificate from a CA this side does not trust") {
    test::MosquittoBroker broker(tls_broker(pki, false));
    o.url = broker.url();
    o.tls = tls_for(pki.rogue_ca().cert);
    MqttUplink up(f.group, o);
    CHECK_THROWS_MATCHES(up.send({sealed[0]}, guard()), error, code_is(errc::authentication_failed));
  }
  SECTION("a broker certificate for another name") {
    test::MosquittoBroker broker(tls_broker(pki, false));
    o.url = broker.url();
    o.tls = tls_for(pki.ca().cert, nullptr, "broker.example");
    MqttUplink up(f.group, o);
    CHECK_THROWS_MATCHES(up.send({sealed[0]}, guard()), error, code_is(errc::authentication_failed));
  }
  SECTION("the right name given as server_name is accepted (DNS localhost in the certificate)") {
    test::MosquittoBroker broker(tls_broker(pki, false));
    mqtt::ConnectOptions c;
    c.client_id = "probe";
    mqtt::MqttConnection conn(mqtt::BrokerAddress::parse(broker.url()), c, std::chrono::seconds(5), mqtt::default_max_packet,
                              tls_for(pki.ca().cert, nullptr, "localhost"));
    CHECK(conn.connack().reason_code == 0);
  }
  SECTION("no client certificate where the broker requires one") {
    test::MosquittoBroker broker(tls_broker(pki, true));
    o.url = broker.url();
    o.tls = tls_for(pki.ca().cert);
    MqttUplink up(f.group, o);
    CHECK_THROWS_MATCHES(up.send({sealed[0]}, guard()), error, code_is(errc::authentication_failed));
  }
  SECTION("a client certificate from another CA") {
    test::MosquittoBroker broker(tls_broker(pki, true));
    o.url = broker.url();
    test::Pem rogue_client{pki.rogue_server().cert, pki.rogue_server().key};
    o.tls = tls_for(pki.ca().cert, &rogue_client);
    MqttUplink up(f.group, o);
    CHECK_THROWS_MATCHES(up.send({sealed[0]}, guard()), error, code_is(errc::authentication_failed));
  }
  SECTION("plain MQTT to a TLS listener fails, and does not hang") {
    test::MosquittoBroker broker(tls_broker(pki, false));
    mqtt::ConnectOptions c;
    c.client_id = "plain";
    const std::string plain = "mqtt://127.0.0.1:" + std::to_string(broker.port());
    CHECK_THROWS_AS(mqtt::MqttConnection(mqtt::BrokerAddress::parse(plain), c, std::chrono::seconds(5)), error);
  }
  SECTION("TLS to a plain listener fails, and does not hang") {
    test::MosquittoOptions plain;
    plain.persistence = false;
    test::MosquittoBroker broker(plain);
    mqtt::ConnectOptions c;
    c.client_id = "tls";
    const std::string tls = "mqtts://127.0.0.1:" + std::to_string(broker.port());
    CHECK_THROWS_AS(mqtt::MqttConnection(mqtt::BrokerAddress::parse(tls), c, std::chrono::seconds(5), mqtt::default_max_packet,
                                         tls_for(pki.ca().cert)),
                    error);
  }
}

TEST_CASE("MQTT over TLS: bad TLS files are refused when the link is made", "[platform]") {
  test::TestPki pki;
  mqtt::TlsOptions t;
  SECTION("a missing CA file") { t.ca_file = pki.file("nonexistent.pem"); }
  SECTION("a certificate without its key") {
    t.ca_file = pki.ca().cert;
    t.cert_file = pki.client("a").cert;
  }
  SECTION("a key that does not fit the certificate") {
    t.ca_file = pki.ca().cert;
    t.cert_file = pki.client("a").cert;
    t.key_file = pki.client("b").key;
  }
  SECTION("a file that is no PEM") {
    t.ca_file = pki.ca().cert;
    t.cert_file = pki.client("a").cert;
    t.key_file = pki.file("junk.pem");
    std::ofstream(t.key_file) << "not a key\n";
  }
  CHECK_THROWS_MATCHES(mqtt::tls_link(t), error, code_is(errc::invalid_argument));
}
#endif
