// SPDX-License-Identifier: Apache-2.0
// Devices through an MQTT broker (platform/gateway/mqtt_ingest.hpp, platform/device/mqtt_uplink.hpp)
// beside the direct TCP ingest, in the same run: 3 real gateways in this process (their SQLite
// stores, their intakes opening every sealed submission) and a local mosquitto started by the
// benchmark on a free port of 127.0.0.1 (Debian package mosquitto).
//
// BM_ingest/<path>/<batch>:  one relay sends 2,000 fresh sealed single-reading submissions to
//                            each of the 3 gateways and waits for every answer (devices that
//                            sent the round before: the gateways hold their keys, as in a
//                            fleet that reports every round); path 0 = TCP
//                            (uplink.hpp, <batch> requests per write), 1 = MQTT (<batch>
//                            submissions per message; 1 = one message per reading). items/s =
//                            readings ingested per second per gateway (the 3 work at once); the
//                            counter held = the fraction answered accepted (must be 1).
// BM_latency/<path>:         one device sends one submission at a time and waits for the
//                            answers of all 3 gateways, which come after each stored it: the
//                            time is publish (or send) to stored-and-answered; counters p50_us
//                            and p99_us over the iterations.
// BM_round_held/<held>:      <held> idle device connections held open by the broker (CONNECT
//                            with keep alive 0, from this process), then a round: 1,000 devices'
//                            submissions through one relay (batches of 64; each device's
//                            first) and the round finished and published; time = the round, submissions to report.
//                            held 0 is the reference in the same run. Counters: connect_s (to
//                            open the held connections), broker_rss_MiB (the broker's resident
//                            memory with them held). Needs held + 500 descriptors in this
//                            process and in the broker (RLIMIT_NOFILE is raised to its hard
//                            limit, which the broker inherits).
#include <benchmark/benchmark.h>

#include <edgempc/platform/device/mqtt_uplink.hpp>
#include <edgempc/platform/device/uplink.hpp>
#include <edgempc/platform/gateway.hpp>

#include <sys/resource.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>

#include "gateway_fleet.hpp"
#include "mosquitto_broker.hpp"

namespace {

namespace ep = edgempc::platform;

constexpr std::size_t per_iteration = 2000;
constexpr int ingest_iterations = 4;
constexpr int latency_iterations = 400;

std::chrono::steady_clock::time_point guard() { return std::chrono::steady_clock::now() + std::chrono::seconds(120); }

/// A broker, 3 gateways taking submissions through it and over TCP, and enough enrolled devices
/// that every iteration sends fresh submissions.
struct World {
  test::MosquittoBroker broker;
  test::Fixture fixture;
  std::unique_ptr<test::InProcessGroup> group;
  std::vector<std::vector<std::vector<std::uint8_t>>> sealed;  // [device][gateway], round 1
  std::size_t next = 0;

  /// warm: the devices sent round 0 already (the timed submissions are round 1's); otherwise
  /// the timed ones are round 0's, each device's first.
  World(std::size_t devices, bool warm) : broker(no_persistence()), fixture(3, 1, devices, 3'600'000, 1, {0}) {
    group = std::make_unique<test::InProcessGroup>(fixture, std::vector<edgempc::PartyId>{0, 1, 2}, 0, nullptr,
                                                   [&](edgempc::PartyId, ep::GatewayOptions& o) {
                                                     o.log = [](const std::string&) {};
                                                     o.mqtt.emplace();
                                                     o.mqtt->url = broker.url();
                                                   });
    for (const edgempc::PartyId g : {0u, 1u, 2u}) group->gateway(g).wait_mqtt_subscribed(std::chrono::seconds(10));
    // Warm-up, not timed: every device's round-0 submission, over TCP. A gateway computes a
    // device's X25519 key once, at its first submission (platform/submission.hpp), and a fleet
    // sends every round, so the timed submissions are the same devices' round-1 ones (taken
    // while the clock is in round 0: one round early is allowed).
    if (warm) {
      ep::Uplink tcp(fixture.group, 512);
      const auto first = tcp.send(test::seal_round(fixture, 0, test::make_readings(devices, 0, 1)), guard());
      for (const auto& c : first)
        if (!std::all_of(c.begin(), c.end(), ep::is_held)) throw std::runtime_error("bench_mqtt: the warm-up was not held");
    }
    const std::uint32_t round = warm ? 1 : 0;
    sealed = test::seal_round(fixture, round, test::make_readings(devices, round, 1));
  }
  static test::MosquittoOptions no_persistence() {
    test::MosquittoOptions o;
    o.persistence = false;
    return o;
  }
  /// Sends through the broker (`batch` submissions per message, as one relay) or straight to
  /// the gateways' ingest ports (`batch` requests per write); blocks until every answer.
  std::function<std::vector<std::vector<ep::IngestCode>>(const std::vector<std::vector<std::vector<std::uint8_t>>>&)>
  sender(bool mqtt, std::size_t batch) {
    if (!mqtt) {
      auto tcp = std::make_shared<ep::Uplink>(fixture.group, batch);
      return [tcp](const auto& subs) { return tcp->send(subs, guard()); };
    }
    ep::MqttUplinkOptions o;
    o.url = broker.url();
    o.device_level = "relay";
    o.batch = batch;
    auto relay = std::make_shared<ep::MqttUplink>(fixture.group, o);
    return [relay](const auto& subs) { return relay->send(subs, guard()); };
  }
  /// The next `n` devices' submissions (never sent before).
  std::vector<std::vector<std::vector<std::uint8_t>>> take(std::size_t n) {
    if (next + n > sealed.size()) throw std::runtime_error("bench_mqtt: out of fresh submissions");
    std::vector<std::vector<std::vector<std::uint8_t>>> out(sealed.begin() + static_cast<std::ptrdiff_t>(next),
                                                            sealed.begin() + static_cast<std::ptrdiff_t>(next + n));
    next += n;
    return out;
  }
};

void BM_ingest(benchmark::State& state) {
  const bool mqtt = state.range(0) == 1;
  const auto batch = static_cast<std::size_t>(state.range(1));
  World world(per_iteration * static_cast<std::size_t>(ingest_iterations), true);
  const auto send = world.sender(mqtt, batch);
  std::size_t held = 0, sent = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const auto subs = world.take(per_iteration);
    state.ResumeTiming();
    const auto codes = send(subs);
    for (const auto& c : codes)
      for (const auto code : c) held += code == ep::IngestCode::accepted ? 1 : 0, ++sent;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(per_iteration));
  state.counters["held"] = sent ? static_cast<double>(held) / static_cast<double>(sent) : 0.0;
}
BENCHMARK(BM_ingest)
    ->ArgNames({"mqtt", "batch"})
    ->Args({0, 1})
    ->Args({1, 1})
    ->Args({0, 64})
    ->Args({1, 64})
    ->Iterations(ingest_iterations)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_latency(benchmark::State& state) {
  const bool mqtt = state.range(0) == 1;
  World world(static_cast<std::size_t>(latency_iterations), true);
  const auto send = world.sender(mqtt, 1);
  std::vector<double> us;
  for (auto _ : state) {
    state.PauseTiming();
    const auto one = world.take(1);
    state.ResumeTiming();
    const auto t0 = std::chrono::steady_clock::now();
    const auto codes = send(one);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    if (!std::all_of(codes[0].begin(), codes[0].end(), ep::is_held)) state.SkipWithError("a submission was not held");
  }
  std::sort(us.begin(), us.end());
  if (!us.empty()) {
    state.counters["p50_us"] = us[us.size() / 2];
    state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  }
}
BENCHMARK(BM_latency)->ArgName("mqtt")->Arg(0)->Arg(1)->Iterations(latency_iterations)->Unit(benchmark::kMicrosecond)->UseRealTime();

double rss_mib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  return 0;
}

void BM_round_held(benchmark::State& state) {
  const auto held = static_cast<std::size_t>(state.range(0));
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < held + 500) {
    state.SkipWithError("not enough descriptors (RLIMIT_NOFILE) for the held connections");
    return;
  }
  World world(1000, false);  // the broker inherits the raised limit
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> sockets;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < held; ++i) {
    // From 127.0.0.2 .. 127.0.0.101 in turn: the kernel's search for a free source port slows
    // down as one source address fills up (that would be this benchmark's cost, not the broker's).
    sockets.emplace_back(io);
    auto& sock = sockets.back();
    sock.open(boost::asio::ip::tcp::v4());
    sock.bind({boost::asio::ip::make_address_v4(0x7F000002u + static_cast<std::uint32_t>(i % 100)), 0});
    sock.connect({boost::asio::ip::make_address("127.0.0.1"), world.broker.port()});
    ep::mqtt::ConnectOptions c;
    c.client_id = "held-" + std::to_string(i);
    c.clean_start = true;
    c.keep_alive_s = 0;
    boost::asio::write(sockets.back(), boost::asio::buffer(ep::mqtt::encode_connect(c)));
  }
  for (auto& s : sockets) {  // every CONNACK: the broker holds them all
    std::array<std::uint8_t, 2> head{};
    boost::asio::read(s, boost::asio::buffer(head));
    std::vector<std::uint8_t> rest(head[1]);
    boost::asio::read(s, boost::asio::buffer(rest));
    if (head[0] != 0x20 || rest.size() < 2 || rest[1] != 0) {
      state.SkipWithError("a held connection was refused");
      return;
    }
  }
  const double connect_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double rss = rss_mib(world.broker.pid());
  ep::MqttUplinkOptions o;
  o.url = world.broker.url();
  o.device_level = "relay";
  ep::MqttUplink relay(world.fixture.group, o);
  for (auto _ : state) {
    const auto codes = relay.send(world.take(1000), guard());
    world.group->clock->set(world.fixture.close_ms(0));
    const auto reports = world.group->wait_for(0, 1);
    if (reports.empty() || reports[0].status != ep::RoundStatus::published || reports[0].contributors != 1000)
      state.SkipWithError("the round did not publish all 1,000 devices");
  }
  state.counters["connect_s"] = connect_s;
  state.counters["broker_rss_MiB"] = rss;
}
BENCHMARK(BM_round_held)->ArgName("held")->Arg(0)->Arg(10000)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
