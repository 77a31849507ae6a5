// SPDX-License-Identifier: Apache-2.0
// Truncation of fixed-point shares after a multiplication, two parties over Z2k<64>, with no
// communication (Mohassel and Zhang, "SecureML", IEEE S&P 2017, sec. 4.1, Theorem 1).
//
// A product of two values with f fractional bits has 2f; to keep computing, its shares must be
// divided by 2^f. Party 0 shifts its share arithmetically (x0 >> f), party 1 negates, shifts
// and negates again (-((-x1) >> f)). If the shared value x satisfies |x| < 2^l, then with
// probability at least 1 - 2^(l + 1 - 64) over the sharing the result is a sharing of
// floor(x / 2^f) or floor(x / 2^f) + 1: an error of at most one unit in the last place (2^-f).
// Otherwise (probability at most 2^(l + 1 - 64)) the result is wrong by about 2^(64 - f).
//
// Choose l with care: readings of +-2^20 with f = 16 have l = 2 * (20 + 16) = 72 bits after a
// product, which does not fit at all; +-2^10 with f = 12 gives l = 44 and a failure rate below
// 2^-19 per element. Values that are only revealed need no truncation: decode them with 2f
// fractional bits instead (protocols/statistics.hpp does).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "edgempc/core/z2k.hpp"
#include "edgempc/error.hpp"
#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// In place: party `me` (0 or 1) of a two-party additive sharing divides by 2^bits.
inline void truncate_shares_2pc(PartyId me, std::span<Z2k<64>> shares, unsigned bits) {
  if (me > 1) throw error(errc::invalid_argument, "truncate_shares_2pc: party " + std::to_string(me) + " of 2");
  if (bits == 0 || bits >= 63) throw error(errc::invalid_argument, "truncate_shares_2pc: shift by " + std::to_string(bits));
  for (auto& s : shares) {
    // Arithmetic shift of the two's-complement reading; C++20 defines >> on negatives so.
    if (me == 0) {
      s = Z2k<64>::from_int(s.to_int() >> bits);
    } else {
      s = -Z2k<64>::from_int((-s).to_int() >> bits);  // negation in the ring: no signed overflow
    }
  }
}

EDGEMPC_END_NAMESPACE
