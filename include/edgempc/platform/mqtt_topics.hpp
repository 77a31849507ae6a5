// SPDX-License-Identifier: Apache-2.0
// The MQTT topic layout of a group's broker fan-in (platform/gateway/mqtt_ingest.hpp, the
// gateway side; platform/device/mqtt_uplink.hpp, the device side).
//
// Topics (PREFIX: the group's topic prefix, "edgempc" by default; G: the gateway's id; DEVICE:
// the device's topic level, by default its broker user name):
//   PREFIX/gG/submit/DEVICE   device -> gateway G, QoS 1. Payload: one or more requests of
//                             platform/ingest.hpp's wire format (u32 length, kind 1, a sealed
//                             submission), so a device may batch. Correlation Data (MQTT 5
//                             §3.3.2.3.6, at most 32 bytes) is echoed in the answer.
//   PREFIX/reply/DEVICE       gateway -> device, QoS 0: one 8-byte reply per request, in order
//                             (ingest.hpp); a payload that does not frame gets one reply
//                             (kind 0, code malformed). The Correlation Data of the request.
//   $share/PREFIX-gG/PREFIX/gG/submit/+
//                             what every ingest worker of gateway G subscribes to (an MQTT 5
//                             shared subscription, §4.8.2: each message goes to one worker).
//
// The broker's ACL gives a device write access to PREFIX/+/submit/DEVICE and read access to
// PREFIX/reply/DEVICE only, and the gateways read on PREFIX/+/submit/# and write on
// PREFIX/reply/# (examples/config/mosquitto.acl).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// The largest message of the layout (a packet, headers included): 256 KiB, many batches of
/// single readings or 680 validated readings of one channel. The gateway's MQTT ingest refuses
/// larger packets (the broker drops them) and the uplink never builds one.
inline constexpr std::size_t mqtt_max_message = 256 * 1024;

/// The topics of the layout above.
namespace mqtt_topics {
[[nodiscard]] inline std::string submit(std::string_view prefix, PartyId gateway, std::string_view device) {
  return std::string(prefix) + "/g" + std::to_string(gateway) + "/submit/" + std::string(device);
}
[[nodiscard]] inline std::string reply(std::string_view prefix, std::string_view device) {
  return std::string(prefix) + "/reply/" + std::string(device);
}
[[nodiscard]] inline std::string shared_filter(std::string_view prefix, PartyId gateway) {
  return "$share/" + std::string(prefix) + "-g" + std::to_string(gateway) + "/" + std::string(prefix) + "/g" +
         std::to_string(gateway) + "/submit/+";
}
}  // namespace mqtt_topics

}  // namespace platform
EDGEMPC_END_NAMESPACE
