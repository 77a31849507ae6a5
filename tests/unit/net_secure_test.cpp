// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/net/local_network.hpp>
#include <edgempc/net/secure.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "net_conformance.hpp"
#include "net_secure_group.hpp"
#include "net_tcp_mesh.hpp"

using namespace edgempc;
using namespace std::chrono_literals;

namespace {

using Secure = SecureTransport<LocalTransport>;

struct SecureGroup {
  std::vector<std::unique_ptr<LocalTransport>> inner;
  std::vector<std::unique_ptr<Secure>> secure;
};

// n parties over a LocalNetwork, each pinning the others' keys, handshakes done.
SecureGroup secure_group(std::size_t n) {
  SecureGroup g{make_local_network(n), {}};
  g.secure = test::secure_over(g.inner);
  return g;
}

}  // namespace

TEST_CASE("SecureTransport over LocalNetwork passes the transport conformance suite", "[net]") {
  const std::size_t n = GENERATE(2, 3, 5);
  CAPTURE(n);
  auto g = secure_group(n);
  test::transport_conformance(g.secure);
  REQUIRE(g.inner[0]->stats().bytes_sent > g.secure[0]->stats().bytes_sent);  // frames carry nonces and tags
}

TEST_CASE("SecureTransport: what goes on the wire is encrypted and sized as documented", "[net]") {
  auto g = secure_group(2);
  const std::vector<std::uint8_t> secret(100000, 0x42);
  g.secure[0]->send(1, secret);
  const auto frame = g.inner[1]->receive(0, 1s);  // what an eavesdropper sees
  REQUIRE(frame.size() == detail::secure_frame_size(secret.size()));
  REQUIRE(frame.size() == 8 + 100000 + 2 * 16);  // two chunks
  REQUIRE(std::search(frame.begin(), frame.end(), secret.begin(), secret.begin() + 32) == frame.end());
  REQUIRE(detail::secure_max_message(1 << 20) < (1u << 20));
  REQUIRE(detail::secure_frame_size(detail::secure_max_message(1 << 20)) <= (1u << 20));
  REQUIRE(detail::secure_frame_size(detail::secure_max_message(1 << 20) + 1) > (1u << 20));
}

TEST_CASE("SecureTransport rejects tampered, replayed, reordered, truncated and garbage frames", "[net]") {
  auto g = secure_group(2);
  auto& alice_wire = *g.inner[0];  // the attacker writes into the wire as if from party 0
  auto& bob = *g.secure[1];
  // Capture genuine frames on their way to Bob.
  const auto genuine = [&](std::uint8_t tag) {
    g.secure[0]->send(1, std::vector<std::uint8_t>(70000, tag));  // two chunks
    return g.inner[1]->receive(0, 1s);
  };
  const auto f1 = genuine(1), f2 = genuine(2);
  const auto expect_then_recover = [&](errc code, const std::vector<std::uint8_t>& bad) {
    alice_wire.send(1, bad);
    test::require_errc(code, [&] { (void)bob.receive(0, 1s); });
  };

  for (std::size_t at : {std::size_t{3}, std::size_t{8}, std::size_t{9000}, f1.size() - 1}) {
    auto tampered = f1;
    tampered[at] ^= 0x10;  // the nonce field (at 3) too
    expect_then_recover(at < 8 ? errc::protocol_violation : errc::authentication_failed, tampered);
  }
  expect_then_recover(errc::protocol_violation, f2);  // reordered: f2 before f1
  expect_then_recover(errc::malformed_message, std::vector<std::uint8_t>(f1.begin(), f1.begin() + 20));
  auto cut = f1;
  cut.resize(8 + 65535 + 5);  // second chunk shorter than a tag
  expect_then_recover(errc::malformed_message, cut);
  auto garbage = std::vector<std::uint8_t>(200, 0x5a);
  expect_then_recover(errc::protocol_violation, garbage);
  std::fill(garbage.begin(), garbage.begin() + 8, 0);  // the right nonce, garbage after it
  expect_then_recover(errc::authentication_failed, garbage);

  // None of that changed Bob's state: the genuine frames still arrive, in order, once.
  alice_wire.send(1, f1);
  REQUIRE(bob.receive(0, 1s) == std::vector<std::uint8_t>(70000, 1));
  expect_then_recover(errc::protocol_violation, f1);  // replayed
  alice_wire.send(1, f2);
  REQUIRE(bob.receive(0, 1s) == std::vector<std::uint8_t>(70000, 2));
  // And the channel carries on in both directions.
  bob.send(0, std::vector<std::uint8_t>{7});
  REQUIRE(g.secure[0]->receive(1, 1s) == std::vector<std::uint8_t>{7});
  test::require_errc(errc::message_too_large,
                     [&] { bob.send(0, std::vector<std::uint8_t>(bob.max_message_size() + 1)); });
}

TEST_CASE("SecureTransport handshake refuses wrong keys and malformed messages", "[net]") {
  auto net = make_local_network(2);
  const auto alice = KeyPair::generate(), bob = KeyPair::generate(), mallory = KeyPair::generate();
  SECTION("Bob pins a different key for party 0") {
    Secure a(*net[0], alice, {alice.public_key(), bob.public_key()});
    Secure b(*net[1], bob, {mallory.public_key(), bob.public_key()});
    std::optional<error> a_error, b_error;
    std::thread ta([&] {
      try {
        a.handshake(300ms);
      } catch (const error& e) {
        a_error = e;
      }
    });
    try {
      b.handshake(300ms);
    } catch (const error& e) {
      b_error = e;
    }
    ta.join();
    REQUIRE(b_error);
    REQUIRE(b_error->code() == errc::authentication_failed);
    REQUIRE(a_error);
    REQUIRE(a_error->code() == errc::peer_timeout);  // Bob never answers
    test::require_errc(errc::protocol_violation, [&] { a.send(1, std::vector<std::uint8_t>(1)); });
    test::require_errc(errc::protocol_violation, [&] { (void)b.receive(0, 1ms); });
  }
  SECTION("a handshake message of the wrong size") {
    Secure b(*net[1], bob, {alice.public_key(), bob.public_key()});
    net[0]->send(1, std::vector<std::uint8_t>(47));
    test::require_errc(errc::malformed_message, [&] { b.handshake(1s); });
  }
  SECTION("a key list that does not fit the group") {
    test::require_errc(errc::invalid_argument, [&] { Secure s(*net[0], alice, {alice.public_key()}); });
    test::require_errc(errc::invalid_argument,
                       [&] { Secure s(*net[0], alice, {bob.public_key(), alice.public_key()}); });
  }
}

TEST_CASE("key files: save, load, permissions, malformed files", "[net]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("edgempc-keys-" + std::to_string(::getpid()) + "-" +
                    std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  const auto secret = dir / "party.key", pub = dir / "party.pub";
  const auto keys = KeyPair::generate();
  save_key_pair(keys, secret, pub);
  struct stat st {};
  REQUIRE(::stat(secret.c_str(), &st) == 0);
  REQUIRE((st.st_mode & 0777) == 0600);
  const auto loaded = load_key_pair(secret);
  REQUIRE(loaded.public_key() == keys.public_key());
  REQUIRE(std::equal(loaded.secret_key().begin(), loaded.secret_key().end(), keys.secret_key().begin()));
  REQUIRE(load_public_key(pub) == keys.public_key());

  test::require_errc(errc::invalid_argument, [&] { save_key_pair(keys, secret, pub); });  // no overwrite
  std::filesystem::permissions(secret, std::filesystem::perms::group_read, std::filesystem::perm_options::add);
  test::require_errc(errc::invalid_argument, [&] { (void)load_key_pair(secret); });  // readable by others
  test::require_errc(errc::invalid_argument, [&] { (void)load_key_pair(dir / "missing.key"); });
  test::require_errc(errc::malformed_message, [&] { (void)load_public_key(secret); });  // wrong kind
  for (const std::string& bad : std::vector<std::string>{"", "edgempc x25519 public key v1\n1234\n",
                                "edgempc x25519 public key v1\n" + std::string(64, 'z') + "\n",
                                "edgempc x25519 public key v1\n" + std::string(64, 'a')}) {
    std::ofstream(dir / "bad.pub", std::ios::trunc) << bad;
    test::require_errc(errc::malformed_message, [&] { (void)load_public_key(dir / "bad.pub"); });
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("SecureTransport over TCP on 127.0.0.1 passes the transport conformance suite", "[net]") {
  auto tcp = test::make_mesh(3);
  auto secure = test::secure_over(tcp);
  test::transport_conformance(secure);
  REQUIRE(tcp[1]->stats().bytes_received > secure[1]->stats().bytes_received);
}
