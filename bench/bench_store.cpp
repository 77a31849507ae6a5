// SPDX-License-Identifier: Apache-2.0
// The gateway's share store (needs SQLite: link SQLite::SQLite3 beside edgempc::edgempc).
//
// BM_store_put/<batch>:        SqliteStore writes of 16-byte shares, <batch> per transaction
//                              (1: put_share, one durable commit each; more: put_shares);
//                              items = shares. Each commit fsyncs (WAL, synchronous=FULL).
// BM_sqlite_reference/<batch>: the yardstick: the same rows as plaintext blobs through one raw
//                              prepared INSERT, same pragmas, <batch> per transaction; the
//                              difference is what sealing and the store's bookkeeping cost.
// BM_store_read/<shares>:      shares_for_round of a round holding <shares> shares, decrypted.
// BM_store_retention/<keep>:   a gateway's life: 1,000 devices send one share each per round
//                              for 200 rounds (one put_shares each), the round is marked done,
//                              and with <keep> > 0 prune() keeps only the last <keep> rounds
//                              (0: no pruning, the reference). One iteration is the whole run.
// Counter disk_bytes_per_share: database plus WAL size over the rows written.
// Counters of BM_store_retention: disk_bytes, the database plus WAL after the run (wal_bytes
// of it the WAL); bytes_per_device_round, disk_bytes over devices x the rounds still held
// (keep, or all 200).
// The files go to a fresh directory under $TMPDIR (or /tmp): point TMPDIR at the disk the
// gateway would use, fsync cost is most of a single put.
#include <benchmark/benchmark.h>

#include <edgempc/platform/store.hpp>

#include <sqlite3.h>
#include <stdlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <span>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using edgempc::platform::ShareRef;
using edgempc::platform::SqliteStore;

constexpr std::size_t share_size = 16;  // two field elements: a typical single-reading share

using TempDir = test::TempDir;

edgempc::KeyPair gateway_keys() {
  std::array<std::uint8_t, 32> secret{};
  secret[0] = 42;
  return edgempc::KeyPair::from_secret(secret);
}

double disk_bytes(const fs::path& db) {
  std::error_code ec;
  double total = 0;
  for (const char* s : {"", "-wal"}) {
    const auto n = fs::file_size(db.string() + s, ec);
    if (!ec) total += static_cast<double>(n);
  }
  return total;
}

void BM_store_put(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  TempDir dir;
  const auto db = dir / "store.db";
  SqliteStore store(db, gateway_keys());
  std::vector<std::uint8_t> share(share_size, 0x5a);
  std::vector<ShareRef> batch(batch_size);
  std::uint64_t seq = 0;
  for (auto _ : state) {
    if (batch_size == 1) {
      benchmark::DoNotOptimize(store.put_share(seq % 1000, 1, seq, share));
      ++seq;
    } else {
      for (auto& s : batch) {
        s = ShareRef{seq % 1000, 1, seq, share};
        ++seq;
      }
      benchmark::DoNotOptimize(store.put_shares(batch));
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(seq));
  state.counters["disk_bytes_per_share"] = seq == 0 ? 0.0 : disk_bytes(db) / static_cast<double>(seq);
}
BENCHMARK(BM_store_put)->Arg(1)->Arg(64)->Arg(1024)->UseRealTime();

void check(int rc, sqlite3* db) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(db));
}

void BM_sqlite_reference(benchmark::State& state) {
  const auto batch_size = static_cast<std::size_t>(state.range(0));
  TempDir dir;
  const auto path = dir / "reference.db";
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db);
  check(sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "CREATE TABLE shares (round INTEGER NOT NULL, client INTEGER NOT NULL, seq INTEGER NOT NULL,"
                     " share BLOB NOT NULL, PRIMARY KEY (round, client, seq)) WITHOUT ROWID;",
                     nullptr, nullptr, nullptr),
        db);
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO shares VALUES (?1, ?2, ?3, ?4)", -1, &insert, nullptr), db);
  std::vector<std::uint8_t> share(share_size, 0x5a);
  std::int64_t seq = 0;
  for (auto _ : state) {
    if (batch_size > 1) check(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db);
    for (std::size_t i = 0; i < batch_size; ++i, ++seq) {
      sqlite3_bind_int64(insert, 1, 1);
      sqlite3_bind_int64(insert, 2, seq % 1000);
      sqlite3_bind_int64(insert, 3, seq);
      sqlite3_bind_blob(insert, 4, share.data(), static_cast<int>(share.size()), SQLITE_STATIC);
      check(sqlite3_step(insert), db);
      sqlite3_reset(insert);
    }
    if (batch_size > 1) check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db);
  }
  sqlite3_finalize(insert);
  sqlite3_close(db);
  state.SetItemsProcessed(seq);
  state.counters["disk_bytes_per_share"] = seq == 0 ? 0.0 : disk_bytes(path) / static_cast<double>(seq);
}
BENCHMARK(BM_sqlite_reference)->Arg(1)->Arg(64)->Arg(1024)->UseRealTime();

void BM_store_read(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  TempDir dir;
  SqliteStore store(dir / "store.db", gateway_keys());
  std::vector<std::uint8_t> share(share_size, 0x5a);
  std::vector<ShareRef> batch;
  for (std::uint64_t c = 0; c < n; ++c) batch.push_back({c, 1, 0, share});
  store.put_shares(batch);
  for (auto _ : state) benchmark::DoNotOptimize(store.shares_for_round(1));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_store_read)->Arg(1024)->Arg(65536);

void BM_store_retention(benchmark::State& state) {
  constexpr std::uint64_t devices = 1000;
  constexpr std::uint64_t rounds = 200;
  const auto keep = static_cast<std::uint64_t>(state.range(0));
  std::vector<std::uint8_t> share(share_size, 0x5a);
  const std::uint8_t done = 2;
  std::vector<ShareRef> batch(devices);
  double bytes = 0, wal = 0;
  for (auto _ : state) {
    TempDir dir;
    const auto db = dir / "store.db";
    SqliteStore store(db, gateway_keys());
    for (std::uint64_t r = 0; r < rounds; ++r) {
      for (std::uint64_t c = 0; c < devices; ++c) batch[c] = ShareRef{c, r, 0, share};
      benchmark::DoNotOptimize(store.put_shares(batch));
      store.set_round_state(r, done, std::span<const std::uint8_t>(&done, 1));
      // Round r is final here: keep rounds r + 1 - keep .. r.
      if (keep > 0 && r + 1 >= keep) benchmark::DoNotOptimize(store.prune(r + 1 - keep));
    }
    // While open, as a running gateway's disk holds it (WAL included).
    bytes = disk_bytes(db);
    std::error_code ec;
    wal = static_cast<double>(fs::file_size(db.string() + "-wal", ec));
  }
  const std::uint64_t held = keep > 0 ? keep : rounds;
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * devices * rounds));
  state.counters["disk_bytes"] = bytes;
  state.counters["wal_bytes"] = wal;
  state.counters["bytes_per_device_round"] = bytes / static_cast<double>(devices * held);
}
BENCHMARK(BM_store_retention)->Arg(8)->Arg(0)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
