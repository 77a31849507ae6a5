// SPDX-License-Identifier: Apache-2.0
// SecureTransports over any n connected transports: fresh key pairs, every key pinned by every
// party, handshakes run from n threads at once.
#pragma once

#include <edgempc/net/secure.hpp>

#include <memory>
#include <vector>

#include "net_conformance.hpp"

namespace test {

template <class T>
std::vector<std::unique_ptr<edgempc::SecureTransport<T>>> secure_over(std::vector<std::unique_ptr<T>>& inner) {
  const std::size_t n = inner.size();
  std::vector<edgempc::KeyPair> keys;
  std::vector<edgempc::PublicKey> pinned;
  for (std::size_t i = 0; i < n; ++i) {
    keys.push_back(edgempc::KeyPair::generate());
    pinned.push_back(keys.back().public_key());
  }
  std::vector<std::unique_ptr<edgempc::SecureTransport<T>>> secure;
  for (std::size_t i = 0; i < n; ++i)
    secure.push_back(std::make_unique<edgempc::SecureTransport<T>>(*inner[i], keys[i], pinned));
  on_all_parties(n, [&](edgempc::PartyId i) { secure[i]->handshake(std::chrono::seconds(10)); });
  return secure;
}

}  // namespace test
