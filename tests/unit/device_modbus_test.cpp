// SPDX-License-Identifier: Apache-2.0
// Modbus RTU (device/modbus_rtu.hpp) and TermiosSerial (device/termios_serial.hpp) for real,
// over a pseudo-terminal pair: the adapter opens the pty's slave side as a serial port, and a
// fake Modbus slave thread answers on the master side.
#include <catch2/catch.hpp>

#include <edgempc/device/modbus_rtu.hpp>
#include <edgempc/device/termios_serial.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

using namespace edgempc;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<std::uint8_t> with_crc(std::vector<std::uint8_t> frame) {
  const auto crc = device::crc16_modbus(frame);
  frame.push_back(static_cast<std::uint8_t>(crc & 0xFF));
  frame.push_back(static_cast<std::uint8_t>(crc >> 8));
  return frame;
}

// A pty pair; the master end belongs to the test, the slave end is opened by path.
struct Pty {
  int master = -1;
  int slave = -1;
  std::string path;
  Pty() {
    char name[128] = {};
    REQUIRE(::openpty(&master, &slave, name, nullptr, nullptr) == 0);
    path = name;
  }
  ~Pty() {
    ::close(master);
    ::close(slave);
  }
  Pty(const Pty&) = delete;
  Pty& operator=(const Pty&) = delete;
};

// The fake slave: for each request read from the master end it takes the next behaviour.
enum class Behaviour { good, good_in_two_pieces, bad_crc, short_frame, silence, exception, other_slave };

class FakeSlave {
 public:
  FakeSlave(int fd, std::vector<std::uint16_t> registers) : fd_(fd), registers_(std::move(registers)) {
    thread_ = std::thread([this] { run(); });
  }
  ~FakeSlave() {
    stop_ = true;
    thread_.join();
  }
  void push(Behaviour b) {
    std::lock_guard lock(mutex_);
    script_.push_back(b);
  }
  std::vector<std::vector<std::uint8_t>> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void run() {
    std::vector<std::uint8_t> request;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5) <= 0) continue;
      std::uint8_t buf[64];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) continue;
      request.insert(request.end(), buf, buf + n);
      if (request.size() < 8) continue;
      Behaviour b = Behaviour::silence;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
        if (!script_.empty()) b = script_.front(), script_.pop_front();
      }
      answer(request, b);
      request.clear();
    }
  }

  void answer(const std::vector<std::uint8_t>& req, Behaviour b) {
    const std::uint8_t slave = req[0];
    const std::uint16_t first = static_cast<std::uint16_t>(req[2] << 8 | req[3]);
    const std::uint16_t count = static_cast<std::uint16_t>(req[4] << 8 | req[5]);
    std::vector<std::uint8_t> body{slave, 0x03, static_cast<std::uint8_t>(2 * count)};
    for (std::uint16_t i = 0; i < count; ++i) {
      const std::uint16_t v = registers_.at(first + i);
      body.push_back(static_cast<std::uint8_t>(v >> 8));
      body.push_back(static_cast<std::uint8_t>(v & 0xFF));
    }
    std::vector<std::uint8_t> reply = with_crc(body);
    switch (b) {
      case Behaviour::good: break;
      case Behaviour::good_in_two_pieces:
        send(std::span(reply).first(4));
        std::this_thread::sleep_for(5ms);  // well inside the 20 ms frame gap
        send(std::span(reply).subspan(4));
        return;
      case Behaviour::bad_crc: reply[4] ^= 0x10; break;
      case Behaviour::short_frame: reply.resize(reply.size() - 3); break;
      case Behaviour::silence: return;
      case Behaviour::exception: reply = with_crc({slave, 0x83, 0x02}); break;
      case Behaviour::other_slave:
        body[0] = static_cast<std::uint8_t>(slave + 1);
        reply = with_crc(body);
        break;
    }
    send(reply);
  }

  void send(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n <= 0) return;
      bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
  }

  int fd_;
  std::vector<std::uint16_t> registers_;
  std::mutex mutex_;
  std::deque<Behaviour> script_;
  std::vector<std::vector<std::uint8_t>> requests_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::error_code code_of(auto&& f) {
  try {
    f();
  } catch (const error& e) {
    return e.code();
  }
  return {};
}

}  // namespace

static_assert(device::Adapter<device::ModbusRtu<device::TermiosSerial>>);
static_assert(!std::is_copy_constructible_v<device::TermiosSerial> && std::is_move_constructible_v<device::TermiosSerial>);

TEST_CASE("Modbus RTU request and reply frames", "[device]") {
  static_assert(device::modbus_read_holding_request(0x11, 0x006B, 3) ==
                std::array<std::uint8_t, 8>{0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87});
  static_assert(device::modbus_read_holding_request(0x01, 0x006B, 3) ==
                std::array<std::uint8_t, 8>{0x01, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x74, 0x17});
  // The specification's example reply: registers 0x022B, 0x0000, 0x0064.
  const auto reply = with_crc({0x11, 0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64});
  std::array<std::uint16_t, 3> regs{};
  REQUIRE(device::parse_read_holding_reply(reply, 0x11, regs).status == device::ModbusStatus::ok);
  REQUIRE(regs == std::array<std::uint16_t, 3>{0x022B, 0x0000, 0x0064});
  REQUIRE(device::parse_read_holding_reply(reply, 0x12, regs).status == device::ModbusStatus::unexpected);
  std::array<std::uint16_t, 2> two{};
  REQUIRE(device::parse_read_holding_reply(reply, 0x11, two).status == device::ModbusStatus::unexpected);
  for (std::size_t n = 0; n < reply.size(); ++n)
    REQUIRE(device::parse_read_holding_reply(std::span(reply).first(n), 0x11, regs).status ==
            device::ModbusStatus::short_frame);
  auto damaged = reply;
  damaged[5] ^= 1;
  REQUIRE(device::parse_read_holding_reply(damaged, 0x11, regs).status == device::ModbusStatus::bad_crc);
  const auto exc = with_crc({0x11, 0x83, 0x02});
  const auto parsed = device::parse_read_holding_reply(exc, 0x11, regs);
  REQUIRE(parsed.status == device::ModbusStatus::exception);
  REQUIRE(parsed.exception_code == 2);
  REQUIRE(device::parse_read_holding_reply(with_crc({0x11, 0x04, 0x00}), 0x11, regs).status ==
          device::ModbusStatus::unexpected);
}

TEST_CASE("TermiosSerial opens a pty slave in raw mode at the baud rate asked", "[device]") {
  Pty pty;
  device::TermiosSerial port(pty.path, {.baud = 115200, .parity = device::Parity::even, .stop_bits = 2});
  termios tio{};
  REQUIRE(::tcgetattr(port.native_handle(), &tio) == 0);
  REQUIRE((tio.c_lflag & (ICANON | ECHO | ISIG)) == 0);
  REQUIRE((tio.c_oflag & OPOST) == 0);
  REQUIRE((tio.c_iflag & (ICRNL | IXON)) == 0);
  REQUIRE((tio.c_cflag & CSIZE) == CS8);
  REQUIRE((tio.c_cflag & (CSTOPB | CREAD | CLOCAL)) == (CSTOPB | CREAD | CLOCAL));
  // The pty driver itself clears PARENB (drivers/tty/pty.c, pty_set_termios: a pty has no
  // parity bit), so only the input side of the parity setting shows here.
  REQUIRE((tio.c_iflag & (INPCK | IGNPAR)) == (INPCK | IGNPAR));
  REQUIRE(tio.c_cc[VMIN] == 0);
  REQUIRE(tio.c_cc[VTIME] == 0);
  REQUIRE(::cfgetospeed(&tio) == B115200);
  REQUIRE(::cfgetispeed(&tio) == B115200);

  // Binary bytes pass unchanged both ways (CR, LF, XON, XOFF, Ctrl-C, 0xFF would not in cooked mode).
  const std::array<std::uint8_t, 8> bytes{0x0D, 0x0A, 0x11, 0x13, 0x03, 0x00, 0xFF, 0x7F};
  REQUIRE_FALSE(port.write(bytes, Clock::now() + 1s));
  std::array<std::uint8_t, 8> got{};
  std::size_t have = 0;
  while (have < got.size()) {
    pollfd p{pty.master, POLLIN, 0};
    REQUIRE(::poll(&p, 1, 1000) == 1);
    have += static_cast<std::size_t>(::read(pty.master, got.data() + have, got.size() - have));
  }
  REQUIRE(got == bytes);
  REQUIRE(::write(pty.master, bytes.data(), bytes.size()) == 8);
  got = {};
  have = 0;
  while (have < got.size()) {
    const auto r = port.read(std::span(got).subspan(have), Clock::now() + 1s);
    REQUIRE(r.ok());
    have += r.count;
  }
  REQUIRE(got == bytes);

  // Nothing to read: timed_out at the deadline, not before and not much after.
  const auto start = Clock::now();
  const auto r = port.read(got, start + 30ms);
  const auto took = Clock::now() - start;
  REQUIRE(r.count == 0);
  REQUIRE(r.error == std::errc::timed_out);
  REQUIRE(took >= 30ms);
  REQUIRE(took < 30ms + 150ms);  // slack for a loaded, sanitized CI run; a hang would be seconds

  REQUIRE(code_of([&] { device::TermiosSerial p(pty.path, {.baud = 12345}); }) == errc::invalid_argument);
  REQUIRE(code_of([&] { device::TermiosSerial p(pty.path, {.stop_bits = 3}); }) == errc::invalid_argument);
  REQUIRE(code_of([] { device::TermiosSerial p("/dev/ttyDOESNOTEXIST", {}); }) == errc::connection_lost);
  REQUIRE(code_of([] { device::TermiosSerial p("/dev/null", {}); }) == errc::invalid_argument);
}

TEST_CASE("Modbus RTU over a pty against a fake slave", "[device]") {
  Pty pty;
  std::vector<std::uint16_t> registers(0x100);
  registers[0x6B] = 0x022B;
  registers[0x6C] = 0xFFFE;  // -2 as int16
  registers[0x6D] = 0x0064;
  FakeSlave slave(pty.master, registers);
  device::TermiosSerial port(pty.path, {.baud = 19200});
  device::ModbusConfig cfg{.slave = 0x11, .first_register = 0x6B, .count = 3};
  cfg.formats = {{.scale = 0.1}, {.is_signed = true}, {.scale = 1.0, .offset = -100}};
  device::ModbusRtu modbus(port, cfg);
  REQUIRE(modbus.channels() == 3);
  std::array<device::Reading, 3> out;

  SECTION("good frames, whole and in pieces") {
    slave.push(Behaviour::good);
    slave.push(Behaviour::good_in_two_pieces);
    for (int i = 0; i < 2; ++i) {
      REQUIRE(modbus.poll(Clock::now() + 1s, out) == 3);
      for (const auto& r : out) REQUIRE(r.ok());
      REQUIRE(out[0].value() == Approx(55.5));
      REQUIRE(out[1].raw == -2);
      REQUIRE(out[2].value() == Approx(0.0));
    }
    const auto reqs = slave.requests();
    REQUIRE(reqs.size() == 2);
    REQUIRE(reqs[0] == std::vector<std::uint8_t>{0x11, 0x03, 0x00, 0x6B, 0x00, 0x03, 0x76, 0x87});
  }
  SECTION("corrupted CRC and short frame are checksum_mismatch, well before the deadline") {
    slave.push(Behaviour::bad_crc);
    slave.push(Behaviour::short_frame);
    const auto start = Clock::now();
    modbus.poll(start + 2s, out);
    for (const auto& r : out) REQUIRE(r.status == device::ReadingStatus::checksum_mismatch);
    REQUIRE(modbus.last_reply().status == device::ModbusStatus::bad_crc);
    modbus.poll(start + 2s, out);
    for (const auto& r : out) REQUIRE(r.status == device::ReadingStatus::checksum_mismatch);
    REQUIRE(out[0].raw == 0);
    REQUIRE(modbus.last_reply().status == device::ModbusStatus::short_frame);
    REQUIRE(Clock::now() - start < 1s);  // the frame gap ended the short frame, not the deadline
    REQUIRE(modbus.stats().checksum_mismatches == 2);
  }
  SECTION("an exception reply or another slave's reply is missing") {
    slave.push(Behaviour::exception);
    slave.push(Behaviour::other_slave);
    modbus.poll(Clock::now() + 1s, out);
    REQUIRE(out[0].status == device::ReadingStatus::missing);
    REQUIRE(modbus.last_reply().status == device::ModbusStatus::exception);
    REQUIRE(modbus.last_reply().exception_code == 2);
    modbus.poll(Clock::now() + 1s, out);
    REQUIRE(out[2].status == device::ReadingStatus::missing);
    REQUIRE(modbus.last_reply().status == device::ModbusStatus::unexpected);
  }
  SECTION("silence is timeout within the deadline, and the port still works after it") {
    slave.push(Behaviour::silence);
    slave.push(Behaviour::good);
    const auto start = Clock::now();
    modbus.poll(start + 80ms, out);
    const auto took = Clock::now() - start;
    for (const auto& r : out) REQUIRE(r.status == device::ReadingStatus::timeout);
    REQUIRE(took >= 80ms);
    REQUIRE(took < 80ms + 150ms);  // slack for a loaded, sanitized CI run; a hang would be seconds
    REQUIRE(modbus.stats().timeouts == 1);
    modbus.poll(Clock::now() + 1s, out);
    REQUIRE(out[0].ok());
  }
}
