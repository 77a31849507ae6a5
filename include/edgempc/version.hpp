// SPDX-License-Identifier: Apache-2.0
// The one source of edgempc's version; CMake reads these three lines with a regex.
#pragma once

#define EDGEMPC_VERSION_MAJOR 0
#define EDGEMPC_VERSION_MINOR 1
#define EDGEMPC_VERSION_PATCH 0
#define EDGEMPC_VERSION_STRING "0.1.0"

// Everything lives in a versioned inline namespace so that two builds whose wire format,
// layout or behaviour differ fail to link together instead of silently mixing: a build switch
// such as EDGEMPC_FORCE_BACKEND_* or EDGEMPC_DISABLE_X86_BACKENDS /
// EDGEMPC_DISABLE_ARM_BACKENDS (core/backend.hpp) gets a namespace of its own, as
// nlohmann/json does with its ABI tags.
#if defined(EDGEMPC_DISABLE_X86_BACKENDS)
#define EDGEMPC_ABI_NAMESPACE v0_nox86
#elif defined(EDGEMPC_DISABLE_ARM_BACKENDS)
#define EDGEMPC_ABI_NAMESPACE v0_noarm
#elif defined(EDGEMPC_FORCE_BACKEND_PORTABLE)
#define EDGEMPC_ABI_NAMESPACE v0_portable
#elif defined(EDGEMPC_FORCE_BACKEND_AVX2)
#define EDGEMPC_ABI_NAMESPACE v0_avx2
#elif defined(EDGEMPC_FORCE_BACKEND_AVX512)
#define EDGEMPC_ABI_NAMESPACE v0_avx512
#elif defined(EDGEMPC_FORCE_BACKEND_NEON)
#define EDGEMPC_ABI_NAMESPACE v0_neon
#else
#define EDGEMPC_ABI_NAMESPACE v0
#endif

#define EDGEMPC_BEGIN_NAMESPACE \
  namespace edgempc {           \
  inline namespace EDGEMPC_ABI_NAMESPACE {
#define EDGEMPC_END_NAMESPACE \
  }                           \
  }
