// SPDX-License-Identifier: Apache-2.0
// Garbling and evaluating in one process against the plaintext evaluator (gc::evaluate_wires),
// on every fixed-key back-end this machine runs.
#include <catch2/catch.hpp>

#include <edgempc/gc/evaluate.hpp>
#include <edgempc/gc/garble.hpp>

#if defined(EDGEMPC_TEST_DATA_DIR)
#include <edgempc/gc/bristol.hpp>
#endif

#include <algorithm>
#include <vector>

using namespace edgempc;
using gc::Circuit;
using gc::Gate;
using gc::GateType;

namespace {

Prg test_prg(std::uint8_t tag) {
  Prg::Seed seed{};
  seed[0] = tag;
  seed[1] = 0x9c;
  return Prg(seed, PrgAlgorithm::chacha20);
}

// Everything one garbled run produced, and what the evaluator made of it.
struct Run {
  std::vector<Block> tables;
  std::vector<std::size_t> batch_sizes;
  std::vector<bool> decoding;
  std::vector<Block> output_zero;
  std::vector<Block> output_labels;
  std::vector<std::uint8_t> outputs;  // decoded, one byte per bit
};

struct Garbling {
  Block delta;
  std::vector<Block> input_zero;
};

Garbling random_garbling(Prg& prg, const Circuit& c) {
  Garbling g{gc::random_delta(prg), std::vector<Block>(c.input_bits())};
  gc::random_labels(prg, g.input_zero);
  return g;
}

std::vector<Block> active_labels(const Garbling& g, const std::vector<std::uint8_t>& bits) {
  std::vector<Block> out(bits.size());
  for (std::size_t i = 0; i < bits.size(); ++i) out[i] = g.input_zero[i] ^ (Block::mask(bits[i] != 0) & g.delta);
  return out;
}

// Garbles with sink batches of `batch_gates` AND gates, then evaluates with the tables handed
// over in chunks of `chunk_blocks` (0: as the garbler batched them).
Run garble_and_evaluate(const Circuit& c, const gc::FixedKey& key, const Garbling& g,
                        const std::vector<std::uint8_t>& bits, std::size_t batch_gates = gc::Garbler::default_batch_gates,
                        std::size_t chunk_blocks = 0) {
  Run r;
  gc::Garbler garbler(c, key, batch_gates);
  r.output_zero.resize(c.output_bits());
  r.decoding = garbler.garble(
      g.delta, g.input_zero,
      [&](std::span<const Block> t) {
        r.batch_sizes.push_back(t.size());
        r.tables.insert(r.tables.end(), t.begin(), t.end());
      },
      r.output_zero);
  gc::Evaluator evaluator(c, key);
  std::size_t pos = 0, batch = 0;
  r.output_labels = evaluator.evaluate(active_labels(g, bits), [&]() -> std::span<const Block> {
    std::size_t n = chunk_blocks != 0 ? chunk_blocks : (batch < r.batch_sizes.size() ? r.batch_sizes[batch++] : 0);
    n = std::min(n, r.tables.size() - pos);
    const std::span<const Block> chunk(r.tables.data() + pos, n);
    pos += n;
    return chunk;
  });
  for (const bool b : gc::decode(r.output_labels, r.decoding)) r.outputs.push_back(b ? 1 : 0);
  return r;
}

std::vector<std::uint8_t> random_bits(Prg& prg, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) b = static_cast<std::uint8_t>(prg.next_u64() & 1);
  return v;
}

// Random gates over random earlier wires; EQ constants included. With `reuse`, gates may
// overwrite non-input wires that are already set (a circuit that is not single-assignment).
Circuit random_circuit(Prg& prg, std::uint32_t inputs, std::uint32_t gates, std::uint32_t outputs, bool reuse = false) {
  Circuit c;
  c.input_widths = {inputs / 2, inputs - inputs / 2};
  c.output_widths = {outputs};
  c.wires = inputs + gates;
  const auto below = [&](std::uint64_t n) { return static_cast<std::uint32_t>(prg.next_u64() % n); };
  std::uint32_t next = inputs;  // first unset wire
  for (std::uint32_t i = 0; i < gates; ++i) {
    Gate g{};
    const std::uint32_t kind = below(16);
    g.type = kind < 7 ? GateType::and_gate : kind < 12 ? GateType::xor_gate : kind < 14 ? GateType::inv
             : kind < 15 ? GateType::eqw : GateType::eq;
    g.in0 = g.type == GateType::eq ? below(2) : below(next);
    g.in1 = below(next);
    // Keep the last `outputs` gates writing the output wires, as Bristol files do.
    const bool overwrite = reuse && next > inputs && i + outputs < gates && below(4) == 0;
    g.out = overwrite ? inputs + below(next - inputs) : next++;
    c.gates.push_back(g);
  }
  c.wires = next;
  return c;
}

std::vector<gc::FixedKey> all_keys() {
  std::vector<gc::FixedKey> keys;
  for (const auto b : gc::available_permutation_backends()) keys.emplace_back(gc::FixedKey::default_seed, b);
  return keys;
}

bool is_error(const error& e, errc code) { return e.code() == code; }

// Checks one circuit on `trials` random inputs and every back-end: the decoded outputs equal
// the plaintext, the output labels are zero-label or zero-label ^ Delta as the bit says, 32
// bytes of tables per AND gate, and the tables are identical across back-ends.
void check_circuit(const Circuit& c, int trials, std::uint8_t tag) {
  Prg prg = test_prg(tag);
  const auto keys = all_keys();
  for (int t = 0; t < trials; ++t) {
    const auto bits = random_bits(prg, c.input_bits());
    const auto g = random_garbling(prg, c);
    const auto expected = gc::evaluate_wires(c, bits);
    std::vector<Block> first_tables;
    for (const auto& key : keys) {
      INFO(gc::to_string(key.backend()) << ", trial " << t);
      const Run r = garble_and_evaluate(c, key, g, bits);
      REQUIRE(r.outputs == expected);
      REQUIRE(r.tables.size() * sizeof(Block) == 32 * c.and_count());
      for (std::size_t i = 0; i < r.output_labels.size(); ++i) {
        REQUIRE(r.decoding[i] == r.output_zero[i].lsb());
        REQUIRE(r.output_labels[i] == (r.output_zero[i] ^ (Block::mask(expected[i] != 0) & g.delta)));
      }
      if (first_tables.empty()) first_tables = r.tables;
      REQUIRE(r.tables == first_tables);
    }
  }
}

Circuit one_gate(GateType type, std::uint32_t in0 = 0, std::uint32_t in1 = 1) {
  Circuit c;
  c.input_widths = {1, 1};
  c.output_widths = {1};
  c.wires = 3;
  c.gates = {Gate{type, in0, in1, 2}};
  return c;
}

}  // namespace

TEST_CASE("garbled single gates equal their truth tables", "[gc]") {
  const auto keys = all_keys();
  Prg prg = test_prg(1);
  for (const GateType type : {GateType::and_gate, GateType::xor_gate, GateType::inv, GateType::eqw}) {
    for (const std::uint32_t in0 : {0u, 1u}) {  // AND and XOR of a wire with itself too
      const Circuit c = one_gate(type, in0, 1);
      for (const auto& key : keys) {
        for (unsigned x = 0; x < 4; ++x) {
          const std::vector<std::uint8_t> bits = {static_cast<std::uint8_t>(x & 1), static_cast<std::uint8_t>(x >> 1)};
          INFO("type " << int(type) << " in0 " << in0 << " inputs " << x << " " << gc::to_string(key.backend()));
          const Run r = garble_and_evaluate(c, key, random_garbling(prg, c), bits);
          REQUIRE(r.outputs == gc::evaluate_wires(c, bits));
          REQUIRE(r.tables.size() == (type == GateType::and_gate ? 2u : 0u));
        }
      }
    }
  }
}

TEST_CASE("garbled constants (EQ) feed free and AND gates", "[gc]") {
  // out = (c0 & a) ^ (c1 & b) ^ c1 ^ !(c0) with c0 = 0, c1 = 1, and the constants as outputs.
  Circuit c;
  c.input_widths = {1, 1};
  c.output_widths = {4};
  c.wires = 12;
  c.gates = {
      {GateType::eq, 0, 0, 2},          {GateType::eq, 1, 0, 3},        {GateType::and_gate, 2, 0, 4},
      {GateType::and_gate, 3, 1, 5},    {GateType::xor_gate, 4, 5, 6},  {GateType::xor_gate, 6, 3, 7},
      {GateType::inv, 2, 0, 9},         {GateType::and_gate, 2, 3, 10}, {GateType::xor_gate, 7, 9, 8},
      {GateType::eqw, 3, 0, 11},
  };
  // outputs: wires 8, 9, 10, 11 = formula, !c0 = 1, c0 & c1 = 0, c1 = 1
  check_circuit(c, 8, 2);
}

TEST_CASE("a garbled 8-bit ripple-carry adder adds", "[gc]") {
  Circuit c;
  c.input_widths = {8, 8};
  c.output_widths = {8};
  std::uint32_t w = 16;
  std::uint32_t carry = 0;
  std::vector<Gate> sums;
  for (std::uint32_t i = 0; i < 8; ++i) {
    const std::uint32_t a = i, b = 8 + i;
    if (i == 0) {
      sums.push_back({GateType::xor_gate, a, b, 0});  // out wire filled below
      c.gates.push_back({GateType::and_gate, a, b, carry = w++});
      continue;
    }
    const std::uint32_t axc = w++, bxc = w++, t = w++, ncarry = w++;
    c.gates.push_back({GateType::xor_gate, a, carry, axc});
    c.gates.push_back({GateType::xor_gate, b, carry, bxc});
    sums.push_back({GateType::xor_gate, axc, b, 0});
    c.gates.push_back({GateType::and_gate, axc, bxc, t});
    c.gates.push_back({GateType::xor_gate, t, carry, ncarry});
    carry = ncarry;
  }
  for (auto& g : sums) {
    g.out = w++;
    c.gates.push_back(g);
  }
  c.wires = w;
  Prg prg = test_prg(3);
  for (int t = 0; t < 20; ++t) {
    const std::uint64_t x = prg.next_u64() & 0xff, y = prg.next_u64() & 0xff;
    std::vector<std::uint8_t> bits;
    for (int i = 0; i < 8; ++i) bits.push_back(static_cast<std::uint8_t>((x >> i) & 1));
    for (int i = 0; i < 8; ++i) bits.push_back(static_cast<std::uint8_t>((y >> i) & 1));
    const Run r = garble_and_evaluate(c, gc::FixedKey(), random_garbling(prg, c), bits);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < 8; ++i) sum |= std::uint64_t{r.outputs[i]} << i;
    REQUIRE(sum == ((x + y) & 0xff));
  }
}

TEST_CASE("garbled random circuits equal plaintext evaluation", "[gc]") {
  Prg prg = test_prg(4);
  SECTION("single assignment, reordered by AND depth") {
    for (const std::uint32_t gates : {50u, 400u, 3000u}) check_circuit(random_circuit(prg, 64, gates, 32), 3, 5);
  }
  SECTION("wires written twice: file order") {
    for (const std::uint32_t gates : {50u, 400u, 3000u}) check_circuit(random_circuit(prg, 64, gates, 32, true), 3, 6);
  }
  SECTION("no AND gates, no gates at all") {
    Circuit c;
    c.input_widths = {4};
    c.output_widths = {4};
    c.wires = 8;
    for (std::uint32_t i = 0; i < 4; ++i) c.gates.push_back({GateType::eqw, i, 0, 4 + i});
    check_circuit(c, 2, 7);
    for (std::uint32_t i = 0; i < 4; ++i) c.gates[i] = {GateType::xor_gate, i, (i + 1) % 4, 4 + i};
    check_circuit(c, 2, 8);
  }
}

TEST_CASE("streamed tables: batch sizes 1, 7 and large give identical results", "[gc]") {
  Prg prg = test_prg(9);
  const Circuit c = random_circuit(prg, 40, 2000, 40);
  const gc::FixedKey key;
  const auto bits = random_bits(prg, c.input_bits());
  const auto g = random_garbling(prg, c);
  const Run whole = garble_and_evaluate(c, key, g, bits, 1u << 20);
  REQUIRE(whole.batch_sizes.size() == 1);
  REQUIRE(whole.outputs == gc::evaluate_wires(c, bits));
  for (const std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{64}, std::size_t{100}}) {
    for (const std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{3}, std::size_t{129}}) {
      INFO("batch " << batch << " chunk " << chunk);
      const Run r = garble_and_evaluate(c, key, g, bits, batch, chunk);
      REQUIRE(r.tables == whole.tables);
      REQUIRE(r.output_labels == whole.output_labels);
      REQUIRE(r.decoding == whole.decoding);
      for (std::size_t i = 0; i + 1 < r.batch_sizes.size(); ++i) REQUIRE(r.batch_sizes[i] == 2 * batch);
      REQUIRE(r.batch_sizes.back() <= 2 * batch);
    }
  }
}

TEST_CASE("a table stream of the wrong size is malformed_message", "[gc]") {
  Prg prg = test_prg(10);
  const Circuit c = random_circuit(prg, 16, 300, 8);
  REQUIRE(c.and_count() > 0);
  const gc::FixedKey key;
  const auto g = random_garbling(prg, c);
  std::vector<Block> tables;
  gc::Garbler(c, key).garble(g.delta, g.input_zero, [&](std::span<const Block> t) { tables.insert(tables.end(), t.begin(), t.end()); });
  const auto labels = active_labels(g, random_bits(prg, c.input_bits()));
  const auto feed = [&](std::vector<Block> stream, std::size_t chunk) {
    gc::Evaluator e(c, key);
    std::size_t pos = 0;
    return e.evaluate(labels, [&]() {
      const std::size_t n = std::min(chunk, stream.size() - pos);
      const std::span<const Block> s(stream.data() + pos, n);
      pos += n;
      return s;
    });
  };
  const auto malformed = Catch::Predicate<error>([](const error& e) { return is_error(e, errc::malformed_message); });
  int longer_checked = 0;
  for (const std::size_t chunk : {std::size_t{1}, std::size_t{5}, std::size_t{7}, tables.size(), tables.size() + 1}) {
    INFO("chunk " << chunk);
    REQUIRE_NOTHROW(feed(tables, chunk));
    auto shorter = tables;
    shorter.pop_back();
    REQUIRE_THROWS_MATCHES(feed(shorter, chunk), error, malformed);
    auto longer = tables;
    longer.push_back(Block{});
    if (tables.size() % chunk != 0) {  // the extra block shares a chunk with tables it needs
      REQUIRE_THROWS_MATCHES(feed(longer, chunk), error, malformed);
      ++longer_checked;
    }
    REQUIRE_THROWS_MATCHES(feed({}, chunk), error, malformed);
  }
  REQUIRE(longer_checked >= 2);
  // A trailing block in a chunk of its own is never asked for: the evaluator stops reading
  // once every AND gate has its tables (the protocol layer sees the extra message).
}

TEST_CASE("one Garbler and Evaluator pair garbles a circuit many times with fresh tweaks", "[gc]") {
  Prg prg = test_prg(11);
  const Circuit c = random_circuit(prg, 32, 500, 16);
  const gc::FixedKey key;
  gc::Garbler garbler(c, key);
  gc::Evaluator evaluator(c, key);
  const auto g = random_garbling(prg, c);  // one Delta and one set of labels, three garblings
  std::vector<std::vector<Block>> all_tables;
  for (int round = 0; round < 3; ++round) {
    const auto bits = random_bits(prg, c.input_bits());
    std::vector<Block> tables;
    const auto decoding =
        garbler.garble(g.delta, g.input_zero, [&](std::span<const Block> t) { tables.insert(tables.end(), t.begin(), t.end()); });
    bool served = false;
    const auto out = evaluator.evaluate(active_labels(g, bits), [&]() {
      const std::span<const Block> s = served ? std::span<const Block>() : std::span<const Block>(tables);
      served = true;
      return s;
    });
    std::vector<std::uint8_t> decoded;
    for (const bool b : gc::decode(out, decoding)) decoded.push_back(b ? 1 : 0);
    REQUIRE(decoded == gc::evaluate_wires(c, bits));
    REQUIRE(garbler.next_tweak() == 2 * c.and_count() * static_cast<std::uint64_t>(round + 1));
    REQUIRE(evaluator.next_tweak() == garbler.next_tweak());
    for (const auto& earlier : all_tables) REQUIRE(earlier != tables);
    all_tables.push_back(tables);
  }
}

TEST_CASE("garbler and evaluator argument errors", "[gc]") {
  const gc::FixedKey key;
  const Circuit c = one_gate(GateType::and_gate);
  gc::Garbler garbler(c, key);
  const auto sink = [](std::span<const Block>) {};
  std::vector<Block> labels(2, Block{});
  REQUIRE_THROWS_MATCHES(garbler.garble(Block{2, 0}, labels, sink), error,
                         Catch::Predicate<error>([](const error& e) { return is_error(e, errc::invalid_argument); }));
  REQUIRE_THROWS_MATCHES(garbler.garble(Block{1, 0}, std::span<const Block>(labels.data(), 1), sink), error,
                         Catch::Predicate<error>([](const error& e) { return is_error(e, errc::size_mismatch); }));
  std::vector<Block> wrong_outputs(2);
  REQUIRE_THROWS_MATCHES(garbler.garble(Block{1, 0}, labels, sink, wrong_outputs), error,
                         Catch::Predicate<error>([](const error& e) { return is_error(e, errc::size_mismatch); }));
  gc::Evaluator evaluator(c, key);
  REQUIRE_THROWS_MATCHES(evaluator.evaluate(std::span<const Block>(labels.data(), 3 - 2), [] { return std::span<const Block>(); }),
                         error, Catch::Predicate<error>([](const error& e) { return is_error(e, errc::size_mismatch); }));
  REQUIRE_THROWS_MATCHES(gc::Garbler(c, key, 0), error,
                         Catch::Predicate<error>([](const error& e) { return is_error(e, errc::invalid_argument); }));
  REQUIRE_THROWS_MATCHES(gc::decode(labels, std::vector<bool>(1)), error,
                         Catch::Predicate<error>([](const error& e) { return is_error(e, errc::size_mismatch); }));

  // A hand-made circuit is checked before any label is indexed.
  const auto invalid = Catch::Predicate<error>([](const error& e) { return is_error(e, errc::invalid_argument); });
  Circuit bad = one_gate(GateType::and_gate, 0, 7);
  REQUIRE_THROWS_MATCHES(gc::Garbler(bad, key), error, invalid);
  REQUIRE_THROWS_MATCHES(gc::Evaluator(bad, key), error, invalid);
  bad = one_gate(GateType::xor_gate);
  bad.gates[0].out = 3;
  REQUIRE_THROWS_MATCHES(gc::Garbler(bad, key), error, invalid);
  bad = one_gate(GateType::and_gate);
  bad.wires = 4;  // wire 2 set, output wire 3 read before set
  bad.gates.push_back({GateType::xor_gate, 2, 3, 3});
  REQUIRE_THROWS_MATCHES(gc::Garbler(bad, key), error, invalid);
  bad = one_gate(GateType::eq, 2);
  REQUIRE_THROWS_MATCHES(gc::Garbler(bad, key), error, invalid);
  bad = one_gate(GateType::inv);
  bad.wires = 4;  // the output wire 3 is never set
  REQUIRE_THROWS_MATCHES(gc::Garbler(bad, key), error, invalid);
}

TEST_CASE("random_delta has lsb 1", "[gc]") {
  Prg prg = test_prg(12);
  for (int i = 0; i < 64; ++i) REQUIRE(gc::random_delta(prg).lsb());
}

#if defined(EDGEMPC_TEST_DATA_DIR)
TEST_CASE("the garbled AES-128 circuit reproduces FIPS-197 Appendix C.1", "[gc]") {
  const Circuit c = gc::load_bristol(EDGEMPC_TEST_DATA_DIR "/circuits/aes_128.txt");
  // Input 1 the key, input 2 the plaintext, each the 128-bit integer whose big-endian bytes
  // are the FIPS-197 bytes (key 0x000102..0f), bit i of the integer on the input's wire i.
  std::vector<std::uint8_t> bits;
  for (int k = 15; k >= 0; --k)
    for (int i = 0; i < 8; ++i) bits.push_back(static_cast<std::uint8_t>((k >> i) & 1));
  for (int k = 15; k >= 0; --k)
    for (int i = 0; i < 8; ++i) bits.push_back(static_cast<std::uint8_t>(((0x11 * k) >> i) & 1));
  const std::uint8_t expected[16] = {0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                     0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a};
  Prg prg = test_prg(13);
  const auto plain = gc::evaluate_wires(c, bits);
  for (const auto& key : all_keys()) {
    INFO(gc::to_string(key.backend()));
    const Run r = garble_and_evaluate(c, key, random_garbling(prg, c), bits);
    REQUIRE(r.outputs == plain);
    REQUIRE(r.tables.size() == 2 * c.and_count());
    std::uint8_t got[16] = {};
    for (std::size_t i = 0; i < 128; ++i) got[15 - i / 8] = static_cast<std::uint8_t>(got[15 - i / 8] | (r.outputs[i] << (i % 8)));
    REQUIRE(std::equal(got, got + 16, expected));
  }
}
#endif
