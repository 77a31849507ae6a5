// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/beaver.hpp>
#include <edgempc/net/secure.hpp>

#include <random>

#include "net_secure_group.hpp"
#include "protocol_harness.hpp"
#include "scheme_helpers.hpp"
#include "reference.hpp"

using namespace edgempc;

namespace {

template <class T>
std::vector<Triples<T>> open_all(const std::vector<std::vector<std::uint8_t>>& messages, std::size_t count) {
  std::vector<Triples<T>> out;
  for (const auto& m : messages) out.push_back(open_triples<T>(m, count));
  return out;
}

/// The plaintext (a, b, c) behind every party's triples, through a scheme's reconstruction.
template <class S>
void require_valid(const S& scheme, std::vector<Triples<typename S::value_type>>& parts, std::size_t count) {
  using T = typename S::value_type;
  std::vector<std::vector<T>> a, b, c;
  for (auto& p : parts) {
    const auto v = p.take(count);
    a.emplace_back(v.a.begin(), v.a.end()), b.emplace_back(v.b.begin(), v.b.end()), c.emplace_back(v.c.begin(), v.c.end());
  }
  const auto A = scheme.reconstruct(a), B = scheme.reconstruct(b), C = scheme.reconstruct(c);
  for (std::size_t i = 0; i < count; ++i)
    REQUIRE(C[i].to_uint() == test::Ref<T>::mul(A[i].to_uint(), B[i].to_uint()));
  if (count > 1) CHECK(A[0] != A[1]);
}

/// Beaver multiplication and dot product of random vectors on n real parties, against the plain
/// products.
template <class S>
void multiply_on(test::Net net, const S& scheme) {
  using T = typename S::value_type;
  const std::size_t n = scheme.parties(), m = 300;
  CAPTURE(n, test::to_string(net));
  std::mt19937_64 rng(n * 11 + static_cast<unsigned>(net));
  auto prg = test::seeded(static_cast<std::uint8_t>(n));
  const auto x = test::random_elements<T>(rng, m), y = test::random_elements<T>(rng, m);
  const auto xs = test::share_for(scheme, prg, x), ys = test::share_for(scheme, prg, y);
  const auto messages = test::deal_for(scheme, prg, 2 * m);
  std::vector<std::vector<T>> products(n), dots(n);
  std::vector<std::size_t> left(n);
  test::on_network(net, n, [&](auto& party, PartyId me) {
    auto triples = open_triples<T>(messages[me], 2 * m);
    products[me] = beaver_multiply(party, scheme, triples, xs[me], ys[me]);
    dots[me] = {beaver_dot(party, scheme, triples, xs[me], ys[me])};
    left[me] = triples.remaining();
  });
  const auto z = scheme.reconstruct(products);
  T want_dot = T::zero();
  for (std::size_t i = 0; i < m; ++i) {
    REQUIRE(z[i].to_uint() == test::Ref<T>::mul(x[i].to_uint(), y[i].to_uint()));
    want_dot = want_dot + x[i] * y[i];
  }
  CHECK(scheme.reconstruct(dots)[0] == want_dot);
  for (const auto l : left) CHECK(l == 0);
}

}  // namespace

TEST_CASE("Triples: each triple is handed out once", "[beaver]") {
  using T = Z2k<64>;
  std::vector<T> a{T::from_uint(1), T::from_uint(2), T::from_uint(3)};
  Triples<T> t(a, a, a);
  CHECK(t.size() == 3);
  CHECK(t.take(2).a[1] == T::from_uint(2));
  CHECK(t.remaining() == 1);
  CHECK_THROWS_MATCHES(t.take(2), error, test::has_code(errc::protocol_violation));
  CHECK(t.take(1).c[0] == T::from_uint(3));
  CHECK_THROWS_MATCHES(t.take(1), error, test::has_code(errc::protocol_violation));
  CHECK(t.take(0).a.empty());
  Triples<T> moved(std::move(t));
  CHECK(moved.remaining() == 0);
  CHECK(t.size() == 0);  // NOLINT(bugprone-use-after-move): the moved-from batch is empty
  CHECK_THROWS_MATCHES(Triples<T>(a, a, std::vector<T>(2)), error, test::has_code(errc::size_mismatch));
}

TEMPLATE_TEST_CASE("TrustedDealer: PRG-compressed additive triples are valid", "[beaver]", Mersenne61, Z2k<64>,
                   Z2k<32>) {
  auto prg = test::seeded(20);
  for (const std::size_t n : {1, 2, 3, 5}) {
    CAPTURE(n);
    const std::size_t count = 513;
    const auto messages = TrustedDealer<TestType>(n).additive(prg, count);
    REQUIRE(messages.size() == n);
    // Seeds only, except the last party's correction vector.
    for (std::size_t i = 0; i + 1 < n; ++i) CHECK(messages[i].size() == 11 + 32);
    CHECK(messages.back().size() == 11 + 32 + count * TestType::byte_width);
    auto parts = open_all<TestType>(messages, count);
    require_valid(AdditiveScheme<TestType>(n), parts, count);
  }
  // AES-CTR expansion, where the CPU has it.
  if (prg_algorithm_supported(PrgAlgorithm::aes128_ctr)) {
    auto parts = open_all<TestType>(TrustedDealer<TestType>(3, PrgAlgorithm::aes128_ctr).additive(prg, 100), 100);
    require_valid(AdditiveScheme<TestType>(3), parts, 100);
  }
}

TEST_CASE("TrustedDealer: Shamir triples are valid and consistent", "[beaver]") {
  auto prg = test::seeded(21);
  for (const auto& [n, t] : {std::pair<std::size_t, std::size_t>{3, 1}, {5, 2}, {2, 1}}) {
    const ShamirScheme scheme(Shamir(n, t));
    auto parts = open_all<Mersenne61>(TrustedDealer<Mersenne61>(n).shamir(prg, scheme.shamir(), 200), 200);
    require_valid(scheme, parts, 200);
  }
  CHECK_THROWS_MATCHES(TrustedDealer<Mersenne61>(4).shamir(prg, Shamir(3, 1), 5), error,
                       test::has_code(errc::invalid_argument));
}

TEST_CASE("TrustedDealer: malformed dealer messages are refused", "[beaver]") {
  auto prg = test::seeded(22);
  const auto good = TrustedDealer<Z2k<64>>(2).additive(prg, 10);
  const auto shamir = TrustedDealer<Mersenne61>(3).shamir(prg, Shamir(3, 1), 10);
  const auto refused = [](auto&& f) { CHECK_THROWS_MATCHES(f(), error, test::has_code(errc::malformed_message)); };
  refused([&] { return open_triples<Z2k<64>>(std::span(good[1]).first(5), 10); });            // short header
  refused([&] { return open_triples<Z2k<64>>(good[1], 11); });                                 // other count
  refused([&] { return open_triples<Z2k<32>>(good[1], 10); });                                 // other domain
  refused([&] { return open_triples<Z2k<64>>(std::span(good[1]).first(good[1].size() - 1), 10); });  // truncated
  refused([&] { return open_triples<Mersenne61>(std::span(shamir[0]).first(shamir[0].size() - 8), 10); });
  auto longer = good[0];
  longer.push_back(0);
  refused([&] { return open_triples<Z2k<64>>(longer, 10); });  // over-long
  auto kind = good[0];
  kind[0] = 9;
  refused([&] { return open_triples<Z2k<64>>(kind, 10); });
  auto algorithm = good[0];
  algorithm[2] = 7;
  refused([&] { return open_triples<Z2k<64>>(algorithm, 10); });
  auto noncanonical = shamir[1];
  std::fill(noncanonical.end() - 8, noncanonical.end(), 0xff);  // c[9] = 2^64 - 1 > p
  CHECK_THROWS_MATCHES(open_triples<Mersenne61>(noncanonical, 10), error, test::has_code(errc::out_of_range));
  CHECK_THROWS_MATCHES(TrustedDealer<Z2k<64>>(0), error, test::has_code(errc::invalid_argument));
}

TEST_CASE("TrustedDealer: delivery over SecureTransport to every party", "[beaver]") {
  for (const std::size_t n : {2, 3, 5}) {
    CAPTURE(n);
    auto plain = make_local_network(n + 1);
    auto secure = test::secure_over(plain);
    const PartyId dealer_id = static_cast<PartyId>(n);
    std::vector<PartyId> recipients(n);
    for (PartyId i = 0; i < n; ++i) recipients[i] = i;
    std::vector<Triples<Z2k<64>>> parts(n);
    test::on_all_parties(n + 1, [&](PartyId me) {
      Party party(*secure[me], std::chrono::seconds(10));
      if (me == dealer_id) {
        auto prg = test::seeded(23);
        deal_triples(party, recipients, TrustedDealer<Z2k<64>>(n).additive(prg, 1000));
      } else {
        parts[me] = receive_triples<Z2k<64>>(party, dealer_id, 1000);
      }
    });
    require_valid(AdditiveScheme<Z2k<64>>(n), parts, 1000);
  }
  auto prg = test::seeded(24);
  auto plain = make_local_network(2);
  Party p(*plain[0]);
  CHECK_THROWS_MATCHES(deal_triples(p, std::vector<PartyId>{1}, TrustedDealer<Z2k<64>>(2).additive(prg, 1)), error,
                       test::has_code(errc::size_mismatch));
}

TEST_CASE("Beaver multiplication and dot product: additive Z2k<64> and Mersenne61, Shamir", "[beaver]") {
  for (const auto net : {test::Net::local, test::Net::tcp}) {
    for (const std::size_t n : {2, 3, 5}) {
      multiply_on(net, AdditiveScheme<Z2k<64>>(n));
      multiply_on(net, AdditiveScheme<Mersenne61>(n));
      multiply_on(net, ShamirScheme(Shamir(n, (n - 1) / 2 == 0 ? 1 : (n - 1) / 2)));
    }
  }
}

TEST_CASE("Beaver multiplication: bytes at the minimum, one round", "[beaver]") {
  for (const std::size_t n : {2, 3}) {
    const std::size_t m = 1000;
    const AdditiveScheme<Z2k<64>> scheme(n);
    auto prg = test::seeded(25);
    const std::vector<Z2k<64>> zeros(m);
    const auto messages = TrustedDealer<Z2k<64>>(n).additive(prg, m);
    std::vector<ChannelStats> stats(n);
    test::on_network(test::Net::local, n, [&](auto& party, PartyId me) {
      auto triples = open_triples<Z2k<64>>(messages[me], m);
      (void)beaver_multiply(party, scheme, triples, zeros, zeros);
      stats[me] = party.stats();
    });
    for (const auto& s : stats) {
      CHECK(s.rounds == 1);
      CHECK(s.bytes_sent == 2 * m * 8 * (n - 1));  // d and e, to each peer
    }
  }
}

TEST_CASE("Beaver multiplication: bad input", "[beaver]") {
  using T = Z2k<64>;
  const AdditiveScheme<T> scheme(2);
  auto prg = test::seeded(26);
  const auto messages = TrustedDealer<T>(2).additive(prg, 4);
  auto net = make_local_network(2);
  Party party(*net[0], std::chrono::milliseconds(50));
  auto triples = open_triples<T>(messages[0], 4);
  const std::vector<T> three(3), five(5);
  CHECK_THROWS_MATCHES(beaver_multiply(party, scheme, triples, three, std::span<const T>(five).first(2)), error,
                       test::has_code(errc::size_mismatch));
  // More products than triples: refused before anything is sent.
  CHECK_THROWS_MATCHES(beaver_multiply(party, scheme, triples, five, five), error,
                       test::has_code(errc::protocol_violation));
  CHECK(triples.remaining() == 4);
  // A network of another size than the scheme.
  CHECK_THROWS_MATCHES(beaver_multiply(party, AdditiveScheme<T>(3), triples, three, three), error,
                       test::has_code(errc::invalid_argument));
  // A silent peer: a timeout, not a hang.
  CHECK_THROWS_MATCHES(beaver_multiply(party, scheme, triples, three, three), error,
                       test::has_code(errc::peer_timeout));
}
