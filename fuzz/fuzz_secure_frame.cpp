// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the SecureTransport frame decoder on arbitrary bytes. Anything but a
// clean edgempc::error (a crash, a hang, a sanitizer report, another exception) is a bug.
#include <edgempc/net/secure.hpp>

namespace {
const edgempc::noise::CipherState& cipher() {
  static edgempc::noise::CipherState c = [] {
    edgempc::noise::CipherState s;
    std::array<std::uint8_t, 32> key{};
    key[0] = 1;  // the key the corpus seeds were made with
    s.initialize_key(key);
    return s;
  }();
  return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    auto [plain, chunks] = edgempc::detail::open_secure_frame(cipher(), std::span(data, size));
    if (chunks == 0 || plain.size() + chunks * edgempc::noise::tag_len + 8 != size) __builtin_trap();
  } catch (const edgempc::error&) {
  }
  return 0;
}
