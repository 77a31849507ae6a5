// SPDX-License-Identifier: Apache-2.0
// The open marker of a share store's SQLite database (platform/gateway/sqlite_store.hpp, "Start-up
// integrity"): <db>.open exists, durably, from the moment the database is open in WAL mode until
// a clean close has checkpointed and removed <db>-wal. A marker without a <db>-wal at the next
// open means the write-ahead log of an unclean shutdown, and with it every share acknowledged
// since the last checkpoint, was deleted: check_wal_not_lost refuses that open
// (errc::malformed_message) unless the operator accepts the loss. Plain files only; no SQLite.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgempc/core/detail/durable_file.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {
namespace detail {

// The durable-file helpers (core/detail/durable_file.hpp), shared with the store and the
// device's seal sequence.
using edgempc::detail::Fd;
using edgempc::detail::fsync_dir;
using edgempc::detail::os_error;
using edgempc::detail::read_up_to;
using edgempc::detail::write_all;

/// Companions of a database file: SQLite's write-ahead log and the store's open marker.
[[nodiscard]] inline std::filesystem::path wal_path(const std::filesystem::path& db) { return db.string() + "-wal"; }
[[nodiscard]] inline std::filesystem::path marker_path(const std::filesystem::path& db) {
  return db.string() + ".open";
}

[[nodiscard]] inline bool file_exists(const std::filesystem::path& p) {
  std::error_code ec;
  const bool found = std::filesystem::exists(p, ec);
  if (ec) throw error(errc::invalid_argument, "SqliteStore: cannot check " + p.string() + ": " + ec.message());
  return found;
}

/// Refuses to open a database whose last session did not close cleanly and whose WAL, which
/// held that session's recent commits, is gone (see "Start-up integrity" at the top).
inline void check_wal_not_lost(const std::filesystem::path& db, bool accept_lost_wal) {
  const auto marker = marker_path(db);
  const auto wal = wal_path(db);
  if (accept_lost_wal || !file_exists(marker) || file_exists(wal)) return;
  throw error(errc::malformed_message,
              "SqliteStore: " + marker.string() + " exists but " + wal.string() +
                  " does not: the store was not closed cleanly and its write-ahead log has been deleted, so "
                  "acknowledged shares may have been lost (everything committed since the last checkpoint of " +
                  db.string() +
                  "). Put the -wal file back if a copy exists; otherwise, to open what the database still holds, "
                  "set SqliteStoreOptions::accept_lost_wal = true (the missing shares must then be recovered from "
                  "the other gateways or given up)");
}

/// The marker <db>.open of an open store: created durably by arm(), removed when the store
/// closes if SQLite has removed <db>-wal (the last connection closed cleanly). Declared before
/// the connection in SqliteStore, so that it is settled after the connection is closed.
class OpenMarker {
 public:
  OpenMarker() = default;
  OpenMarker(OpenMarker&& other) noexcept : db_(std::exchange(other.db_, {})) {}
  OpenMarker& operator=(OpenMarker&&) = delete;
  OpenMarker(const OpenMarker&) = delete;
  OpenMarker& operator=(const OpenMarker&) = delete;
  ~OpenMarker() { settle(); }

  /// Creates (or keeps) the marker of `db`, which must be open in WAL mode, and makes it durable:
  /// a marker lost in a power cut would hide a later loss of the WAL.
  void arm(const std::filesystem::path& db) {
    const auto abs = std::filesystem::absolute(db);  // a later chdir must not move the marker
    if (!file_exists(wal_path(abs)))
      throw error(errc::unsupported, "SqliteStore: " + wal_path(abs).string() + " is missing while the store is open");
    const auto marker = marker_path(abs);
    Fd fd(::open(marker.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) throw os_error("cannot create", marker);
    static constexpr std::string_view text{
        "edgempc SqliteStore: the database beside this file is open, or was not closed cleanly.\n"
        "Removed on a clean close. Do not delete the -wal file while this file exists.\n"};
    write_all(fd.get(), reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), marker);
    if (::fsync(fd.get()) != 0) throw os_error("cannot sync", marker);
    fd.close();
    fsync_dir(abs.parent_path());
    db_ = abs;
  }

 private:
  void settle() noexcept {
    if (db_.empty()) return;
    std::error_code ec;
    // Another connection still holds the WAL, or the close could not checkpoint: keep it.
    if (std::filesystem::exists(wal_path(db_), ec) || ec) return;
    if (::unlink(marker_path(db_).c_str()) != 0) return;
    // Best effort: if the unlink is lost in a power cut, the next open refuses, the safe side.
    Fd dir(::open(db_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) (void)::fsync(dir.get());
  }

  std::filesystem::path db_;  // absolute; empty when not armed
};

}  // namespace detail
}  // namespace platform
EDGEMPC_END_NAMESPACE
