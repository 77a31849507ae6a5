// SPDX-License-Identifier: Apache-2.0
// The ShareStore concept: where a gateway keeps the shares it has acknowledged and the state of
// each round, so that a restart resumes where it stopped.
//
// Models: SqliteStore (platform/gateway/sqlite_store.hpp: durable, encrypted at rest, needs
// SQLite) and MemoryStore (platform/gateway/memory_store.hpp: in memory, for tests and
// simulations). tests/unit/share_store_conformance.hpp checks every model against the table.
//
// Requirements, for a ShareStore s, a batch b (std::span<const ShareRef>), round numbers r and
// k (std::uint64_t), a status (std::uint32_t) and a blob d (std::span<const std::uint8_t>):
//
// | expression                | type                       | semantics                                   |
// |---------------------------|----------------------------|---------------------------------------------|
// | s.put_shares(b)           | std::size_t                | stores b, all or nothing: returns how many  |
// |                           |                            | were new. A share whose (client, round, seq)|
// |                           |                            | is already stored, or that repeats an       |
// |                           |                            | earlier one of b, is ignored: the first     |
// |                           |                            | bytes stored stay (a replay never replaces).|
// |                           |                            | Durable when it returns, if s is durable.   |
// | s.rounds()                | std::vector<std::uint64_t> | every round with a share or a state, once   |
// |                           |                            | each, in ascending (unsigned) order         |
// | s.shares_for_round(r)     | std::vector<StoredShare>   | r's shares ordered by (client, seq),        |
// |                           |                            | unsigned; empty if none                     |
// | s.round_state(r)          | std::optional<RoundState>  | r's state, or nullopt if none was set       |
// | s.set_round_state(r, st,d)| void                       | sets or replaces r's state (status and d)   |
// | s.delete_round(r)         | std::size_t                | deletes r's shares and state at once;       |
// |                           |                            | returns how many shares were deleted        |
// | s.prune(k)                | std::size_t                | deletes the shares and states of every      |
// |                           |                            | round < k (unsigned) at once, a crash       |
// |                           |                            | leaving all or none; returns the rows       |
// |                           |                            | deleted: shares plus round states           |
//
// Errors, all edgempc::error: a share or state blob above max_share_size is message_too_large,
// and nothing of its batch is stored. A model may add its own (I/O, corruption, decryption).
//
// Retention: the gateway calls prune(k) only when every round below k is final (reported, its
// state done): a round still being agreed or revealed must keep its shares. Rounds are numbered
// from 0 and u64 throughout, so the order is the unsigned one even where a model stores signed
// integers (SQLite does).
//
// Threads: none of the operations needs to be thread-safe; the gateway guards its store with
// a mutex.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// One share to store: a view, the caller keeps the bytes alive for the call.
struct ShareRef {
  std::uint64_t client = 0;
  std::uint64_t round = 0;
  std::uint64_t seq = 0;
  std::span<const std::uint8_t> share;
};

/// One share read back (decrypted, for a store that encrypts).
struct StoredShare {
  std::uint64_t client = 0;
  std::uint64_t round = 0;
  std::uint64_t seq = 0;
  std::vector<std::uint8_t> share;
  friend bool operator==(const StoredShare&, const StoredShare&) = default;
};

/// The state of one round: a status code whose meaning belongs to the round logic, and a small
/// blob (agreed client set, partial results).
struct RoundState {
  std::uint32_t status = 0;
  std::vector<std::uint8_t> data;
  friend bool operator==(const RoundState&, const RoundState&) = default;
};

/// The largest share or round-state blob accepted (a share is a few field elements; this
/// bounds what a malicious client can make a gateway write).
inline constexpr std::size_t max_share_size = std::size_t{1} << 20;

template <class S>
concept ShareStore = requires(S& s, std::span<const ShareRef> batch, std::uint64_t round, std::uint32_t status,
                              std::span<const std::uint8_t> data) {
  { s.put_shares(batch) } -> std::same_as<std::size_t>;
  { s.rounds() } -> std::same_as<std::vector<std::uint64_t>>;
  { s.shares_for_round(round) } -> std::same_as<std::vector<StoredShare>>;
  { s.round_state(round) } -> std::same_as<std::optional<RoundState>>;
  { s.set_round_state(round, status, data) } -> std::same_as<void>;
  { s.delete_round(round) } -> std::same_as<std::size_t>;
  { s.prune(round) } -> std::same_as<std::size_t>;
};

namespace detail {

/// The size check every model makes the same way, with the same message.
inline void check_share_size(std::size_t n, const char* store) {
  if (n > max_share_size)
    throw error(errc::message_too_large,
                std::string(store) + ": a blob of " + std::to_string(n) + " bytes is above max_share_size");
}

}  // namespace detail
}  // namespace platform
EDGEMPC_END_NAMESPACE
