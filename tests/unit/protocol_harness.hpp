// SPDX-License-Identifier: Apache-2.0
// Runs one protocol on n real parties: threads over a LocalNetwork, or threads over TCP on
// 127.0.0.1 (ports chosen by the OS). The body gets a Party and its id; results are collected
// by the body and checked on the test thread (Catch2 assertions are not thread-safe).
#pragma once

#include <catch2/catch.hpp>

#include <edgempc/core/prg.hpp>
#include <edgempc/error.hpp>
#include <edgempc/net/local_network.hpp>
#include <edgempc/party.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net_conformance.hpp"
#include "net_tcp_mesh.hpp"

namespace test {

/// The errc `f` throws as edgempc::error, or nullopt if it returns.
template <class F>
std::optional<edgempc::errc> code_of(F&& f) {
  try {
    f();
  } catch (const edgempc::error& e) {
    return static_cast<edgempc::errc>(e.code().value());
  }
  return std::nullopt;
}

enum class Net { local, tcp };

inline std::string to_string(Net n) { return n == Net::local ? "local" : "tcp"; }

template <class F>
void on_network(Net net, std::size_t n, F&& body) {
  using namespace std::chrono_literals;
  if (net == Net::local) {
    auto ts = edgempc::make_local_network(n);
    on_all_parties(n, [&](edgempc::PartyId me) {
      edgempc::Party party(*ts[me], 20s);
      body(party, me);
    });
  } else {
    auto ts = make_mesh(n);
    on_all_parties(n, [&](edgempc::PartyId me) {
      edgempc::Party party(*ts[me], 20s);
      body(party, me);
    });
  }
}

/// Matches an edgempc::error with the given code: CHECK_THROWS_MATCHES(f(), error, has_code(...)).
class HasCode : public Catch::MatcherBase<edgempc::error> {
 public:
  explicit HasCode(edgempc::errc code) : code_(code) {}
  bool match(const edgempc::error& e) const override { return e.code() == code_; }
  std::string describe() const override { return "has code " + edgempc::make_error_code(code_).message(); }

 private:
  edgempc::errc code_;
};
inline HasCode has_code(edgempc::errc code) { return HasCode(code); }

/// A fixed-seed PRG: the tests must be reproducible.
/// The low `width` bits of v, bit i at index i (circuit inputs).
inline std::vector<bool> bits_of(std::uint64_t v, unsigned width) {
  std::vector<bool> b(width);
  for (unsigned i = 0; i < width; ++i) b[i] = ((v >> i) & 1) != 0;
  return b;
}

/// The integer of bits[first .. first + width), bit i of it at index first + i (circuit outputs).
inline std::uint64_t value_of(const std::vector<bool>& bits, std::size_t first, unsigned width) {
  std::uint64_t v = 0;
  for (unsigned i = 0; i < width; ++i) v |= static_cast<std::uint64_t>(bits[first + i]) << i;
  return v;
}

inline edgempc::Prg seeded(std::uint8_t tag) {
  edgempc::Prg::Seed s{};
  s[0] = tag;
  s[1] = 0x5e;
  return edgempc::Prg(s, edgempc::PrgAlgorithm::chacha20);
}

}  // namespace test
