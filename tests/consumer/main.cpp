// SPDX-License-Identifier: Apache-2.0
// The consumer program of both consumer projects: it uses the library for real (libsodium
// randomness, vectorised batch arithmetic, fixed point), so a missing include path, a missing
// libsodium link or a broken package config fails here.
#include <edgempc/edgempc.hpp>

#include <cstdio>
#include <vector>

int main() {
  using edgempc::Mersenne61;
  const edgempc::FixedPoint<Mersenne61> fixed(16);
  const std::vector<double> readings = {21.5, 22.25, -3.0, 18.0};
  std::vector<Mersenne61> x(readings.size()), share0(readings.size()), share1(readings.size());
  fixed.encode(readings, x);
  edgempc::Prg prg;
  edgempc::batch::random_fill<Mersenne61>(prg, share0);
  edgempc::batch::sub<Mersenne61>(x, share0, share1);  // two additive shares of x
  const Mersenne61 sum = edgempc::batch::sum<Mersenne61>(share0) + edgempc::batch::sum<Mersenne61>(share1);
  const double total = fixed.decode(sum);
  std::printf("edgempc %s, back-end %s, shared sum %.2f\n", EDGEMPC_VERSION_STRING,
              edgempc::to_string(edgempc::active_backend()).data(), total);
#ifdef EXPECTED_VERSION_MAJOR
  if (EDGEMPC_VERSION_MAJOR != EXPECTED_VERSION_MAJOR) return 1;
#endif
  return total == 58.75 ? 0 : 1;
}
