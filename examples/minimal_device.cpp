// SPDX-License-Identifier: Apache-2.0
// The smallest device: share and seal one validated reading for a group of 3 gateways, and
// nothing else: no network (the uplink is the device's own business: TCP, MQTT, a serial
// link), no Boost, only libsodium. It is what a Raspberry Pi Zero-class sensor runs per reading,
// and scripts/test-arm.sh builds it statically for arm64 and armhf and reports its stripped size
// and the heap it used.
//
// To check itself, it plays the 3 gateways too: each opens its sealed submission and the shares
// must reconstruct to the encoded reading, its square and its range bits (exit 1 otherwise).
// It prints the bytes sent to each gateway and the peak of its heap (counted in operator new).
#include <edgempc/platform/device/client.hpp>
#include <edgempc/sharing/shamir.hpp>

#include <malloc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <new>
#include <cstdio>
#include <vector>

using namespace edgempc;
using namespace edgempc::platform;

// The peak of what the program holds through operator new (every container of edgempc and the
// standard library; libsodium allocates nothing here). Before main, libstdc++ takes an
// emergency pool for exceptions (about 72 KiB with GCC 12) with malloc: reported apart.
namespace {
std::size_t held = 0, peak = 0;
}
void* operator new(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  held += malloc_usable_size(p);
  peak = std::max(peak, held);
  return p;
}
void operator delete(void* p) noexcept {
  if (p) held -= malloc_usable_size(p);
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { operator delete(p); }

int main() {
  const struct mallinfo2 before = mallinfo2();
  // A group of 3 gateways, Shamir t = 1, one channel: a thermometer from -40 to 125 degrees.
  std::vector<KeyPair> gateway_keys;
  GroupConfig group;
  group.scheme = SplitScheme::shamir(1, 3);
  for (PartyId g = 0; g < 3; ++g) {
    gateway_keys.push_back(KeyPair::generate());
    group.gateways.push_back({g, "127.0.0.1", static_cast<std::uint16_t>(40000 + 2 * g),
                              static_cast<std::uint16_t>(40001 + 2 * g), gateway_keys.back().public_key()});
  }
  group.channels = {{"temperature", 12, -40.0, 125.0, std::nullopt}};
  group.policy.recipients = {0};

  const KeyPair device_keys = KeyPair::generate();
  DeviceClient device(group, 7, device_keys);
  Prg prg(Prg::random_seed(), PrgAlgorithm::chacha20);
  const std::array<double, 1> reading{21.5};
  const auto sealed = device.seal(prg, 1, 0, reading);

  // The gateways' side of the check.
  std::vector<std::vector<Mersenne61>> shares;
  for (PartyId g = 0; g < 3; ++g) {
    Enrolment enrolment;
    enrolment.add_client(device_keys.public_key(), 7);
    GatewayOpener opener(gateway_keys[g], g, enrolment);
    shares.push_back(opener.open<Mersenne61>(sealed[g]).shares);
  }
  const std::vector<PartyId> holders{0, 1, 2};
  const auto opened = Reconstruction(Shamir(3, 1), holders)(shares);
  const bool ok = opened == encode_channel_readings(group, reading);

  std::printf("minimal_device: %zu bytes to each gateway (%zu elements); peak heap through operator new %zu bytes "
              "(malloc'd before main: %zu bytes); %s\n",
              sealed[0].size(), opened.size(), peak, before.uordblks + before.hblkhd, ok ? "OK" : "MISMATCH");
  return ok ? 0 : 1;
}
