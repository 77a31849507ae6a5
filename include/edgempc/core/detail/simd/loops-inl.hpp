// SPDX-License-Identifier: Apache-2.0
// Batch loops written once against a vector ops struct V, compiled once per instruction set.
//
// This file is deliberately not self-contained and has no include guard (the Highway
// "foreach_target" pattern): a back-end header defines EDGEMPC_SIMD_TARGET to its function
// attribute and includes it inside its own namespace, so the same loops are compiled for AVX2
// and for AVX-512 without a line written twice. V provides:
//   rep, vec, lanes, Scalar (the scalar ops for the tail), load, store, set1, add, sub, neg,
//   mul, stream (a non-temporal store to an aligned address) and fence (orders those stores).

// Element-wise kernels share one loop over an op struct (a struct, not a lambda: GCC does not
// give a lambda its enclosing function's target attribute). Op::vec works on vectors, Op::one
// on single words for the ends.
template <class V, class Op, class... In>
EDGEMPC_SIMD_TARGET void map(const Op& op, typename V::rep* out, std::size_t n, const In*... in) {
  std::size_t i = 0;
  if (n * sizeof(*out) >= stream_threshold_bytes) {
    for (; i < n && reinterpret_cast<std::uintptr_t>(out + i) % sizeof(typename V::vec) != 0; ++i)
      out[i] = op.one(in[i]...);
    for (; i + V::lanes <= n; i += V::lanes) V::stream(out + i, op.vec(V::load(in + i)...));
    V::fence();
  }
  for (; i + V::lanes <= n; i += V::lanes) V::store(out + i, op.vec(V::load(in + i)...));
  for (; i < n; ++i) out[i] = op.one(in[i]...);
}

#define EDGEMPC_SIMD_OP EDGEMPC_SIMD_TARGET __attribute__((always_inline))

template <class V>
struct AddOp {
  EDGEMPC_SIMD_OP auto vec(typename V::vec a, typename V::vec b) const { return V::add(a, b); }
  EDGEMPC_SIMD_OP auto one(typename V::rep a, typename V::rep b) const { return V::Scalar::add(a, b); }
};
template <class V>
struct SubOp {
  EDGEMPC_SIMD_OP auto vec(typename V::vec a, typename V::vec b) const { return V::sub(a, b); }
  EDGEMPC_SIMD_OP auto one(typename V::rep a, typename V::rep b) const { return V::Scalar::sub(a, b); }
};
template <class V>
struct MulOp {
  EDGEMPC_SIMD_OP auto vec(typename V::vec a, typename V::vec b) const { return V::mul(a, b); }
  EDGEMPC_SIMD_OP auto one(typename V::rep a, typename V::rep b) const { return V::Scalar::mul(a, b); }
};
template <class V>
struct NegOp {
  EDGEMPC_SIMD_OP auto vec(typename V::vec a) const { return V::neg(a); }
  EDGEMPC_SIMD_OP auto one(typename V::rep a) const { return V::Scalar::neg(a); }
};
template <class V>
struct MulAddOp {
  typename V::vec vs;
  typename V::rep s;
  EDGEMPC_SIMD_OP auto vec(typename V::vec x, typename V::vec y) const { return V::add(V::mul(vs, x), y); }
  EDGEMPC_SIMD_OP auto one(typename V::rep x, typename V::rep y) const {
    return V::Scalar::add(V::Scalar::mul(s, x), y);
  }
};

#undef EDGEMPC_SIMD_OP

template <class V>
EDGEMPC_SIMD_TARGET void add(const typename V::rep* a, const typename V::rep* b, typename V::rep* out,
                             std::size_t n) {
  map<V>(AddOp<V>{}, out, n, a, b);
}
template <class V>
EDGEMPC_SIMD_TARGET void sub(const typename V::rep* a, const typename V::rep* b, typename V::rep* out,
                             std::size_t n) {
  map<V>(SubOp<V>{}, out, n, a, b);
}
template <class V>
EDGEMPC_SIMD_TARGET void mul(const typename V::rep* a, const typename V::rep* b, typename V::rep* out,
                             std::size_t n) {
  map<V>(MulOp<V>{}, out, n, a, b);
}
template <class V>
EDGEMPC_SIMD_TARGET void neg(const typename V::rep* a, typename V::rep* out, std::size_t n) {
  map<V>(NegOp<V>{}, out, n, a);
}
template <class V>
EDGEMPC_SIMD_TARGET void mul_add(typename V::rep s, const typename V::rep* x, const typename V::rep* y,
                                 typename V::rep* out, std::size_t n) {
  map<V>(MulAddOp<V>{V::set1(s), s}, out, n, x, y);
}

// Horizontal sum of one vector with the scalar ops. (Not _mm512_reduce_add_epi64 and the
// like: GCC 12 adds the lanes as signed integers, so a wrapping ring sum would be undefined.)
template <class V>
EDGEMPC_SIMD_TARGET typename V::rep reduce_lanes(typename V::vec v) {
  alignas(sizeof(typename V::vec)) typename V::rep lane[V::lanes];
  V::store(lane, v);
  typename V::rep total = 0;
  for (auto x : lane) total = V::Scalar::add(total, x);
  return total;
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
  auto total = reduce_lanes<V>(V::add(acc0, acc1));
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
  auto total = reduce_lanes<V>(V::add(acc0, acc1));
  for (; i < n; ++i) total = V::Scalar::add(total, V::Scalar::mul(a[i], b[i]));
  return total;
}

template <class V>
inline constexpr Kernels<typename V::rep> table_for{add<V>, sub<V>, mul<V>, neg<V>,
                                                   mul_add<V>, sum<V>, dot<V>};
