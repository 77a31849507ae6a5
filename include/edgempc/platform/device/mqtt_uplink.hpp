// SPDX-License-Identifier: Apache-2.0
// MqttUplink: delivers sealed submissions to every gateway of a group through an MQTT 5 broker
// (the topics of platform/gateway/mqtt_ingest.hpp), with the same interface and the same codes
// as the direct TCP uplink (uplink.hpp).
//
// Acknowledged means stored. The broker's PUBACK only says the broker has the message; a
// submission counts as held by gateway G only when G's answer says `accepted` or `replayed`,
// and G answers after its store committed. A message without an answer after `retry` is
// published again (a gateway that stored it but whose answer was lost says `replayed`), until
// the deadline; what is still unanswered then stays `unavailable`, as on TCP. A lost broker
// connection is reopened and everything unanswered sent again.
//
// Batching: up to `batch` submissions for one gateway go in one message (one answer, one store
// transaction at the gateway), fewer if the message would pass mqtt_max_message (256 KiB); 1
// sends each alone.
//
// Threat: the broker learns who publishes how much and when, never a reading (each submission
// is sealed for its gateway). Answers are not authenticated: whoever may publish to this
// device's reply topic (the broker ACL gives that to the gateways only) can claim `accepted`
// for a submission the gateway never stored; on TCP the same holds for whoever can inject into
// the connection. A broker refusal (CONNACK or PUBACK "not authorized", a bad password, over
// mqtts:// a certificate either side rejects) throws errc::authentication_failed naming the
// cause: a device whose credentials are wrong should stop, not retry.
//
// Not thread-safe; one connection, one thread (the caller's).
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/error.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/device/uplink.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/mqtt_client.hpp"
#include "edgempc/platform/mqtt_topics.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

struct MqttUplinkOptions {
  std::string url;                       ///< mqtt://HOST:PORT, or mqtts://HOST:PORT with `tls`
  /// TLS to the broker: mqtt::tls_link() of platform/mqtt_tls.hpp; set exactly for mqtts://.
  mqtt::LinkFactory tls;
  std::optional<std::string> username;
  std::optional<std::string> password;
  std::string topic_prefix = "edgempc";
  /// This device's topic level; empty: the user name, else the client id.
  std::string device_level;
  std::string client_id;                 ///< empty: PREFIX-DEVICE
  std::size_t batch = 64;                ///< submissions per message, at most
  std::chrono::milliseconds retry{2000}; ///< republish an unanswered message after this
  std::chrono::milliseconds timeout{10000};  ///< connect, subscribe, send
  std::uint16_t keep_alive_s = 30;

  void validate() const {
    mqtt::check_link(mqtt::BrokerAddress::parse(url), tls, url);
    if (!mqtt::valid_topic_level(topic_prefix)) throw error(errc::invalid_argument, "MqttUplinkOptions: a bad topic prefix '" + topic_prefix + "'");
    if (batch == 0 || batch > submission_max_batch) throw error(errc::invalid_argument, "MqttUplinkOptions: batch must be 1.." + std::to_string(submission_max_batch));
    if (retry.count() <= 0 || timeout.count() <= 0) throw error(errc::invalid_argument, "MqttUplinkOptions: times must be positive");
  }
};

class MqttUplink {
 public:
  /// errc::invalid_argument for bad options or a device level that is no topic level.
  MqttUplink(GroupConfig group, MqttUplinkOptions options) : group_(std::move(group)), options_(std::move(options)) {
    options_.validate();
    broker_ = mqtt::BrokerAddress::parse(options_.url);
    if (options_.device_level.empty()) options_.device_level = options_.username ? *options_.username : options_.client_id;
    if (!mqtt::valid_topic_level(options_.device_level))
      throw error(errc::invalid_argument, "MqttUplink: the device's topic level '" + options_.device_level +
                                              "' is empty or holds '/', '+', '#'");
    if (options_.client_id.empty()) options_.client_id = options_.topic_prefix + "-" + options_.device_level;
  }

  /// submissions[i][g] is submission i's sealed message for gateway g; returns codes[i][g]
  /// (uplink.hpp's contract). Blocks until every gateway answered everything or `deadline`.
  /// errc::authentication_failed if the broker refuses this device (see the header).
  [[nodiscard]] std::vector<std::vector<IngestCode>> send(
      const std::vector<std::vector<std::vector<std::uint8_t>>>& submissions,
      std::chrono::steady_clock::time_point deadline) {
    const std::size_t n = group_.gateways.size();
    auto codes = detail::unanswered(submissions, n, "MqttUplink");
    // One message per (gateway, chunk of submissions).
    struct Message {
      std::size_t gateway = 0, begin = 0, end = 0;
      std::vector<std::uint8_t> payload;
      bool answered = false;
      std::chrono::steady_clock::time_point sent{};
      bool ever_sent = false;
    };
    // A message ends at `batch` submissions or before it would pass the layout's size limit
    // (mqtt_max_message, less room for the topic and properties).
    static constexpr std::size_t payload_limit = mqtt_max_message - 1024;
    std::vector<Message> messages;
    for (std::size_t g = 0; g < n; ++g)
      for (std::size_t at = 0; at < submissions.size();) {
        Message m{g, at, at, {}, false, {}, false};
        for (; m.end < submissions.size() && m.end - m.begin < options_.batch; ++m.end) {
          const auto& s = submissions[m.end][g];
          if (s.empty() || s.size() + 1 > max_request_size)
            throw error(errc::message_too_large, "MqttUplink: a submission of " + std::to_string(s.size()) + " bytes");
          if (m.end > m.begin && m.payload.size() + 5 + s.size() > payload_limit) break;
          const std::size_t where = m.payload.size();
          m.payload.resize(where + 5 + s.size());
          edgempc::detail::store_le<std::uint32_t>(m.payload.data() + where, static_cast<std::uint32_t>(s.size() + 1));
          m.payload[where + 4] = static_cast<std::uint8_t>(IngestKind::submit);
          std::copy(s.begin(), s.end(), m.payload.begin() + static_cast<std::ptrdiff_t>(where + 5));
        }
        at = m.end;
        messages.push_back(std::move(m));
      }
    std::size_t open = messages.size();
    const std::uint32_t call = ++calls_;
    std::map<std::uint16_t, std::size_t> in_flight;  // packet id -> message, until the broker's PUBACK
    const std::string reply_topic = mqtt_topics::reply(options_.topic_prefix, options_.device_level);
    while (open != 0 && std::chrono::steady_clock::now() < deadline) {
      try {
        if (!conn_) {
          in_flight.clear();
          mqtt::ConnectOptions connect;
          connect.client_id = options_.client_id;
          connect.username = options_.username;
          connect.password = options_.password;
          connect.clean_start = true;  // answers are QoS 0: nothing to resume
          connect.keep_alive_s = options_.keep_alive_s;
          conn_ = std::make_unique<mqtt::MqttConnection>(broker_, connect, options_.timeout, mqtt::default_max_packet, options_.tls);
          conn_->subscribe(reply_topic, 0);
          for (auto& m : messages) m.ever_sent = false;  // send everything unanswered again
        }
        // Publish what is due, within the broker's quota of unacknowledged messages.
        const auto now = std::chrono::steady_clock::now();
        std::vector<std::uint8_t> out;
        for (std::size_t k = 0; k < messages.size() && in_flight.size() < conn_->send_quota(); ++k) {
          Message& m = messages[k];
          if (m.answered || (m.ever_sent && now - m.sent < options_.retry)) continue;
          std::uint16_t id = conn_->next_packet_id();
          while (in_flight.contains(id)) id = conn_->next_packet_id();
          std::array<std::uint8_t, 8> correlation{};
          edgempc::detail::store_le<std::uint32_t>(correlation.data(), call);
          edgempc::detail::store_le<std::uint32_t>(correlation.data() + 4, static_cast<std::uint32_t>(k));
          const auto p = mqtt::encode_publish(mqtt_topics::submit(options_.topic_prefix, static_cast<PartyId>(m.gateway),
                                                                  options_.device_level),
                                              m.payload, 1, id, std::nullopt, correlation);
          out.insert(out.end(), p.begin(), p.end());
          in_flight[id] = k;
          m.sent = now;
          m.ever_sent = true;
        }
        if (!out.empty()) conn_->send(out);
        const auto wait = std::min<std::chrono::milliseconds>(
            std::chrono::milliseconds(100),
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()) +
                std::chrono::milliseconds(1));
        for (const auto& p : conn_->receive(wait)) {
          if (p.type == mqtt::PacketType::puback) {
            const auto it = in_flight.find(p.packet_id);
            if (it == in_flight.end()) continue;
            const std::size_t k = it->second;
            in_flight.erase(it);
            if (p.reason_code >= 0x80) {
              conn_.reset();
              throw error(p.reason_code == mqtt::reason::not_authorized ? errc::authentication_failed : errc::connection_lost,
                          "MqttUplink: the broker refused a publish to " +
                              mqtt_topics::submit(options_.topic_prefix, static_cast<PartyId>(messages[k].gateway),
                                                  options_.device_level) +
                              " (reason " + std::to_string(p.reason_code) + ")");
            }
          } else if (p.type == mqtt::PacketType::publish && p.topic == reply_topic) {
            // Correlation: (this call, message); an answer to an earlier call is dropped.
            if (!p.properties.correlation_data || p.properties.correlation_data->size() != 8) continue;
            if (edgempc::detail::load_le<std::uint32_t>(p.properties.correlation_data->data()) != call) continue;
            const auto k = edgempc::detail::load_le<std::uint32_t>(p.properties.correlation_data->data() + 4);
            if (k >= messages.size() || messages[k].answered) continue;
            Message& m = messages[k];
            const std::size_t count = m.end - m.begin;
            if (p.payload.size() == ingest_reply_size && p.payload[0] == 0 &&
                p.payload[1] == static_cast<std::uint8_t>(IngestCode::malformed)) {
              // The gateway could not frame the message at all (mqtt_topics.hpp): every request in
              // it is malformed; sending it again would not help.
              for (std::size_t i = 0; i < count; ++i) codes[m.begin + i][m.gateway] = IngestCode::malformed;
              m.answered = true;
              --open;
              continue;
            }
            if (p.payload.size() != count * ingest_reply_size) continue;  // a malformed answer: wait for another
            bool valid = true;
            for (std::size_t i = 0; i < count; ++i) {
              const std::uint8_t* r = p.payload.data() + i * ingest_reply_size;
              valid = valid && r[0] == static_cast<std::uint8_t>(IngestKind::submit) &&
                      r[1] <= static_cast<std::uint8_t>(IngestCode::stale);
            }
            if (!valid) continue;
            for (std::size_t i = 0; i < count; ++i)
              codes[m.begin + i][m.gateway] = static_cast<IngestCode>(p.payload[i * ingest_reply_size + 1]);
            m.answered = true;
            --open;
          }
        }
      } catch (const error& e) {
        conn_.reset();
        if (e.code() == make_error_code(errc::authentication_failed)) throw;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    return codes;
  }

 private:
  GroupConfig group_;
  MqttUplinkOptions options_;
  mqtt::BrokerAddress broker_;
  std::unique_ptr<mqtt::MqttConnection> conn_;
  std::uint32_t calls_ = 0;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
