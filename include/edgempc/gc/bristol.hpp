// SPDX-License-Identifier: Apache-2.0
// Reading and writing boolean circuits in the Bristol Fashion format.
//
// The format (Archer, Bogdanov, Lindell, Keller, Rotaru, Smart et al., "Bristol Fashion MPC
// circuits", https://nigelsmart.github.io/MPC-Circuits/, formerly
// https://homes.esat.kuleuven.be/~nsmart/MPC/):
//
//   line 1    ngates nwires
//   line 2    niv w_1 ... w_niv        (the number of input values, then each one's width)
//   line 3    nov w_1 ... w_nov        (the same for the outputs)
//   then      one gate per line: nin nout in_1 ... in_nin out_1 ... out_nout TYPE
//
// with TYPE one of XOR (2 1), AND (2 1), INV (1 1), EQW (1 1, a copy), EQ (1 1, the "input" is
// the constant 0 or 1) and MAND (2k k: k ANDs side by side, the left inputs first, then the
// right ones: "4 2 0 2 1 3 4 5 MAND" is "2 1 0 1 4 AND" and "2 1 2 3 5 AND", as SCALE-MAMBA's
// Circuit.h defines it). The inputs are the first wires and the outputs the last. Blank lines
// are allowed anywhere.
//
// The reader treats the file as untrusted: every count is checked against `BristolOptions`
// before anything of that size is allocated, and every way a file can be wrong is an
// edgempc::error(errc::malformed_message) whose message names the (1-based) line. A circuit
// that loads is well formed: every gate reads only wires set before it, no wire is written
// twice, and every output wire is set, so the evaluator and the garbler need not check again.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "edgempc/error.hpp"
#include "edgempc/gc/circuit.hpp"
#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace gc {

/// Limits for untrusted files. The defaults hold every circuit of the Bristol Fashion set
/// (the largest, SHA-512 and friends, have a few hundred thousand gates) with a wide margin.
struct BristolOptions {
  std::uint64_t max_gates = std::uint64_t{1} << 24;   ///< gates after expanding MAND
  std::uint64_t max_wires = std::uint64_t{1} << 24;   ///< the header's wire count
  std::size_t max_line_length = std::size_t{1} << 20;  ///< bytes per line (MAND lines are long)
};

namespace detail {

class BristolReader {
 public:
  BristolReader(std::istream& in, const BristolOptions& options) : in_(in), options_(options) {}

  Circuit read() {
    if (options_.max_line_length == 0) throw error(errc::invalid_argument, "Bristol reader: zero line length limit");
    Circuit c;

    if (!next_line()) fail_at(line_no_ == 0 ? 1 : line_no_, "the file is empty");
    const std::size_t header_line = line_no_;
    if (tokens_.size() != 2) fail("expected \"ngates nwires\", found " + std::to_string(tokens_.size()) + " fields");
    const std::uint64_t ngates = number(tokens_[0], "gate count");
    const std::uint64_t nwires = number(tokens_[1], "wire count");
    if (ngates > options_.max_gates)
      fail("gate count " + std::to_string(ngates) + " above the limit " + std::to_string(options_.max_gates));
    if (nwires > options_.max_wires)
      fail("wire count " + std::to_string(nwires) + " above the limit " + std::to_string(options_.max_wires));
    if (nwires == 0) fail("wire count 0");
    c.wires = static_cast<std::uint32_t>(nwires);

    read_widths(c.input_widths, "input", nwires);
    read_widths(c.output_widths, "output", nwires);
    if (c.input_bits() + c.output_bits() > nwires)
      fail_at(line_no_, "wire count too small: " + std::to_string(nwires) + " wires for " +
                            std::to_string(c.input_bits()) + " input and " + std::to_string(c.output_bits()) +
                            " output bits (header on line " + std::to_string(header_line) + ")");

    set_.assign(static_cast<std::size_t>(nwires), false);
    for (std::uint64_t w = 0; w < c.input_bits(); ++w) set_[static_cast<std::size_t>(w)] = true;
    // Grown as gates arrive, so a header that lies about its size costs nothing.
    c.gates.reserve(static_cast<std::size_t>(ngates < 65536 ? ngates : 65536));

    std::size_t last_gate_line = line_no_;
    for (std::uint64_t g = 0; g < ngates; ++g) {
      if (!next_line())
        fail_at(line_no_, "end of file after " + std::to_string(g) + " gates; the header (line " +
                              std::to_string(header_line) + ") declares " + std::to_string(ngates));
      read_gate(c, nwires);
      last_gate_line = line_no_;
    }
    if (next_line())
      fail("trailing content after the " + std::to_string(ngates) + " gates the header (line " +
           std::to_string(header_line) + ") declares");
    for (std::uint64_t w = nwires - c.output_bits(); w < nwires; ++w) {
      if (!set_[static_cast<std::size_t>(w)])
        fail_at(last_gate_line, "output wire " + std::to_string(w) +
                                    " is never set (the outputs must be the last wires, each written by a gate)");
    }
    return c;
  }

 private:
  [[noreturn]] void fail_at(std::size_t line, const std::string& what) const {
    throw error(errc::malformed_message, "Bristol circuit, line " + std::to_string(line) + ": " + what);
  }
  [[noreturn]] void fail(const std::string& what) const { fail_at(line_no_, what); }

  // Reads the next line that is not blank and splits it at white space; false at the end.
  bool next_line() {
    tokens_.clear();
    while (true) {
      line_.clear();
      int ch = 0;
      bool any = false;
      std::streambuf* buf = in_.rdbuf();
      if (buf == nullptr) return false;
      while ((ch = buf->sbumpc()) != std::char_traits<char>::eof()) {
        any = true;
        if (ch == '\n') break;
        if (line_.size() == options_.max_line_length)
          fail_at(line_no_ + 1, "longer than " + std::to_string(options_.max_line_length) + " bytes");
        line_.push_back(static_cast<char>(ch));
      }
      if (!any) return false;
      ++line_no_;
      split();
      if (!tokens_.empty()) return true;
      if (ch == std::char_traits<char>::eof()) return false;
    }
  }

  void split() {
    const std::string_view s(line_);
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && is_space(s[i])) ++i;
      const std::size_t start = i;
      while (i < s.size() && !is_space(s[i])) ++i;
      if (i > start) tokens_.push_back(s.substr(start, i - start));
    }
  }

  static bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f'; }

  static std::string shorten(std::string_view t) {
    return t.size() <= 32 ? std::string(t) : std::string(t.substr(0, 32)) + "...";
  }

  std::uint64_t number(std::string_view t, const char* what) const {
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec == std::errc::result_out_of_range) fail(std::string(what) + " \"" + shorten(t) + "\" too large");
    if (ec != std::errc{} || end != t.data() + t.size())
      fail(std::string(what) + ": \"" + shorten(t) + "\" is not a decimal number");
    return v;
  }

  void read_widths(std::vector<std::uint32_t>& widths, const char* what, std::uint64_t nwires) {
    if (!next_line()) fail_at(line_no_ + 1, std::string("end of file before the ") + what + " widths");
    const std::uint64_t n = number(tokens_[0], (std::string(what) + " count").c_str());
    if (n != tokens_.size() - 1)
      fail(std::string(what) + " count " + std::to_string(n) + " but " + std::to_string(tokens_.size() - 1) +
           " widths follow");
    std::uint64_t total = 0;
    for (std::size_t k = 1; k < tokens_.size(); ++k) {
      const std::uint64_t w = number(tokens_[k], (std::string(what) + " width").c_str());
      if (w == 0) fail(std::string(what) + " " + std::to_string(k - 1) + " has width 0");
      total += w > nwires ? nwires + 1 : w;  // saturating, so a huge width cannot wrap
      if (total > nwires)
        fail("wire count too small: the " + std::string(what) + " widths alone exceed " + std::to_string(nwires));
      widths.push_back(static_cast<std::uint32_t>(w));
    }
  }

  std::uint32_t wire(std::string_view t, std::uint64_t nwires) const {
    const std::uint64_t w = number(t, "wire");
    if (w >= nwires)
      fail("wire " + std::to_string(w) + " out of range (the circuit has " + std::to_string(nwires) + " wires)");
    return static_cast<std::uint32_t>(w);
  }

  void need_set(std::uint32_t w) const {
    if (!set_[w]) fail("gate reads wire " + std::to_string(w) + " before it is set");
  }

  void mark(std::uint32_t w) {
    if (set_[w]) fail("wire " + std::to_string(w) + " written twice");
    set_[w] = true;
  }

  void add_gate(Circuit& c, const Gate& g) {
    if (c.gates.size() >= options_.max_gates)
      fail("more than " + std::to_string(options_.max_gates) + " gates after expanding MAND");
    c.gates.push_back(g);
  }

  void read_gate(Circuit& c, std::uint64_t nwires) {
    if (tokens_.size() < 3) fail("a gate needs \"nin nout wires... TYPE\"");
    const std::string_view type = tokens_.back();
    const std::uint64_t nin = number(tokens_[0], "gate input count");
    const std::uint64_t nout = number(tokens_[1], "gate output count");

    GateType t{};
    bool mand = false;
    std::uint64_t want_in = 0;
    std::uint64_t want_out = 0;
    if (type == "XOR") {
      t = GateType::xor_gate, want_in = 2, want_out = 1;
    } else if (type == "AND") {
      t = GateType::and_gate, want_in = 2, want_out = 1;
    } else if (type == "INV") {
      t = GateType::inv, want_in = 1, want_out = 1;
    } else if (type == "EQW") {
      t = GateType::eqw, want_in = 1, want_out = 1;
    } else if (type == "EQ") {
      t = GateType::eq, want_in = 1, want_out = 1;
    } else if (type == "MAND") {
      t = GateType::and_gate, mand = true, want_out = nout, want_in = 2 * nout;
      if (nout == 0 || nout > nwires) fail("MAND with " + std::to_string(nout) + " outputs");
    } else {
      fail("unknown gate type \"" + shorten(type) + "\"");
    }
    if (nin != want_in || nout != want_out)
      fail(std::string(type) + " gate with " + std::to_string(nin) + " inputs and " + std::to_string(nout) +
           " outputs; expected " + std::to_string(want_in) + " and " + std::to_string(want_out));
    if (tokens_.size() != 3 + nin + nout)
      fail(std::to_string(nin + nout) + " wire numbers expected, " + std::to_string(tokens_.size() - 3) + " found");

    if (mand) {
      const std::size_t k = static_cast<std::size_t>(nout);
      // All of a MAND's inputs are read before any of its outputs is written.
      for (std::size_t i = 0; i < 2 * k; ++i) need_set(wire(tokens_[2 + i], nwires));
      for (std::size_t i = 0; i < k; ++i) {
        const std::uint32_t a = wire(tokens_[2 + i], nwires);
        const std::uint32_t b = wire(tokens_[2 + k + i], nwires);
        const std::uint32_t out = wire(tokens_[2 + 2 * k + i], nwires);
        mark(out);
        add_gate(c, Gate{GateType::and_gate, a, b, out});
      }
      return;
    }
    Gate g{t, 0, 0, 0};
    if (t == GateType::eq) {
      const std::uint64_t v = number(tokens_[2], "EQ constant");
      if (v > 1) fail("EQ constant " + std::to_string(v) + " is not 0 or 1");
      g.in0 = static_cast<std::uint32_t>(v);
    } else {
      g.in0 = wire(tokens_[2], nwires);
      need_set(g.in0);
      if (nin == 2) {
        g.in1 = wire(tokens_[3], nwires);
        need_set(g.in1);
      }
    }
    g.out = wire(tokens_[2 + nin], nwires);
    mark(g.out);
    add_gate(c, g);
  }

  std::istream& in_;
  const BristolOptions& options_;
  std::string line_;
  std::vector<std::string_view> tokens_;
  std::size_t line_no_ = 0;
  std::vector<bool> set_;
};

}  // namespace detail

/// Reads a Bristol Fashion circuit from a stream (to its end).
[[nodiscard]] inline Circuit read_bristol(std::istream& in, const BristolOptions& options = {}) {
  return detail::BristolReader(in, options).read();
}

/// Reads a Bristol Fashion circuit from text.
[[nodiscard]] inline Circuit parse_bristol(std::string_view text, const BristolOptions& options = {}) {
  std::istringstream in{std::string(text)};
  return read_bristol(in, options);
}

/// Reads a Bristol Fashion file; a file that cannot be opened is errc::invalid_argument.
[[nodiscard]] inline Circuit load_bristol(const std::filesystem::path& path, const BristolOptions& options = {}) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) throw error(errc::invalid_argument, "Bristol reader: cannot open " + path.string());
  return read_bristol(in, options);
}

/// Writes `c` in Bristol Fashion, one gate per line (ANDs are never merged into MAND, so the
/// reader gives back exactly these gates).
inline void write_bristol(std::ostream& out, const Circuit& c) {
  out << c.gates.size() << ' ' << c.wires << '\n' << c.input_widths.size();
  for (const auto w : c.input_widths) out << ' ' << w;
  out << '\n' << c.output_widths.size();
  for (const auto w : c.output_widths) out << ' ' << w;
  out << "\n\n";
  for (const auto& g : c.gates) {
    switch (g.type) {
      case GateType::xor_gate: out << "2 1 " << g.in0 << ' ' << g.in1 << ' ' << g.out << " XOR\n"; break;
      case GateType::and_gate: out << "2 1 " << g.in0 << ' ' << g.in1 << ' ' << g.out << " AND\n"; break;
      case GateType::inv: out << "1 1 " << g.in0 << ' ' << g.out << " INV\n"; break;
      case GateType::eqw: out << "1 1 " << g.in0 << ' ' << g.out << " EQW\n"; break;
      case GateType::eq: out << "1 1 " << g.in0 << ' ' << g.out << " EQ\n"; break;
    }
  }
}

/// The Bristol Fashion text of `c`.
[[nodiscard]] inline std::string to_bristol(const Circuit& c) {
  std::ostringstream out;
  write_bristol(out, c);
  return std::move(out).str();
}

/// Writes `c` to a file; a file that cannot be written is errc::invalid_argument.
inline void save_bristol(const std::filesystem::path& path, const Circuit& c) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out.is_open()) throw error(errc::invalid_argument, "Bristol writer: cannot open " + path.string());
  write_bristol(out, c);
  out.flush();
  if (!out) throw error(errc::invalid_argument, "Bristol writer: cannot write " + path.string());
}

}  // namespace gc
EDGEMPC_END_NAMESPACE
