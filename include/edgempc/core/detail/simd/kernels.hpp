// SPDX-License-Identifier: Apache-2.0
// The table of batch kernels one back-end provides for one kind of word, and the portable
// implementation every other back-end is checked against.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/z2k.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail::simd {

/// Vector back-ends write outputs at least this large with non-temporal (streaming) stores:
/// such outputs would not stay in cache anyway, and skipping the read-for-ownership of every
/// output line gives memory-bound kernels about a third more bandwidth (bench/README.md).
/// Smaller outputs are stored normally and stay cached for the next step of a protocol.
inline constexpr std::size_t stream_threshold_bytes = std::size_t{16} << 20;

/// Kernels over raw words. Every pointer argument may alias another (in-place use), but two
/// ranges may not partly overlap.
template <class Rep>
struct Kernels {
  void (*add)(const Rep* a, const Rep* b, Rep* out, std::size_t n);
  void (*sub)(const Rep* a, const Rep* b, Rep* out, std::size_t n);
  void (*mul)(const Rep* a, const Rep* b, Rep* out, std::size_t n);
  void (*neg)(const Rep* a, Rep* out, std::size_t n);
  /// out = s * x + y
  void (*mul_add)(Rep s, const Rep* x, const Rep* y, Rep* out, std::size_t n);
  Rep (*sum)(const Rep* a, std::size_t n);
  Rep (*dot)(const Rep* a, const Rep* b, std::size_t n);
};

namespace portable {

/// Loops over a scalar ops struct (detail::M61Ops or detail::Z2kOps<Rep>).
template <class S>
struct Loops {
  using Rep = typename S::rep_type;
  static void add(const Rep* a, const Rep* b, Rep* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = S::add(a[i], b[i]);
  }
  static void sub(const Rep* a, const Rep* b, Rep* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = S::sub(a[i], b[i]);
  }
  static void mul(const Rep* a, const Rep* b, Rep* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = S::mul(a[i], b[i]);
  }
  static void neg(const Rep* a, Rep* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = S::neg(a[i]);
  }
  static void mul_add(Rep s, const Rep* x, const Rep* y, Rep* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = S::add(S::mul(s, x[i]), y[i]);
  }
  static Rep sum(const Rep* a, std::size_t n) {
    Rep acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = S::add(acc, a[i]);
    return acc;
  }
  static Rep dot(const Rep* a, const Rep* b, std::size_t n) {
    Rep acc = 0;
    for (std::size_t i = 0; i < n; ++i) acc = S::add(acc, S::mul(a[i], b[i]));
    return acc;
  }
  static constexpr Kernels<Rep> table{add, sub, mul, neg, mul_add, sum, dot};
};

}  // namespace portable
}  // namespace detail::simd
EDGEMPC_END_NAMESPACE
