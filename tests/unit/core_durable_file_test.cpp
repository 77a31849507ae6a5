// SPDX-License-Identifier: Apache-2.0
// The durable-file helpers (core/detail/durable_file.hpp): atomic replace leaves the new bytes and
// no temporary file; errors name the path; whole writes and reads round-trip.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <random>

#include "edgempc/core/detail/durable_file.hpp"
#include "protocol_harness.hpp"
#include "temp_dir.hpp"

using namespace edgempc;

namespace {


std::vector<std::uint8_t> slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("replace_file writes, then replaces, a file atomically and leaves no temporary file", "[core]") {
  const test::TempDir temp("edgempc-durable");
  const auto& dir = temp.path();
  const auto f = dir / "state";
  std::mt19937_64 rng(11);
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4096}, std::size_t{100000}}) {
    std::vector<std::uint8_t> bytes(size);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    detail::replace_file(f, bytes);
    CHECK(slurp(f) == bytes);
    CHECK_FALSE(std::filesystem::exists(f.string() + ".tmp"));
  }
  CHECK((std::filesystem::status(f).permissions() & std::filesystem::perms::all) ==
        (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
}

TEST_CASE("replace_file into a missing directory fails naming the path, and changes nothing", "[core]") {
  const test::TempDir temp("edgempc-durable");
  const auto& dir = temp.path();
  const auto f = dir / "no-such-dir" / "state";
  const std::vector<std::uint8_t> bytes{1, 2, 3};
  try {
    detail::replace_file(f, bytes);
    FAIL("wrote into a missing directory");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
    CHECK_THAT(std::string(e.what()), Catch::Contains("no-such-dir"));
  }
  CHECK_FALSE(std::filesystem::exists(f));
}

TEST_CASE("write_all and read_up_to move whole buffers, read_up_to stops at end of file", "[core]") {
  const test::TempDir temp("edgempc-durable");
  const auto& dir = temp.path();
  const auto f = dir / "data";
  std::vector<std::uint8_t> bytes(70000);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7);
  {
    detail::Fd fd(::open(f.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    REQUIRE(fd.get() >= 0);
    detail::write_all(fd.get(), bytes.data(), bytes.size(), f);
    fd.close();
    CHECK(fd.get() == -1);
  }
  detail::Fd fd(::open(f.c_str(), O_RDONLY | O_CLOEXEC));
  std::vector<std::uint8_t> back(bytes.size() + 10);
  CHECK(detail::read_up_to(fd.get(), back.data(), back.size(), f) == bytes.size());
  back.resize(bytes.size());
  CHECK(back == bytes);
  CHECK_THROWS_MATCHES(detail::fsync_dir(dir / "missing"), error, test::has_code(errc::invalid_argument));
}
