// SPDX-License-Identifier: Apache-2.0
// The registry of the clients (devices) a gateway accepts submissions from, and their replay state.
//
// A client is known by its X25519 public key and by a compact ClientId (a u32) that travels in
// every submission header instead of the 32-byte key (platform/submission.hpp). add_client(key)
// never reuses an id (next_id is persisted): a removed client's id stays retired, so a late
// message from it is never taken for a newer client's. The gateways of one group must agree on
// the ids: enrol the same keys in the same order everywhere, or pass the group-wide id.
//
// Replay state: for each client the highest (round, sequence) accepted so far, lexicographic.
// A submission is fresh only if it is strictly above it and its round is not below the
// closed-round floor. This state lives in memory only: a gateway that restarts calls
// close_rounds_before(current round) so that losing it never reopens a finished round.
//
// File format (text, so that an operator can read it; everything ASCII, lines end in '\n'):
//   edgempc enrolment v1
//   next <decimal: the id the next add_client(key) will get>
//   <decimal id> <64 lowercase hex digits: the public key>     one line per client, ids ascending
//   end <64 lowercase hex digits: BLAKE2b-256 of every byte before this line>
// The digest (libsodium crypto_generichash, RFC 7693) catches truncation and corruption, so a
// file that load() accepts is exactly one that save() wrote. save() writes a temporary file
// beside the target, fsyncs it, renames it over the target and fsyncs the directory (POSIX
// rename(2) is atomic): after a crash the file is the old version or the new one, never a mix.
//
// Not thread-safe: one gateway thread owns an Enrolment (or guard it with a mutex).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>

#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"
#include "edgempc/net/keys.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// The compact identifier of an enrolled client, sent in every submission header.
using ClientId = std::uint32_t;

namespace detail {

inline constexpr std::string_view enrolment_header = "edgempc enrolment v1";

/// "(round, seq)" packed so that lexicographic order is integer order.
[[nodiscard]] constexpr std::uint64_t round_seq(std::uint32_t round, std::uint32_t seq) noexcept {
  return (std::uint64_t{round} << 32) | seq;
}

inline std::array<std::uint8_t, crypto_generichash_BYTES> enrolment_digest(std::string_view text) {
  ensure_sodium();
  std::array<std::uint8_t, crypto_generichash_BYTES> d{};
  crypto_generichash(d.data(), d.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr, 0);
  return d;
}

template <class U>
[[nodiscard]] bool parse_decimal(std::string_view s, U& out) noexcept {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;  // one spelling per number
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

/// Writes `text` to `path` so that a crash leaves either the old file or the new one.
inline void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const auto fail = [&](const std::string& what) {
    return error(errc::invalid_argument, what + ": " + std::strerror(errno));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw fail("cannot create " + tmp.string());
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const error e = fail("cannot write " + tmp.string());
      ::close(fd);
      ::unlink(tmp.c_str());
      throw e;
    }
    done += static_cast<std::size_t>(n);
  }
  // fsync before rename: otherwise the rename may reach the disk before the data does, and a
  // crash would leave the new name on an empty file (the ext4 "zero-length file" problem).
  if (::fsync(fd) != 0) {
    const error e = fail("cannot fsync " + tmp.string());
    ::close(fd);
    ::unlink(tmp.c_str());
    throw e;
  }
  if (::close(fd) != 0) throw fail("cannot close " + tmp.string());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const error e = fail("cannot rename " + tmp.string() + " to " + path.string());
    ::unlink(tmp.c_str());
    throw e;
  }
  // The rename is durable only once the directory entry is.
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw fail("cannot open directory " + dir.string());
  const bool synced = ::fsync(dfd) == 0;
  ::close(dfd);
  if (!synced) throw fail("cannot fsync directory " + dir.string());
}

}  // namespace detail

class Enrolment {
 public:
  /// A bound on the file size load() reads: ~100 bytes per client, so about ten million clients.
  static constexpr std::uintmax_t max_file_size = std::uintmax_t{1} << 30;

  Enrolment() = default;

  /// Enrols `key` under the next free id and returns it; a key already enrolled keeps its id.
  ClientId add_client(const PublicKey& key) {
    if (const auto it = by_key_.find(key); it != by_key_.end()) return it->second;
    if (next_id_ == UINT32_MAX) throw error(errc::out_of_range, "Enrolment: no client ids left");
    const ClientId id = next_id_;
    insert(id, key);
    return id;
  }

  /// Enrols `key` under a group-wide `id` chosen elsewhere (so that every gateway uses the same).
  /// The same (key, id) again is a no-op; a key enrolled under another id, or an id held by
  /// another key, is errc::invalid_argument. The caller owns the choice: do not hand out an id
  /// that belonged to a removed client.
  void add_client(const PublicKey& key, ClientId id) {
    if (const auto it = by_key_.find(key); it != by_key_.end()) {
      if (it->second == id) return;
      throw error(errc::invalid_argument,
                  "Enrolment: key already enrolled as client " + std::to_string(it->second) + ", not " + std::to_string(id));
    }
    if (clients_.contains(id)) throw error(errc::invalid_argument, "Enrolment: client id " + std::to_string(id) + " is taken");
    if (id == UINT32_MAX) throw error(errc::out_of_range, "Enrolment: client id 4294967295 is reserved");
    insert(id, key);
  }

  /// Removes a client; returns false if it was not enrolled. Its id is retired, not reused.
  bool remove_client(ClientId id) {
    const auto it = clients_.find(id);
    if (it == clients_.end()) return false;
    by_key_.erase(it->second.key);
    clients_.erase(it);
    return true;
  }
  bool remove_client(const PublicKey& key) {
    const auto it = by_key_.find(key);
    return it != by_key_.end() && remove_client(it->second);
  }

  [[nodiscard]] bool is_enrolled(ClientId id) const noexcept { return clients_.contains(id); }
  [[nodiscard]] bool is_enrolled(const PublicKey& key) const noexcept { return by_key_.contains(key); }

  /// The public key of an enrolled client, or nullptr. Valid until the registry next changes.
  [[nodiscard]] const PublicKey* find(ClientId id) const noexcept {
    const auto it = clients_.find(id);
    return it == clients_.end() ? nullptr : &it->second.key;
  }
  /// The id of an enrolled key.
  [[nodiscard]] std::optional<ClientId> lookup(const PublicKey& key) const noexcept {
    const auto it = by_key_.find(key);
    return it == by_key_.end() ? std::nullopt : std::optional<ClientId>(it->second);
  }
  /// The public key of an enrolled client; errc::not_enrolled if there is none.
  [[nodiscard]] const PublicKey& lookup(ClientId id) const {
    const PublicKey* k = find(id);
    if (k == nullptr) throw error(errc::not_enrolled, "Enrolment: no client " + std::to_string(id));
    return *k;
  }

  [[nodiscard]] std::size_t size() const noexcept { return clients_.size(); }
  /// The id the next add_client(key) assigns.
  [[nodiscard]] ClientId next_id() const noexcept { return next_id_; }

  // --- replay state -----------------------------------------------------------------------

  /// Whether a submission (round, seq) from `id` would be fresh. Does not check enrolment.
  [[nodiscard]] bool is_fresh(ClientId id, std::uint32_t round, std::uint32_t seq) const noexcept {
    if (round < round_floor_) return false;
    const auto it = clients_.find(id);
    return it == clients_.end() || !it->second.seen || detail::round_seq(round, seq) > it->second.highest;
  }

  /// Records an authenticated submission: errc::not_enrolled for an unknown client,
  /// errc::protocol_violation for a replay (not above the highest accepted, or a closed round).
  /// Call only after the message authenticated, so that forgeries cannot move the state.
  void accept(ClientId id, std::uint32_t round, std::uint32_t seq) {
    const auto it = clients_.find(id);
    if (it == clients_.end()) throw error(errc::not_enrolled, "Enrolment: no client " + std::to_string(id));
    check_fresh(it->second, id, round, seq);
    it->second.seen = true;
    it->second.highest = detail::round_seq(round, seq);
  }

  /// errc::protocol_violation unless (round, seq) is fresh for the enrolled client `id`.
  void check_fresh(ClientId id, std::uint32_t round, std::uint32_t seq) const {
    const auto it = clients_.find(id);
    if (it == clients_.end()) throw error(errc::not_enrolled, "Enrolment: no client " + std::to_string(id));
    check_fresh(it->second, id, round, seq);
  }

  /// Refuses every submission of a round below `round` from now on (never lowers the floor).
  void close_rounds_before(std::uint32_t round) noexcept { round_floor_ = std::max(round_floor_, round); }
  [[nodiscard]] std::uint32_t open_round_floor() const noexcept { return round_floor_; }

  /// Forgets every client's highest (round, seq), keeping the closed-round floor: after this, a
  /// message of an open round may be accepted again, so pair it with close_rounds_before.
  void reset_replay() noexcept {
    for (auto& [id, c] : clients_) c.seen = false;
  }
  void reset_replay(ClientId id) noexcept {
    if (const auto it = clients_.find(id); it != clients_.end()) it->second.seen = false;
  }

  // --- persistence ------------------------------------------------------------------------

  /// The file text (see the format above); replay state is not part of it.
  [[nodiscard]] std::string serialize() const {
    std::string text(detail::enrolment_header);
    text += "\nnext " + std::to_string(next_id_) + "\n";
    for (const auto& [key, id] : ordered_ids()) text += std::to_string(key) + " " + edgempc::detail::to_hex(id) + "\n";
    const auto digest = detail::enrolment_digest(text);
    text += "end " + edgempc::detail::to_hex(digest) + "\n";
    return text;
  }

  /// Parses serialize()'s text; anything else is errc::malformed_message naming `source`.
  [[nodiscard]] static Enrolment parse(std::string_view text, const std::string& source = "enrolment") {
    std::size_t line_no = 0;
    const auto bad = [&](const std::string& why) {
      return error(errc::malformed_message, source + ": line " + std::to_string(line_no) + ": " + why);
    };
    // The digest first: a corrupt file is reported as such, not as whichever field broke.
    const std::size_t end_at = text.rfind("\nend ");
    line_no = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    if (end_at == std::string_view::npos || text.empty() || text.back() != '\n')
      throw bad("no 'end' line: the file is truncated or not an enrolment file");
    const std::string_view body = text.substr(0, end_at + 1);
    const std::string_view end_line = text.substr(end_at + 1, text.size() - end_at - 2);  // no '\n'
    const auto digest = detail::enrolment_digest(body);
    if (end_line != "end " + edgempc::detail::to_hex(digest))
      throw bad("checksum mismatch: the file is corrupt or truncated");

    Enrolment e;
    std::size_t pos = 0;
    line_no = 0;
    const auto next_line = [&]() -> std::optional<std::string_view> {
      if (pos >= body.size()) return std::nullopt;
      const std::size_t nl = body.find('\n', pos);
      const std::string_view line = body.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      return line;
    };
    if (next_line() != detail::enrolment_header) throw bad("not an edgempc enrolment v1 file");
    const auto next = next_line();
    ClientId next_id = 0;
    if (!next || !next->starts_with("next ") || !detail::parse_decimal(next->substr(5), next_id))
      throw bad("expected 'next <id>'");
    std::optional<ClientId> previous;
    while (const auto line = next_line()) {
      const std::size_t sp = line->find(' ');
      ClientId id = 0;
      if (sp == std::string_view::npos || !detail::parse_decimal(line->substr(0, sp), id))
        throw bad("expected '<id> <public key>'");
      if (previous && id <= *previous) throw bad("client ids are not ascending");
      if (id >= next_id) throw bad("client id " + std::to_string(id) + " is not below 'next'");
      const std::string_view hex = line->substr(sp + 1);
      PublicKey key{};
      std::size_t bin_len = 0;
      if (hex.size() != 64 || sodium_hex2bin(key.data(), key.size(), hex.data(), hex.size(), nullptr, &bin_len, nullptr) != 0 ||
          bin_len != key.size())
        throw bad("the public key is not 64 hex digits");
      if (e.by_key_.contains(key)) throw bad("public key enrolled twice");
      e.insert(id, key);
      previous = id;
    }
    e.next_id_ = next_id;
    return e;
  }

  /// Writes the registry to `path` atomically (temporary file, fsync, rename, fsync directory).
  void save(const std::filesystem::path& path) const { detail::write_file_atomically(path, serialize()); }

  /// Reads a file save() wrote; errc::malformed_message if it is corrupt or truncated,
  /// errc::invalid_argument if it cannot be read.
  [[nodiscard]] static Enrolment load(const std::filesystem::path& path) {
    std::error_code ec;
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) throw error(errc::invalid_argument, "cannot open " + path.string() + ": " + ec.message());
    if (size > max_file_size) throw error(errc::malformed_message, path.string() + ": larger than any enrolment file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw error(errc::invalid_argument, "cannot open " + path.string());
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    return parse(text, path.string());
  }

 private:
  struct Client {
    PublicKey key{};
    std::uint64_t highest = 0;  // round_seq of the highest accepted submission, if seen
    bool seen = false;
  };

  void insert(ClientId id, const PublicKey& key) {
    clients_.emplace(id, Client{key, 0, false});
    by_key_.emplace(key, id);
    if (id >= next_id_) next_id_ = id + 1;
  }

  void check_fresh(const Client& c, ClientId id, std::uint32_t round, std::uint32_t seq) const {
    if (round < round_floor_)
      throw error(errc::protocol_violation, "client " + std::to_string(id) + ": round " + std::to_string(round) +
                                                " is closed (open rounds start at " + std::to_string(round_floor_) + ")");
    if (c.seen && detail::round_seq(round, seq) <= c.highest)
      throw error(errc::protocol_violation,
                  "client " + std::to_string(id) + ": replayed or stale submission (round " + std::to_string(round) +
                      ", sequence " + std::to_string(seq) + " is not above round " + std::to_string(c.highest >> 32) +
                      ", sequence " + std::to_string(c.highest & 0xffffffffu) + ")");
  }

  [[nodiscard]] std::map<ClientId, PublicKey> ordered_ids() const {
    std::map<ClientId, PublicKey> out;
    for (const auto& [id, c] : clients_) out.emplace(id, c.key);
    return out;
  }

  std::unordered_map<ClientId, Client> clients_;
  std::map<PublicKey, ClientId> by_key_;
  ClientId next_id_ = 0;
  std::uint32_t round_floor_ = 0;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
