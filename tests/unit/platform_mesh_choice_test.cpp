// SPDX-License-Identifier: Apache-2.0
// choose_mesh (platform/gateway/mesh_choice.hpp): the largest subset of the live gateways without
// a broken link that holds a quorum and a recipient, the same at every gateway; checked against a
// plain search over every subset on random groups from a fixed seed, and on the cases by hand.
#include <catch2/catch.hpp>

#include <bit>
#include <random>

#include "edgempc/platform/gateway/mesh_choice.hpp"

using namespace edgempc;
using namespace edgempc::platform;

namespace {

std::vector<MeshCandidate> group_of(std::size_t n, std::vector<PartyId> recipients = {0}) {
  std::vector<MeshCandidate> c;
  for (PartyId p = 0; p < n; ++p)
    c.push_back({p, std::find(recipients.begin(), recipients.end(), p) != recipients.end(), 0});
  return c;
}

void break_link(std::vector<MeshCandidate>& c, PartyId a, PartyId b) {  // as seen by `a` only
  for (auto& g : c)
    if (g.id == a) g.unreachable |= std::uint64_t{1} << b;
}

/// The plain reference: every subset of the candidates, best by size, recipients, smaller ids.
std::optional<std::vector<PartyId>> reference(const std::vector<MeshCandidate>& c, std::size_t quorum) {
  std::optional<std::vector<PartyId>> best;
  std::size_t best_recipients = 0;
  for (std::uint32_t set = 0; set < (1u << c.size()); ++set) {
    std::vector<PartyId> ids;
    std::size_t recipients = 0;
    bool ok = true;
    for (std::size_t i = 0; i < c.size(); ++i) {
      if (!(set >> i & 1)) continue;
      for (std::size_t j = 0; j < c.size(); ++j)
        if ((set >> j & 1) && i != j && ((c[i].unreachable >> c[j].id & 1) || (c[j].unreachable >> c[i].id & 1)))
          ok = false;
      ids.push_back(c[i].id);
      recipients += c[i].recipient;
    }
    if (!ok || ids.size() < quorum || recipients == 0) continue;
    std::sort(ids.begin(), ids.end());
    const bool better = !best || ids.size() > best->size() ||
                        (ids.size() == best->size() && (recipients > best_recipients ||
                                                        (recipients == best_recipients && ids < *best)));
    if (better) best = ids, best_recipients = recipients;
  }
  return best;
}

}  // namespace

TEST_CASE("choose_mesh: no broken link keeps every live gateway", "[platform]") {
  const auto c = group_of(3);
  CHECK(choose_mesh(c, 2) == std::vector<PartyId>{0, 1, 2});
  CHECK(choose_mesh(std::span<const MeshCandidate>(c.data(), 1), 2) == std::nullopt);  // too few
}

TEST_CASE("choose_mesh: one broken link leaves out one of its ends, never the only recipient", "[platform]") {
  auto c = group_of(3, {0});
  break_link(c, 0, 2);  // named by one end only: broken all the same
  CHECK(choose_mesh(c, 2) == std::vector<PartyId>{0, 1});
  c = group_of(3, {2});
  break_link(c, 2, 0);
  CHECK(choose_mesh(c, 2) == std::vector<PartyId>{1, 2});
  c = group_of(3, {1});
  break_link(c, 0, 2);
  break_link(c, 2, 0);
  CHECK(choose_mesh(c, 2) == std::vector<PartyId>{0, 1});  // the smaller ids, when all else is equal
}

TEST_CASE("choose_mesh: no subset with a quorum and a recipient gives nullopt", "[platform]") {
  auto c = group_of(3, {0});
  break_link(c, 0, 1);
  break_link(c, 0, 2);
  CHECK(choose_mesh(c, 2) == std::nullopt);  // the recipient links with nobody
  c = group_of(3, {0});
  break_link(c, 1, 2);
  CHECK(choose_mesh(c, 3) == std::nullopt);  // additive: all must link
  auto no_recipient = group_of(3, {});
  CHECK(choose_mesh(no_recipient, 2) == std::nullopt);
}

TEST_CASE("choose_mesh: the same choice whatever order the candidates come in", "[platform]") {
  auto c = group_of(5, {0, 3});
  break_link(c, 1, 3);
  break_link(c, 4, 0);
  const auto want = choose_mesh(c, 3);
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20; ++i) {
    std::shuffle(c.begin(), c.end(), rng);
    CHECK(choose_mesh(c, 3) == want);
  }
}

TEST_CASE("choose_mesh: equals an exhaustive search on random groups and broken links", "[platform]") {
  std::mt19937_64 rng(20261202);
  for (int trial = 0; trial < 3000; ++trial) {
    const std::size_t n = 2 + rng() % 9;  // up to 10 gateways
    std::vector<MeshCandidate> c;
    for (PartyId p = 0; p < 64 && c.size() < n; ++p)
      if (rng() % 3 != 0) c.push_back({p, rng() % 3 == 0, 0});  // ids with gaps: some gateways not live
    if (c.empty()) continue;
    const std::size_t links = rng() % 6;
    for (std::size_t k = 0; k < links; ++k) {
      auto& a = c[rng() % c.size()];
      const auto& b = c[rng() % c.size()];
      if (a.id != b.id) a.unreachable |= std::uint64_t{1} << b.id;
    }
    if (rng() % 4 == 0) c[0].unreachable |= std::uint64_t{1} << 63;  // a gateway that is not live: ignored
    const std::size_t quorum = 1 + rng() % c.size();
    INFO("trial " << trial);
    CHECK(choose_mesh(c, quorum) == reference(c, quorum));
  }
}

TEST_CASE("choose_mesh: many broken links (the greedy path) still give a set without one", "[platform]") {
  // 40 gateways, every even one with a broken link to every gateway above it: more than 16
  // gateways touch a broken link, so the greedy rule runs.
  std::vector<MeshCandidate> c;
  for (PartyId p = 0; p < 40; ++p) c.push_back({p, p == 1, 0});
  for (PartyId p = 0; p < 40; p += 2)
    for (PartyId q = p + 1; q < 40; ++q) c[p].unreachable |= std::uint64_t{1} << q;
  const auto got = choose_mesh(c, 10);
  REQUIRE(got);
  CHECK(got->size() >= 10);
  CHECK(std::find(got->begin(), got->end(), 1) != got->end());  // the recipient kept
  for (const PartyId a : *got)
    for (const PartyId b : *got) CHECK_FALSE((a != b && (c[a].unreachable >> b & 1)));
}

TEST_CASE("choose_mesh: ids of 64 or more and repeated ids are refused", "[platform]") {
  std::vector<MeshCandidate> bad{{64, true, 0}};
  CHECK_THROWS_AS(choose_mesh(bad, 1), error);
  std::vector<MeshCandidate> twice{{3, true, 0}, {3, false, 0}};
  CHECK_THROWS_AS(choose_mesh(twice, 1), error);
  std::vector<MeshCandidate> top{{63, true, 0}, {0, false, std::uint64_t{1} << 63}};
  CHECK(choose_mesh(top, 1) == std::vector<PartyId>{63});
}
