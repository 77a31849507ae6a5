// SPDX-License-Identifier: Apache-2.0
// sharing/robust.hpp: Berlekamp-Welch decoding of Shamir shares against the secrets, with up to
// e = floor((m - t - 1) / 2) wrong shares per element in random positions (fixed seed), the
// holders named; one more wrong share detected; bad inputs refused.
#include <catch2/catch.hpp>

#include <edgempc/platform/split_scheme.hpp>
#include <edgempc/sharing/robust.hpp>

#include <algorithm>
#include <set>
#include <vector>

#include "protocol_harness.hpp"

using namespace edgempc;

TEST_CASE("robust reconstruction corrects up to e wrong shares per element and names their holders", "[sharing]") {
  auto prg = test::seeded(0x33);
  for (const auto& [n, t] : {std::pair<std::size_t, std::size_t>{3, 1}, {4, 1}, {5, 1}, {7, 2}, {10, 3}, {13, 4}}) {
    CAPTURE(n, t);
    const Shamir scheme(n, t);
    std::vector<Mersenne61> x(40);
    batch::random_fill<Mersenne61>(prg, x);
    x[0] = Mersenne61::zero();
    auto shares = scheme.share(prg, x);
    std::vector<PartyId> holders;
    for (PartyId p = 0; p < n; ++p) holders.push_back(p);
    // Honest: nothing named.
    auto r = robust_reconstruct(scheme, holders, shares);
    CHECK(r.secrets == x);
    CHECK(r.faulty.empty());
    // e liars, each wrong in random elements (different positions per element).
    const std::size_t e = (n - t - 1) / 2;
    std::set<PartyId> liars;
    while (liars.size() < e) liars.insert(static_cast<PartyId>(prg.next_u64() % n));
    for (const PartyId l : liars)
      for (std::size_t j = 0; j < x.size(); ++j)
        if (prg.next_u64() % 2 == 0 || j == 1) shares[l][j] += Mersenne61::from_uint(1 + prg.next_u64() % 1000);
    r = robust_reconstruct(scheme, holders, shares);
    CHECK(r.secrets == x);
    CHECK(r.faulty == std::vector<PartyId>(liars.begin(), liars.end()));
    // A subset of holders in another order: the same secrets.
    std::vector<PartyId> some(holders.rbegin(), holders.rend());
    std::vector<std::vector<Mersenne61>> reordered(shares.rbegin(), shares.rend());
    CHECK(robust_reconstruct(scheme, some, reordered).secrets == x);
    // One more liar than can be corrected, all wrong in element 1: detected.
    PartyId extra = 0;
    while (liars.count(extra)) ++extra;
    shares[extra][1] += Mersenne61::one();
    for (const PartyId l : liars) shares[l][1] += Mersenne61::from_uint(7 + l);  // liars disagree with each other
    CHECK_THROWS_MATCHES(robust_reconstruct(scheme, holders, shares), error, test::has_code(errc::inconsistent_shares));
  }
}

TEST_CASE("robust reconstruction: t + 1 holders check nothing, bad inputs are refused, additive is unchecked", "[sharing]") {
  auto prg = test::seeded(0x34);
  const Shamir scheme(5, 2);
  std::vector<Mersenne61> x(8);
  batch::random_fill<Mersenne61>(prg, x);
  auto shares = scheme.share(prg, x);
  const std::vector<PartyId> three{0, 2, 4};
  const std::vector<std::vector<Mersenne61>> three_shares{shares[0], shares[2], shares[4]};
  CHECK(robust_reconstruct(scheme, three, three_shares).secrets == x);
  CHECK_THROWS_MATCHES(robust_reconstruct(scheme, std::vector<PartyId>{0, 1}, std::vector<std::vector<Mersenne61>>{shares[0], shares[1]}),
                       error, test::has_code(errc::insufficient_shares));
  CHECK_THROWS_MATCHES(robust_reconstruct(scheme, std::vector<PartyId>{0, 1, 1}, three_shares), error,
                       test::has_code(errc::invalid_argument));
  CHECK_THROWS_MATCHES(robust_reconstruct(scheme, std::vector<PartyId>{0, 1, 7}, three_shares), error,
                       test::has_code(errc::invalid_argument));
  auto ragged = three_shares;
  ragged[1].pop_back();
  CHECK_THROWS_MATCHES(robust_reconstruct(scheme, three, ragged), error, test::has_code(errc::size_mismatch));
  // Through SplitScheme: Shamir decodes; additive has no redundancy and names nobody.
  const std::vector<PartyId> all{0, 1, 2, 3, 4};
  shares[3][0] += Mersenne61::one();
  shares[4][2] += Mersenne61::one();
  auto linear = Shamir(5, 1).share(prg, x);
  linear[2][5] += Mersenne61::one();
  const auto r = platform::SplitScheme::shamir(1, 5).reconstruct_robust(all, linear);
  CHECK(r.faulty == std::vector<PartyId>{2});
  CHECK(r.secrets == x);
  const auto two = robust_reconstruct(scheme, all, shares);  // e = 1 for t = 2, n = 5: one liar per element
  CHECK(two.secrets == x);
  CHECK(two.faulty == std::vector<PartyId>{3, 4});
  const auto parts = share_additive<Mersenne61>(prg, x, 3);
  const auto add = platform::SplitScheme::additive(3).reconstruct_robust(std::vector<PartyId>{0, 1, 2}, parts);
  CHECK(add.secrets == x);
  CHECK(add.faulty.empty());
}
