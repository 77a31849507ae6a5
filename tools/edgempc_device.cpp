// SPDX-License-Identifier: Apache-2.0
// edgempc-device: run one device of a group: read its sensors once per round, clean the
// readings, share and seal them for the gateways, and send them.
//
//   edgempc-device --config FILE --source SPEC [--state FILE] [--once] [--seed N] [--verbose]
//   edgempc-device check --config FILE [--state FILE]
//       Checks FILE as running would, without sending (tools/device_check.hpp): prints
//       "FILE: OK: <summary>" and exits 0, or prints every problem found and exits 1.
//   edgempc-device keygen --secret FILE --public FILE
//       Makes the device's X25519 key pair and prints its public key in hex (the same command as
//       edgempc-gateway keygen, tools/keygen.hpp); enrol the public key file at the gateways.
//
// FILE is this device's TOML file (platform/config_toml.hpp): its [device] table, and group_file
// naming the group's file or the group tables themselves.
// SPEC, the readings' source, one reading per channel of the group per round:
//   sim             a SimulatedSensor per channel (device/simulated_sensor.hpp): a slow cycle
//                   with a little noise, around 40 % of the way from the channel's min to its
//                   max, seeded from the client id and --seed, so a run is reproducible
//   replay:PATH     a CSV file (device/csv_replay.hpp) with a header row and one column per
//                   channel, named as the channel; one row per round; the device stops at the
//                   end of the file
//   i2c:DEV:ADDR    a Sensirion SHT3x on I2C (device/sht3x.hpp), e.g. i2c:/dev/i2c-1:0x44
//                   (ADDR in hex); the group must have 2 channels: temperature (°C) then
//                   relative humidity (%)
//   uart:DEV        a Modbus RTU slave on a serial port (device/modbus_rtu.hpp), e.g.
//                   uart:/dev/ttyUSB0: 9600 baud, 8N1, slave 1, holding registers 0 .. C-1 for
//                   the C channels, each a signed 16-bit value in tenths (value = register * 0.1)
//
// Round r covers [epoch + r L, epoch + (r+1) L). The device starts with the round its clock is
// in (round 0 before the epoch); at the start of each round it polls the source once, runs the
// readings through a clean::Pipeline with the channel's [min, max] (a reading refused drops the
// round, logged with the reason), seals them and sends them to every gateway, which
// it waits for until 100 ms before the round closes (a quarter of the round before, for rounds
// shorter than 400 ms). One line per round goes to stdout:
//   round R: held by gateways [0,1,2] (codes accepted, accepted, accepted)
// or "round R: dropped (...)". [device].rounds = N > 0 takes part in the N rounds from the first
// it can submit in, then exits (as a gateway's rounds: a round skipped still counts); 0 runs
// until SIGTERM/SIGINT (a second one exits at once). --once submits one round and exits.
//
// Before sealing, the device records the (round, seq) durably in its state file (--state,
// platform/device/seal_sequence.hpp); a device restarted within a round starts at the next one, so a
// nonce is never used twice.
//
// Exit status: 0 on success (with --once: only if every gateway holds the submission), 1 on an
// error or (with --once) a round not held everywhere, 2 on a usage error (a bad SPEC too).
#include <edgempc/clean/pipeline.hpp>
#include <edgempc/core/fixed_point.hpp>
#include <edgempc/core/mersenne61.hpp>
#include <edgempc/core/prg.hpp>
#include <edgempc/device/csv_replay.hpp>
#include <edgempc/device/i2c_dev.hpp>
#include <edgempc/device/modbus_rtu.hpp>
#include <edgempc/device/sht3x.hpp>
#include <edgempc/device/simulated_sensor.hpp>
#include <edgempc/device/termios_serial.hpp>
#include <edgempc/net/keys.hpp>
#include <edgempc/platform/device/client.hpp>
#include <edgempc/platform/config_toml.hpp>
#include <edgempc/platform/ingest.hpp>
#include <edgempc/platform/device/seal_sequence.hpp>
#include <edgempc/platform/device/mqtt_uplink.hpp>
#include <edgempc/platform/device/uplink.hpp>
#include <edgempc/version.hpp>

#include <CLI/CLI.hpp>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "device_check.hpp"
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
using edgempc_tools::apply_mqtt_settings;

/// A stop flag that sleeps can wait on.
class Stopper {
 public:
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
  }
  [[nodiscard]] bool stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
  }
  /// Sleeps until the Unix time `ms`; false if stopped first.
  bool sleep_until_unix_ms(std::int64_t ms) {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      const std::int64_t now = unix_ms();
      if (now >= ms) return true;
      cv_.wait_for(lock, std::chrono::milliseconds(std::min<std::int64_t>(ms - now, 200)));
    }
    return false;
  }

  static std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
};

// ---------------------------------------------------------------- sources

/// What --source names, checked for syntax before anything is opened.
struct SourceSpec {
  enum class Kind { sim, replay, i2c, uart } kind = Kind::sim;
  std::string path;           // replay, i2c, uart
  std::uint16_t address = 0;  // i2c
};

SourceSpec parse_source(const std::string& spec) {
  SourceSpec s;
  const auto rest = [&](std::string_view prefix) { return spec.substr(prefix.size()); };
  if (spec == "sim") return s;
  if (spec.starts_with("replay:")) {
    s.kind = SourceSpec::Kind::replay;
    s.path = rest("replay:");
    if (s.path.empty()) throw Usage("--source replay:PATH needs a path");
    return s;
  }
  if (spec.starts_with("uart:")) {
    s.kind = SourceSpec::Kind::uart;
    s.path = rest("uart:");
    if (s.path.empty()) throw Usage("--source uart:DEV needs a device, e.g. uart:/dev/ttyUSB0");
    return s;
  }
  if (spec.starts_with("i2c:")) {
    s.kind = SourceSpec::Kind::i2c;
    const std::string r = rest("i2c:");
    const std::size_t colon = r.rfind(':');
    const auto bad = [&] { return Usage("--source i2c:DEV:ADDR needs a device and a hex address, e.g. i2c:/dev/i2c-1:0x44"); };
    if (colon == std::string::npos || colon == 0) throw bad();
    s.path = r.substr(0, colon);
    const std::string addr = r.substr(colon + 1);
    if (addr.size() < 3 || addr.size() > 4 || addr[0] != '0' || (addr[1] != 'x' && addr[1] != 'X')) throw bad();
    unsigned v = 0;
    for (std::size_t i = 2; i < addr.size(); ++i) {
      const char c = addr[i];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) throw bad();
      v = v * 16 + static_cast<unsigned>(d);
    }
    if (v < 0x03 || v > 0x77) throw Usage("--source i2c: address " + addr + " is not a 7-bit device address (0x03 .. 0x77)");
    s.address = static_cast<std::uint16_t>(v);
    return s;
  }
  throw Usage("--source '" + spec + "': expected sim, replay:PATH, i2c:DEV:ADDR or uart:DEV");
}

/// A source of one reading per channel per poll, whatever its kind.
struct Source {
  std::string description;
  /// Fills out[0 .. C) (channel c in out[c]); returns how many it wrote, 0 at the end of data.
  std::function<std::size_t(device::Deadline, std::span<device::Reading>)> poll;
};

Source open_source(const SourceSpec& spec, const platform::GroupConfig& group, platform::ClientId client,
                   std::uint64_t seed) {
  const std::size_t channels = group.channels.size();
  Source src;
  switch (spec.kind) {
    case SourceSpec::Kind::sim: {
      auto sensors = std::make_shared<std::vector<device::SimulatedSensor>>();
      for (std::size_t c = 0; c < channels; ++c) {
        const auto& ch = group.channels[c];
        const double range = ch.max - ch.min;
        device::SimulatedSensorOptions o;
        o.channels = 1;
        o.base = ch.min + 0.4 * range + 0.01 * range * static_cast<double>(static_cast<int>(client % 7) - 3);
        o.channel_offset = 0.0;
        o.amplitude = 0.05 * range;
        o.period = 144;
        o.noise_stddev = 0.002 * range;
        o.decimals = 2;
        o.interval = std::chrono::duration_cast<device::Reading::clock::duration>(group.round_length);
        Prg::Seed s{};
        const char tag[] = "edgempc-device sim";
        std::copy(tag, tag + sizeof tag - 1, s.begin());
        for (int i = 0; i < 4; ++i) s[20 + i] = static_cast<std::uint8_t>(client >> (8 * i));
        s[24] = static_cast<std::uint8_t>(c);
        for (int i = 0; i < 7; ++i) s[25 + i] = static_cast<std::uint8_t>(seed >> (8 * i));
        sensors->emplace_back(s, o);
      }
      src.description = "simulated sensors (seed " + std::to_string(seed) + ")";
      src.poll = [sensors](device::Deadline d, std::span<device::Reading> out) {
        for (std::size_t c = 0; c < sensors->size(); ++c) {
          (void)(*sensors)[c].poll(d, out.subspan(c, 1));
          out[c].channel = static_cast<std::uint32_t>(c);
        }
        return sensors->size();
      };
      return src;
    }
    case SourceSpec::Kind::replay: {
      device::CsvReplayOptions o;
      for (const auto& ch : group.channels) o.columns.push_back(device::CsvColumn::named(ch.name));
      auto replay = std::make_shared<device::CsvReplay>(device::CsvReplay::open(spec.path, std::move(o)));
      src.description = "replay of " + spec.path;
      src.poll = [replay](device::Deadline d, std::span<device::Reading> out) { return replay->poll(d, out); };
      return src;
    }
    case SourceSpec::Kind::i2c: {
      if (channels != 2)
        throw Usage("--source i2c gives 2 channels (temperature, humidity); the group has " + std::to_string(channels));
      struct Sht {
        device::I2cDev bus;
        device::Sht3x<device::I2cDev> sensor;
        Sht(const std::string& path, std::uint16_t address) : bus(path, address), sensor(bus) {}
      };
      auto sht = std::make_shared<Sht>(spec.path, spec.address);
      char addr[8];
      std::snprintf(addr, sizeof addr, "0x%02x", spec.address);
      src.description = "SHT3x at " + spec.path + " " + addr;
      src.poll = [sht](device::Deadline d, std::span<device::Reading> out) { return sht->sensor.poll(d, out); };
      return src;
    }
    case SourceSpec::Kind::uart: {
      struct Modbus {
        device::TermiosSerial port;
        device::ModbusRtu<device::TermiosSerial> adapter;
        Modbus(const std::string& path, std::size_t n)
            : port(path, device::SerialConfig{9600, device::Parity::none, 1}),
              adapter(port, device::ModbusConfig{.slave = 1,
                                                 .first_register = 0,
                                                 .count = static_cast<std::uint16_t>(n),
                                                 .formats = std::vector<device::ModbusRegister>(n, {0.1, 0.0, true})}) {}
      };
      auto modbus = std::make_shared<Modbus>(spec.path, channels);
      src.description = "Modbus RTU slave 1 at " + spec.path + " (9600 8N1, registers 0.." +
                        std::to_string(channels - 1) + " x 0.1)";
      src.poll = [modbus](device::Deadline d, std::span<device::Reading> out) { return modbus->adapter.poll(d, out); };
      return src;
    }
  }
  throw Usage("unknown source");
}

// ---------------------------------------------------------------- the device

int run_device(const fs::path& config_path, const SourceSpec& spec, bool once, std::uint64_t seed, bool verbose,
               const fs::path& state_path, const std::string& uplink_url) {
  const platform::GroupConfig group = platform::load_group_config(config_path);
  platform::DeviceLocalConfig local = platform::load_device_local(config_path);
  if (uplink_url.starts_with("mqtt")) {
    if (!local.mqtt) local.mqtt.emplace();
    local.mqtt->url = uplink_url;
  } else if (uplink_url == "tcp") {
    local.mqtt.reset();
  } else if (!uplink_url.empty()) {
    throw Usage("--uplink must be tcp, mqtt://HOST:PORT or mqtts://HOST:PORT, not '" + uplink_url + "'");
  }
  const KeyPair keys = load_key_pair(local.secret_key);
  const std::size_t channels = group.channels.size();
  const std::int64_t L = group.round_length.count();
  const unsigned id = local.client_id;

  Source source = open_source(spec, group, local.client_id, seed);
  std::vector<clean::ChannelConfig> clean_configs(channels);
  std::uint32_t frac_bits = 0;
  for (std::size_t c = 0; c < channels; ++c) {
    clean_configs[c].limits = clean::Limits{group.channels[c].min, group.channels[c].max};
    frac_bits = std::max(frac_bits, group.channels[c].frac_bits);
  }
  // Only the limits are checked; the values are encoded per channel by DeviceClient.
  clean::Pipeline<Mersenne61> pipeline(clean_configs, FixedPoint<Mersenne61>(frac_bits));

  SignalWatcher signals("edgempc-device");  // before the Uplink starts threads
  Stopper stopper;
  struct Clear {
    SignalWatcher& s;
    ~Clear() { s.clear(); }
  } clear_before_the_stopper_dies{signals};
  signals.on_signal([&stopper] { stopper.stop(); });

  platform::DeviceClient client(group, local.client_id, keys);
  // The uplink: each gateway's ingest port over TCP, or one MQTT broker ([uplink] or --uplink).
  using Batch = std::vector<std::vector<std::vector<std::uint8_t>>>;
  std::function<std::vector<std::vector<platform::IngestCode>>(const Batch&, std::chrono::steady_clock::time_point)> send;
  std::optional<platform::Uplink> tcp_uplink;
  std::optional<platform::MqttUplink> mqtt_uplink;
  if (local.mqtt) {
    platform::MqttUplinkOptions o;
    apply_mqtt_settings(*local.mqtt, o);
    o.device_level = local.mqtt->username ? *local.mqtt->username : "d" + std::to_string(id);
    o.retry = std::chrono::milliseconds(std::clamp<std::int64_t>(L / 4, 200, 2000));
    mqtt_uplink.emplace(group, o);
    send = [&](const Batch& b, std::chrono::steady_clock::time_point d) { return mqtt_uplink->send(b, d); };
    std::fprintf(stderr, "device %u: sending through the MQTT broker %s as '%s'\n", id, o.url.c_str(), o.device_level.c_str());
  } else {
    tcp_uplink.emplace(group, 512, std::chrono::milliseconds(std::clamp<std::int64_t>(L / 2, 200, 5000)));
    send = [&](const Batch& b, std::chrono::steady_clock::time_point d) { return tcp_uplink->send(b, d); };
  }
  Prg prg;

  const auto open_ms = [&](std::uint32_t r) { return group.epoch_ms + static_cast<std::int64_t>(r) * L; };
  const auto current_round = [&]() -> std::uint32_t {
    const std::int64_t now = Stopper::unix_ms();
    return now < group.epoch_ms ? 0 : static_cast<std::uint32_t>((now - group.epoch_ms) / L);
  };
  // Sending ends 100 ms before the round closes (a quarter of the round for rounds below
  // 400 ms); polling gets up to a quarter of the round (at most 1 s) before that.
  const std::int64_t send_slack = std::min<std::int64_t>(100, L / 4);
  const std::int64_t poll_time = std::min<std::int64_t>(L / 4, 1000);
  const std::int64_t margin = send_slack + poll_time;
  std::uint32_t r = current_round();
  if (Stopper::unix_ms() > open_ms(r + 1) - margin) ++r;
  // Never a round this device may have sealed in before a restart: its nonces would repeat.
  platform::SealSequence sequence(state_path);
  if (r < sequence.first_fresh_round()) {
    std::fprintf(stderr, "device %u: round %u was sealed before this start (%s); starting at round %llu\n", id, r,
                 state_path.c_str(), static_cast<unsigned long long>(sequence.first_fresh_round()));
    if (sequence.first_fresh_round() > UINT32_MAX) throw error(errc::invalid_argument, "every round has been sealed in");
    r = static_cast<std::uint32_t>(sequence.first_fresh_round());
  }

  std::fprintf(stderr, "device %u: group '%s', %zu gateways, %zu channels, source: %s, starting at round %u\n", id,
               group.name.c_str(), group.gateways.size(), channels, source.description.c_str(), r);
  const std::uint32_t first = r;  // rounds = N: rounds first .. first+N-1

  std::uint32_t done = 0;
  bool all_held = false;
  std::vector<device::Reading> readings(channels);
  std::vector<double> values(channels);
  while (!stopper.stopping()) {
    if (local.rounds > 0 && std::uint64_t{r} - first >= local.rounds) break;  // past round first+N-1
    if (!stopper.sleep_until_unix_ms(open_ms(r))) break;
    const std::int64_t close = open_ms(r + 1);
    if (Stopper::unix_ms() > close - margin) {  // suspended, or a slow poll: catch up
      const std::uint32_t now_round = current_round();
      std::fprintf(stderr, "device %u: round %u: too late to submit, skipped\n", id, r);
      r = std::max(r + 1, now_round);
      if (Stopper::unix_ms() > open_ms(r + 1) - margin) ++r;
      continue;
    }
    const auto steady_at = [&](std::int64_t unix_ms) {
      return std::chrono::steady_clock::now() + std::chrono::milliseconds(unix_ms - Stopper::unix_ms());
    };

    // Poll and clean.
    std::string dropped;
    std::size_t got = 0;
    try {
      // now <= close - margin, so the poll ends by close - send_slack at the latest.
      got = source.poll(std::chrono::steady_clock::now() + std::chrono::milliseconds(poll_time), readings);
    } catch (const error& e) {
      dropped = std::string("source: ") + e.what();
    }
    if (dropped.empty() && got == 0) {
      std::fprintf(stderr, "device %u: the source has no more readings\n", id);
      break;
    }
    if (dropped.empty() && got != channels)
      dropped = "the source gave " + std::to_string(got) + " readings for " + std::to_string(channels) + " channels";
    for (std::size_t c = 0; dropped.empty() && c < channels; ++c) {
      readings[c].channel = static_cast<std::uint32_t>(c);
      const auto cleaned = pipeline.process(readings[c]);
      if (!cleaned.kept()) {
        char value[64] = "";
        if (readings[c].ok()) std::snprintf(value, sizeof value, " %g", readings[c].value());
        dropped = "channel " + group.channels[c].name + ": " + std::string(clean::to_string(cleaned.reason)) + value;
      }
      values[c] = cleaned.value;
    }
    if (verbose && dropped.empty()) {
      std::string line;
      for (std::size_t c = 0; c < channels; ++c) {
        char b[96];
        std::snprintf(b, sizeof b, "%s%s %g", c ? ", " : "", group.channels[c].name.c_str(), values[c]);
        line += b;
      }
      std::fprintf(stderr, "device %u: round %u: %s\n", id, r, line.c_str());
    }

    // Seal and send.
    if (dropped.empty()) {
      const platform::SealedAt at = sequence.reserve(r);  // durable before the nonce is used
      const auto sealed = client.seal(prg, at.round, at.seq, values);
      const std::vector<std::vector<std::vector<std::uint8_t>>> batch{sealed};
      const auto codes = send(batch, steady_at(close - send_slack));
      std::string held, names;
      all_held = true;
      for (std::size_t g = 0; g < codes[0].size(); ++g) {
        if (platform::is_held(codes[0][g])) held += (held.empty() ? "" : ",") + std::to_string(g);
        else all_held = false;
        names += (g ? ", " : "") + std::string(platform::to_string(codes[0][g]));
      }
      std::printf("round %u: held by gateways [%s] (codes %s)\n", r, held.c_str(), names.c_str());
    } else {
      all_held = false;
      std::fprintf(stderr, "device %u: round %u dropped: %s\n", id, r, dropped.c_str());
      std::printf("round %u: dropped (%s)\n", r, dropped.c_str());
    }
    std::fflush(stdout);

    ++done;
    if (once) break;
    r = std::max(r + 1, current_round());
  }
  if (stopper.stopping()) std::fprintf(stderr, "device %u: stopped\n", id);
  if (once) return done == 1 && all_held ? 0 : 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs one device of an edgempc group: reads its sensors once per round and sends the\n"
               "readings, secret-shared and sealed, to the gateways.",
               "edgempc-device"};
  app.set_version_flag("--version", EDGEMPC_VERSION_STRING);
  std::string config, source;
  bool once = false, verbose = false;
  std::uint64_t seed = 0;
  std::string state, uplink;
  app.add_option("--config", config,
                 "This device's TOML file (its [device] table, and group_file naming the group's file or the\n"
                 "group tables themselves); required to run")
      ->type_name("FILE");
  app.add_option("--state", state,
                 "Where the device records the last round it sealed in, so that a restart never reuses a\n"
                 "nonce (default: the config file's path + '.state'; keep it with the secret key)")
      ->type_name("FILE");
  app.add_option("--source", source,
                 "Where readings come from, one per channel per round:\n"
                 "  sim           simulated sensors, seeded from the client id and --seed\n"
                 "  replay:PATH   a CSV file with a header; one column per channel, named as it; a row per round\n"
                 "  i2c:DEV:ADDR  an SHT3x, e.g. i2c:/dev/i2c-1:0x44 (2 channels: temperature, humidity)\n"
                 "  uart:DEV      Modbus RTU: 9600 8N1, slave 1, holding registers 0..C-1, signed, x 0.1\n"
                 "Required to run.")
      ->type_name("SPEC");
  app.add_option("--uplink", uplink,
                 "How submissions leave: tcp (to each gateway's ingest port), mqtt://HOST:PORT or\n"
                 "mqtts://HOST:PORT (through an MQTT broker, mqtts over TLS; credentials and TLS files from\n"
                 "the config's [uplink] table). Default: the config's\n"
                 "[uplink] if it has one, else tcp")
      ->type_name("URL");
  app.add_flag("--once", once, "Submit one round and exit: status 0 only if every gateway holds it");
  app.add_option("--seed", seed, "Seed of the simulated sensors (sim only; default 0)")->type_name("N");
  app.add_flag("--verbose", verbose, "Log every round's readings on stderr");
  app.footer(
      "Each round: poll the source once at the round's start, drop the round if a reading is refused\n"
      "(outside the channel's [min, max], or a failed read), seal the readings for every gateway and send\n"
      "them until 100 ms before the round closes; prints 'round R: held by gateways [..] (codes ..)'.\n"
      "[device].rounds = N > 0: the N rounds from the first it can submit in, then exit; 0: until SIGTERM\n"
      "or SIGINT.\n"
      "Setting up: edgempc-device keygen makes the device's key pair; enrol its public key file at the\n"
      "gateways (edgempc-gateway enrol); edgempc-device check --config FILE checks the device's file.\n"
      "Exit status: 0 on success, 1 on an error (or --once not held by every gateway), 2 on a usage error.");

  std::string check_config, check_state;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Check a device's configuration without sending: exit 0 with a summary, or 1 with every problem");
  check_cmd->add_option("--config", check_config, "The device's TOML file")->required()->type_name("FILE");
  check_cmd->footer("Exit status: 0 with a one-line summary on stdout, 1 with every problem on stderr, 2 on a usage error.");
  check_cmd->add_option("--state", check_state, "Its state file (default: the config file's path + '.state')")
      ->type_name("FILE");
  edgempc_tools::KeygenCommand keygen;
  keygen.add_to(app, "a device");
  app.require_subcommand(0, 1);

  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
      throw Usage(e.what());
    }
    if (app.got_subcommand(check_cmd) || app.got_subcommand(keygen.command)) {
      if (!config.empty() || !source.empty() || !state.empty())
        throw Usage("--config, --source and --state before a subcommand are for running a device (check takes its "
                    "own: check --config FILE)");
      if (app.got_subcommand(keygen.command)) return keygen.run();
      return edgempc_tools::check_device(
          check_config, check_state.empty() ? fs::path(check_config + ".state") : fs::path(check_state),
          Stopper::unix_ms());
    }
    if (config.empty()) throw Usage("--config is required (or a subcommand: check, keygen)");
    if (source.empty()) throw Usage("--source is required");
    const SourceSpec spec = parse_source(source);
    return run_device(config, spec, once, seed, verbose, state.empty() ? fs::path(config + ".state") : fs::path(state),
                      uplink);
  } catch (const Usage& e) {
    std::fprintf(stderr, "edgempc-device: %s\nRun with --help for more information.\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edgempc-device: %s\n", e.what());
    return 1;
  }
}
