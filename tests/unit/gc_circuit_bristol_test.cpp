// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/gc/bristol.hpp>
#include <edgempc/gc/evaluate.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace edgempc;
using Catch::Matchers::Contains;

namespace {

gc::Circuit load(const std::string& name) { return gc::load_bristol(EDGEMPC_TEST_DATA_DIR "/circuits/" + name); }

// Random 64-bit values biased toward the cases that break arithmetic circuits: small values,
// values of every bit length, and the extremes.
class Values {
 public:
  explicit Values(std::uint64_t seed) : rng_(seed) {}
  std::uint64_t next() {
    switch (rng_() % 4) {
      case 0: return rng_();
      case 1: return rng_() >> (rng_() % 64);
      case 2: return static_cast<std::uint64_t>(-static_cast<std::int64_t>(rng_() >> (1 + rng_() % 63)));
      default: {
        static constexpr std::uint64_t edges[] = {0, 1, 2, 3, 0x7fffffffffffffff, 0x8000000000000000, ~std::uint64_t{0},
                                                  ~std::uint64_t{0} - 1};
        return edges[rng_() % std::size(edges)];
      }
    }
  }

 private:
  std::mt19937_64 rng_;
};

std::uint64_t run(const gc::Circuit& c, std::vector<std::uint64_t> in) { return gc::evaluate(c, in).at(0); }

// The FIPS-197 byte string, written as one big-endian hex number, becomes a 128-bit integer
// with bit i on the circuit's wire i; as the little-endian bytes evaluate_bytes takes, that is
// the FIPS byte order reversed.
std::vector<std::uint8_t> aes_bytes(const std::string& hex) {
  std::vector<std::uint8_t> b;
  for (std::size_t i = 0; i < hex.size(); i += 2) b.push_back(static_cast<std::uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
  std::reverse(b.begin(), b.end());
  return b;
}

std::string message_of(const std::string& text, const gc::BristolOptions& options = {}) {
  try {
    (void)gc::parse_bristol(text, options);
  } catch (const error& e) {
    REQUIRE(e.code() == errc::malformed_message);
    return e.what();
  }
  FAIL("no error for:\n" << text);
  return {};
}

// Two 2-bit inputs a, b and one output (a0 & b0) ^ (a1 & b1); gates on lines 5 to 7.
const std::string header = "3 7\n2 2 2\n1 1\n\n";
const std::string gates = "2 1 0 2 4 AND\n2 1 1 3 5 AND\n2 1 4 5 6 XOR\n";

}  // namespace

TEST_CASE("every Bristol file loads with the published shape", "[gc]") {
  struct Expect {
    const char* file;
    std::vector<std::uint32_t> in, out;
    std::size_t gates;
    std::uint64_t ands;
  };
  const std::vector<Expect> all = {
      {"adder64.txt", {64, 64}, {64}, 376, 63},          {"sub64.txt", {64, 64}, {64}, 439, 63},
      {"neg64.txt", {64}, {64}, 190, 62},                {"zero_equal.txt", {64}, {1}, 127, 63},
      {"udivide64.txt", {64, 64}, {64}, 16952, 4285},    {"divide64.txt", {64, 64}, {64}, 29926, 4664},
      {"aes_128.txt", {128, 128}, {128}, 36663, 6400},
  };
  for (const auto& e : all) {
    INFO(e.file);
    const gc::Circuit c = load(e.file);
    CHECK(c.input_widths == e.in);
    CHECK(c.output_widths == e.out);
    CHECK(c.gates.size() == e.gates);
    CHECK(c.and_count() == e.ands);
  }
}

TEST_CASE("adder64, sub64, neg64 and zero_equal compute their arithmetic", "[gc]") {
  const auto add = load("adder64.txt");
  const auto sub = load("sub64.txt");
  const auto neg = load("neg64.txt");
  const auto zero = load("zero_equal.txt");
  Values v(0x5eed0001);
  for (int i = 0; i < 300; ++i) {
    const std::uint64_t a = v.next();
    const std::uint64_t b = v.next();
    INFO(a << " " << b);
    CHECK(run(add, {a, b}) == a + b);
    CHECK(run(sub, {a, b}) == a - b);
    CHECK(run(neg, {a}) == 0 - a);
    CHECK(run(zero, {a}) == (a == 0 ? 1U : 0U));
  }
  CHECK(run(zero, {0}) == 1);
  CHECK(run(zero, {std::uint64_t{1} << 63}) == 0);
}

TEST_CASE("udivide64 is unsigned division, and by zero it gives all ones", "[gc]") {
  const auto div = load("udivide64.txt");
  Values v(0x5eed0002);
  for (int i = 0; i < 200; ++i) {
    const std::uint64_t a = v.next();
    const std::uint64_t b = v.next();
    INFO(a << " / " << b);
    CHECK(run(div, {a, b}) == (b == 0 ? ~std::uint64_t{0} : a / b));
  }
  // What the circuit does (restoring division never subtracts "too much" from zero).
  for (const std::uint64_t a : {std::uint64_t{0}, std::uint64_t{5}, ~std::uint64_t{0}}) CHECK(run(div, {a, 0}) == ~std::uint64_t{0});
}

TEST_CASE("divide64 is signed division truncating toward zero", "[gc]") {
  const auto div = load("divide64.txt");
  constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
  const auto sdiv = [&](std::int64_t a, std::int64_t b) {
    return static_cast<std::int64_t>(run(div, {static_cast<std::uint64_t>(a), static_cast<std::uint64_t>(b)}));
  };
  Values v(0x5eed0003);
  for (int i = 0; i < 200; ++i) {
    const auto a = static_cast<std::int64_t>(v.next());
    const auto b = static_cast<std::int64_t>(v.next());
    if (b == 0 || (a == min && b == -1)) continue;
    INFO(a << " / " << b);
    CHECK(sdiv(a, b) == a / b);
  }
  CHECK(sdiv(-7, 2) == -3);
  CHECK(sdiv(7, -2) == -3);
  CHECK(sdiv(-7, -2) == 3);
  // Where C++ is undefined, the circuit wraps like the hardware: INT64_MIN / -1 = INT64_MIN.
  CHECK(sdiv(min, -1) == min);
  CHECK(sdiv(min, 1) == min);
  // By zero, as the file defines it: the unsigned all-ones quotient with the dividend's sign
  // applied, so -1 for a >= 0 and 1 for a < 0, except INT64_MIN / 0 = 2.
  CHECK(sdiv(0, 0) == -1);
  CHECK(sdiv(12345, 0) == -1);
  CHECK(sdiv(std::numeric_limits<std::int64_t>::max(), 0) == -1);
  CHECK(sdiv(-1, 0) == 1);
  CHECK(sdiv(-100, 0) == 1);
  CHECK(sdiv(min + 1, 0) == 1);
  CHECK(sdiv(min, 0) == 2);
}

TEST_CASE("aes_128 reproduces FIPS-197 (key is input 0, plaintext input 1)", "[gc]") {
  const auto aes = load("aes_128.txt");
  // Bit order: the file takes the key, the plaintext and the ciphertext as 128-bit integers
  // whose hex spelling is the FIPS byte string, bit i of the integer on wire i; so FIPS byte 0
  // is on wires 120..127 (most significant byte) and byte 15 on wires 0..7.
  SECTION("Appendix C.1") {
    const auto out = gc::evaluate_bytes(aes, {aes_bytes("000102030405060708090a0b0c0d0e0f"),
                                              aes_bytes("00112233445566778899aabbccddeeff")});
    CHECK(out.at(0) == aes_bytes("69c4e0d86a7b0430d8cdb78070b4c55a"));
  }
  SECTION("Appendix B") {
    const auto out = gc::evaluate_bytes(aes, {aes_bytes("2b7e151628aed2a6abf7158809cf4f3c"),
                                              aes_bytes("3243f6a8885a308d313198a2e0370734")});
    CHECK(out.at(0) == aes_bytes("3925841d02dc09fbdc118597196a0b32"));
  }
  SECTION("the bit-vector form agrees") {
    const auto key = aes_bytes("000102030405060708090a0b0c0d0e0f");
    const auto pt = aes_bytes("00112233445566778899aabbccddeeff");
    std::vector<std::vector<bool>> in(2, std::vector<bool>(128));
    for (std::size_t i = 0; i < 128; ++i) {
      in[0][i] = ((key[i / 8] >> (i % 8)) & 1U) != 0;
      in[1][i] = ((pt[i / 8] >> (i % 8)) & 1U) != 0;
    }
    const auto out = gc::evaluate_bits(aes, in).at(0);
    const auto want = aes_bytes("69c4e0d86a7b0430d8cdb78070b4c55a");
    for (std::size_t i = 0; i < 128; ++i) CHECK(out[i] == (((want[i / 8] >> (i % 8)) & 1U) != 0));
  }
}

TEST_CASE("writing a loaded file and reading it back gives the same circuit", "[gc]") {
  for (const char* f : {"adder64.txt", "neg64.txt", "zero_equal.txt", "divide64.txt"}) {
    INFO(f);
    const auto c = load(f);
    const auto back = gc::parse_bristol(gc::to_bristol(c));
    CHECK(back.wires == c.wires);
    CHECK(back.input_widths == c.input_widths);
    CHECK(back.output_widths == c.output_widths);
    REQUIRE(back.gates.size() == c.gates.size());
    bool same = true;
    for (std::size_t i = 0; i < c.gates.size(); ++i) {
      const auto& g = c.gates[i];
      const auto& h = back.gates[i];
      same = same && g.type == h.type && g.in0 == h.in0 && g.out == h.out &&
             (g.type != gc::GateType::xor_gate && g.type != gc::GateType::and_gate ? true : g.in1 == h.in1);
    }
    CHECK(same);
  }
}

TEST_CASE("Bristol reader: a small valid file, blank lines, CRLF, EQ, EQW and MAND", "[gc]") {
  const auto c = gc::parse_bristol(header + gates);
  for (std::uint64_t a = 0; a < 4; ++a)
    for (std::uint64_t b = 0; b < 4; ++b) CHECK(run(c, {a, b}) == (((a & b) & 1U) ^ ((a & b) >> 1)));

  const auto crlf = gc::parse_bristol("\r\n3 7\r\n2 2 2\r\n\r\n1 1\r\n2 1 0 2 4 AND\r\n\t2 1 1 3 5 AND \r\n2 1 4 5 6 XOR");
  CHECK(crlf.gates.size() == 3);

  // out0 = a0 & b0, out1 = a1 & b1 through one MAND; out2 = 1 (EQ); out3 = a0 (EQW).
  const auto m = gc::parse_bristol("3 10\n2 2 2\n1 4\n\n4 2 0 1 2 3 6 7 MAND\n1 1 1 8 EQ\n1 1 0 9 EQW\n");
  CHECK(m.gates.size() == 4);
  CHECK(m.and_count() == 2);
  for (std::uint64_t a = 0; a < 4; ++a)
    for (std::uint64_t b = 0; b < 4; ++b) CHECK(run(m, {a, b}) == ((a & b) | 4U | ((a & 1U) << 3)));
}

TEST_CASE("Bristol reader: bad header counts name line 1", "[gc]") {
  const std::string rest = "2 2 2\n1 1\n\n" + gates;
  CHECK_THAT(message_of("3 x7\n" + rest), Contains("line 1") && Contains("not a decimal number"));
  CHECK_THAT(message_of("-3 7\n" + rest), Contains("line 1"));
  CHECK_THAT(message_of("3 7 1\n" + rest), Contains("line 1") && Contains("3 fields"));
  CHECK_THAT(message_of("3\n" + rest), Contains("line 1"));
  CHECK_THAT(message_of("3 0\n" + rest), Contains("line 1") && Contains("wire count 0"));
  CHECK_THAT(message_of("3 99999999999999999999999\n" + rest), Contains("line 1") && Contains("too large"));
  CHECK_THAT(message_of(""), Contains("line 1") && Contains("empty"));
  CHECK_THAT(message_of("\n\n"), Contains("line 2") && Contains("empty"));
}

TEST_CASE("Bristol reader: absurd counts are refused before any allocation", "[gc]") {
  const std::string rest = "2 2 2\n1 1\n\n" + gates;
  CHECK_THAT(message_of("3 4000000000\n" + rest), Contains("line 1") && Contains("wire count 4000000000 above the limit"));
  CHECK_THAT(message_of("18446744073709551615 7\n" + rest), Contains("line 1") && Contains("above the limit"));
  gc::BristolOptions small;
  small.max_gates = 2;
  CHECK_THAT(message_of(header + gates, small), Contains("line 1") && Contains("gate count 3 above the limit 2"));
  small.max_gates = 100;
  small.max_wires = 6;
  CHECK_THAT(message_of(header + gates, small), Contains("line 1") && Contains("wire count 7 above the limit 6"));
  // A MAND that expands past the gate limit.
  small.max_wires = 100;
  small.max_gates = 3;
  CHECK_THAT(message_of("2 10\n2 2 2\n1 1\n\n2 1 0 1 4 AND\n6 3 0 1 2 3 1 0 5 6 9 MAND\n", small),
             Contains("line 6") && Contains("more than 3 gates"));
  gc::BristolOptions short_lines;
  short_lines.max_line_length = 8;
  CHECK_THAT(message_of(header + gates, short_lines), Contains("line 5") && Contains("longer than 8 bytes"));
}

TEST_CASE("Bristol reader: input and output lines that disagree with themselves", "[gc]") {
  CHECK_THAT(message_of("3 7\n3 2 2\n1 1\n\n" + gates), Contains("line 2") && Contains("input count 3 but 2 widths"));
  CHECK_THAT(message_of("3 7\n2 2 0\n1 1\n\n" + gates), Contains("line 2") && Contains("width 0"));
  CHECK_THAT(message_of("3 7\n2 2 2\n2 1\n\n" + gates), Contains("line 3") && Contains("output count 2 but 1 widths"));
  CHECK_THAT(message_of("3 7\n2 2 99999999999\n1 1\n\n" + gates), Contains("line 2") && Contains("wire count too small"));
  CHECK_THAT(message_of("3 7\n2 2 2\n"), Contains("line 3") && Contains("end of file"));
}

TEST_CASE("Bristol reader: a wire count too small for the inputs and outputs", "[gc]") {
  CHECK_THAT(message_of("3 4\n2 2 2\n1 1\n\n" + gates), Contains("line 3") && Contains("wire count too small"));
}

TEST_CASE("Bristol reader: fewer gates than the header declares", "[gc]") {
  CHECK_THAT(message_of("4 7\n2 2 2\n1 1\n\n" + gates), Contains("line 7") && Contains("end of file after 3 gates"));
}

TEST_CASE("Bristol reader: more gates than the header declares (trailing content)", "[gc]") {
  CHECK_THAT(message_of("2 7\n2 2 2\n1 1\n\n" + gates), Contains("line 7") && Contains("trailing content"));
  CHECK_THAT(message_of(header + gates + "\nhello\n"), Contains("line 9") && Contains("trailing content"));
}

TEST_CASE("Bristol reader: unknown gate type", "[gc]") {
  CHECK_THAT(message_of(header + "2 1 0 2 4 NAND\n2 1 1 3 5 AND\n2 1 4 5 6 XOR\n"),
             Contains("line 5") && Contains("unknown gate type \"NAND\""));
  CHECK_THAT(message_of(header + "2 1 0 2 4 AND\n2 1 1 3 5 and\n2 1 4 5 6 XOR\n"), Contains("line 6") && Contains("unknown"));
}

TEST_CASE("Bristol reader: wrong arity for a gate type", "[gc]") {
  const std::string tail = "2 1 1 3 5 AND\n2 1 4 5 6 XOR\n";
  CHECK_THAT(message_of(header + "1 1 0 4 AND\n" + tail), Contains("line 5") && Contains("AND gate with 1 inputs"));
  CHECK_THAT(message_of(header + "2 1 0 2 4 INV\n" + tail), Contains("line 5") && Contains("INV gate with 2 inputs"));
  CHECK_THAT(message_of(header + "3 1 0 2 4 MAND\n" + tail), Contains("line 5") && Contains("MAND"));
  CHECK_THAT(message_of(header + "2 1 0 2 AND\n" + tail), Contains("line 5") && Contains("3 wire numbers expected, 2 found"));
  CHECK_THAT(message_of(header + "2 1 0 2 4 9 AND\n" + tail), Contains("line 5") && Contains("3 wire numbers expected, 4 found"));
  CHECK_THAT(message_of(header + "AND\n" + tail), Contains("line 5"));
}

TEST_CASE("Bristol reader: wire index out of range or not a number", "[gc]") {
  CHECK_THAT(message_of(header + "2 1 0 9 4 AND\n2 1 1 3 5 AND\n2 1 4 5 6 XOR\n"),
             Contains("line 5") && Contains("wire 9 out of range"));
  CHECK_THAT(message_of(header + "2 1 0 2 4 AND\n2 1 1 3 7 AND\n2 1 4 5 6 XOR\n"), Contains("line 6") && Contains("wire 7 out of range"));
  CHECK_THAT(message_of(header + "2 1 0 two 4 AND\n2 1 1 3 5 AND\n2 1 4 5 6 XOR\n"), Contains("line 5") && Contains("\"two\""));
  CHECK_THAT(message_of(header + "1 1 2 4 EQ\n2 1 1 3 5 AND\n2 1 4 5 6 XOR\n"), Contains("line 5") && Contains("EQ constant 2"));
}

TEST_CASE("Bristol reader: a gate reading a wire before it is set", "[gc]") {
  CHECK_THAT(message_of(header + "2 1 4 5 6 XOR\n2 1 0 2 4 AND\n2 1 1 3 5 AND\n"),
             Contains("line 5") && Contains("reads wire 4 before it is set"));
  CHECK_THAT(message_of(header + "2 1 0 2 4 AND\n2 1 1 3 5 AND\n1 1 6 6 INV\n"), Contains("line 7") && Contains("wire 6 before"));
  // A MAND reads all its inputs before writing: its own outputs are not yet set.
  CHECK_THAT(message_of("2 8\n2 2 2\n1 1\n\n4 2 0 1 4 2 4 5 MAND\n2 1 4 5 7 XOR\n"), Contains("line 5") && Contains("wire 4 before"));
}

TEST_CASE("Bristol reader: a wire written twice", "[gc]") {
  CHECK_THAT(message_of(header + "2 1 0 2 4 AND\n2 1 1 3 4 AND\n2 1 4 5 6 XOR\n"), Contains("line 6") && Contains("wire 4 written twice"));
  // Inputs are set before the first gate.
  CHECK_THAT(message_of(header + "2 1 0 2 1 AND\n2 1 1 3 5 AND\n2 1 4 5 6 XOR\n"), Contains("line 5") && Contains("wire 1 written twice"));
}

TEST_CASE("Bristol reader: outputs that are not the last wires", "[gc]") {
  // Eight wires, so the output is wire 7, which no gate sets.
  CHECK_THAT(message_of("3 8\n2 2 2\n1 1\n\n" + gates), Contains("line 7") && Contains("output wire 7 is never set"));
}

TEST_CASE("Bristol reader: mutated files parse or fail with malformed_message, nothing else", "[gc]") {
  std::ifstream f(EDGEMPC_TEST_DATA_DIR "/circuits/adder64.txt");
  const std::string adder((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(adder.size() > 1000);
  static constexpr char alphabet[] = "0123456789 \n\tXORANDINVEQWM-+x";
  std::mt19937_64 rng(0x5eed0004);
  int parsed = 0;
  for (int i = 0; i < 600; ++i) {
    std::string text = i % 3 == 0 ? adder : header + gates;
    for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k) {
      const std::size_t at = rng() % text.size();
      const char ch = alphabet[rng() % (sizeof alphabet - 1)];
      switch (rng() % 4) {
        case 0: text.erase(at, 1); break;
        case 1: text[at] = ch; break;
        case 2: text.insert(at, 1, ch); break;
        default: text.resize(at); break;
      }
      if (text.empty()) text = "x";
    }
    try {
      const auto c = gc::parse_bristol(text);
      ++parsed;
      // Whatever loads is well formed, so it evaluates.
      std::vector<std::uint8_t> in(static_cast<std::size_t>(c.input_bits()), 1);
      CHECK(gc::evaluate_wires(c, in).size() == c.output_bits());
    } catch (const error& e) {
      CHECK(e.code() == errc::malformed_message);
      CHECK_THAT(e.what(), Contains("line "));
    }
  }
  CHECK(parsed > 0);
}

TEST_CASE("Bristol reader: a file that cannot be opened", "[gc]") {
  try {
    (void)gc::load_bristol(EDGEMPC_TEST_DATA_DIR "/circuits/no_such_file.txt");
    FAIL("no error");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_argument);
  }
}

TEST_CASE("evaluate checks the number and width of the values", "[gc]") {
  const auto add = load("adder64.txt");
  const auto code_of = [](auto&& f) {
    try {
      f();
    } catch (const error& e) {
      return e.code();
    }
    return std::error_code{};
  };
  CHECK(code_of([&] { (void)gc::evaluate(add, {1}); }) == errc::size_mismatch);
  CHECK(code_of([&] { (void)gc::evaluate(add, {1, 2, 3}); }) == errc::size_mismatch);
  CHECK(code_of([&] { (void)gc::evaluate_bits(add, {std::vector<bool>(64), std::vector<bool>(63)}); }) == errc::size_mismatch);
  CHECK(code_of([&] { (void)gc::evaluate_bytes(add, {std::vector<std::uint8_t>(8), std::vector<std::uint8_t>(9)}); }) ==
        errc::size_mismatch);
  const auto aes = load("aes_128.txt");
  CHECK(code_of([&] { (void)gc::evaluate(aes, {1, 2}); }) == errc::size_mismatch);
  const auto zero = load("zero_equal.txt");
  CHECK(gc::evaluate_bytes(zero, {std::vector<std::uint8_t>(8)}).at(0) == std::vector<std::uint8_t>{1});
  const auto tiny = gc::parse_bristol(header + gates);
  CHECK(code_of([&] { (void)gc::evaluate(tiny, {4, 0}); }) == errc::out_of_range);
  CHECK(code_of([&] { (void)gc::evaluate_bytes(tiny, {{4}, {0}}); }) == errc::out_of_range);
  CHECK(code_of([&] { (void)gc::evaluate_wires(tiny, std::vector<std::uint8_t>(3)); }) == errc::size_mismatch);
  // A hand-made circuit naming a wire it does not have is refused, not read out of bounds.
  gc::Circuit bad = tiny;
  bad.gates[1].in1 = 70;
  CHECK(code_of([&] { (void)gc::evaluate(bad, {1, 1}); }) == errc::invalid_argument);
}
