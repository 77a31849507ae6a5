// SPDX-License-Identifier: Apache-2.0
// Robust reconstruction of Shamir shares: with m shares of a degree-t polynomial of which up to
// e = floor((m - t - 1) / 2) are wrong, the secret is still recovered and the wrong holders
// named. Shares are a Reed-Solomon codeword (evaluations of a polynomial of degree <= t), and m
// points correct e errors exactly when m >= t + 1 + 2e: with n >= 3t + 1 parties, any t liars.
//
// Decoding by Berlekamp-Welch (L. R. Welch and E. R. Berlekamp, "Error correction for algebraic
// block codes", US patent 4,633,470, 1986; as presented by P. Gemmell and M. Sudan, "Highly
// resilient correctors for polynomials", IPL 43(4), 1992): find E monic of degree e and Q of
// degree <= t + e with Q(x_k) = y_k E(x_k) for every share (x_k, y_k), a linear system of m
// equations in 2e + t + 1 unknowns; then P = Q / E, the error locator E vanishes on the wrong
// shares, and P is the polynomial. Any solution of the system gives the same P when at most e
// shares are wrong, so an underdetermined system (fewer errors) is solved with free unknowns 0.
//
// Each element of the share vectors is decoded on its own (errors may sit in different
// positions), but only where the fast check fails: the shares are first interpolated from t + 1
// holders and the others compared (sharing/shamir.hpp's Reconstruction), so honest inputs cost
// what plain reconstruction costs.
//
// What it cannot do: with more than e wrong shares in an element, decoding may fail (then
// errc::inconsistent_shares: detected, nobody named) or, if the liars agree on another
// polynomial, return theirs; with m = t + 1 nothing is detected at all. Security model: holders
// that lie are malicious, but at most e of them; the decoder is deterministic and public.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/mersenne61.hpp"
#include "edgempc/error.hpp"
#include "edgempc/net/transport.hpp"
#include "edgempc/sharing/shamir.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// What robust reconstruction found.
struct RobustReconstruction {
  std::vector<Mersenne61> secrets;
  std::vector<PartyId> faulty;  ///< holders with a wrong share in some element, sorted
};

namespace detail::robust {

/// p(x) by Horner; coefficients lowest first.
inline Mersenne61 eval(std::span<const Mersenne61> p, Mersenne61 x) {
  Mersenne61 acc = Mersenne61::zero();
  for (std::size_t i = p.size(); i-- > 0;) acc = acc * x + p[i];
  return acc;
}

/// Solves A u = b (rows of A with b appended) by Gauss-Jordan elimination mod p; free unknowns
/// are 0. False if the system has no solution.
inline bool solve(std::vector<std::vector<Mersenne61>>& rows, std::size_t unknowns, std::vector<Mersenne61>& u) {
  std::vector<std::size_t> pivot_col;
  std::size_t r = 0;
  for (std::size_t col = 0; col < unknowns && r < rows.size(); ++col) {
    std::size_t pick = r;
    while (pick < rows.size() && rows[pick][col] == Mersenne61::zero()) ++pick;
    if (pick == rows.size()) continue;
    std::swap(rows[r], rows[pick]);
    const Mersenne61 inv = rows[r][col].inverse();
    for (auto& v : rows[r]) v = v * inv;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i == r || rows[i][col] == Mersenne61::zero()) continue;
      const Mersenne61 f = rows[i][col];
      for (std::size_t j = col; j <= unknowns; ++j) rows[i][j] = rows[i][j] - f * rows[r][j];
    }
    pivot_col.push_back(col);
    ++r;
  }
  for (std::size_t i = r; i < rows.size(); ++i)
    if (rows[i][unknowns] != Mersenne61::zero()) return false;  // 0 = nonzero: inconsistent
  u.assign(unknowns, Mersenne61::zero());
  for (std::size_t i = 0; i < r; ++i) u[pivot_col[i]] = rows[i][unknowns];
  return true;
}

/// The polynomial of degree <= t through all but at most e of the points, or false.
inline bool berlekamp_welch(std::span<const Mersenne61> xs, std::span<const Mersenne61> ys, std::size_t t, std::size_t e,
                            std::vector<Mersenne61>& poly) {
  const std::size_t m = xs.size(), q_len = t + e + 1, unknowns = q_len + e;
  std::vector<std::vector<Mersenne61>> rows(m, std::vector<Mersenne61>(unknowns + 1));
  for (std::size_t k = 0; k < m; ++k) {
    Mersenne61 power = Mersenne61::one();
    for (std::size_t i = 0; i < q_len; ++i) {
      rows[k][i] = power;  // Q's coefficient i
      if (i < e) rows[k][q_len + i] = -(ys[k] * power);  // -y_k times E's coefficient i
      power = power * xs[k];
    }
    Mersenne61 xe = Mersenne61::one();
    for (std::size_t i = 0; i < e; ++i) xe = xe * xs[k];
    rows[k][unknowns] = ys[k] * xe;  // y_k x_k^e, E's monic term
  }
  std::vector<Mersenne61> u;
  if (!solve(rows, unknowns, u)) return false;
  std::vector<Mersenne61> q(u.begin(), u.begin() + static_cast<std::ptrdiff_t>(q_len));
  std::vector<Mersenne61> err(u.begin() + static_cast<std::ptrdiff_t>(q_len), u.end());
  err.push_back(Mersenne61::one());  // monic
  // P = Q / E by long division; the remainder must vanish.
  std::vector<Mersenne61> p(q_len - e, Mersenne61::zero());
  for (std::size_t i = q_len; i-- > e;) {
    const Mersenne61 c = q[i];  // E is monic
    p[i - e] = c;
    if (c == Mersenne61::zero()) continue;
    for (std::size_t j = 0; j <= e; ++j) q[i - e + j] = q[i - e + j] - c * err[j];
  }
  for (std::size_t i = 0; i < e; ++i)
    if (q[i] != Mersenne61::zero()) return false;
  std::size_t wrong = 0;
  for (std::size_t k = 0; k < m; ++k) wrong += eval(p, xs[k]) == ys[k] ? 0 : 1;
  if (wrong > e) return false;
  poly = std::move(p);
  return true;
}

}  // namespace detail::robust

/// The secrets from the shares of `holders` (shares[k] is holders[k]'s vector, all equally long)
/// for polynomials of degree `t`, correcting up to floor((m - t - 1) / 2) wrong shares per
/// element and naming their holders. errc::insufficient_shares below t + 1 holders;
/// errc::inconsistent_shares if an element has more wrong shares than can be corrected.
[[nodiscard]] inline RobustReconstruction robust_reconstruct(const Shamir& scheme, std::span<const PartyId> holders,
                                                             std::span<const std::vector<Mersenne61>> shares) {
  const std::size_t m = holders.size(), t = scheme.threshold();
  (void)Reconstruction(scheme, holders, t);  // refuses unknown or repeated holders, too few of them
  if (shares.size() != m)
    throw error(errc::size_mismatch, "robust_reconstruct: " + std::to_string(shares.size()) + " share vectors for " +
                                         std::to_string(m) + " holders");
  const std::size_t n = m ? shares[0].size() : 0;
  for (const auto& s : shares)
    if (s.size() != n) throw error(errc::size_mismatch, "robust_reconstruct: share vectors of different lengths");
  std::vector<Mersenne61> xs;
  for (const PartyId p : holders) xs.push_back(Shamir::point(p));
  const auto at_zero = detail::lagrange_at(std::span<const Mersenne61>(xs).first(t + 1), Mersenne61::zero());
  std::vector<std::vector<Mersenne61>> at_extra;
  for (std::size_t k = t + 1; k < m; ++k) at_extra.push_back(detail::lagrange_at(std::span<const Mersenne61>(xs).first(t + 1), xs[k]));
  const std::size_t e = (m - t - 1) / 2;

  RobustReconstruction out;
  out.secrets.resize(n);
  std::vector<bool> faulty(m, false);
  std::vector<Mersenne61> ys(m), poly;
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t k = 0; k < m; ++k) ys[k] = shares[k][j];
    bool consistent = true;
    for (std::size_t k = t + 1; k < m && consistent; ++k) {
      Mersenne61 v = Mersenne61::zero();
      for (std::size_t i = 0; i <= t; ++i) v = v + at_extra[k - t - 1][i] * ys[i];
      consistent = v == ys[k];
    }
    if (consistent) {
      Mersenne61 v = Mersenne61::zero();
      for (std::size_t i = 0; i <= t; ++i) v = v + at_zero[i] * ys[i];
      out.secrets[j] = v;
      continue;
    }
    if (e == 0 || !detail::robust::berlekamp_welch(xs, ys, t, e, poly))
      throw error(errc::inconsistent_shares, "robust_reconstruct: element " + std::to_string(j) + " has more wrong shares than " +
                                                 std::to_string(m) + " holders of degree " + std::to_string(t) +
                                                 " can correct (" + std::to_string(e) + ")");
    out.secrets[j] = poly[0];
    for (std::size_t k = 0; k < m; ++k)
      if (detail::robust::eval(poly, xs[k]) != ys[k]) faulty[k] = true;
  }
  for (std::size_t k = 0; k < m; ++k)
    if (faulty[k]) out.faulty.push_back(holders[k]);
  std::sort(out.faulty.begin(), out.faulty.end());
  return out;
}

EDGEMPC_END_NAMESPACE
