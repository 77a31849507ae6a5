// SPDX-License-Identifier: Apache-2.0
// End-to-end rounds (issue 7): 3 gateways (Shamir t = 1, n = 3) as forked processes on
// 127.0.0.1, each a real process with its own encrypted SQLite store in a fresh temporary
// directory; the benchmark process is the device fleet. Channels temperature (12 fraction bits,
// alert above 30) and humidity (12 bits), recipients {0}, as in tests/support/gateway_fleet.hpp,
// whose GatewayProcess, TempDir and report codec this benchmark uses.
//
// BM_round/<policy>/<rows>/<clients>/real_time: every client sends one submission per round
//   carrying <rows> rows of the 2 channels (1: one reading per channel, 4 elements with the
//   squares and 39 range bits, platform/reading_layout.hpp; 16: 16 per channel, 688 elements;
//   linear_unchecked sends no range bits: 4 and 64 elements). <policy>: all_six reveals count, mean, variance, min, max and alerts; linear_only
//   reveals count, mean and variance (no garbled circuit: the difference in finish_s is what
//   min, max and alerts cost); linear_unchecked is linear_only with policy.validation = "off"
//   (the difference in finish_s is what checking the devices costs: the masked consistency,
//   square and range-bit check). Everything is sealed before the gateways start (sealing is
//   bench_submission's business). Round 0 is a warm-up, reported apart as cold_*: on first
//   contact each gateway derives every client's crypto_box key (one X25519 each). Each
//   iteration is one later round:
//    - ingest: Uplink::send of every client's submission to the 3 gateways (one connection
//      and thread per gateway, pipelined chunks of 512; a gateway opens what it has read,
//      stores it in one transaction with fsync, then answers);
//    - the round is clock-driven: the benchmark waits, untimed, until it closes (round_ms is
//      chosen per size so that the previous round's finish and this ingestion fit);
//    - finish: from the close to the published report of gateway 0 (live set, Noise mesh,
//      agreed contributors stored, linear statistics, min/max/alerts by garbled circuit).
//   The timed part is ingest + finish (the idle wait for the close is paused out), so the
//   time per iteration is "submissions to published result". Counters (means over the timed
//   rounds): ingest_s, finish_s (RoundReport::seconds of gateway 0: from the close to its end
//   there), round_s = ingest_s + finish_s (the same figure, from the gateway's clock),
//   subs_per_s_per_gw and readings_per_s_per_gw (clients and readings over ingest_s: every
//   gateway receives every client), bytes_per_sub and bytes_per_reading (one sealed submission
//   for one gateway; the ingest framing adds 5 bytes, the reply is 8), cold_ingest_s and
//   cold_finish_s (round 0), round_ms. Every round's published statistics are checked
//   against the plaintext.
// BM_ingest_reference/<rows>/<clients>/real_time: the yardstick for ingest: as many messages
//   of the same sizes through the same Uplink to 3 forked plain-TCP servers that frame the
//   requests and answer "accepted" without opening or storing anything.
//
// The 3 gateways and the fleet share this machine's cores, so a per-gateway rate here is what
// one gateway gets while two others and the senders run beside it. Stores go to a fresh
// directory under $TMPDIR (or /tmp): point TMPDIR at the disk the gateways would use.
// EDGEMPC_BENCH_ROUND_MS sets the round length (ms) for every size, e.g. on a slower machine
// where ingestion does not fit (the benchmark then stops with "round closed");
// EDGEMPC_BENCH_ROUND_VERBOSE=1 prints each round's two times to stderr.
#include <benchmark/benchmark.h>

#include <edgempc/platform/device/client.hpp>
#include <edgempc/platform/gateway.hpp>
#include <edgempc/platform/device/uplink.hpp>

#include "gateway_fleet.hpp"
#include "temp_dir.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using namespace edgempc;
using namespace edgempc::platform;
using Clock = std::chrono::steady_clock;
using Messages = std::vector<std::vector<std::vector<std::uint8_t>>>;  // [client][gateway]

constexpr std::size_t n_gateways = 3;
constexpr std::size_t n_channels = 2;

using test::unix_ms;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

void sleep_until_unix_ms(std::int64_t ms) {
  std::this_thread::sleep_until(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

// ---------------------------------------------------------------- the fleet and its group

/// Client keys and their enrolment, made once per fleet size (X25519 key generation is setup).
struct Fleet {
  std::vector<KeyPair> keys;  // client i has id i
  Enrolment enrolment;
};

const Fleet& fleet(std::size_t clients) {
  static std::map<std::size_t, std::unique_ptr<Fleet>> cache;
  auto& f = cache[clients];
  if (!f) {
    f = std::make_unique<Fleet>();
    f->keys.reserve(clients);
    for (std::size_t i = 0; i < clients; ++i) {
      f->keys.push_back(KeyPair::generate());
      f->enrolment.add_client(f->keys.back().public_key());
    }
  }
  return *f;
}

GroupConfig make_group(std::vector<KeyPair>& gateway_keys, std::chrono::milliseconds round) {
  GroupConfig g;
  g.name = "bench";
  g.scheme = SplitScheme::shamir(1, n_gateways);
  const auto ports = test::free_ports(2 * n_gateways);
  for (PartyId id = 0; id < n_gateways; ++id) {
    gateway_keys.push_back(KeyPair::generate());
    g.gateways.push_back({id, "127.0.0.1", ports[2 * id], ports[2 * id + 1], gateway_keys.back().public_key()});
  }
  g.channels.push_back({"temperature", 12, -40.0, 125.0, 30.0});
  g.channels.push_back({"humidity", 12, 0.0, 100.0, std::nullopt});
  g.policy.min_clients = 1;
  g.policy.recipients = {0};  // reveal: all six statistics (the default)
  g.round_length = round;
  g.peer_wait = std::chrono::milliseconds(1500);
  return g;
}

/// How long the clock gives each part: what was measured on the 2-core machine of
/// bench/README.md, with 2-3x to spare for a busy second core. A timed round must hold the
/// previous round's finish (with the garbled circuit about 0.12-0.16 ms per row of readings,
/// both channels; without it about 0.001 ms) and the ingestion (about 0.01 ms per
/// single-reading client, 0.03 ms per 16-row client). Round 0, the warm-up, is made to close
/// early: it needs only the gateways' start and the cold ingestion (each gateway derives
/// every client's key: about 0.06 ms per client).
struct Budget {
  std::chrono::milliseconds round;  // round_ms
  std::chrono::milliseconds cold;   // from the gateways' start to the close of round 0
};

Budget budget(bool all_six, std::size_t rows, std::size_t clients) {
  const auto ms = [](double v) { return std::chrono::milliseconds(static_cast<std::int64_t>(v)); };
  if (const char* env = std::getenv("EDGEMPC_BENCH_ROUND_MS")) return {ms(std::atof(env)), ms(std::atof(env))};
  const double c = static_cast<double>(clients), readings = c * static_cast<double>(rows);
  const double ingest = c * (rows == 1 ? 0.05 : 0.15);
  const double finish = readings * (all_six ? 0.25 : 0.01);
  return {ms(500 + finish + ingest), ms(500 + c * (rows == 1 ? 0.3 : 0.4))};
}

/// What the gateways should publish for one round, from the same fixed-point encodings.
struct Plain {
  std::array<std::uint64_t, n_channels> count{};
  std::array<double, n_channels> sum{}, minimum{}, maximum{};
  std::uint64_t alerts = 0;  // temperature above 30
  Plain() {
    minimum.fill(1e300);
    maximum.fill(-1e300);
  }
  void merge(const Plain& o) {
    for (std::size_t c = 0; c < n_channels; ++c) {
      count[c] += o.count[c];
      sum[c] += o.sum[c];
      minimum[c] = std::min(minimum[c], o.minimum[c]);
      maximum[c] = std::max(maximum[c], o.maximum[c]);
    }
    alerts += o.alerts;
  }
};

/// Round r's readings of client i: rows x {temperature, humidity}, row-major.
std::vector<double> readings_of(std::size_t client, std::uint32_t round, std::size_t rows) {
  std::mt19937_64 gen(client * 1000003 + round);
  std::normal_distribution<double> temp(22.0, 5.0), hum(45.0, 12.0);
  std::vector<double> out(rows * n_channels);
  for (std::size_t j = 0; j < rows; ++j) {
    out[j * n_channels] = std::clamp(temp(gen), -40.0, 125.0);
    out[j * n_channels + 1] = std::clamp(hum(gen), 0.0, 100.0);
  }
  return out;
}

/// Seals rounds 0 .. rounds-1 of every client (seq 0), on 2 threads; fills the plaintext.
std::vector<Messages> seal_rounds(const GroupConfig& group, const Fleet& f, std::size_t clients, std::size_t rows,
                                  std::uint32_t rounds, std::vector<Plain>& plain) {
  std::vector<Messages> out(rounds, Messages(clients));
  const FixedPoint<Mersenne61> temp_format(group.channels[0].frac_bits);
  const std::int64_t threshold = temp_format.encode(*group.channels[0].alert_above).to_int();
  constexpr std::size_t workers = 2;
  std::vector<std::vector<Plain>> partial(workers, std::vector<Plain>(rounds));
  const auto seal_share = [&](std::size_t w) {
    Prg prg;
    for (std::size_t i = w; i < clients; i += workers) {
      DeviceClient device(group, static_cast<ClientId>(i), f.keys[i]);
      for (std::uint32_t r = 0; r < rounds; ++r) {
        const auto x = readings_of(i, r, rows);
        out[r][i] = device.seal(prg, r, 0, x);
        auto& p = partial[w][r];
        for (std::size_t k = 0; k < x.size(); ++k) {
          const std::size_t c = k % n_channels;
          ++p.count[c];
          p.sum[c] += x[k];
          p.minimum[c] = std::min(p.minimum[c], x[k]);
          p.maximum[c] = std::max(p.maximum[c], x[k]);
          if (c == 0 && temp_format.encode(x[k]).to_int() > threshold) ++p.alerts;
        }
      }
    }
  };
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> failed(workers);
  for (std::size_t w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      try {
        seal_share(w);
      } catch (...) {
        failed[w] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  for (const auto& e : failed)
    if (e) std::rethrow_exception(e);
  plain.assign(rounds, Plain{});
  for (std::size_t w = 0; w < workers; ++w)
    for (std::uint32_t r = 0; r < rounds; ++r) plain[r].merge(partial[w][r]);
  return out;
}

// ---------------------------------------------------------------- gateways in child processes

void write_all(int fd, const void* p, std::size_t n) {
  const auto* b = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t k = ::write(fd, b, n);
    if (k <= 0) return;
    b += k;
    n -= static_cast<std::size_t>(k);
  }
}

void wait_until_listening(const GroupConfig& group) {
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  for (const auto& g : group.gateways)
    for (;;) {
      try {
        IngestClient c(g.host, g.ingest_port, std::chrono::milliseconds(1000));
        (void)c.status(0);
        break;
      } catch (const error&) {
        if (Clock::now() > deadline) throw std::runtime_error("a gateway did not start listening within 60 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
}

/// Empty if every gateway accepted every submission, else what went wrong.
std::string check_codes(const std::vector<std::vector<IngestCode>>& codes, std::uint32_t round) {
  for (std::size_t g = 0; g < n_gateways; ++g) {
    std::size_t bad = 0;
    IngestCode first = IngestCode::accepted;
    for (const auto& c : codes)
      if (c[g] != IngestCode::accepted && bad++ == 0) first = c[g];
    if (bad)
      return "round " + std::to_string(round) + ": gateway " + std::to_string(g) + " did not accept " + std::to_string(bad) +
             " of " + std::to_string(codes.size()) + " submissions (first: " + to_string(first) +
             "); if 'round closed', raise EDGEMPC_BENCH_ROUND_MS";
  }
  return {};
}

/// Empty if gateway 0 published what the plaintext says.
std::string check_report(const RoundReport& got, const Plain& want, std::size_t clients, bool all_six) {
  const std::string where = "round " + std::to_string(got.round) + ": ";
  if (got.status != RoundStatus::published) return where + "status " + to_string(got.status) + " " + got.reason;
  if (got.contributors != clients) return where + std::to_string(got.contributors) + " contributors";
  if (!got.recipient || got.channels.size() != n_channels) return where + "no results at gateway 0";
  for (std::size_t c = 0; c < n_channels; ++c) {
    const auto& ch = got.channels[c];
    if (ch.count != want.count[c] || !ch.mean || !ch.variance || ch.minimum.has_value() != all_six ||
        ch.maximum.has_value() != all_six)
      return where + "channel " + std::to_string(c) + ": not the statistics the policy reveals";
    const double mean = want.sum[c] / static_cast<double>(want.count[c]);
    if (std::fabs(*ch.mean - mean) > 1e-3 ||
        (all_six && (std::fabs(*ch.minimum - want.minimum[c]) > 1e-3 || std::fabs(*ch.maximum - want.maximum[c]) > 1e-3)))
      return where + "channel " + std::to_string(c) + " differs from the plaintext";
  }
  if (all_six && (!got.channels[0].alerts || *got.channels[0].alerts != want.alerts)) return where + "alerts differ";
  return {};
}

/// EDGEMPC_BENCH_ROUND_VERBOSE=1 prints one line per round to stderr.
void trace(std::uint32_t round, double ingest, double finish) {
  static const bool on = std::getenv("EDGEMPC_BENCH_ROUND_VERBOSE") != nullptr;
  if (on) std::fprintf(stderr, "bench_round: round %u: ingest %.3f s, close to published %.3f s\n", round, ingest, finish);
}

std::chrono::steady_clock::time_point steady_at_unix_ms(std::int64_t ms) {
  return Clock::now() + std::chrono::milliseconds(ms - unix_ms());
}

// ---------------------------------------------------------------- BM_round

void BM_round(benchmark::State& state, bool all_six, bool validate = true) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const auto clients = static_cast<std::size_t>(state.range(1));
  const auto timed_rounds = static_cast<std::uint32_t>(state.max_iterations);
  const std::uint32_t rounds = timed_rounds + 1;  // round 0: the cold warm-up
  const Budget plan = budget(all_six, rows, clients);
  const auto length = plan.round;
  const auto report_timeout = std::max(length, plan.cold) + std::chrono::milliseconds(150000);

  const Fleet& f = fleet(clients);
  std::vector<KeyPair> gateway_keys;
  GroupConfig group = make_group(gateway_keys, length);
  if (!all_six) group.policy.reveal = {Statistic::count, Statistic::mean, Statistic::variance};
  group.policy.max_readings = static_cast<std::uint32_t>(rows);  // a batch of rows per device is within its quota
  if (!validate) group.policy.validation = Validation::off;
  std::vector<Plain> plain;
  std::vector<Messages> messages;
  try {
    group.validate();
    messages = seal_rounds(group, f, clients, rows, rounds, plain);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  const std::size_t sub_bytes = messages[0][0][0].size();
  const std::size_t readings = rows * n_channels;

  test::TempDir dir("edgempc-bench-round");
  // Round 0 is open from before now until now + the cold budget (not a whole round: the
  // warm-up needs only the gateways' start and the cold ingestion).
  group.epoch_ms = unix_ms() + plan.cold.count() - length.count();
  const auto close_ms = [&](std::uint32_t r) { return group.epoch_ms + (std::int64_t{r} + 1) * length.count(); };
  std::vector<std::unique_ptr<test::GatewayProcess>> gws;
  const auto patient = [](GatewayOptions& o) {  // the largest rounds take minutes on a busy machine
    o.finish_limit = std::chrono::milliseconds(120000);
    o.message_timeout = std::chrono::milliseconds(60000);
  };
  Uplink uplink(group);
  double cold_ingest = 0, cold_finish = 0, ingest = 0, finish = 0;
  try {
    for (PartyId g = 0; g < n_gateways; ++g)
      gws.push_back(std::make_unique<test::GatewayProcess>(group, g, gateway_keys[g], f.enrolment,
                                                           dir / ("gw" + std::to_string(g) + ".db"), rounds - 1, patient));
    wait_until_listening(group);

    // Round 0, cold: untimed.
    auto t0 = Clock::now();
    auto codes = uplink.send(messages[0], steady_at_unix_ms(close_ms(0)));
    cold_ingest = seconds_since(t0);
    if (auto problem = check_codes(codes, 0); !problem.empty()) throw std::runtime_error(problem);
    for (std::size_t g = 0; g < n_gateways; ++g) {
      const RoundReport rep = gws[g]->next(report_timeout);
      if (g == 0) {
        if (auto problem = check_report(rep, plain[0], clients, all_six); !problem.empty()) throw std::runtime_error(problem);
        cold_finish = rep.seconds;
        trace(0, cold_ingest, cold_finish);
      }
    }
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }

  std::uint32_t r = 1;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const auto codes = uplink.send(messages[r], steady_at_unix_ms(close_ms(r)));
    const double this_ingest = seconds_since(t0);
    ingest += this_ingest;
    state.PauseTiming();
    try {
      if (auto problem = check_codes(codes, r); !problem.empty()) throw std::runtime_error(problem);
      sleep_until_unix_ms(close_ms(r));
      state.ResumeTiming();
      const RoundReport rep = gws[0]->next(report_timeout);
      state.PauseTiming();
      if (auto problem = check_report(rep, plain[r], clients, all_six); !problem.empty()) throw std::runtime_error(problem);
      finish += rep.seconds;
      trace(r, this_ingest, rep.seconds);
      for (std::size_t g = 1; g < n_gateways; ++g) (void)gws[g]->next(report_timeout);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      break;
    }
    ++r;
    state.ResumeTiming();
  }
  if (state.error_occurred()) return;  // the destructors kill the gateways
  for (auto& g : gws) g->join();

  const double n = timed_rounds;
  ingest /= n;
  finish /= n;
  state.counters["readings_per_sub"] = static_cast<double>(readings);
  state.counters["round_ms"] = static_cast<double>(length.count());
  state.counters["ingest_s"] = ingest;
  state.counters["finish_s"] = finish;
  state.counters["round_s"] = ingest + finish;
  state.counters["subs_per_s_per_gw"] = static_cast<double>(clients) / ingest;
  state.counters["readings_per_s_per_gw"] = static_cast<double>(clients * readings) / ingest;
  state.counters["bytes_per_sub"] = static_cast<double>(sub_bytes);
  state.counters["bytes_per_reading"] = static_cast<double>(sub_bytes) / static_cast<double>(readings);
  state.counters["cold_ingest_s"] = cold_ingest;
  state.counters["cold_finish_s"] = cold_finish;
}
// 16 rows of 2 channels with their squares and range bits: 688 elements of the 1,000 a
// submission takes. The policy with all six statistics runs single-reading fleets only: its finish is a garbled
// circuit over every reading (about 20 KB of circuit per reading while it is built, 2.6 s for
// the 16,384 readings per channel of 1,024 batching clients), while ingestion, what batching
// is about, does not depend on the policy.
void single_sizes(benchmark::internal::Benchmark* b) {
  b->Args({1, 1024})->Args({1, 10000})->Args({1, 100000})->UseRealTime()->Unit(benchmark::kMillisecond);
}
void all_sizes(benchmark::internal::Benchmark* b) {
  single_sizes(b);
  b->Args({16, 1024})->Args({16, 10000});
}
BENCHMARK_CAPTURE(BM_round, all_six, true)->Apply(single_sizes);
// The same with the policy revealing count, mean and variance only: no garbled circuit, so the
// difference in finish_s is what min, max and alerts cost.
BENCHMARK_CAPTURE(BM_round, linear_only, false)->Apply(all_sizes);
// Devices trusted: no validation, so the difference in finish_s is what checking them costs.
BENCHMARK_CAPTURE(BM_round, linear_unchecked, false, false)->Apply(single_sizes);

// ---------------------------------------------------------------- the reference

/// A plain-TCP server in a child process that frames ingest requests and answers each with
/// "accepted", opening and storing nothing.
class AckServer {
 public:
  AckServer() {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    std::fflush(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::close(fds[0]);
      serve(fds[1]);
      ::_exit(0);
    }
    ::close(fds[1]);
    std::uint16_t port = 0;
    if (::read(fds[0], &port, sizeof port) != sizeof port) {
      ::close(fds[0]);
      throw std::runtime_error("ack server did not start");
    }
    ::close(fds[0]);
    port_ = port;
  }
  AckServer(const AckServer&) = delete;
  AckServer& operator=(const AckServer&) = delete;
  ~AckServer() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  [[nodiscard]] std::uint16_t port() const { return port_; }

 private:
  static void serve(int report) {
    const int s = ::socket(AF_INET, SOCK_STREAM, 0);
    const int one = 1;
    ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(s, 16) != 0 ||
        ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      ::_exit(1);
    const std::uint16_t port = ntohs(a.sin_port);
    write_all(report, &port, sizeof port);
    ::close(report);
    std::vector<std::uint8_t> in(std::size_t{1} << 20), out;
    for (;;) {
      const int c = ::accept(s, nullptr, nullptr);
      if (c < 0) continue;
      ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      std::size_t used = 0;
      for (;;) {
        const ssize_t k = ::read(c, in.data() + used, in.size() - used);
        if (k <= 0) break;
        used += static_cast<std::size_t>(k);
        std::size_t at = 0, frames = 0;
        while (used - at >= 4) {
          const std::uint32_t length = edgempc::detail::load_le<std::uint32_t>(in.data() + at);
          if (used - at - 4 < length) break;
          at += 4 + length;
          ++frames;
        }
        if (frames == 0) continue;
        out.assign(frames * ingest_reply_size, 0);
        for (std::size_t i = 0; i < frames; ++i) out[i * ingest_reply_size] = static_cast<std::uint8_t>(IngestKind::submit);
        write_all(c, out.data(), out.size());
        std::memmove(in.data(), in.data() + at, used - at);
        used -= at;
      }
      ::close(c);
    }
  }

  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

void BM_ingest_reference(benchmark::State& state) {
  const auto rows = static_cast<std::size_t>(state.range(0));
  const auto clients = static_cast<std::size_t>(state.range(1));
  const std::size_t readings = rows * n_channels;
  std::vector<KeyPair> unused;
  const std::size_t size = submission_size<Mersenne61>(rows * ReadingLayout(make_group(unused, std::chrono::seconds(1))).row_elements());
  std::vector<std::unique_ptr<AckServer>> servers;
  GroupConfig group;
  for (PartyId g = 0; g < n_gateways; ++g) {
    servers.push_back(std::make_unique<AckServer>());
    group.gateways.push_back({g, "127.0.0.1", 1, servers.back()->port(), PublicKey{}});
  }
  std::mt19937_64 gen(42);
  Messages messages(clients, std::vector<std::vector<std::uint8_t>>(n_gateways, std::vector<std::uint8_t>(size)));
  for (auto& m : messages)
    for (auto& v : m)
      for (auto& b : v) b = static_cast<std::uint8_t>(gen());
  Uplink uplink(group);
  double elapsed = 0;
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const auto codes = uplink.send(messages, Clock::now() + std::chrono::seconds(60));
    elapsed += seconds_since(t0);
    if (auto problem = check_codes(codes, 0); !problem.empty()) {
      state.SkipWithError(problem.c_str());
      break;
    }
  }
  if (state.error_occurred() || state.iterations() == 0) return;
  const double subs = static_cast<double>(clients) * static_cast<double>(state.iterations());
  state.counters["readings_per_sub"] = static_cast<double>(readings);
  state.counters["ingest_s"] = elapsed / static_cast<double>(state.iterations());
  state.counters["subs_per_s_per_gw"] = subs / elapsed;
  state.counters["readings_per_s_per_gw"] = subs * static_cast<double>(readings) / elapsed;
  state.counters["bytes_per_sub"] = static_cast<double>(size);
  state.counters["bytes_per_reading"] = static_cast<double>(size) / static_cast<double>(readings);
}
BENCHMARK(BM_ingest_reference)->Apply(all_sizes);

}  // namespace
