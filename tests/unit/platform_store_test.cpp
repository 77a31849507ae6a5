// SPDX-License-Identifier: Apache-2.0
// SqliteStore: round trips, encryption at rest, wrong keys, backup and restore, crash safety
// under SIGKILL of a writer process, start-up integrity (a lost -wal, a corrupt file), and the
// ShareStore conformance suite for SqliteStore and MemoryStore (which needs no SQLite, but is
// checked here so that the suite's two instances build and run together).
#include <catch2/catch.hpp>

#include <edgempc/platform/gateway/memory_store.hpp>
#include <edgempc/platform/store.hpp>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "protocol_harness.hpp"
#include "share_store_conformance.hpp"
#include "temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using edgempc::errc;
using edgempc::KeyPair;
using edgempc::platform::RoundState;
using edgempc::platform::ShareRef;
using edgempc::platform::SqliteStore;
using edgempc::platform::SqliteStoreOptions;
using Bytes = std::vector<std::uint8_t>;

using TempDir = test::TempDir;

KeyPair key_pair(std::uint8_t tag) {
  std::array<std::uint8_t, 32> secret{};
  for (std::size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<std::uint8_t>(tag * 31 + i);
  return KeyPair::from_secret(secret);
}

/// The share a test stores for (client, round, seq): a function of the identity, so that a
/// torn or misplaced record shows.
Bytes share_of(std::uint64_t client, std::uint64_t round, std::uint64_t seq, std::size_t size = 24) {
  Bytes b(size);
  std::uint64_t x = client * 0x9E3779B97F4A7C15ull ^ round * 0xC2B2AE3D27D4EB4Full ^ seq * 0x165667B19E3779F9ull;
  for (auto& c : b) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    c = static_cast<std::uint8_t>(x >> 56);
  }
  return b;
}

Bytes read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const fs::path& p, const Bytes& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

bool contains(const Bytes& hay, const Bytes& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

/// Runs SQL on the raw file, as an attacker with access to the disk would.
void raw_sql(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  char* msg = nullptr;
  const int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &msg);
  INFO((msg != nullptr ? msg : ""));
  sqlite3_free(msg);
  sqlite3_close(h);
  REQUIRE(rc == SQLITE_OK);
}

template <class F>
errc code_of(F&& f) {
  try {
    f();
  } catch (const edgempc::error& e) {
    return static_cast<errc>(e.code().value());
  }
  FAIL("no edgempc::error thrown");
  return errc{};
}

}  // namespace

TEST_CASE("SqliteStore: put, get, replays, batches, round state, delete", "[platform]") {
  TempDir dir;
  const auto keys = key_pair(1);
  SqliteStore store(dir / "g.db", keys);

  REQUIRE(store.put_share(7, 1, 0, share_of(7, 1, 0)));
  REQUIRE(store.put_share(3, 1, 5, share_of(3, 1, 5)));
  REQUIRE(store.put_share(3, 2, 0, share_of(3, 2, 0)));
  REQUIRE(store.put_share(~std::uint64_t{0}, 1, 1, Bytes{}));  // top bit set, empty share
  // A replay changes nothing, even with other bytes.
  REQUIRE_FALSE(store.put_share(7, 1, 0, share_of(9, 9, 9)));

  const auto r1 = store.shares_for_round(1);
  REQUIRE(r1.size() == 3);
  CHECK(r1[0].client == 3);  // ordered by (client, seq), unsigned
  CHECK(r1[0].share == share_of(3, 1, 5));
  CHECK(r1[1].client == 7);
  CHECK(r1[1].share == share_of(7, 1, 0));
  CHECK(r1[2].client == ~std::uint64_t{0});
  CHECK(r1[2].share.empty());
  CHECK(store.share(3, 2, 0) == share_of(3, 2, 0));
  CHECK_FALSE(store.share(3, 2, 1).has_value());
  CHECK(store.share_count(1) == 3);

  std::vector<Bytes> blobs;
  std::vector<ShareRef> batch;
  for (std::uint64_t c = 0; c < 100; ++c) blobs.push_back(share_of(c, 4, 1));
  for (std::uint64_t c = 0; c < 100; ++c) batch.push_back({c, 4, 1, blobs[c]});
  batch.push_back({5, 4, 1, blobs[0]});  // a duplicate inside the batch
  CHECK(store.put_shares(batch) == 100);
  CHECK(store.put_shares(std::span(batch).first(10)) == 0);
  CHECK(store.share_count(4) == 100);
  CHECK(store.share(5, 4, 1) == share_of(5, 4, 1));

  // Too large: refused before anything of the batch is written.
  const Bytes huge(edgempc::platform::max_share_size + 1);
  std::vector<ShareRef> bad{{1000, 5, 0, blobs[0]}, {1001, 5, 0, huge}};
  CHECK_THROWS_MATCHES(store.put_shares(bad), edgempc::error, test::has_code(errc::message_too_large));
  CHECK(store.share_count(5) == 0);

  CHECK_FALSE(store.round_state(1).has_value());
  store.set_round_state(1, 2, Bytes{1, 2, 3});
  CHECK(store.round_state(1) == RoundState{2, {1, 2, 3}});
  store.set_round_state(1, 3, Bytes{});
  CHECK(store.round_state(1) == RoundState{3, {}});
  store.set_round_state(9, 1, Bytes{9});
  CHECK(store.rounds() == std::vector<std::uint64_t>{1, 2, 4, 9});

  CHECK(store.delete_round(1) == 3);
  CHECK(store.shares_for_round(1).empty());
  CHECK_FALSE(store.round_state(1).has_value());
  CHECK(store.rounds() == std::vector<std::uint64_t>{2, 4, 9});
  store.verify();

  // Everything is still there after reopening.
  SqliteStore again(dir / "g.db", keys);
  CHECK(again.share_count(4) == 100);
  CHECK(again.round_state(9) == RoundState{1, {9}});
}

TEST_CASE("SqliteStore: bad paths and files that are not stores", "[platform]") {
  TempDir dir;
  const auto keys = key_pair(1);
  CHECK_THROWS_MATCHES(SqliteStore("", keys), edgempc::error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(SqliteStore(dir / "no/such/dir/g.db", keys), edgempc::error,
                       test::has_code(errc::invalid_argument));
  Bytes garbage(8192);
  edgempc::random_bytes(garbage.data(), garbage.size());
  write_bytes(dir / "garbage.db", garbage);
  CHECK_THROWS_MATCHES(SqliteStore(dir / "garbage.db", keys), edgempc::error,
                       test::has_code(errc::malformed_message));
}

TEST_CASE("SqliteStore: shares are encrypted at rest and bound to their row", "[platform]") {
  TempDir dir;
  const auto keys = key_pair(1);
  const auto db = dir / "g.db";
  const std::string text = "PLAINTEXT-SHARE-MARKER-0123456789-abcdefghijklmnop";
  const Bytes marker(text.begin(), text.end());
  {
    SqliteStore store(db, keys);
    REQUIRE(store.put_share(1, 7, 1, marker));
    REQUIRE(store.put_share(2, 7, 1, share_of(2, 7, 1, marker.size())));
    store.set_round_state(7, 1, marker);
    // While open, the data may sit in the WAL: neither file holds the plaintext.
    CHECK_FALSE(contains(read_bytes(db), marker));
    CHECK_FALSE(contains(read_bytes(db.string() + "-wal"), marker));
  }
  CHECK_FALSE(contains(read_bytes(db), marker));  // after the checkpoint on close

  SECTION("another gateway's key cannot open the store") {
    CHECK_THROWS_MATCHES(SqliteStore(db, key_pair(2)), edgempc::error, test::has_code(errc::crypto_failure));
  }
  SECTION("swapping two rows' blobs is detected") {
    raw_sql(db,
            "CREATE TEMP TABLE t AS SELECT client, nonce, box FROM shares WHERE round = 7;"
            "UPDATE shares SET nonce = (SELECT nonce FROM t WHERE t.client = 3 - shares.client),"
            " box = (SELECT box FROM t WHERE t.client = 3 - shares.client) WHERE round = 7;");
    SqliteStore store(db, keys);
    CHECK_THROWS_MATCHES(store.shares_for_round(7), edgempc::error, test::has_code(errc::crypto_failure));
    CHECK_THROWS_MATCHES(store.share(1, 7, 1), edgempc::error, test::has_code(errc::crypto_failure));
    CHECK_THROWS_MATCHES(store.verify(), edgempc::error, test::has_code(errc::crypto_failure));
  }
  SECTION("moving a row to another round or sequence number is detected") {
    raw_sql(db, "UPDATE shares SET round = 8 WHERE client = 1; UPDATE shares SET seq = 2 WHERE client = 2;");
    SqliteStore store(db, keys);
    CHECK_THROWS_MATCHES(store.shares_for_round(8), edgempc::error, test::has_code(errc::crypto_failure));
    CHECK_THROWS_MATCHES(store.share(2, 7, 2), edgempc::error, test::has_code(errc::crypto_failure));
  }
  SECTION("a changed round status or a flipped ciphertext bit is detected") {
    raw_sql(db, "UPDATE round_state SET status = 4;");
    raw_sql(db, "UPDATE shares SET box = zeroblob(length(box)) WHERE client = 2;");
    SqliteStore store(db, keys);
    CHECK_THROWS_MATCHES(store.round_state(7), edgempc::error, test::has_code(errc::crypto_failure));
    CHECK_THROWS_MATCHES(store.share(2, 7, 1), edgempc::error, test::has_code(errc::crypto_failure));
    CHECK(store.share(1, 7, 1) == marker);  // the untouched row still opens
  }
}

TEST_CASE("SqliteStore: backup then restore into a fresh store", "[platform]") {
  TempDir dir;
  const auto keys = key_pair(1);
  const auto snap = dir / "g.snap";
  SqliteStore store(dir / "g.db", keys);
  // Large enough for several snapshot chunks, so that chunk boundaries are exercised.
  for (std::uint64_t round = 1; round <= 3; ++round) {
    std::vector<Bytes> blobs;
    std::vector<ShareRef> batch;
    for (std::uint64_t c = 0; c < 150; ++c) blobs.push_back(share_of(c, round, 0, 256));
    for (std::uint64_t c = 0; c < 150; ++c) batch.push_back({c, round, 0, blobs[c]});
    REQUIRE(store.put_shares(batch) == 150);
    store.set_round_state(round, static_cast<std::uint32_t>(round), Bytes{static_cast<std::uint8_t>(round)});
  }
  store.backup(snap);
  REQUIRE(store.put_share(99, 1, 9, share_of(99, 1, 9)));  // after the snapshot: not in it
  store.backup(snap);                                       // replaces the old one atomically
  const Bytes good = read_bytes(snap);
  constexpr std::size_t head = 16 + 24;
  constexpr std::size_t chunk = edgempc::platform::snapshot_chunk_size + 17;
  REQUIRE(good.size() > head + 2 * chunk);

  SECTION("the restored store holds the same shares and states") {
    SqliteStore restored = SqliteStore::restore(snap, dir / "r.db", keys);
    CHECK(restored.rounds() == store.rounds());
    for (std::uint64_t round = 1; round <= 3; ++round) {
      CHECK(restored.shares_for_round(round) == store.shares_for_round(round));
      CHECK(restored.round_state(round) == store.round_state(round));
    }
    REQUIRE(restored.put_share(1000, 1, 0, share_of(1000, 1, 0)));  // and is a working store
    CHECK(restored.share(1000, 1, 0) == share_of(1000, 1, 0));
    // Only the stores and the snapshot remain: no temporary file is left behind.
    for (const auto& e : fs::directory_iterator(dir.path())) {
      const auto name = e.path().filename().string();
      INFO(name);
      CHECK((name.rfind("g.", 0) == 0 || name.rfind("r.db", 0) == 0));
    }
    CHECK_THROWS_MATCHES(SqliteStore::restore(snap, dir / "r.db", keys), edgempc::error,
                         test::has_code(errc::invalid_argument));  // never over an existing store
  }
  SECTION("another gateway's key cannot restore it") {
    CHECK_THROWS_MATCHES(SqliteStore::restore(snap, dir / "r.db", key_pair(2)), edgempc::error,
                         test::has_code(errc::crypto_failure));
    CHECK_FALSE(fs::exists(dir / "r.db"));
  }
  SECTION("a truncated snapshot is rejected and nothing is imported") {
    const std::size_t cuts[] = {0, 10, 16, 39, head, head + 16, head + chunk - 1, head + chunk, head + 2 * chunk,
                                good.size() / 2, good.size() - 17, good.size() - 1};
    int i = 0;
    for (const std::size_t cut : cuts) {
      INFO("cut at " << cut);
      const auto bad = dir / "bad.snap";
      write_bytes(bad, Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut)));
      const auto target = dir / ("t" + std::to_string(i++) + ".db");
      const errc e = code_of([&] { (void)SqliteStore::restore(bad, target, keys); });
      CHECK((e == errc::malformed_message || e == errc::crypto_failure));
      CHECK_FALSE(fs::exists(target));
    }
  }
  SECTION("a tampered or extended snapshot is rejected and nothing is imported") {
    const std::size_t flips[] = {3, 20, head + 1, head + chunk + 100, good.size() - 3};
    int i = 0;
    for (const std::size_t at : flips) {
      INFO("flip at " << at);
      Bytes bad_bytes = good;
      bad_bytes[at] ^= 0x40;
      const auto bad = dir / "bad.snap";
      write_bytes(bad, bad_bytes);
      const auto target = dir / ("t" + std::to_string(i++) + ".db");
      const errc e = code_of([&] { (void)SqliteStore::restore(bad, target, keys); });
      CHECK((e == errc::malformed_message || e == errc::crypto_failure));
      CHECK_FALSE(fs::exists(target));
    }
    Bytes longer = good;
    longer.push_back(0);
    write_bytes(dir / "bad.snap", longer);
    const errc e = code_of([&] { (void)SqliteStore::restore(dir / "bad.snap", dir / "x.db", keys); });
    CHECK((e == errc::malformed_message || e == errc::crypto_failure));
    CHECK_FALSE(fs::exists(dir / "x.db"));
  }
}

namespace {

// The writer process of the crash test: stores shares as fast as it can (singly and in
// batches of 16, with a round state now and then) and writes each acknowledged seq to `fd`.
[[noreturn]] void crash_writer(const fs::path& db, std::uint64_t round, std::uint64_t first_seq, int fd) {
  try {
    const auto keys = key_pair(1);
    SqliteStore store(db, keys);
    const auto ack = [&](std::uint64_t seq) {
      if (::write(fd, &seq, sizeof seq) != static_cast<ssize_t>(sizeof seq)) ::_exit(4);
    };
    for (std::uint64_t seq = first_seq;;) {
      if (seq % 3 == 0) {
        std::vector<Bytes> blobs;
        std::vector<ShareRef> batch;
        for (std::uint64_t k = 0; k < 16; ++k) blobs.push_back(share_of((seq + k) % 5, round, seq + k));
        for (std::uint64_t k = 0; k < 16; ++k) batch.push_back({(seq + k) % 5, round, seq + k, blobs[k]});
        if (store.put_shares(batch) != 16) ::_exit(5);
        for (std::uint64_t k = 0; k < 16; ++k) ack(seq + k);
        seq += 16;
      } else {
        if (!store.put_share(seq % 5, round, seq, share_of(seq % 5, round, seq))) ::_exit(5);
        ack(seq);
        if (seq % 7 == 0) store.set_round_state(round, static_cast<std::uint32_t>(seq), share_of(0, round, seq, 8));
        ++seq;
      }
    }
  } catch (...) {
    ::_exit(3);
  }
}

}  // namespace

TEST_CASE("SqliteStore: SIGKILL between and during writes loses no acknowledged share", "[platform]") {
  TempDir dir;
  const auto db = dir / "crash.db";
  std::mt19937 rng(20240607);
  std::map<std::uint64_t, std::uint64_t> acked;  // seq -> round
  constexpr int kills = 8;
  for (int k = 0; k < kills; ++k) {
    const std::uint64_t round = static_cast<std::uint64_t>(k % 2);
    const std::uint64_t first_seq = static_cast<std::uint64_t>(k) * 1'000'000;
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      crash_writer(db, round, first_seq, fds[1]);
    }
    ::close(fds[1]);
    // Wait for a random number of acknowledgements (0: the kill may land while the child
    // opens or creates the database), then a random fraction of a write more.
    const int wait_acks = k == 0 ? 0 : static_cast<int>(rng() % 200);
    std::uint64_t seq = 0;
    for (int got = 0; got < wait_acks && ::read(fds[0], &seq, sizeof seq) == sizeof seq; ++got) acked[seq] = round;
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 3000));
    REQUIRE(::kill(pid, SIGKILL) == 0);
    while (::read(fds[0], &seq, sizeof seq) == sizeof seq) acked[seq] = round;  // up to the kill
    ::close(fds[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("child exit status " << status);
    REQUIRE(WIFSIGNALED(status));  // killed, not failed
    REQUIRE(WTERMSIG(status) == SIGKILL);
  }
  REQUIRE(acked.size() > 20);
  UNSCOPED_INFO("acknowledged before the kills: " << acked.size());

  const auto keys = key_pair(1);
  SqliteStore store(db, keys);
  store.verify();  // structure intact, every row decrypts: no torn record
  std::set<std::uint64_t> present;
  for (const std::uint64_t round : {0u, 1u}) {
    for (const auto& s : store.shares_for_round(round)) {
      INFO("seq " << s.seq);
      CHECK(s.client == s.seq % 5);
      CHECK(s.share == share_of(s.client, round, s.seq));  // whole and in its place
      present.insert(s.seq);
    }
  }
  std::size_t missing = 0;
  for (const auto& [seq, round] : acked) missing += present.count(seq) == 0 ? 1 : 0;
  CHECK(missing == 0);
  CHECK(present.size() >= acked.size());  // unacknowledged writes may or may not have landed
}

TEST_CASE("SqliteStore passes the share store conformance suite", "[platform]") {
  TempDir dir;
  const auto keys = key_pair(1);
  int n = 0;
  test::share_store_conformance([&] { return SqliteStore(dir / ("c" + std::to_string(n++) + ".db"), keys); });
}

TEST_CASE("MemoryStore passes the share store conformance suite", "[platform]") {
  test::share_store_conformance([] { return edgempc::platform::MemoryStore(); });
}

namespace {

fs::path marker_of(const fs::path& db) { return db.string() + ".open"; }
fs::path wal_of(const fs::path& db) { return db.string() + "-wal"; }

// The writer process of the lost-WAL test: batches of 8 shares of round 1, each batch's first
// seq written to `fd` once it is acknowledged (committed); never returns.
[[noreturn]] void batch_writer(const fs::path& db, int fd) {
  try {
    SqliteStore store(db, key_pair(1));
    for (std::uint64_t seq = 0;; seq += 8) {
      std::vector<Bytes> blobs;
      std::vector<ShareRef> batch;
      for (std::uint64_t k = 0; k < 8; ++k) blobs.push_back(share_of(seq + k, 1, seq + k));
      for (std::uint64_t k = 0; k < 8; ++k) batch.push_back({seq + k, 1, seq + k, blobs[k]});
      if (store.put_shares(batch) != 8) ::_exit(5);
      if (::write(fd, &seq, sizeof seq) != static_cast<ssize_t>(sizeof seq)) ::_exit(4);
    }
  } catch (...) {
    ::_exit(3);
  }
}

/// Forks batch_writer, SIGKILLs it once it has acknowledged `batches` batches (no clock
/// involved: the pipe paces it), and returns how many shares it acknowledged in all.
std::size_t kill_writer_after(const fs::path& db, int batches) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    batch_writer(db, fds[1]);
  }
  ::close(fds[1]);
  std::size_t acked = 0;
  std::uint64_t seq = 0;
  while (acked < static_cast<std::size_t>(batches) && ::read(fds[0], &seq, sizeof seq) == sizeof seq) ++acked;
  REQUIRE(::kill(pid, SIGKILL) == 0);
  while (::read(fds[0], &seq, sizeof seq) == sizeof seq) ++acked;
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("child exit status " << status);
  REQUIRE(WIFSIGNALED(status));  // killed, not failed
  REQUIRE(WTERMSIG(status) == SIGKILL);
  return acked * 8;
}

std::string error_text(const std::function<void()>& f) {
  try {
    f();
  } catch (const edgempc::error& e) {
    CHECK(e.code() == edgempc::make_error_code(errc::malformed_message));
    return e.what();
  }
  FAIL("no edgempc::error thrown");
  return {};
}

}  // namespace

TEST_CASE("SqliteStore: the open marker lives exactly while a connection keeps the WAL", "[platform]") {
  TempDir dir;
  const auto keys = key_pair(1);
  const auto db = dir / "g.db";
  const auto other_db = dir / "h.db";
  {
    SqliteStore a(db, keys);
    CHECK(fs::exists(marker_of(db)));
    CHECK(fs::exists(wal_of(db)));
    {
      SqliteStore b(db, keys);  // a second connection to the same file
      REQUIRE(b.put_share(1, 1, 0, share_of(1, 1, 0)));
    }
    CHECK(fs::exists(marker_of(db)));  // a still holds the WAL
    SqliteStore moved(std::move(a));
    SqliteStore other(other_db, keys);
    CHECK(fs::exists(marker_of(other_db)));
    other = std::move(moved);  // closes h.db cleanly, takes over g.db
    CHECK_FALSE(fs::exists(marker_of(other_db)));
    CHECK_FALSE(fs::exists(wal_of(other_db)));
    CHECK(fs::exists(marker_of(db)));
    CHECK(other.shares_for_round(1).size() == 1);
  }
  // A clean close: SQLite checkpointed and removed the WAL, and the marker went with it.
  CHECK_FALSE(fs::exists(wal_of(db)));
  CHECK_FALSE(fs::exists(marker_of(db)));
  SqliteStore again(db, keys);
  CHECK(again.share(1, 1, 0) == share_of(1, 1, 0));
}

TEST_CASE("SqliteStore: a WAL deleted after a SIGKILL is refused unless accept_lost_wal", "[platform]") {
  TempDir dir;
  const auto keys = key_pair(1);
  const auto db = dir / "g.db";
  {
    SqliteStore first(db, keys);
    REQUIRE(first.put_share(1, 0, 0, share_of(1, 0, 0)));  // checkpointed into g.db on close
  }
  const std::size_t acked = kill_writer_after(db, 20);
  REQUIRE(acked >= 20 * 8);
  REQUIRE(fs::exists(wal_of(db)));
  REQUIRE(fs::exists(marker_of(db)));

  SECTION("with its WAL, a killed store opens and holds every acknowledged share") {
    SqliteStore store(db, keys);
    CHECK(store.shares_for_round(1).size() >= acked);
    store.verify();
  }
  SECTION("without it, the open is refused, naming the files and the override") {
    REQUIRE(fs::remove(wal_of(db)));
    const std::string text = error_text([&] { SqliteStore store(db, keys); });
    INFO(text);
    CHECK(text.find(marker_of(db).string()) != std::string::npos);
    CHECK(text.find(wal_of(db).string()) != std::string::npos);
    CHECK(text.find("acknowledged shares may have been lost") != std::string::npos);
    CHECK(text.find("accept_lost_wal") != std::string::npos);
    CHECK(fs::exists(marker_of(db)));  // refused again and again, until the operator decides
    CHECK_THROWS_MATCHES(SqliteStore(db, keys), edgempc::error, test::has_code(errc::malformed_message));
    {
      SqliteStore store(db, keys, SqliteStoreOptions{.accept_lost_wal = true});
      store.verify();
      CHECK(store.share(1, 0, 0) == share_of(1, 0, 0));  // what was checkpointed is there
      CHECK(store.shares_for_round(1).size() < acked);   // the deleted WAL's shares are not
    }
    CHECK_FALSE(fs::exists(marker_of(db)));  // closed cleanly: an ordinary open works again
    SqliteStore store(db, keys);
    CHECK(store.share(1, 0, 0) == share_of(1, 0, 0));
  }
}

TEST_CASE("SqliteStore: a corrupt database file is refused at open", "[platform]") {
  TempDir dir;
  const auto keys = key_pair(1);
  const auto db = dir / "g.db";
  {
    SqliteStore store(db, keys);
    std::vector<Bytes> blobs;
    std::vector<ShareRef> batch;
    for (std::uint64_t c = 0; c < 2000; ++c) blobs.push_back(share_of(c, 1, 0, 64));
    for (std::uint64_t c = 0; c < 2000; ++c) batch.push_back({c, 1, 0, blobs[c]});
    REQUIRE(store.put_shares(batch) == 2000);
  }
  Bytes file = read_bytes(db);
  const std::size_t page = (std::size_t{file[16]} << 8) | file[17];  // the header's page size
  REQUIRE(page >= 512);
  const std::size_t pages = file.size() / page;
  REQUIRE(pages > 20);
  // The header of a page of the shares table, which opening reads nothing of: only the check
  // finds it (the ciphertext's own tags would, but only when the round is read).
  std::fill_n(file.begin() + static_cast<std::ptrdiff_t>(pages / 2 * page), 8, std::uint8_t{0xff});
  write_bytes(db, file);
  const std::string text = error_text([&] { SqliteStore store(db, keys); });
  INFO(text);
  CHECK(text.find(db.string()) != std::string::npos);
  CHECK(text.find("quick_check") != std::string::npos);
  CHECK_FALSE(fs::exists(marker_of(db)));  // a refused open leaves no marker
}
