// SPDX-License-Identifier: Apache-2.0
// AES-128 (FIPS-197) in portable C++, constant time: for CPUs without AES instructions (an ARM
// gateway), and as the reference the AES-NI code is tested against.
//
// Bitsliced, 64 blocks at once: word p of the state holds bit p of every block (bit j of the
// word is block j's), so SubBytes is a boolean circuit evaluated on 64-bit words and ShiftRows
// is a renaming. There is no table and no branch on data or key, only AND, XOR and shifts,
// whose timing does not depend on their operands. The S-box is the 113-gate circuit of
// J. Boyar and R. Peralta, "A depth-16 circuit for the AES S-box" (IFIP SEC 2012; eprint
// 2011/332), which computes the inversion in GF(2^8) and the affine map together. Blocks are
// moved in and out of the sliced form by a 64x64 bit-matrix transpose (the recursive
// block-swap of Warren, "Hacker's Delight", 7-3).
//
// Fewer than 64 blocks cost as much as 64, so callers should batch; the garbler does. With 128
// blocks or more, two 64-block batches run side by side in the two halves of a 128-bit
// vector (GCC/Clang vector extensions: SSE2 on x86-64, NEON on ARM64, plain words elsewhere),
// which roughly halves the cost per block.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "edgempc/core/block.hpp"
#include "edgempc/core/sodium.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail::aes_portable {

using Word = std::uint64_t;
/// Two Words processed as one: bit j of half h is block 64h + j.
using Word2 = std::uint64_t __attribute__((vector_size(16)));

/// Blocks per bitsliced batch (the bits of a Word).
inline constexpr std::size_t lanes = 64;

template <class W>
inline constexpr std::size_t halves = sizeof(W) / sizeof(Word);

template <class W>
[[nodiscard]] inline W splat(Word x) noexcept {
  if constexpr (halves<W> == 1) {
    return x;
  } else {
    W v{};
    for (std::size_t h = 0; h < halves<W>; ++h) v[h] = x;
    return v;
  }
}

/// The 11 round keys of AES-128, byte r*16 + i being byte i of round key r (the layout of
/// detail::aesni::RoundKeys).
struct RoundKeys {
  std::uint8_t bytes[11 * 16];
};

/// The round keys in sliced form: word p of round r is all ones where bit p of the round key
/// is set. Kept beside the state so that AddRoundKey is one XOR per word.
struct SlicedKeys {
  Word w[11][128];
};

// The S-box on eight sliced bit positions, in[b] = bit b (b = 0 the least significant).
// Boyar-Peralta number the bits from the most significant (U0) down, hence the reversal. Top
// linear layer (T), non-linear middle with the 32 ANDs (M), bottom linear layer (L, S); the
// four complemented outputs of the paper (XNOR) are XORs with all ones here.
template <class W>
inline void sbox(const W in[8], W out[8]) noexcept {
  const W u0 = in[7], u1 = in[6], u2 = in[5], u3 = in[4];
  const W u4 = in[3], u5 = in[2], u6 = in[1], u7 = in[0];

  const W t1 = u0 ^ u3, t2 = u0 ^ u5, t3 = u0 ^ u6, t4 = u3 ^ u5, t5 = u4 ^ u6;
  const W t6 = t1 ^ t5, t7 = u1 ^ u2, t8 = u7 ^ t6, t9 = u7 ^ t7, t10 = t6 ^ t7;
  const W t11 = u1 ^ u5, t12 = u2 ^ u5, t13 = t3 ^ t4, t14 = t6 ^ t11, t15 = t5 ^ t11;
  const W t16 = t5 ^ t12, t17 = t9 ^ t16, t18 = u3 ^ u7, t19 = t7 ^ t18, t20 = t1 ^ t19;
  const W t21 = u6 ^ u7, t22 = t7 ^ t21, t23 = t2 ^ t22, t24 = t2 ^ t10, t25 = t20 ^ t17;
  const W t26 = t3 ^ t16, t27 = t1 ^ t12;

  const W m1 = t13 & t6, m2 = t23 & t8, m3 = t14 ^ m1, m4 = t19 & u7, m5 = m4 ^ m1;
  const W m6 = t3 & t16, m7 = t22 & t9, m8 = t26 ^ m6, m9 = t20 & t17, m10 = m9 ^ m6;
  const W m11 = t1 & t15, m12 = t4 & t27, m13 = m12 ^ m11, m14 = t2 & t10, m15 = m14 ^ m11;
  const W m16 = m3 ^ m2, m17 = m5 ^ t24, m18 = m8 ^ m7, m19 = m10 ^ m15, m20 = m16 ^ m13;
  const W m21 = m17 ^ m15, m22 = m18 ^ m13, m23 = m19 ^ t25, m24 = m22 ^ m23, m25 = m22 & m20;
  const W m26 = m21 ^ m25, m27 = m20 ^ m21, m28 = m23 ^ m25, m29 = m28 & m27, m30 = m26 & m24;
  const W m31 = m20 & m23, m32 = m27 & m31, m33 = m27 ^ m25, m34 = m21 & m22, m35 = m24 & m34;
  const W m36 = m24 ^ m25, m37 = m21 ^ m29, m38 = m32 ^ m33, m39 = m23 ^ m30, m40 = m35 ^ m36;
  const W m41 = m38 ^ m40, m42 = m37 ^ m39, m43 = m37 ^ m38, m44 = m39 ^ m40, m45 = m42 ^ m41;
  const W m46 = m44 & t6, m47 = m40 & t8, m48 = m39 & u7, m49 = m43 & t16, m50 = m38 & t9;
  const W m51 = m37 & t17, m52 = m42 & t15, m53 = m45 & t27, m54 = m41 & t10, m55 = m44 & t13;
  const W m56 = m40 & t23, m57 = m39 & t19, m58 = m43 & t3, m59 = m38 & t22, m60 = m37 & t20;
  const W m61 = m42 & t1, m62 = m45 & t4, m63 = m41 & t2;

  const W l0 = m61 ^ m62, l1 = m50 ^ m56, l2 = m46 ^ m48, l3 = m47 ^ m55, l4 = m54 ^ m58;
  const W l5 = m49 ^ m61, l6 = m62 ^ l5, l7 = m46 ^ l3, l8 = m51 ^ m59, l9 = m52 ^ m53;
  const W l10 = m53 ^ l4, l11 = m60 ^ l2, l12 = m48 ^ m51, l13 = m50 ^ l0, l14 = m52 ^ m61;
  const W l15 = m55 ^ l1, l16 = m56 ^ l0, l17 = m57 ^ l1, l18 = m58 ^ l8, l19 = m63 ^ l4;
  const W l20 = l0 ^ l1, l21 = l1 ^ l7, l22 = l3 ^ l12, l23 = l18 ^ l2, l24 = l15 ^ l9;
  const W l25 = l6 ^ l10, l26 = l7 ^ l9, l27 = l8 ^ l10, l28 = l11 ^ l14, l29 = l11 ^ l17;

  const W ones = ~W{};
  out[7] = l6 ^ l24;
  out[6] = l16 ^ l26 ^ ones;
  out[5] = l19 ^ l28 ^ ones;
  out[4] = l6 ^ l21;
  out[3] = l20 ^ l22;
  out[2] = l25 ^ l29;
  out[1] = l13 ^ l27 ^ ones;
  out[0] = l6 ^ l23 ^ ones;
}

/// The S-box of one byte, in constant time (the sliced circuit on one lane); for the key
/// schedule and for tests.
[[nodiscard]] inline std::uint8_t sub_byte(std::uint8_t x) noexcept {
  Word in[8], out[8];
  for (int b = 0; b < 8; ++b) in[b] = (x >> b) & 1u;
  sbox<Word>(in, out);
  std::uint8_t y = 0;
  for (int b = 0; b < 8; ++b) y = static_cast<std::uint8_t>(y | ((out[b] & 1u) << b));
  return y;
}

/// FIPS-197 section 5.2, with SubWord through the constant-time S-box: the key may be secret.
inline void expand_key(const std::uint8_t key[16], RoundKeys& out) noexcept {
  static constexpr std::uint8_t rcon[10] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36};
  std::uint8_t* w = out.bytes;
  std::memcpy(w, key, 16);
  for (int i = 4; i < 44; ++i) {
    std::uint8_t t[4] = {w[4 * (i - 1)], w[4 * (i - 1) + 1], w[4 * (i - 1) + 2], w[4 * (i - 1) + 3]};
    if (i % 4 == 0) {  // i is public: this branch depends on the position only
      const std::uint8_t t0 = t[0];
      t[0] = static_cast<std::uint8_t>(sub_byte(t[1]) ^ rcon[i / 4 - 1]);
      t[1] = sub_byte(t[2]);
      t[2] = sub_byte(t[3]);
      t[3] = sub_byte(t0);
    }
    for (int k = 0; k < 4; ++k) w[4 * i + k] = static_cast<std::uint8_t>(w[4 * (i - 4) + k] ^ t[k]);
  }
}

inline void slice_keys(const RoundKeys& keys, SlicedKeys& out) noexcept {
  for (int r = 0; r < 11; ++r)
    for (int p = 0; p < 128; ++p)
      out.w[r][p] = Word{0} - static_cast<Word>((keys.bytes[16 * r + p / 8] >> (p % 8)) & 1u);
}

// In place: row i bit c <-> row c bit i. Each step swaps the off-diagonal quadrants of every
// 2s x 2s tile; it is its own inverse.
inline void transpose64(Word a[64]) noexcept {
  static constexpr Word masks[6] = {0x5555555555555555, 0x3333333333333333, 0x0f0f0f0f0f0f0f0f,
                                    0x00ff00ff00ff00ff, 0x0000ffff0000ffff, 0x00000000ffffffff};
  for (int k = 5; k >= 0; --k) {
    const int s = 1 << k;
    for (int i = 0; i < 64; ++i) {
      if ((i & s) != 0) continue;  // i is a loop index, not data
      const Word t = ((a[i] >> s) ^ a[i + s]) & masks[k];
      a[i] ^= t << s;
      a[i + s] ^= t;
    }
  }
}

// Bit b of state byte i is word 8i + b; byte i = row i % 4, column i / 4 (FIPS-197 3.4).
template <class W>
struct State {
  W w[128];
};

// Block j's lo half becomes bit j of words 0..63 and its hi half bit j of words 64..127: a
// block's byte i is AES input byte i, and its bit p (little-endian) is bit p % 8 of byte p / 8.
template <class W>
inline void load(const Block* in, std::size_t n, State<W>& s) noexcept {
  for (std::size_t h = 0; h < halves<W>; ++h) {
    Word t[128];
    for (std::size_t j = 0; j < lanes; ++j) {
      const std::size_t k = lanes * h + j;
      const Block b = k < n ? in[k] : Block{};
      t[j] = b.lo;
      t[64 + j] = b.hi;
    }
    transpose64(t);
    transpose64(t + 64);
    for (std::size_t p = 0; p < 128; ++p) {
      if constexpr (halves<W> == 1) s.w[p] = t[p];
      else s.w[p][h] = t[p];
    }
    secure_wipe(t, sizeof t);
  }
}

template <class W>
inline void store(const State<W>& s, Block* out, std::size_t n) noexcept {
  for (std::size_t h = 0; h < halves<W> && lanes * h < n; ++h) {
    Word t[128];
    for (std::size_t p = 0; p < 128; ++p) {
      if constexpr (halves<W> == 1) t[p] = s.w[p];
      else t[p] = s.w[p][h];
    }
    transpose64(t);
    transpose64(t + 64);
    for (std::size_t j = 0; j < lanes && lanes * h + j < n; ++j) out[lanes * h + j] = Block{t[j], t[64 + j]};
    secure_wipe(t, sizeof t);
  }
}

template <class W>
inline void add_round_key(State<W>& s, const Word* k) noexcept {
  for (int p = 0; p < 128; ++p) s.w[p] ^= splat<W>(k[p]);
}

// ShiftRows moves byte (row r, column c) to column c - r: output byte r + 4c takes input
// byte r + 4((c + r) % 4). Done while writing the S-box outputs, so it costs nothing.
template <class W>
inline void sub_bytes_shift_rows(const State<W>& in, State<W>& out) noexcept {
  for (int c = 0; c < 4; ++c)
    for (int r = 0; r < 4; ++r) sbox<W>(in.w + 8 * (r + 4 * ((c + r) % 4)), out.w + 8 * (r + 4 * c));
}

// Multiplication by x in GF(2^8) mod x^8 + x^4 + x^3 + x + 1, on sliced bits.
template <class W>
inline void xtime(const W a[8], W out[8]) noexcept {
  out[0] = a[7];
  out[1] = a[0] ^ a[7];
  out[2] = a[1];
  out[3] = a[2] ^ a[7];
  out[4] = a[3] ^ a[7];
  out[5] = a[4];
  out[6] = a[5];
  out[7] = a[6];
}

// b_r = 2 a_r + 3 a_{r+1} + a_{r+2} + a_{r+3} = a_r + (a_0 + a_1 + a_2 + a_3) + 2 (a_r + a_{r+1}).
template <class W>
inline void mix_columns(const State<W>& in, State<W>& out) noexcept {
  for (int c = 0; c < 4; ++c) {
    const W* a = in.w + 32 * c;
    W* o = out.w + 32 * c;
    W total[8];
    for (int b = 0; b < 8; ++b) total[b] = a[b] ^ a[8 + b] ^ a[16 + b] ^ a[24 + b];
    for (int r = 0; r < 4; ++r) {
      W sum[8], twice[8];
      for (int b = 0; b < 8; ++b) sum[b] = a[8 * r + b] ^ a[8 * ((r + 1) % 4) + b];
      xtime<W>(sum, twice);
      for (int b = 0; b < 8; ++b) o[8 * r + b] = a[8 * r + b] ^ total[b] ^ twice[b];
    }
  }
}

/// Encrypts up to 64 * halves<W> blocks (in and out may be the same array).
template <class W = Word>
inline void encrypt_batch(const SlicedKeys& keys, const Block* in, Block* out, std::size_t n) noexcept {
  State<W> s, t;
  load(in, n, s);
  add_round_key(s, keys.w[0]);
  for (int r = 1; r < 10; ++r) {
    sub_bytes_shift_rows(s, t);
    mix_columns(t, s);
    add_round_key(s, keys.w[r]);
  }
  sub_bytes_shift_rows(s, t);
  add_round_key(t, keys.w[10]);
  store(t, out, n);
  // The sliced state of the blocks: as secret as the blocks themselves.
  secure_wipe(&s, sizeof s);
  secure_wipe(&t, sizeof t);
}

/// Encrypts up to 64 blocks.
inline void encrypt64(const SlicedKeys& keys, const Block* in, Block* out, std::size_t n) noexcept {
  encrypt_batch<Word>(keys, in, out, n);
}

/// out[i] = AES_k(in[i]) for any n (in == out allowed).
inline void encrypt_blocks(const SlicedKeys& keys, const Block* in, Block* out, std::size_t n) noexcept {
  std::size_t i = 0;
  while (n - i > lanes) {  // more than one Word's worth: the two-halves batch pays off
    const std::size_t m = std::min(2 * lanes, n - i);
    encrypt_batch<Word2>(keys, in + i, out + i, m);
    i += m;
  }
  if (i < n) encrypt64(keys, in + i, out + i, n - i);
}

}  // namespace detail::aes_portable
EDGEMPC_END_NAMESPACE
