// SPDX-License-Identifier: Apache-2.0
// One-time libsodium initialisation and the secure wiping helper every key holder uses.
#pragma once

#include <sodium.h>

#include <cstddef>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// Initialises libsodium once per process (thread-safe: a function-local static); throws
/// errc::crypto_failure if it cannot. Every edgempc entry point that uses libsodium calls it,
/// so applications need not.
inline void ensure_sodium() {
  static const bool ok = sodium_init() >= 0;  // 0: initialised now, 1: already was
  if (!ok) throw error(errc::crypto_failure, "sodium_init failed");
}

/// Overwrites secret memory in a way the compiler may not optimise away.
inline void secure_wipe(void* p, std::size_t n) noexcept { sodium_memzero(p, n); }

/// Fills a buffer with bytes from the operating system's CSPRNG (libsodium randombytes).
inline void random_bytes(void* p, std::size_t n) {
  ensure_sodium();
  randombytes_buf(p, n);
}

EDGEMPC_END_NAMESPACE
