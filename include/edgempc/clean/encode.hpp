// SPDX-License-Identifier: Apache-2.0
// The last step of cleaning: the value as a fixed-point domain element, ready to be shared.
//
// The range check is the core's own (FixedPoint::encode). A value that does not fit is
// refused and reported, never wrapped: a wrapped reading would be a valid-looking share of a
// wrong number, and no later step could tell.
#pragma once

#include <optional>

#include "edgempc/core/domain.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace clean {

/// fixed.encode(x), or nothing when it does not fit (errc::out_of_range) or x is NaN.
template <Domain T>
[[nodiscard]] std::optional<T> try_encode(const FixedPoint<T>& fixed, double x) {
  try {
    return fixed.encode(x);
  } catch (const error& e) {
    if (e.code() == errc::out_of_range || e.code() == errc::invalid_argument) return std::nullopt;
    throw;
  }
}

}  // namespace clean
EDGEMPC_END_NAMESPACE
