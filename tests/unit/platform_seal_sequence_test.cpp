// SPDX-License-Identifier: Apache-2.0
// SealSequence: a device's durable (round, seq) record, so a restarted device never reuses a
// submission nonce; a real file in a temporary directory.
#include <catch2/catch.hpp>

#include <edgempc/platform/device/seal_sequence.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "protocol_harness.hpp"
#include "temp_dir.hpp"

using namespace edgempc;
using namespace edgempc::platform;

namespace {

using TempDir = test::TempDir;

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_all(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

TEST_CASE("seal sequence starts empty, reserves above the last pair, and survives a restart", "[platform]") {
  TempDir dir;
  const auto file = dir / "device.state";
  {
    SealSequence s(file);
    CHECK_FALSE(s.last());
    CHECK(s.first_fresh_round() == 0);
    CHECK(s.reserve(5) == SealedAt{5, 0});
    CHECK(s.reserve(5) == SealedAt{5, 1});  // the same round again: the next sequence
    CHECK(s.reserve(9) == SealedAt{9, 0});
  }
  // A new process (a new object) reads what the last one reserved.
  SealSequence again(file);
  REQUIRE(again.last());
  CHECK(*again.last() == SealedAt{9, 0});
  CHECK(again.first_fresh_round() == 10);
  CHECK(again.reserve(9) == SealedAt{9, 1});
  // A round below the last: the clock went back; refused, nothing written.
  const std::string before = read_all(file);
  CHECK_THROWS_MATCHES(again.reserve(8), error, test::has_code(errc::invalid_argument));
  CHECK(read_all(file) == before);
  // No temporary file is left behind.
  CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
}

TEST_CASE("seal sequence refuses a damaged or foreign file instead of starting from zero", "[platform]") {
  TempDir dir;
  const auto file = dir / "device.state";
  SealSequence(file).reserve(42);
  const std::string good = read_all(file);
  // A changed digit: the check no longer matches.
  std::string changed = good;
  changed[changed.find("42")] = '1';
  write_all(file, changed);
  CHECK_THROWS_MATCHES(SealSequence(file), error, test::has_code(errc::checksum_mismatch));
  // Truncated, empty, another file's text, trailing bytes, a number above 32 bits.
  for (const std::string& bad : {good.substr(0, good.size() / 2), std::string(), std::string("hello\n"), good + "x",
                                std::string("edgempc-seal-sequence 1 4294967296 0 0000000000000000\n")}) {
    write_all(file, bad);
    CHECK_THROWS_MATCHES(SealSequence(file), error, test::has_code(errc::malformed_message));
  }
  // A directory where the file should be cannot be read.
  std::filesystem::remove(file);
  std::filesystem::create_directories(file);
  CHECK_THROWS(SealSequence(file).reserve(1));
}

TEST_CASE("seal sequence at the edges of the round and sequence ranges", "[platform]") {
  TempDir dir;
  const auto file = dir / "device.state";
  SealSequence s(file);
  CHECK(s.reserve(UINT32_MAX) == SealedAt{UINT32_MAX, 0});
  CHECK(SealSequence(file).last()->round == UINT32_MAX);
  CHECK(SealSequence(file).first_fresh_round() == std::uint64_t{1} << 32);
  // Sequence exhaustion in one round is refused, never wrapped to 0.
  const std::string body = "edgempc-seal-sequence 1 7 4294967295";
  write_all(file, body + " " + platform::detail::seal_sequence::check_of(body) + "\n");
  SealSequence full(file);
  CHECK(full.last()->seq == UINT32_MAX);
  CHECK_THROWS_MATCHES(full.reserve(7), error, test::has_code(errc::invalid_argument));
  CHECK(full.reserve(8) == SealedAt{8, 0});
  std::filesystem::remove(file);
  SealSequence t(file);
  CHECK(t.reserve(0) == SealedAt{0, 0});
  for (int i = 1; i < 4; ++i) CHECK(t.reserve(0).seq == static_cast<std::uint32_t>(i));
  CHECK(SealSequence(file).last()->seq == 3);
}
