// SPDX-License-Identifier: Apache-2.0
// Which vector instruction set the batch operations use.
//
// The back-end is chosen once, at the first batch operation: the widest one this CPU (and its
// operating system) supports. A build can pin it with one of these macros, defined before any
// edgempc header (for example with target_compile_definitions):
//   EDGEMPC_FORCE_BACKEND_PORTABLE   the portable C++ path, on any CPU
//   EDGEMPC_FORCE_BACKEND_AVX2       AVX2 (throws errc::unsupported at first use if absent)
//   EDGEMPC_FORCE_BACKEND_AVX512     AVX-512 F+DQ (likewise)
//   EDGEMPC_FORCE_BACKEND_NEON       NEON (AArch64 only; likewise elsewhere)
// Every batch operation also takes an explicit Backend, which is how the tests run each
// back-end against the portable one. All back-ends give identical results.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "edgempc/error.hpp"

// EDGEMPC_DISABLE_X86_BACKENDS builds as if for a CPU without them (as an armhf gateway
// builds): only the portable path and ChaCha20 exist. The tests use it to run that build here.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(EDGEMPC_DISABLE_X86_BACKENDS)
#define EDGEMPC_HAVE_X86_BACKENDS 1
#else
#define EDGEMPC_HAVE_X86_BACKENDS 0
#endif

// The ARMv8 Cryptography Extensions AES back-ends (core/detail/armv8_aes.hpp: the fixed-key
// permutation and the AES-CTR PRG on AESE/AESMC) on 64-bit little-endian ARM under Linux, where
// getauxval(AT_HWCAP) tells at run time whether the CPU has them. Their kernels carry a function
// target attribute, so the rest of a build stays baseline armv8-a and runs on CPUs without AES
// (which then take the portable bitsliced AES). EDGEMPC_DISABLE_ARM_BACKENDS leaves them out,
// as if for such a CPU; the tests use it to run that build under qemu, whose CPUs all have AES.
#if defined(__aarch64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__)) && \
    defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(EDGEMPC_DISABLE_ARM_BACKENDS)
#define EDGEMPC_HAVE_ARM_BACKENDS 1
#else
#define EDGEMPC_HAVE_ARM_BACKENDS 0
#endif

// NEON (Advanced SIMD) is part of the AArch64 base architecture: every 64-bit ARM CPU Linux
// runs on has it, and compilers assume it (__ARM_NEON) unless told -mgeneral-regs-only, so no
// runtime detection is needed there. 32-bit ARM (armhf) stays on the portable path: Debian's
// armhf baseline (ARMv7 + VFPv3-D16) does not promise NEON, and ARMv7 NEON lacks the 64-bit
// unsigned comparisons (vcgeq_u64, vcgtq_u64) the Mersenne-61 kernels use, so it would need
// runtime detection (getauxval(AT_HWCAP) & HWCAP_NEON) and kernels of its own; not written.
#if defined(__aarch64__) && defined(__ARM_NEON) && (defined(__GNUC__) || defined(__clang__))
#define EDGEMPC_HAVE_NEON_BACKEND 1
#else
#define EDGEMPC_HAVE_NEON_BACKEND 0
#endif

EDGEMPC_BEGIN_NAMESPACE

enum class Backend {
  portable,  ///< plain C++: always compiled, always correct, the reference for the others
  avx2,      ///< x86-64 AVX2, 256-bit lanes
  avx512,    ///< x86-64 AVX-512 F + DQ, 512-bit lanes
  neon,      ///< AArch64 NEON (Advanced SIMD), 128-bit lanes
};

[[nodiscard]] constexpr std::string_view to_string(Backend b) noexcept {
  switch (b) {
    case Backend::portable: return "portable";
    case Backend::avx2: return "avx2";
    case Backend::avx512: return "avx512";
    case Backend::neon: return "neon";
  }
  return "unknown";
}

/// Whether this CPU can run back-end `b` (and this build compiled it).
[[nodiscard]] inline bool backend_supported(Backend b) noexcept {
  switch (b) {
    case Backend::portable: return true;
#if EDGEMPC_HAVE_X86_BACKENDS
    // __builtin_cpu_supports also checks that the OS saves the wide registers (XGETBV).
    case Backend::avx2: return __builtin_cpu_supports("avx2");
    case Backend::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
#else
    case Backend::avx2:
    case Backend::avx512: return false;
#endif
    // Mandatory on AArch64 (see EDGEMPC_HAVE_NEON_BACKEND above): no runtime check.
    case Backend::neon: return EDGEMPC_HAVE_NEON_BACKEND != 0;
  }
  return false;
}

/// The back-ends this machine can run, narrowest first; always starts with `portable`.
/// (A machine has x86 back-ends or NEON, never both.)
[[nodiscard]] inline std::vector<Backend> available_backends() {
  std::vector<Backend> out;
  for (Backend b : {Backend::portable, Backend::avx2, Backend::avx512, Backend::neon})
    if (backend_supported(b)) out.push_back(b);
  return out;
}

namespace detail {

[[nodiscard]] inline Backend choose_backend() {
#if defined(EDGEMPC_FORCE_BACKEND_PORTABLE)
  return Backend::portable;
#elif defined(EDGEMPC_FORCE_BACKEND_AVX2)
  if (!backend_supported(Backend::avx2)) throw error(errc::unsupported, "EDGEMPC_FORCE_BACKEND_AVX2: no AVX2 here");
  return Backend::avx2;
#elif defined(EDGEMPC_FORCE_BACKEND_AVX512)
  if (!backend_supported(Backend::avx512)) throw error(errc::unsupported, "EDGEMPC_FORCE_BACKEND_AVX512: no AVX-512 here");
  return Backend::avx512;
#elif defined(EDGEMPC_FORCE_BACKEND_NEON)
  if (!backend_supported(Backend::neon))
    throw error(errc::unsupported, "EDGEMPC_FORCE_BACKEND_NEON: no NEON back-end here (AArch64 only)");
  return Backend::neon;
#else
  return available_backends().back();
#endif
}

}  // namespace detail

/// The back-end the batch operations use when none is named; fixed at first call.
[[nodiscard]] inline Backend active_backend() {
  static const Backend chosen = detail::choose_backend();
  return chosen;
}

EDGEMPC_END_NAMESPACE
