// SPDX-License-Identifier: Apache-2.0
// The encrypted snapshot file of a share store (SqliteStore::backup and restore,
// platform/gateway/sqlite_store.hpp): a whole file sealed with libsodium's
// crypto_secretstream_xchacha20poly1305 under a key the store derives for it. A truncated,
// reordered, tampered or foreign snapshot fails to decrypt as a whole, never in part: the
// stream ends with a FINAL chunk, and nothing may follow it.
//
// File format (v1):
//   16 bytes  "edgempc-snap-v1\n"
//   24 bytes  secretstream header
//   chunks    each the sealing of snapshot_chunk_size plaintext bytes (17 bytes more), the last
//             one shorter or equal and tagged FINAL (an empty input still gets one empty FINAL
//             chunk); the 16-byte magic is each chunk's associated data.
//
// Errors: errc::invalid_argument for a file that cannot be opened, created or written;
// errc::malformed_message for a file that is not a snapshot, is truncated or has data after its
// end; errc::crypto_failure for a chunk that fails to decrypt. Output files are created new
// (O_EXCL, mode 0600) and fsynced; the caller renames them into place and removes them on error.
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

/// Plaintext bytes per secretstream chunk of a snapshot file.
inline constexpr std::size_t snapshot_chunk_size = std::size_t{1} << 16;

namespace detail {

// The durable-file helpers (core/detail/durable_file.hpp), shared with the store and the
// device's seal sequence.
using edgempc::detail::Fd;
using edgempc::detail::fsync_dir;
using edgempc::detail::os_error;
using edgempc::detail::read_up_to;
using edgempc::detail::write_all;

inline constexpr std::string_view snapshot_magic{"edgempc-snap-v1\n", 16};
inline constexpr std::size_t stream_tag_size = crypto_secretstream_xchacha20poly1305_ABYTES;
static_assert(crypto_secretstream_xchacha20poly1305_KEYBYTES == 32);

/// Encrypts file `in` into the snapshot format at `out` (a new file), fsynced.
inline void encrypt_snapshot(const std::filesystem::path& in, const std::filesystem::path& out, std::span<const std::uint8_t, 32> key) {
  Fd src(::open(in.c_str(), O_RDONLY | O_CLOEXEC));
  if (src.get() < 0) throw os_error("cannot open", in);
  Fd dst(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (dst.get() < 0) throw os_error("cannot create", out);

  crypto_secretstream_xchacha20poly1305_state st;
  std::array<std::uint8_t, crypto_secretstream_xchacha20poly1305_HEADERBYTES> header{};
  if (crypto_secretstream_xchacha20poly1305_init_push(&st, header.data(), key.data()) != 0)
    throw error(errc::crypto_failure, "SqliteStore: snapshot encryption failed");
  const auto* magic = reinterpret_cast<const std::uint8_t*>(snapshot_magic.data());
  write_all(dst.get(), magic, snapshot_magic.size(), out);
  write_all(dst.get(), header.data(), header.size(), out);

  // One chunk read ahead, so the last chunk is known and tagged FINAL (an empty file still
  // gets one empty FINAL chunk: truncation is always detectable).
  std::vector<std::uint8_t> cur(snapshot_chunk_size), next(snapshot_chunk_size);
  std::vector<std::uint8_t> sealed(snapshot_chunk_size + stream_tag_size);
  std::size_t cur_len = read_up_to(src.get(), cur.data(), cur.size(), in);
  for (;;) {
    const std::size_t next_len = cur_len == cur.size() ? read_up_to(src.get(), next.data(), next.size(), in) : 0;
    const bool last = next_len == 0;
    const auto tag = static_cast<unsigned char>(last ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                                     : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    unsigned long long sealed_len = 0;
    if (crypto_secretstream_xchacha20poly1305_push(&st, sealed.data(), &sealed_len, cur.data(), cur_len, magic,
                                                   snapshot_magic.size(), tag) != 0)
      throw error(errc::crypto_failure, "SqliteStore: snapshot encryption failed");
    write_all(dst.get(), sealed.data(), static_cast<std::size_t>(sealed_len), out);
    if (last) break;
    std::swap(cur, next);
    cur_len = next_len;
  }
  secure_wipe(&st, sizeof st);
  if (::fsync(dst.get()) != 0) throw os_error("cannot sync", out);
  dst.close();
}

/// Decrypts a snapshot at `in` into a new file `out`; throws unless the whole stream, up to
/// its FINAL chunk and end of file, authenticates.
inline void decrypt_snapshot(const std::filesystem::path& in, const std::filesystem::path& out, std::span<const std::uint8_t, 32> key) {
  Fd src(::open(in.c_str(), O_RDONLY | O_CLOEXEC));
  if (src.get() < 0) throw os_error("cannot open", in);
  const auto truncated = [&] { return error(errc::malformed_message, "SqliteStore: snapshot " + in.string() + " is truncated"); };

  std::array<std::uint8_t, 16> magic{};
  std::array<std::uint8_t, crypto_secretstream_xchacha20poly1305_HEADERBYTES> header{};
  if (read_up_to(src.get(), magic.data(), magic.size(), in) != magic.size()) throw truncated();
  if (std::memcmp(magic.data(), snapshot_magic.data(), magic.size()) != 0)
    throw error(errc::malformed_message, "SqliteStore: " + in.string() + " is not an edgempc snapshot (v1)");
  if (read_up_to(src.get(), header.data(), header.size(), in) != header.size()) throw truncated();

  crypto_secretstream_xchacha20poly1305_state st;
  if (crypto_secretstream_xchacha20poly1305_init_pull(&st, header.data(), key.data()) != 0)
    throw error(errc::malformed_message, "SqliteStore: snapshot header is invalid");

  Fd dst(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (dst.get() < 0) throw os_error("cannot create", out);
  std::vector<std::uint8_t> sealed(snapshot_chunk_size + stream_tag_size), plain(snapshot_chunk_size);
  for (;;) {
    const std::size_t n = read_up_to(src.get(), sealed.data(), sealed.size(), in);
    if (n < stream_tag_size) {
      secure_wipe(&st, sizeof st);
      throw truncated();  // ends before a FINAL chunk
    }
    unsigned long long plain_len = 0;
    unsigned char tag = 0;
    if (crypto_secretstream_xchacha20poly1305_pull(&st, plain.data(), &plain_len, &tag, sealed.data(), n, magic.data(),
                                                   magic.size()) != 0) {
      secure_wipe(&st, sizeof st);
      throw error(errc::crypto_failure,
                  "SqliteStore: snapshot " + in.string() + " fails to decrypt (tampered, truncated, or another key)");
    }
    write_all(dst.get(), plain.data(), static_cast<std::size_t>(plain_len), out);
    if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
      std::uint8_t extra = 0;
      secure_wipe(&st, sizeof st);
      if (read_up_to(src.get(), &extra, 1, in) != 0)
        throw error(errc::malformed_message, "SqliteStore: snapshot " + in.string() + " has data after its end");
      break;
    }
    if (n < sealed.size()) {
      secure_wipe(&st, sizeof st);
      throw truncated();  // a short chunk that is not the last one
    }
  }
  if (::fsync(dst.get()) != 0) throw os_error("cannot sync", out);
  dst.close();
}

}  // namespace detail
}  // namespace platform
EDGEMPC_END_NAMESPACE
