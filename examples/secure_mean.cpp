// SPDX-License-Identifier: Apache-2.0
// secure_mean: three parties learn only the element-wise mean of their vectors and the variance of all nine values.
#include <edgempc/net/local_network.hpp>
#include <edgempc/protocols.hpp>
#include <cmath>
#include <cstdio>
#include <thread>
#include <vector>

int main() {
  using namespace edgempc;
  const std::vector<std::vector<double>> held{{21.5, 40.1, 3.0}, {19.0, 38.7, 2.5}, {23.25, 45.0, 4.0}};
  auto net = make_local_network(3);  // 1. three parties in one process (TcpTransport works the same)
  std::vector<std::vector<double>> mean(3);
  std::vector<Moments> all(3);
  std::vector<std::jthread> parties;
  for (PartyId me = 0; me < 3; ++me) parties.emplace_back([&, me] {
    Party party(*net[me]);
    Prg prg;                                              // fresh randomness for the shares
    mean[me] = *joint_vector_mean(party, prg, held[me]);  // 2. element-wise mean, two rounds
    all[me] = *joint_moments(party, prg, held[me]);       // 3. count, mean, variance of all nine
  });
  parties.clear();                         // joins the three threads
  double sum = 0, squares = 0, worst = 0;  // 4. check against the plaintext
  for (int i = 0; i < 9; ++i) sum += held[i / 3][i % 3], squares += std::pow(held[i / 3][i % 3], 2);
  for (int i = 0; i < 3; ++i) worst = std::fmax(worst, std::fabs(mean[0][i] - (held[0][i] + held[1][i] + held[2][i]) / 3));
  worst = std::fmax(worst, std::fabs(all[0].variance - (squares / 9 - sum * sum / 81)));
  std::printf("mean %.3f %.3f %.3f, variance %.3f, off by %.1e\n", mean[0][0], mean[0][1], mean[0][2], all[0].variance, worst);
  return worst < 1e-4 && all[0].count == 9 ? 0 : 1;
}
