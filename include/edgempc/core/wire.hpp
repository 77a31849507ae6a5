// SPDX-License-Identifier: Apache-2.0
// Wire encoding of element vectors: each element in T::byte_width bytes, little-endian.
//
// Two forms:
//  - bare: exactly count * T::byte_width bytes; the receiver knows the count from the protocol;
//  - counted: an 8-byte little-endian element count, then the bare form; the decoder takes a
//    maximum count so that a hostile length field never causes a large allocation.
// Decoding is strict: a buffer that is short or has bytes left over is errc::malformed_message,
// and an element that is not canonical (a Mersenne61 word >= p) is errc::out_of_range. Nothing is written to `out` unless the whole
// buffer is valid.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/domain.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace wire {

/// Bytes of the bare encoding of `count` elements; errc::out_of_range if that overflows.
template <Domain T>
[[nodiscard]] std::size_t encoded_size(std::size_t count) {
  if (count > std::numeric_limits<std::size_t>::max() / T::byte_width)
    throw error(errc::out_of_range, "wire: element count too large");
  return count * T::byte_width;
}

/// Bare form into a buffer of exactly encoded_size<T>(in.size()) bytes.
template <Domain T>
void encode(std::span<const std::type_identity_t<T>> in, std::span<std::uint8_t> out) {
  if (out.size() != encoded_size<T>(in.size()))
    throw error(errc::size_mismatch, "wire::encode: output buffer has the wrong size");
  using rep = typename T::rep_type;
  static_assert(sizeof(rep) == T::byte_width);
  for (std::size_t i = 0; i < in.size(); ++i) detail::store_le<rep>(out.data() + i * sizeof(rep), in[i].rep());
}

template <Domain T>
[[nodiscard]] std::vector<std::uint8_t> encode(std::span<const std::type_identity_t<T>> in) {
  std::vector<std::uint8_t> out(encoded_size<T>(in.size()));
  encode<T>(in, out);
  return out;
}

/// Bare form: `in` must hold exactly out.size() elements.
template <Domain T>
void decode(std::span<const std::uint8_t> in, std::span<std::type_identity_t<T>> out) {
  using rep = typename T::rep_type;
  const std::size_t want = encoded_size<T>(out.size());
  if (in.size() != want)
    throw error(errc::malformed_message, "wire::decode: " + std::to_string(in.size()) + " bytes, expected " +
                                             std::to_string(want) + (in.size() < want ? " (short)" : " (over-long)"));
  // Validate everything first so that a bad buffer leaves `out` untouched.
  for (std::size_t i = 0; i < out.size(); ++i) {
    const rep w = detail::load_le<rep>(in.data() + i * sizeof(rep));
    if (T::from_uint(w).to_uint() != w)  // reduction changes exactly the non-canonical words
      throw error(errc::out_of_range, "wire::decode: element " + std::to_string(i) + " is not canonical");
  }
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = T::from_rep(detail::load_le<rep>(in.data() + i * sizeof(rep)));
}

template <Domain T>
[[nodiscard]] std::vector<T> decode(std::span<const std::uint8_t> in, std::size_t count) {
  std::vector<T> out(count);
  decode<T>(in, out);
  return out;
}

/// Counted form: 8-byte little-endian count, then the elements.
template <Domain T>
[[nodiscard]] std::vector<std::uint8_t> encode_counted(std::span<const std::type_identity_t<T>> in) {
  std::vector<std::uint8_t> out(8 + encoded_size<T>(in.size()));
  detail::store_le<std::uint64_t>(out.data(), in.size());
  encode<T>(in, std::span(out).subspan(8));
  return out;
}

/// Counted form; a count above `max_count` is refused before anything is allocated.
template <Domain T>
[[nodiscard]] std::vector<T> decode_counted(std::span<const std::uint8_t> in, std::size_t max_count) {
  if (in.size() < 8) throw error(errc::malformed_message, "wire::decode_counted: no length field");
  const std::uint64_t count = detail::load_le<std::uint64_t>(in.data());
  if (count > max_count)
    throw error(errc::malformed_message, "wire::decode_counted: " + std::to_string(count) +
                                             " elements announced, at most " + std::to_string(max_count) + " allowed");
  return decode<T>(in.subspan(8), static_cast<std::size_t>(count));
}

}  // namespace wire
EDGEMPC_END_NAMESPACE
