// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/net/noise.hpp>

#include "net_conformance.hpp"

using namespace edgempc;

namespace {
std::vector<std::uint8_t> hex(std::string_view s) {
  std::vector<std::uint8_t> out(s.size() / 2);
  std::size_t len = 0;
  REQUIRE(sodium_hex2bin(out.data(), out.size(), s.data(), s.size(), nullptr, &len, nullptr) == 0);
  out.resize(len);
  return out;
}
std::array<std::uint8_t, 32> key32(std::string_view s) {
  std::array<std::uint8_t, 32> k{};
  const auto v = hex(s);
  std::copy(v.begin(), v.end(), k.begin());
  return k;
}
}  // namespace

TEST_CASE("Noise KK reproduces the cacophony test vector for Noise_KK_25519_ChaChaPoly_BLAKE2b", "[net]") {
  // Cacophony test vectors (haskell-cryptography/cacophony, vectors/cacophony.txt, as also
  // used by the snow library): the KK vector for this exact protocol name.
  const auto prologue = hex("4a6f686e2047616c74");
  const auto init_secret = key32("e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1");
  const auto init_eph = key32("893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a");
  const auto resp_secret = key32("4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893");
  const auto resp_eph = key32("bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b");
  const auto init = KeyPair::from_secret(init_secret), resp = KeyPair::from_secret(resp_secret);
  REQUIRE(resp.public_key() == key32("31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62"));
  REQUIRE(init.public_key() == key32("6bc3822a2aa7f4e6981d6538692b3cdf3e6df9eea6ed269eb41d93c22757b75a"));

  noise::HandshakeKK a(true, init, resp.public_key(), prologue, std::span<const std::uint8_t, 32>(init_eph));
  noise::HandshakeKK b(false, resp, init.public_key(), prologue, std::span<const std::uint8_t, 32>(resp_eph));
  const auto m1 = a.write_message(hex("4c756477696720766f6e204d69736573"));
  REQUIRE(m1 == hex("ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944f79a1d4b21fc3ea4a0c87213b8b4f0599d"
                    "758682c26a3ae5e09195a3e742bc74"));
  REQUIRE(b.read_message(m1) == hex("4c756477696720766f6e204d69736573"));
  const auto m2 = b.write_message(hex("4d757272617920526f746862617264"));
  REQUIRE(m2 == hex("95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843e20b1bf85731f75d7e21b5d54baaa663"
                    "41de4292c3d42571c1bd7e7f1abe38"));
  REQUIRE(a.read_message(m2) == hex("4d757272617920526f746862617264"));
  REQUIRE(a.complete());
  REQUIRE(b.complete());
  // The ciphertexts above and below are the vector's and pin down every step. For the final
  // handshake hash two published copies disagree: snow's copy of the file lists 2a1428..., while
  // other expectations derived from cacophony for this protocol give 76dbc866..., which is h
  // after mixing message 2 as Noise section 5.2 defines it (and what we compute).
  const auto expected_hash = hex("76dbc866183c8ee7363dbf0ebab8d6355010245f9817aa78359818a03a052586d7e8b4bb2ae5622a"
                                 "1a61212df90af04bb2b2cc189ce0e819ba0c4970c9f71805");
  REQUIRE(std::vector<std::uint8_t>(a.handshake_hash().begin(), a.handshake_hash().end()) == expected_hash);
  REQUIRE(b.handshake_hash() == a.handshake_hash());

  // Transport messages alternate: initiator, responder, initiator, responder.
  auto [a_send, a_recv] = a.split();
  auto [b_send, b_recv] = b.split();
  const std::pair<const char*, const char*> transport[] = {
      {"462e20412e20486179656b", "25bfaa58833b07cdd6af7c07f2c51daac681a8ac0a02dd373259bd"},
      {"4361726c204d656e676572", "ef586cff556dec8ef0053871ff0d4bf3f2c72e842487ec6d1da69f"},
      {"4a65616e2d426170746973746520536179", "3265d50513550a354425d0218ba1e5f25d4994ce8990e6964398dba5982dbcbd85"},
      {"457567656e2042f6686d20766f6e2042617765726b",
       "f11c02d5c3223d7b9281b52e1b134962b91bc3bfbd1646354dab9fc19b66bf6c1e0a6f431e"},
  };
  for (std::size_t i = 0; i < 4; ++i) {
    auto& sender = i % 2 == 0 ? a_send : b_send;
    auto& receiver = i % 2 == 0 ? b_recv : a_recv;
    const auto pt = hex(transport[i].first);
    std::vector<std::uint8_t> ct(pt.size() + noise::tag_len), back(pt.size());
    sender.encrypt_with_ad({}, pt, ct.data());
    REQUIRE(ct == hex(transport[i].second));
    REQUIRE(receiver.decrypt_at(receiver.nonce(), {}, ct, back.data()));
    receiver.set_nonce(receiver.nonce() + 1);
    REQUIRE(back == pt);
  }
}

TEST_CASE("Noise KK refuses a wrong peer key, tampering and malformed messages", "[net]") {
  const auto alice = KeyPair::generate(), bob = KeyPair::generate(), mallory = KeyPair::generate();
  const std::vector<std::uint8_t> prologue = {1, 2, 3};
  SECTION("the responder expects someone else") {
    noise::HandshakeKK a(true, alice, bob.public_key(), prologue);
    noise::HandshakeKK b(false, bob, mallory.public_key(), prologue);
    const auto m1 = a.write_message();
    test::require_errc(errc::authentication_failed, [&] { (void)b.read_message(m1); });
    test::require_errc(errc::protocol_violation, [&] { (void)b.write_message(); });  // no way on
  }
  SECTION("an impostor initiator") {
    noise::HandshakeKK m(true, mallory, bob.public_key(), prologue);
    noise::HandshakeKK b(false, bob, alice.public_key(), prologue);
    test::require_errc(errc::authentication_failed, [&] { (void)b.read_message(m.write_message()); });
  }
  SECTION("a flipped bit, a different prologue, a short message, garbage") {
    noise::HandshakeKK a(true, alice, bob.public_key(), prologue);
    auto m1 = a.write_message();
    REQUIRE(m1.size() == noise::handshake_message_len);
    for (std::size_t bit : {std::size_t{0}, std::size_t{100}, 8 * noise::handshake_message_len - 1}) {
      auto bad = m1;
      bad[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      noise::HandshakeKK b(false, bob, alice.public_key(), prologue);
      test::require_errc(errc::authentication_failed, [&] { (void)b.read_message(bad); });
    }
    noise::HandshakeKK other(false, bob, alice.public_key(), std::vector<std::uint8_t>{9});
    test::require_errc(errc::authentication_failed, [&] { (void)other.read_message(m1); });
    noise::HandshakeKK b2(false, bob, alice.public_key(), prologue);
    test::require_errc(errc::malformed_message, [&] { (void)b2.read_message(std::span(m1).first(47)); });
    noise::HandshakeKK b3(false, bob, alice.public_key(), prologue);
    std::vector<std::uint8_t> garbage(48, 0xab);
    test::require_errc(errc::authentication_failed, [&] { (void)b3.read_message(garbage); });
  }
  SECTION("a low-order ephemeral key") {
    noise::HandshakeKK b(false, bob, alice.public_key(), prologue);
    std::vector<std::uint8_t> zero_key(48, 0);  // the all-zero point
    test::require_errc(errc::authentication_failed, [&] { (void)b.read_message(zero_key); });
  }
}
