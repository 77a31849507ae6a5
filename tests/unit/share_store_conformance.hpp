// SPDX-License-Identifier: Apache-2.0
// The conformance suite every ShareStore (platform/gateway/share_store.hpp) passes, whatever
// keeps its rows: empty stores, put semantics (the first bytes stay, replays and duplicates in
// a batch are not counted), unsigned order, the size limit, round states, delete_round, prune
// at its edges (0, 2^63, 2^64-1), and random operations from a fixed seed checked against a
// plain std::map model after each step.
//
// Use: test::share_store_conformance(factory), where factory() returns a fresh, empty store
// (each SECTION asks for its own).
#pragma once

#include <catch2/catch.hpp>

#include <edgempc/core/prg.hpp>
#include <edgempc/error.hpp>
#include <edgempc/platform/gateway/share_store.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <type_traits>
#include <vector>

namespace test {

namespace store_conformance {

using edgempc::platform::RoundState;
using edgempc::platform::ShareRef;
using edgempc::platform::StoredShare;
using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint64_t top = std::uint64_t{1} << 63;
inline constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();

/// Bytes that depend on (client, round, seq, tag), so that a swapped or replaced share shows.
inline Bytes blob(std::uint64_t client, std::uint64_t round, std::uint64_t seq, std::size_t size,
                  std::uint64_t tag = 0) {
  Bytes b(size);
  std::uint64_t x = client * 0x9E3779B97F4A7C15ull ^ round * 0xC2B2AE3D27D4EB4Full ^ seq * 0x165667B19E3779F9ull ^ tag;
  for (auto& c : b) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    c = static_cast<std::uint8_t>(x >> 56);
  }
  return b;
}

/// The model: what every ShareStore must hold, in two std::maps.
struct Reference {
  std::map<std::tuple<std::uint64_t, std::uint64_t, std::uint64_t>, Bytes> shares;  // (round, client, seq)
  std::map<std::uint64_t, RoundState> states;

  std::size_t put_shares(std::span<const ShareRef> batch) {
    std::size_t added = 0;
    for (const ShareRef& s : batch)
      if (shares.try_emplace({s.round, s.client, s.seq}, s.share.begin(), s.share.end()).second) ++added;
    return added;
  }
  [[nodiscard]] std::vector<std::uint64_t> rounds() const {
    std::vector<std::uint64_t> out;
    for (const auto& [key, bytes] : shares)
      if (out.empty() || out.back() != std::get<0>(key)) out.push_back(std::get<0>(key));
    for (const auto& [round, st] : states) out.push_back(round);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  [[nodiscard]] std::vector<StoredShare> shares_for_round(std::uint64_t round) const {
    std::vector<StoredShare> out;
    for (auto it = shares.lower_bound({round, 0, 0}); it != shares.end() && std::get<0>(it->first) == round; ++it)
      out.push_back({std::get<1>(it->first), round, std::get<2>(it->first), it->second});
    return out;
  }
  [[nodiscard]] std::optional<RoundState> round_state(std::uint64_t round) const {
    const auto it = states.find(round);
    if (it == states.end()) return std::nullopt;
    return it->second;
  }
  std::size_t delete_round(std::uint64_t round) {
    const std::size_t n = shares_for_round(round).size();
    std::erase_if(shares, [&](const auto& kv) { return std::get<0>(kv.first) == round; });
    states.erase(round);
    return n;
  }
  std::size_t prune(std::uint64_t keep_from) {
    const std::size_t n = std::erase_if(shares, [&](const auto& kv) { return std::get<0>(kv.first) < keep_from; });
    return n + std::erase_if(states, [&](const auto& kv) { return kv.first < keep_from; });
  }
};

template <class S>
void require_same(S& store, const Reference& ref) {
  const auto rounds = ref.rounds();
  REQUIRE(store.rounds() == rounds);
  for (const std::uint64_t r : rounds) {
    INFO("round " << r);
    REQUIRE(store.shares_for_round(r) == ref.shares_for_round(r));
    REQUIRE(store.round_state(r) == ref.round_state(r));
  }
}

template <class F>
void require_errc(edgempc::errc code, F&& f) {
  try {
    f();
  } catch (const edgempc::error& e) {
    REQUIRE(e.code() == edgempc::make_error_code(code));
    return;
  }
  FAIL("no edgempc::error thrown");
}

}  // namespace store_conformance

template <class Factory>
void share_store_conformance(Factory make) {
  namespace sc = store_conformance;
  using sc::Bytes;
  using sc::RoundState;
  using sc::ShareRef;
  using S = std::decay_t<std::invoke_result_t<Factory&>>;
  static_assert(edgempc::platform::ShareStore<S>);
  const Bytes none;

  SECTION("an empty store holds nothing, and deleting or pruning nothing is not an error") {
    S store = make();
    CHECK(store.rounds().empty());
    CHECK(store.shares_for_round(0).empty());
    CHECK(store.shares_for_round(sc::max).empty());
    CHECK_FALSE(store.round_state(0).has_value());
    CHECK(store.put_shares({}) == 0);
    CHECK(store.delete_round(3) == 0);
    CHECK(store.prune(0) == 0);
    CHECK(store.prune(sc::max) == 0);
    CHECK(store.rounds().empty());
  }

  SECTION("put: the first bytes stay; replays and duplicates in a batch are not counted") {
    S store = make();
    const Bytes a = sc::blob(1, 2, 3, 16, 1), b = sc::blob(1, 2, 3, 16, 2), c = sc::blob(2, 2, 0, 0);
    const ShareRef first[] = {{1, 2, 3, a}};
    CHECK(store.put_shares(first) == 1);
    const ShareRef replay[] = {{1, 2, 3, b}, {2, 2, 0, c}, {2, 2, 0, a}, {1, 2, 3, a}};
    CHECK(store.put_shares(replay) == 1);  // only (2, 2, 0) is new; its first bytes (empty) stay
    const auto got = store.shares_for_round(2);
    REQUIRE(got.size() == 2);
    CHECK(got[0] == edgempc::platform::StoredShare{1, 2, 3, a});
    CHECK(got[1] == edgempc::platform::StoredShare{2, 2, 0, c});
    CHECK(store.put_shares(replay) == 0);
    CHECK(store.rounds() == std::vector<std::uint64_t>{2});
  }

  SECTION("shares are per round and ordered by (client, seq) in unsigned order") {
    S store = make();
    std::vector<Bytes> blobs;
    std::vector<ShareRef> batch;
    const std::uint64_t clients[] = {sc::max, 7, sc::top, 0, sc::top - 1};
    const std::uint64_t rounds[] = {sc::max, 1, sc::top};
    for (const auto r : rounds)
      for (const auto c : clients)
        for (const std::uint64_t seq : {sc::max, std::uint64_t{0}, sc::top}) blobs.push_back(sc::blob(c, r, seq, 8));
    std::size_t i = 0;
    for (const auto r : rounds)
      for (const auto c : clients)
        for (const std::uint64_t seq : {sc::max, std::uint64_t{0}, sc::top}) batch.push_back({c, r, seq, blobs[i++]});
    REQUIRE(store.put_shares(batch) == batch.size());
    sc::Reference ref;
    ref.put_shares(batch);
    CHECK(store.rounds() == std::vector<std::uint64_t>{1, sc::top, sc::max});
    sc::require_same(store, ref);
  }

  SECTION("a blob above max_share_size is refused, and nothing of its batch is stored") {
    S store = make();
    const Bytes largest(edgempc::platform::max_share_size, 0x5a), huge(edgempc::platform::max_share_size + 1);
    const Bytes small = sc::blob(1, 1, 0, 4);
    const ShareRef bad[] = {{1, 1, 0, small}, {2, 1, 0, huge}};
    sc::require_errc(edgempc::errc::message_too_large, [&] { (void)store.put_shares(bad); });
    CHECK(store.rounds().empty());
    sc::require_errc(edgempc::errc::message_too_large, [&] { store.set_round_state(1, 1, huge); });
    CHECK_FALSE(store.round_state(1).has_value());
    const ShareRef ok[] = {{2, 1, 0, largest}};
    CHECK(store.put_shares(ok) == 1);  // the limit itself is accepted
    store.set_round_state(1, 1, largest);
    CHECK(store.shares_for_round(1).at(0).share == largest);
    CHECK(store.round_state(1)->data == largest);
  }

  SECTION("round states: set, replace, empty data, and a state alone makes a round") {
    S store = make();
    store.set_round_state(5, 1, Bytes{1, 2, 3});
    CHECK(store.round_state(5) == RoundState{1, {1, 2, 3}});
    CHECK(store.rounds() == std::vector<std::uint64_t>{5});
    CHECK(store.shares_for_round(5).empty());
    store.set_round_state(5, std::numeric_limits<std::uint32_t>::max(), none);
    CHECK(store.round_state(5) == RoundState{std::numeric_limits<std::uint32_t>::max(), {}});
    store.set_round_state(sc::max, 0, Bytes{9});
    CHECK(store.round_state(sc::max) == RoundState{0, {9}});
    CHECK_FALSE(store.round_state(4).has_value());
    CHECK(store.rounds() == std::vector<std::uint64_t>{5, sc::max});
  }

  SECTION("delete_round removes one round's shares and state, and counts the shares") {
    S store = make();
    const Bytes x = sc::blob(0, 0, 0, 12);
    const ShareRef batch[] = {{1, 1, 0, x}, {2, 1, 0, x}, {1, 2, 0, x}, {1, 1, 1, x}};
    REQUIRE(store.put_shares(batch) == 4);
    store.set_round_state(1, 2, x);
    store.set_round_state(3, 2, x);
    CHECK(store.delete_round(1) == 3);
    CHECK(store.shares_for_round(1).empty());
    CHECK_FALSE(store.round_state(1).has_value());
    CHECK(store.delete_round(1) == 0);
    CHECK(store.delete_round(3) == 0);  // a state alone: deleted, no share counted
    CHECK(store.rounds() == std::vector<std::uint64_t>{2});
    CHECK(store.shares_for_round(2).size() == 1);
    // A deleted round can be filled again: nothing of it lingers as a "replay".
    CHECK(store.put_shares(std::span(batch).first(1)) == 1);
  }

  SECTION("prune deletes every round below keep_from, unsigned, and counts shares plus states") {
    S store = make();
    const Bytes x = sc::blob(0, 0, 0, 12);
    const std::uint64_t rounds[] = {0, 1, 2, 9, sc::top - 1, sc::top, sc::top + 1, sc::max};
    std::vector<ShareRef> batch;
    for (const auto r : rounds) {
      batch.push_back({1, r, 0, x});
      batch.push_back({2, r, 0, x});
    }
    REQUIRE(store.put_shares(batch) == batch.size());
    for (const auto r : rounds) store.set_round_state(r, 1, x);
    store.set_round_state(20, 1, x);  // a state alone
    CHECK(store.prune(0) == 0);
    CHECK(store.prune(1) == 3);       // round 0: 2 shares + 1 state
    CHECK(store.prune(1) == 0);       // idempotent
    CHECK(store.prune(9) == 6);       // rounds 1 and 2, not 9
    CHECK(store.rounds() == std::vector<std::uint64_t>{9, 20, sc::top - 1, sc::top, sc::top + 1, sc::max});
    CHECK(store.prune(sc::top) == 3 + 1 + 3);  // 9, 20 (state only), 2^63 - 1
    CHECK(store.prune(sc::top + 1) == 3);      // 2^63: a signed store's most negative value
    CHECK(store.prune(sc::max) == 3);          // 2^63 + 1, not 2^64 - 1
    CHECK(store.rounds() == std::vector<std::uint64_t>{sc::max});
    CHECK(store.shares_for_round(sc::max).size() == 2);
    CHECK(store.round_state(sc::max).has_value());
  }

  SECTION("random operations from a fixed seed agree with a std::map reference") {
    S store = make();
    sc::Reference ref;
    edgempc::Prg::Seed seed{};
    for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<std::uint8_t>(i * 11 + 5);
    edgempc::Prg prg(seed, edgempc::PrgAlgorithm::chacha20);
    const auto pick = [&](std::uint64_t n) { return prg.next_u64() % n; };
    // Few distinct values, so that duplicates, replays and refills are frequent; both sides of
    // 2^63, where a store of signed integers orders differently.
    const std::uint64_t rounds[] = {0, 1, 2, 3, 4, 5, sc::top - 1, sc::top, sc::top + 2, sc::max};
    const std::uint64_t clients[] = {0, 1, 2, 3, sc::top, sc::max};
    std::vector<Bytes> blobs;
    std::vector<ShareRef> batch;
    constexpr int steps = 300;
    for (int step = 0; step < steps; ++step) {
      INFO("step " << step);
      const std::uint64_t op = pick(20);
      const std::uint64_t r = rounds[pick(std::size(rounds))];
      if (op < 12) {
        const std::size_t n = pick(13);
        blobs.clear();
        batch.clear();
        for (std::size_t i = 0; i < n; ++i) {
          blobs.push_back(Bytes(pick(41)));
          prg.fill(blobs.back());
        }
        for (std::size_t i = 0; i < n; ++i)
          batch.push_back({clients[pick(std::size(clients))], rounds[pick(std::size(rounds))], pick(4), blobs[i]});
        REQUIRE(store.put_shares(batch) == ref.put_shares(batch));
      } else if (op < 16) {
        Bytes data(pick(9));
        prg.fill(data);
        const auto status = static_cast<std::uint32_t>(prg.next_u64());
        store.set_round_state(r, status, data);
        ref.states[r] = RoundState{status, data};
      } else if (op < 19) {
        REQUIRE(store.delete_round(r) == ref.delete_round(r));
      } else {
        const std::uint64_t keep_from = pick(2) == 0 ? r : r + 1;  // r + 1 wraps to 0 for 2^64 - 1
        REQUIRE(store.prune(keep_from) == ref.prune(keep_from));
      }
      if (step % 10 == 9) sc::require_same(store, ref);
    }
    sc::require_same(store, ref);
  }
}

}  // namespace test
