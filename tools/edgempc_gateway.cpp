// SPDX-License-Identifier: Apache-2.0
// edgempc-gateway: run one gateway of a group, and set a group up.
//
//   edgempc-gateway --config FILE
//       Runs the gateway that FILE's [gateway] table names (platform/config_toml.hpp for the
//       format; the group comes from the group file FILE names with group_file, or from FILE
//       itself): loads the group, its secret key and the enrolment file, opens its store, and
//       finishes rounds. [gateway].rounds = N > 0 finishes the N rounds from the one its clock is
//       in at start (round 0 before the epoch) and exits; gateways started in the same round
//       stop after the same one. 0 runs until SIGTERM or SIGINT. One JSON line per finished
//       round goes to stdout (platform::to_json), logs go to stderr. SIGTERM or SIGINT stops it
//       cleanly (a second one exits at once).
//   edgempc-gateway check --config FILE
//       Checks FILE as running would, without running (tools/gateway_check.hpp): prints
//       "FILE: OK: <summary>" and exits 0, or prints every problem found and exits 1.
//   edgempc-gateway keygen --secret FILE --public FILE
//       Makes a new X25519 key pair (net/keys.hpp; the secret file gets mode 0600) and prints
//       the public key in hex. Refuses to overwrite either file. (edgempc-device keygen is the
//       same command, tools/keygen.hpp.)
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
#include <edgempc/platform/gateway/metrics_server.hpp>
#include <edgempc/platform/log.hpp>
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

#include "gateway_check.hpp"
#include "keygen.hpp"
#include "mqtt_settings.hpp"
#include "signal_watcher.hpp"

using namespace edgempc;
namespace fs = std::filesystem;

namespace {

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using edgempc_tools::SignalWatcher;

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
  platform::GatewayOptions options = edgempc_tools::gateway_options(local);
  platform::Logger::Options log_options;
  log_options.format = platform::parse_log_format(local.log_format);
  log_options.level = platform::parse_log_level(local.log_level);
  log_options.source = "gateway " + std::to_string(local.id);
  const platform::Logger log(platform::Logger::file_sink(stderr), log_options);
  options.logger = log;
  std::FILE* results_file = nullptr;
  if (local.results_file) {
    results_file = std::fopen(local.results_file->c_str(), "a");
    if (results_file == nullptr)
      throw error(errc::invalid_argument, "cannot open the results file " + local.results_file->string() + " for appending");
  }
  struct CloseResults {
    std::FILE* f;
    ~CloseResults() {
      if (f) std::fclose(f);
    }
  } close_results{results_file};
  platform::Gateway gateway(group, local.id, std::move(keys), std::move(enrolment), local.store, options);
  struct Clear {
    SignalWatcher& s;
    ~Clear() { s.clear(); }
  } clear_before_the_gateway_dies{signals};
  signals.on_signal([&gateway] { gateway.stop(); });

  // The health and metrics endpoint, if asked for: counts only, never shares or results.
  std::optional<platform::MetricsServer> metrics;
  if (local.metrics) {
    platform::MetricsServerOptions mo;
    const auto colon = local.metrics->rfind(':');
    mo.host = local.metrics->substr(0, colon);
    if (mo.host.size() > 2 && mo.host.front() == '[' && mo.host.back() == ']') mo.host = mo.host.substr(1, mo.host.size() - 2);
    const std::string port = local.metrics->substr(colon + 1);
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
      throw error(errc::invalid_argument, config_path.string() + ": gateway.metrics: a bad port in '" + *local.metrics + "'");
    mo.port = static_cast<std::uint16_t>(std::stoul(port));
    metrics.emplace(
        mo, [&gateway] { return platform::to_prometheus(gateway.metrics()); },
        [&gateway, id = local.id] {
          const platform::GatewaySnapshot s = gateway.metrics();
          std::string body = "{\"status\":\"ok\",\"gateway\":" + std::to_string(id);
          if (s.last_round)
            body += ",\"last_round\":" + std::to_string(*s.last_round) + ",\"last_round_status\":\"" +
                    platform::to_string(s.last_status) + "\"";
          return body + "}";
        });
  }

  const auto& me = group.gateways[local.id];
  // rounds = N: the N rounds from the one the clock is in at start; 0: all of them (until SIGTERM).
  constexpr std::uint64_t no_end = std::numeric_limits<std::uint32_t>::max();
  const auto last_round = static_cast<std::uint32_t>(
      local.rounds == 0 ? no_end : std::min(std::uint64_t{gateway.start_round()} + local.rounds - 1, no_end));
  log.info("start",
           {{"group", group.name}, {"gateways", group.gateways.size()}, {"enrolled", enrolled},
            {"ingest", me.host + ":" + std::to_string(me.ingest_port)}, {"peer_port", me.peer_port},
            {"round_ms", static_cast<std::int64_t>(group.round_length.count())}, {"start_round", gateway.start_round()},
            {"last_round", local.rounds > 0 ? std::to_string(last_round) : std::string("until SIGTERM")}},
           "serving");
  if (local.mqtt)
    log.info("start_mqtt",
             {{"broker", local.mqtt->url}, {"workers", local.mqtt->workers},
              {"topics", local.mqtt->topic_prefix + "/g" + std::to_string(local.id) + "/submit/+"}},
             "also taking submissions through the MQTT broker " + local.mqtt->url);
  if (metrics)
    log.info("start_metrics", {{"endpoint", *local.metrics}, {"port", metrics->port()}}, "serving /metrics and /health");

  // Results: one JSON line per finished round, with the time it was reported, on stdout and in
  // the results file if there is one.
  const auto print = [&](const platform::RoundReport& r) {
    const std::string json = platform::to_json(r);
    const std::string line = "{\"ts\":\"" + platform::rfc3339_ms(platform::SystemClock{}.now_ms()) + "\"," + json.substr(1) + "\n";
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
    if (results_file) {
      if (std::fwrite(line.data(), 1, line.size(), results_file) != line.size() || std::fflush(results_file) != 0)
        log.error("results_file", {{"file", local.results_file->string()}}, "cannot write the round's result");
    }
  };
  gateway.run(last_round, print);  // rounds = 0: until SIGTERM
  log.info("stop", {}, signals.signalled() ? "stopped by a signal" : "finished its rounds");
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
                 "This gateway's TOML file (its [gateway] table, and group_file naming the group's file or\n"
                 "the group tables themselves): run the gateway")
      ->type_name("FILE");
  app.footer(
      "Running: one JSON line per finished round on stdout, logs on stderr. [gateway].rounds = N > 0\n"
      "finishes the N rounds from the one the clock is in at start, then exits (gateways started in the\n"
      "same round stop after the same one); rounds = 0 runs until SIGTERM or SIGINT, which stop it\n"
      "cleanly (a second signal exits at once).\n"
      "Setting up (examples/config/ has samples): keygen a key pair per gateway (and edgempc-device keygen\n"
      "per device), put the gateways' public keys (the hex keygen prints) in the group file's [[gateways]]\n"
      "tables, enrol every device's public key, give every gateway a copy of the same enrolment file and\n"
      "of the group file, and check each gateway's file before starting it.\n"
      "Exit status: 0 on success or a clean stop, 1 on an error, 2 on a usage error.");

  std::string check_config;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Check a gateway's configuration without running it: exit 0 with a summary, or 1 with every problem");
  check_cmd->add_option("--config", check_config, "The gateway's TOML file")->required()->type_name("FILE");
  check_cmd->footer("Exit status: 0 with a one-line summary on stdout, 1 with every problem on stderr, 2 on a usage error.");

  edgempc_tools::KeygenCommand keygen;
  keygen.add_to(app, "a gateway or a device");
  CLI::App* keygen_cmd = keygen.command;

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
    if (app.got_subcommand(check_cmd) || app.got_subcommand(keygen_cmd) || app.got_subcommand(enrol_cmd) ||
        app.got_subcommand(unenrol_cmd)) {
      if (!config.empty()) throw Usage("--config before a subcommand is for running a gateway (check takes its own: check --config FILE)");
      if (app.got_subcommand(check_cmd)) return edgempc_tools::check_gateway(check_config, platform::SystemClock{}.now_ms());
      if (app.got_subcommand(keygen_cmd)) return keygen.run();
      if (app.got_subcommand(enrol_cmd))
        return enrol(enrol_file, enrol_key,
                     enrol_id_opt->count() ? std::optional<platform::ClientId>(enrol_id) : std::nullopt);
      return unenrol(unenrol_file, unenrol_id);
    }
    if (config.empty()) throw Usage("--config FILE is required (or a subcommand: check, keygen, enrol, unenrol)");
    return run_gateway(config);
  } catch (const Usage& e) {
    std::fprintf(stderr, "edgempc-gateway: %s\nRun with --help for more information.\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edgempc-gateway: %s\n", e.what());
    return 1;
  }
}
