// SPDX-License-Identifier: Apache-2.0
// The intake (platform/gateway/intake.hpp) in one process, over the in-memory store, with the
// time passed in: every answer code, the order of the checks (nothing about a device's history
// before its MAC), what is held, and a store failure answered `unavailable` with nothing kept.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "edgempc/platform/device/client.hpp"
#include "edgempc/platform/gateway/intake.hpp"
#include "edgempc/platform/gateway/memory_store.hpp"

using namespace edgempc;
using namespace edgempc::platform;

namespace {

/// The in-memory store, with a switch that makes put_shares fail (a full disk).
class FlakyStore : public MemoryStore {
 public:
  bool fail = false;
  std::size_t put_shares(std::span<const ShareRef> batch) {
    if (fail) throw std::runtime_error("FlakyStore: disk full");
    return MemoryStore::put_shares(batch);
  }
};

struct Setup {
  GroupConfig group;
  std::vector<KeyPair> gateway_keys;
  std::vector<KeyPair> client_keys;
  Enrolment enrolment;
  FlakyStore store;
  ThreadPool pool{1};
  Prg prg{Prg::Seed{7}};  // a fixed seed: the same shares every run

  Setup() {
    group.name = "intake";
    group.scheme = SplitScheme::shamir(1, 3);
    for (PartyId g = 0; g < 3; ++g) {
      gateway_keys.push_back(KeyPair::generate());
      group.gateways.push_back({g, "127.0.0.1", static_cast<std::uint16_t>(20000 + 2 * g),
                                static_cast<std::uint16_t>(20001 + 2 * g), gateway_keys.back().public_key()});
    }
    group.channels.push_back({"temperature", 12, -40.0, 125.0, 30.0});
    group.policy.recipients = {0};
    group.round_length = std::chrono::milliseconds(1000);
    group.epoch_ms = 1'000'000;
    for (ClientId i = 0; i < 4; ++i) {
      client_keys.push_back(KeyPair::generate());
      enrolment.add_client(client_keys.back().public_key(), i);
    }
    group.validate();
  }
  std::vector<std::uint8_t> sealed(ClientId c, std::uint32_t round, std::uint32_t seq, double reading = 21.5,
                                   const KeyPair* key = nullptr) {
    DeviceClient d(group, c, key ? *key : client_keys[c]);
    return d.seal(prg, round, seq, std::vector<double>{reading})[0];  // for gateway 0
  }
};

IngestCode one(Intake<FlakyStore>& in, const std::vector<std::uint8_t>& m, std::int64_t now) {
  const std::span<const std::uint8_t> s(m);
  return in.submit(std::span<const std::span<const std::uint8_t>>(&s, 1), now)[0];
}

}  // namespace

TEST_CASE("intake: accepted, replayed, duplicate, forged, not enrolled, malformed, bad shape, not open", "[platform]") {
  Setup s;
  Intake<FlakyStore> in(s.group, 0, s.gateway_keys[0], s.enrolment, s.store, s.pool);
  const std::int64_t now = s.group.epoch_ms + 10;  // inside round 0
  const auto m = s.sealed(0, 0, 0);
  CHECK(one(in, m, now) == IngestCode::accepted);
  CHECK(in.held_count(0) == 1);
  CHECK(s.store.shares_for_round(0).size() == 1);  // stored before the answer
  CHECK(one(in, m, now) == IngestCode::replayed);
  CHECK(one(in, s.sealed(0, 0, 1), now) == IngestCode::duplicate);
  // Another key under client 0's id: forged, never replayed or duplicate (the MAC comes first).
  const KeyPair stranger = KeyPair::generate();
  CHECK(one(in, s.sealed(0, 0, 0, 21.5, &stranger), now) == IngestCode::forged);
  CHECK(one(in, s.sealed(0, 0, 1, 21.5, &stranger), now) == IngestCode::forged);
  CHECK(one(in, s.sealed(9, 0, 0, 21.5, &stranger), now) == IngestCode::not_enrolled);
  auto altered = s.sealed(1, 0, 0);
  altered.back() ^= 1;
  CHECK(one(in, altered, now) == IngestCode::forged);
  CHECK(one(in, std::vector<std::uint8_t>(10, 0), now) == IngestCode::malformed);
  CHECK(one(in, s.sealed(1, 2, 0), now) == IngestCode::round_not_open);  // two rounds ahead
  CHECK(one(in, s.sealed(1, 1, 0), now) == IngestCode::accepted);        // one round ahead: skew
  CHECK(one(in, s.sealed(1, 0, 1), now) == IngestCode::stale);           // below its accepted (1, 0)
  CHECK(in.held_count(0) == 1);
  CHECK(in.held_count(1) == 1);
}

TEST_CASE("intake: a batch is answered in order, and a client twice in one batch is held once", "[platform]") {
  Setup s;
  Intake<FlakyStore> in(s.group, 0, s.gateway_keys[0], s.enrolment, s.store, s.pool);
  const auto a = s.sealed(2, 0, 0), b = s.sealed(2, 0, 1), c = s.sealed(3, 0, 0);
  const std::vector<std::span<const std::uint8_t>> batch{a, a, b, c, std::span<const std::uint8_t>(a).first(5)};
  const auto codes = in.submit(batch, s.group.epoch_ms);
  CHECK(codes == std::vector<IngestCode>{IngestCode::accepted, IngestCode::replayed, IngestCode::duplicate,
                                         IngestCode::accepted, IngestCode::malformed});
  CHECK(in.held(0).size() == 2);
  CHECK(s.store.shares_for_round(0).size() == 2);
}

TEST_CASE("intake: closed, early-round and pruned rounds are refused as closed", "[platform]") {
  Setup s;
  Intake<FlakyStore> in(s.group, 0, s.gateway_keys[0], s.enrolment, s.store, s.pool);
  in.set_start_round(3);
  const std::int64_t in_round_3 = s.group.epoch_ms + 3 * 1000 + 5;
  CHECK(one(in, s.sealed(0, 2, 0), in_round_3) == IngestCode::round_closed);  // before the start, after its close
  CHECK(one(in, s.sealed(0, 3, 0), in_round_3) == IngestCode::accepted);
  in.close(3);
  CHECK(in.closed(3));
  CHECK(one(in, s.sealed(1, 3, 0), in_round_3) == IngestCode::round_closed);
  CHECK(in.held_count(3) == 1);  // fixed
  CHECK(one(in, s.sealed(1, 4, 0), in_round_3) == IngestCode::accepted);
  in.release(3);
  CHECK(in.held_count(3) == 0);
  in.prune_below(5);
  CHECK(in.pruned_below() == 5);
  CHECK(in.held_count(4) == 0);
  CHECK(one(in, s.sealed(2, 4, 0), s.group.epoch_ms + 4 * 1000) == IngestCode::round_closed);
}

TEST_CASE("intake: a store failure answers unavailable, keeps nothing, and a retry is not a replay", "[platform]") {
  Setup s;
  Intake<FlakyStore> in(s.group, 0, s.gateway_keys[0], s.enrolment, s.store, s.pool);
  const auto m = s.sealed(0, 0, 0);
  s.store.fail = true;
  CHECK(one(in, m, s.group.epoch_ms) == IngestCode::unavailable);
  CHECK(in.held_count(0) == 0);
  s.store.fail = false;
  CHECK(one(in, m, s.group.epoch_ms) == IngestCode::accepted);  // the same bytes, now stored
  CHECK(in.held_count(0) == 1);
}

TEST_CASE("intake: restore takes back stored shares with their replay state", "[platform]") {
  Setup s;
  Intake<FlakyStore> in(s.group, 0, s.gateway_keys[0], s.enrolment, s.store, s.pool);
  const auto m = s.sealed(0, 0, 4);
  CHECK(one(in, m, s.group.epoch_ms) == IngestCode::accepted);
  // A new intake over the same store, as after a restart.
  Intake<FlakyStore> again(s.group, 0, s.gateway_keys[0], s.enrolment, s.store, s.pool);
  for (const auto& st : s.store.shares_for_round(0))
    again.restore(0, static_cast<ClientId>(st.client), static_cast<std::uint32_t>(st.seq),
                  wire::decode<Mersenne61>(st.share, st.share.size() / 8));
  CHECK(again.held_count(0) == 1);
  CHECK(again.held(0).at(0) == in.held(0).at(0));
  CHECK(one(again, m, s.group.epoch_ms) == IngestCode::replayed);
  CHECK(one(again, s.sealed(0, 0, 5), s.group.epoch_ms) == IngestCode::duplicate);
}
