// SPDX-License-Identifier: Apache-2.0
// What both ODR translation units compute with the same inline functions, templates and
// function-local statics; the results (and the statics' addresses) must agree.
#pragma once

#include <edgempc/edgempc.hpp>

#include <vector>

struct OdrProbe {
  std::uint64_t dot;
  std::uint64_t first_random;
  const void* backend_static;
  const std::error_category* category;
};

inline OdrProbe odr_probe() {
  using edgempc::Mersenne61;
  std::vector<Mersenne61> a(100), b(100);
  edgempc::Prg prg(edgempc::Prg::Seed{}, edgempc::PrgAlgorithm::chacha20);
  edgempc::batch::random_fill<Mersenne61>(prg, a);
  edgempc::batch::random_fill<Mersenne61>(prg, b);
  // The cached kernel table is a function-local static: one object for the whole program.
  const void* table = &edgempc::detail::active_kernels<Mersenne61>();
  return {edgempc::batch::dot<Mersenne61>(a, b).to_uint(), a[0].to_uint(), table, &edgempc::error_category()};
}
