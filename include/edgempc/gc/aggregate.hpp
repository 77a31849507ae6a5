// SPDX-License-Identifier: Apache-2.0
// Sum, average, maximum, minimum and "is the average above a threshold" of two parties' values
// by a garbled circuit (Yao, gc/yao.hpp), revealing only the result — and the bridge from the
// arithmetic protocols: with `shared` set, the two parties input their additive shares over
// Z2k<64> of one vector, and the circuit first adds the shares (mod 2^64), so gateways can
// compare and divide the results of the arithmetic protocols without opening them.
//
// Values are 64-bit, two's complement when `is_signed`, unsigned otherwise. The sum is taken
// with 64 + ceil(log2 n) + 1 bits, so it never overflows; the average divides it by the public
// count n (truncating toward zero; for unsigned values, floor); the threshold test compares
// sum > threshold * n exactly, so no rounding of the average can flip it. The number of
// values each party holds is public; the values are not.
//
// Security model: that of Yao (semi-honest, gc/yao.hpp). Each receiver learns the result and
// what it implies; for a sum or an average of the other party's values together with its own,
// that includes the other party's sum.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "edgempc/core/detail/int128.hpp"
#include "edgempc/gc/builder.hpp"
#include "edgempc/gc/yao.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

/// The aggregates' result type: `__int128` where the compiler has it, else (32-bit ARM) a class
/// with the same operators (core/detail/int128.hpp).
using Int128 = edgempc::detail::int128_t;
using UInt128 = edgempc::detail::uint128_t;

enum class Aggregate : std::uint8_t { sum, average, maximum, minimum, above_threshold };

struct AggregateSpec {
  Aggregate what = Aggregate::sum;
  bool is_signed = true;
  std::int64_t threshold = 0;  ///< for above_threshold; read as unsigned when !is_signed
  bool shared = false;         ///< inputs are additive shares over Z2k<64> of one vector
};

/// Bits of the exact sum of n 64-bit values (one more for the sign of signed sums).
[[nodiscard]] inline std::uint32_t sum_width(std::size_t n) noexcept {
  return 64 + static_cast<std::uint32_t>(std::bit_width(n)) + 1;
}

/// The circuit: input k < garbler_values is the garbler's k-th value, then the evaluator's;
/// one output: the aggregate (sum_width(n) bits for a sum, 64 for average/max/min, 1 for the
/// threshold test).
[[nodiscard]] inline Circuit aggregate_circuit(const AggregateSpec& spec, std::size_t garbler_values,
                                               std::size_t evaluator_values) {
  if (spec.shared && garbler_values != evaluator_values)
    throw error(errc::size_mismatch, "aggregate_circuit: shares of one vector need as many from each party");
  Builder b;
  std::vector<Word> g, e, values;
  for (std::size_t i = 0; i < garbler_values; ++i) g.push_back(b.input(64));
  for (std::size_t i = 0; i < evaluator_values; ++i) e.push_back(b.input(64));
  if (spec.shared) {
    for (std::size_t i = 0; i < g.size(); ++i) values.push_back(add(b, g[i], e[i]));
  } else {
    values = g;
    values.insert(values.end(), e.begin(), e.end());
  }
  if (values.empty()) throw error(errc::invalid_argument, "aggregate_circuit: no values");
  const std::size_t n = values.size();
  const std::uint32_t width = sum_width(n);
  const Word count = constant_word(n, static_cast<std::uint32_t>(std::bit_width(n)));
  switch (spec.what) {
    case Aggregate::sum:
      b.output(spec.is_signed ? sum_signed(b, values, width) : sum_unsigned(b, values, width));
      break;
    case Aggregate::average: {
      const Word avg = spec.is_signed ? average_signed(b, values, count, width) : average_unsigned(b, values, count, width);
      b.output(Word(avg.begin(), avg.begin() + 64));  // |average| fits in 64 bits
      break;
    }
    case Aggregate::maximum:
      b.output(spec.is_signed ? max_signed(b, values) : max_unsigned(b, values));
      break;
    case Aggregate::minimum:
      b.output(spec.is_signed ? min_signed(b, values) : min_unsigned(b, values));
      break;
    case Aggregate::above_threshold: {
      const Word t = constant_word(static_cast<std::uint64_t>(spec.threshold), 64);
      b.output({spec.is_signed ? average_above_signed(b, values, count, t, width)
                               : average_above_unsigned(b, values, count, t, width)});
      break;
    }
  }
  return b.finish();
}

namespace detail::aggregate {

inline std::vector<bool> bits_of(std::span<const std::uint64_t> values) {
  std::vector<bool> bits;
  bits.reserve(64 * values.size());
  for (const auto v : values)
    for (unsigned i = 0; i < 64; ++i) bits.push_back(((v >> i) & 1) != 0);
  return bits;
}

/// The output bits as a (sign-extended if `is_signed`) integer.
inline Int128 value_of(const std::vector<bool>& bits, bool is_signed) {
  std::uint64_t word[2] = {0, 0};
  for (std::size_t i = 0; i < bits.size() && i < 128; ++i) word[i / 64] |= static_cast<std::uint64_t>(bits[i]) << (i % 64);
  if (is_signed && !bits.empty() && bits.back() && bits.size() < 128) {
    const std::size_t n = bits.size();  // sign-extend from bit n - 1
    if (n < 64) word[0] |= ~std::uint64_t{0} << n;
    word[1] |= n <= 64 ? ~std::uint64_t{0} : ~std::uint64_t{0} << (n - 64);
  }
  return edgempc::detail::make_int128(word[1], word[0]);
}

}  // namespace detail::aggregate

/// Both parties call this, one with `garbler` true; each passes its own values (or shares,
/// as raw 64-bit words: int64 values cast, Z2k<64>::to_uint() for shares) and the number of
/// values the other party holds. Returns the aggregate to the parties `reveal` names: the
/// value (the threshold test gives 0 or 1).
template <Transport Tr>
[[nodiscard]] std::optional<Int128> two_party_aggregate(Party<Tr>& party, Prg& prg, PartyId peer, bool garbler,
                                                       const AggregateSpec& spec, std::span<const std::uint64_t> mine,
                                                       std::size_t theirs, Reveal reveal) {
  const std::size_t g = garbler ? mine.size() : theirs, e = garbler ? theirs : mine.size();
  const Circuit c = aggregate_circuit(spec, g, e);
  std::vector<bool> owners(g + e, false);
  std::fill(owners.begin(), owners.begin() + static_cast<std::ptrdiff_t>(g), true);
  const auto bits = detail::aggregate::bits_of(mine);
  const auto out = run_yao_once(party, prg, c, peer, garbler, owners, bits, reveal);
  if (!out) return std::nullopt;
  const bool is_signed = spec.is_signed && spec.what != Aggregate::above_threshold;
  return detail::aggregate::value_of(*out, is_signed);
}

}  // namespace gc
EDGEMPC_END_NAMESPACE
