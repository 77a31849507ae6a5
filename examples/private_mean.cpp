// SPDX-License-Identifier: Apache-2.0
// private_mean: the mean temperature of 50 sensors, round after round, without any of the
// three parties seeing a single reading.
//
// Each round, every sensor splits its reading into three additive shares over the field
// Mersenne61 and gives one share to each party. A party adds up the shares it holds; the three
// party totals together reveal the sum of the readings, and nothing else. All three parties
// run in this process; the network layer comes later. The program checks every private mean
// against the plaintext mean it computes itself and exits 1 if any round disagrees.
//
// Usage: private_mean [FILE.csv]   (default: the Intel Lab temperatures shipped in data/)
#include <edgempc/core.hpp>

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using edgempc::Mersenne61;
namespace batch = edgempc::batch;

// Rows are sensors, columns are rounds (one reading per sensor per round).
static std::vector<std::vector<double>> read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::vector<double>> rows;
  for (std::string line; std::getline(in, line);) {
    std::vector<double> row;
    std::stringstream cells(line);
    for (std::string cell; std::getline(cells, cell, ',');) row.push_back(std::stod(cell));
    if (!row.empty()) rows.push_back(std::move(row));
  }
  if (rows.empty()) throw std::runtime_error(path + ": no readings");
  for (const auto& r : rows)
    if (r.size() != rows[0].size()) throw std::runtime_error(path + ": rows of different lengths");
  return rows;
}

int main(int argc, char** argv) try {
  const auto readings = read_csv(argc > 1 ? argv[1] : EDGEMPC_EXAMPLE_DATA_DIR "/intel_lab_temperature.csv");
  const std::size_t sensors = readings.size(), rounds = readings[0].size();
  constexpr std::size_t parties = 3;

  // 1. Readings become field elements with 16 fractional bits (steps of 1/65536 degree).
  const edgempc::FixedPoint<Mersenne61> fixed(16);
  edgempc::Prg prg;  // fresh random seed from libsodium: the shares' randomness
  std::printf("%zu sensors, %zu rounds, %zu parties\nround  private mean  plaintext mean\n", sensors, rounds,
              parties);

  int failures = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    std::vector<double> column(sensors);
    for (std::size_t s = 0; s < sensors; ++s) column[s] = readings[s][round];
    std::vector<Mersenne61> encoded(sensors);
    fixed.encode(column, encoded);

    // 2. Sensor side: shares 0 and 1 are uniformly random, share 2 = reading - share 0 - share 1,
    //    so any two shares together are still uniformly random and say nothing.
    std::array<std::vector<Mersenne61>, parties> share;
    for (auto& s : share) s.resize(sensors);
    batch::random_fill<Mersenne61>(prg, share[0]);
    batch::random_fill<Mersenne61>(prg, share[1]);
    batch::sub<Mersenne61>(encoded, share[0], share[2]);
    batch::sub<Mersenne61>(share[2], share[1], share[2]);

    // 3. Party side: each party adds the shares it received. Addition needs no interaction.
    std::array<Mersenne61, parties> party_total;
    for (std::size_t p = 0; p < parties; ++p) party_total[p] = batch::sum<Mersenne61>(share[p]);

    // 4. The parties publish their totals; only the sum of all readings is revealed.
    const Mersenne61 sum = party_total[0] + party_total[1] + party_total[2];
    const double private_mean = fixed.decode(sum) / static_cast<double>(sensors);

    // 5. Check against the plaintext. Each reading was rounded by at most half a step, so the
    //    means may differ by at most half a step.
    double plain_sum = 0;
    for (double x : column) plain_sum += x;
    const double plain_mean = plain_sum / static_cast<double>(sensors);
    const bool ok = std::fabs(private_mean - plain_mean) <= fixed.resolution() / 2;
    failures += ok ? 0 : 1;
    std::printf("%5zu  %12.6f  %14.6f%s\n", round, private_mean, plain_mean, ok ? "" : "  MISMATCH");
  }
  std::printf("%s: %zu of %zu rounds match the plaintext mean\n", failures ? "FAIL" : "OK",
              rounds - static_cast<std::size_t>(failures), rounds);
  return failures ? 1 : 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "private_mean: %s\n", e.what());
  return 2;
}
