// SPDX-License-Identifier: Apache-2.0
// x86 intrinsics, and a guard against a false GCC 12 warning inside them.
#pragma once

#include "edgempc/core/backend.hpp"

#if EDGEMPC_HAVE_X86_BACKENDS
#include <immintrin.h>
#endif

// GCC 12 warns that its own _mm512_undefined_epi32() is uninitialised once an AVX-512
// intrinsic is inlined (GCC bug 105593, fixed in GCC 13): the warning is about the compiler's
// header, not about the code between these two macros.
#if defined(__GNUC__) && !defined(__clang__)
#define EDGEMPC_AVX512_WARNINGS_OFF                                \
  _Pragma("GCC diagnostic push")                                   \
  _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")            \
  _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"")
#define EDGEMPC_AVX512_WARNINGS_ON _Pragma("GCC diagnostic pop")
#else
#define EDGEMPC_AVX512_WARNINGS_OFF
#define EDGEMPC_AVX512_WARNINGS_ON
#endif
