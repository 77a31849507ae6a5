// SPDX-License-Identifier: Apache-2.0
// n TcpTransports on 127.0.0.1 (ports chosen by the OS), connected to each other from n
// threads at once, as separate processes would: what every TCP test starts from.
#pragma once

#include <edgempc/net/tcp.hpp>

#include <memory>
#include <vector>

#include "net_conformance.hpp"

namespace test {

using Mesh = std::vector<std::unique_ptr<edgempc::TcpTransport>>;

inline edgempc::TcpOptions options(edgempc::PartyId id, std::size_t parties,
                                   std::size_t max_message_size = std::size_t{1} << 30,
                                   std::chrono::milliseconds connect_timeout = std::chrono::seconds(10)) {
  edgempc::TcpOptions o;
  o.id = id;
  o.parties = parties;
  o.max_message_size = max_message_size;
  o.connect_timeout = connect_timeout;
  return o;
}

inline std::vector<edgempc::TcpEndpoint> endpoints_of(const Mesh& ps) {
  std::vector<edgempc::TcpEndpoint> all;
  for (const auto& p : ps) all.push_back({"127.0.0.1", p->local_port()});
  return all;
}

/// Every party calls connect() on its own thread at once, as separate processes would.
inline void connect_all(Mesh& ps) {
  const auto all = endpoints_of(ps);
  on_all_parties(ps.size(), [&](edgempc::PartyId i) { ps[i]->connect(all); });
}

inline Mesh make_mesh(std::size_t n, std::size_t max_message_size = std::size_t{1} << 30) {
  Mesh ps;
  for (edgempc::PartyId i = 0; i < n; ++i)
    ps.push_back(std::make_unique<edgempc::TcpTransport>(options(i, n, max_message_size)));
  connect_all(ps);
  return ps;
}

}  // namespace test
