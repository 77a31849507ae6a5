// SPDX-License-Identifier: Apache-2.0
// secure_hello: three parties on this machine talk over authenticated, encrypted TCP.
//
// Each party listens on 127.0.0.1 (the OS picks the port), connects to the others, runs a
// Noise KK handshake with each against the public keys it was given, then sends every peer a
// greeting and checks the greetings it receives. Exits 0 only if every party received exactly
// what was sent to it.
#include <edgempc/net.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace edgempc;
using namespace std::chrono_literals;

static std::string greeting(PartyId from, PartyId to) {
  return "hello from party " + std::to_string(from) + " to party " + std::to_string(to);
}

int main() {
  constexpr std::size_t n = 3;

  // 1. Every party has a long-term key pair; the group configuration lists the public keys.
  //    (A real gateway loads its own with load_key_pair and the others' with load_public_key.)
  std::vector<KeyPair> keys;
  std::vector<PublicKey> group_keys;
  for (std::size_t i = 0; i < n; ++i) {
    keys.push_back(KeyPair::generate());
    group_keys.push_back(keys.back().public_key());
  }

  // 2. Every party listens; the ports the OS chose make up the group's address list.
  std::vector<std::unique_ptr<TcpTransport>> tcp;
  std::vector<TcpEndpoint> addresses;
  for (PartyId i = 0; i < n; ++i) {
    tcp.push_back(std::make_unique<TcpTransport>(TcpOptions{.id = i, .parties = n}));
    addresses.push_back({"127.0.0.1", tcp.back()->local_port()});
  }

  // 3. Each party, on its own thread: connect, authenticate, greet, check.
  std::vector<int> ok(n, 0);
  std::vector<std::thread> threads;
  for (PartyId me = 0; me < n; ++me)
    threads.emplace_back([&, me] {
      try {
        tcp[me]->connect(addresses);
        SecureTransport secure(*tcp[me], keys[me], group_keys);
        secure.handshake(10s);
        for (PartyId to = 0; to < n; ++to) {
          if (to == me) continue;
          const auto text = greeting(me, to);
          secure.send(to, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
        }
        int good = 0;
        for (PartyId from = 0; from < n; ++from) {
          if (from == me) continue;
          const auto bytes = secure.receive(from, 10s);
          const std::string text(bytes.begin(), bytes.end());
          std::printf("party %u received: \"%s\"\n", me, text.c_str());
          good += text == greeting(from, me) ? 1 : 0;
        }
        ok[me] = good == static_cast<int>(n - 1);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "party %u: %s\n", me, e.what());
      }
    });
  for (auto& t : threads) t.join();

  // 4. The check: every party got every greeting meant for it, intact.
  const bool all_ok = ok == std::vector<int>(n, 1);
  std::printf("%s: %zu parties over Noise_KK_25519_ChaChaPoly_BLAKE2b on TCP\n", all_ok ? "OK" : "FAIL", n);
  return all_ok ? 0 : 1;
}
