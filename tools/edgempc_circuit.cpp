// SPDX-License-Identifier: Apache-2.0
// edgempc-circuit: garble and evaluate a Bristol Fashion circuit between two parties.
//
//   edgempc-circuit run [--tcp] FILE.txt IN1 IN2 ...
//       Input k (from 1) is an integer, decimal or 0x-hex, of that input's width, bit i on the
//       input's wire i. Odd inputs (IN1, IN3, ...) belong to the garbler, even ones to the
//       evaluator. Both parties run Yao's protocol (half-gates, inputs by OT) and learn the
//       outputs; each output is printed on its own line as 0x-hex. By default the two parties
//       are threads of this process; with --tcp they are two processes over TCP on 127.0.0.1.
//   edgempc-circuit bench FILE.txt [--seconds S]
//       AND gates per second garbled and evaluated in this process, on one core.
//   edgempc-circuit --help | --version
//
// Exit status: 0 on success, 1 on an error (printed on stderr), 2 on a usage error.
#include <edgempc/gc/bristol.hpp>
#include <edgempc/gc/garble.hpp>
#include <edgempc/gc/yao.hpp>
#include <edgempc/net/local_network.hpp>
#include <edgempc/net/tcp.hpp>
#include <edgempc/version.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

using namespace edgempc;

namespace {

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// `text` (decimal or 0x-hex, any length) as `width` bits, least significant first.
std::vector<bool> parse_integer(const std::string& text, std::uint32_t width) {
  std::vector<std::uint32_t> limbs;  // little-endian base 2^32
  const auto times_add = [&](std::uint32_t mul, std::uint32_t add) {
    std::uint64_t carry = add;
    for (auto& l : limbs) {
      const std::uint64_t v = std::uint64_t{l} * mul + carry;
      l = static_cast<std::uint32_t>(v), carry = v >> 32;
    }
    if (carry) limbs.push_back(static_cast<std::uint32_t>(carry));
  };
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  const std::string digits = hex ? text.substr(2) : text;
  if (digits.empty()) throw Usage("'" + text + "' is not an integer");
  for (const char ch : digits) {
    int d = -1;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if (hex && ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    else if (hex && ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    if (d < 0) throw Usage("'" + text + "' is not a " + (hex ? "hex" : "decimal") + " integer");
    times_add(hex ? 16 : 10, static_cast<std::uint32_t>(d));
  }
  std::vector<bool> bits(width);
  for (std::size_t i = 0; i < 32 * limbs.size(); ++i) {
    const bool bit = (limbs[i / 32] >> (i % 32)) & 1;
    if (i < width) bits[i] = bit;
    else if (bit) throw Usage("'" + text + "' does not fit in " + std::to_string(width) + " bits");
  }
  return bits;
}

std::string to_hex(const std::vector<bool>& bits, std::size_t first, std::uint32_t width) {
  std::string out = "0x";
  for (std::int64_t d = (width + 3) / 4 - 1; d >= 0; --d) {
    unsigned v = 0;
    for (unsigned k = 0; k < 4; ++k) {
      const std::size_t i = static_cast<std::size_t>(d) * 4 + k;
      if (i < width && bits[first + i]) v |= 1u << k;
    }
    out += "0123456789abcdef"[v];
  }
  return out;
}

struct Job {
  gc::Circuit circuit;
  std::vector<bool> garbler_owns;
  std::vector<bool> bits[2];  // the garbler's and the evaluator's input bits
};

Job make_job(const std::string& file, const std::vector<std::string>& values) {
  Job job{gc::load_bristol(file), {}, {}};
  const auto& widths = job.circuit.input_widths;
  if (values.size() != widths.size())
    throw Usage(file + " has " + std::to_string(widths.size()) + " inputs, " + std::to_string(values.size()) + " given");
  for (std::size_t k = 0; k < widths.size(); ++k) {
    job.garbler_owns.push_back(k % 2 == 0);
    const auto b = parse_integer(values[k], widths[k]);
    auto& to = job.bits[k % 2];
    to.insert(to.end(), b.begin(), b.end());
  }
  return job;
}

/// One party's side; returns the outputs (both parties learn them).
template <Transport Tr>
std::vector<bool> play(Tr& transport, const Job& job) {
  Party party(transport, std::chrono::seconds(60));
  Prg prg;
  const PartyId me = party.id();
  std::optional<std::vector<bool>> out;
  if (me == 0) {
    gc::YaoGarbler g(job.circuit, 1);
    g.setup(party, prg);
    out = g.run(party, prg, job.garbler_owns, job.bits[0], gc::Reveal::to_both);
  } else {
    gc::YaoEvaluator e(job.circuit, 0);
    e.setup(party, prg);
    out = e.run(party, job.garbler_owns, job.bits[1], gc::Reveal::to_both);
  }
  return *out;
}

void print(const Job& job, const std::vector<bool>& out) {
  std::size_t first = 0;
  for (const auto w : job.circuit.output_widths) {
    std::printf("%s\n", to_hex(out, first, w).c_str());
    first += w;
  }
}

int run_threads(const Job& job) {
  auto net = make_local_network(2);
  std::vector<bool> outs[2];
  std::exception_ptr failure;
  std::thread evaluator([&] {
    try {
      outs[1] = play(*net[1], job);
    } catch (...) {
      failure = std::current_exception();
    }
  });
  outs[0] = play(*net[0], job);
  evaluator.join();
  if (failure) std::rethrow_exception(failure);
  if (outs[0] != outs[1]) throw std::runtime_error("the two parties decoded different outputs");
  print(job, outs[0]);
  return 0;
}

/// The evaluator is a child process; ports travel through pipes, the OS picks them.
int run_processes(const Job& job) {
  int to_parent[2], to_child[2];
  if (::pipe(to_parent) != 0 || ::pipe(to_child) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  const PartyId me = pid == 0 ? 1 : 0;
  // Optional so that the child can close it (flushing what it sent) before _exit.
  std::optional<TcpTransport> tcp(std::in_place, TcpOptions{.id = me, .parties = 2});
  std::uint16_t ports[2]{};
  ports[me] = tcp->local_port();
  const int out_fd = me == 1 ? to_parent[1] : to_child[1], in_fd = me == 1 ? to_child[0] : to_parent[0];
  if (::write(out_fd, &ports[me], sizeof ports[me]) != sizeof ports[me] ||
      ::read(in_fd, &ports[1 - me], sizeof ports[0]) != sizeof ports[0])
    throw std::runtime_error("port exchange failed");
  tcp->connect({{"127.0.0.1", ports[0]}, {"127.0.0.1", ports[1]}});
  if (me == 1) {
    int status = 0;
    try {
      (void)play(*tcp, job);
      tcp.reset();  // sends what is still queued (the output colours), then closes
    } catch (const std::exception& e) {
      std::fprintf(stderr, "edgempc-circuit (evaluator): %s\n", e.what());
      status = 1;
    }
    std::fflush(nullptr);
    ::_exit(status);
  }
  const auto out = play(*tcp, job);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the evaluator process failed");
  print(job, out);
  return 0;
}

int bench(const std::string& file, double seconds) {
  const auto c = gc::load_bristol(file);
  const gc::FixedKey key;
  Prg prg;
  std::vector<Block> zero(c.input_bits()), tables;
  gc::random_labels(prg, zero);
  const Block delta = gc::random_delta(prg);
  gc::Garbler garbler(c, key);
  gc::Evaluator evaluator(c, key);
  using clock = std::chrono::steady_clock;
  std::uint64_t runs = 0;
  double garble_s = 0, evaluate_s = 0;
  while (garble_s + evaluate_s < seconds || runs == 0) {
    tables.clear();
    const auto t0 = clock::now();
    (void)garbler.garble(delta, zero, [&](std::span<const Block> t) { tables.insert(tables.end(), t.begin(), t.end()); });
    const auto t1 = clock::now();
    bool served = false;
    (void)evaluator.evaluate(zero, [&]() -> std::span<const Block> {
      if (served) return {};
      served = true;
      return tables;
    });
    const auto t2 = clock::now();
    garble_s += std::chrono::duration<double>(t1 - t0).count();
    evaluate_s += std::chrono::duration<double>(t2 - t1).count();
    ++runs;
  }
  const double ands = static_cast<double>(c.and_count() * runs);
  std::printf("%s: %llu AND gates, %llu runs, permutation %s\n", file.c_str(),
              static_cast<unsigned long long>(c.and_count()), static_cast<unsigned long long>(runs),
              std::string(gc::to_string(key.backend())).c_str());
  std::printf("garbled:   %.3g AND gates/s\n", ands / garble_s);
  std::printf("evaluated: %.3g AND gates/s\n", ands / evaluate_s);
  std::printf("tables:    %zu bytes per AND gate\n", gc::table_blocks_per_and * Block::size);
  return 0;
}

// --help: what the header comment says, on stdout (the man page is made from it by help2man).
int help() {
  std::printf(
      "Usage: edgempc-circuit run [--tcp] FILE.txt IN1 IN2 ...\n"
      "       edgempc-circuit bench FILE.txt [--seconds S]\n"
      "Garbles and evaluates a Bristol Fashion circuit between two parties.\n"
      "\n"
      "Commands:\n"
      "  run [--tcp] FILE.txt IN1 IN2 ...\n"
      "                  Runs Yao's protocol (half-gates, inputs by OT) on the circuit and\n"
      "                  prints each output on its own line as 0x-hex. Input k (from 1) is an\n"
      "                  integer, decimal or 0x-hex, of that input's width; odd inputs belong\n"
      "                  to the garbler, even ones to the evaluator. The two parties are\n"
      "                  threads of this process, or with --tcp two processes over TCP on\n"
      "                  127.0.0.1.\n"
      "  bench FILE.txt [--seconds S]\n"
      "                  AND gates per second garbled and evaluated on one core (S: 1).\n"
      "\n"
      "Options:\n"
      "  -h, --help      Print this help and exit\n"
      "  --version       Print the version and exit\n"
      "\n"
      "Exit status: 0 on success, 1 on an error (printed on stderr), 2 on a usage error.\n");
  return 0;
}

int usage(const char* why) {
  std::fprintf(stderr,
               "edgempc-circuit: %s\n"
               "usage: edgempc-circuit run [--tcp] FILE.txt IN1 IN2 ...\n"
               "       edgempc-circuit bench FILE.txt [--seconds S]\n",
               why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage("no command");
  if (args[0] == "--help" || args[0] == "-h") return help();
  if (args[0] == "--version") return std::printf("%s\n", EDGEMPC_VERSION_STRING) < 0;
  try {
    const std::string command = args[0];
    args.erase(args.begin());
    if (command == "run") {
      bool tcp = false;
      if (!args.empty() && args[0] == "--tcp") tcp = true, args.erase(args.begin());
      if (args.empty()) return usage("run needs a circuit file");
      const auto job = make_job(args[0], std::vector<std::string>(args.begin() + 1, args.end()));
      return tcp ? run_processes(job) : run_threads(job);
    }
    if (command == "bench") {
      if (args.empty()) return usage("bench needs a circuit file");
      double seconds = 1.0;
      if (args.size() == 3 && args[1] == "--seconds") seconds = std::stod(args[2]);
      else if (args.size() != 1) return usage("bench takes FILE.txt [--seconds S]");
      return bench(args[0], seconds);
    }
    return usage(("unknown command '" + command + "'").c_str());
  } catch (const Usage& e) {
    return usage(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "edgempc-circuit: %s\n", e.what());
    return 1;
  }
}
