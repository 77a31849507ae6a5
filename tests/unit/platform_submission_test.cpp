// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/platform/enrolment.hpp>
#include <edgempc/platform/device/client.hpp>
#include <edgempc/platform/submission.hpp>
#include <edgempc/platform/thread_pool.hpp>

#include <array>
#include <random>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "protocol_harness.hpp"

using edgempc::platform::ClientId;
using edgempc::platform::ClientSealer;
using edgempc::platform::Enrolment;
using edgempc::errc;
using edgempc::error;
using edgempc::FixedPoint;
using edgempc::platform::GatewayOpener;
using edgempc::KeyPair;
using edgempc::Mersenne61;
using edgempc::platform::Contents;
using edgempc::PublicKey;
using edgempc::platform::SplitScheme;
using edgempc::Z2k;
using test::has_code;

namespace {

KeyPair key(std::uint8_t tag) {
  std::array<std::uint8_t, 32> s{};
  s.fill(tag);
  s[31] = 0x42;
  return KeyPair::from_secret(s);
}

// n gateways, each with its own registry and opener, and clients enrolled in the same order.
struct Group {
  std::vector<KeyPair> gateway_keys;
  std::vector<PublicKey> gateway_public;
  std::vector<Enrolment> enrolments;
  std::vector<GatewayOpener> openers;

  explicit Group(std::size_t n) : enrolments(n) {
    for (std::size_t g = 0; g < n; ++g) {
      gateway_keys.push_back(key(static_cast<std::uint8_t>(100 + g)));
      gateway_public.push_back(gateway_keys.back().public_key());
    }
    for (std::size_t g = 0; g < n; ++g)
      openers.emplace_back(gateway_keys[g], static_cast<std::uint32_t>(g), enrolments[g]);
  }
  ClientId enrol(const KeyPair& client) {
    const ClientId id = enrolments[0].add_client(client.public_key());
    for (std::size_t g = 1; g < enrolments.size(); ++g) enrolments[g].add_client(client.public_key(), id);
    return id;
  }
};

std::filesystem::path scratch_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("edgempc_platform_submission_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace

TEST_CASE("submission: exact sizes on the wire", "[platform]") {
  STATIC_REQUIRE(edgempc::platform::submission_size<Mersenne61>(1) == 36);
  STATIC_REQUIRE(edgempc::platform::submission_size<Mersenne61>(64) == 540);
  STATIC_REQUIRE(edgempc::platform::submission_size<Z2k<64>>(64) == 540);
  STATIC_REQUIRE(edgempc::platform::submission_size<Z2k<32>>(1) == 32);

  Group group(3);
  const KeyPair client = key(1);
  const ClientId id = group.enrol(client);
  ClientSealer sealer(client, id, group.gateway_public);
  auto prg = test::seeded(1);

  const std::array<double, 1> one{21.5};
  const auto single = edgempc::platform::make_submissions<Mersenne61>(sealer, prg, 1, 0, one, FixedPoint<Mersenne61>(16),
                                                            SplitScheme::additive(3));
  REQUIRE(single.size() == 3);
  for (const auto& m : single) {
    CHECK(m.size() == 36);
    CHECK(m.size() <= 48);
  }

  std::vector<double> batch(64);
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i] = 18.0 + 0.125 * static_cast<double>(i);
  const auto batched = edgempc::platform::make_submissions<Mersenne61>(sealer, prg, 1, 1, batch, FixedPoint<Mersenne61>(16),
                                                             SplitScheme::additive(3));
  for (const auto& m : batched) {
    CHECK(m.size() == 540);
    CHECK(m.size() <= 9 * 64);
  }
  // 32 readings with their squares are 64 elements: the same message size.
  const auto with_squares =
      edgempc::platform::make_submissions<Mersenne61>(sealer, prg, 1, 2, std::span(batch).first(32), FixedPoint<Mersenne61>(16),
                                            SplitScheme::additive(3), Contents::values_and_squares);
  CHECK(with_squares[0].size() == 540);
}

TEST_CASE("submission: additive round trip reconstructs the readings", "[platform]") {
  Group group(3);
  const KeyPair client = key(2);
  const ClientId id = group.enrol(client);
  ClientSealer sealer(client, id, group.gateway_public);
  auto prg = test::seeded(2);
  const FixedPoint<Z2k<64>> format(16);
  const std::vector<double> readings{21.25, -3.5, 0.0, 99.875};
  const auto messages = edgempc::platform::make_submissions<Z2k<64>>(sealer, prg, 7, 3, readings, format,
                                                           SplitScheme::additive(3), Contents::values_and_squares);
  std::vector<std::vector<Z2k<64>>> shares;
  for (std::size_t g = 0; g < 3; ++g) {
    const auto s = group.openers[g].open<Z2k<64>>(messages[g]);
    CHECK(s.client == id);
    CHECK(s.round == 7);
    CHECK(s.seq == 3);
    REQUIRE(s.shares.size() == 2 * readings.size());
    shares.push_back(s.shares);
  }
  CHECK(shares[0] != shares[1]);  // the gateways hold different (random) shares
  const auto secrets = edgempc::reconstruct_additive<Z2k<64>>(shares);
  for (std::size_t i = 0; i < readings.size(); ++i) {
    CHECK(format.decode(secrets[i]) == readings[i]);
    // The square is X^2 exactly: twice the fraction bits.
    CHECK(secrets[readings.size() + i] == secrets[i] * secrets[i]);
    CHECK(FixedPoint<Z2k<64>>(32).decode(secrets[readings.size() + i]) == readings[i] * readings[i]);
  }
}

TEST_CASE("submission: Shamir round trip, any t + 1 gateways reconstruct", "[platform]") {
  Group group(3);
  const KeyPair client = key(3);
  const ClientId id = group.enrol(client);
  ClientSealer sealer(client, id, group.gateway_public);
  auto prg = test::seeded(3);
  const FixedPoint<Mersenne61> format(20);
  std::vector<double> readings(64);
  for (std::size_t i = 0; i < readings.size(); ++i) readings[i] = -40.0 + 1.5 * static_cast<double>(i);
  const auto messages =
      edgempc::platform::make_submissions<Mersenne61>(sealer, prg, 1, 0, readings, format, SplitScheme::shamir(1, 3));
  std::vector<std::vector<Mersenne61>> shares;
  for (std::size_t g = 0; g < 3; ++g) shares.push_back(group.openers[g].open<Mersenne61>(messages[g]).shares);
  const edgempc::Shamir scheme(3, 1);
  for (const auto& holders : std::vector<std::vector<edgempc::PartyId>>{{0, 1}, {1, 2}, {2, 0}, {0, 1, 2}}) {
    std::vector<std::vector<Mersenne61>> subset;
    for (const auto h : holders) subset.push_back(shares[h]);
    const auto secrets = edgempc::Reconstruction(scheme, holders)(subset);
    for (std::size_t i = 0; i < readings.size(); ++i) CHECK(format.decode(secrets[i]) == readings[i]);
  }
  // Shamir over a ring is refused, not silently done additively.
  ClientSealer ring_sealer(client, id, group.gateway_public);
  CHECK_THROWS_MATCHES(edgempc::platform::make_submissions<Z2k<64>>(ring_sealer, prg, 1, 0, readings, FixedPoint<Z2k<64>>(16),
                                                          SplitScheme::shamir(1, 3)),
                       error, has_code(errc::invalid_argument));
}

TEST_CASE("submission: unenrolled and removed clients are rejected", "[platform]") {
  Group group(1);
  const KeyPair stranger = key(4);
  ClientSealer sealer(stranger, 0, group.gateway_public);
  const std::array<Mersenne61, 1> x{Mersenne61::from_int(5)};
  CHECK_THROWS_MATCHES(group.openers[0].open<Mersenne61>(sealer.seal<Mersenne61>(0, 1, 0, x)), error,
                       has_code(errc::not_enrolled));

  const KeyPair member = key(5);
  const ClientId id = group.enrol(member);
  ClientSealer member_sealer(member, id, group.gateway_public);
  CHECK(group.openers[0].open<Mersenne61>(member_sealer.seal<Mersenne61>(0, 1, 0, x)).shares[0] == x[0]);
  CHECK(group.enrolments[0].remove_client(member.public_key()));
  CHECK_FALSE(group.enrolments[0].is_enrolled(id));
  CHECK_THROWS_MATCHES(group.openers[0].open<Mersenne61>(member_sealer.seal<Mersenne61>(0, 1, 1, x)), error,
                       has_code(errc::not_enrolled));
  // Re-enrolled, the key gets a new id: messages under the retired id stay rejected.
  const ClientId again = group.enrolments[0].add_client(member.public_key());
  CHECK(again != id);
  CHECK_THROWS_MATCHES(group.openers[0].open<Mersenne61>(member_sealer.seal<Mersenne61>(0, 1, 2, x)), error,
                       has_code(errc::not_enrolled));
  ClientSealer renewed(member, again, group.gateway_public);
  CHECK(group.openers[0].open<Mersenne61>(renewed.seal<Mersenne61>(0, 1, 3, x)).client == again);
}

TEST_CASE("submission: forgeries are rejected", "[platform]") {
  Group group(2);
  const KeyPair client = key(6);
  const KeyPair impostor = key(7);
  const ClientId id = group.enrol(client);
  const ClientId other = group.enrol(key(8));
  ClientSealer sealer(client, id, group.gateway_public);
  std::vector<Mersenne61> x(5);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = Mersenne61::from_int(static_cast<std::int64_t>(i) - 2);

  SECTION("a key that is not the enrolled one") {
    ClientSealer forger(impostor, id, group.gateway_public);
    CHECK_THROWS_MATCHES(group.openers[0].open<Mersenne61>(forger.seal<Mersenne61>(0, 1, 0, x)), error,
                         has_code(errc::authentication_failed));
  }
  SECTION("a genuine message under another client's id") {
    auto m = sealer.seal<Mersenne61>(0, 1, 0, x);
    edgempc::detail::store_le<std::uint32_t>(m.data(), other);
    CHECK_THROWS_MATCHES(group.openers[0].open<Mersenne61>(m), error, has_code(errc::authentication_failed));
  }
  SECTION("any flipped bit") {
    const auto m = sealer.seal<Mersenne61>(0, 1, 0, x);
    for (std::size_t i = 0; i < m.size(); ++i) {
      for (const std::uint8_t bit : {std::uint8_t{0x01}, std::uint8_t{0x80}}) {
        auto bad = m;
        bad[i] ^= bit;
        // Flipping a client-id bit may name a client that is not enrolled; that is a rejection too.
        try {
          (void)group.openers[0].open<Mersenne61>(bad);
          FAIL("byte " << i << " flipped and the message still opened");
        } catch (const error& e) {
          CHECK((e.code() == errc::authentication_failed || e.code() == errc::not_enrolled));
        }
      }
    }
    CHECK(group.openers[0].open<Mersenne61>(m).shares == x);  // the failures left no trace
  }
  SECTION("sealed for another gateway, or read as another domain") {
    const auto for_gateway_1 = sealer.seal<Mersenne61>(1, 1, 0, x);
    CHECK_THROWS_MATCHES(group.openers[0].open<Mersenne61>(for_gateway_1), error,
                         has_code(errc::authentication_failed));
    CHECK_THROWS_MATCHES(group.openers[1].open<Z2k<64>>(for_gateway_1), error, has_code(errc::authentication_failed));
    CHECK(group.openers[1].open<Mersenne61>(for_gateway_1).shares == x);
  }
}

TEST_CASE("submission: replays and stale messages are rejected", "[platform]") {
  Group group(1);
  const KeyPair client = key(9);
  const ClientId id = group.enrol(client);
  ClientSealer sealer(client, id, group.gateway_public);
  const std::array<Mersenne61, 1> x{Mersenne61::from_int(1)};
  auto& opener = group.openers[0];
  auto& enrolment = group.enrolments[0];

  const auto r2s5 = sealer.seal<Mersenne61>(0, 2, 5, x);
  (void)opener.open<Mersenne61>(r2s5);
  CHECK_THROWS_MATCHES(opener.open<Mersenne61>(r2s5), error, has_code(errc::protocol_violation));

  // An older message that was never delivered is stale once a newer one was accepted.
  ClientSealer other_device_state(client, id, group.gateway_public);
  CHECK_THROWS_MATCHES(opener.open<Mersenne61>(other_device_state.seal<Mersenne61>(0, 2, 4, x)), error,
                       has_code(errc::protocol_violation));
  ClientSealer older_state(client, id, group.gateway_public);
  CHECK_THROWS_MATCHES(opener.open<Mersenne61>(older_state.seal<Mersenne61>(0, 1, 9, x)), error,
                       has_code(errc::protocol_violation));
  const auto r3s0 = sealer.seal<Mersenne61>(0, 3, 0, x);
  CHECK(opener.open<Mersenne61>(r3s0).round == 3);

  // After a restart the replay state is gone; closing the finished rounds keeps them closed.
  enrolment.reset_replay();
  enrolment.close_rounds_before(3);
  CHECK_THROWS_MATCHES(opener.open<Mersenne61>(r2s5), error, has_code(errc::protocol_violation));
  CHECK_FALSE(enrolment.is_fresh(id, 2, 100));
  CHECK(enrolment.is_fresh(id, 3, 0));

  // The sealer refuses to reuse a nonce.
  CHECK_THROWS_MATCHES(sealer.seal<Mersenne61>(0, 3, 0, x), error, has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(sealer.seal<Mersenne61>(0, 2, 7, x), error, has_code(errc::invalid_argument));
}

TEST_CASE("submission: truncated and malformed messages are rejected", "[platform]") {
  Group group(1);
  const KeyPair client = key(10);
  const ClientId id = group.enrol(client);
  ClientSealer sealer(client, id, group.gateway_public);
  std::vector<Mersenne61> x(64, Mersenne61::from_int(3));
  const auto m = sealer.seal<Mersenne61>(0, 1, 0, x);
  for (std::size_t n = 0; n < m.size(); ++n) {
    const std::span<const std::uint8_t> cut(m.data(), n);
    try {
      (void)group.openers[0].open<Mersenne61>(cut);
      FAIL("a message cut to " << n << " bytes opened");
    } catch (const error& e) {
      // A cut at an element boundary is well formed but the tag no longer matches.
      const bool boundary = n >= 36 && (n - 28) % 8 == 0;
      CHECK(e.code() == (boundary ? errc::authentication_failed : errc::malformed_message));
    }
  }
  auto longer = m;  // a length that says one element more than a submission may carry
  longer.resize(m.size() + 8 * (edgempc::platform::submission_max_batch + 1 - x.size()));
  CHECK_THROWS_MATCHES(group.openers[0].open<Mersenne61>(longer), error, has_code(errc::malformed_message));
  std::vector<Mersenne61> too_many(edgempc::platform::submission_max_batch + 1);
  CHECK_THROWS_MATCHES(sealer.seal<Mersenne61>(0, 1, 1, too_many), error, has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(sealer.seal<Mersenne61>(0, 1, 1, std::span<const Mersenne61>()), error,
                       has_code(errc::invalid_argument));
  CHECK(group.openers[0].open<Mersenne61>(m).shares == x);
}

TEST_CASE("enrolment: ids, lookup, removal", "[platform]") {
  Enrolment e;
  const PublicKey a = key(20).public_key();
  const PublicKey b = key(21).public_key();
  CHECK(e.add_client(a) == 0);
  CHECK(e.add_client(b) == 1);
  CHECK(e.add_client(a) == 0);  // idempotent
  CHECK(e.lookup(b) == std::optional<ClientId>(1));
  CHECK(e.lookup(ClientId{0}) == a);
  CHECK_THROWS_MATCHES(e.lookup(ClientId{7}), error, has_code(errc::not_enrolled));
  CHECK_THROWS_MATCHES(e.add_client(b, 5), error, has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(e.add_client(key(22).public_key(), 0), error, has_code(errc::invalid_argument));
  CHECK(e.remove_client(ClientId{0}));
  CHECK_FALSE(e.remove_client(ClientId{0}));
  CHECK_FALSE(e.is_enrolled(a));
  CHECK(e.add_client(a) == 2);  // ids are not reused
  e.add_client(key(23).public_key(), 10);
  CHECK(e.next_id() == 11);
  CHECK(e.size() == 3);
}

TEST_CASE("enrolment: save and load, corruption, atomic replace", "[platform]") {
  const auto dir = scratch_dir("enrolment");
  const auto path = dir / "clients.enrolment";
  Enrolment e;
  for (std::uint8_t i = 0; i < 5; ++i) e.add_client(key(static_cast<std::uint8_t>(30 + i)).public_key());
  e.remove_client(ClientId{2});
  e.save(path);
  CHECK_FALSE(std::filesystem::exists(dir / "clients.enrolment.tmp"));

  const Enrolment loaded = Enrolment::load(path);
  CHECK(loaded.size() == 4);
  CHECK(loaded.next_id() == 5);
  CHECK_FALSE(loaded.is_enrolled(ClientId{2}));
  for (const ClientId id : {0u, 1u, 3u, 4u}) CHECK(loaded.lookup(id) == e.lookup(id));
  CHECK(loaded.serialize() == e.serialize());

  const std::string text = read_all(path);
  SECTION("every truncation is refused") {
    for (std::size_t n = 0; n < text.size(); ++n) {
      write_all(path, text.substr(0, n));
      CHECK_THROWS_MATCHES(Enrolment::load(path), error, has_code(errc::malformed_message));
    }
  }
  SECTION("a changed byte is refused, with a message that says so") {
    std::string bad = text;
    bad[text.find('\n') + 6] ^= 0x01;  // inside "next N"
    write_all(path, bad);
    try {
      (void)Enrolment::load(path);
      FAIL("a corrupt file loaded");
    } catch (const error& err) {
      CHECK(err.code() == errc::malformed_message);
      CHECK(std::string(err.what()).find("corrupt") != std::string::npos);
    }
  }
  SECTION("a well-checksummed but invalid file is refused") {
    std::string body = "edgempc enrolment v1\nnext 1\n3 " + std::string(64, 'a') + "\n";
    const auto d = edgempc::platform::detail::enrolment_digest(body);
    write_all(path, body + "end " + edgempc::detail::to_hex(d) + "\n");
    CHECK_THROWS_MATCHES(Enrolment::load(path), error, has_code(errc::malformed_message));
  }
  SECTION("a missing file is not a malformed one") {
    CHECK_THROWS_MATCHES(Enrolment::load(dir / "absent"), error, has_code(errc::invalid_argument));
  }
  SECTION("saving replaces the file whole, even over a stale temporary from a crash") {
    write_all(dir / "clients.enrolment.tmp", "half-written garbage");
    CHECK(Enrolment::load(path).size() == 4);  // the stale temporary does not affect the file
    Enrolment bigger = Enrolment::load(path);
    bigger.add_client(key(40).public_key());
    bigger.save(path);
    CHECK(Enrolment::load(path).size() == 5);
    CHECK_FALSE(std::filesystem::exists(dir / "clients.enrolment.tmp"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("submission: an opener follows the registry it reads", "[platform]") {
  Group group(1);
  const KeyPair client = key(11);
  const ClientId id = group.enrol(client);
  ClientSealer sealer(client, id, group.gateway_public);
  const std::array<Mersenne61, 1> x{Mersenne61::from_int(-9)};
  CHECK(group.openers[0].open<Mersenne61>(sealer.seal<Mersenne61>(0, 1, 0, x)).shares[0].to_int() == -9);
  // The same id now names another key (an operator re-assigned it): the cached key must not be used.
  group.enrolments[0].remove_client(id);
  const KeyPair replacement = key(12);
  group.enrolments[0].add_client(replacement.public_key(), id);
  CHECK_THROWS_MATCHES(group.openers[0].open<Mersenne61>(sealer.seal<Mersenne61>(0, 1, 1, x)), error,
                       has_code(errc::authentication_failed));
  ClientSealer new_sealer(replacement, id, group.gateway_public);
  CHECK(group.openers[0].open<Mersenne61>(new_sealer.seal<Mersenne61>(0, 1, 2, x)).client == id);
  group.openers[0].prune();
}

TEST_CASE("submission: open_batch gives what open_into gives one message at a time", "[platform]") {
  const std::size_t workers = GENERATE(0u, 2u);
  Group batch_side(1), single_side(1);
  std::vector<KeyPair> clients;
  std::vector<ClientId> ids;
  for (std::uint8_t c = 0; c < 5; ++c) {
    clients.push_back(key(static_cast<std::uint8_t>(10 + c)));
    ids.push_back(batch_side.enrol(clients.back()));
    CHECK(single_side.enrol(clients.back()) == ids.back());
  }
  const KeyPair stranger = key(99);
  const auto seal = [&](const KeyPair& k, ClientId id, std::uint32_t seq) {
    ClientSealer s(k, id, std::span<const PublicKey>(batch_side.gateway_public));
    const std::vector<Mersenne61> shares{Mersenne61::from_uint(seq + 1), Mersenne61::from_uint(7)};
    return s.seal<Mersenne61>(0, 3, seq, shares);
  };
  std::vector<std::vector<std::uint8_t>> messages{
      seal(clients[0], ids[0], 0),  // good
      seal(clients[1], ids[1], 0),  // good
      seal(clients[1], ids[1], 1),  // the same client again, fresher: good
      seal(clients[1], ids[1], 1),  // the same (round, seq) again: stale
      seal(stranger, ids[2], 0),    // forged
      seal(stranger, 77, 0),        // not enrolled
      std::vector<std::uint8_t>(5, 0),  // truncated
      seal(clients[3], ids[3], 4),  // good
  };
  auto altered = seal(clients[4], ids[4], 0);
  altered[altered.size() / 2] ^= 0x10;
  messages.push_back(altered);  // altered: forged
  std::vector<std::span<const std::uint8_t>> views(messages.begin(), messages.end());
  edgempc::platform::ThreadPool pool(workers);
  const auto opened = batch_side.openers[0].open_batch<Mersenne61>(views, pool);
  REQUIRE(opened.size() == messages.size());
  const std::vector<std::optional<errc>> expected{std::nullopt,
                                                  std::nullopt,
                                                  std::nullopt,
                                                  errc::protocol_violation,
                                                  errc::authentication_failed,
                                                  errc::not_enrolled,
                                                  errc::malformed_message,
                                                  std::nullopt,
                                                  errc::authentication_failed};
  std::vector<Mersenne61> buffer(edgempc::platform::submission_max_batch);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    INFO("message " << i);
    CHECK(opened[i].failure == expected[i]);
    std::optional<errc> single;
    try {
      const auto h = single_side.openers[0].open_into<Mersenne61>(messages[i], buffer);
      REQUIRE(opened[i].shares.size() == h.count);
      CHECK(std::equal(opened[i].shares.begin(), opened[i].shares.end(), buffer.begin()));
      CHECK(opened[i].header.seq == h.seq);
    } catch (const error& e) {
      single = static_cast<errc>(e.code().value());
      CHECK(opened[i].shares.empty());
    }
    CHECK(single == expected[i]);
  }
  // The replay state moved exactly as one by one: resending any accepted message is stale now.
  const std::vector<std::span<const std::uint8_t>> again{messages[0], messages[7]};
  for (const auto& o : batch_side.openers[0].open_batch<Mersenne61>(again, pool)) CHECK(o.failure == errc::protocol_violation);
}

TEST_CASE("SplitScheme: quorum, share and reconstruct from any quorum, to_additive sums to the secrets",
          "[platform]") {
  std::mt19937_64 rng(5);
  edgempc::Prg prg(edgempc::Prg::Seed{3});
  for (const SplitScheme scheme : {SplitScheme::shamir(1, 3), SplitScheme::shamir(2, 5), SplitScheme::additive(3)}) {
    CAPTURE(scheme.describe());
    const std::size_t n = scheme.parties;
    CHECK(scheme.quorum() == (scheme.kind == SplitScheme::Kind::shamir ? scheme.threshold + 1 : n));
    std::vector<Mersenne61> secrets(17);
    for (auto& s : secrets) s = Mersenne61::from_uint(rng());
    const auto shares = scheme.share<Mersenne61>(prg, secrets);
    REQUIRE(shares.size() == n);
    // Every subset of the gateways of at least the quorum reconstructs the secrets, and so does
    // the sum of their additive conversions.
    for (std::uint32_t set = 1; set < (1u << n); ++set) {
      std::vector<edgempc::PartyId> holders;
      std::vector<std::vector<Mersenne61>> held;
      for (edgempc::PartyId p = 0; p < n; ++p)
        if (set >> p & 1) holders.push_back(p), held.push_back(shares[p]);
      if (holders.size() < scheme.quorum()) {
        CHECK_THROWS_MATCHES(scheme.reconstruct_from(holders, held), error, has_code(errc::insufficient_shares));
        continue;
      }
      CHECK(scheme.reconstruct_from(holders, held) == secrets);
      std::vector<Mersenne61> sum(secrets.size(), Mersenne61::zero());
      for (std::size_t k = 0; k < holders.size(); ++k) {
        const auto a = scheme.to_additive(holders, holders[k], shares[holders[k]]);
        for (std::size_t i = 0; i < sum.size(); ++i) sum[i] = sum[i] + a[i];
      }
      CHECK(sum == secrets);
    }
    std::vector<edgempc::PartyId> not_me;  // every gateway but the last: enough, without it
    for (edgempc::PartyId p = 0; p + 1 < n; ++p) not_me.push_back(p);
    const auto last = static_cast<edgempc::PartyId>(n - 1);
    CHECK_THROWS_MATCHES(scheme.to_additive(not_me, last, shares[last]), error, has_code(errc::invalid_argument));
  }
  CHECK(SplitScheme::shamir(1, 3).describe() == "Shamir t = 1");
  CHECK(SplitScheme::additive(2).describe() == "additive");
  const std::vector<Z2k<64>> ring(4);
  CHECK(SplitScheme::additive(3).share<Z2k<64>>(prg, ring).size() == 3);
  CHECK_THROWS_MATCHES(SplitScheme::shamir(1, 3).share<Z2k<64>>(prg, ring), error, has_code(errc::invalid_argument));
}

TEST_CASE("SplitScheme: inconsistent Shamir shares beyond the quorum are detected", "[platform]") {
  edgempc::Prg prg(edgempc::Prg::Seed{4});
  const auto scheme = SplitScheme::shamir(1, 3);
  const std::vector<Mersenne61> secrets{Mersenne61::from_uint(42)};
  auto shares = scheme.share<Mersenne61>(prg, secrets);
  shares[2][0] = shares[2][0] + Mersenne61::one();
  const std::vector<edgempc::PartyId> all{0, 1, 2};
  CHECK_THROWS_MATCHES(scheme.reconstruct_from(all, shares), error, has_code(errc::inconsistent_shares));
}
