// SPDX-License-Identifier: Apache-2.0
// hospital_stay: two hospitals learn the average length of stay across both, and whether it
// exceeds a target, and nothing else — not each other's patients, counts per stay, or sums.
//
// Hospital A (the garbler) and hospital B (the evaluator) are two processes talking over
// authenticated, encrypted TCP on 127.0.0.1. Each holds the lengths of stay of its patients,
// in hours. A garbled circuit (Yao, half-gates; B's inputs by oblivious transfer) adds all
// stays and divides by the public number of patients; a second one tells whether that average
// exceeds the target, exactly, without rounding. Both hospitals see both results.
// For the check, each process also generates both hospitals' records from the same fixed
// seed (a real hospital could not) and computes the plaintext answers; the program exits 1 if
// a private result disagrees.
#include <edgempc/gc/aggregate.hpp>
#include <edgempc/net.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <vector>

using namespace edgempc;

constexpr std::int64_t target_hours = 5 * 24;  // the regional target: 5 days

// 1. Each hospital's records: lengths of stay in hours (fixed seeds stand in for the files).
static std::vector<std::uint64_t> stays(std::uint8_t hospital, std::size_t patients) {
  Prg prg(Prg::Seed{hospital}, PrgAlgorithm::chacha20);
  std::vector<std::uint64_t> hours(patients);
  for (auto& h : hours) h = 4 + prg.next_u64() % (hospital == 1 ? 200 : 320);  // B has longer stays
  return hours;
}

int main() {
  const auto a = stays(1, 180), b = stays(2, 120);

  // 2. Keys for the encrypted channel, and a pipe to tell each other the TCP ports.
  const KeyPair keys[2] = {KeyPair::generate(), KeyPair::generate()};
  const std::vector<PublicKey> pinned{keys[0].public_key(), keys[1].public_key()};
  int to_a[2], to_b[2];
  if (::pipe(to_a) != 0 || ::pipe(to_b) != 0) return 1;
  const pid_t child = ::fork();
  if (child < 0) return 1;
  const PartyId me = child == 0 ? 1 : 0;  // the child is hospital B

  bool ok = false;
  try {
    // 3. Connect over TCP (the OS picks the ports), then authenticate and encrypt.
    TcpTransport tcp(TcpOptions{.id = me, .parties = 2});
    std::uint16_t ports[2]{};
    ports[me] = tcp.local_port();
    const int out = me == 0 ? to_b[1] : to_a[1], in = me == 0 ? to_a[0] : to_b[0];
    if (::write(out, &ports[me], 2) != 2 || ::read(in, &ports[1 - me], 2) != 2) throw std::runtime_error("pipe");
    tcp.connect({{"127.0.0.1", ports[0]}, {"127.0.0.1", ports[1]}});
    SecureTransport secure(tcp, keys[me], pinned);
    secure.handshake(std::chrono::seconds(10));
    Party party(secure);
    Prg prg;

    // 4. Two garbled circuits: the average (truncated to whole hours) and the target test.
    const auto& mine = me == 0 ? a : b;
    const std::size_t theirs = me == 0 ? b.size() : a.size();
    const gc::AggregateSpec average{gc::Aggregate::average, false, 0, false};
    const gc::AggregateSpec above{gc::Aggregate::above_threshold, false, target_hours, false};
    const auto avg = gc::two_party_aggregate(party, prg, 1 - me, me == 0, average, mine, theirs, gc::Reveal::to_both);
    const auto over = gc::two_party_aggregate(party, prg, 1 - me, me == 0, above, mine, theirs, gc::Reveal::to_both);

    // 5. The plaintext check.
    std::uint64_t total = 0;
    for (const auto h : a) total += h;
    for (const auto h : b) total += h;
    const std::size_t n = a.size() + b.size();
    const auto plain_avg = static_cast<std::int64_t>(total / n);
    const bool plain_over = total > static_cast<std::uint64_t>(target_hours) * n;
    ok = avg && over && *avg == plain_avg && (*over == 1) == plain_over;
    std::printf("hospital %c: average stay %lld h (plaintext %lld h), above the %lld h target: %s (plaintext %s) %s\n",
                me == 0 ? 'A' : 'B', static_cast<long long>(avg ? static_cast<std::int64_t>(*avg) : -1),
                static_cast<long long>(plain_avg), static_cast<long long>(target_hours),
                over && *over ? "yes" : "no", plain_over ? "yes" : "no", ok ? "OK" : "MISMATCH");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hospital %c: %s\n", me == 0 ? 'A' : 'B', e.what());
  }
  std::fflush(nullptr);
  if (me == 1) ::_exit(ok ? 0 : 1);
  int status = 0;
  ::waitpid(child, &status, 0);
  return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
