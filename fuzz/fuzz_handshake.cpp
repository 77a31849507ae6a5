// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the Noise KK handshake parser (the responder reading message 1, and the
// initiator reading message 2) on arbitrary bytes. Only edgempc::error may come out.
#include <edgempc/net/noise.hpp>

namespace {
std::array<std::uint8_t, 32> secret(std::uint8_t tag) {
  std::array<std::uint8_t, 32> s{};
  s.fill(tag);
  return s;
}
const edgempc::KeyPair& initiator() {
  static const auto k = edgempc::KeyPair::from_secret(secret(1));
  return k;
}
const edgempc::KeyPair& responder() {
  static const auto k = edgempc::KeyPair::from_secret(secret(2));
  return k;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::uint8_t> prologue = {'f', 'u', 'z', 'z'};
  const auto input = std::span(data, size);
  try {
    edgempc::noise::HandshakeKK b(false, responder(), initiator().public_key(), prologue);
    (void)b.read_message(input);
    (void)b.write_message();
    (void)b.split();
  } catch (const edgempc::error&) {
  }
  try {
    const auto eph = secret(3);
    edgempc::noise::HandshakeKK a(true, initiator(), responder().public_key(), prologue,
                                  std::span<const std::uint8_t, 32>(eph));
    (void)a.write_message();
    (void)a.read_message(input);
    (void)a.split();
  } catch (const edgempc::error&) {
  }
  return 0;
}
