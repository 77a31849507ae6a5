// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/platform/balancer.hpp>
#include <edgempc/platform/thread_pool.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <numeric>
#include <stdexcept>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "protocol_harness.hpp"

using edgempc::errc;
using edgempc::error;
using edgempc::platform::Balancer;
using edgempc::platform::ThreadPool;
using test::has_code;

namespace {

using ClientKey = std::array<std::uint8_t, 32>;
constexpr std::size_t client_count = 100'000;

// 32-byte "public keys" from a fixed-seed PRG: the statistics below are reproducible.
const std::vector<ClientKey>& clients() {
  static const std::vector<ClientKey> keys = [] {
    edgempc::Prg prg = test::seeded(0x42);
    std::vector<ClientKey> v(client_count);
    for (ClientKey& k : v) prg.fill(k);
    return v;
  }();
  return keys;
}

std::vector<Balancer::id_type> assign(const Balancer& b) {
  std::vector<Balancer::id_type> out;
  out.reserve(clients().size());
  for (const ClientKey& k : clients()) out.push_back(b.group_for(k));
  return out;
}

Balancer equal_groups(Balancer::id_type first, std::size_t n) {
  Balancer b;
  for (std::size_t i = 0; i < n; ++i) b.add_group(first + i, 1.0);
  return b;
}

}  // namespace

TEST_CASE("Balancer: assignments are fixed by the key, not by the process or insertion order", "[platform]") {
  Balancer a;
  Balancer b;
  for (Balancer::id_type id : {10u, 20u, 30u, 40u}) a.add_group(id, 1.0 + static_cast<double>(id) / 10.0);
  for (Balancer::id_type id : {40u, 10u, 30u, 20u}) b.add_group(id, 1.0 + static_cast<double>(id) / 10.0);
  CHECK(assign(a) == assign(b));

  // Known answers with the default key pin the hash, which is part of the contract: devices
  // and gateways built from different versions or on other machines must agree. They were
  // computed by a separate Python implementation of the steps documented in balancer.hpp
  // (hashlib.blake2b for crypto_kdf, SipHash-2-4 checked against the paper's test vector).
  CHECK(a.group_for(std::string_view("sensor-0001")) == 10);
  CHECK(a.group_for(std::string_view("sensor-0002")) == 40);
  CHECK(a.group_for(std::string_view("kitchen/temperature")) == 20);
  CHECK(a.group_for(std::string_view("")) == 20);
  CHECK(a.group_for(ClientKey{}) == 30);

  // A string and the same bytes as a span are the same client.
  const std::string name = "sensor-0001";
  CHECK(a.group_for(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(name.data()), name.size())) ==
        a.group_for(name));

  // Another key gives another (but equally balanced) assignment.
  Balancer::Key key{};
  key[0] = 1;
  Balancer c(key);
  for (Balancer::id_type id : {10u, 20u, 30u, 40u}) c.add_group(id, 1.0 + static_cast<double>(id) / 10.0);
  const auto x = assign(a);
  const auto y = assign(c);
  std::size_t same = 0;
  for (std::size_t i = 0; i < x.size(); ++i) same += x[i] == y[i] ? 1 : 0;
  CHECK(same < x.size() / 2);

  // Copies assign alike.
  const Balancer copy = a;
  CHECK(assign(copy) == x);
}

TEST_CASE("Balancer: shares follow the weights", "[platform]") {
  const std::map<Balancer::id_type, double> weights = {{1, 1.0}, {2, 2.0}, {3, 3.0}, {4, 4.0}, {99, 0.5}};
  Balancer b;
  double total = 0.0;
  for (const auto& [id, w] : weights) {
    b.add_group(id, w);
    total += w;
  }
  std::map<Balancer::id_type, std::size_t> count;
  for (Balancer::id_type g : assign(b)) ++count[g];
  for (const auto& [id, w] : weights) {
    INFO("group " << id);
    const double share = static_cast<double>(count[id]) / static_cast<double>(client_count);
    // The standard deviation of a share is at most 0.0016 with 100,000 clients.
    CHECK(std::fabs(share - w / total) < 0.01);
  }
}

TEST_CASE("Balancer: a joining or leaving group moves about 1/n of the clients", "[platform]") {
  SECTION("join: 8 equal groups, then a 9th") {
    Balancer b = equal_groups(100, 8);
    const auto before = assign(b);
    b.add_group(7, 1.0);
    const auto after = assign(b);
    std::size_t moved = 0;
    std::size_t elsewhere = 0;  // moved, but not to the new group
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (before[i] == after[i]) continue;
      ++moved;
      if (after[i] != 7) ++elsewhere;
    }
    const double fraction = static_cast<double>(moved) / static_cast<double>(client_count);
    INFO("moved fraction " << fraction);
    CHECK(std::fabs(fraction - 1.0 / 9.0) < 0.02);
    CHECK(elsewhere == 0);
  }
  SECTION("leave: 9 equal groups, then one fewer") {
    Balancer b = equal_groups(100, 9);
    const auto before = assign(b);
    b.remove_group(104);
    const auto after = assign(b);
    std::size_t moved = 0;
    std::size_t from_stayers = 0;  // moved although their group stayed
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (before[i] == after[i]) continue;
      ++moved;
      if (before[i] != 104) ++from_stayers;
      CHECK(after[i] != 104);
    }
    const double fraction = static_cast<double>(moved) / static_cast<double>(client_count);
    INFO("moved fraction " << fraction);
    CHECK(std::fabs(fraction - 1.0 / 9.0) < 0.02);
    CHECK(from_stayers == 0);
    // Adding it back restores the old assignment exactly.
    b.add_group(104, 1.0);
    CHECK(assign(b) == before);
  }
  SECTION("weighted join: a group of weight 2 joins four of weight 1") {
    Balancer b = equal_groups(1, 4);
    const auto before = assign(b);
    b.add_group(50, 2.0);
    const auto after = assign(b);
    std::size_t moved = 0;
    for (std::size_t i = 0; i < before.size(); ++i) {
      if (before[i] == after[i]) continue;
      ++moved;
      CHECK(after[i] == 50);
    }
    CHECK(std::fabs(static_cast<double>(moved) / static_cast<double>(client_count) - 2.0 / 6.0) < 0.02);
  }
}

TEST_CASE("Balancer: errors", "[platform]") {
  Balancer b;
  CHECK(b.empty());
  CHECK_THROWS_MATCHES(b.group_for(std::string_view("x")), error, has_code(errc::invalid_argument));
  b.add_group(1, 1.0);
  CHECK(b.contains(1));
  CHECK_FALSE(b.contains(2));
  CHECK_THROWS_MATCHES(b.add_group(1, 2.0), error, has_code(errc::invalid_argument));
  for (double w : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()})
    CHECK_THROWS_MATCHES(b.add_group(2, w), error, has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(b.remove_group(2), error, has_code(errc::invalid_argument));
  CHECK(b.size() == 1);
  CHECK(b.group_for(std::string_view("x")) == 1);
  b.remove_group(1);
  CHECK(b.empty());
  CHECK_THROWS_MATCHES(b.group_for(std::string_view("x")), error, has_code(errc::invalid_argument));
}

TEST_CASE("ThreadPool: parallel_for covers every index from 0 to n - 1 exactly once", "[platform]") {
  ThreadPool pool(3);
  CHECK(pool.concurrency() == 4);
  for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{1000}, std::size_t{100'003}}) {
    for (std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{64}, n}) {
      INFO("n " << n << " chunk " << chunk);
      std::vector<std::uint8_t> hits(n, 0);
      std::vector<std::uint64_t> values(n);
      pool.parallel_for(n, chunk, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
          ++hits[i];
          values[i] = static_cast<std::uint64_t>(i) * i;  // size_t is 32 bits on armhf
        }
      });
      CHECK(std::all_of(hits.begin(), hits.end(), [](std::uint8_t h) { return h == 1; }));
      std::uint64_t sum = std::accumulate(values.begin(), values.end(), std::uint64_t{0});
      const std::uint64_t m = n - 1;
      CHECK(sum == m * (m + 1) * (2 * m + 1) / 6);
    }
  }
  // The per-index form.
  std::vector<std::uint64_t> v(5000);
  pool.parallel_for(v.size(), 100, [&](std::size_t i) { v[i] = i + 1; });
  CHECK(std::accumulate(v.begin(), v.end(), std::uint64_t{0}) == 5000u * 5001u / 2);
}

TEST_CASE("ThreadPool: n = 0, no workers, many small jobs", "[platform]") {
  ThreadPool pool(2);
  bool called = false;
  pool.parallel_for(0, 4, [&](std::size_t, std::size_t) { called = true; });
  CHECK_FALSE(called);

  ThreadPool serial(0);
  std::size_t total = 0;
  serial.parallel_for(100, 3, [&](std::size_t i) { total += i; });
  CHECK(total == 4950);

  std::atomic<std::uint64_t> sum{0};
  for (std::size_t job = 0; job < 2000; ++job)
    pool.parallel_for(8, 1, [&](std::size_t i) { sum.fetch_add(i, std::memory_order_relaxed); });
  CHECK(sum.load() == 2000u * 28u);
}

TEST_CASE("ThreadPool: the first exception reaches the caller and the pool stays usable", "[platform]") {
  ThreadPool pool(3);
  std::atomic<std::size_t> ran{0};
  CHECK_THROWS_AS(pool.parallel_for(10'000, 10,
                                    [&](std::size_t i) {
                                      ran.fetch_add(1);
                                      if (i == 5003) throw std::runtime_error("chunk failed");
                                    }),
                  std::runtime_error);
  CHECK(ran.load() <= 10'000);
  // Every thread throws: exactly one exception comes out.
  CHECK_THROWS_MATCHES(pool.parallel_for(100, 1, [](std::size_t) { throw error(errc::out_of_range); }), error,
                       has_code(errc::out_of_range));

  std::atomic<std::size_t> count{0};
  pool.parallel_for(1000, 7, [&](std::size_t) { count.fetch_add(1); });
  CHECK(count.load() == 1000);
}

TEST_CASE("ThreadPool: nested and concurrent calls", "[platform]") {
  ThreadPool pool(2);
  // A nested call runs serially on the thread that makes it instead of deadlocking.
  std::atomic<std::size_t> inner{0};
  pool.parallel_for(16, 1, [&](std::size_t) { pool.parallel_for(10, 2, [&](std::size_t) { inner.fetch_add(1); }); });
  CHECK(inner.load() == 160);

  // Two callers take turns.
  std::atomic<std::size_t> a{0};
  std::atomic<std::size_t> b{0};
  std::thread other([&] {
    for (int r = 0; r < 200; ++r) pool.parallel_for(64, 4, [&](std::size_t) { a.fetch_add(1); });
  });
  for (int r = 0; r < 200; ++r) pool.parallel_for(64, 4, [&](std::size_t) { b.fetch_add(1); });
  other.join();
  CHECK(a.load() == 200 * 64);
  CHECK(b.load() == 200 * 64);
}
