// SPDX-License-Identifier: Apache-2.0
// smart_home: the whole platform on one machine. Three gateway processes and 1,000 simulated
// temperature and humidity sensors on 127.0.0.1; five rounds; per round the private count,
// mean, variance, minimum, maximum and alerts (readings above --threshold) beside the plaintext
// this program computes itself. Exits 0 only if every private result matches.
//
//   smart_home [--sensors N] [--gateways G] [--threshold T] [--rounds R] [--cheaters K]
//              [--uplink tcp|mqtt] [--json]
//
// Each sensor reads (simulated, with the odd dropout), cleans the readings (range checks),
// shares them among the gateways (Shamir, t = (G-1)/2; additive for G = 2), seals each share
// for its gateway and sends it. No gateway ever sees a reading; gateway 0, the policy's only
// recipient, learns the statistics. A sensor whose reading is dropped skips the round, and the
// round is computed without it.
//
// --cheaters K: K of the sensors are malicious. Each round each sends, in turn, shares that are
// not on one polynomial, a share of x^2 that is not the square of its reading, two readings
// where the policy allows one, or a well-formed sharing of 490 C. The gateways check every sensor's shares (Shamir groups) and
// leave the cheaters out; the program exits 0 only if every result matches the plaintext of
// the honest sensors and the cheaters the gateways name are exactly the K.
//
// --uplink mqtt: the sensors publish through an MQTT broker instead of connecting to every
// gateway: this program starts a local mosquitto (Debian package mosquitto) on a free port of
// 127.0.0.1, the gateways subscribe to it (platform/gateway/mqtt_ingest.hpp) and the sensors'
// submissions go through it, batched, by one relay connection (platform/device/mqtt_uplink.hpp).
#include <edgempc/clean.hpp>
#include <edgempc/device.hpp>
#include <edgempc/platform/device/client.hpp>
#include <edgempc/platform/gateway.hpp>
#include <edgempc/platform/device/mqtt_uplink.hpp>
#include <edgempc/platform/device/uplink.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace edgempc;
using namespace edgempc::platform;

extern char** environ;

namespace {

struct Options {
  std::size_t sensors = 1000, gateways = 3, rounds = 5, cheaters = 0;
  double threshold = 25.0;
  bool json = false;
  bool mqtt = false;
};

// What gateway 0 sends back to this program through a pipe, per round.
struct Published {
  std::uint32_t round = 0;
  std::uint32_t status = 0;
  std::uint64_t contributors = 0;
  double value[2][5] = {};  // per channel: count, mean, variance, min, max
  std::uint64_t alerts[2] = {};
  std::uint32_t rejected = 0;        // devices the gateways left out
  std::uint32_t rejected_ids[32] = {};  // the first 32 of them
};

struct Plain {
  std::uint64_t count = 0, alerts = 0;
  double mean = 0, variance = 0, min = 0, max = 0;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "smart_home: %s\nusage: smart_home [--sensors N] [--gateways G] [--threshold T] [--rounds R] [--cheaters K] [--uplink tcp|mqtt] [--json]\n", why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    const auto count = [&](std::size_t lo, std::size_t hi) {
      const std::string v = value();
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || v[0] == '-' || n < lo || n > hi)
        usage((a + " takes a whole number from " + std::to_string(lo) + " to " + std::to_string(hi)).c_str());
      return static_cast<std::size_t>(n);
    };
    if (a == "--sensors") o.sensors = count(1, 100000);
    else if (a == "--gateways") o.gateways = count(2, 7);
    else if (a == "--rounds") o.rounds = count(1, 1000);
    else if (a == "--cheaters") o.cheaters = count(0, 32);
    else if (a == "--json") o.json = true;
    else if (a == "--uplink") {
      const std::string v = value();
      if (v != "tcp" && v != "mqtt") usage("--uplink takes tcp or mqtt");
      o.mqtt = v == "mqtt";
    }
    else if (a == "--threshold") {
      const std::string v = value();
      char* end = nullptr;
      o.threshold = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || !(o.threshold >= -40.0 && o.threshold <= 125.0))
        usage("--threshold takes a temperature from -40 to 125");
    } else usage(("unknown option " + a).c_str());
  }
  if (o.cheaters >= o.sensors) usage("--cheaters must be fewer than --sensors");
  if (o.cheaters > 0 && o.gateways < 3) usage("--cheaters needs 3 or more gateways (additive groups cannot check shares)");
  return o;
}

// Ports the OS hands out now, all bound at once so that no two are the same.
std::vector<std::uint16_t> free_ports(std::size_t count) {
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::acceptor> held;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < count; ++i) {
    held.emplace_back(io, boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), 0});
    ports.push_back(held.back().local_endpoint().port());
  }
  return ports;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void sleep_until_ms(std::int64_t t) {
  if (const std::int64_t d = t - now_ms(); d > 0) std::this_thread::sleep_for(std::chrono::milliseconds(d));
}

// A local mosquitto on a free port of 127.0.0.1, stopped (SIGTERM) when this goes.
struct Broker {
  pid_t pid = -1;
  std::string url;
  explicit Broker(const std::filesystem::path& dir) {
    const std::uint16_t port = free_ports(1)[0];
    std::ofstream(dir / "mosquitto.conf") << "listener " << port << " 127.0.0.1\nallow_anonymous true\n"
                                          << "max_queued_messages 0\nset_tcp_nodelay true\nlog_dest stderr\nlog_type error\n";
    const std::string conf = (dir / "mosquitto.conf").string();
    for (const char* exe : {EDGEMPC_MOSQUITTO, "/usr/sbin/mosquitto"}) {
      const char* argv[] = {exe, "-c", conf.c_str(), nullptr};
      if (::posix_spawn(&pid, exe, nullptr, nullptr, const_cast<char**>(argv), environ) == 0) break;
      pid = -1;
    }
    if (pid < 0) throw std::runtime_error("cannot start mosquitto (apt-get install mosquitto)");
    url = "mqtt://127.0.0.1:" + std::to_string(port);
    for (int i = 0; i < 250; ++i) {  // until it listens (5 s at most)
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket sock(io);
      boost::system::error_code ec;
      sock.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
      if (!ec) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("mosquitto did not start listening on " + url);
  }
  ~Broker() {
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
};

// A gateway, in its own process: runs every round, and (gateway 0) writes what it learns to `fd`.
[[noreturn]] void gateway_main(const GroupConfig& group, PartyId id, const KeyPair& keys, const Enrolment& enrolment,
                               const std::filesystem::path& store, std::uint32_t last_round, int fd,
                               const std::string& mqtt_url) {
  int code = 0;
  try {
    GatewayOptions options;
    options.log = [id](const std::string& line) { std::fprintf(stderr, "  [gateway %u] %s\n", id, line.c_str()); };
    if (!mqtt_url.empty()) {
      options.mqtt.emplace();
      options.mqtt->url = mqtt_url;
    }
    Gateway gateway(group, id, keys, enrolment, store, options);
    gateway.run(last_round, [&](const RoundReport& r) {
      if (fd < 0) return;
      Published p;
      p.round = r.round, p.status = static_cast<std::uint32_t>(r.status), p.contributors = r.contributors;
      for (std::size_t c = 0; c < r.channels.size() && c < 2; ++c) {
        const auto& ch = r.channels[c];
        p.value[c][0] = static_cast<double>(ch.count);
        p.value[c][1] = ch.mean.value_or(NAN), p.value[c][2] = ch.variance.value_or(NAN);
        p.value[c][3] = ch.minimum.value_or(NAN), p.value[c][4] = ch.maximum.value_or(NAN);
        p.alerts[c] = ch.alerts.value_or(0);
      }
      p.rejected = static_cast<std::uint32_t>(r.rejected.size());
      for (std::size_t i = 0; i < r.rejected.size() && i < 32; ++i) p.rejected_ids[i] = r.rejected[i].client;
      if (::write(fd, &p, sizeof p) != static_cast<ssize_t>(sizeof p)) code = 1;
    });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gateway %u: %s\n", id, e.what());
    code = 1;
  }
  std::fflush(nullptr);
  ::_exit(code);
}

// One simulated sensor: a thermometer and a hygrometer, and its cleaning pipeline.
struct Sensor {
  device::SimulatedSensor temperature, humidity;
  clean::Pipeline<Mersenne61> pipeline;
  DeviceClient client;
  std::optional<ClientSealer> cheat;  // a malicious sensor seals its own shares
};

// What a malicious sensor sends in round r: shares of its reading made invalid, in turn, four ways.
std::vector<std::vector<std::uint8_t>> cheat_submissions(const GroupConfig& group, ClientSealer& sealer, Prg& prg,
                                                         std::uint32_t r, const std::array<double, 2>& reading) {
  const unsigned kind = (sealer.client_id() + r) % 4;
  const std::array<double, 4> rows{reading[0], reading[1], reading[0], reading[1]};
  auto secrets = encode_channel_readings(group, std::span<const double>(rows.data(), kind == 2 ? 4 : 2));  // 2: twice
  if (kind == 3) {  // 490 C, shared correctly (the device's own range check skipped)
    secrets[0] = FixedPoint<Mersenne61>(group.channels[0].frac_bits).encode(490.0);
    secrets[2] = secrets[0] * secrets[0];
  }
  auto shares = group.scheme.share<Mersenne61>(prg, secrets);
  if (kind == 0) shares.back()[0] += Mersenne61::one();  // one share off the polynomial
  if (kind == 1)                                          // a consistent sharing of x^2 + 1
    for (auto& s : shares) s[2] += Mersenne61::one();
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t g = 0; g < shares.size(); ++g) out.push_back(sealer.seal<Mersenne61>(g, r, 0, shares[g]));
  return out;
}

Prg::Seed seed_for(std::size_t sensor, std::uint8_t quantity) {
  Prg::Seed s{};
  std::memcpy(s.data(), &sensor, sizeof sensor);
  s[31] = quantity;
  return s;
}

Plain plain_stats(const std::vector<double>& xs, const ChannelConfig& ch) {
  const FixedPoint<Mersenne61> f(ch.frac_bits);
  Plain p;
  std::int64_t sum = 0, sum_sq = 0, lo = INT64_MAX, hi = INT64_MIN;
  const std::int64_t limit = ch.alert_above ? f.encode(*ch.alert_above).to_int() : INT64_MAX;
  for (const double x : xs) {  // the same fixed-point values the sensors share
    const std::int64_t e = f.encode(x).to_int();
    sum += e, sum_sq += e * e, lo = std::min(lo, e), hi = std::max(hi, e);  // the devices send X and X^2
    p.alerts += e > limit ? 1 : 0;
  }
  p.count = xs.size();
  const double n = static_cast<double>(xs.size()), scale = std::ldexp(1.0, -static_cast<int>(ch.frac_bits));
  p.mean = static_cast<double>(sum) * scale / n;
  p.variance = static_cast<double>(sum_sq) * scale * scale / n - p.mean * p.mean;
  p.min = static_cast<double>(lo) * scale, p.max = static_cast<double>(hi) * scale;
  return p;
}

bool close_enough(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); }

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  const auto dir = std::filesystem::temp_directory_path() / ("edgempc-smart-home-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);

  // 1. The group: gateway keys and addresses, channels, policy, the round clock.
  GroupConfig group;
  group.name = "smart-home";
  group.scheme = opt.gateways == 2 ? SplitScheme::additive(2) : SplitScheme::shamir((opt.gateways - 1) / 2, opt.gateways);
  std::vector<KeyPair> gateway_keys;
  const auto ports = free_ports(2 * opt.gateways);
  for (PartyId g = 0; g < opt.gateways; ++g) {
    gateway_keys.push_back(KeyPair::generate());
    group.gateways.push_back({g, "127.0.0.1", ports[2 * g], ports[2 * g + 1], gateway_keys.back().public_key()});
  }
  group.channels = {{"temperature", 12, -40.0, 125.0, opt.threshold}, {"humidity", 12, 0.0, 100.0, std::nullopt}};
  group.policy.recipients = {0};
  group.policy.min_clients = std::min<std::size_t>(10, opt.sensors);
  // Shamir groups check every sensor's shares; two gateways share additively and trust them.
  if (opt.gateways == 2) group.policy.validation = Validation::off;
  group.round_length = std::chrono::milliseconds(1500 + static_cast<std::int64_t>(opt.sensors) / 20);
  group.epoch_ms = now_ms() + 1500;  // time for the gateways to start
  group.validate();

  // 2. Enrol the sensors: each has its own key; the gateways accept no one else.
  Enrolment enrolment;
  std::vector<Sensor> sensors;
  sensors.reserve(opt.sensors);
  std::vector<clean::ChannelConfig> cleaning(2);  // range checks only: a dropout fails them
  cleaning[0].limits = clean::Limits{-40.0, 125.0};
  cleaning[1].limits = clean::Limits{0.0, 100.0};
  for (std::size_t i = 0; i < opt.sensors; ++i) {
    const KeyPair key = KeyPair::generate();
    enrolment.add_client(key.public_key(), static_cast<ClientId>(i));
    device::SimulatedSensorOptions t{.base = 21.0, .amplitude = 3.0, .period = 24, .noise_stddev = 2.0,
                                     .dropout_rate = 0.005};
    device::SimulatedSensorOptions h{.base = 45.0, .amplitude = 8.0, .period = 24, .noise_stddev = 5.0,
                                     .dropout_rate = 0.005};
    t.base += static_cast<double>(i % 7) - 3.0;  // some rooms are warmer than others
    sensors.push_back({device::SimulatedSensor(seed_for(i, 0), t), device::SimulatedSensor(seed_for(i, 1), h),
                       clean::Pipeline<Mersenne61>(cleaning, FixedPoint<Mersenne61>(16)),
                       DeviceClient(group, static_cast<ClientId>(i), key), std::nullopt});
  }
  for (std::size_t k = 0; k < opt.cheaters; ++k) {  // spread over the fleet
    const auto id = static_cast<ClientId>(k * (opt.sensors / opt.cheaters));
    std::vector<PublicKey> keys;
    for (const auto& g : group.gateways) keys.push_back(g.public_key);
    const KeyPair key = KeyPair::generate();  // re-enrolled under a key this program keeps
    enrolment.remove_client(id);
    enrolment.add_client(key.public_key(), id);
    sensors[id].cheat.emplace(key, id, keys);
  }

  // 3. Start the gateways, each a process with its own encrypted share store (and the broker
  // they take submissions from, with --uplink mqtt).
  std::optional<Broker> broker;
  if (opt.mqtt) broker.emplace(dir);
  const std::string mqtt_url = broker ? broker->url : "";
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return 1;
  std::vector<pid_t> children;
  for (PartyId g = 0; g < opt.gateways; ++g) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(pipe_fds[0]);
      if (g != 0) ::close(pipe_fds[1]);
      gateway_main(group, g, gateway_keys[g], enrolment, dir / ("gateway" + std::to_string(g) + ".db"),
                   static_cast<std::uint32_t>(opt.rounds - 1), g == 0 ? pipe_fds[1] : -1, mqtt_url);
    }
    children.push_back(pid);
  }
  ::close(pipe_fds[1]);
  std::fprintf(opt.json ? stderr : stdout, "smart_home: %zu sensors, %zu gateways (%s), alerts above %.1f C, %zu rounds of %lld ms%s\n",
              opt.sensors, opt.gateways,
              group.scheme.describe().c_str(),
              opt.threshold, opt.rounds, static_cast<long long>(group.round_length.count()),
              broker ? (", through the MQTT broker " + broker->url).c_str() : "");

  // 4. The sensors, on a thread of their own: each round, at the round's open, they read,
  // clean, share, seal and send, whatever gateway 0 is doing. (Sending only after the previous
  // round's report arrived lost whole rounds on a busy machine: a slow finish pushed the next
  // round's sending past its close.) Gateways accept a round's submissions until they begin to
  // finish it, so a sensor delayed by CPU contention still counts.
  struct Sent {
    std::size_t dropped = 0;
    Plain plain[2];
    std::vector<ClientId> cheaters;  // held by every gateway, so to be named
  };
  std::vector<Sent> sent(opt.rounds);
  std::size_t rounds_sent = 0;
  std::mutex sent_mutex;
  std::condition_variable sent_cv;
  std::thread senders([&] {
    Uplink tcp(group);
    std::optional<MqttUplink> mqtt;  // one relay connection carrying every sensor's submissions
    if (broker) {
      MqttUplinkOptions o;
      o.url = broker->url;
      o.device_level = "smart-home-relay";
      o.retry = std::chrono::milliseconds(500);
      mqtt.emplace(group, o);
    }
    Prg prg;
    for (std::uint32_t r = 0; r < opt.rounds; ++r) {
      const std::int64_t open = group.epoch_ms + r * group.round_length.count();
      sleep_until_ms(open + 50);
      std::vector<std::vector<std::vector<std::uint8_t>>> sealed;
      std::vector<std::array<double, 2>> values;
      std::vector<ClientId> ids;
      Sent s;
      for (auto& sensor : sensors) {
        std::array<device::Reading, 1> t{}, h{};
        (void)sensor.temperature.poll(device::Deadline::max(), t);
        (void)sensor.humidity.poll(device::Deadline::max(), h);
        h[0].channel = 1;
        const auto ct = sensor.pipeline.process(t[0]);
        const auto ch = sensor.pipeline.process(h[0]);
        if (sensor.cheat) {  // a cheater sends every round, whatever its sensors say
          sealed.push_back(cheat_submissions(group, *sensor.cheat, prg, r, {21.0, 45.0}));
          values.push_back({NAN, NAN});  // left out of the plaintext: the gateways must leave it out too
          ids.push_back(sensor.cheat->client_id());
          continue;
        }
        if (!ct.kept() || !ch.kept()) {  // a dropout: this sensor skips the round
          ++s.dropped;
          continue;
        }
        const std::array<double, 2> reading{ct.value, ch.value};
        sealed.push_back(sensor.client.seal(prg, r, 0, reading));
        values.push_back(reading);
        ids.push_back(sensor.client.id());
      }
      // Until the round's close; later answers say `round closed` or come from a gateway that
      // had not begun to finish the round yet, and the plaintext below follows the answers.
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(open + group.round_length.count() - now_ms());
      const auto codes = mqtt ? mqtt->send(sealed, deadline) : tcp.send(sealed, deadline);

      // The plaintext: every reading that every gateway holds.
      std::vector<double> temperature, humidity;
      for (std::size_t i = 0; i < codes.size(); ++i) {
        bool everywhere = true;
        for (const auto c : codes[i]) everywhere = everywhere && is_held(c);
        if (everywhere && std::isnan(values[i][0])) s.cheaters.push_back(ids[i]);  // the gateways must name it
        else if (everywhere) temperature.push_back(values[i][0]), humidity.push_back(values[i][1]);
      }
      s.plain[0] = plain_stats(temperature, group.channels[0]);
      s.plain[1] = plain_stats(humidity, group.channels[1]);
      std::lock_guard lock(sent_mutex);
      sent[r] = s;
      rounds_sent = r + 1;
      sent_cv.notify_all();
    }
  });

  // 5. Each round: what gateway 0 learnt beside the plaintext.
  bool all_ok = true;
  for (std::uint32_t r = 0; r < opt.rounds; ++r) {
    Published got;
    std::size_t read_bytes = 0;
    while (read_bytes < sizeof got) {
      const ssize_t k = ::read(pipe_fds[0], reinterpret_cast<char*>(&got) + read_bytes, sizeof got - read_bytes);
      if (k <= 0) break;
      read_bytes += static_cast<std::size_t>(k);
    }
    Sent s;
    {
      std::unique_lock lock(sent_mutex);
      sent_cv.wait(lock, [&] { return rounds_sent > r; });
      s = sent[r];
    }
    const std::size_t dropped = s.dropped;
    const Plain* plain = s.plain;
    bool ok = read_bytes == sizeof got && got.round == r && got.status == static_cast<std::uint32_t>(RoundStatus::published) &&
              got.contributors == plain[0].count;
    for (int c = 0; c < 2 && ok; ++c) {
      const Plain& p = plain[c];
      ok = got.value[c][0] == static_cast<double>(p.count) && close_enough(got.value[c][1], p.mean) &&
           close_enough(got.value[c][2], p.variance) && got.value[c][3] == p.min && got.value[c][4] == p.max &&
           (c != 0 || got.alerts[c] == p.alerts);
    }
    // The gateways must name exactly the cheaters (each held everywhere: none dropped out here).
    ok = ok && got.rejected == s.cheaters.size() &&
         std::equal(s.cheaters.begin(), s.cheaters.end(), got.rejected_ids, got.rejected_ids + std::min<std::size_t>(32, s.cheaters.size()));
    all_ok = all_ok && ok;
    if (opt.json) {
      std::printf("{\"round\":%u,\"sensors\":%zu,\"dropped\":%zu,\"contributors\":%llu,\"ok\":%s", r, opt.sensors,
                  dropped, static_cast<unsigned long long>(got.contributors), ok ? "true" : "false");
      for (int c = 0; c < 2; ++c) {
        const Plain& p = plain[c];
        std::printf(",\"%s\":{\"count\":%.0f,\"mean\":%.17g,\"variance\":%.17g,\"min\":%.17g,\"max\":%.17g",
                    group.channels[c].name.c_str(), got.value[c][0], got.value[c][1], got.value[c][2], got.value[c][3],
                    got.value[c][4]);
        if (c == 0) std::printf(",\"alerts\":%llu", static_cast<unsigned long long>(got.alerts[c]));
        std::printf(",\"plain\":{\"count\":%llu,\"mean\":%.17g,\"variance\":%.17g,\"min\":%.17g,\"max\":%.17g",
                    static_cast<unsigned long long>(p.count), p.mean, p.variance, p.min, p.max);
        if (c == 0) std::printf(",\"alerts\":%llu", static_cast<unsigned long long>(p.alerts));
        std::printf("}}");
      }
      std::printf("}\n");
    } else {
      std::printf("round %u: %llu of %zu sensors contributed (%zu dropped out, %u cheaters left out)  %s\n", r,
                  static_cast<unsigned long long>(got.contributors), opt.sensors, dropped, got.rejected,
                  ok ? "OK" : "MISMATCH");
      std::printf("  %-12s %10s %10s %10s %10s %10s %7s\n", "", "count", "mean", "variance", "min", "max", "alerts");
      for (int c = 0; c < 2; ++c) {
        const Plain& p = plain[c];
        std::printf("  %-12s %10.0f %10.4f %10.4f %10.4f %10.4f", group.channels[c].name.c_str(), got.value[c][0],
                    got.value[c][1], got.value[c][2], got.value[c][3], got.value[c][4]);
        if (c == 0) std::printf(" %7llu", static_cast<unsigned long long>(got.alerts[c]));
        std::printf("\n  %-12s %10llu %10.4f %10.4f %10.4f %10.4f", "  plaintext", static_cast<unsigned long long>(p.count),
                    p.mean, p.variance, p.min, p.max);
        if (c == 0) std::printf(" %7llu", static_cast<unsigned long long>(p.alerts));
        std::printf("\n");
      }
    }
    std::fflush(stdout);
  }

  senders.join();

  int failed_children = 0;
  for (const pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    failed_children += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  all_ok = all_ok && failed_children == 0;
  if (!opt.json) std::printf("%s\n", all_ok ? "OK: every private result matches the plaintext" : "FAIL");
  return all_ok ? 0 : 1;
}
