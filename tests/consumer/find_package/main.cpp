// SPDX-License-Identifier: Apache-2.0
#include <edgempc/edgempc.hpp>

#include <cstdio>

int main() {
  std::printf("edgempc %s\n", EDGEMPC_VERSION_STRING);
  return EDGEMPC_VERSION_MAJOR == EXPECTED_VERSION_MAJOR ? 0 : 1;
}
