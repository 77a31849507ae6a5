// SPDX-License-Identifier: Apache-2.0
// edgempc-device check --config FILE [--state FILE]: what a device would refuse at start, found
// without sending anything (no source opened, no gateway or broker contacted):
//   - the group (FILE's group_file, or FILE's own group tables) and FILE's [device] table;
//   - the secret key file is readable and private (mode 0600);
//   - the state file can be created or written, in a directory that takes new files;
//   - the [uplink] MQTT settings (URL, password file, TLS files), if any, are valid.
// Whether the device is enrolled only the gateways know: the summary prints its public key, to
// compare with the enrolment. Every problem is reported, not only the first.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <edgempc/net/keys.hpp>
#include <edgempc/platform/config.hpp>
#include <edgempc/platform/config_toml.hpp>
#include <edgempc/platform/device/mqtt_uplink.hpp>

#include "config_check.hpp"
#include "mqtt_settings.hpp"

namespace edgempc_tools {

[[nodiscard]] inline int check_device(const std::filesystem::path& config, const std::filesystem::path& state,
                                      std::int64_t now_ms) {
  namespace platform = edgempc::platform;
  ConfigCheck check;
  std::optional<platform::GroupConfig> group;
  std::optional<platform::DeviceLocalConfig> local;
  std::filesystem::path group_file = config;
  check.attempt([&] {
    group_file = platform::group_file_of(config);
    group = platform::load_group_config(config);
  });
  check.attempt([&] { local = platform::load_device_local(config); });
  if (!local) return check.report("edgempc-device", config.string(), "");

  std::string public_key;
  check.attempt([&] { public_key = edgempc::detail::to_hex(edgempc::load_key_pair(local->secret_key).public_key()); },
                "device.secret_key: ");
  check.writable_file(state, "state file");
  if (local->mqtt)
    check.attempt([&] {
      platform::MqttUplinkOptions o;
      apply_mqtt_settings(*local->mqtt, o);
      o.device_level = local->mqtt->username ? *local->mqtt->username : "d" + std::to_string(local->client_id);
      o.validate();
    }, "[uplink]: ");

  std::string summary = "device " + std::to_string(local->client_id);
  if (group)
    summary += " of group '" + group->name + "' (" + group_file.filename().string() + "): " +
               std::to_string(group->gateways.size()) + " gateways, " + std::to_string(group->channels.size()) +
               " channels, " + describe_rounds(*group, now_ms) + ", uplink " +
               (local->mqtt ? local->mqtt->url : std::string("tcp")) + ", public key " + public_key +
               (local->rounds > 0 ? ", " + std::to_string(local->rounds) + " rounds" : std::string(", until SIGTERM"));
  return check.report("edgempc-device", config.string(), summary);
}

}  // namespace edgempc_tools
