// SPDX-License-Identifier: Apache-2.0
// Every back-end this machine runs, against the portable path and against the plain
// __int128 % reference, on random inputs from a fixed seed plus the edge values.
#include <catch2/catch.hpp>

#include <edgempc/core/batch.hpp>

#include "reference.hpp"

using namespace edgempc;

namespace {

// Lengths around every vector width (2, 4, 8, 16 lanes, and the 2x unrolled sum/dot loops).
const std::size_t lengths[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1000, 4099};

template <class T>
std::vector<std::uint64_t> as_uints(const std::vector<T>& v) {
  std::vector<std::uint64_t> out;
  for (auto x : v) out.push_back(x.to_uint());
  return out;
}

}  // namespace

TEMPLATE_TEST_CASE("batch operations agree with the reference on every back-end", "[core]", Mersenne61, Z2k<64>,
                   Z2k<32>) {
  using T = TestType;
  using R = test::Ref<T>;
  std::mt19937_64 rng(424242);
  const auto backend = GENERATE(from_range(available_backends()));
  CAPTURE(to_string(backend));
  for (std::size_t n : lengths) {
    CAPTURE(n);
    const auto a = test::random_elements<T>(rng, n);
    auto b = test::random_elements<T>(rng, n);
    std::reverse(b.begin(), b.end());  // so edge values meet other values too
    const T s = test::random_elements<T>(rng, 20).back();
    std::vector<T> out(n), portable(n);

    batch::add<T>(a, b, out, backend);
    batch::add<T>(a, b, portable, Backend::portable);
    REQUIRE(out == portable);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(out[i].to_uint() == R::add(a[i].to_uint(), b[i].to_uint()));

    batch::sub<T>(a, b, out, backend);
    batch::sub<T>(a, b, portable, Backend::portable);
    REQUIRE(out == portable);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(out[i].to_uint() == R::sub(a[i].to_uint(), b[i].to_uint()));

    batch::mul<T>(a, b, out, backend);
    batch::mul<T>(a, b, portable, Backend::portable);
    REQUIRE(out == portable);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(out[i].to_uint() == R::mul(a[i].to_uint(), b[i].to_uint()));

    batch::neg<T>(a, out, backend);
    batch::neg<T>(a, portable, Backend::portable);
    REQUIRE(out == portable);
    for (std::size_t i = 0; i < n; ++i) REQUIRE(out[i].to_uint() == R::neg(a[i].to_uint()));

    batch::mul_add<T>(s, a, b, out, backend);
    batch::mul_add<T>(s, a, b, portable, Backend::portable);
    REQUIRE(out == portable);
    for (std::size_t i = 0; i < n; ++i)
      REQUIRE(out[i].to_uint() == R::add(R::mul(s.to_uint(), a[i].to_uint()), b[i].to_uint()));

    std::uint64_t ref_sum = 0, ref_dot = 0;
    for (std::size_t i = 0; i < n; ++i) {
      ref_sum = R::add(ref_sum, a[i].to_uint());
      ref_dot = R::add(ref_dot, R::mul(a[i].to_uint(), b[i].to_uint()));
    }
    REQUIRE(batch::sum<T>(a, backend).to_uint() == ref_sum);
    REQUIRE(batch::sum<T>(a, Backend::portable).to_uint() == ref_sum);
    REQUIRE(batch::dot<T>(a, b, backend).to_uint() == ref_dot);
    REQUIRE(batch::dot<T>(a, b, Backend::portable).to_uint() == ref_dot);
  }
}

TEMPLATE_TEST_CASE("batch operations work in place and on the default back-end", "[core]", Mersenne61, Z2k<64>,
                   Z2k<32>) {
  using T = TestType;
  std::mt19937_64 rng(5);
  const auto a = test::random_elements<T>(rng, 257);
  const auto b = test::random_elements<T>(rng, 257);
  std::vector<T> expect(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) expect[i] = a[i] * b[i] + b[i];
  auto x = a;
  batch::mul<T>(x, b, x);  // out aliases the first input
  batch::add<T>(x, b, x);
  REQUIRE(x == expect);
  auto y = b;
  batch::mul_add<T>(T::one(), a, y, y);  // axpy into y
  for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(y[i] == a[i] + b[i]);
  batch::neg<T>(y, y);
  for (std::size_t i = 0; i < a.size(); ++i) REQUIRE(y[i] == -(a[i] + b[i]));
  REQUIRE(batch::sum<T>(std::vector<T>{}) == T::zero());
  REQUIRE(batch::dot<T>(std::vector<T>{}, std::vector<T>{}) == T::zero());
}

TEMPLATE_TEST_CASE("batch operations refuse mismatched lengths", "[core]", Mersenne61, Z2k<64>, Z2k<32>) {
  using T = TestType;
  std::vector<T> a(8), b(7), out(8), short_out(5);
  auto expect_mismatch = [](auto&& f) {
    try {
      f();
      FAIL("mismatched lengths were accepted");
    } catch (const error& e) {
      REQUIRE(e.code() == errc::size_mismatch);
    }
  };
  expect_mismatch([&] { batch::add<T>(a, b, out); });
  expect_mismatch([&] { batch::sub<T>(a, b, out); });
  expect_mismatch([&] { batch::mul<T>(a, b, out); });
  expect_mismatch([&] { batch::add<T>(a, a, short_out); });
  expect_mismatch([&] { batch::neg<T>(a, short_out); });
  expect_mismatch([&] { batch::mul_add<T>(T::one(), a, b, out); });
  expect_mismatch([&] { batch::mul_add<T>(T::one(), a, a, short_out); });
  expect_mismatch([&] { (void)batch::dot<T>(a, b); });
}

TEST_CASE("back-end selection", "[core]") {
  const auto backends = available_backends();
  REQUIRE(!backends.empty());
  REQUIRE(backends.front() == Backend::portable);
  REQUIRE(backend_supported(Backend::portable));
  REQUIRE(backend_supported(active_backend()));
  REQUIRE(active_backend() == active_backend());  // chosen once
#if defined(EDGEMPC_FORCE_BACKEND_PORTABLE)
  REQUIRE(active_backend() == Backend::portable);  // pinned at build time
#elif EDGEMPC_HAVE_NEON_BACKEND
  // AArch64: NEON is mandatory there, so it is always available and chosen.
  REQUIRE(backends == std::vector<Backend>{Backend::portable, Backend::neon});
  REQUIRE(active_backend() == Backend::neon);
#elif defined(EDGEMPC_DISABLE_X86_BACKENDS)
  REQUIRE(backends == std::vector<Backend>{Backend::portable});
  REQUIRE(active_backend() == Backend::portable);
#else
  REQUIRE(active_backend() == backends.back());  // the widest one this CPU runs
#endif
#if !EDGEMPC_HAVE_NEON_BACKEND
  REQUIRE(!backend_supported(Backend::neon));  // x86, armhf and others: no NEON back-end
#endif
  WARN("batch back-end: " << to_string(active_backend()));
  REQUIRE(to_string(Backend::avx512) == "avx512");
  REQUIRE(to_string(Backend::neon) == "neon");
  // Asking for a back-end this CPU lacks is an error, not a crash (only testable where one is
  // missing, e.g. on ARM or a CPU without AVX-512).
  for (Backend b : {Backend::avx2, Backend::avx512, Backend::neon}) {
    if (backend_supported(b)) continue;
    std::vector<Mersenne61> v(4);
    try {
      batch::add<Mersenne61>(v, v, v, b);
      FAIL("an unsupported back-end ran");
    } catch (const error& e) {
      REQUIRE(e.code() == errc::unsupported);
    }
  }
}

TEMPLATE_TEST_CASE("large outputs take the streaming-store path and still agree", "[core]", Mersenne61, Z2k<64>,
                   Z2k<32>) {
  using T = TestType;
  // Above the streaming threshold, with an output that starts off the vector alignment and a
  // length that leaves a tail, so every part of the loop runs.
  const std::size_t n = detail::simd::stream_threshold_bytes / sizeof(T) + 37;
  std::mt19937_64 rng(8);
  const auto a = test::random_elements<T>(rng, n);
  const auto b = test::random_elements<T>(rng, n);
  std::vector<T> expect(n), buffer(n + 1);
  const auto out = std::span(buffer).subspan(1);
  batch::mul_add<T>(T::from_uint(12345), a, b, expect, Backend::portable);
  for (Backend backend : available_backends()) {
    CAPTURE(to_string(backend));
    batch::mul_add<T>(T::from_uint(12345), a, b, out, backend);
    REQUIRE(std::equal(out.begin(), out.end(), expect.begin()));
    batch::add<T>(a, b, out, backend);
    batch::sub<T>(out, b, out, backend);  // in place, streaming
    REQUIRE(std::equal(out.begin(), out.end(), a.begin()));
    batch::neg<T>(a, out, backend);
    batch::mul<T>(out, b, out, backend);
    for (std::size_t i = 0; i < n; i += 997) REQUIRE(out[i] == -(a[i] * b[i]));
  }
}

TEMPLATE_TEST_CASE("every pair of edge values, on unaligned spans, agrees on every back-end", "[core]",
                   Mersenne61, Z2k<64>, Z2k<32>) {
  using T = TestType;
  using R = test::Ref<T>;
  // Edge values of the domain, plus words whose 32-bit halves are extreme (what the vector
  // multiplies split on): for Mersenne61 p - 1 = 2^61 - 2 and 2^61 - 2^32, for Z2k<64> values
  // near 2^64 and 2^63.
  auto edges = test::edge_values<T>();
  const auto top = static_cast<std::uint64_t>(test::modulus_of<T>() - 1);
  const std::initializer_list<std::uint64_t> halves = {
      top - 0xffffffffu, top & ~std::uint64_t{0xffffffffu}, top >> 1 | 1, top - 2, top >> 32, top ^ 0xaaaaaaaaaaaaaaaau};
  for (std::uint64_t x : halves) edges.push_back(static_cast<std::uint64_t>(x % test::modulus_of<T>()));
  std::vector<T> a, b;
  for (auto x : edges)
    for (auto y : edges) {
      a.push_back(T::from_uint(x));
      b.push_back(T::from_uint(y));
    }
  const std::size_t n = a.size();
  // Each span starts one element past a 16-byte-aligned buffer start (so off every vector
  // alignment), and lengths n - k leave every possible tail for 2, 4, 8 and 16 lanes.
  std::vector<T> a_buf(n + 1), b_buf(n + 1), out_buf(n + 1), ref(n);
  std::copy(a.begin(), a.end(), a_buf.begin() + 1);
  std::copy(b.begin(), b.end(), b_buf.begin() + 1);
  for (Backend backend : available_backends()) {
    CAPTURE(to_string(backend));
    for (std::size_t k = 0; k < 17; ++k) {
      CAPTURE(k);
      const std::size_t len = n - k;
      const auto as = std::span<const T>(a_buf).subspan(1, len);
      const auto bs = std::span<const T>(b_buf).subspan(1, len);
      const auto out = std::span<T>(out_buf).subspan(1, len);
      batch::mul<T>(as, bs, out, backend);
      for (std::size_t i = 0; i < len; ++i) REQUIRE(out[i].to_uint() == R::mul(a[i].to_uint(), b[i].to_uint()));
      batch::add<T>(as, bs, out, backend);
      for (std::size_t i = 0; i < len; ++i) REQUIRE(out[i].to_uint() == R::add(a[i].to_uint(), b[i].to_uint()));
      batch::sub<T>(as, bs, out, backend);
      for (std::size_t i = 0; i < len; ++i) REQUIRE(out[i].to_uint() == R::sub(a[i].to_uint(), b[i].to_uint()));
      batch::neg<T>(as, out, backend);
      for (std::size_t i = 0; i < len; ++i) REQUIRE(out[i].to_uint() == R::neg(a[i].to_uint()));
      for (auto s : edges) {
        batch::mul_add<T>(T::from_uint(s), as, bs, out, backend);
        batch::mul_add<T>(T::from_uint(s), as, bs, std::span<T>(ref).first(len), Backend::portable);
        REQUIRE(std::equal(out.begin(), out.end(), ref.begin()));
      }
      std::uint64_t ref_sum = 0, ref_dot = 0;
      for (std::size_t i = 0; i < len; ++i) {
        ref_sum = R::add(ref_sum, a[i].to_uint());
        ref_dot = R::add(ref_dot, R::mul(a[i].to_uint(), b[i].to_uint()));
      }
      REQUIRE(batch::sum<T>(as, backend).to_uint() == ref_sum);
      REQUIRE(batch::dot<T>(as, bs, backend).to_uint() == ref_dot);
    }
  }
}
