// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: a gateway's intake path on arbitrary bytes, as they arrive on the ingest
// port: the framing (detail::ingest::split_frames), then every submit frame through the cheap
// parse (peek_submission) and a batch open (GatewayOpener::open_batch) with a fixed gateway
// key and three enrolled devices. Anything but a clean edgempc::error from the parse (a crash,
// a hang, a sanitizer report, another exception, an outcome that breaks its contract) is a bug.
#include <edgempc/platform/enrolment.hpp>
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
  edgempc::platform::Enrolment enrolment;
  edgempc::KeyPair gateway = key(200);
  std::unique_ptr<edgempc::platform::GatewayOpener> opener;
  edgempc::platform::ThreadPool pool{0};
  World() {
    for (std::uint8_t c = 0; c < 3; ++c) enrolment.add_client(key(c).public_key(), c);
    opener = std::make_unique<edgempc::platform::GatewayOpener>(gateway, 0, enrolment);
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
      submissions.push_back(f.subspan(1));
    } catch (const edgempc::error&) {
    }
  }
  const auto opened = world.opener->open_batch<edgempc::Mersenne61>(submissions, world.pool);
  if (opened.size() != submissions.size()) __builtin_trap();
  for (const auto& o : opened)
    if (!o.failure && o.shares.size() != o.header.count) __builtin_trap();
  return 0;
}
