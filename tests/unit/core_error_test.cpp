// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/error.hpp>

TEST_CASE("edgempc::error carries a stable code in the edgempc category", "[core]") {
  const edgempc::error e(edgempc::errc::malformed_message, "frame 3");
  REQUIRE(e.code() == edgempc::errc::malformed_message);
  REQUIRE(e.code().category().name() == std::string("edgempc"));
  REQUIRE(e.code().value() == 4);
  REQUIRE(std::string(e.what()).find("frame 3") != std::string::npos);
  REQUIRE(std::string(e.what()).find("malformed message") != std::string::npos);
  const std::system_error& base = e;  // catchable as the standard type
  REQUIRE(base.code() == edgempc::make_error_code(edgempc::errc::malformed_message));
  REQUIRE(e.code() != edgempc::errc::out_of_range);
  for (int c = 1; c <= 15; ++c)
    REQUIRE(edgempc::error_category().message(c) != "unknown edgempc error");
  REQUIRE(edgempc::error_category().message(999) == "unknown edgempc error");
}
