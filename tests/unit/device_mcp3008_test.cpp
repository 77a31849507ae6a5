// SPDX-License-Identifier: Apache-2.0
// Mcp3008 (device/mcp3008.hpp) against a fake SPI bus that behaves like the chip; SpiDev's open
// errors (no SPI hardware needed).
#include <catch2/catch.hpp>

#include <edgempc/device/mcp3008.hpp>
#include <edgempc/device/spi_dev.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include <cerrno>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

using namespace edgempc;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

/// Whether SPI_IOC_WR_MODE on a file that is not such a device fails as the kernel fails it (ENOTTY).
/// qemu-user answers an ioctl it does not emulate with ENOSYS, so under qemu the "not a spidev node"
/// check cannot be made and is skipped with a warning.
bool spi_ioc_wr_mode_refusal_observable() {
  const int fd = ::open("/dev/null", O_RDWR);
  if (fd < 0) return true;
  std::uint8_t mode = 0;
  const int rc = ::ioctl(fd, SPI_IOC_WR_MODE, &mode);
  const bool enosys = rc < 0 && errno == ENOSYS;
  ::close(fd);
  return !enosys;
}

// Models SpiBus as an MCP3008 would answer: decodes the command bits from MOSI and shifts out
// the null bit and the 10-bit code of the selected input. MISO bits the chip leaves undriven
// read as 1 here, as a pulled-up line does.
struct FakeMcp3008 {
  std::array<std::uint16_t, 8> single{};  // code per single-ended input
  std::array<std::uint16_t, 8> diff{};    // code per differential pair
  bool absent = false;                    // no chip: MISO floats high
  int failures = 0;                       // transfers that fail before one works
  std::vector<std::array<std::uint8_t, 3>> sent;

  std::error_code transfer(std::span<const std::uint8_t> out, std::span<std::uint8_t> in) {
    if (out.size() != 3 || in.size() != 3) return std::make_error_code(std::errc::invalid_argument);
    sent.push_back({out[0], out[1], out[2]});
    if (failures > 0) return --failures, std::make_error_code(std::errc::io_error);
    if (absent) {
      std::fill(in.begin(), in.end(), std::uint8_t{0xFF});
      return {};
    }
    REQUIRE(out[0] == 0x01);  // the start bit, last bit of the first byte
    const bool single_ended = (out[1] & 0x80) != 0;
    const unsigned input = (out[1] >> 4) & 0x07;
    const std::uint16_t code = single_ended ? single[input] : diff[input];
    in[0] = 0xFF;
    in[1] = static_cast<std::uint8_t>(0xF8 | (code >> 8));  // undriven ones, null bit 0, B9 B8
    in[2] = static_cast<std::uint8_t>(code & 0xFF);
    return {};
  }
};

}  // namespace

static_assert(device::SpiBus<FakeMcp3008>);
static_assert(device::SpiBus<device::SpiDev>);
static_assert(!device::SpiBus<int>);
static_assert(device::Adapter<device::Mcp3008<FakeMcp3008>>);

TEST_CASE("MCP3008 command and result bits", "[device]") {
  static_assert(device::mcp3008_command({0, false}) == std::array<std::uint8_t, 3>{0x01, 0x80, 0x00});
  static_assert(device::mcp3008_command({7, false}) == std::array<std::uint8_t, 3>{0x01, 0xF0, 0x00});
  static_assert(device::mcp3008_command({3, true}) == std::array<std::uint8_t, 3>{0x01, 0x30, 0x00});
  static_assert(*device::mcp3008_decode(std::array<std::uint8_t, 3>{0xFF, 0xFB, 0xFF}) == 1023);
  static_assert(*device::mcp3008_decode(std::array<std::uint8_t, 3>{0x00, 0x02, 0x01}) == 513);
  static_assert(!device::mcp3008_decode(std::array<std::uint8_t, 3>{0xFF, 0xFF, 0xFF}));
}

TEST_CASE("MCP3008 reads the selected inputs in order as volts", "[device]") {
  FakeMcp3008 adc;
  adc.single = {0, 100, 200, 300, 400, 512, 600, 1023};
  adc.diff[2] = 77;
  device::Mcp3008 reader(adc, {{7, false}, {5, false}, {2, true}}, {.vref = 3.3, .first_channel = 10});
  REQUIRE(reader.channels() == 3);
  std::array<device::Reading, 3> out;
  REQUIRE(reader.poll(Clock::now() + 1s, out) == 3);
  REQUIRE(adc.sent.size() == 3);
  REQUIRE(adc.sent[0][1] == 0xF0);
  REQUIRE(adc.sent[1][1] == 0xD0);
  REQUIRE(adc.sent[2][1] == 0x20);
  for (const auto& r : out) REQUIRE(r.ok());
  REQUIRE(out[0].channel == 10);
  REQUIRE(out[2].channel == 12);
  REQUIRE(out[0].raw == 1023);
  REQUIRE(out[1].raw == 512);
  REQUIRE(out[2].raw == 77);
  REQUIRE(out[1].value() == Approx(3.3 / 2));
  REQUIRE(out[0].value() == Approx(3.3 * 1023 / 1024));
}

TEST_CASE("MCP3008: a missing chip is checksum_mismatch, failing transfers timeout", "[device]") {
  FakeMcp3008 adc;
  adc.single[0] = 300;
  const device::Mcp3008Config cfg{.retry = {.max_attempts = 3, .initial_backoff = 100us, .multiplier = 2.0,
                                            .max_backoff = 1ms}};
  device::Mcp3008 reader(adc, {{0, false}}, cfg);
  std::array<device::Reading, 1> out;

  adc.failures = 2;  // retried, then fine
  reader.poll(Clock::now() + 1s, out);
  REQUIRE(out[0].ok());
  REQUIRE(out[0].raw == 300);
  REQUIRE(reader.stats().retries == 2);

  adc.failures = 3;  // all attempts fail
  reader.poll(Clock::now() + 1s, out);
  REQUIRE(out[0].status == device::ReadingStatus::timeout);

  adc.absent = true;
  reader.poll(Clock::now() + 1s, out);
  REQUIRE(out[0].status == device::ReadingStatus::checksum_mismatch);
  REQUIRE(out[0].raw == 0);
  REQUIRE(reader.stats().checksum_mismatches == 1);
  REQUIRE(reader.stats().timeouts == 1);
}

TEST_CASE("MCP3008 and SpiDev refuse bad settings", "[device]") {
  FakeMcp3008 adc;
  const auto code_of = [](auto&& f) {
    try {
      f();
    } catch (const error& e) {
      return e.code();
    }
    return std::error_code{};
  };
  REQUIRE(code_of([&] { device::Mcp3008 m(adc, {{8, false}}); }) == errc::invalid_argument);
  REQUIRE(code_of([&] { device::Mcp3008 m(adc, std::span<const device::Mcp3008Input>{}); }) == errc::invalid_argument);
  REQUIRE(code_of([&] { device::Mcp3008 m(adc, {{0, false}}, {.vref = 0.0}); }) == errc::invalid_argument);
  device::Mcp3008 one(adc, {{0, false}});
  std::array<device::Reading, 0> none;
  REQUIRE(code_of([&] { one.poll(Clock::now() + 1s, none); }) == errc::size_mismatch);

  REQUIRE(code_of([] { device::SpiDev d("/dev/spidev-does-not-exist", {}); }) == errc::connection_lost);
  if (spi_ioc_wr_mode_refusal_observable()) {
    REQUIRE(code_of([] { device::SpiDev d("/dev/null", {}); }) == errc::invalid_argument);  // not spidev: ENOTTY
  } else {
    WARN("SKIP: SpiDev(\"/dev/null\"): SPI_IOC_WR_MODE: ENOSYS (qemu-user), not ENOTTY");
  }
  REQUIRE(code_of([] { device::SpiDev d("/dev/null", {.mode = 4}); }) == errc::invalid_argument);
}
