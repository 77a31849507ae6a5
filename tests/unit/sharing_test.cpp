// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/sharing.hpp>

#include <algorithm>
#include <random>

#include "protocol_harness.hpp"
#include "reference.hpp"

using namespace edgempc;

namespace {

/// Every subset of size k of {0 .. n-1}.
std::vector<std::vector<PartyId>> subsets(std::size_t n, std::size_t k) {
  std::vector<std::vector<PartyId>> out;
  std::vector<bool> pick(n, false);
  std::fill(pick.end() - static_cast<std::ptrdiff_t>(k), pick.end(), true);
  do {
    std::vector<PartyId> s;
    for (PartyId i = 0; i < n; ++i)
      if (pick[i]) s.push_back(i);
    out.push_back(s);
  } while (std::next_permutation(pick.begin(), pick.end()));
  return out;
}

/// Lagrange interpolation at 0 with plain __int128 arithmetic and Fermat inverses.
std::uint64_t reference_interpolate(const std::vector<std::uint64_t>& xs, const std::vector<std::uint64_t>& ys) {
  using R = test::Ref<Mersenne61>;
  const auto pow = [](std::uint64_t b, std::uint64_t e) {
    std::uint64_t r = 1;
    for (; e; e >>= 1, b = R::mul(b, b))
      if (e & 1) r = R::mul(r, b);
    return r;
  };
  std::uint64_t acc = 0;
  for (std::size_t j = 0; j < xs.size(); ++j) {
    std::uint64_t num = 1, den = 1;
    for (std::size_t m = 0; m < xs.size(); ++m)
      if (m != j) num = R::mul(num, R::neg(xs[m])), den = R::mul(den, R::sub(xs[j], xs[m]));
    acc = R::add(acc, R::mul(ys[j], R::mul(num, pow(den, Mersenne61::modulus - 2))));
  }
  return acc;
}

std::vector<std::vector<Mersenne61>> pick(const std::vector<std::vector<Mersenne61>>& all,
                                          const std::vector<PartyId>& who) {
  std::vector<std::vector<Mersenne61>> out;
  for (const PartyId p : who) out.push_back(all[p]);
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("additive sharing: n shares sum to the secret, n - 1 are uniform-looking", "[sharing]", Mersenne61,
                   Z2k<64>, Z2k<32>) {
  std::mt19937_64 rng(42);
  auto prg = test::seeded(1);
  const auto secrets = test::random_elements<TestType>(rng, 1000);
  for (const std::size_t n : {1, 2, 3, 5, 64}) {
    const auto shares = share_additive<TestType>(prg, secrets, n);
    REQUIRE(shares.size() == n);
    CHECK(reconstruct_additive<TestType>(shares) == secrets);
    // Against the reference: sum of shares mod the modulus, per element.
    for (std::size_t i = 0; i < secrets.size(); i += 97) {
      std::uint64_t acc = 0;
      for (const auto& s : shares) acc = test::Ref<TestType>::add(acc, s[i].to_uint());
      CHECK(acc == secrets[i].to_uint());
    }
    if (n > 1) CHECK(shares[0] != secrets);  // the first share is random, not the secret
  }
  CHECK(share_additive<TestType>(prg, std::span<const TestType>(), 3)[2].empty());
}

TEST_CASE("additive sharing: bad input", "[sharing]") {
  auto prg = test::seeded(2);
  const std::vector<Mersenne61> s(4, Mersenne61::one());
  CHECK_THROWS_MATCHES(share_additive<Mersenne61>(prg, s, 0), error, test::has_code(errc::invalid_argument));
  std::vector<std::vector<Mersenne61>> none;
  CHECK_THROWS_MATCHES(reconstruct_additive<Mersenne61>(none), error, test::has_code(errc::insufficient_shares));
  std::vector<std::vector<Mersenne61>> ragged{s, std::vector<Mersenne61>(3)};
  CHECK_THROWS_MATCHES(reconstruct_additive<Mersenne61>(ragged), error, test::has_code(errc::size_mismatch));
  CHECK_THROWS_MATCHES(AdditiveScheme<Mersenne61>(2).reconstruct(std::span(ragged).first(1)), error,
                       test::has_code(errc::insufficient_shares));
}

TEST_CASE("Shamir: reconstruction from every subset of t + 1 parties", "[sharing]") {
  std::mt19937_64 rng(7);
  auto prg = test::seeded(3);
  const auto secrets = test::random_elements<Mersenne61>(rng, 257);
  for (const auto& [n, t] : {std::pair<std::size_t, std::size_t>{2, 1}, {3, 1}, {4, 1}, {5, 2}, {7, 3}, {7, 1}, {3, 0}}) {
    CAPTURE(n, t);
    const Shamir shamir(n, t);
    const auto shares = shamir.share(prg, secrets);
    REQUIRE(shares.size() == n);
    for (const auto& who : subsets(n, t + 1)) {
      const Reconstruction r(shamir, who);
      REQUIRE(r(pick(shares, who)) == secrets);
    }
    // Larger sets are checked for consistency and still reconstruct.
    for (std::size_t k = t + 2; k <= n; ++k)
      for (const auto& who : subsets(n, k)) REQUIRE(Reconstruction(shamir, who)(pick(shares, who)) == secrets);
    // Against the plain reference, on the first t + 1 parties, a few positions.
    for (std::size_t i = 0; i < secrets.size(); i += 31) {
      std::vector<std::uint64_t> xs, ys;
      for (PartyId p = 0; p <= t; ++p) xs.push_back(p + 1), ys.push_back(shares[p][i].to_uint());
      CHECK(reference_interpolate(xs, ys) == secrets[i].to_uint());
    }
  }
}

TEST_CASE("Shamir: large groups, and degree t really is t", "[sharing]") {
  std::mt19937_64 rng(8);
  auto prg = test::seeded(4);
  const auto secrets = test::random_elements<Mersenne61>(rng, 100);
  const Shamir shamir(64, 21);
  const auto shares = shamir.share(prg, secrets);
  std::vector<PartyId> last_22;
  for (PartyId p = 42; p < 64; ++p) last_22.push_back(p);
  CHECK(Reconstruction(shamir, last_22)(pick(shares, last_22)) == secrets);
  std::vector<PartyId> everyone(64);
  for (PartyId p = 0; p < 64; ++p) everyone[p] = p;
  CHECK(Reconstruction(shamir, everyone)(shares) == secrets);
  // t shares interpolated as if degree t - 1 give something else: the polynomial has degree t.
  std::vector<PartyId> first_21(everyone.begin(), everyone.begin() + 21);
  CHECK(Reconstruction(shamir, first_21, 20)(pick(shares, first_21)) != secrets);
  // Degree 0 is the secret itself; degree n - 1 needs all parties.
  CHECK(shamir.share(prg, secrets, 0)[5] == secrets);
  CHECK_THROWS_MATCHES(shamir.share(prg, secrets, 64), error, test::has_code(errc::invalid_argument));
}

TEST_CASE("Shamir: inconsistent shares are detected, never outvoted", "[sharing]") {
  std::mt19937_64 rng(9);
  auto prg = test::seeded(5);
  const auto secrets = test::random_elements<Mersenne61>(rng, 50);
  const Shamir shamir(5, 2);
  const std::vector<PartyId> all{0, 1, 2, 3, 4};
  for (PartyId bad = 0; bad < 5; ++bad) {
    for (const std::size_t pos : {std::size_t{0}, std::size_t{49}}) {
      auto shares = shamir.share(prg, secrets);
      shares[bad][pos] = shares[bad][pos] + Mersenne61::one();
      CAPTURE(bad, pos);
      CHECK_THROWS_MATCHES(Reconstruction(shamir, all)(shares), error, test::has_code(errc::inconsistent_shares));
    }
  }
  // With exactly t + 1 shares nothing can be checked: a wrong share gives a wrong secret.
  auto shares = shamir.share(prg, secrets);
  shares[0][3] = shares[0][3] + Mersenne61::one();
  const std::vector<PartyId> three{0, 1, 2};
  CHECK(Reconstruction(shamir, three)(pick(shares, three)) != secrets);
}

TEST_CASE("Shamir: bad parameters and bad input", "[sharing]") {
  CHECK_THROWS_MATCHES(Shamir(3, 3), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(Shamir(0, 0), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(Shamir(Shamir::max_parties + 1, 1), error, test::has_code(errc::invalid_argument));
  const Shamir shamir(5, 2);
  const std::vector<PartyId> unknown{0, 1, 5}, twice{0, 1, 1}, few{0, 1};
  CHECK_THROWS_MATCHES(Reconstruction(shamir, unknown), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(Reconstruction(shamir, twice), error, test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(Reconstruction(shamir, few), error, test::has_code(errc::insufficient_shares));
  auto prg = test::seeded(6);
  const std::vector<Mersenne61> secrets(10, Mersenne61::from_uint(77));
  auto shares = shamir.share(prg, secrets);
  const std::vector<PartyId> three{0, 1, 2};
  const Reconstruction r(shamir, three);
  CHECK_THROWS_MATCHES(r(std::span(shares).first(2)), error, test::has_code(errc::size_mismatch));
  shares[1].pop_back();
  CHECK_THROWS_MATCHES(r(std::span(shares).first(3)), error, test::has_code(errc::size_mismatch));
}

TEST_CASE("Shamir to additive: any t + 1 or more parties' converted shares sum to the secret", "[sharing]") {
  std::mt19937_64 rng(10);
  auto prg = test::seeded(7);
  const auto secrets = test::random_elements<Mersenne61>(rng, 64);
  const Shamir shamir(5, 2);
  const auto shares = shamir.share(prg, secrets);
  for (const std::size_t k : {3, 4, 5}) {
    for (const auto& who : subsets(5, k)) {
      const Reconstruction set(shamir, who);
      std::vector<std::vector<Mersenne61>> additive;
      for (const PartyId p : who) additive.push_back(shamir_to_additive(set, p, shares[p]));
      REQUIRE(reconstruct_additive<Mersenne61>(additive) == secrets);
    }
  }
  const std::vector<PartyId> three{0, 1, 2};
  CHECK_THROWS_MATCHES(shamir_to_additive(Reconstruction(shamir, three), 4, shares[4]), error,
                       test::has_code(errc::invalid_argument));
}

TEST_CASE("sharing schemes: add_public adds a public constant once", "[sharing]") {
  auto prg = test::seeded(8);
  const std::vector<Mersenne61> x{Mersenne61::from_uint(5), Mersenne61::from_uint(9)};
  const std::vector<Mersenne61> c{Mersenne61::from_uint(100), Mersenne61::from_uint(1)};
  const std::vector<Mersenne61> want{Mersenne61::from_uint(105), Mersenne61::from_uint(10)};
  const AdditiveScheme<Mersenne61> additive(3);
  auto a = share_additive<Mersenne61>(prg, x, 3);
  for (PartyId p = 0; p < 3; ++p) additive.add_public(p, a[p], c);
  CHECK(additive.reconstruct(a) == want);
  const ShamirScheme shamir(Shamir(3, 1));
  auto s = shamir.shamir().share(prg, x);
  for (PartyId p = 0; p < 3; ++p) shamir.add_public(p, s[p], c);
  CHECK(shamir.reconstruct(s) == want);
  CHECK_THROWS_MATCHES(additive.add_public(0, a[0], std::span(c).first(1)), error, test::has_code(errc::size_mismatch));
}
