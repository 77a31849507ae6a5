// SPDX-License-Identifier: Apache-2.0
// platform/config.hpp (GroupConfig::validate) and platform/config_toml.hpp (the TOML reader).
#include <edgempc/platform/config_toml.hpp>

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>

namespace {

namespace fs = std::filesystem;
using edgempc::errc;
using edgempc::PartyId;
using edgempc::PublicKey;
using namespace edgempc::platform;

// Runs f, which must throw edgempc::error with `code` and a message containing `needle`.
template <typename F>
void require_error(F&& f, errc code, std::string_view needle) {
  try {
    f();
    FAIL("no error thrown; expected one containing: " << needle);
  } catch (const edgempc::error& e) {
    INFO("what(): " << e.what());
    CHECK(e.code() == edgempc::make_error_code(code));
    CHECK(std::string(e.what()).find(needle) != std::string::npos);
  }
}

// `text` with the one occurrence of `from` replaced by `to`.
std::string replace(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  REQUIRE(text.find(from, at + 1) == std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string repeat(std::string_view s, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += s;
  return out;
}

const std::string key0 = repeat("01", 32);
const std::string key1 = repeat("AB", 32);                // upper case
const std::string key2 = repeat("0123456789abcdeF", 4);  // mixed case

// Every key of the format, none at its default.
const std::string full_text = R"([group]
name = "home"
scheme = "shamir"
threshold = 1
domain = "mersenne61"
round_ms = 1000
epoch_ms = 1795000000000
peer_wait_ms = 1500

[policy]
min_clients = 10
recipients = [0, 2]
reveal = ["count", "mean", "max"]

[[gateways]]
id = 0
host = "127.0.0.1"
peer_port = 7000
ingest_port = 7100
public_key = ")" + key0 + R"("

[[gateways]]
id = 1
host = "10.0.0.2"
peer_port = 7001
ingest_port = 7101
public_key = ")" + key1 + R"("

[[gateways]]
id = 2
host = "10.0.0.3"
peer_port = 7002
ingest_port = 7102
public_key = ")" + key2 + R"("

[[channels]]
name = "temperature"
frac_bits = 12
min = -40.0
max = 125.0
alert_above = 30.0

[[channels]]
name = "humidity"
min = 0
max = 100.5

[gateway]
id = 1
secret_key = "gw1.key"
enrolment = "/etc/edgempc/enrolment.txt"
store = "data/gw1.db"
rounds = 5

[device]
client_id = 7
secret_key = "dev7.key"
rounds = 3
)";

// Only the required keys.
const std::string minimal_text = R"([group]
scheme = "shamir"
threshold = 1
round_ms = 500
epoch_ms = 0

[policy]
min_clients = 1
recipients = [0]

[[gateways]]
id = 0
host = "127.0.0.1"
peer_port = 7000
ingest_port = 7100
public_key = ")" + key0 + R"("

[[gateways]]
id = 1
host = "127.0.0.1"
peer_port = 7001
ingest_port = 7101
public_key = ")" + key1 + R"("

[[gateways]]
id = 2
host = "127.0.0.1"
peer_port = 7002
ingest_port = 7102
public_key = ")" + key2 + R"("

[[channels]]
name = "t"
min = -1.0
max = 1.0

[gateway]
id = 0
secret_key = "a.key"
enrolment = "e.txt"
store = "s.db"

[device]
client_id = 0
secret_key = "d.key"
)";

PublicKey filled_key(std::uint8_t b) {
  PublicKey k{};
  k.fill(b);
  return k;
}

GroupConfig group(const std::string& text) { return parse_group_config(text, "home.toml"); }

// A directory under the system temp directory, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    std::random_device rd;
    const auto tag = std::to_string(rd()) + "_" + std::to_string(rd());
    path = fs::temp_directory_path() / ("edgempc_config_test_" + tag);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path p = path / name;
    std::ofstream out(p, std::ios::binary);
    out << text;
    REQUIRE(out.good());
    return p;
  }
};

// A valid group of three gateways built in code.
GroupConfig valid_config() {
  GroupConfig c;
  c.scheme = SplitScheme::shamir(1, 3);
  for (PartyId i = 0; i < 3; ++i) {
    GatewayInfo g;
    g.id = i;
    g.peer_port = static_cast<std::uint16_t>(7000 + i);
    g.ingest_port = static_cast<std::uint16_t>(7100 + i);
    g.public_key = filled_key(static_cast<std::uint8_t>(i + 1));
    c.gateways.push_back(g);
  }
  c.channels.push_back(ChannelConfig{"temperature", 12, -40.0, 125.0, 30.0});
  c.policy.recipients = {0};
  return c;
}

}  // namespace

// --- GroupConfig::validate on configurations built in code --------------------------------

TEST_CASE("validate accepts a valid group and computes the quorum", "[platform]") {
  GroupConfig c = valid_config();
  REQUIRE_NOTHROW(c.validate());
  CHECK(c.quorum() == 2);
  c.scheme = SplitScheme::additive(3);
  c.policy.validation = Validation::off;
  REQUIRE_NOTHROW(c.validate());
  CHECK(c.quorum() == 3);
}

TEST_CASE("validate refuses a bad domain, group size or scheme", "[platform]") {
  const auto bad = [](auto change, std::string_view needle) {
    GroupConfig c = valid_config();
    change(c);
    require_error([&] { c.validate(); }, errc::invalid_argument, needle);
  };
  bad([](GroupConfig& c) { c.domain = "z2k"; }, "domain 'z2k'");
  bad([](GroupConfig& c) {
        c.gateways.resize(1);
        c.scheme = SplitScheme::additive(1);
      },
      "gateways: 1");
  bad([](GroupConfig& c) {
        c.gateways.resize(max_gateways + 1);
        c.scheme = SplitScheme::additive(max_gateways + 1);
      },
      "gateways: 65");
  bad([](GroupConfig& c) { c.scheme = SplitScheme::shamir(1, 4); }, "scheme for 4 parties, 3 gateways");
  bad([](GroupConfig& c) { c.scheme = SplitScheme::shamir(0, 3); }, "threshold t = 0");
  bad([](GroupConfig& c) { c.scheme = SplitScheme::shamir(2, 3); }, "threshold t = 2");
  // 2t + 1 wraps around for this t: the check must not.
  bad([](GroupConfig& c) { c.scheme = SplitScheme::shamir(std::numeric_limits<std::size_t>::max() / 2 + 1, 3); },
      "threshold t = ");
  GroupConfig five = valid_config();
  five.gateways.resize(5);
  for (PartyId i = 3; i < 5; ++i) {
    five.gateways[i].id = i;
    five.gateways[i].peer_port = static_cast<std::uint16_t>(7000 + i);
    five.gateways[i].ingest_port = static_cast<std::uint16_t>(7100 + i);
    five.gateways[i].public_key = filled_key(static_cast<std::uint8_t>(i + 1));
  }
  five.scheme = SplitScheme::shamir(2, 5);
  CHECK_NOTHROW(five.validate());
  five.scheme = SplitScheme::shamir(3, 5);
  CHECK_THROWS_AS(five.validate(), edgempc::error);
}

TEST_CASE("validate refuses bad gateways", "[platform]") {
  const auto bad = [](auto change, std::string_view needle) {
    GroupConfig c = valid_config();
    change(c);
    require_error([&] { c.validate(); }, errc::invalid_argument, needle);
  };
  bad([](GroupConfig& c) { c.gateways[1].id = 2; }, "gateway 1: id 2");
  bad([](GroupConfig& c) { std::swap(c.gateways[0], c.gateways[1]); }, "gateway 0: id 1");
  bad([](GroupConfig& c) { c.gateways[2].host.clear(); }, "gateway 2: empty host");
  bad([](GroupConfig& c) { c.gateways[0].peer_port = 0; }, "gateway 0: port 0");
  bad([](GroupConfig& c) { c.gateways[0].ingest_port = 0; }, "gateway 0: port 0");
  bad([](GroupConfig& c) { c.gateways[1].peer_port = 7000; }, "gateway 1: a host:port used twice");
  bad([](GroupConfig& c) { c.gateways[1].ingest_port = 7001; }, "gateway 1: a host:port used twice");
  bad([](GroupConfig& c) { c.gateways[2].public_key = c.gateways[0].public_key; },
      "gateway 2: a public key used twice");
  // The same port on another host is fine.
  GroupConfig c = valid_config();
  c.gateways[1].host = "10.0.0.2";
  c.gateways[1].peer_port = 7000;
  CHECK_NOTHROW(c.validate());
}

TEST_CASE("validate refuses bad channels", "[platform]") {
  const auto bad = [](auto change, std::string_view needle) {
    GroupConfig c = valid_config();
    change(c);
    require_error([&] { c.validate(); }, errc::invalid_argument, needle);
  };
  bad([](GroupConfig& c) { c.channels.clear(); }, "channels: 0");
  bad([](GroupConfig& c) {
        c.channels.clear();
        for (std::size_t i = 0; i <= max_channels; ++i) c.channels.push_back({"c" + std::to_string(i), 16, -1, 1, {}});
      },
      "channels: 33");
  bad([](GroupConfig& c) { c.channels.push_back(c.channels[0]); }, "channel names must be non-empty and unique");
  bad([](GroupConfig& c) { c.channels[0].name.clear(); }, "channel names must be non-empty and unique");
  bad([](GroupConfig& c) { c.channels[0].frac_bits = 31; }, "frac_bits 31");
  bad([](GroupConfig& c) { c.channels[0].min = 125.0; }, "min must be below max");
  bad([](GroupConfig& c) { c.channels[0].min = std::nan(""); }, "min must be below max");
  bad([](GroupConfig& c) { c.channels[0].max = std::numeric_limits<double>::infinity(); }, "min must be below max");
  bad([](GroupConfig& c) { c.channels[0].min = -1.0e6; }, "above 2^39");
  bad([](GroupConfig& c) { c.channels[0].alert_above = 200.0; }, "alert_above outside");
  bad([](GroupConfig& c) { c.channels[0].alert_above = std::nan(""); }, "alert_above outside");
}

TEST_CASE("validate refuses a bad policy or clock", "[platform]") {
  const auto bad = [](auto change, std::string_view needle) {
    GroupConfig c = valid_config();
    change(c);
    require_error([&] { c.validate(); }, errc::invalid_argument, needle);
  };
  using std::chrono::milliseconds;
  bad([](GroupConfig& c) { c.policy.min_clients = 0; }, "min_clients");
  bad([](GroupConfig& c) { c.policy.max_readings = 0; }, "max_readings must be at least 1");
  // Additive shares cannot be checked: the operator must say the devices are trusted.
  bad([](GroupConfig& c) { c.scheme = SplitScheme::additive(3); }, "validation = \"required\" needs Shamir sharing");
  bad([](GroupConfig& c) { c.policy.recipients.clear(); }, "no recipients");
  bad([](GroupConfig& c) { c.policy.recipients = {0, 3}; }, "recipient 3 is not a gateway");
  bad([](GroupConfig& c) { c.round_length = milliseconds(49); }, "round_ms: 49");
  bad([](GroupConfig& c) { c.round_length = std::chrono::hours(25); }, "round_ms: 90000000");
  bad([](GroupConfig& c) { c.epoch_ms = -1; }, "epoch_ms");
  bad([](GroupConfig& c) { c.peer_wait = milliseconds(-1); }, "peer_wait_ms: -1");
  bad([](GroupConfig& c) { c.peer_wait = milliseconds(600001); }, "peer_wait_ms: 600001");
}

// --- reading TOML ------------------------------------------------------------------------

TEST_CASE("a full configuration file reads back every field", "[platform]") {
  const GroupConfig c = group(full_text);
  CHECK(c.name == "home");
  CHECK(c.scheme.kind == SplitScheme::Kind::shamir);
  CHECK(c.scheme.threshold == 1);
  CHECK(c.scheme.parties == 3);
  CHECK(c.domain == "mersenne61");
  CHECK(c.round_length == std::chrono::milliseconds(1000));
  CHECK(c.epoch_ms == 1795000000000);
  CHECK(c.peer_wait == std::chrono::milliseconds(1500));

  CHECK(c.policy.min_clients == 10);
  CHECK(c.policy.recipients == std::vector<PartyId>{0, 2});
  CHECK(c.policy.reveal == std::vector<Statistic>{Statistic::count, Statistic::mean, Statistic::maximum});

  REQUIRE(c.gateways.size() == 3);
  CHECK(c.gateways[0].id == 0);
  CHECK(c.gateways[0].host == "127.0.0.1");
  CHECK(c.gateways[0].peer_port == 7000);
  CHECK(c.gateways[0].ingest_port == 7100);
  CHECK(c.gateways[0].public_key == filled_key(0x01));
  CHECK(c.gateways[1].id == 1);
  CHECK(c.gateways[1].host == "10.0.0.2");
  CHECK(c.gateways[1].peer_port == 7001);
  CHECK(c.gateways[1].ingest_port == 7101);
  CHECK(c.gateways[1].public_key == filled_key(0xab));
  CHECK(c.gateways[2].id == 2);
  CHECK(c.gateways[2].host == "10.0.0.3");
  CHECK(c.gateways[2].peer_port == 7002);
  CHECK(c.gateways[2].ingest_port == 7102);
  const PublicKey k2{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                     0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  CHECK(c.gateways[2].public_key == k2);

  REQUIRE(c.channels.size() == 2);
  CHECK(c.channels[0].name == "temperature");
  CHECK(c.channels[0].frac_bits == 12);
  CHECK(c.channels[0].min == -40.0);
  CHECK(c.channels[0].max == 125.0);
  REQUIRE(c.channels[0].alert_above.has_value());
  CHECK(*c.channels[0].alert_above == 30.0);
  CHECK(c.channels[1].name == "humidity");
  CHECK(c.channels[1].frac_bits == 12);
  CHECK(c.channels[1].min == 0.0);  // an integer in a float key
  CHECK(c.channels[1].max == 100.5);
  CHECK_FALSE(c.channels[1].alert_above.has_value());

  const GatewayLocalConfig gw = parse_gateway_local(full_text, "/srv/edgempc", "home.toml");
  CHECK(gw.id == 1);
  CHECK(gw.secret_key == fs::path("/srv/edgempc") / "gw1.key");
  CHECK(gw.enrolment == fs::path("/etc/edgempc/enrolment.txt"));
  CHECK(gw.store == fs::path("/srv/edgempc") / "data/gw1.db");
  CHECK(gw.rounds == 5);

  const DeviceLocalConfig dev = parse_device_local(full_text, "/srv/edgempc", "home.toml");
  CHECK(dev.client_id == 7);
  CHECK(dev.secret_key == fs::path("/srv/edgempc") / "dev7.key");
  CHECK(dev.rounds == 3);
}

TEST_CASE("optional keys take their defaults", "[platform]") {
  const GroupConfig c = group(minimal_text);
  const GroupConfig defaults;
  CHECK(c.name == "edgempc");
  CHECK(c.domain == "mersenne61");
  CHECK(c.peer_wait == std::chrono::milliseconds(2000));
  CHECK(c.round_length == std::chrono::milliseconds(500));
  CHECK(c.epoch_ms == 0);
  CHECK(c.policy.reveal == defaults.policy.reveal);
  CHECK(c.policy.reveal.size() == 6);
  CHECK(c.policy.max_readings == 1);
  CHECK(c.policy.validation == Validation::required);
  REQUIRE(c.channels.size() == 1);
  CHECK(c.channels[0].frac_bits == 12);
  CHECK_FALSE(c.channels[0].alert_above.has_value());

  CHECK(parse_gateway_local(minimal_text, "/x").rounds == 0);
  CHECK(parse_device_local(minimal_text, "/x").rounds == 0);
  // An empty reveal list is allowed: the round publishes nothing.
  CHECK(group(replace(minimal_text, "recipients = [0]", "recipients = [0]\nreveal = []")).policy.reveal.empty());
}

TEST_CASE("a file without the local tables is still a group file", "[platform]") {
  const std::string text = minimal_text.substr(0, minimal_text.find("[gateway]"));
  CHECK_NOTHROW(group(text));
  require_error([&] { (void)parse_gateway_local(text, "/x", "home.toml"); }, errc::malformed_message,
                "home.toml: missing key gateway");
  require_error([&] { (void)parse_device_local(text, "/x", "home.toml"); }, errc::malformed_message,
                "home.toml: missing key device");
}

TEST_CASE("the additive scheme takes no threshold", "[platform]") {
  const std::string text = replace(replace(minimal_text, "scheme = \"shamir\"\nthreshold = 1", "scheme = \"additive\""),
                                   "recipients = [0]", "recipients = [0]\nvalidation = \"off\"");
  const GroupConfig c = group(text);
  CHECK(c.scheme.kind == SplitScheme::Kind::additive);
  CHECK(c.scheme.parties == 3);
  CHECK(c.quorum() == 3);
  require_error([&] { (void)group(replace(minimal_text, "scheme = \"shamir\"", "scheme = \"additive\"")); },
                errc::malformed_message, "home.toml: group.threshold: only for scheme \"shamir\"");
  require_error([&] { (void)group(replace(minimal_text, "scheme = \"shamir\"", "scheme = \"replicated\"")); },
                errc::invalid_argument, "group.scheme: unknown scheme \"replicated\"");
}

TEST_CASE("a TOML syntax error names the line and column", "[platform]") {
  // round_ms is on line 6 of full_text.
  require_error([] { (void)group(replace(full_text, "round_ms = 1000", "round_ms = = 1000")); },
                errc::malformed_message, "home.toml:6:");
  require_error([] { (void)group(replace(full_text, "[policy]", "[policy")); }, errc::malformed_message,
                "home.toml:10:");
  require_error([] { (void)group("a = 1\na = 2\n"); }, errc::malformed_message, "home.toml:2:");
  require_error([] { (void)parse_gateway_local("[gateway\n", "/x", "gw.toml"); }, errc::malformed_message,
                "gw.toml:1:");
  require_error([] { (void)parse_device_local("x = \"\n", "/x"); }, errc::malformed_message, "config:1:");
}

TEST_CASE("a missing required key or table is named", "[platform]") {
  const auto missing = [](std::string_view line, std::string_view needle) {
    require_error([&] { (void)group(replace(full_text, line, "")); }, errc::malformed_message, needle);
  };
  missing("scheme = \"shamir\"\n", "home.toml: missing key group.scheme");
  missing("threshold = 1\n", "home.toml: missing key group.threshold");
  missing("round_ms = 1000\n", "home.toml: missing key group.round_ms");
  missing("min_clients = 10\n", "home.toml: missing key policy.min_clients");
  missing("recipients = [0, 2]\n", "home.toml: missing key policy.recipients");
  missing("host = \"10.0.0.2\"\n", "home.toml: missing key gateways[1].host");
  missing("peer_port = 7002\n", "home.toml: missing key gateways[2].peer_port");
  missing("ingest_port = 7100\n", "home.toml: missing key gateways[0].ingest_port");
  missing("id = 0\n", "home.toml: missing key gateways[0].id");
  missing("public_key = \"" + key1 + "\"\n", "home.toml: missing key gateways[1].public_key");
  missing("name = \"humidity\"\n", "home.toml: missing key channels[1].name");
  missing("min = -40.0\n", "home.toml: missing key channels[0].min");
  missing("max = 100.5\n", "home.toml: missing key channels[1].max");

  const std::string no_group = minimal_text.substr(minimal_text.find("[policy]"));
  require_error([&] { (void)group(no_group); }, errc::malformed_message, "home.toml: missing key group");
  const std::string no_channels = replace(minimal_text, "[[channels]]\nname = \"t\"\nmin = -1.0\nmax = 1.0\n", "");
  require_error([&] { (void)group(no_channels); }, errc::malformed_message, "home.toml: missing key channels");

  require_error([] { (void)parse_gateway_local(replace(full_text, "store = \"data/gw1.db\"\n", ""), "/x", "home.toml"); },
                errc::malformed_message, "home.toml: missing key gateway.store");
  require_error([] { (void)parse_device_local(replace(full_text, "client_id = 7\n", ""), "/x", "home.toml"); },
                errc::malformed_message, "home.toml: missing key device.client_id");
}

TEST_CASE("a value of the wrong type is refused", "[platform]") {
  const auto wrong = [](std::string_view from, std::string_view to, std::string_view needle) {
    require_error([&] { (void)group(replace(full_text, from, to)); }, errc::malformed_message, needle);
  };
  wrong("round_ms = 1000", "round_ms = 1000.0", "group.round_ms: expected an integer, not a float");
  wrong("threshold = 1", "threshold = \"1\"", "group.threshold: expected an integer, not a string");
  wrong("peer_port = 7001", "peer_port = \"7001\"", "gateways[1].peer_port: expected an integer, not a string");
  wrong("min_clients = 10", "min_clients = true", "policy.min_clients: expected an integer, not a boolean");
  wrong("recipients = [0, 2]", "recipients = 0", "policy.recipients: expected an array, not an integer");
  wrong("recipients = [0, 2]", "recipients = [0, 2.0]", "policy.recipients[1]: expected an integer, not a float");
  wrong("reveal = [\"count\", \"mean\", \"max\"]", "reveal = [\"count\", 1]",
        "policy.reveal[1]: expected a string, not an integer");
  wrong("min = -40.0", "min = \"-40.0\"", "channels[0].min: expected a float, not a string");
  wrong("alert_above = 30.0", "alert_above = 1979-05-27", "channels[0].alert_above: expected a float, not a date");
  wrong("name = \"home\"", "name = 1", "group.name: expected a string, not an integer");
  wrong("host = \"10.0.0.3\"", "host = [\"10.0.0.3\"]", "gateways[2].host: expected a string, not an array");
  wrong("frac_bits = 12", "frac_bits = 12.0", "channels[0].frac_bits: expected an integer, not a float");
  require_error([] { (void)group("group = 1\n"); }, errc::malformed_message, "group: expected a table, not an integer");
  require_error([] { (void)group(replace(full_text, "[[channels]]\nname = \"humidity\"", "[[channels]]\nname = 7")); },
                errc::malformed_message, "channels[1].name: expected a string");
  require_error([] { (void)parse_gateway_local(replace(full_text, "rounds = 5", "rounds = \"5\""), "/x"); },
                errc::malformed_message, "gateway.rounds: expected an integer, not a string");
  require_error([] { (void)parse_gateway_local(replace(full_text, "secret_key = \"gw1.key\"", "secret_key = 1"), "/x"); },
                errc::malformed_message, "gateway.secret_key: expected a string, not an integer");
  require_error([] { (void)parse_device_local(replace(full_text, "client_id = 7", "client_id = 7.0"), "/x"); },
                errc::malformed_message, "device.client_id: expected an integer, not a float");
}

TEST_CASE("an unknown key anywhere is refused with its path", "[platform]") {
  const auto unknown = [](std::string_view from, std::string_view to, std::string_view needle) {
    require_error([&] { (void)group(replace(full_text, from, to)); }, errc::malformed_message, needle);
  };
  unknown("threshold = 1", "threshold = 1\ntresholds = 2", "home.toml: unknown key group.tresholds");
  unknown("min_clients = 10", "min_clients = 10\nmin_client = 1", "home.toml: unknown key policy.min_client");
  unknown("ingest_port = 7101", "ingest_port = 7101\nport = 1", "home.toml: unknown key gateways[1].port");
  unknown("alert_above = 30.0", "alert_above = 30.0\nalert_below = 1.0",
          "home.toml: unknown key channels[0].alert_below");
  unknown("[policy]", "[polcy]\nx = 1\n[policy]", "home.toml: unknown key polcy");
  unknown("[group]", "version = 1\n[group]", "home.toml: unknown key version");
  unknown("[group]", "[group.extra]\n[group]", "home.toml: unknown key group.extra");
  // Unknown keys in the local tables are refused by their readers.
  require_error([] { (void)parse_gateway_local(replace(full_text, "rounds = 5", "rounds = 5\nport = 1"), "/x", "h"); },
                errc::malformed_message, "h: unknown key gateway.port");
  require_error([] { (void)parse_device_local(replace(full_text, "rounds = 3", "round = 3"), "/x", "h"); },
                errc::malformed_message, "h: unknown key device.round");
  // ... and a stray top-level table by every reader.
  require_error([] { (void)parse_device_local(full_text + "[gatway]\nid = 1\n", "/x", "h"); },
                errc::malformed_message, "h: unknown key gatway");
}

TEST_CASE("an integer that does not fit its field is out of range", "[platform]") {
  const auto range = [](std::string_view from, std::string_view to, std::string_view needle) {
    require_error([&] { (void)group(replace(full_text, from, to)); }, errc::out_of_range, needle);
  };
  range("peer_port = 7000", "peer_port = 65536", "gateways[0].peer_port: 65536 (0 to 65535)");
  range("ingest_port = 7102", "ingest_port = -1", "gateways[2].ingest_port: -1 (0 to 65535)");
  range("peer_port = 7001", "peer_port = 4294974297", "gateways[1].peer_port: 4294974297");  // 2^32 + 7001
  range("id = 1\nhost", "id = -1\nhost", "gateways[1].id: -1 (0 to 4294967295)");
  range("id = 0\nhost", "id = 4294967296\nhost", "gateways[0].id: 4294967296");
  range("threshold = 1", "threshold = -1", "group.threshold: -1");
  range("min_clients = 10", "min_clients = -10", "policy.min_clients: -10");
  range("recipients = [0, 2]", "recipients = [0, -2]", "policy.recipients[1]: -2");
  range("frac_bits = 12", "frac_bits = -1", "channels[0].frac_bits: -1");
  range("min = -40.0", "min = -9007199254740993", "channels[0].min: -9007199254740993");
  require_error([] { (void)parse_gateway_local(replace(full_text, "rounds = 5", "rounds = 4294967296"), "/x"); },
                errc::out_of_range, "gateway.rounds: 4294967296");
  require_error([] { (void)parse_gateway_local(replace(full_text, "id = 1\nsecret", "id = -1\nsecret"), "/x"); },
                errc::out_of_range, "gateway.id: -1");
  require_error([] { (void)parse_device_local(replace(full_text, "client_id = 7", "client_id = -7"), "/x"); },
                errc::out_of_range, "device.client_id: -7");
  // Fits the type but not the rules: that is validate's.
  require_error([] { (void)group(replace(full_text, "peer_port = 7000", "peer_port = 0")); }, errc::invalid_argument,
                "gateway 0: port 0");
}

TEST_CASE("a public key that is not 64 hex digits names the gateway", "[platform]") {
  const auto bad_key = [](const std::string& key) {
    require_error([&] { (void)group(replace(full_text, key1, key)); }, errc::malformed_message,
                  "home.toml: gateways[1].public_key: the public key of gateway 1 is not 64 hex digits");
  };
  bad_key(key1.substr(1));                     // 63 digits
  bad_key(key1.substr(2));                     // 62 digits
  bad_key(key1 + "A");                         // 65 digits
  bad_key(key1 + "AB");                        // 66 digits
  bad_key("");                                 // empty
  bad_key(key1.substr(0, 63) + "g");           // not hex
  bad_key("0x" + key1.substr(2));              // a prefix
  bad_key(" " + key1.substr(1));               // a space
  bad_key(key1.substr(0, 31) + "-" + key1.substr(32));
}

TEST_CASE("gateway ids must be 0 to n-1 in order", "[platform]") {
  require_error([] { (void)group(replace(full_text, "id = 1\nhost", "id = 0\nhost")); }, errc::invalid_argument,
                "gateway 1: id 0");
  require_error([] { (void)group(replace(full_text, "id = 2\nhost", "id = 1\nhost")); }, errc::invalid_argument,
                "gateway 2: id 1");
  require_error([] { (void)group(replace(full_text, "id = 0\nhost", "id = 3\nhost")); }, errc::invalid_argument,
                "gateway 0: id 3");
  require_error([] { (void)group(replace(full_text, key2, key0)); }, errc::invalid_argument,
                "gateway 2: a public key used twice");
}

TEST_CASE("validate runs on what was read", "[platform]") {
  require_error([] { (void)group(replace(full_text, "threshold = 1", "threshold = 2")); }, errc::invalid_argument,
                "threshold t = 2");
  require_error([] { (void)group(replace(full_text, "threshold = 1", "threshold = 0")); }, errc::invalid_argument,
                "threshold t = 0");
  require_error([] { (void)group(replace(full_text, "recipients = [0, 2]", "recipients = [0, 3]")); },
                errc::invalid_argument, "recipient 3 is not a gateway");
  require_error([] { (void)group(replace(full_text, "recipients = [0, 2]", "recipients = []")); },
                errc::invalid_argument, "no recipients");
  require_error([] { (void)group(replace(full_text, "domain = \"mersenne61\"", "domain = \"z2k\"")); },
                errc::invalid_argument, "domain 'z2k'");
  require_error([] { (void)group(replace(full_text, "round_ms = 1000", "round_ms = -1")); }, errc::invalid_argument,
                "round_ms: -1");
  require_error([] { (void)group(replace(full_text, "min = -40.0", "min = nan")); }, errc::invalid_argument,
                "min must be below max");
  require_error([] { (void)group(replace(full_text, "alert_above = 30.0", "alert_above = inf")); },
                errc::invalid_argument, "alert_above outside");
  require_error([] { (void)group(replace(full_text, "name = \"humidity\"", "name = \"temperature\"")); },
                errc::invalid_argument, "unique");
}

TEST_CASE("the policy's quota and validation are read and checked", "[platform]") {
  const GroupConfig c = group(replace(minimal_text, "recipients = [0]", "recipients = [0]\nmax_readings = 16\nvalidation = \"off\""));
  CHECK(c.policy.max_readings == 16);
  CHECK(c.policy.validation == Validation::off);
  CHECK(group(replace(minimal_text, "recipients = [0]", "recipients = [0]\nvalidation = \"required\"")).policy.validation ==
        Validation::required);
  require_error([] { (void)group(replace(minimal_text, "recipients = [0]", "recipients = [0]\nvalidation = \"maybe\"")); },
                errc::invalid_argument, "policy.validation: \"maybe\" (required or off)");
  require_error([] { (void)group(replace(minimal_text, "recipients = [0]", "recipients = [0]\nmax_readings = 0")); },
                errc::invalid_argument, "max_readings must be at least 1");
  require_error([] { (void)group(replace(minimal_text, "recipients = [0]", "recipients = [0]\nmax_readings = -1")); },
                errc::out_of_range, "policy.max_readings");
  require_error([] { (void)group(replace(minimal_text, "scheme = \"shamir\"\nthreshold = 1", "scheme = \"additive\"")); },
                errc::invalid_argument, "needs Shamir sharing");
}

TEST_CASE("an unknown statistic name is refused", "[platform]") {
  require_error([] { (void)group(replace(full_text, "\"max\"]", "\"maximum\"]")); }, errc::invalid_argument,
                "policy.reveal[2]: unknown statistic \"maximum\"");
  require_error([] { (void)group(replace(full_text, "\"count\", \"mean\", \"max\"", "\"Count\"")); },
                errc::invalid_argument, "policy.reveal[0]: unknown statistic \"Count\"");
  const GroupConfig all = group(replace(full_text, "\"count\", \"mean\", \"max\"",
                                        "\"alerts\", \"min\", \"variance\", \"max\", \"mean\", \"count\""));
  CHECK(all.policy.reveal == std::vector<Statistic>{Statistic::alerts, Statistic::minimum, Statistic::variance,
                                                     Statistic::maximum, Statistic::mean, Statistic::count});
}

TEST_CASE("local paths are resolved against the base directory", "[platform]") {
  const fs::path base = fs::path("/var/lib") / "edgempc";
  const GatewayLocalConfig gw = parse_gateway_local(full_text, base);
  CHECK(gw.secret_key == base / "gw1.key");
  CHECK(gw.store == base / "data" / "gw1.db");
  CHECK(gw.enrolment == fs::path("/etc/edgempc/enrolment.txt"));  // absolute: kept

  const GatewayLocalConfig rel = parse_gateway_local(full_text, "conf");
  CHECK(rel.secret_key == fs::path("conf") / "gw1.key");
  const GatewayLocalConfig here = parse_gateway_local(full_text, fs::path());
  CHECK(here.secret_key == fs::path("gw1.key"));

  const DeviceLocalConfig dev =
      parse_device_local(replace(full_text, "\"dev7.key\"", "\"../keys/dev7.key\""), base);
  CHECK(dev.secret_key == base / ".." / "keys" / "dev7.key");

  require_error([] { (void)parse_gateway_local(replace(full_text, "\"gw1.key\"", "\"\""), "/x", "h"); },
                errc::invalid_argument, "h: gateway.secret_key: empty path");
}

TEST_CASE("load reads files and refuses missing or oversized ones", "[platform]") {
  const TempDir dir;
  const fs::path file = dir.write("home.toml", full_text);

  const GroupConfig c = load_group_config(file);
  CHECK(c.name == "home");
  CHECK(c.gateways.size() == 3);
  const GatewayLocalConfig gw = load_gateway_local(file);
  CHECK(gw.secret_key == dir.path / "gw1.key");
  CHECK(gw.store == dir.path / "data" / "gw1.db");
  const DeviceLocalConfig dev = load_device_local(file);
  CHECK(dev.secret_key == dir.path / "dev7.key");

  // Errors name the file.
  const fs::path broken = dir.write("broken.toml", replace(full_text, "threshold = 1", "tresholds = 1"));
  require_error([&] { (void)load_group_config(broken); }, errc::malformed_message,
                broken.string() + ": unknown key group.tresholds");

  const fs::path missing = dir.path / "missing.toml";
  require_error([&] { (void)load_group_config(missing); }, errc::invalid_argument, missing.string());
  require_error([&] { (void)load_gateway_local(missing); }, errc::invalid_argument, missing.string());
  require_error([&] { (void)load_device_local(missing); }, errc::invalid_argument, missing.string());
  require_error([&] { (void)load_group_config(dir.path); }, errc::invalid_argument, dir.path.string());

  // Exactly the limit is read (and a comment padding is valid TOML); one byte more is refused.
  std::string padded = full_text + "#";
  padded.resize(max_config_file_size - 1, 'x');
  padded += '\n';
  REQUIRE(padded.size() == max_config_file_size);
  CHECK(load_group_config(dir.write("limit.toml", padded)).name == "home");
  const fs::path big = dir.write("big.toml", padded + "\n");
  require_error([&] { (void)load_group_config(big); }, errc::message_too_large, big.string());
  require_error([&] { (void)load_gateway_local(big); }, errc::message_too_large, big.string());
  require_error([&] { (void)load_device_local(big); }, errc::message_too_large, big.string());
}

TEST_CASE("the gateway's operating limits: read when given, unset otherwise, range-checked", "[platform]") {
  const auto with = [](const std::string& extra) {
    return replace(full_text, "rounds = 5\n", "rounds = 5\n" + extra);
  };
  const GatewayLocalConfig set = parse_gateway_local(
      with("retain_rounds = 8\nmax_connections = 300\nmax_per_address = 20\nidle_timeout_ms = 15000\n"
           "request_timeout_ms = 4000\n"),
      "/x", "home.toml");
  CHECK(set.retain_rounds == 8u);
  CHECK(set.max_connections == 300u);
  CHECK(set.max_per_address == 20u);
  CHECK(set.idle_timeout_ms == 15000u);
  CHECK(set.request_timeout_ms == 4000u);
  const GatewayLocalConfig unset = parse_gateway_local(full_text, "/x", "home.toml");
  CHECK_FALSE(unset.retain_rounds);
  CHECK_FALSE(unset.max_connections);
  CHECK_FALSE(unset.idle_timeout_ms);
  CHECK_THROWS_AS(parse_gateway_local(with("max_per_address = -1\n"), "/x", "home.toml"), edgempc::error);
  CHECK_THROWS_AS(parse_gateway_local(with("idle_timeout_ms = 1.5\n"), "/x", "home.toml"), edgempc::error);
  CHECK_THROWS_AS(parse_gateway_local(with("retain_rounds = 4294967296\n"), "/x", "home.toml"), edgempc::error);
}

TEST_CASE("the MQTT tables ingest and uplink read back, and their mistakes are named", "[platform]") {
  const std::string with_mqtt = full_text +
                                "[ingest]\nmqtt = \"mqtt://10.0.0.5:1883\"\nusername = \"gw1\"\npassword_file = \"gw1.mqtt\"\n"
                                "topic_prefix = \"home\"\nworkers = 2\n"
                                "[uplink]\nmqtt = \"mqtt://10.0.0.5:1884\"\nusername = \"kitchen-1\"\n";
  const GatewayLocalConfig gw = parse_gateway_local(with_mqtt, "/srv/edgempc", "home.toml");
  REQUIRE(gw.mqtt);
  CHECK(gw.mqtt->url == "mqtt://10.0.0.5:1883");
  CHECK(gw.mqtt->username == std::optional<std::string>("gw1"));
  CHECK(gw.mqtt->password_file == std::optional<fs::path>(fs::path("/srv/edgempc") / "gw1.mqtt"));
  CHECK(gw.mqtt->topic_prefix == "home");
  CHECK(gw.mqtt->workers == 2);
  const DeviceLocalConfig dev = parse_device_local(with_mqtt, "/srv/edgempc", "home.toml");
  REQUIRE(dev.mqtt);
  CHECK(dev.mqtt->url == "mqtt://10.0.0.5:1884");
  CHECK(dev.mqtt->username == std::optional<std::string>("kitchen-1"));
  CHECK_FALSE(dev.mqtt->password_file);
  CHECK(dev.mqtt->topic_prefix == "edgempc");
  // Without the tables: no broker.
  CHECK_FALSE(parse_gateway_local(full_text, "/x").mqtt);
  CHECK_FALSE(parse_device_local(full_text, "/x").mqtt);
  require_error([&] { (void)parse_gateway_local(full_text + "[ingest]\nusername = \"gw1\"\n", "/x", "h"); },
                errc::malformed_message, "ingest.mqtt");
  require_error([&] { (void)parse_gateway_local(full_text + "[ingest]\nmqtt = \"mqtt://h\"\nqos = 2\n", "/x", "h"); },
                errc::malformed_message, "ingest.qos");
  require_error([&] { (void)parse_device_local(full_text + "[uplink]\nmqtt = \"mqtt://h\"\nworkers = 2\n", "/x", "h"); },
                errc::malformed_message, "uplink.workers");
  // The password: the first line of its file.
  test::TempDir dir("edgempc-mqtt-config");
  std::ofstream(dir / "pw") << "s3cret\nignored\n";
  MqttLocalConfig m;
  CHECK_FALSE(load_mqtt_password(m));
  m.password_file = dir / "pw";
  CHECK(load_mqtt_password(m) == std::optional<std::string>("s3cret"));
  std::ofstream(dir / "empty") << "\n";
  m.password_file = dir / "empty";
  require_error([&] { (void)load_mqtt_password(m); }, errc::invalid_argument, "empty MQTT password");
  m.password_file = dir / "missing";
  require_error([&] { (void)load_mqtt_password(m); }, errc::invalid_argument, "missing");
}

TEST_CASE("the TLS keys of the MQTT tables read back, and need an mqtts URL", "[platform]") {
  const std::string tls = full_text +
                          "[ingest]\nmqtt = \"mqtts://broker.lan:8883\"\nca_file = \"ca.pem\"\ncert_file = \"/etc/edgempc/gw1.crt\"\n"
                          "key_file = \"gw1.key\"\nserver_name = \"broker.lan\"\n"
                          "[uplink]\nmqtt = \"mqtts://broker.lan\"\n";
  const GatewayLocalConfig gw = parse_gateway_local(tls, "/srv/edgempc", "home.toml");
  REQUIRE(gw.mqtt);
  CHECK(gw.mqtt->ca_file == std::optional<fs::path>(fs::path("/srv/edgempc") / "ca.pem"));
  CHECK(gw.mqtt->cert_file == std::optional<fs::path>("/etc/edgempc/gw1.crt"));
  CHECK(gw.mqtt->key_file == std::optional<fs::path>(fs::path("/srv/edgempc") / "gw1.key"));
  CHECK(gw.mqtt->server_name == std::optional<std::string>("broker.lan"));
  // mqtts:// alone: the system's CA store, no client certificate.
  const DeviceLocalConfig dev = parse_device_local(tls, "/srv/edgempc", "home.toml");
  REQUIRE(dev.mqtt);
  CHECK(dev.mqtt->url == "mqtts://broker.lan");
  CHECK_FALSE(dev.mqtt->ca_file);
  CHECK_FALSE(dev.mqtt->cert_file);
  CHECK_FALSE(dev.mqtt->server_name);
  // TLS files with a plain URL: the file contradicts itself.
  require_error([&] { (void)parse_gateway_local(full_text + "[ingest]\nmqtt = \"mqtt://h\"\nca_file = \"ca.pem\"\n", "/x", "h"); },
                errc::invalid_argument, "need an mqtts:// URL");
  require_error([&] { (void)parse_device_local(full_text + "[uplink]\nmqtt = \"mqtt://h\"\nserver_name = \"h\"\n", "/x", "h"); },
                errc::invalid_argument, "need an mqtts:// URL");
  // A certificate without its key, or a key without its certificate.
  require_error([&] { (void)parse_device_local(full_text + "[uplink]\nmqtt = \"mqtts://h\"\ncert_file = \"a.crt\"\n", "/x", "h"); },
                errc::invalid_argument, "cert_file and key_file go together");
  require_error([&] { (void)parse_gateway_local(full_text + "[ingest]\nmqtt = \"mqtts://h\"\nkey_file = \"a.key\"\n", "/x", "h"); },
                errc::invalid_argument, "cert_file and key_file go together");
  require_error([&] { (void)parse_gateway_local(full_text + "[ingest]\nmqtt = \"mqtts://h\"\nca_file = 3\n", "/x", "h"); },
                errc::malformed_message, "ingest.ca_file");
}

// --- epoch_ms optional: the default round numbering ----------------------------------------
TEST_CASE("without epoch_ms a group numbers rounds from default_epoch_ms", "[platform]") {
  const GroupConfig c = group(replace(full_text, "epoch_ms = 1795000000000\n", ""));
  CHECK(c.epoch_ms == default_epoch_ms);
  // 2026-01-01T00:00:00Z, a whole number of days (so whole seconds, minutes, hours of UTC are boundaries).
  CHECK(default_epoch_ms == 1'767'225'600'000);
  CHECK(default_epoch_ms % (24 * 3600 * 1000) == 0);
  // Given explicitly, it is kept, 0 included.
  CHECK(group(full_text).epoch_ms == 1795000000000);
  CHECK(group(minimal_text).epoch_ms == 0);
}

TEST_CASE("the next round boundary is a pure function of the time, the same for every process", "[platform]") {
  constexpr std::int64_t L = 10'000;
  constexpr std::int64_t e = default_epoch_ms;
  // 2026-12-07T22:31:57.123Z: the next 10-second round opens at 22:32:00.000, the next minute at 22:32.
  constexpr std::int64_t now = 1'796'682'717'123;
  STATIC_REQUIRE(next_round_boundary_ms(now, L) == 1'796'682'720'000);
  STATIC_REQUIRE(next_round_boundary_ms(now, 60'000) == 1'796'682'720'000);
  STATIC_REQUIRE(next_round_boundary_ms(now, 3'600'000) == 1'796'684'400'000);  // 23:00
  // Two processes whose clocks read different times of one round agree on the boundary and the round.
  const std::int64_t r = round_at_ms(now, L);
  CHECK(r == (now - e) / L);
  CHECK(r == 2'945'711);  // large round numbers: the 10-second rounds since 2026-01-01
  for (std::int64_t t = e + r * L; t < e + (r + 1) * L; t += 997) {
    CHECK(round_at_ms(t, L) == r);
    if (t != e + r * L) CHECK(next_round_boundary_ms(t, L) == e + (r + 1) * L);
  }
  // On a boundary it is that boundary; before the epoch, the epoch (round -1: not started yet).
  CHECK(next_round_boundary_ms(e + 5 * L, L) == e + 5 * L);
  CHECK(next_round_boundary_ms(e + 5 * L + 1, L) == e + 6 * L);
  CHECK(next_round_boundary_ms(e - 1, L) == e);
  CHECK(round_at_ms(e - 1, L) == -1);
  CHECK(round_at_ms(e, L) == 0);
  // Another epoch, and the shortest round: 32-bit round numbers last 6.8 years from the epoch.
  CHECK(next_round_boundary_ms(1'001, 50, 1'000) == 1'050);
  CHECK(round_at_ms(e + (std::int64_t{1} << 32) * 50 - 1, 50) == (std::int64_t{1} << 32) - 1);
  CHECK((std::int64_t{1} << 32) * 50 / (365LL * 24 * 3600 * 1000) == 6);
}

// --- one group file, and a small file per process that names it ----------------------------
namespace {

// minimal_text cut in two: the group tables, and the process tables.
const std::string group_only = minimal_text.substr(0, minimal_text.find("[gateway]"));
const std::string process_only = minimal_text.substr(minimal_text.find("[gateway]"));

}  // namespace

TEST_CASE("a process file takes its group from the group_file it names", "[platform]") {
  const TempDir dir;
  const fs::path group_path = dir.write("group.toml", group_only);
  const fs::path gw = dir.write("gw0.toml", "# gateway 0\ngroup_file = \"group.toml\"\n\n" + process_only);

  const GroupConfig from_group = load_group_config(gw);
  const GroupConfig single = load_group_config(dir.write("single.toml", minimal_text));
  CHECK(from_group.gateways.size() == 3);
  CHECK(from_group.gateways[1].public_key == single.gateways[1].public_key);
  CHECK(from_group.round_length == single.round_length);
  CHECK(from_group.channels[0].name == "t");
  CHECK(group_file_of(gw) == group_path);
  CHECK(group_file_of(dir.path / "single.toml") == dir.path / "single.toml");
  // The process tables are read from the process file, paths relative to it.
  CHECK(load_gateway_local(gw).secret_key == dir.path / "a.key");
  CHECK(load_device_local(gw).secret_key == dir.path / "d.key");

  // Relative to the process file's directory, not the working directory; absolute kept.
  fs::create_directories(dir.path / "gw1");
  const fs::path nested = dir.write("gw1/gw1.toml", "group_file = \"../group.toml\"\n" + process_only);
  CHECK(load_group_config(nested).gateways.size() == 3);
  CHECK(load_gateway_local(nested).store == dir.path / "gw1" / "s.db");
  const fs::path absolute =
      dir.write("abs.toml", "group_file = \"" + group_path.string() + "\"\n[device]\nclient_id = 4\nsecret_key = \"k\"\n");
  CHECK(load_group_config(absolute).gateways.size() == 3);
  CHECK(load_device_local(absolute).client_id == 4);
}

TEST_CASE("group_file beside a group table is refused, naming the file, key and line", "[platform]") {
  const TempDir dir;
  (void)dir.write("group.toml", group_only);
  // group_file on line 1, [group] on line 2.
  const fs::path both = dir.write("both.toml", "group_file = \"group.toml\"\n" + minimal_text);
  require_error([&] { (void)load_group_config(both); }, errc::malformed_message,
                both.string() + ": group_file (line 1) and the group table group both given");
  require_error([&] { (void)load_group_config(both); }, errc::malformed_message, "(line 2)");
  require_error([&] { (void)group_file_of(both); }, errc::malformed_message, "both given");
  // Any one group table is enough to refuse it.
  const fs::path channels =
      dir.write("channels.toml", "group_file = \"group.toml\"\n" + process_only + "\n[[channels]]\nname = \"x\"\n");
  require_error([&] { (void)load_group_config(channels); }, errc::malformed_message,
                "group_file (line 1) and the group table channels both given");
  // And parse_group_config, which has no directory to follow it from, refuses it.
  require_error([&] { (void)group("group_file = \"group.toml\"\n" + process_only); }, errc::malformed_message,
                "home.toml: group_file: this document names its group file; read it with load_group_config");
  // group_file must be a non-empty string.
  require_error([&] { (void)load_group_config(dir.write("num.toml", "group_file = 3\n" + process_only)); },
                errc::malformed_message, "group_file: expected a string, not an integer");
  require_error([&] { (void)load_group_config(dir.write("empty.toml", "group_file = \"\"\n" + process_only)); },
                errc::invalid_argument, "group_file: empty path");
}

TEST_CASE("a missing or unreadable group file is named with the key that names it", "[platform]") {
  const TempDir dir;
  const fs::path gw = dir.write("gw0.toml", "\ngroup_file = \"nowhere/group.toml\"\n" + process_only);
  require_error([&] { (void)load_group_config(gw); }, errc::invalid_argument,
                gw.string() + ": group_file \"nowhere/group.toml\" (line 2): cannot read config file " +
                    (dir.path / "nowhere" / "group.toml").string());
  // group_file_of does not read the group file: it only says where it is.
  CHECK(group_file_of(gw) == dir.path / "nowhere" / "group.toml");
  // A directory.
  fs::create_directories(dir.path / "d");
  const fs::path to_dir = dir.write("to_dir.toml", "group_file = \"d\"\n" + process_only);
  require_error([&] { (void)load_group_config(to_dir); }, errc::invalid_argument, "(line 1): cannot read config file");
}

TEST_CASE("a group file holds the group tables only: no group_file, no process table", "[platform]") {
  const TempDir dir;
  (void)dir.write("other.toml", group_only);
  const fs::path chained = dir.write("chained.toml", "\n\ngroup_file = \"other.toml\"\n");
  const fs::path gw = dir.write("gw.toml", "group_file = \"chained.toml\"\n" + process_only);
  require_error([&] { (void)load_group_config(gw); }, errc::malformed_message,
                chained.string() + ": group_file in a group file: a group file holds the group tables itself and "
                                   "cannot name another (line 3)");
  // A file naming itself is the same mistake, not a loop.
  const fs::path self = dir.write("self.toml", "group_file = \"self.toml\"\n" + process_only);
  require_error([&] { (void)load_group_config(self); }, errc::malformed_message, "group_file in a group file");

  // A single-file configuration named as a group file: its [gateway] would be ignored, so refused.
  const fs::path full = dir.write("full.toml", minimal_text);
  const fs::path dev = dir.write("dev.toml", "group_file = \"full.toml\"\n[device]\nclient_id = 1\nsecret_key = \"k\"\n");
  require_error([&] { (void)load_group_config(dev); }, errc::malformed_message,
                full.string() + ": [gateway] in a group file: it belongs in the process's own file");
  for (const char* table : {"device", "ingest", "uplink"}) {
    const fs::path g = dir.write(std::string("g_") + table + ".toml", group_only + "\n[" + table + "]\n");
    const fs::path p = dir.write(std::string("p_") + table + ".toml",
                                 "group_file = \"" + g.filename().string() + "\"\n" + process_only);
    require_error([&] { (void)load_group_config(p); }, errc::malformed_message,
                  g.string() + ": [" + table + "] in a group file");
  }
}

TEST_CASE("a group file's own mistakes are named with its name and line", "[platform]") {
  const TempDir dir;
  const fs::path g = dir.write("group.toml", replace(group_only, "round_ms = 500", "round_ms = = 500"));
  const fs::path gw = dir.write("gw.toml", "group_file = \"group.toml\"\n" + process_only);
  require_error([&] { (void)load_group_config(gw); }, errc::malformed_message, g.string() + ":4:");
  (void)dir.write("group.toml", replace(group_only, "threshold = 1", "tresholds = 1"));
  require_error([&] { (void)load_group_config(gw); }, errc::malformed_message,
                g.string() + ": unknown key group.tresholds (line 3)");
  (void)dir.write("group.toml", replace(group_only, "round_ms = 500", "round_ms = 5"));
  require_error([&] { (void)load_group_config(gw); }, errc::invalid_argument, "config: round_ms: 5");
}

TEST_CASE("a group file is held to the same size limit", "[platform]") {
  const TempDir dir;
  std::string padded = group_only + "#";
  padded.resize(max_config_file_size - 1, 'x');
  padded += '\n';
  (void)dir.write("group.toml", padded);
  const fs::path gw = dir.write("gw.toml", "group_file = \"group.toml\"\n" + process_only);
  CHECK(load_group_config(gw).gateways.size() == 3);
  const fs::path big = dir.write("big.toml", padded + "\n");
  const fs::path to_big = dir.write("to_big.toml", "group_file = \"big.toml\"\n" + process_only);
  require_error([&] { (void)load_group_config(to_big); }, errc::message_too_large,
                to_big.string() + ": group_file \"big.toml\" (line 1): config file " + big.string() + ": larger than");
}
