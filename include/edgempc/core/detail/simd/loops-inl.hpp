// SPDX-License-Identifier: Apache-2.0
// Batch loops written once against a vector ops struct V, compiled once per instruction set.
//
// This file is deliberately not self-contained and has no include guard (the Highway
// "foreach_target" pattern): a back-end header defines EDGEMPC_SIMD_TARGET to its function
// attribute and includes it inside its own namespace, so the same loops are compiled for AVX2
// and for AVX-512 without a line written twice. V provides:
//   rep, vec, lanes, Scalar (the scalar ops for the tail), load, store, set1, add, sub, neg,
//   mul, and reduce_lanes (horizontal sum of one vector, done with the scalar ops).

template <class V>
EDGEMPC_SIMD_TARGET void add(const typename V::rep* a, const typename V::rep* b,
                             typename V::rep* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + V::lanes <= n; i += V::lanes) V::store(out + i, V::add(V::load(a + i), V::load(b + i)));
  for (; i < n; ++i) out[i] = V::Scalar::add(a[i], b[i]);
}

template <class V>
EDGEMPC_SIMD_TARGET void sub(const typename V::rep* a, const typename V::rep* b,
                             typename V::rep* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + V::lanes <= n; i += V::lanes) V::store(out + i, V::sub(V::load(a + i), V::load(b + i)));
  for (; i < n; ++i) out[i] = V::Scalar::sub(a[i], b[i]);
}

template <class V>
EDGEMPC_SIMD_TARGET void mul(const typename V::rep* a, const typename V::rep* b,
                             typename V::rep* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + V::lanes <= n; i += V::lanes) V::store(out + i, V::mul(V::load(a + i), V::load(b + i)));
  for (; i < n; ++i) out[i] = V::Scalar::mul(a[i], b[i]);
}

template <class V>
EDGEMPC_SIMD_TARGET void neg(const typename V::rep* a, typename V::rep* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + V::lanes <= n; i += V::lanes) V::store(out + i, V::neg(V::load(a + i)));
  for (; i < n; ++i) out[i] = V::Scalar::neg(a[i]);
}

template <class V>
EDGEMPC_SIMD_TARGET void mul_add(typename V::rep s, const typename V::rep* x,
                                 const typename V::rep* y, typename V::rep* out, std::size_t n) {
  const auto vs = V::set1(s);
  std::size_t i = 0;
  for (; i + V::lanes <= n; i += V::lanes)
    V::store(out + i, V::add(V::mul(vs, V::load(x + i)), V::load(y + i)));
  for (; i < n; ++i) out[i] = V::Scalar::add(V::Scalar::mul(s, x[i]), y[i]);
}

// Two accumulators hide the latency of the modular add, which is a dependency chain.
template <class V>
EDGEMPC_SIMD_TARGET typename V::rep sum(const typename V::rep* a, std::size_t n) {
  auto acc0 = V::set1(0), acc1 = V::set1(0);
  std::size_t i = 0;
  for (; i + 2 * V::lanes <= n; i += 2 * V::lanes) {
    acc0 = V::add(acc0, V::load(a + i));
    acc1 = V::add(acc1, V::load(a + i + V::lanes));
  }
  auto total = V::reduce_lanes(V::add(acc0, acc1));
  for (; i < n; ++i) total = V::Scalar::add(total, a[i]);
  return total;
}

template <class V>
EDGEMPC_SIMD_TARGET typename V::rep dot(const typename V::rep* a, const typename V::rep* b,
                                        std::size_t n) {
  auto acc0 = V::set1(0), acc1 = V::set1(0);
  std::size_t i = 0;
  for (; i + 2 * V::lanes <= n; i += 2 * V::lanes) {
    acc0 = V::add(acc0, V::mul(V::load(a + i), V::load(b + i)));
    acc1 = V::add(acc1, V::mul(V::load(a + i + V::lanes), V::load(b + i + V::lanes)));
  }
  auto total = V::reduce_lanes(V::add(acc0, acc1));
  for (; i < n; ++i) total = V::Scalar::add(total, V::Scalar::mul(a[i], b[i]));
  return total;
}

template <class V>
inline constexpr Kernels<typename V::rep> table_for{add<V>, sub<V>, mul<V>, neg<V>,
                                                   mul_add<V>, sum<V>, dot<V>};
