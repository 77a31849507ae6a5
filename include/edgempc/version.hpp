// SPDX-License-Identifier: Apache-2.0
// The one source of edgempc's version; CMake reads these three lines with a regex.
#pragma once

#define EDGEMPC_VERSION_MAJOR 0
#define EDGEMPC_VERSION_MINOR 1
#define EDGEMPC_VERSION_PATCH 0
#define EDGEMPC_VERSION_STRING "0.1.0"

// Everything lives in a versioned inline namespace so that two builds whose wire format or
// layout differ fail to link together instead of silently mixing shares.
#define EDGEMPC_BEGIN_NAMESPACE \
  namespace edgempc {           \
  inline namespace v0 {
#define EDGEMPC_END_NAMESPACE \
  }                           \
  }
