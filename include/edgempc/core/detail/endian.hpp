// SPDX-License-Identifier: Apache-2.0
// Little-endian loads and stores: the byte order of everything edgempc writes or hashes.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace detail {

template <class U>
[[nodiscard]] constexpr U byteswap(U v) noexcept {
  if constexpr (sizeof(U) == 8) return __builtin_bswap64(v);
  else if constexpr (sizeof(U) == 4) return __builtin_bswap32(v);
  else return v;
}

template <class U>
[[nodiscard]] inline U load_le(const void* p) noexcept {
  U v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::big) v = byteswap(v);
  return v;
}

template <class U>
inline void store_le(void* p, U v) noexcept {
  if constexpr (std::endian::native == std::endian::big) v = byteswap(v);
  std::memcpy(p, &v, sizeof v);
}

}  // namespace detail
EDGEMPC_END_NAMESPACE
