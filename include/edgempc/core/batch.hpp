// SPDX-License-Identifier: Apache-2.0
// Batch arithmetic over spans of field or ring elements: the hot path of every protocol.
//
// Usage: name the element type, pass any contiguous containers:
//   std::vector<Mersenne61> x(n), y(n), z(n);
//   batch::mul<Mersenne61>(x, y, z);             // z[i] = x[i] * y[i]
//   Mersenne61 s = batch::dot<Mersenne61>(x, y);
// Lengths must agree (else errc::size_mismatch). `out` may be the same span as an input
// (in-place); ranges that partly overlap give unspecified results. Each call runs on the
// back-end chosen by active_backend() unless one is named; all back-ends agree bit for bit.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "edgempc/core/backend.hpp"
#include "edgempc/core/detail/simd/avx2.hpp"
#include "edgempc/core/detail/simd/avx512.hpp"
#include "edgempc/core/detail/simd/kernels.hpp"
#include "edgempc/core/detail/simd/neon.hpp"
#include "edgempc/core/domain.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/z2k.hpp"

EDGEMPC_BEGIN_NAMESPACE

namespace detail {

/// Which kernels serve an element type. Only the library's own domains have them.
template <class T>
struct batch_traits;

template <>
struct batch_traits<Mersenne61> {
  using scalar_ops = M61Ops;
#if EDGEMPC_HAVE_X86_BACKENDS
  using avx2_ops = simd::avx2::M61;
  using avx512_ops = simd::avx512::M61;
#endif
#if EDGEMPC_HAVE_NEON_BACKEND
  using neon_ops = simd::neon::M61;
#endif
};
template <>
struct batch_traits<Z2k<64>> {
  using scalar_ops = Z2kOps<std::uint64_t>;
#if EDGEMPC_HAVE_X86_BACKENDS
  using avx2_ops = simd::avx2::Z64;
  using avx512_ops = simd::avx512::Z64;
#endif
#if EDGEMPC_HAVE_NEON_BACKEND
  using neon_ops = simd::neon::Z64;
#endif
};
template <>
struct batch_traits<Z2k<32>> {
  using scalar_ops = Z2kOps<std::uint32_t>;
#if EDGEMPC_HAVE_X86_BACKENDS
  using avx2_ops = simd::avx2::Z32;
  using avx512_ops = simd::avx512::Z32;
#endif
#if EDGEMPC_HAVE_NEON_BACKEND
  using neon_ops = simd::neon::Z32;
#endif
};

}  // namespace detail

/// An element type the batch kernels support: Mersenne61, Z2k<64>, Z2k<32>.
template <class T>
concept BatchDomain = Domain<T> && requires { typename detail::batch_traits<T>::scalar_ops; };

namespace detail {

template <BatchDomain T>
[[nodiscard]] const simd::Kernels<typename T::rep_type>& kernels(Backend b) {
  using traits = batch_traits<T>;
  if (!backend_supported(b))
    throw error(errc::unsupported, std::string("batch: back-end not available here: ").append(to_string(b)));
  switch (b) {
#if EDGEMPC_HAVE_X86_BACKENDS
    case Backend::avx2: return simd::avx2::table_for<typename traits::avx2_ops>;
    case Backend::avx512: return simd::avx512::table_for<typename traits::avx512_ops>;
#endif
#if EDGEMPC_HAVE_NEON_BACKEND
    case Backend::neon: return simd::neon::table_for<typename traits::neon_ops>;
#endif
    default: return simd::portable::Loops<typename traits::scalar_ops>::table;
  }
}

template <BatchDomain T>
[[nodiscard]] const simd::Kernels<typename T::rep_type>& active_kernels() {
  static const auto& chosen = kernels<T>(active_backend());
  return chosen;
}

template <BatchDomain T>
[[nodiscard]] const simd::Kernels<typename T::rep_type>& kernels(std::optional<Backend> b) {
  return b ? kernels<T>(*b) : active_kernels<T>();
}

template <class T>
const auto* words(std::span<const T> s) noexcept {
  return reinterpret_cast<const typename T::rep_type*>(s.data());
}
template <class T>
auto* words(std::span<T> s) noexcept {
  return reinterpret_cast<typename T::rep_type*>(s.data());
}

inline void check_sizes(const char* op, std::size_t a, std::size_t b) {
  if (a != b)
    throw error(errc::size_mismatch, std::string("batch::").append(op).append(": spans of ")
                                         .append(std::to_string(a)).append(" and ")
                                         .append(std::to_string(b)).append(" elements"));
}

template <class T>
using in_span = std::span<const std::type_identity_t<T>>;
template <class T>
using out_span = std::span<std::type_identity_t<T>>;

}  // namespace detail

namespace batch {

/// out[i] = a[i] + b[i]
template <BatchDomain T>
void add(detail::in_span<T> a, detail::in_span<T> b, detail::out_span<T> out,
         std::optional<Backend> backend = {}) {
  detail::check_sizes("add", a.size(), b.size());
  detail::check_sizes("add", a.size(), out.size());
  detail::kernels<T>(backend).add(detail::words(a), detail::words(b), detail::words(out), a.size());
}

/// out[i] = a[i] - b[i]
template <BatchDomain T>
void sub(detail::in_span<T> a, detail::in_span<T> b, detail::out_span<T> out,
         std::optional<Backend> backend = {}) {
  detail::check_sizes("sub", a.size(), b.size());
  detail::check_sizes("sub", a.size(), out.size());
  detail::kernels<T>(backend).sub(detail::words(a), detail::words(b), detail::words(out), a.size());
}

/// out[i] = a[i] * b[i]
template <BatchDomain T>
void mul(detail::in_span<T> a, detail::in_span<T> b, detail::out_span<T> out,
         std::optional<Backend> backend = {}) {
  detail::check_sizes("mul", a.size(), b.size());
  detail::check_sizes("mul", a.size(), out.size());
  detail::kernels<T>(backend).mul(detail::words(a), detail::words(b), detail::words(out), a.size());
}

/// out[i] = -a[i]
template <BatchDomain T>
void neg(detail::in_span<T> a, detail::out_span<T> out, std::optional<Backend> backend = {}) {
  detail::check_sizes("neg", a.size(), out.size());
  detail::kernels<T>(backend).neg(detail::words(a), detail::words(out), a.size());
}

/// out[i] = s * x[i] + y[i] (out may be y: the classic axpy update)
template <BatchDomain T>
void mul_add(std::type_identity_t<T> s, detail::in_span<T> x, detail::in_span<T> y,
             detail::out_span<T> out, std::optional<Backend> backend = {}) {
  detail::check_sizes("mul_add", x.size(), y.size());
  detail::check_sizes("mul_add", x.size(), out.size());
  detail::kernels<T>(backend).mul_add(s.rep(), detail::words(x), detail::words(y), detail::words(out),
                                      x.size());
}

/// a[0] + a[1] + ... (zero for an empty span)
template <BatchDomain T>
[[nodiscard]] T sum(detail::in_span<T> a, std::optional<Backend> backend = {}) {
  return T::from_rep(detail::kernels<T>(backend).sum(detail::words(a), a.size()));
}

/// a[0] * b[0] + a[1] * b[1] + ...
template <BatchDomain T>
[[nodiscard]] T dot(detail::in_span<T> a, detail::in_span<T> b, std::optional<Backend> backend = {}) {
  detail::check_sizes("dot", a.size(), b.size());
  return T::from_rep(detail::kernels<T>(backend).dot(detail::words(a), detail::words(b), a.size()));
}

}  // namespace batch

EDGEMPC_END_NAMESPACE
