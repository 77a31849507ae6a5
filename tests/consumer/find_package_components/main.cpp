// SPDX-License-Identifier: Apache-2.0
// The consumer program of find_package(edgempc COMPONENTS gateway config): it uses the optional
// components for real, so a header missing from the install, a missing SQLite or toml++ link, or
// a broken component export fails here.
//  - edgempc::sqlite_store (through edgempc::gateway): a SqliteStore on a temporary file stores
//    a share, refuses its replay, reads it back after a reopen (decrypted), and refuses to open
//    under another key.
//  - edgempc::gateway: platform/gateway.hpp compiles and links, and its store models ShareStore.
//  - edgempc::config: a group of three gateways is read from TOML and checked field by field, and
//    an unknown key is refused.
//  - edgempc::mqtt_tls (where the install has it, CONSUMER_MQTT_TLS): tls_link reads its CA file
//    through OpenSSL and refuses a missing one.
#include <edgempc/platform/config_toml.hpp>
#include <edgempc/platform/gateway.hpp>
#include <edgempc/platform/gateway/sqlite_store.hpp>
#ifdef CONSUMER_MQTT_TLS
#include <edgempc/platform/mqtt_tls.hpp>
#endif

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

namespace {

int failures = 0;

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (const std::uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 15];
  }
  return s;
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

template <class F>
void check_error(edgempc::errc code, const char* what, F&& f) {
  try {
    f();
  } catch (const edgempc::error& e) {
    if (e.code() != edgempc::make_error_code(code)) {
      std::fprintf(stderr, "FAILED: %s: wrong error: %s\n", what, e.what());
      ++failures;
    }
    return;
  }
  std::fprintf(stderr, "FAILED: %s: no error\n", what);
  ++failures;
}

void store_round_trip(const std::filesystem::path& dir) {
  using edgempc::platform::SqliteStore;
  const std::filesystem::path db = dir / "shares.db";
  const edgempc::KeyPair keys = edgempc::KeyPair::generate();
  const std::vector<std::uint8_t> share = {1, 2, 3, 4, 5, 6, 7, 8, 250};
  {
    SqliteStore store(db, keys);
    check(store.put_share(42, 7, 0, share), "put_share stores a new share");
    check(!store.put_share(42, 7, 0, share), "put_share refuses a replay");
    const std::vector<std::uint8_t> state = {9, 9};
    store.set_round_state(7, 10, state);
  }
  {
    SqliteStore store(db, keys);  // reopened: the share was committed and is decrypted again
    const auto back = store.share(42, 7, 0);
    check(back.has_value() && *back == share, "the share reads back after a reopen");
    const auto all = store.shares_for_round(7);
    check(all.size() == 1 && all[0].client == 42 && all[0].share == share, "shares_for_round(7)");
    const auto state = store.round_state(7);
    check(state.has_value() && state->status == 10 && state->data == std::vector<std::uint8_t>{9, 9},
          "round_state(7)");
    check(store.rounds() == std::vector<std::uint64_t>{7}, "rounds()");
  }
  check_error(edgempc::errc::crypto_failure, "opening the store under another key",
              [&] { SqliteStore other(db, edgempc::KeyPair::generate()); });
}

void toml_group() {
  std::vector<edgempc::KeyPair> keys;
  std::string text =
      "[group]\n"
      "name = \"consumer\"\n"
      "scheme = \"shamir\"\n"
      "threshold = 1\n"
      "round_ms = 1000\n"
      "epoch_ms = 1795000000000\n"
      "[policy]\n"
      "min_clients = 2\n"
      "recipients = [0]\n";
  for (int i = 0; i < 3; ++i) {
    keys.push_back(edgempc::KeyPair::generate());
    text += "[[gateways]]\nid = " + std::to_string(i) + "\nhost = \"127.0.0.1\"\npeer_port = " +
            std::to_string(7000 + i) + "\ningest_port = " + std::to_string(7100 + i) + "\npublic_key = \"" +
            hex(keys.back().public_key()) + "\"\n";
  }
  text += "[[channels]]\nname = \"temperature\"\nmin = -40.0\nmax = 125.0\nalert_above = 30.0\n";

  const edgempc::platform::GroupConfig group = edgempc::platform::parse_group_config(text, "consumer.toml");
  check(group.name == "consumer", "group.name");
  check(group.scheme.kind == edgempc::platform::SplitScheme::Kind::shamir && group.scheme.threshold == 1 &&
            group.scheme.parties == 3,
        "group.scheme");
  check(group.quorum() == 2, "quorum");
  check(group.round_length == std::chrono::milliseconds(1000) && group.epoch_ms == 1795000000000,
        "round clock");
  check(group.policy.min_clients == 2 && group.policy.recipients == std::vector<edgempc::PartyId>{0}, "policy");
  check(group.gateways.size() == 3, "three gateways");
  for (std::size_t i = 0; i < group.gateways.size() && i < keys.size(); ++i) {
    check(group.gateways[i].id == i && group.gateways[i].ingest_port == 7100 + i, "gateway id and port");
    check(group.gateways[i].public_key == keys[i].public_key(), "gateway public key");
  }
  check(group.channels.size() == 1 && group.channels[0].name == "temperature" && group.channels[0].min == -40.0 &&
            group.channels[0].alert_above == 30.0,
        "channel");
  check_error(edgempc::errc::malformed_message, "an unknown key",
              [&] { (void)edgempc::platform::parse_group_config(text + "colour = \"blue\"\n", "bad.toml"); });
}

}  // namespace

static_assert(edgempc::platform::ShareStore<edgempc::platform::SqliteStore>);
static_assert(!std::is_copy_constructible_v<edgempc::platform::Gateway>);

int main() {
  std::error_code ec;
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("edgempc_consumer_" + hex(edgempc::KeyPair::generate().public_key()));
  std::filesystem::create_directories(dir);
  try {
    store_round_trip(dir);
    toml_group();
    edgempc::platform::GatewayOptions options;
    options.workers = 0;
    check(options.finish_limit.count() > 0, "GatewayOptions");
#ifdef CONSUMER_MQTT_TLS
    edgempc::platform::mqtt::TlsOptions tls;
    tls.ca_file = dir / "no-such-ca.pem";
    check_error(edgempc::errc::invalid_argument, "mqtt_tls: a missing CA file", [&] { (void)edgempc::platform::mqtt::tls_link(tls); });
    tls.ca_file.clear();  // the system's store
    check(static_cast<bool>(edgempc::platform::mqtt::tls_link(tls)), "mqtt_tls: a link with the system's CA store");
#endif
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAILED: %s\n", e.what());
    ++failures;
  }
  std::filesystem::remove_all(dir, ec);
  std::printf("edgempc %s: gateway, sqlite_store and config components: %s\n", EDGEMPC_VERSION_STRING,
              failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? 0 : 1;
}
