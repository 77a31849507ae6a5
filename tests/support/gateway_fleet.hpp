// SPDX-License-Identifier: Apache-2.0
// One gateway-fleet harness for the tests and benchmarks: keys, an enrolment, a configuration
// with free ports on 127.0.0.1; gateways either in this process on one ManualClock
// (InProcessGroup: no fork, no sleep to a round boundary; what most gateway tests use) or as
// forked processes on the wall clock (GatewayProcess: for what needs a process to die or a
// process limit, kept to a few end-to-end smoke tests); a device fleet with its plaintext
// reference. Round reports cross the process boundary in the library's own binary report
// codec (platform/round_report.hpp), hex on one line. Nothing here depends on Catch2, so
// bench/ uses it too.
#pragma once

#include <edgempc/platform/device/client.hpp>
#include <edgempc/platform/gateway.hpp>
#include <edgempc/platform/device/uplink.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>

#include "temp_dir.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
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
  TempDir temp{"edgempc-gw"};
  std::filesystem::path dir = temp.path();

  Fixture(std::size_t n, std::size_t t, std::size_t clients, std::int64_t round_ms, std::size_t min_clients = 1,
          std::vector<edgempc::PartyId> recipients = {0}) {
    group.name = "test";
    group.scheme = t == 0 ? ep::SplitScheme::additive(n) : ep::SplitScheme::shamir(t, n);
    const auto ports = free_ports(2 * n);
    for (edgempc::PartyId g = 0; g < n; ++g) {
      gateway_keys.push_back(edgempc::KeyPair::generate());
      group.gateways.push_back({g, "127.0.0.1", ports[2 * g], ports[2 * g + 1], gateway_keys.back().public_key()});
    }
    group.channels.push_back({"temperature", 12, -40.0, 125.0, 30.0});
    group.channels.push_back({"humidity", 12, 0.0, 100.0, std::nullopt});
    group.policy.min_clients = min_clients;
    group.policy.recipients = std::move(recipients);
    if (t == 0) group.policy.validation = ep::Validation::off;  // additive shares cannot be checked
    group.round_length = std::chrono::milliseconds(round_ms);
    group.peer_wait = std::chrono::milliseconds(1500);
    group.epoch_ms = unix_ms() + 500;  // time for the gateways to start
    for (std::size_t i = 0; i < clients; ++i) {
      client_keys.push_back(edgempc::KeyPair::generate());
      enrolment.add_client(client_keys.back().public_key(), static_cast<ep::ClientId>(i));
    }
    group.validate();
  }
  [[nodiscard]] std::filesystem::path store(edgempc::PartyId g) const { return dir / ("gw" + std::to_string(g) + ".db"); }
  [[nodiscard]] std::int64_t open_ms(std::uint32_t r) const { return group.epoch_ms + r * group.round_length.count(); }
  [[nodiscard]] std::int64_t close_ms(std::uint32_t r) const { return open_ms(r + 1); }
};

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

/// A gateway in a child process, finishing rounds up to `last_round` and then exiting; its
/// round reports come out of `next()` one by one or `reports()` all at once.
class GatewayProcess {
 public:
  using Tweak = std::function<void(ep::GatewayOptions&)>;

  /// `tweak` adjusts the gateway's options in the child (after finish_limit is set to 15 s);
  /// `nofile`, if not 0, is the child's descriptor limit (RLIMIT_NOFILE), set before the
  /// gateway starts.
  GatewayProcess(const ep::GroupConfig& group, edgempc::PartyId id, const edgempc::KeyPair& key,
                 const ep::Enrolment& enrolment, const std::filesystem::path& store, std::uint32_t last_round,
                 const Tweak& tweak = {}, rlim_t nofile = 0) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
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
        ep::Gateway g(group, id, key, enrolment, store, options);
        g.run(last_round, [&](const ep::RoundReport& r) { write_line(fds[1], report_line(r)); });
      } catch (const std::exception& e) {
        std::string line = "E gateway " + std::to_string(id) + ": " + e.what();
        std::replace(line.begin(), line.end(), '\n', ' ');
        write_line(fds[1], line);
        code = 1;
      }
      ::close(fds[1]);
      std::fflush(nullptr);
      ::_exit(code);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  /// The fixture's gateway `id`, on its own store unless `store` names another; `edit_group`
  /// changes this gateway's copy of the group's configuration (a mis-keyed peer, say).
  GatewayProcess(const Fixture& f, edgempc::PartyId id, std::uint32_t last_round, std::filesystem::path store = {},
                 const Tweak& tweak = {}, rlim_t nofile = 0, const std::function<void(ep::GroupConfig&)>& edit_group = {})
      : GatewayProcess(edited(f.group, edit_group), id, f.gateway_keys[id], f.enrolment,
                       store.empty() ? f.store(id) : store, last_round, tweak, nofile) {}
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
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }

  /// Waits for the child to exit (it does after its last round).
  void join() {
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  /// The next round report; std::runtime_error with the child's message if it failed, or if it
  /// exited or `timeout` passed without one.
  ep::RoundReport next(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto line = take_line()) {
        if (line->rfind("E ", 0) == 0) throw std::runtime_error("gateway process: " + line->substr(2));
        if (line->rfind("R ", 0) == 0) return report_from_line(*line);
        continue;
      }
      if (!read_some(deadline))
        throw std::runtime_error(eof_ ? "a gateway process exited without reporting"
                                      : "no round report within " + std::to_string(timeout.count()) + " ms");
    }
  }

  /// Every report until the child exits or `timeout` passes (then those so far).
  std::vector<ep::RoundReport> reports(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (read_some(deadline)) {
    }
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
    std::vector<ep::RoundReport> out;
    while (auto line = take_line()) {
      if (line->rfind("E ", 0) == 0) throw std::runtime_error("gateway process: " + line->substr(2));
      if (line->rfind("R ", 0) == 0) out.push_back(report_from_line(*line));
    }
    return out;
  }

 private:
  static ep::GroupConfig edited(ep::GroupConfig group, const std::function<void(ep::GroupConfig&)>& edit) {
    if (edit) edit(group);
    return group;
  }
  static void write_line(int fd, std::string line) {
    line += '\n';
    const char* p = line.data();
    std::size_t n = line.size();
    while (n > 0) {
      const ssize_t k = ::write(fd, p, n);
      if (k <= 0) return;
      p += k;
      n -= static_cast<std::size_t>(k);
    }
  }
  std::optional<std::string> take_line() {
    const auto nl = text_.find('\n');
    if (nl == std::string::npos) return std::nullopt;
    std::string line = text_.substr(0, nl);
    text_.erase(0, nl + 1);
    return line;
  }
  /// Appends what the pipe has; false at end of file or at the deadline.
  bool read_some(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[4096];
    const ssize_t k = ::read(fd_, buf, sizeof buf);
    if (k <= 0) {
      eof_ = true;
      return false;
    }
    text_.append(buf, static_cast<std::size_t>(k));
    return true;
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool eof_ = false;
  std::string text_;
};

/// Gateways in this process on one ManualClock, each run() on its own thread, over real TCP on
/// 127.0.0.1; the test moves the clock, so a round closes when the test says, not the wall.
/// Reports are collected per gateway.
class InProcessGroup {
 public:
  std::shared_ptr<ep::ManualClock> clock;

  /// Gateways `ids` of the fixture, each finishing rounds up to `last_round`; `edit_group`
  /// changes gateway id's copy of the group's configuration.
  /// `tweak` adjusts gateway id's options (after the clock, finish limit and log are set).
  InProcessGroup(const Fixture& f, const std::vector<edgempc::PartyId>& ids, std::uint32_t last_round,
                 const std::function<void(edgempc::PartyId, ep::GroupConfig&)>& edit_group = {},
                 const std::function<void(edgempc::PartyId, ep::GatewayOptions&)>& tweak = {})
      : clock(std::make_shared<ep::ManualClock>(f.open_ms(0))), reports_(f.group.gateways.size()) {
    for (const edgempc::PartyId id : ids) {
      ep::GatewayOptions o;
      o.clock = ep::AnyClock(clock);
      o.finish_limit = std::chrono::milliseconds(15000);
      o.log = [id](const std::string& line) { std::fprintf(stderr, "gateway %u (in process): %s\n", id, line.c_str()); };
      if (tweak) tweak(id, o);
      ep::GroupConfig group = f.group;
      if (edit_group) edit_group(id, group);
      gateways_.push_back(std::make_unique<ep::Gateway>(group, id, f.gateway_keys[id], f.enrolment, f.store(id), o));
    }
    for (auto& g : gateways_)
      threads_.emplace_back([this, &g, last_round] {
        try {
          g->run(last_round, [this, id = g->id()](const ep::RoundReport& r) {
            std::lock_guard lock(mutex_);
            reports_[id].push_back(r);
            cv_.notify_all();
          });
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex_);
          errors_.push_back("gateway " + std::to_string(g->id()) + ": " + e.what());
          cv_.notify_all();
        }
      });
  }
  InProcessGroup(const InProcessGroup&) = delete;
  InProcessGroup& operator=(const InProcessGroup&) = delete;
  ~InProcessGroup() {
    for (auto& g : gateways_) g->stop();
    for (auto& t : threads_) t.join();
  }

  /// Waits for `count` reports at gateway `id` (in real time, up to `guard`: a guard against a
  /// hang, never a round boundary) and returns those so far; a gateway's run() that threw
  /// rethrows here as std::runtime_error.
  std::vector<ep::RoundReport> wait_for(edgempc::PartyId id, std::size_t count,
                                        std::chrono::milliseconds guard = std::chrono::seconds(60)) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, guard, [&] { return reports_[id].size() >= count || !errors_.empty(); });
    if (!errors_.empty()) throw std::runtime_error(errors_.front());
    return reports_[id];
  }
  /// The gateway of id `id` (one of `ids`).
  ep::Gateway& gateway(edgempc::PartyId id) {
    for (auto& g : gateways_)
      if (g->id() == id) return *g;
    throw std::runtime_error("no gateway " + std::to_string(id) + " in this group");
  }
  /// The reports at gateway `id` so far, without waiting.
  std::vector<ep::RoundReport> reports(edgempc::PartyId id) {
    std::lock_guard lock(mutex_);
    return reports_[id];
  }

 private:
  std::vector<std::unique_ptr<ep::Gateway>> gateways_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::vector<ep::RoundReport>> reports_;
  std::vector<std::string> errors_;
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
      sum += e, sum_sq += e * e;  // devices send X and X^2
      lo = std::min(lo, e), hi = std::max(hi, e);
      out[c].alerts += ch.alert_above && e > threshold ? 1 : 0;
      ++out[c].count;
    }
    const double k = static_cast<double>(out[c].count);
    out[c].mean = std::ldexp(static_cast<double>(sum), -static_cast<int>(ch.frac_bits)) / k;
    out[c].variance = std::ldexp(static_cast<double>(sum_sq), -2 * static_cast<int>(ch.frac_bits)) / k - out[c].mean * out[c].mean;
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
