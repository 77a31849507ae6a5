// SPDX-License-Identifier: Apache-2.0
// needs SQLite 3 (libsqlite3-dev); link SQLite::SQLite3 (an optional target: only this header
// and what includes it need SQLite; the rest of edgempc does not).
//
// SqliteStore: a gateway's shares and round state, kept in one SQLite database file. It models
// the ShareStore concept (platform/gateway/share_store.hpp), whose table gives the semantics of
// put_shares, rounds, shares_for_round, round_state, set_round_state, delete_round and prune.
//
// Durability. The database runs in WAL mode with synchronous=FULL, so every commit fsyncs the
// write-ahead log before it returns: when put_share / put_shares return, the shares survive a
// SIGKILL of the process and a power cut (a gateway acknowledges a share only after that). A
// commit interrupted half way is rolled back by SQLite on the next open, so no torn record is
// ever visible.
//
// Start-up integrity. Until the last connection closes, the recent commits live only in the
// -wal file beside the database: deleting it (an operator "cleaning up" after a crash, a
// careless copy) silently loses every acknowledged share since the last checkpoint, and SQLite
// cannot tell. So the store keeps a marker file, <db>.open, created and fsynced (with its
// directory) once the database is open in WAL mode and <db>-wal exists, and removed only after
// a clean close, once SQLite has checkpointed the WAL into the database and removed <db>-wal.
// At open, a marker without a <db>-wal means the WAL of an unclean shutdown is gone: the store
// refuses to open (errc::malformed_message) unless SqliteStoreOptions::accept_lost_wal is set,
// the operator's explicit "open what is left". The open also runs PRAGMA quick_check (linear in
// the file but no decryption: verify() is the full check) and refuses a corrupt database.
// The marker is per file, not per connection: it stays while any connection of any process
// keeps <db>-wal alive. A crash in the instant between SQLite removing <db>-wal and the marker
// being removed gives a refusal although nothing was lost (the safe side of the error).
//
// Retention. prune(keep_from) deletes every share and round state of the rounds below
// keep_from in one transaction (a crash leaves all or none of it); the gateway calls it only
// for rounds that are final. SQLite reuses the freed pages, so a pruned store stays the size
// of the rounds it keeps; the file does not shrink (no VACUUM: it would rewrite the file).
//
// Encryption at rest. Share blobs and round-state blobs are sealed with
// XChaCha20-Poly1305 (crypto_aead_xchacha20poly1305_ietf) under a key derived from the
// gateway's X25519 secret key (crypto_kdf, context "edgempcS", subkey 1). Each row has its own
// random 24-byte nonce, stored beside the ciphertext, and the row's identity (client, round,
// seq) is the associated data, so that rows cannot be swapped or moved to another round
// without failing to decrypt. Ids, rounds, sequence numbers and statuses are NOT encrypted
// (they are the index); the snapshot file (below) hides them too.
//
// Backup. backup(path) writes an encrypted snapshot: a consistent copy of the database
// (VACUUM INTO) encrypted as a whole with crypto_secretstream_xchacha20poly1305 under a second
// derived key (subkey 2), written to a temporary file, fsynced and renamed into place, so a
// crash leaves either the old snapshot or the new one. SqliteStore::restore(snapshot, db, keys)
// decrypts and checks the whole snapshot before it creates `db`: a truncated, tampered or
// foreign snapshot is an error and leaves nothing behind, never a partial import.
//
// The snapshot file format: platform/gateway/detail/store_snapshot.hpp. The WAL marker:
// platform/gateway/detail/wal_marker.hpp.
//
// Errors (edgempc::error, with SQLite's message in what()):
//   errc::invalid_argument   a path that cannot be opened or created, a restore target that
//                            exists, and SQLite I/O failures (disk full, permissions);
//   errc::malformed_message  a file that is not a database, a corrupt database (quick_check at
//                            open), a lost WAL (marker without -wal, above), a row of the
//                            wrong shape, a truncated snapshot;
//   errc::crypto_failure     a blob or snapshot chunk that fails to decrypt: tampered, swapped,
//                            or a store opened with another gateway's key;
//   errc::message_too_large  a share above max_share_size;
//   errc::unsupported        a database of a later schema version, or a file system on which
//                            WAL mode cannot be enabled.
//
// WARNING: a SqliteStore is not thread-safe: use one per thread, or guard it with a mutex. Two
// SqliteStore objects (in one process or several) may open the same file; SQLite serialises
// their writes (each waits up to busy_timeout for the other).
#pragma once

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "edgempc/core/detail/durable_file.hpp"
#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"
#include "edgempc/net/keys.hpp"
#include "edgempc/platform/gateway/detail/store_snapshot.hpp"
#include "edgempc/platform/gateway/detail/wal_marker.hpp"
#include "edgempc/platform/gateway/share_store.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// How long a write waits for another connection's lock before failing (milliseconds).
inline constexpr int busy_timeout_ms = 10000;

namespace detail {

inline constexpr int schema_version = 1;
inline constexpr std::uint64_t row_key_id = 1;
inline constexpr std::uint64_t snapshot_key_id = 2;
inline constexpr char kdf_context[crypto_kdf_CONTEXTBYTES + 1] = "edgempcS";
inline constexpr std::size_t nonce_size = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
inline constexpr std::size_t tag_size = crypto_aead_xchacha20poly1305_ietf_ABYTES;
// Sealed under the row key at creation; a store opened with another key fails to open it.
inline constexpr std::string_view key_check_plaintext{"edgempc share store key check v1"};

static_assert(crypto_kdf_KEYBYTES == KeyPair::key_size);
static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

/// A 32-byte symmetric key that wipes itself; moving wipes the source.
class SecretKey {
 public:
  SecretKey() = default;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  SecretKey(SecretKey&& other) noexcept : bytes_(other.bytes_) { other.wipe(); }
  SecretKey& operator=(SecretKey&& other) noexcept {
    bytes_ = other.bytes_;
    other.wipe();
    return *this;
  }
  ~SecretKey() { wipe(); }
  [[nodiscard]] std::uint8_t* data() noexcept { return bytes_.data(); }
  [[nodiscard]] const std::uint8_t* data() const noexcept { return bytes_.data(); }
  [[nodiscard]] std::span<const std::uint8_t, 32> bytes() const noexcept { return bytes_; }

 private:
  void wipe() noexcept { secure_wipe(bytes_.data(), bytes_.size()); }
  std::array<std::uint8_t, 32> bytes_{};
};

[[nodiscard]] inline SecretKey derive_key(const KeyPair& keys, std::uint64_t id) {
  ensure_sodium();
  SecretKey k;
  if (crypto_kdf_derive_from_key(k.data(), 32, id, kdf_context, keys.secret_key().data()) != 0)
    throw error(errc::crypto_failure, "SqliteStore: key derivation failed");
  return k;
}

/// SQLite's integers are signed 64-bit; ids are unsigned 64-bit and stored bit for bit.
[[nodiscard]] inline sqlite3_int64 to_db(std::uint64_t v) noexcept { return static_cast<sqlite3_int64>(v); }
[[nodiscard]] inline std::uint64_t from_db(sqlite3_int64 v) noexcept { return static_cast<std::uint64_t>(v); }

/// Maps a SQLite result code to the library's error codes, keeping SQLite's message.
[[nodiscard]] inline error sqlite_error(sqlite3* db, int rc, const std::string& what) {
  const std::string msg = what + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT: return error(errc::malformed_message, msg);
    case SQLITE_TOOBIG: return error(errc::message_too_large, msg);
    default: return error(errc::invalid_argument, msg);  // CANTOPEN, PERM, READONLY, IOERR, FULL, BUSY...
  }
}

struct DbCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};

/// A prepared statement, reset after every use so that it never holds a read lock open.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql) : db_(db) {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s,
                                      nullptr);
    stmt_.reset(s);
    if (rc != SQLITE_OK) throw sqlite_error(db, rc, "SqliteStore: prepare");
  }

  void bind(int i, std::uint64_t v) { check(sqlite3_bind_int64(stmt_.get(), i, to_db(v)), "bind"); }
  // SQLITE_STATIC: the bytes outlive the step (the caller binds, steps, then resets).
  void bind(int i, std::span<const std::uint8_t> b) {
    check(sqlite3_bind_blob64(stmt_.get(), i, b.empty() ? "" : static_cast<const void*>(b.data()), b.size(),
                              SQLITE_STATIC),
          "bind");
  }
  void bind_text(int i, std::string_view t) {
    check(sqlite3_bind_text64(stmt_.get(), i, t.data(), t.size(), SQLITE_STATIC, SQLITE_UTF8), "bind");
  }

  /// True while there is a row; false when done. Resets on error.
  [[nodiscard]] bool step() {
    const int rc = sqlite3_step(stmt_.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    const error e = sqlite_error(db_, rc, "SqliteStore: step");
    reset();
    throw e;
  }
  void run() {
    while (step()) {
    }
    reset();
  }
  void reset() noexcept {
    sqlite3_reset(stmt_.get());
    sqlite3_clear_bindings(stmt_.get());
  }

  [[nodiscard]] std::uint64_t column_u64(int i) const { return from_db(sqlite3_column_int64(stmt_.get(), i)); }
  [[nodiscard]] std::span<const std::uint8_t> column_blob(int i) const {
    const void* p = sqlite3_column_blob(stmt_.get(), i);
    const int n = sqlite3_column_bytes(stmt_.get(), i);
    if (p == nullptr || n <= 0) return {};
    return {static_cast<const std::uint8_t*>(p), static_cast<std::size_t>(n)};
  }
  [[nodiscard]] bool column_is_blob(int i) const { return sqlite3_column_type(stmt_.get(), i) == SQLITE_BLOB; }
  [[nodiscard]] std::string column_text(int i) const {
    const unsigned char* p = sqlite3_column_text(stmt_.get(), i);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }

 private:
  void check(int rc, const char* what) {
    if (rc != SQLITE_OK) throw sqlite_error(db_, rc, std::string("SqliteStore: ") + what);
  }
  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt_;
};

/// Resets a statement when a scope ends, on every path (a half-read SELECT keeps a lock).
class ResetOnExit {
 public:
  explicit ResetOnExit(Statement& s) noexcept : s_(s) {}
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;
  ~ResetOnExit() { s_.reset(); }

 private:
  Statement& s_;
};

inline void exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    const std::string text = msg != nullptr ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    throw sqlite_error(nullptr, rc, std::string("SqliteStore: ") + text);
  }
}

/// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed (an exception half way through a
/// batch leaves nothing of it).
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) { exec(db_, "BEGIN IMMEDIATE"); }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (db_ != nullptr) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, "COMMIT");
    db_ = nullptr;
  }

 private:
  sqlite3* db_;
};

// Associated data: an 8-byte domain tag then the row's identity, so that a share sealed for
// one (client, round, seq) does not open as any other row, nor as a round state.
using ShareAd = std::array<std::uint8_t, 32>;
[[nodiscard]] inline ShareAd share_ad(std::uint64_t client, std::uint64_t round, std::uint64_t seq) noexcept {
  ShareAd ad{'s', 'h', 'a', 'r', 'e', ' ', 'v', '1'};
  edgempc::detail::store_le(ad.data() + 8, client);
  edgempc::detail::store_le(ad.data() + 16, round);
  edgempc::detail::store_le(ad.data() + 24, seq);
  return ad;
}
using RoundAd = std::array<std::uint8_t, 20>;
[[nodiscard]] inline RoundAd round_ad(std::uint64_t round, std::uint32_t status) noexcept {
  RoundAd ad{'r', 'o', 'u', 'n', 'd', ' ', 'v', '1'};
  edgempc::detail::store_le(ad.data() + 8, round);
  edgempc::detail::store_le(ad.data() + 16, status);
  return ad;
}

inline void seal(const SecretKey& key, const std::uint8_t* nonce, std::span<const std::uint8_t> plain,
                 std::span<const std::uint8_t> ad, std::vector<std::uint8_t>& out) {
  out.resize(plain.size() + tag_size);
  unsigned long long out_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &out_len, plain.data(), plain.size(), ad.data(),
                                                 ad.size(), nullptr, nonce, key.data()) != 0)
    throw error(errc::crypto_failure, "SqliteStore: encryption failed");
}

[[nodiscard]] inline std::vector<std::uint8_t> open_sealed(const SecretKey& key, std::span<const std::uint8_t> nonce,
                                                           std::span<const std::uint8_t> box,
                                                           std::span<const std::uint8_t> ad, const char* what) {
  if (nonce.size() != nonce_size || box.size() < tag_size)
    throw error(errc::malformed_message, std::string("SqliteStore: ") + what + " has a malformed nonce or blob");
  std::vector<std::uint8_t> plain(box.size() - tag_size);
  unsigned long long plain_len = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain.data(), &plain_len, nullptr, box.data(), box.size(),
                                                 ad.data(), ad.size(), nonce.data(), key.data()) != 0)
    throw error(errc::crypto_failure,
                std::string("SqliteStore: ") + what + " fails to decrypt (tampered, moved, or another key)");
  return plain;
}

// The durable-file helpers are shared with the device's seal sequence.
using edgempc::detail::Fd;
using edgempc::detail::fsync_dir;
using edgempc::detail::os_error;
using edgempc::detail::read_up_to;
using edgempc::detail::write_all;

/// A name beside `target` that nobody else picks: target + suffix + 16 random hex digits.
[[nodiscard]] inline std::filesystem::path temp_beside(const std::filesystem::path& target, std::string_view suffix) {
  std::array<std::uint8_t, 8> r{};
  random_bytes(r.data(), r.size());
  std::string name = target.filename().string();
  name += suffix;
  name += edgempc::detail::to_hex(r);
  return target.parent_path() / name;
}

/// Removes a file (and SQLite's companions of it) when the scope ends, unless released.
class RemoveOnExit {
 public:
  explicit RemoveOnExit(std::filesystem::path p) : path_(std::move(p)) {}
  RemoveOnExit(const RemoveOnExit&) = delete;
  RemoveOnExit& operator=(const RemoveOnExit&) = delete;
  ~RemoveOnExit() {
    if (path_.empty()) return;
    std::error_code ec;  // best effort: a leftover temporary file is harmless
    for (const char* s : {"", "-wal", "-shm", "-journal", ".open"}) std::filesystem::remove(path_.string() + s, ec);
  }
  void release() noexcept { path_.clear(); }

 private:
  std::filesystem::path path_;
};

}  // namespace detail

/// How a SqliteStore opens its database.
struct SqliteStoreOptions {
  /// Open even if the database was not closed cleanly and its -wal file is gone (see
  /// "Start-up integrity" at the top of this file). WARNING: the shares acknowledged since the
  /// last checkpoint are then lost for good; set it only as an operator's decision, for one
  /// start, after the refusal's message has been read.
  bool accept_lost_wal = false;
};

/// A gateway's share store: see the top of this file.
class SqliteStore {
 public:
  /// Opens (creating if needed) the database at `path`, sealed with keys derived from `keys`'
  /// secret key. Throws errc::crypto_failure if the file was created with another key, and
  /// errc::malformed_message if it is corrupt or its WAL was lost (unless options allow it).
  SqliteStore(const std::filesystem::path& path, const KeyPair& keys, const SqliteStoreOptions& options = {})
      : row_key_(detail::derive_key(keys, detail::row_key_id)),
        snapshot_key_(detail::derive_key(keys, detail::snapshot_key_id)) {
    if (path.empty()) throw error(errc::invalid_argument, "SqliteStore: empty path");
    // Before SQLite opens the file: opening creates a new, empty -wal.
    detail::check_wal_not_lost(path, options.accept_lost_wal);
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    db_.reset(raw);  // sqlite3_open_v2 returns a handle even on failure; it must be closed
    if (rc != SQLITE_OK) throw detail::sqlite_error(raw, rc, "SqliteStore: cannot open " + path.string());
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, busy_timeout_ms);
    configure(path);
    quick_check(path);
    create_schema();
    check_key();
    prepare();
    marker_.arm(path);
  }

  SqliteStore(SqliteStore&&) noexcept = default;
  /// Closes this store first (statements, connection, then the marker, in that order, which a
  /// member-wise assignment would not keep), then takes `other`'s.
  SqliteStore& operator=(SqliteStore&& other) noexcept {
    if (this != &other) {
      std::destroy_at(this);
      std::construct_at(this, std::move(other));
    }
    return *this;
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  // Statements are finalised before the connection closes, and the marker is settled after
  // (member order).
  ~SqliteStore() = default;

  /// Stores one share and returns after it is committed to disk (safe to acknowledge). Returns
  /// false, and changes nothing, if a share with this (client, round, seq) is already stored:
  /// a replay or a retransmission.
  [[nodiscard]] bool put_share(std::uint64_t client, std::uint64_t round, std::uint64_t seq,
                               std::span<const std::uint8_t> share) {
    std::array<std::uint8_t, detail::nonce_size> nonce{};
    random_bytes(nonce.data(), nonce.size());
    return insert(ShareRef{client, round, seq, share}, nonce.data());
  }

  /// Stores a batch in one transaction (one fsync for all: far faster than one put_share
  /// each); all or nothing. Returns how many were new (the others were already stored).
  std::size_t put_shares(std::span<const ShareRef> batch) {
    if (batch.empty()) return 0;
    for (const ShareRef& s : batch) check_size(s.share.size());
    // One CSPRNG call for every nonce: libsodium's default generator makes a system call each.
    std::vector<std::uint8_t> nonces(batch.size() * detail::nonce_size);
    random_bytes(nonces.data(), nonces.size());
    detail::Transaction tx(db_.get());
    std::size_t added = 0;
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (insert(batch[i], nonces.data() + i * detail::nonce_size)) ++added;
    tx.commit();
    return added;
  }

  /// Every share of `round`, decrypted, ordered by (client, seq). Throws errc::crypto_failure
  /// if any row fails to decrypt.
  [[nodiscard]] std::vector<StoredShare> shares_for_round(std::uint64_t round) {
    std::vector<StoredShare> out;
    detail::ResetOnExit guard(select_round_);
    select_round_.bind(1, round);
    while (select_round_.step()) {
      StoredShare s;
      s.client = select_round_.column_u64(0);
      s.round = round;
      s.seq = select_round_.column_u64(1);
      s.share = open_share(select_round_, s.client, s.round, s.seq, 2);
      out.push_back(std::move(s));
    }
    // SQL orders the signed integers; callers expect the unsigned order.
    std::sort(out.begin(), out.end(),
              [](const StoredShare& a, const StoredShare& b) { return std::tie(a.client, a.seq) < std::tie(b.client, b.seq); });
    return out;
  }

  /// One share, or nothing if it is not stored.
  [[nodiscard]] std::optional<std::vector<std::uint8_t>> share(std::uint64_t client, std::uint64_t round,
                                                               std::uint64_t seq) {
    detail::ResetOnExit guard(select_one_);
    select_one_.bind(1, round);
    select_one_.bind(2, client);
    select_one_.bind(3, seq);
    if (!select_one_.step()) return std::nullopt;
    return open_share(select_one_, client, round, seq, 0);
  }

  /// How many shares `round` holds (no decryption).
  [[nodiscard]] std::size_t share_count(std::uint64_t round) {
    detail::ResetOnExit guard(count_round_);
    count_round_.bind(1, round);
    return count_round_.step() ? static_cast<std::size_t>(count_round_.column_u64(0)) : 0;
  }

  /// Sets (or replaces) the state of `round`, committed on return.
  void set_round_state(std::uint64_t round, std::uint32_t status, std::span<const std::uint8_t> data) {
    check_size(data.size());
    std::array<std::uint8_t, detail::nonce_size> nonce{};
    random_bytes(nonce.data(), nonce.size());
    const auto ad = detail::round_ad(round, status);
    detail::seal(row_key_, nonce.data(), data, ad, sealed_);
    detail::ResetOnExit guard(upsert_state_);
    upsert_state_.bind(1, round);
    upsert_state_.bind(2, std::uint64_t{status});
    upsert_state_.bind(3, nonce);
    upsert_state_.bind(4, sealed_);
    upsert_state_.run();
  }

  /// The state of `round`, or nothing if none was set.
  [[nodiscard]] std::optional<RoundState> round_state(std::uint64_t round) {
    detail::ResetOnExit guard(select_state_);
    select_state_.bind(1, round);
    if (!select_state_.step()) return std::nullopt;
    const std::uint64_t status = select_state_.column_u64(0);
    if (status > UINT32_MAX) throw error(errc::malformed_message, "SqliteStore: a round status is out of range");
    RoundState st;
    st.status = static_cast<std::uint32_t>(status);
    st.data = detail::open_sealed(row_key_, select_state_.column_blob(1), select_state_.column_blob(2),
                                  detail::round_ad(round, st.status), "a round state");
    return st;
  }

  /// Every round that has shares or a state, ascending.
  [[nodiscard]] std::vector<std::uint64_t> rounds() {
    std::vector<std::uint64_t> out;
    detail::Statement s(db_.get(), "SELECT round FROM shares UNION SELECT round FROM round_state");
    detail::ResetOnExit guard(s);
    while (s.step()) out.push_back(s.column_u64(0));
    std::sort(out.begin(), out.end());
    return out;
  }

  /// Deletes the shares and the state of `round` in one transaction; returns how many shares.
  std::size_t delete_round(std::uint64_t round) {
    detail::Transaction tx(db_.get());
    delete_shares_.bind(1, round);
    delete_shares_.run();
    const auto n = static_cast<std::size_t>(sqlite3_changes64(db_.get()));
    delete_state_.bind(1, round);
    delete_state_.run();
    tx.commit();
    return n;
  }

  /// Deletes every share and round state of the rounds below `keep_from` (unsigned order) in
  /// one transaction, so a crash leaves all of them or none; returns the rows deleted, shares
  /// plus round states. The gateway calls it only for rounds that are final (reported): a
  /// round still being agreed or revealed must keep its shares.
  std::size_t prune(std::uint64_t keep_from) {
    if (keep_from == 0) return 0;
    // SQLite orders the signed images of the rounds: the unsigned range [0, keep_from) is one
    // signed range below 2^63 and two above it.
    constexpr std::uint64_t top = std::uint64_t{1} << 63;
    detail::Transaction tx(db_.get());
    std::size_t n = 0;
    const auto range = [&](std::uint64_t first, std::uint64_t last) {  // inclusive, one side of 2^63
      for (detail::Statement* s : {&prune_shares_, &prune_states_}) {
        s->bind(1, first);
        s->bind(2, last);
        s->run();
        n += static_cast<std::size_t>(sqlite3_changes64(db_.get()));
      }
    };
    if (keep_from <= top) {
      range(0, keep_from - 1);
    } else {
      range(0, top - 1);
      range(top, keep_from - 1);
    }
    tx.commit();
    return n;
  }

  /// Checks the database structure (PRAGMA quick_check) and decrypts every row: what a
  /// gateway runs after a restart or a restore. Throws as the accessors do.
  void verify() {
    {
      detail::Statement s(db_.get(), "PRAGMA quick_check");
      detail::ResetOnExit guard(s);
      if (!s.step() || s.column_text(0) != "ok")
        throw error(errc::malformed_message, "SqliteStore: the database is corrupt (quick_check failed)");
    }
    for (const std::uint64_t r : rounds()) {
      (void)shares_for_round(r);
      (void)round_state(r);
    }
  }

  /// Writes an encrypted snapshot of the whole store to `snapshot_path` (replacing it
  /// atomically if it exists). Consistent: concurrent writers wait or are not included.
  void backup(const std::filesystem::path& snapshot_path) {
    if (snapshot_path.empty()) throw error(errc::invalid_argument, "SqliteStore: empty snapshot path");
    // The plain copy holds only sealed blobs, but its index columns are readable: it lives
    // beside the snapshot for as short a time as possible and is removed on every path.
    const auto plain = detail::temp_beside(snapshot_path, ".copy-");
    detail::RemoveOnExit remove_plain(plain);
    {
      detail::Statement vacuum(db_.get(), "VACUUM INTO ?1");
      vacuum.bind_text(1, plain.native());
      vacuum.run();
    }
    const auto sealed = detail::temp_beside(snapshot_path, ".tmp-");
    detail::RemoveOnExit remove_sealed(sealed);
    detail::encrypt_snapshot(plain, sealed, snapshot_key_.bytes());
    if (::rename(sealed.c_str(), snapshot_path.c_str()) != 0) throw detail::os_error("cannot rename to", snapshot_path);
    remove_sealed.release();
    detail::fsync_dir(snapshot_path.parent_path());
  }

  /// Creates a store at `db_path` (which must not exist) from a snapshot written by backup()
  /// under the same gateway key. The snapshot is decrypted and checked in full first: on any
  /// error nothing is left at `db_path`. A stale <db_path>.open marker is removed.
  [[nodiscard]] static SqliteStore restore(const std::filesystem::path& snapshot_path,
                                          const std::filesystem::path& db_path, const KeyPair& keys) {
    if (db_path.empty()) throw error(errc::invalid_argument, "SqliteStore: empty path");
    for (const char* s : {"", "-wal", "-shm", "-journal"}) {
      std::error_code ec;
      if (std::filesystem::exists(db_path.string() + s, ec) || ec)
        throw error(errc::invalid_argument, "SqliteStore::restore: " + db_path.string() + s + " already exists");
    }
    const auto temp = detail::temp_beside(db_path, ".restore-");
    detail::RemoveOnExit remove_temp(temp);
    detail::decrypt_snapshot(snapshot_path, temp, detail::derive_key(keys, detail::snapshot_key_id).bytes());
    {
      SqliteStore check(temp, keys);  // key check, WAL mode, schema version
      check.verify();
    }  // closing the last connection checkpoints and removes temp-wal and temp-shm
    if (::rename(temp.c_str(), db_path.c_str()) != 0) throw detail::os_error("cannot rename to", db_path);
    remove_temp.release();
    // A marker left by the database this one replaces belongs to it (its loss is what a restore
    // answers): the restored file is whole, checked above, and needs no WAL.
    if (::unlink(detail::marker_path(db_path).c_str()) != 0 && errno != ENOENT)
      throw detail::os_error("cannot remove", detail::marker_path(db_path));
    detail::fsync_dir(db_path.parent_path());
    return SqliteStore(db_path, keys);
  }

 private:
  static void check_size(std::size_t n) { detail::check_share_size(n, "SqliteStore"); }

  void configure(const std::filesystem::path& path) {
    // journal_mode answers with the mode it is in: on a file system without shared memory
    // WAL cannot be had, and silently running without it would change the durability story.
    detail::Statement wal(db_.get(), "PRAGMA journal_mode=WAL");
    detail::ResetOnExit guard(wal);
    if (!wal.step() || wal.column_text(0) != "wal")
      throw error(errc::unsupported, "SqliteStore: cannot enable WAL mode on " + path.string());
    // FULL: every commit fsyncs the WAL, so an acknowledged share survives a power cut, not
    // only a process crash (NORMAL would survive the latter only).
    detail::exec(db_.get(), "PRAGMA synchronous=FULL");
    detail::exec(db_.get(), "PRAGMA foreign_keys=OFF");
    // Shares of many clients land all over the B-tree; a page cache of up to 64 MiB (SQLite's
    // default is 2 MiB) keeps a round's pages in memory: batched inserts ran 1.4x faster.
    detail::exec(db_.get(), "PRAGMA cache_size=-65536");
  }

  /// PRAGMA quick_check: the B-tree structure, in one linear pass and without decrypting (so
  /// that a start stays fast); verify() is the full check.
  void quick_check(const std::filesystem::path& path) {
    detail::Statement s(db_.get(), "PRAGMA quick_check(1)");
    detail::ResetOnExit guard(s);
    std::string result;
    try {
      result = s.step() ? s.column_text(0) : std::string("no answer");
    } catch (const error& e) {  // SQLite may fail the check itself on a damaged page
      if (e.code() != make_error_code(errc::malformed_message)) throw;
      result = e.what();
    }
    if (result != "ok")
      throw error(errc::malformed_message, "SqliteStore: " + path.string() + " is corrupt (PRAGMA quick_check: " +
                                               result + "); restore it from a backup (SqliteStore::restore)");
  }

  void create_schema() {
    detail::Transaction tx(db_.get());
    int version = 0;
    {
      detail::Statement s(db_.get(), "PRAGMA user_version");
      detail::ResetOnExit guard(s);
      if (s.step()) version = static_cast<int>(s.column_u64(0));
    }
    if (version > detail::schema_version)
      throw error(errc::unsupported, "SqliteStore: database schema version " + std::to_string(version) +
                                         " is newer than this build's " + std::to_string(detail::schema_version));
    // (round, client, seq) first by round: a round's shares are one range, read and deleted
    // together. WITHOUT ROWID: the key is the row, no second index.
    detail::exec(db_.get(),
                 "CREATE TABLE IF NOT EXISTS shares ("
                 " round INTEGER NOT NULL, client INTEGER NOT NULL, seq INTEGER NOT NULL,"
                 " nonce BLOB NOT NULL, box BLOB NOT NULL,"
                 " PRIMARY KEY (round, client, seq)) WITHOUT ROWID;"
                 "CREATE TABLE IF NOT EXISTS round_state ("
                 " round INTEGER PRIMARY KEY, status INTEGER NOT NULL, nonce BLOB NOT NULL, box BLOB NOT NULL);"
                 "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);");
    if (version == 0) {
      std::array<std::uint8_t, detail::nonce_size> nonce{};
      random_bytes(nonce.data(), nonce.size());
      std::vector<std::uint8_t> box;
      const auto* text = reinterpret_cast<const std::uint8_t*>(detail::key_check_plaintext.data());
      detail::seal(row_key_, nonce.data(), {text, detail::key_check_plaintext.size()}, key_check_ad(), box);
      std::vector<std::uint8_t> value(nonce.begin(), nonce.end());
      value.insert(value.end(), box.begin(), box.end());
      detail::Statement ins(db_.get(), "INSERT OR REPLACE INTO meta(name, value) VALUES('key_check', ?1)");
      ins.bind(1, value);
      ins.run();
      detail::exec(db_.get(), ("PRAGMA user_version=" + std::to_string(detail::schema_version)).c_str());
    }
    tx.commit();
  }

  static std::span<const std::uint8_t> key_check_ad() noexcept {
    static constexpr std::array<std::uint8_t, 8> ad{'k', 'e', 'y', 'c', 'h', 'e', 'c', 'k'};
    return ad;
  }

  void check_key() {
    detail::Statement s(db_.get(), "SELECT value FROM meta WHERE name = 'key_check'");
    detail::ResetOnExit guard(s);
    if (!s.step()) throw error(errc::malformed_message, "SqliteStore: the database has no key check");
    const auto value = s.column_blob(0);
    if (value.size() < detail::nonce_size)
      throw error(errc::malformed_message, "SqliteStore: the database's key check is malformed");
    const auto plain = detail::open_sealed(row_key_, value.first(detail::nonce_size), value.subspan(detail::nonce_size),
                                           key_check_ad(), "the key check (wrong gateway key?)");
    if (!std::equal(plain.begin(), plain.end(), detail::key_check_plaintext.begin(), detail::key_check_plaintext.end()))
      throw error(errc::crypto_failure, "SqliteStore: the key check does not match");
  }

  void prepare() {
    sqlite3* db = db_.get();
    insert_ = detail::Statement(db, "INSERT OR IGNORE INTO shares(round, client, seq, nonce, box) VALUES(?1, ?2, ?3, ?4, ?5)");
    select_round_ = detail::Statement(db, "SELECT client, seq, nonce, box FROM shares WHERE round = ?1");
    select_one_ = detail::Statement(db, "SELECT nonce, box FROM shares WHERE round = ?1 AND client = ?2 AND seq = ?3");
    count_round_ = detail::Statement(db, "SELECT count(*) FROM shares WHERE round = ?1");
    upsert_state_ = detail::Statement(db, "INSERT OR REPLACE INTO round_state(round, status, nonce, box) VALUES(?1, ?2, ?3, ?4)");
    select_state_ = detail::Statement(db, "SELECT status, nonce, box FROM round_state WHERE round = ?1");
    delete_shares_ = detail::Statement(db, "DELETE FROM shares WHERE round = ?1");
    delete_state_ = detail::Statement(db, "DELETE FROM round_state WHERE round = ?1");
    prune_shares_ = detail::Statement(db, "DELETE FROM shares WHERE round BETWEEN ?1 AND ?2");
    prune_states_ = detail::Statement(db, "DELETE FROM round_state WHERE round BETWEEN ?1 AND ?2");
  }

  bool insert(const ShareRef& s, const std::uint8_t* nonce) {
    check_size(s.share.size());
    const auto ad = detail::share_ad(s.client, s.round, s.seq);
    detail::seal(row_key_, nonce, s.share, ad, sealed_);
    detail::ResetOnExit guard(insert_);
    insert_.bind(1, s.round);
    insert_.bind(2, s.client);
    insert_.bind(3, s.seq);
    insert_.bind(4, std::span<const std::uint8_t>(nonce, detail::nonce_size));
    insert_.bind(5, sealed_);
    insert_.run();
    return sqlite3_changes(db_.get()) > 0;
  }

  std::vector<std::uint8_t> open_share(const detail::Statement& s, std::uint64_t client, std::uint64_t round,
                                       std::uint64_t seq, int first_column) const {
    if (!s.column_is_blob(first_column) || !s.column_is_blob(first_column + 1))
      throw error(errc::malformed_message, "SqliteStore: a share row is malformed");
    return detail::open_sealed(row_key_, s.column_blob(first_column), s.column_blob(first_column + 1),
                               detail::share_ad(client, round, seq), "a share");
  }

  // Declaration order is destruction order reversed: the keys and statements die before the
  // connection they were prepared on, and the marker is settled once the connection is closed.
  detail::OpenMarker marker_;
  detail::DbHandle db_;
  detail::SecretKey row_key_;
  detail::SecretKey snapshot_key_;
  std::vector<std::uint8_t> sealed_;  // reused sealing buffer: no allocation per share
  detail::Statement insert_, select_round_, select_one_, count_round_, upsert_state_, select_state_, delete_shares_,
      delete_state_, prune_shares_, prune_states_;
};

static_assert(ShareStore<SqliteStore>);

}  // namespace platform
EDGEMPC_END_NAMESPACE
