// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/gc/bristol.hpp>
#include <edgempc/gc/builder.hpp>
#include <edgempc/gc/evaluate.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <vector>

using namespace edgempc;
using gc::Bit;
using gc::Builder;
using gc::Word;

namespace {

constexpr std::uint64_t mask(std::uint32_t w) { return w >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << w) - 1; }

// The w-bit two's-complement value v as an int64.
constexpr std::int64_t sext(std::uint64_t v, std::uint32_t w) {
  v &= mask(w);
  if (w < 64 && ((v >> (w - 1)) & 1U) != 0) v |= ~mask(w);
  return static_cast<std::int64_t>(v);
}

constexpr std::uint64_t u(std::int64_t v, std::uint32_t w) { return static_cast<std::uint64_t>(v) & mask(w); }

// Random w-bit values biased toward edges (0, 1, all ones, the sign boundary) and small numbers.
std::uint64_t pick(std::mt19937_64& rng, std::uint32_t w) {
  switch (rng() % 5) {
    case 0: return rng() & mask(w);
    case 1: return (rng() >> (rng() % 64)) & mask(w);
    case 2: return u(-static_cast<std::int64_t>(rng() % 1000), w);
    case 3: return (rng() % 10) & mask(w);
    default: {
      const std::uint64_t edges[] = {0, 1, mask(w), mask(w) >> 1, (mask(w) >> 1) + 1, mask(w) - 1};
      return edges[rng() % 6];
    }
  }
}

std::vector<std::uint64_t> run(const gc::Circuit& c, const std::vector<std::uint64_t>& in) { return gc::evaluate(c, in); }

// The word operations on two w-bit inputs a, b and a select bit s, one output each.
gc::Circuit word_circuit(std::uint32_t w) {
  Builder b;
  const Word x = b.input(w);
  const Word y = b.input(w);
  const Bit s = b.input(1)[0];
  b.output(add(b, x, y));
  b.output({add_with_carry(b, x, y).back()});
  b.output(sub(b, x, y));
  b.output(neg(b, x));
  b.output(mul(b, x, y));
  b.output({less_unsigned(b, x, y)});
  b.output({less_signed(b, x, y)});
  b.output({equal(b, x, y)});
  b.output(mux(b, s, x, y));
  b.output(max_unsigned(b, x, y));
  b.output(min_unsigned(b, x, y));
  b.output(max_signed(b, x, y));
  b.output(min_signed(b, x, y));
  const auto ud = udivide(b, x, y);
  b.output(ud.quotient);
  b.output(ud.remainder);
  const auto sd = sdivide(b, x, y);
  b.output(sd.quotient);
  b.output(sd.remainder);
  b.output({b.or_gate(x[0], y[0])});
  return b.finish();
}

void check_words(const gc::Circuit& c, std::uint32_t w, std::uint64_t a, std::uint64_t bb, std::uint64_t s) {
  INFO("w=" << w << " a=" << a << " b=" << bb << " s=" << s);
  const auto o = run(c, {a, bb, s});
  REQUIRE(o.size() == 18);
  const std::int64_t sa = sext(a, w);
  const std::int64_t sb = sext(bb, w);
  CHECK(o[0] == ((a + bb) & mask(w)));
  CHECK(o[1] == (w < 64 ? (a + bb) >> w : (a + bb < a ? 1U : 0U)));  // the carry out
  CHECK(o[2] == ((a - bb) & mask(w)));
  CHECK(o[3] == ((0 - a) & mask(w)));
  CHECK(o[4] == ((a * bb) & mask(w)));
  CHECK(o[5] == (a < bb ? 1U : 0U));
  CHECK(o[6] == (sa < sb ? 1U : 0U));
  CHECK(o[7] == (a == bb ? 1U : 0U));
  CHECK(o[8] == (s != 0 ? bb : a));
  CHECK(o[9] == std::max(a, bb));
  CHECK(o[10] == std::min(a, bb));
  CHECK(o[11] == u(std::max(sa, sb), w));
  CHECK(o[12] == u(std::min(sa, sb), w));
  // Unsigned division; by zero the quotient is all ones and the remainder the dividend.
  CHECK(o[13] == (bb == 0 ? mask(w) : a / bb));
  CHECK(o[14] == (bb == 0 ? a : a % bb));
  // Signed division truncating toward zero; MIN / -1 wraps to MIN remainder 0; by zero the
  // quotient is -1 (a >= 0) or 1 (a < 0) and the remainder the dividend.
  const std::int64_t min = sext(std::uint64_t{1} << (w - 1), w);
  if (sb == 0) {
    CHECK(o[15] == u(sa < 0 ? 1 : -1, w));
    CHECK(o[16] == a);
  } else if (sa == min && sb == -1) {
    CHECK(o[15] == a);
    CHECK(o[16] == 0);
  } else {
    CHECK(o[15] == u(sa / sb, w));
    CHECK(o[16] == u(sa % sb, w));
  }
  CHECK(o[17] == ((a | bb) & 1U));
}

}  // namespace

TEST_CASE("builder word operations match integer arithmetic exhaustively at 5 bits", "[gc]") {
  const auto c = word_circuit(5);
  for (std::uint64_t a = 0; a < 32; ++a)
    for (std::uint64_t b = 0; b < 32; ++b)
      for (std::uint64_t s = 0; s < 2; ++s) check_words(c, 5, a, b, s);
}

TEST_CASE("builder word operations match integer arithmetic on random 64- and 13-bit words", "[gc]") {
  std::mt19937_64 rng(0x6c0001);
  for (const std::uint32_t w : {64U, 13U}) {
    const auto c = word_circuit(w);
    for (int i = 0; i < 150; ++i) check_words(c, w, pick(rng, w), pick(rng, w), rng() & 1U);
    const std::uint64_t min = std::uint64_t{1} << (w - 1);
    check_words(c, w, min, mask(w), 0);  // MIN / -1
    check_words(c, w, min, 0, 1);        // MIN / 0
    check_words(c, w, mask(w), mask(w), 1);
  }
}

TEST_CASE("builder constructions use the expected number of AND gates", "[gc]") {
  const auto ands = [](auto&& make) {
    Builder b;
    const Word x = b.input(64);
    const Word y = b.input(64);
    make(b, x, y);
    return b.finish().and_count();
  };
  CHECK(ands([](Builder& b, const Word& x, const Word& y) { b.output(add(b, x, y)); }) == 63);
  CHECK(ands([](Builder& b, const Word& x, const Word& y) { b.output(add_with_carry(b, x, y)); }) == 64);
  CHECK(ands([](Builder& b, const Word& x, const Word& y) { b.output(sub(b, x, y)); }) == 63);
  CHECK(ands([](Builder& b, const Word& x, const Word&) { b.output(neg(b, x)); }) == 62);
  CHECK(ands([](Builder& b, const Word& x, const Word& y) { b.output({less_unsigned(b, x, y)}); }) == 64);
  CHECK(ands([](Builder& b, const Word& x, const Word& y) { b.output({less_signed(b, x, y)}); }) == 64);
  CHECK(ands([](Builder& b, const Word& x, const Word& y) { b.output({equal(b, x, y)}); }) == 63);
  CHECK(ands([](Builder& b, const Word& x, const Word& y) { b.output(mux(b, y[0], x, y)); }) == 64);
  CHECK(ands([](Builder& b, const Word& x, const Word& y) { b.output(max_unsigned(b, x, y)); }) == 128);
  // Restoring division: n^2 + n subtract-and-select plus 2n for the high-bit test (the
  // published udivide64.txt has 4,285).
  CHECK(ands([](Builder& b, const Word& x, const Word& y) { b.output(udivide(b, x, y).quotient); }) <= 4288);
  // A constant operand folds away: x + 1 is an incrementer, x * 2^k is a shift.
  CHECK(ands([](Builder& b, const Word& x, const Word&) { b.output(add(b, x, gc::constant_word(1, 64))); }) == 62);
  CHECK(ands([](Builder& b, const Word& x, const Word&) { b.output(mul(b, x, gc::constant_word(8, 64))); }) == 0);
  CHECK(ands([](Builder& b, const Word& x, const Word&) { b.output({less_unsigned(b, x, gc::constant_word(0, 64))}); }) == 0);
}

TEST_CASE("builder sums, max/min and averages of many words", "[gc]") {
  constexpr std::uint32_t w = 16;
  constexpr std::size_t n = 9;
  Builder b;
  std::vector<Word> xs;
  for (std::size_t i = 0; i < n; ++i) xs.push_back(b.input(w));
  const Word count = b.input(8);
  const Word threshold = b.input(w);
  b.output(sum_unsigned(b, xs, 20));  // exact: 9 * (2^16 - 1) < 2^20
  b.output(sum_unsigned(b, xs, 16));  // wraps
  b.output(sum_signed(b, xs, 20));
  b.output(sum_signed(b, xs, 16));
  b.output(max_unsigned(b, xs));
  b.output(min_unsigned(b, xs));
  b.output(max_signed(b, xs));
  b.output(min_signed(b, xs));
  b.output(average_unsigned(b, xs, count, 20));
  b.output(average_signed(b, xs, count, 20));
  b.output(average_unsigned(b, xs, gc::constant_word(n, 4), 20));
  b.output(average_signed(b, xs, gc::constant_word(n, 4), 20));
  b.output({average_above_unsigned(b, xs, count, threshold, 20)});
  b.output({average_above_signed(b, xs, count, threshold, 20)});
  b.output({average_above_signed(b, xs, gc::constant_word(n, 4), threshold, 20)});
  const auto c = b.finish();

  std::mt19937_64 rng(0x6c0002);
  for (int round = 0; round < 150; ++round) {
    std::vector<std::uint64_t> in;
    for (std::size_t i = 0; i < n; ++i) in.push_back(round == 0 ? mask(w) : round == 1 ? 0x8000 : pick(rng, w));
    const std::uint64_t cnt = round < 3 ? 0 : rng() % 4 == 0 ? n : pick(rng, 8);
    const std::uint64_t t = pick(rng, w);
    in.push_back(cnt);
    in.push_back(t);
    INFO("round " << round << " count " << cnt << " threshold " << t);
    const auto o = run(c, in);
    REQUIRE(o.size() == 15);

    std::uint64_t su = 0;
    std::int64_t ss = 0;
    std::uint64_t mxu = 0, mnu = mask(w);
    std::int64_t mxs = std::numeric_limits<std::int64_t>::min(), mns = std::numeric_limits<std::int64_t>::max();
    for (std::size_t i = 0; i < n; ++i) {
      su += in[i];
      ss += sext(in[i], w);
      mxu = std::max(mxu, in[i]), mnu = std::min(mnu, in[i]);
      mxs = std::max(mxs, sext(in[i], w)), mns = std::min(mns, sext(in[i], w));
    }
    CHECK(o[0] == su);
    CHECK(o[1] == (su & mask(16)));
    CHECK(o[2] == u(ss, 20));
    CHECK(o[3] == u(ss, 16));
    CHECK(o[4] == mxu);
    CHECK(o[5] == mnu);
    CHECK(o[6] == u(mxs, w));
    CHECK(o[7] == u(mns, w));
    const auto cn = static_cast<std::int64_t>(cnt);
    CHECK(o[8] == (cnt == 0 ? mask(20) : su / cnt));
    CHECK(o[9] == u(cnt == 0 ? (ss < 0 ? 1 : -1) : ss / cn, 20));
    CHECK(o[10] == su / n);
    CHECK(o[11] == u(ss / static_cast<std::int64_t>(n), 20));
    // Exact comparisons of the rational average: sum > threshold * count.
    CHECK(o[12] == (su > t * cnt ? 1U : 0U));
    CHECK(o[13] == (ss > sext(t, w) * cn ? 1U : 0U));
    CHECK(o[14] == (ss > sext(t, w) * static_cast<std::int64_t>(n) ? 1U : 0U));
  }
}

TEST_CASE("builder sums widen per level and handle mixed widths", "[gc]") {
  Builder b;
  std::vector<Word> xs;
  const std::vector<std::uint32_t> widths = {1, 3, 8, 17, 32, 5, 64};
  for (const auto w : widths) xs.push_back(b.input(w));
  b.output(sum_unsigned(b, xs, 64));
  b.output(sum_signed(b, xs, 64));
  b.output(sum_unsigned(b, {}, 7));
  const auto c = b.finish();
  std::mt19937_64 rng(0x6c0003);
  for (int round = 0; round < 100; ++round) {
    std::vector<std::uint64_t> in;
    std::uint64_t su = 0;
    std::int64_t ss = 0;
    for (const auto w : widths) {
      in.push_back(pick(rng, w));
      su += in.back();
      ss = static_cast<std::int64_t>(static_cast<std::uint64_t>(ss) + static_cast<std::uint64_t>(sext(in.back(), w)));
    }
    const auto o = run(c, in);
    CHECK(o[0] == su);
    CHECK(o[1] == static_cast<std::uint64_t>(ss));
    CHECK(o[2] == 0);
  }

  // A hundred 32-bit readings summed at 40 bits: exact, and cheap (the adders grow one bit per level).
  Builder big;
  std::vector<Word> readings;
  for (int i = 0; i < 100; ++i) readings.push_back(big.input(32));
  big.output(sum_unsigned(big, readings, 40));
  const auto bc = big.finish();
  CHECK(bc.and_count() < 100 * 36);
  std::vector<std::uint64_t> in(100, mask(32));
  CHECK(run(bc, in).at(0) == 100 * mask(32));
}

TEST_CASE("builder finish: inputs first, outputs last, copies and constants, dead gates dropped", "[gc]") {
  Builder b;
  const Word x = b.input(4);
  const Bit unused = b.and_gate(x[0], x[1]);  // no output depends on it
  (void)unused;
  const Bit g = b.and_gate(x[2], x[3]);
  const Word y = b.input(2);  // declared after a gate: still wires 4 and 5
  b.output({g, x[0], Bit::one(), g, Bit::zero(), y[1]});
  b.output({b.xor_gate(y[0], Bit::one())});
  const auto c = b.finish();
  CHECK(c.input_widths == std::vector<std::uint32_t>{4, 2});
  CHECK(c.output_widths == std::vector<std::uint32_t>{6, 1});
  CHECK(c.and_count() == 1);
  CHECK(c.wires == 6 + 7);
  for (std::uint64_t xv = 0; xv < 16; ++xv)
    for (std::uint64_t yv = 0; yv < 4; ++yv) {
      const auto o = run(c, {xv, yv});
      const std::uint64_t gv = (xv >> 2) & (xv >> 3) & 1U;
      CHECK(o[0] == (gv | ((xv & 1U) << 1) | 4U | (gv << 3) | (((yv >> 1) & 1U) << 5)));
      CHECK(o[1] == ((yv & 1U) ^ 1U));
    }
  // It is a valid Bristol file.
  CHECK_NOTHROW(gc::parse_bristol(gc::to_bristol(c)));
}

TEST_CASE("builder -> Bristol text -> reader gives the same results", "[gc]") {
  const auto c = word_circuit(64);
  const auto back = gc::parse_bristol(gc::to_bristol(c));
  CHECK(back.gates.size() == c.gates.size());
  std::mt19937_64 rng(0x6c0004);
  for (int i = 0; i < 50; ++i) {
    const std::vector<std::uint64_t> in = {pick(rng, 64), pick(rng, 64), rng() & 1U};
    CHECK(run(back, in) == run(c, in));
  }
}

TEST_CASE("builder misuse is an error", "[gc]") {
  Builder b;
  const Word x = b.input(8);
  const Word y = b.input(9);
  const auto code_of = [](auto&& f) {
    try {
      f();
    } catch (const error& e) {
      return e.code();
    }
    return std::error_code{};
  };
  CHECK(code_of([&] { (void)add(b, x, y); }) == errc::size_mismatch);
  CHECK(code_of([&] { (void)less_unsigned(b, x, y); }) == errc::size_mismatch);
  CHECK(code_of([&] { (void)b.and_gate(x[0], Bit{12345}); }) == errc::invalid_argument);
  CHECK(code_of([&] { (void)b.input(0); }) == errc::invalid_argument);
  CHECK(code_of([&] { b.output({}); }) == errc::invalid_argument);
  CHECK(code_of([&] { (void)max_signed(b, std::vector<Word>{}); }) == errc::invalid_argument);
  // Division zero-extends (udivide) or sign-extends (sdivide) the narrower word.
  CHECK(code_of([&] { (void)udivide(b, x, y); }) == std::error_code{});
}
