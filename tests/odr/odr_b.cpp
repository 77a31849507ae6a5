// SPDX-License-Identifier: Apache-2.0
// ODR test, second translation unit (see odr_a.cpp).
#include <edgempc/edgempc.hpp>

#include "odr.hpp"

int odr_b_version() {
  return EDGEMPC_VERSION_MAJOR * 10000 + EDGEMPC_VERSION_MINOR * 100 + EDGEMPC_VERSION_PATCH;
}

OdrProbe odr_b_probe() { return odr_probe(); }
