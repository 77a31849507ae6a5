// SPDX-License-Identifier: Apache-2.0
// Building boolean circuits in code: wires and gates, and a library of word operations
// (add, subtract, compare, select, multiply, divide, sum, max/min, average) for the garbled
// sum/average/comparison protocols.
//
// A `Word` is a vector of `Bit`s, least significant first; signed words are two's complement.
// The gate-level constructions are the ones with the fewest AND gates (XOR and INV are free under
// free-XOR garbling), from V. Kolesnikov, A.-R. Sadeghi, T. Schneider, "Improved garbled circuit
// building blocks and applications to auctions and computing minima", CANS 2009:
//   - ripple-carry addition, c' = c ^ ((x ^ c) & (y ^ c)): one AND per bit;
//   - subtraction and comparison by the borrow chain, b' = y ^ ((x ^ b) & (y ^ b)): one AND per
//     bit, and the last borrow is x < y;
//   - selection, x ^ (s & (x ^ y)): one AND per bit.
// The builder folds constants as it goes (x & 0 = 0, x ^ 1 = !x, !!x = x, ...), so a constant
// operand (a public divisor, a zero-extended high half) costs nothing, and `finish()` drops
// every gate that no output depends on.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "edgempc/error.hpp"
#include "edgempc/gc/circuit.hpp"
#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

/// A wire of a circuit under construction, or one of the two constants.
struct Bit {
  std::uint32_t id = zero_id;

  static constexpr std::uint32_t zero_id = std::numeric_limits<std::uint32_t>::max() - 1;
  static constexpr std::uint32_t one_id = std::numeric_limits<std::uint32_t>::max();

  [[nodiscard]] static constexpr Bit zero() noexcept { return Bit{zero_id}; }
  [[nodiscard]] static constexpr Bit one() noexcept { return Bit{one_id}; }
  [[nodiscard]] static constexpr Bit constant(bool v) noexcept { return v ? one() : zero(); }
  [[nodiscard]] constexpr bool is_constant() const noexcept { return id >= zero_id; }
  /// Meaningful only when is_constant().
  [[nodiscard]] constexpr bool value() const noexcept { return id == one_id; }
  friend constexpr bool operator==(Bit, Bit) noexcept = default;
};

/// Bits, least significant first.
using Word = std::vector<Bit>;

/// Quotient and remainder of a division.
struct Division {
  Word quotient;
  Word remainder;
};

class Builder {
 public:
  /// Declares the next input value of `width` bits (inputs are numbered in declaration order,
  /// wherever the declarations fall among the gates).
  [[nodiscard]] Word input(std::uint32_t width) {
    if (width == 0) throw error(errc::invalid_argument, "gc::Builder::input: width 0");
    Word w;
    w.reserve(width);
    for (std::uint32_t i = 0; i < width; ++i) w.push_back(new_node(Node{GateType::eqw, true, 0, 0}));
    inputs_.push_back(w);
    return w;
  }

  /// Declares the next output value (outputs are numbered in declaration order).
  void output(const Word& w) {
    if (w.empty()) throw error(errc::invalid_argument, "gc::Builder::output: empty word");
    for (const Bit b : w) check(b);
    outputs_.push_back(w);
  }

  [[nodiscard]] static constexpr Bit constant(bool v) noexcept { return Bit::constant(v); }

  [[nodiscard]] Bit xor_gate(Bit a, Bit b) {
    check(a);
    check(b);
    if (a.is_constant() && b.is_constant()) return Bit::constant(a.value() != b.value());
    if (b.is_constant()) std::swap(a, b);
    if (a.is_constant()) return a.value() ? inv(b) : b;
    if (a == b) return Bit::zero();
    return new_node(Node{GateType::xor_gate, false, a.id, b.id});
  }

  [[nodiscard]] Bit and_gate(Bit a, Bit b) {
    check(a);
    check(b);
    if (b.is_constant()) std::swap(a, b);
    if (a.is_constant()) return a.value() ? b : Bit::zero();
    if (a == b) return a;
    return new_node(Node{GateType::and_gate, false, a.id, b.id});
  }

  [[nodiscard]] Bit inv(Bit a) {
    check(a);
    if (a.is_constant()) return Bit::constant(!a.value());
    const Node& n = nodes_[a.id];
    if (!n.input && n.type == GateType::inv) return Bit{n.a};
    return new_node(Node{GateType::inv, false, a.id, 0});
  }

  /// a | b = a ^ b ^ (a & b): one AND.
  [[nodiscard]] Bit or_gate(Bit a, Bit b) {
    check(a);
    check(b);
    if (b.is_constant()) std::swap(a, b);
    if (a.is_constant()) return a.value() ? Bit::one() : b;
    if (a == b) return a;
    return xor_gate(xor_gate(a, b), and_gate(a, b));
  }

  /// The circuit so far: inputs on the first wires, outputs on the last (copied with EQW, or
  /// set with EQ for a constant, where an output bit is an input, a constant or repeated),
  /// gates in creation order, which is topological. Gates no output depends on are left out.
  [[nodiscard]] Circuit finish() const {
    const std::size_t n = nodes_.size();
    std::vector<bool> live(n, false);
    for (const auto& w : outputs_)
      for (const Bit b : w)
        if (!b.is_constant()) live[b.id] = true;
    for (std::size_t i = n; i-- > 0;) {
      const Node& node = nodes_[i];
      if (!live[i] || node.input) continue;
      live[node.a] = true;
      if (node.type == GateType::xor_gate || node.type == GateType::and_gate) live[node.b] = true;
    }

    // An output bit that is a gate's own result takes its output slot directly; inputs,
    // constants and repeats need a gate of their own there.
    constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> slot_of(n, none);
    std::vector<Bit> copies;    // per output slot: the bit to copy there
    std::vector<bool> claimed;  // per output slot: a gate writes it directly, no copy
    std::uint32_t slot = 0;
    for (const auto& w : outputs_) {
      for (const Bit b : w) {
        const bool claim = !b.is_constant() && !nodes_[b.id].input && slot_of[b.id] == none;
        if (claim) slot_of[b.id] = slot;
        copies.push_back(b);
        claimed.push_back(claim);
        ++slot;
      }
    }

    Circuit c;
    for (const auto& w : inputs_) c.input_widths.push_back(static_cast<std::uint32_t>(w.size()));
    for (const auto& w : outputs_) c.output_widths.push_back(static_cast<std::uint32_t>(w.size()));

    std::vector<std::uint32_t> final_id(n, none);
    std::uint64_t next = 0;
    for (const auto& w : inputs_)
      for (const Bit b : w) final_id[b.id] = static_cast<std::uint32_t>(next++);
    std::uint64_t middle = 0;
    for (std::size_t i = 0; i < n; ++i) middle += live[i] && !nodes_[i].input && slot_of[i] == none;
    const std::uint64_t total = next + middle + slot;
    if (total >= Bit::zero_id) throw error(errc::out_of_range, "gc::Builder::finish: too many wires");
    const std::uint64_t first_output = next + middle;
    for (std::size_t i = 0; i < n; ++i) {
      if (!live[i] || nodes_[i].input) continue;
      final_id[i] = static_cast<std::uint32_t>(slot_of[i] == none ? next++ : first_output + slot_of[i]);
    }
    c.wires = static_cast<std::uint32_t>(total);

    for (std::size_t i = 0; i < n; ++i) {
      const Node& node = nodes_[i];
      if (!live[i] || node.input) continue;
      const bool binary = node.type == GateType::xor_gate || node.type == GateType::and_gate;
      c.gates.push_back(Gate{node.type, final_id[node.a], binary ? final_id[node.b] : 0, final_id[i]});
    }
    for (std::uint32_t s = 0; s < slot; ++s) {
      const Bit b = copies[s];
      const auto out = static_cast<std::uint32_t>(first_output + s);
      if (claimed[s]) continue;
      if (b.is_constant())
        c.gates.push_back(Gate{GateType::eq, b.value() ? 1U : 0U, 0, out});
      else
        c.gates.push_back(Gate{GateType::eqw, final_id[b.id], 0, out});
    }
    return c;
  }

  /// Gates created so far (before dead-gate removal).
  [[nodiscard]] std::size_t gate_count() const noexcept { return nodes_.size() - input_bits_; }

 private:
  struct Node {
    GateType type;
    bool input;
    std::uint32_t a;
    std::uint32_t b;
  };

  void check(Bit b) const {
    if (!b.is_constant() && b.id >= nodes_.size())
      throw error(errc::invalid_argument, "gc::Builder: bit " + std::to_string(b.id) + " is not a wire of this builder");
  }

  Bit new_node(const Node& node) {
    // Leaves room for the output copies and the two constant ids.
    if (nodes_.size() >= (std::size_t{1} << 31)) throw error(errc::out_of_range, "gc::Builder: more than 2^31 wires");
    nodes_.push_back(node);
    input_bits_ += node.input;
    return Bit{static_cast<std::uint32_t>(nodes_.size() - 1)};
  }

  std::vector<Node> nodes_;
  std::vector<Word> inputs_;
  std::vector<Word> outputs_;
  std::size_t input_bits_ = 0;
};

// ---- Words ----------------------------------------------------------------------------------

/// `value` as a constant word of `width` bits (bits above 64 are zero).
[[nodiscard]] inline Word constant_word(std::uint64_t value, std::uint32_t width) {
  Word w(width);
  for (std::uint32_t i = 0; i < width; ++i) w[i] = Bit::constant(i < 64 && ((value >> i) & 1U) != 0);
  return w;
}

/// `x` zero-extended (or truncated) to `width` bits.
[[nodiscard]] inline Word resize_unsigned(Word x, std::uint32_t width) {
  x.resize(width, Bit::zero());
  return x;
}

/// `x` sign-extended (or truncated) to `width` bits.
[[nodiscard]] inline Word resize_signed(Word x, std::uint32_t width) {
  const Bit sign = x.empty() ? Bit::zero() : x.back();
  x.resize(width, sign);
  return x;
}

namespace detail {

inline std::uint32_t width_of(const Word& x) { return static_cast<std::uint32_t>(x.size()); }

inline void same_width(const Word& x, const Word& y, const char* what) {
  if (x.size() != y.size())
    throw error(errc::size_mismatch, std::string("gc::") + what + ": words of " + std::to_string(x.size()) + " and " +
                                         std::to_string(y.size()) + " bits");
  if (x.empty()) throw error(errc::invalid_argument, std::string("gc::") + what + ": empty words");
}

// x + y + carry_in over x.size() bits; the carry out is appended when asked for.
inline Word add_carry(Builder& b, const Word& x, const Word& y, Bit carry, bool carry_out) {
  Word s;
  s.reserve(x.size() + 1);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Bit t = b.xor_gate(x[i], carry);
    s.push_back(b.xor_gate(t, y[i]));
    if (i + 1 < x.size() || carry_out) carry = b.xor_gate(carry, b.and_gate(t, b.xor_gate(y[i], carry)));
  }
  if (carry_out) s.push_back(carry);
  return s;
}

// x - y over x.size() bits and the final borrow (x < y unsigned) when asked for.
inline std::pair<Word, Bit> sub_borrow(Builder& b, const Word& x, const Word& y, bool want_borrow) {
  Word d;
  d.reserve(x.size());
  Bit borrow = Bit::zero();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Bit t = b.xor_gate(x[i], borrow);
    d.push_back(b.xor_gate(t, y[i]));
    if (i + 1 < x.size() || want_borrow) borrow = b.xor_gate(y[i], b.and_gate(t, b.xor_gate(y[i], borrow)));
  }
  return {d, borrow};
}

// -x when s is set, else x: (x ^ s) + s, an incrementer, one AND per bit.
inline Word negate_if(Builder& b, Bit s, const Word& x) {
  Word r;
  r.reserve(x.size());
  Bit carry = s;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Bit t = b.xor_gate(x[i], s);
    r.push_back(b.xor_gate(t, carry));
    if (i + 1 < x.size()) carry = b.and_gate(t, carry);
  }
  return r;
}

template <class Combine>
Word reduce_tree(std::span<const Word> xs, const char* what, Combine combine) {
  if (xs.empty()) throw error(errc::invalid_argument, std::string("gc::") + what + ": no words");
  std::vector<Word> level(xs.begin(), xs.end());
  while (level.size() > 1) {
    std::vector<Word> next;
    next.reserve((level.size() + 1) / 2);
    for (std::size_t i = 0; i + 1 < level.size(); i += 2) next.push_back(combine(level[i], level[i + 1]));
    if (level.size() % 2 != 0) next.push_back(std::move(level.back()));
    level = std::move(next);
  }
  return std::move(level.front());
}

inline Word sum_tree(Builder& b, std::span<const Word> xs, std::uint32_t width, bool is_signed) {
  if (width == 0) throw error(errc::invalid_argument, "gc::sum: width 0");
  if (xs.empty()) return constant_word(0, width);
  for (const auto& x : xs)
    if (x.empty()) throw error(errc::invalid_argument, "gc::sum: an empty word");
  const auto resize = [is_signed](const Word& x, std::uint32_t w) {
    return is_signed ? resize_signed(x, w) : resize_unsigned(x, w);
  };
  // Each level widens by one bit, so no partial sum overflows until `width` caps it; from
  // there the arithmetic is mod 2^width, which is what the caller asked for.
  std::vector<Word> start;
  start.reserve(xs.size());
  for (const auto& x : xs) start.push_back(x.size() > width ? resize(x, width) : x);
  const Word total = reduce_tree(start, "sum", [&](const Word& x, const Word& y) {
    const std::uint32_t w = std::min(std::max(width_of(x), width_of(y)) + 1, width);
    return add_carry(b, resize(x, w), resize(y, w), Bit::zero(), false);
  });
  return resize(total, width);
}

}  // namespace detail

// ---- Arithmetic -----------------------------------------------------------------------------

/// x + y mod 2^n (n = the common width): n - 1 ANDs.
[[nodiscard]] inline Word add(Builder& b, const Word& x, const Word& y) {
  detail::same_width(x, y, "add");
  return detail::add_carry(b, x, y, Bit::zero(), false);
}

/// x + y with the carry out as bit n (an n + 1 bit result): n ANDs.
[[nodiscard]] inline Word add_with_carry(Builder& b, const Word& x, const Word& y) {
  detail::same_width(x, y, "add_with_carry");
  return detail::add_carry(b, x, y, Bit::zero(), true);
}

/// x - y mod 2^n: n - 1 ANDs.
[[nodiscard]] inline Word sub(Builder& b, const Word& x, const Word& y) {
  detail::same_width(x, y, "sub");
  return detail::sub_borrow(b, x, y, false).first;
}

/// -x mod 2^n.
[[nodiscard]] inline Word neg(Builder& b, const Word& x) {
  if (x.empty()) throw error(errc::invalid_argument, "gc::neg: empty word");
  return detail::negate_if(b, Bit::one(), x);
}

/// x * y mod 2^n by shift and add: about n^2 ANDs (fewer for constant bits).
[[nodiscard]] inline Word mul(Builder& b, const Word& x, const Word& y) {
  detail::same_width(x, y, "mul");
  const std::size_t n = x.size();
  Word acc = constant_word(0, detail::width_of(x));
  for (std::size_t j = 0; j < n; ++j) {
    // Only bits j.. of the accumulator change when adding x * y_j * 2^j.
    Word partial(n - j);
    for (std::size_t i = 0; i + j < n; ++i) partial[i] = b.and_gate(x[i], y[j]);
    const Word high(acc.begin() + static_cast<std::ptrdiff_t>(j), acc.end());
    const Word s = detail::add_carry(b, high, partial, Bit::zero(), false);
    std::copy(s.begin(), s.end(), acc.begin() + static_cast<std::ptrdiff_t>(j));
  }
  return acc;
}

// ---- Comparison and selection -------------------------------------------------------------

/// x < y, unsigned: the borrow of x - y, n ANDs.
[[nodiscard]] inline Bit less_unsigned(Builder& b, const Word& x, const Word& y) {
  detail::same_width(x, y, "less_unsigned");
  Bit borrow = Bit::zero();
  for (std::size_t i = 0; i < x.size(); ++i)
    borrow = b.xor_gate(y[i], b.and_gate(b.xor_gate(x[i], borrow), b.xor_gate(y[i], borrow)));
  return borrow;
}

/// x < y, two's complement: flipping both sign bits (free) turns it into the unsigned order.
[[nodiscard]] inline Bit less_signed(Builder& b, const Word& x, const Word& y) {
  detail::same_width(x, y, "less_signed");
  Word xs = x;
  Word ys = y;
  xs.back() = b.inv(xs.back());
  ys.back() = b.inv(ys.back());
  return less_unsigned(b, xs, ys);
}

/// x == y: n - 1 ANDs.
[[nodiscard]] inline Bit equal(Builder& b, const Word& x, const Word& y) {
  detail::same_width(x, y, "equal");
  std::vector<Word> same;
  same.reserve(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) same.push_back(Word{b.inv(b.xor_gate(x[i], y[i]))});
  return detail::reduce_tree(same, "equal", [&](const Word& p, const Word& q) { return Word{b.and_gate(p[0], q[0])}; })[0];
}

/// s ? if1 : if0, one AND per bit.
[[nodiscard]] inline Word mux(Builder& b, Bit s, const Word& if0, const Word& if1) {
  detail::same_width(if0, if1, "mux");
  Word r;
  r.reserve(if0.size());
  for (std::size_t i = 0; i < if0.size(); ++i) r.push_back(b.xor_gate(if0[i], b.and_gate(s, b.xor_gate(if0[i], if1[i]))));
  return r;
}

[[nodiscard]] inline Word max_unsigned(Builder& b, const Word& x, const Word& y) { return mux(b, less_unsigned(b, x, y), x, y); }
[[nodiscard]] inline Word min_unsigned(Builder& b, const Word& x, const Word& y) { return mux(b, less_unsigned(b, x, y), y, x); }
[[nodiscard]] inline Word max_signed(Builder& b, const Word& x, const Word& y) { return mux(b, less_signed(b, x, y), x, y); }
[[nodiscard]] inline Word min_signed(Builder& b, const Word& x, const Word& y) { return mux(b, less_signed(b, x, y), y, x); }

/// The maximum or minimum of one or more words of one width, by a tree (depth log2 n).
[[nodiscard]] inline Word max_unsigned(Builder& b, std::span<const Word> xs) {
  return detail::reduce_tree(xs, "max_unsigned", [&](const Word& x, const Word& y) { return max_unsigned(b, x, y); });
}
[[nodiscard]] inline Word min_unsigned(Builder& b, std::span<const Word> xs) {
  return detail::reduce_tree(xs, "min_unsigned", [&](const Word& x, const Word& y) { return min_unsigned(b, x, y); });
}
[[nodiscard]] inline Word max_signed(Builder& b, std::span<const Word> xs) {
  return detail::reduce_tree(xs, "max_signed", [&](const Word& x, const Word& y) { return max_signed(b, x, y); });
}
[[nodiscard]] inline Word min_signed(Builder& b, std::span<const Word> xs) {
  return detail::reduce_tree(xs, "min_signed", [&](const Word& x, const Word& y) { return min_signed(b, x, y); });
}

// ---- Division -------------------------------------------------------------------------------

/// Unsigned x / y and x % y by restoring division, words zero-extended to the wider width n.
/// Step k compares the k-bit partial remainder only with the low k bits of y, and a running OR
/// of y's high bits says whether y is too big anyway: about n^2 + 2n ANDs (4,288 for n = 64)
/// instead of 2n^2. Division by zero gives the quotient 2^n - 1 (all ones) and the remainder x.
[[nodiscard]] inline Division udivide(Builder& b, const Word& x, const Word& y) {
  if (x.empty() || y.empty()) throw error(errc::invalid_argument, "gc::udivide: empty word");
  const std::uint32_t n = std::max(detail::width_of(x), detail::width_of(y));
  const Word xx = resize_unsigned(x, n);
  const Word yy = resize_unsigned(y, n);
  // high_nonzero[k]: some bit of y at position >= k is set.
  std::vector<Bit> high_nonzero(n + 1, Bit::zero());
  for (std::uint32_t k = n; k-- > 1;) high_nonzero[k] = b.or_gate(yy[k], high_nonzero[k + 1]);

  Division r;
  r.quotient.assign(n, Bit::zero());
  Word rem;  // the partial remainder, below y and so k - 1 bits before step k
  for (std::uint32_t k = 1; k <= n; ++k) {
    const std::uint32_t i = n - k;
    Word shifted;
    shifted.reserve(k);
    shifted.push_back(xx[i]);
    shifted.insert(shifted.end(), rem.begin(), rem.end());
    const Word ylow(yy.begin(), yy.begin() + k);
    auto [diff, borrow] = detail::sub_borrow(b, shifted, ylow, true);
    const Bit q = b.inv(b.or_gate(borrow, high_nonzero[k]));
    r.quotient[i] = q;
    rem = mux(b, q, shifted, diff);
  }
  r.remainder = std::move(rem);
  return r;
}

/// Signed x / y truncating toward zero and the remainder with the sign of x (C++ semantics),
/// words sign-extended to the wider width n. Wraps like the hardware where C++ is undefined:
/// INT_MIN / -1 = INT_MIN with remainder 0. Division by zero gives the quotient -1 for x >= 0
/// and 1 for x < 0, and the remainder x (the unsigned all-ones quotient, sign-corrected).
[[nodiscard]] inline Division sdivide(Builder& b, const Word& x, const Word& y) {
  if (x.empty() || y.empty()) throw error(errc::invalid_argument, "gc::sdivide: empty word");
  const std::uint32_t n = std::max(detail::width_of(x), detail::width_of(y));
  const Word xx = resize_signed(x, n);
  const Word yy = resize_signed(y, n);
  const Bit sx = xx.back();
  const Bit sy = yy.back();
  Division u = udivide(b, detail::negate_if(b, sx, xx), detail::negate_if(b, sy, yy));
  return {detail::negate_if(b, b.xor_gate(sx, sy), u.quotient), detail::negate_if(b, sx, u.remainder)};
}

// ---- Aggregates -------------------------------------------------------------------------------

/// The sum of unsigned words of any widths as a `width`-bit word, by a tree of adders whose
/// widths grow one bit per level: exact when the true sum fits in `width` bits, mod 2^width
/// otherwise. No words give 0.
[[nodiscard]] inline Word sum_unsigned(Builder& b, std::span<const Word> xs, std::uint32_t width) {
  return detail::sum_tree(b, xs, width, false);
}

/// The same for two's-complement words (sign-extended), exact when the sum fits.
[[nodiscard]] inline Word sum_signed(Builder& b, std::span<const Word> xs, std::uint32_t width) {
  return detail::sum_tree(b, xs, width, true);
}

/// floor(sum / count) of unsigned words, the sum taken at `width` bits (see sum_unsigned); the
/// count is an unsigned word, an input or constant_word(n, ...) for a public count (constant
/// divisor bits fold away). Count 0 gives all ones, as udivide.
[[nodiscard]] inline Word average_unsigned(Builder& b, std::span<const Word> xs, const Word& count, std::uint32_t width) {
  const Word s = sum_unsigned(b, xs, width);
  if (count.size() > width) throw error(errc::size_mismatch, "gc::average_unsigned: count wider than the sum");
  return udivide(b, s, resize_unsigned(count, width)).quotient;
}

/// sum / count of two's-complement words, truncated toward zero; the count is unsigned.
/// Count 0 gives -1 for a sum >= 0 and 1 for a negative sum, as sdivide.
[[nodiscard]] inline Word average_signed(Builder& b, std::span<const Word> xs, const Word& count, std::uint32_t width) {
  const Word s = sum_signed(b, xs, width);
  if (count.size() > width) throw error(errc::size_mismatch, "gc::average_signed: count wider than the sum");
  const Bit sign = s.back();
  const Word q = udivide(b, detail::negate_if(b, sign, s), resize_unsigned(count, width)).quotient;
  return detail::negate_if(b, sign, q);
}

/// Whether the average of unsigned words exceeds `threshold` exactly, as rationals:
/// sum > threshold * count, so no rounding of the average moves the answer (count 0 gives
/// sum > 0). The sum is taken at `width` bits; the product at the widths of threshold plus count,
/// where it cannot overflow.
[[nodiscard]] inline Bit average_above_unsigned(Builder& b, std::span<const Word> xs, const Word& count,
                                                const Word& threshold, std::uint32_t width) {
  if (count.empty() || threshold.empty()) throw error(errc::invalid_argument, "gc::average_above_unsigned: empty word");
  const Word s = sum_unsigned(b, xs, width);
  const std::uint32_t wp = detail::width_of(count) + detail::width_of(threshold);
  const Word p = mul(b, resize_unsigned(threshold, wp), resize_unsigned(count, wp));
  const std::uint32_t w = std::max(wp, width);
  return less_unsigned(b, resize_unsigned(p, w), resize_unsigned(s, w));
}

/// The same for two's-complement words and threshold (the count unsigned).
[[nodiscard]] inline Bit average_above_signed(Builder& b, std::span<const Word> xs, const Word& count,
                                              const Word& threshold, std::uint32_t width) {
  if (count.empty() || threshold.empty()) throw error(errc::invalid_argument, "gc::average_above_signed: empty word");
  const Word s = sum_signed(b, xs, width);
  // A signed t-bit threshold times an unsigned c-bit count fits in t + c signed bits.
  const std::uint32_t wp = detail::width_of(count) + detail::width_of(threshold);
  const Word p = mul(b, resize_signed(threshold, wp), resize_unsigned(count, wp));
  const std::uint32_t w = std::max(wp, width);
  return less_signed(b, resize_signed(p, w), resize_signed(s, w));
}

}  // namespace gc
EDGEMPC_END_NAMESPACE
