// SPDX-License-Identifier: Apache-2.0
// A gateway group for tests: keys, an enrolment, a configuration with free ports on 127.0.0.1,
// gateway processes (forked, each a real process with its own store and sockets, reporting
// rounds through a pipe), and a device fleet with its plaintext reference.
#pragma once

#include <edgempc/platform/client.hpp>
#include <edgempc/platform/gateway.hpp>
#include <edgempc/platform/uplink.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace test {

namespace ep = edgempc::platform;

/// `count` distinct ports the OS has just handed out (all bound at once, so no two are the
/// same, then closed); good enough on a test machine.
inline std::vector<std::uint16_t> free_ports(std::size_t count) {
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::acceptor> held;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < count; ++i) {
    held.emplace_back(io, boost::asio::ip::tcp::endpoint{boost::asio::ip::make_address("127.0.0.1"), 0});
    ports.push_back(held.back().local_endpoint().port());
  }
  return ports;
}

inline std::int64_t unix_ms() { return edgempc::platform::SystemClock{}.now_ms(); }

struct Fixture {
  ep::GroupConfig group;
  std::vector<edgempc::KeyPair> gateway_keys;
  std::vector<edgempc::KeyPair> client_keys;  // client i has id i
  ep::Enrolment enrolment;
  std::filesystem::path dir;

  Fixture(std::size_t n, std::size_t t, std::size_t clients, std::int64_t round_ms, std::size_t min_clients = 1,
          std::vector<edgempc::PartyId> recipients = {0}) {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          ("edgempc-gw-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    group.name = "test";
    group.scheme = t == 0 ? ep::SplitScheme::additive(n) : ep::SplitScheme::shamir(t, n);
    const auto ports = free_ports(2 * n);
    for (edgempc::PartyId g = 0; g < n; ++g) {
      gateway_keys.push_back(edgempc::KeyPair::generate());
      group.gateways.push_back({g, "127.0.0.1", ports[2 * g], ports[2 * g + 1], gateway_keys.back().public_key()});
    }
    group.channels.push_back({"temperature", 16, -40.0, 125.0, 30.0});
    group.channels.push_back({"humidity", 12, 0.0, 100.0, std::nullopt});
    group.policy.min_clients = min_clients;
    group.policy.recipients = std::move(recipients);
    group.round_length = std::chrono::milliseconds(round_ms);
    group.peer_wait = std::chrono::milliseconds(1500);
    group.epoch_ms = unix_ms() + 500;  // time for the gateways to start
    for (std::size_t i = 0; i < clients; ++i) {
      client_keys.push_back(edgempc::KeyPair::generate());
      enrolment.add_client(client_keys.back().public_key(), static_cast<ep::ClientId>(i));
    }
    group.validate();
  }
  ~Fixture() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  [[nodiscard]] std::filesystem::path store(edgempc::PartyId g) const { return dir / ("gw" + std::to_string(g) + ".db"); }
  [[nodiscard]] std::int64_t open_ms(std::uint32_t r) const { return group.epoch_ms + r * group.round_length.count(); }
  [[nodiscard]] std::int64_t close_ms(std::uint32_t r) const { return open_ms(r + 1); }
};

inline void sleep_until_ms(std::int64_t ms) {
  const std::int64_t now = unix_ms();
  if (ms > now) std::this_thread::sleep_for(std::chrono::milliseconds(ms - now));
}

// ---------------------------------------------------------------- reports through a pipe

// The library's binary report codec (platform/round_report.hpp), hex-encoded on one line.
inline std::string report_line(const ep::RoundReport& r) {
  return "R " + edgempc::detail::to_hex(ep::encode_report(r));
}

inline ep::RoundReport report_from_line(const std::string& line) {
  const std::string hex = line.substr(2);
  std::vector<std::uint8_t> bytes(hex.size() / 2);
  std::size_t n = 0;
  if (sodium_hex2bin(bytes.data(), bytes.size(), hex.data(), hex.size(), nullptr, &n, nullptr) != 0 || n != bytes.size())
    throw std::runtime_error("a report line that is not hex: " + line);
  return ep::decode_report(bytes);
}

/// A gateway in a child process; its round reports come out of `reports()`.
class GatewayProcess {
 public:
  /// `tweak` adjusts the gateway's options in the child; `nofile`, if not 0, is the child's
  /// descriptor limit (RLIMIT_NOFILE), set before the gateway starts; `edit_group` changes this
  /// gateway's copy of the group's configuration (a mis-keyed peer, say).
  GatewayProcess(const Fixture& f, edgempc::PartyId id, std::uint32_t last_round,
                 std::filesystem::path store = {}, std::function<void(ep::GatewayOptions&)> tweak = {},
                 rlim_t nofile = 0, std::function<void(ep::GroupConfig&)> edit_group = {}) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    if (store.empty()) store = f.store(id);
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::close(fds[0]);
      int code = 0;
      try {
        ep::GatewayOptions options;
        options.finish_limit = std::chrono::milliseconds(15000);
        if (tweak) tweak(options);
        if (nofile != 0) {
          const rlimit limit{nofile, nofile};
          if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("setrlimit");
        }
        ep::GroupConfig group = f.group;
        if (edit_group) edit_group(group);
        ep::Gateway g(group, id, f.gateway_keys[id], f.enrolment, store, options);
        g.run(last_round, [&](const ep::RoundReport& r) {
          const std::string line = report_line(r) + "\n";
          (void)!::write(fds[1], line.data(), line.size());
        });
      } catch (const std::exception& e) {
        const std::string line = std::string("E ") + e.what() + "\n";
        (void)!::write(fds[1], line.data(), line.size());
        code = 1;
      }
      ::close(fds[1]);
      std::fflush(nullptr);
      ::_exit(code);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;
  ~GatewayProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }

  void kill() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  /// Reads report lines until the child exits or `timeout` passes; errors come back as
  /// std::runtime_error with the child's message.
  std::vector<ep::RoundReport> reports(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      const ssize_t k = ::read(fd_, buf, sizeof buf);
      if (k <= 0) break;
      text.append(buf, static_cast<std::size_t>(k));
    }
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
    std::vector<ep::RoundReport> out;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("E ", 0) == 0) throw std::runtime_error("gateway process: " + line.substr(2));
      if (line.rfind("R ", 0) == 0) out.push_back(report_from_line(line));
    }
    return out;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
};

// ---------------------------------------------------------------- devices and plaintext

struct Plain {
  std::uint64_t count = 0;
  double mean = 0, variance = 0, minimum = 0, maximum = 0;
  std::uint64_t alerts = 0;
};

/// Readings of one round: readings[i] = {temperature, humidity} of client i.
inline std::vector<std::array<double, 2>> make_readings(std::size_t clients, std::uint32_t round, std::uint64_t seed) {
  std::mt19937_64 gen(seed * 1000003 + round);
  std::normal_distribution<double> temp(22.0, 5.0), hum(45.0, 12.0);
  std::vector<std::array<double, 2>> out(clients);
  for (auto& r : out) {
    r[0] = std::clamp(temp(gen), -40.0, 125.0);
    r[1] = std::clamp(hum(gen), 0.0, 100.0);
  }
  return out;
}

/// The statistics the gateways should publish, from the same fixed-point encodings.
inline std::vector<Plain> plaintext(const ep::GroupConfig& group, const std::vector<std::array<double, 2>>& readings,
                                    const std::vector<bool>& included) {
  std::vector<Plain> out(group.channels.size());
  for (std::size_t c = 0; c < group.channels.size(); ++c) {
    const auto& ch = group.channels[c];
    const edgempc::FixedPoint<edgempc::Mersenne61> f(ch.frac_bits);
    const std::int64_t threshold = ch.alert_above ? f.encode(*ch.alert_above).to_int() : 0;
    std::int64_t sum = 0, sum_sq = 0, lo = INT64_MAX, hi = INT64_MIN;
    for (std::size_t i = 0; i < readings.size(); ++i) {
      if (!included[i]) continue;
      const std::int64_t e = f.encode(readings[i][c]).to_int();
      sum += e, sum_sq += f.encode(readings[i][c] * readings[i][c]).to_int();
      lo = std::min(lo, e), hi = std::max(hi, e);
      out[c].alerts += ch.alert_above && e > threshold ? 1 : 0;
      ++out[c].count;
    }
    const double k = static_cast<double>(out[c].count);
    out[c].mean = std::ldexp(static_cast<double>(sum), -static_cast<int>(ch.frac_bits)) / k;
    out[c].variance = std::ldexp(static_cast<double>(sum_sq), -static_cast<int>(ch.frac_bits)) / k - out[c].mean * out[c].mean;
    out[c].minimum = std::ldexp(static_cast<double>(lo), -static_cast<int>(ch.frac_bits));
    out[c].maximum = std::ldexp(static_cast<double>(hi), -static_cast<int>(ch.frac_bits));
  }
  return out;
}

/// Seals round r's readings of every client (seq 0) for every gateway.
inline std::vector<std::vector<std::vector<std::uint8_t>>> seal_round(const Fixture& f, std::uint32_t round,
                                                                      const std::vector<std::array<double, 2>>& readings) {
  std::vector<std::vector<std::vector<std::uint8_t>>> out;
  edgempc::Prg prg;
  for (std::size_t i = 0; i < readings.size(); ++i) {
    ep::DeviceClient client(f.group, static_cast<ep::ClientId>(i), f.client_keys[i]);
    out.push_back(client.seal(prg, round, 0, readings[i]));
  }
  return out;
}

}  // namespace test
