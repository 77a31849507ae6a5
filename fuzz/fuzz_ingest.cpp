// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: a gateway's intake path on arbitrary bytes, as they arrive on the ingest
// port: the framing (detail::ingest::split_frames), then every submit frame through the
// gateway's own intake (platform/gateway/intake.hpp: the cheap checks, a batch open with
// GatewayOpener::open_batch, replay state, one store transaction) over the in-memory store,
// with a fixed gateway key and three enrolled devices. Anything else than one answer per
// submission (a crash, a hang, a sanitizer report, an exception, a broken invariant) is a bug.
#include <edgempc/platform/enrolment.hpp>
#include <edgempc/platform/gateway/intake.hpp>
#include <edgempc/platform/gateway/memory_store.hpp>
#include <edgempc/platform/gateway/tcp_ingest.hpp>
#include <edgempc/platform/submission.hpp>

namespace {

edgempc::KeyPair key(std::uint8_t tag) {
  std::array<std::uint8_t, 32> s{};
  s[5] = tag;  // not byte 0: X25519 clears its low bits, which would give equal keys
  s[1] = 0x40;
  return edgempc::KeyPair::from_secret(s);
}

struct World {
  edgempc::platform::GroupConfig group;
  edgempc::KeyPair gateway = key(200);
  edgempc::platform::MemoryStore store;
  edgempc::platform::ThreadPool pool{0};
  std::unique_ptr<edgempc::platform::Intake<edgempc::platform::MemoryStore>> intake;
  World() {
    using namespace edgempc::platform;
    group.name = "fuzz";
    group.scheme = SplitScheme::shamir(1, 3);
    for (edgempc::PartyId g = 0; g < 3; ++g)
      group.gateways.push_back({g, "127.0.0.1", static_cast<std::uint16_t>(20000 + 2 * g),
                                static_cast<std::uint16_t>(20001 + 2 * g),
                                g == 0 ? gateway.public_key() : key(static_cast<std::uint8_t>(201 + g)).public_key()});
    group.channels.push_back({"temperature", 12, -40.0, 125.0, 30.0});
    group.policy.recipients = {0};
    group.round_length = std::chrono::milliseconds(1000);
    group.epoch_ms = 0;
    group.validate();
    Enrolment enrolment;
    for (std::uint8_t c = 0; c < 3; ++c) enrolment.add_client(key(c).public_key(), c);
    intake = std::make_unique<Intake<MemoryStore>>(group, 0, gateway, std::move(enrolment), store, pool);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace edgempc::platform;
  static World world;
  std::vector<std::span<const std::uint8_t>> frames;
  const auto consumed = detail::ingest::split_frames(std::span(data, size), frames);
  if (consumed && *consumed > size) __builtin_trap();
  std::vector<std::span<const std::uint8_t>> submissions;
  for (const auto f : frames) {
    if (f.empty() || f.size() > max_request_size) __builtin_trap();
    if (f[0] != static_cast<std::uint8_t>(IngestKind::submit)) continue;
    try {
      const auto h = peek_submission<edgempc::Mersenne61>(f.subspan(1));
      if (h.count > submission_max_batch) __builtin_trap();
    } catch (const edgempc::error&) {
    }
    submissions.push_back(f.subspan(1));  // the intake answers the malformed ones too
  }
  // The clock stands in round 0 (rounds 0 and 1 are taken). Held entries are bounded by the
  // three enrolled clients per round, however many inputs accepted before.
  const auto codes = world.intake->submit(submissions, 500);
  if (codes.size() != submissions.size()) __builtin_trap();
  for (std::uint32_t r = 0; r < 2; ++r)
    if (world.intake->held_count(r) > 3) __builtin_trap();
  return 0;
}
