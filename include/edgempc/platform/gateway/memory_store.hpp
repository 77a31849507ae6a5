// SPDX-License-Identifier: Apache-2.0
// MemoryStore: a ShareStore (platform/gateway/share_store.hpp) held in memory, with the same
// semantics as SqliteStore but no SQLite, no files and no encryption: for in-process tests and
// simulations of a gateway.
//
// WARNING: nothing survives the object: a gateway that acknowledges shares it keeps here loses
// them in a crash. Not thread-safe (as SqliteStore): guard it with a mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "edgempc/platform/gateway/share_store.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

class MemoryStore {
 public:
  MemoryStore() = default;

  /// Stores one share; false, and nothing changes, if (client, round, seq) is already stored.
  [[nodiscard]] bool put_share(std::uint64_t client, std::uint64_t round, std::uint64_t seq,
                               std::span<const std::uint8_t> share) {
    const ShareRef one{client, round, seq, share};
    return put_shares(std::span<const ShareRef>(&one, 1)) == 1;
  }

  /// Stores a batch, all or nothing; returns how many were new.
  std::size_t put_shares(std::span<const ShareRef> batch) {
    for (const ShareRef& s : batch) detail::check_share_size(s.share.size(), "MemoryStore");
    // Only an allocation can fail from here on: undo what this batch inserted, so that the
    // batch is all or nothing as in SqliteStore's transaction.
    std::vector<std::pair<std::uint64_t, Key>> added;
    added.reserve(batch.size());
    try {
      for (const ShareRef& s : batch) {
        // A round's entry is made only with its first share, so the map never holds an empty one.
        const auto [it, fresh] = rounds_[s.round].shares.try_emplace(Key{s.client, s.seq}, s.share.begin(), s.share.end());
        if (fresh) added.emplace_back(s.round, it->first);
      }
    } catch (...) {
      for (const auto& [round, key] : added) rounds_[round].shares.erase(key);
      for (const ShareRef& s : batch) drop_if_empty(s.round);  // also the round of a failed first insert
      throw;
    }
    return added.size();
  }

  [[nodiscard]] std::vector<std::uint64_t> rounds() const {
    std::vector<std::uint64_t> out;
    out.reserve(rounds_.size());
    for (const auto& [round, data] : rounds_) out.push_back(round);
    return out;
  }

  [[nodiscard]] std::vector<StoredShare> shares_for_round(std::uint64_t round) const {
    std::vector<StoredShare> out;
    const auto it = rounds_.find(round);
    if (it == rounds_.end()) return out;
    out.reserve(it->second.shares.size());
    for (const auto& [key, bytes] : it->second.shares) out.push_back(StoredShare{key.first, round, key.second, bytes});
    return out;
  }

  /// One share, or nothing if it is not stored.
  [[nodiscard]] std::optional<std::vector<std::uint8_t>> share(std::uint64_t client, std::uint64_t round,
                                                               std::uint64_t seq) const {
    const auto it = rounds_.find(round);
    if (it == rounds_.end()) return std::nullopt;
    const auto s = it->second.shares.find(Key{client, seq});
    if (s == it->second.shares.end()) return std::nullopt;
    return s->second;
  }

  [[nodiscard]] std::size_t share_count(std::uint64_t round) const {
    const auto it = rounds_.find(round);
    return it == rounds_.end() ? 0 : it->second.shares.size();
  }

  [[nodiscard]] std::optional<RoundState> round_state(std::uint64_t round) const {
    const auto it = rounds_.find(round);
    if (it == rounds_.end()) return std::nullopt;
    return it->second.state;
  }

  void set_round_state(std::uint64_t round, std::uint32_t status, std::span<const std::uint8_t> data) {
    detail::check_share_size(data.size(), "MemoryStore");
    RoundState st{status, std::vector<std::uint8_t>(data.begin(), data.end())};
    rounds_[round].state = std::move(st);
  }

  std::size_t delete_round(std::uint64_t round) {
    const auto it = rounds_.find(round);
    if (it == rounds_.end()) return 0;
    const std::size_t n = it->second.shares.size();
    rounds_.erase(it);
    return n;
  }

  /// Deletes every round below keep_from (the gateway prunes only final rounds); returns the
  /// shares plus round states deleted.
  std::size_t prune(std::uint64_t keep_from) {
    std::size_t n = 0;
    const auto end = rounds_.lower_bound(keep_from);
    for (auto it = rounds_.begin(); it != end; ++it) n += it->second.shares.size() + (it->second.state ? 1 : 0);
    rounds_.erase(rounds_.begin(), end);
    return n;
  }

 private:
  using Key = std::pair<std::uint64_t, std::uint64_t>;  // (client, seq): the read order
  struct Round {
    std::map<Key, std::vector<std::uint8_t>> shares;
    std::optional<RoundState> state;
  };

  void drop_if_empty(std::uint64_t round) noexcept {
    const auto it = rounds_.find(round);
    if (it != rounds_.end() && it->second.shares.empty() && !it->second.state) rounds_.erase(it);
  }

  // Invariant: every entry has a share or a state, so the keys are rounds().
  std::map<std::uint64_t, Round> rounds_;
};

static_assert(ShareStore<MemoryStore>);

}  // namespace platform
EDGEMPC_END_NAMESPACE
