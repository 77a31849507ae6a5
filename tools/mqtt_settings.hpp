// SPDX-License-Identifier: Apache-2.0
// apply_mqtt_settings: a tool's [ingest] or [uplink] table (platform::MqttLocalConfig) copied into
// MqttIngestOptions or MqttUplinkOptions, the broker fields both share, TLS included. Shared by
// edgempc-gateway and edgempc-device so that both read the same keys the same way.
//
// TLS needs OpenSSL (edgempc::mqtt_tls); a tool built without it (EDGEMPC_TOOLS_TLS undefined,
// e.g. a cross build without the target's libssl-dev) refuses an mqtts:// URL with
// errc::unsupported rather than sending in the clear.
#pragma once

#include <string>

#include <edgempc/error.hpp>
#include <edgempc/platform/config.hpp>
#include <edgempc/platform/config_toml.hpp>
#include <edgempc/platform/mqtt_client.hpp>
#ifdef EDGEMPC_TOOLS_TLS
#include <edgempc/platform/mqtt_tls.hpp>
#endif

namespace edgempc_tools {

template <class Options>
void apply_mqtt_settings(const edgempc::platform::MqttLocalConfig& m, Options& o) {
  namespace mqtt = edgempc::platform::mqtt;
  o.url = m.url;
  o.username = m.username;
  o.password = edgempc::platform::load_mqtt_password(m);
  o.topic_prefix = m.topic_prefix;
  if (!mqtt::BrokerAddress::parse(m.url).tls) return;
#ifdef EDGEMPC_TOOLS_TLS
  mqtt::TlsOptions tls;
  if (m.ca_file) tls.ca_file = *m.ca_file;
  if (m.cert_file) tls.cert_file = *m.cert_file;
  if (m.key_file) tls.key_file = *m.key_file;
  if (m.server_name) tls.server_name = *m.server_name;
  o.tls = mqtt::tls_link(tls);
#else
  throw edgempc::error(edgempc::errc::unsupported,
                       m.url + ": this program was built without TLS (OpenSSL, Debian: libssl-dev); use mqtt:// or rebuild");
#endif
}

}  // namespace edgempc_tools
