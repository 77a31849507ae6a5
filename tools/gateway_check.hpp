// SPDX-License-Identifier: Apache-2.0
// edgempc-gateway check --config FILE: everything a gateway would refuse at start, found without
// starting it (no port is bound, no store opened, no broker contacted):
//   - the group (FILE's group_file, or FILE's own group tables) and FILE's [gateway] table;
//   - gateway.id is one of the group's gateways;
//   - the secret key file is readable, private (mode 0600) and its public key is the one the
//     group's [[gateways]] entry for this id holds;
//   - the enrolment file is readable and enrols at least policy.min_clients devices (with fewer,
//     no round can ever be published: the gateway reads the file only at start);
//   - the store can be created or written, in a directory that takes new files;
//   - the operating limits and the [ingest] MQTT settings (URL, password file, TLS files) are
//     valid: the same GatewayOptions the gateway would run with (gateway_options).
// Every problem is reported, not only the first.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include <edgempc/net/keys.hpp>
#include <edgempc/platform/config.hpp>
#include <edgempc/platform/config_toml.hpp>
#include <edgempc/platform/enrolment.hpp>
#include <edgempc/platform/gateway.hpp>

#include "config_check.hpp"
#include "mqtt_settings.hpp"

namespace edgempc_tools {

/// The GatewayOptions a gateway's [gateway] and [ingest] tables ask for: the operating limits and
/// the MQTT ingest, validated (errc::invalid_argument for a zero limit or bad MQTT settings).
/// Running and check both use it, so check passes exactly what running accepts.
[[nodiscard]] inline edgempc::platform::GatewayOptions gateway_options(const edgempc::platform::GatewayLocalConfig& local) {
  namespace platform = edgempc::platform;
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
  return options;
}

/// Checks the gateway configuration `config`; prints the summary or every problem and returns
/// the exit status (ConfigCheck::report).
[[nodiscard]] inline int check_gateway(const std::filesystem::path& config, std::int64_t now_ms) {
  namespace platform = edgempc::platform;
  ConfigCheck check;
  std::optional<platform::GroupConfig> group;
  std::optional<platform::GatewayLocalConfig> local;
  std::filesystem::path group_file = config;
  check.attempt([&] {
    group_file = platform::group_file_of(config);
    group = platform::load_group_config(config);
  });
  check.attempt([&] { local = platform::load_gateway_local(config); });
  if (!local) return check.report("edgempc-gateway", config.string(), "");

  const bool known_id = group && local->id < group->gateways.size();
  if (group && !known_id)
    check.problem(config.string() + ": gateway.id " + std::to_string(local->id) + " is not one of the " +
                  std::to_string(group->gateways.size()) + " gateways of " + group_file.string());
  check.attempt([&] {
    const edgempc::KeyPair keys = edgempc::load_key_pair(local->secret_key);
    if (known_id && keys.public_key() != group->gateways[local->id].public_key)
      check.problem("gateway.secret_key " + local->secret_key.string() + ": its public key " +
                    edgempc::detail::to_hex(keys.public_key()) + " is not gateway " + std::to_string(local->id) +
                    "'s public_key in " + group_file.string() + " (" +
                    edgempc::detail::to_hex(group->gateways[local->id].public_key) + ")");
  }, "gateway.secret_key: ");
  std::size_t enrolled = 0;
  check.attempt([&] {
    enrolled = platform::Enrolment::load(local->enrolment).size();
    if (group && enrolled < group->policy.min_clients)
      check.problem("gateway.enrolment " + local->enrolment.string() + ": " + std::to_string(enrolled) +
                    " devices enrolled, fewer than policy.min_clients = " + std::to_string(group->policy.min_clients) +
                    ": no round could be published (enrol them, then start the gateway)");
  }, "gateway.enrolment: ");
  check.writable_file(local->store, "gateway.store");
  check.attempt([&] { (void)gateway_options(*local); }, local->mqtt ? "[gateway] limits or [ingest]: " : "[gateway] limits: ");

  std::string summary = "gateway " + std::to_string(local->id);
  if (known_id) {
    const auto& g = *group;
    const auto& me = g.gateways[local->id];
    summary += " of group '" + g.name + "' (" + group_file.filename().string() + "): " +
               std::to_string(g.gateways.size()) + " gateways, " +
               (g.scheme.kind == platform::SplitScheme::Kind::shamir ? "shamir t=" + std::to_string(g.scheme.threshold)
                                                                     : std::string("additive")) +
               ", " + std::to_string(g.channels.size()) + " channels, " + describe_rounds(g, now_ms) + ", " +
               std::to_string(enrolled) + " devices enrolled, ingest " + me.host + ":" +
               std::to_string(me.ingest_port) + ", peers port " + std::to_string(me.peer_port) +
               (local->mqtt ? ", MQTT " + local->mqtt->url : std::string()) + ", store " + local->store.string() +
               (local->rounds > 0 ? ", " + std::to_string(local->rounds) + " rounds" : std::string(", until SIGTERM"));
  }
  return check.report("edgempc-gateway", config.string(), summary);
}

}  // namespace edgempc_tools
