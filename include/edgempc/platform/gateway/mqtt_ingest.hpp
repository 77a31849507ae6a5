// SPDX-License-Identifier: Apache-2.0
// MqttIngest: a gateway's submissions arriving through an MQTT 5 broker instead of its TCP
// ingest port (tcp_ingest.hpp). It hands each batch of messages' frames to the same handler
// (the gateway's intake), so the answers are the TCP ingest's codes (platform/ingest.hpp).
//
// Topics: platform/mqtt_topics.hpp. Every worker of gateway G subscribes to the shared filter
// there, so the broker hands each message to one of them: several processes of one gateway
// party share the load and one store.
//
// Acknowledged means stored: a message's PUBACK goes to the broker only after the handler
// returned, that is after the intake's store transaction committed, so a gateway killed between
// receipt and commit gets the message again when it reconnects (persistent session: Clean Start
// 0 and a session expiry; its client id must stay the same across restarts); a message seen
// twice is answered `replayed`, which counts as held. The answer goes after the commit too, and
// a device counts a reading as held only on `accepted` or `replayed`.
//
// Threat: the broker is not trusted with anything secret: submissions are sealed end to end for
// this gateway (platform/submission.hpp), so the broker can drop, delay, replay or reorder them,
// which the intake answers as it does on TCP, and cannot forge or read them. A device can publish
// anything its broker ACL allows (examples/config/mosquitto.acl: only its own submit topics);
// answers go only to the reply topic of the level it published under, never to a Response Topic
// it names, so a device cannot direct answers at another device. Bounds: the broker hands this
// gateway at most `receive_maximum` unacknowledged messages per worker (its Receive Maximum)
// and none larger than `max_packet` (its Maximum Packet Size), so a worker holds at most their
// product in memory (32 MiB by default) however devices flood; a payload with more requests
// than max_requests_per_message is answered malformed as a whole.
//
// Threads: one per worker, started by the constructor and joined by the destructor; the handler
// is called from them concurrently (the gateway's locks it). A lost broker is retried every
// `reconnect_backoff` until the destructor; the log gets one line per outage, not one per try.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "edgempc/error.hpp"
#include "edgempc/platform/gateway/tcp_ingest.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/mqtt_client.hpp"
#include "edgempc/platform/mqtt_topics.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// Where and how a gateway takes submissions through a broker.
struct MqttIngestOptions {
  std::string url;                        ///< mqtt://HOST:PORT, or mqtts://HOST:PORT with `tls`
  /// TLS to the broker: mqtt::tls_link() of platform/mqtt_tls.hpp; set exactly for mqtts://.
  mqtt::LinkFactory tls;
  std::optional<std::string> username;    ///< the gateway's broker credentials, if the broker asks
  std::optional<std::string> password;
  std::string topic_prefix = "edgempc";   ///< one topic level: the group's prefix
  /// The client id; worker k adds "-k". Empty: PREFIX-gG. Must stay the same across restarts
  /// (the broker keeps the unacknowledged messages under it).
  std::string client_id;
  std::size_t workers = 1;                ///< connections sharing the subscription
  std::uint16_t keep_alive_s = 30;
  std::uint32_t session_expiry_s = 7 * 24 * 3600;  ///< how long the broker queues for a gateway that is down
  /// Messages in flight to one worker: what it reads and commits in one batch at most.
  std::uint16_t receive_maximum = 128;
  /// The largest message the broker may hand a worker (MQTT Maximum Packet Size; larger ones the
  /// broker drops). A worker buffers at most receive_maximum x max_packet (32 MiB by default),
  /// whatever devices send.
  std::size_t max_packet = mqtt_max_message;
  std::size_t max_requests_per_message = submission_max_batch;
  std::chrono::milliseconds timeout{10000};            ///< connect, subscribe, send
  std::chrono::milliseconds reconnect_backoff{500};
  /// Test hook: called with the number of messages of a batch after it arrived and before the
  /// handler runs (a test kills the process here: "between receipt and commit").
  std::function<void(std::size_t)> at_receipt;

  /// errc::invalid_argument for a bad URL, prefix, worker count or limit.
  void validate() const {
    mqtt::check_link(mqtt::BrokerAddress::parse(url), tls, url);
    if (!mqtt::valid_topic_level(topic_prefix)) throw error(errc::invalid_argument, "MqttIngestOptions: a bad topic prefix '" + topic_prefix + "'");
    if (workers == 0 || workers > 64) throw error(errc::invalid_argument, "MqttIngestOptions: workers must be 1..64");
    if (receive_maximum == 0 || max_requests_per_message == 0 || max_packet < 1024)
      throw error(errc::invalid_argument, "MqttIngestOptions: receive_maximum, max_requests_per_message and max_packet (>= 1024) must be positive");
    if (timeout.count() <= 0 || reconnect_backoff.count() <= 0)
      throw error(errc::invalid_argument, "MqttIngestOptions: timeouts must be positive");
  }
};

/// What the MQTT ingest has seen (for tests and monitoring).
struct MqttIngestCounters {
  std::uint64_t messages = 0;    ///< messages handled and acknowledged
  std::uint64_t requests = 0;    ///< requests in them
  std::uint64_t malformed = 0;   ///< messages answered malformed as a whole
  std::uint64_t connects = 0;    ///< successful connections (the first and every reconnect)
  std::uint64_t outages = 0;     ///< times the broker was lost or could not be reached
  std::vector<std::uint64_t> per_worker;  ///< messages handled by each worker
};

class MqttIngest {
 public:
  using Handler = TcpIngest::Handler;
  using Log = TcpIngest::Log;

  /// Starts the workers (they connect in the background). errc::invalid_argument for bad options.
  MqttIngest(PartyId gateway, MqttIngestOptions options, Handler handler, Log log = {})
      : gateway_(gateway), options_(std::move(options)), handler_(std::move(handler)), log_(std::move(log)) {
    options_.validate();
    broker_ = mqtt::BrokerAddress::parse(options_.url);
    if (options_.client_id.empty()) options_.client_id = options_.topic_prefix + "-g" + std::to_string(gateway_);
    counters_.per_worker.assign(options_.workers, 0);
    for (std::size_t k = 0; k < options_.workers; ++k) workers_.emplace_back([this, k] { work(k); });
  }

  MqttIngest(const MqttIngest&) = delete;
  MqttIngest& operator=(const MqttIngest&) = delete;

  ~MqttIngest() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }

  [[nodiscard]] MqttIngestCounters counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
  }

  /// Blocks until every worker is subscribed (true) or `timeout` passed (false). For tests and
  /// start-up: messages published before the first subscription are still queued by the broker
  /// only if the session existed already.
  bool wait_subscribed(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return subscribed_ == workers_.size(); });
  }

 private:
  void work(std::size_t k) {
    bool down = false;
    while (!stopping()) {
      bool counted = false;
      try {
        mqtt::ConnectOptions connect;
        connect.client_id = options_.client_id + "-" + std::to_string(k);
        connect.username = options_.username;
        connect.password = options_.password;
        connect.clean_start = false;  // resume the session: the unacknowledged messages come again
        connect.keep_alive_s = options_.keep_alive_s;
        connect.session_expiry_s = options_.session_expiry_s;
        connect.receive_maximum = options_.receive_maximum;
        connect.maximum_packet_size = static_cast<std::uint32_t>(options_.max_packet);
        mqtt::MqttConnection conn(broker_, connect, options_.timeout, options_.max_packet, options_.tls);
        conn.subscribe(mqtt_topics::shared_filter(options_.topic_prefix, gateway_), 1);
        {
          std::lock_guard lock(mutex_);
          ++counters_.connects;
          ++subscribed_;
          counted = true;
        }
        cv_.notify_all();
        if (down) log("MQTT ingest: broker " + options_.url + " reached again");
        down = false;
        while (!stopping()) {
          auto packets = conn.receive(std::chrono::milliseconds(100), options_.receive_maximum);
          std::vector<mqtt::Packet> publishes;
          for (auto& p : packets)
            if (p.type == mqtt::PacketType::publish) publishes.push_back(std::move(p));
          if (!publishes.empty()) serve(conn, publishes, k);
        }
      } catch (const std::exception& e) {
        // Whatever ends a connection (the broker, the network, a failed allocation) ends only
        // this connection: nothing may escape a worker's thread and end the gateway.
        if (!down) log(std::string("MQTT ingest: broker ") + options_.url + " lost or unreachable: " + e.what() + "; retrying");
        std::lock_guard lock(mutex_);
        ++counters_.outages;
        down = true;
      }
      if (counted) {
        std::lock_guard lock(mutex_);
        --subscribed_;
      }
      std::unique_lock lock(mutex_);
      cv_.wait_for(lock, options_.reconnect_backoff, [&] { return stopping_; });
    }
  }

  /// Answers a batch of messages with one handler call (one store transaction), then publishes
  /// the answers and acknowledges the messages to the broker.
  void serve(mqtt::MqttConnection& conn, const std::vector<mqtt::Packet>& publishes, std::size_t worker) {
    if (options_.at_receipt) options_.at_receipt(publishes.size());
    static constexpr std::size_t malformed_message = SIZE_MAX;
    std::vector<std::span<const std::uint8_t>> frames;
    std::vector<std::size_t> first(publishes.size(), malformed_message), count(publishes.size(), 0);
    std::uint64_t bad = 0;
    for (std::size_t i = 0; i < publishes.size(); ++i) {
      const auto& payload = publishes[i].payload;
      std::vector<std::span<const std::uint8_t>> mine;
      const auto used = detail::ingest::split_frames(payload, mine);
      bool ok = used && *used == payload.size() && !mine.empty() && mine.size() <= options_.max_requests_per_message &&
                device_level(publishes[i].topic).has_value();
      for (const auto& f : mine) ok = ok && f[0] == static_cast<std::uint8_t>(IngestKind::submit);
      if (!ok) {
        ++bad;
        continue;
      }
      first[i] = frames.size();
      count[i] = mine.size();
      frames.insert(frames.end(), mine.begin(), mine.end());
    }
    std::vector<std::uint8_t> replies;
    if (!frames.empty() && (!handler_(frames, replies) || replies.size() != frames.size() * ingest_reply_size)) {
      // The handler refused the lot (it never does for submissions): answer nothing and keep the
      // messages unacknowledged, so the broker delivers them again after a reconnect.
      throw error(errc::protocol_violation, "MQTT ingest: the handler refused a batch");
    }
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < publishes.size(); ++i) {
      const auto& p = publishes[i];
      const auto device = device_level(p.topic);
      if (device) {
        std::vector<std::uint8_t> answer;
        if (first[i] == malformed_message) {
          const auto r = detail::encode_reply(IngestKind{0}, static_cast<std::uint8_t>(IngestCode::malformed));
          answer.assign(r.begin(), r.end());
        } else {
          const auto at = replies.begin() + static_cast<std::ptrdiff_t>(first[i] * ingest_reply_size);
          answer.assign(at, at + static_cast<std::ptrdiff_t>(count[i] * ingest_reply_size));
        }
        std::span<const std::uint8_t> correlation;
        if (p.properties.correlation_data && p.properties.correlation_data->size() <= 32) correlation = *p.properties.correlation_data;
        const auto packet = mqtt::encode_publish(mqtt_topics::reply(options_.topic_prefix, *device), answer, 0, 0, std::nullopt,
                                                 correlation);
        out.insert(out.end(), packet.begin(), packet.end());
      }
      if (p.qos() == 1) {
        const auto ack = mqtt::encode_puback(p.packet_id);
        out.insert(out.end(), ack.begin(), ack.end());
      }
    }
    {
      // Counted before the answers go: a device that has its answer sees the counters include it.
      std::lock_guard lock(mutex_);
      counters_.messages += publishes.size();
      counters_.per_worker[worker] += publishes.size();
      counters_.requests += frames.size();
      counters_.malformed += bad;
    }
    conn.send(out);
  }

  /// DEVICE of PREFIX/gG/submit/DEVICE, if the topic is exactly that.
  [[nodiscard]] std::optional<std::string> device_level(const std::string& topic) const {
    const std::string head = options_.topic_prefix + "/g" + std::to_string(gateway_) + "/submit/";
    if (topic.size() <= head.size() || topic.compare(0, head.size(), head) != 0) return std::nullopt;
    std::string device = topic.substr(head.size());
    if (!mqtt::valid_topic_level(device)) return std::nullopt;
    return device;
  }

  [[nodiscard]] bool stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

  void log(const std::string& line) const {
    if (log_) log_(line);
  }

  PartyId gateway_;
  MqttIngestOptions options_;
  mqtt::BrokerAddress broker_;
  Handler handler_;
  Log log_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::size_t subscribed_ = 0;
  MqttIngestCounters counters_;
  std::vector<std::thread> workers_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
