// SPDX-License-Identifier: Apache-2.0
// edgempc-gateway: run one gateway of a group, and set a group up.
//
//   edgempc-gateway --config FILE
//       Runs the gateway that FILE's [gateway] table names (platform/config_toml.hpp for the
//       format): loads the group, its secret key and the enrolment file, opens its store, and
//       finishes rounds. [gateway].rounds = N > 0 runs rounds 0 .. N-1 counted from the
//       group's epoch (the same last round at every gateway of the group, whenever each
//       started) and exits after finishing round N-1; 0 runs until SIGTERM or SIGINT. One
//       JSON line per finished round goes to stdout (platform::to_json), logs go to stderr.
//       SIGTERM or SIGINT stops it cleanly (a second one exits at once).
//   edgempc-gateway keygen --secret FILE --public FILE
//       Makes a new X25519 key pair (net/keys.hpp; the secret file gets mode 0600) and prints
//       the public key in hex. Refuses to overwrite either file.
//   edgempc-gateway enrol --enrolment FILE --public-key FILE [--id N]
//       Enrols a device's public key in an enrolment file (creating it if missing) under the
//       next free id, or id N, and prints the id. Every gateway needs the same enrolment.
//   edgempc-gateway unenrol --enrolment FILE --id N
//       Removes client N (its id is retired, never handed out again).
//
// Exit status: 0 on success (and after a clean stop), 1 on an error (printed on stderr as
// "edgempc-gateway: <what>"), 2 on a usage error.
#include <edgempc/net/keys.hpp>
#include <edgempc/platform/config_toml.hpp>
#include <edgempc/platform/enrolment.hpp>
#include <edgempc/platform/gateway.hpp>
#include <edgempc/version.hpp>

#include <CLI/CLI.hpp>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "mqtt_settings.hpp"
#include "signal_watcher.hpp"

using namespace edgempc;
namespace fs = std::filesystem;

namespace {

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using edgempc_tools::SignalWatcher;
using edgempc_tools::apply_mqtt_settings;

int run_gateway(const fs::path& config_path) {
  const platform::GroupConfig group = platform::load_group_config(config_path);
  const platform::GatewayLocalConfig local = platform::load_gateway_local(config_path);
  if (local.id >= group.gateways.size())
    throw error(errc::invalid_argument, config_path.string() + ": gateway.id " + std::to_string(local.id) +
                                            " is not one of the group's " + std::to_string(group.gateways.size()) +
                                            " gateways");
  KeyPair keys = load_key_pair(local.secret_key);
  platform::Enrolment enrolment = platform::Enrolment::load(local.enrolment);
  const std::size_t enrolled = enrolment.size();

  SignalWatcher signals("edgempc-gateway");  // before the Gateway starts its threads
  platform::GatewayOptions options;
  if (local.retain_rounds) options.retain_rounds = *local.retain_rounds;
  if (local.max_connections) options.ingest.max_connections = *local.max_connections;
  if (local.max_per_address) options.ingest.max_per_address = *local.max_per_address;
  if (local.idle_timeout_ms) options.ingest.idle_timeout = std::chrono::milliseconds(*local.idle_timeout_ms);
  if (local.request_timeout_ms) options.ingest.request_timeout = std::chrono::milliseconds(*local.request_timeout_ms);
  options.ingest.validate();  // a zero limit is a configuration error, said before starting
  if (local.mqtt) {
    platform::MqttIngestOptions m;
    apply_mqtt_settings(*local.mqtt, m);
    m.workers = local.mqtt->workers;
    m.validate();
    options.mqtt = std::move(m);
  }
  platform::Gateway gateway(group, local.id, std::move(keys), std::move(enrolment), local.store, options);
  struct Clear {
    SignalWatcher& s;
    ~Clear() { s.clear(); }
  } clear_before_the_gateway_dies{signals};
  signals.on_signal([&gateway] { gateway.stop(); });

  const auto& me = group.gateways[local.id];
  std::fprintf(stderr,
               "gateway %u: group '%s', %zu gateways, %zu clients enrolled, ingest on %s:%u, peers on port %u, "
               "round_ms %lld, clock at round %u, %s\n",
               local.id, group.name.c_str(), group.gateways.size(), enrolled, me.host.c_str(), me.ingest_port,
               me.peer_port, static_cast<long long>(group.round_length.count()), gateway.start_round(),
               local.rounds > 0 ? ("last round " + std::to_string(local.rounds - 1)).c_str() : "until SIGTERM");
  if (local.mqtt)
    std::fprintf(stderr, "gateway %u: also taking submissions through the MQTT broker %s (%u worker%s, topics %s/g%u/submit/+)\n",
                 local.id, local.mqtt->url.c_str(), local.mqtt->workers, local.mqtt->workers == 1 ? "" : "s",
                 local.mqtt->topic_prefix.c_str(), local.id);

  std::size_t reported = 0;
  const auto print = [&](const platform::RoundReport& r) {
    std::printf("%s\n", platform::to_json(r).c_str());
    std::fflush(stdout);
    ++reported;
  };
  if (local.rounds > 0) {
    gateway.run(local.rounds - 1, print);
    if (reported == 0 && !signals.signalled() && gateway.start_round() > local.rounds - 1)
      std::fprintf(stderr, "gateway %u: round %u is past already (the clock is at round %u): nothing to do\n", local.id,
                   local.rounds - 1, gateway.start_round());
  } else {
    gateway.run(std::numeric_limits<std::uint32_t>::max(), print);  // until SIGTERM
  }
  if (signals.signalled()) std::fprintf(stderr, "gateway %u: stopped\n", local.id);
  return 0;
}

int keygen(const fs::path& secret, const fs::path& pub) {
  for (const auto& p : {secret, pub}) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(p, ec))) throw error(errc::invalid_argument, p.string() + " exists; not overwriting it");
  }
  const KeyPair keys = KeyPair::generate();
  save_key_pair(keys, secret, pub);
  std::printf("%s\n", detail::to_hex(keys.public_key()).c_str());
  return 0;
}

int enrol(const fs::path& file, const fs::path& pub, std::optional<platform::ClientId> id) {
  const PublicKey key = load_public_key(pub);
  std::error_code ec;
  platform::Enrolment e = fs::exists(file, ec) ? platform::Enrolment::load(file) : platform::Enrolment{};
  platform::ClientId got = 0;
  if (id) {
    e.add_client(key, *id);
    got = *id;
  } else {
    got = e.add_client(key);
  }
  e.save(file);
  std::printf("%u\n", got);
  return 0;
}

int unenrol(const fs::path& file, platform::ClientId id) {
  platform::Enrolment e = platform::Enrolment::load(file);
  if (!e.remove_client(id)) throw error(errc::invalid_argument, file.string() + ": no client " + std::to_string(id));
  e.save(file);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs one gateway of an edgempc group, or sets a group up (keys and enrolment).", "edgempc-gateway"};
  app.set_version_flag("--version", EDGEMPC_VERSION_STRING);
  app.require_subcommand(0, 1);
  std::string config;
  app.add_option("--config", config,
                 "The group's TOML file with this gateway's [gateway] table: run the gateway")
      ->type_name("FILE");
  app.footer(
      "Running: one JSON line per finished round on stdout, logs on stderr. [gateway].rounds = N > 0 runs\n"
      "rounds 0 .. N-1 counted from the group's epoch_ms and exits after finishing round N-1 (every gateway\n"
      "of the group stops after the same round); rounds = 0 runs until SIGTERM or SIGINT, which stop it\n"
      "cleanly (a second signal exits at once).\n"
      "Setting up: keygen a key pair per gateway and per device, put the gateways' public keys (the hex\n"
      "keygen prints) in the [[gateways]] tables, enrol every device's public key, and give every gateway\n"
      "a copy of the same enrolment file.\n"
      "Exit status: 0 on success or a clean stop, 1 on an error, 2 on a usage error.");

  std::string secret, pub;
  CLI::App* keygen_cmd = app.add_subcommand("keygen", "Make a new X25519 key pair (refuses to overwrite)");
  keygen_cmd->add_option("--secret", secret, "The secret key file to create (mode 0600)")->required()->type_name("FILE");
  keygen_cmd->add_option("--public", pub, "The public key file to create")->required()->type_name("FILE");

  std::string enrol_file, enrol_key;
  platform::ClientId enrol_id = 0;
  CLI::App* enrol_cmd = app.add_subcommand("enrol", "Enrol a device's public key; prints its client id");
  enrol_cmd->add_option("--enrolment", enrol_file, "The enrolment file (created if missing)")->required()->type_name("FILE");
  enrol_cmd->add_option("--public-key", enrol_key, "The device's public key file (from keygen)")->required()->type_name("FILE");
  CLI::Option* enrol_id_opt =
      enrol_cmd->add_option("--id", enrol_id, "Use this client id (default: the next free one)")
          ->type_name("N")
          ->check(CLI::Range(platform::ClientId{0}, platform::ClientId{0xFFFFFFFEu}));

  std::string unenrol_file;
  platform::ClientId unenrol_id = 0;
  CLI::App* unenrol_cmd = app.add_subcommand("unenrol", "Remove a client; its id is never reused");
  unenrol_cmd->add_option("--enrolment", unenrol_file, "The enrolment file")->required()->type_name("FILE");
  unenrol_cmd->add_option("--id", unenrol_id, "The client id")->required()->type_name("N")
      ->check(CLI::Range(platform::ClientId{0}, platform::ClientId{0xFFFFFFFEu}));

  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
      throw Usage(e.what());
    }
    if (app.got_subcommand(keygen_cmd) || app.got_subcommand(enrol_cmd) || app.got_subcommand(unenrol_cmd)) {
      if (!config.empty()) throw Usage("--config is for running a gateway, not for a subcommand");
      if (app.got_subcommand(keygen_cmd)) return keygen(secret, pub);
      if (app.got_subcommand(enrol_cmd))
        return enrol(enrol_file, enrol_key,
                     enrol_id_opt->count() ? std::optional<platform::ClientId>(enrol_id) : std::nullopt);
      return unenrol(unenrol_file, unenrol_id);
    }
    if (config.empty()) throw Usage("--config FILE is required (or a subcommand: keygen, enrol, unenrol)");
    return run_gateway(config);
  } catch (const Usage& e) {
    std::fprintf(stderr, "edgempc-gateway: %s\nRun with --help for more information.\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edgempc-gateway: %s\n", e.what());
    return 1;
  }
}
