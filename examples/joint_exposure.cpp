// SPDX-License-Identifier: Apache-2.0
// joint_exposure: two banks learn the expected loss of one bank's loan book under the other's
// default model, a dot product, without either showing its numbers to the other.
//
// Bank A knows how much it has lent to each of 200 shared counterparties; bank B knows the
// default probability its own model gives each of them. The expected loss is
// sum_i exposure_i * pd_i. Each bank secret-shares its vector (additive, Z2k<64>, fixed point
// with 16 fractional bits) with the other; a dealer node hands both banks Beaver triples over
// an encrypted channel; one round of Beaver multiplication gives shares of the dot product,
// and both banks open it. All three run in this process over authenticated, encrypted TCP on
// 127.0.0.1. The program checks the private result against the plaintext dot product and
// exits 1 if they differ by more than the fixed-point error bound.
#include <edgempc/edgempc.hpp>

#include <cmath>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

using namespace edgempc;
using namespace std::chrono_literals;
using Ring = Z2k<64>;

// n parties on 127.0.0.1, each key pinned by all: TCP transports, then secure wrappers.
struct Group {
  std::vector<KeyPair> keys;
  std::vector<PublicKey> pinned;
  std::vector<std::unique_ptr<TcpTransport>> tcp;
  std::vector<TcpEndpoint> addresses;
  explicit Group(std::size_t n) {
    for (PartyId i = 0; i < n; ++i) {
      keys.push_back(KeyPair::generate());
      pinned.push_back(keys.back().public_key());
      tcp.push_back(std::make_unique<TcpTransport>(TcpOptions{.id = i, .parties = n}));
      addresses.push_back({"127.0.0.1", tcp.back()->local_port()});
    }
  }
  auto join(PartyId me) {  // run by party `me` on its own thread
    tcp[me]->connect(addresses);
    auto s = std::make_unique<SecureTransport<TcpTransport>>(*tcp[me], keys[me], pinned);
    s->handshake(10s);
    return s;
  }
};

int main() {
  constexpr std::size_t counterparties = 200;
  const FixedPoint<Ring> fp(16);

  // 1. The two books (made up from a fixed seed; each bank sees only its own).
  Prg books(Prg::Seed{7}, PrgAlgorithm::chacha20);
  std::vector<double> exposure(counterparties), pd(counterparties);
  for (std::size_t i = 0; i < counterparties; ++i) {
    exposure[i] = static_cast<double>(books.next_u64() % 500'000) / 1000.0;  // up to 500 million EUR, in millions
    pd[i] = static_cast<double>(books.next_u64() % 20'000) / 100'000.0;      // 0 to 20 %
  }

  // 2. Networks: the banks (0 = A, 1 = B) with each other, and with the dealer (party 2 there).
  Group banks(2), with_dealer(3);
  std::vector<double> result(2, NAN);
  std::vector<std::thread> threads;
  threads.emplace_back([&] {  // the dealer: knows the triples, never an input
    auto channel = with_dealer.join(2);
    Party dealer(*channel);
    Prg prg;
    deal_triples(dealer, std::vector<PartyId>{0, 1}, TrustedDealer<Ring>(2).additive(prg, counterparties));
  });
  for (PartyId me = 0; me < 2; ++me)
    threads.emplace_back([&, me] {
      try {
        auto to_dealer = with_dealer.join(me);
        Party from_dealer(*to_dealer);
        auto triples = receive_triples<Ring>(from_dealer, 2, counterparties);
        auto channel = banks.join(me);
        Party party(*channel);
        // 3. Each bank shares its own vector: one share kept, one sent to the other bank.
        Prg prg;
        std::vector<Ring> mine(counterparties);
        fp.encode(me == 0 ? exposure : pd, mine);
        auto shares = share_additive<Ring>(prg, mine, 2);
        party.send<Ring>(1 - me, shares[1]);
        const auto theirs = party.receive<Ring>(1 - me, counterparties);
        const auto& x = me == 0 ? shares[0] : theirs;  // shares of A's exposures
        const auto& y = me == 0 ? theirs : shares[0];  // shares of B's probabilities
        // 4. One Beaver round for the dot product, one to open it to both banks.
        const std::vector<PartyId> both{0, 1};
        result[me] = *secure_dot(party, AdditiveScheme<Ring>(2), triples, x, y, fp, both);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "bank %u: %s\n", me, e.what());
      }
    });
  for (auto& t : threads) t.join();

  // 5. The check against the plaintext. Each encoding errs by at most r/2 (r = 2^-16), so each
  //    product by at most (|x| + |y|) r/2 + r^2/4.
  double plain = 0, bound = 0;
  const double r = fp.resolution();
  for (std::size_t i = 0; i < counterparties; ++i) {
    plain += exposure[i] * pd[i];
    bound += (exposure[i] + pd[i]) * r / 2 + r * r / 4;
  }
  std::printf("expected loss, private:   %.6f million EUR (bank A), %.6f (bank B)\n", result[0], result[1]);
  std::printf("expected loss, plaintext: %.6f million EUR (error bound %.2g)\n", plain, bound);
  const bool ok = std::fabs(result[0] - plain) <= bound && std::fabs(result[1] - plain) <= bound;
  std::printf("%s\n", ok ? "OK: the private dot product matches the plaintext" : "FAIL: mismatch");
  return ok ? 0 : 1;
}
