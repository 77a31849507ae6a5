// SPDX-License-Identifier: Apache-2.0
// Replays the UCI air-quality file through the cleaning layer and prints, per channel, how
// many readings were kept and why the others were dropped (`--json`: one JSON object).
// Checks itself: the -200 markers are recounted by a plain parse of the file.
//
//   air_quality_clean [--json] [path/to/air_quality_uci.csv]
#include <edgempc/clean.hpp>
#include <edgempc/core/mersenne61.hpp>
#include <edgempc/device/csv_replay.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace edgempc;

int main(int argc, char** argv) {
  bool json = false;
  std::string path = EDGEMPC_EXAMPLE_DATA_DIR "/air_quality_uci.csv";
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json") json = true;
    else path = argv[i];
  }

  // 1. The replay adapter: every column but Date and Time is a channel; timestamps from the file.
  //    No marker here: the cleaning layer recognises -200 itself, and counts it.
  device::CsvReplayOptions options;
  options.timestamp = device::CsvTimestamp::date_time_dmy;
  options.date_column = device::CsvColumn::named("Date");
  options.time_column = device::CsvColumn::named("Time");
  device::CsvReplay replay = device::CsvReplay::open(path, options);
  const std::size_t n = replay.channels();

  // 2. Cleaning per channel: the marker, physical limits, stuck runs, outliers (hourly data).
  std::vector<clean::ChannelConfig> configs(n);
  for (std::size_t c = 0; c < n; ++c) {
    configs[c].missing_marker = -200.0;
    configs[c].limits = clean::Limits{.min = 0.0, .max = 5000.0};  // concentrations, sensor responses
    configs[c].stuck_run = 6;
    configs[c].outliers = clean::MadConfig{.window = 24, .k = 5.0, .min_samples = 12, .min_spread = 0.5};
    const std::string& name = replay.channel_name(c);
    if (name == "T") {
      configs[c].limits = clean::Limits{.min = -30.0, .max = 50.0};
      configs[c].max_rate_per_second = 8.0 / 3600;  // at most 8 degrees per hour
    }
    if (name == "RH") configs[c].limits = clean::Limits{.min = 0.0, .max = 100.0};
  }
  clean::Pipeline<Mersenne61> pipeline(configs, FixedPoint<Mersenne61>(16));

  // 3. Replay the whole file through the pipeline.
  std::vector<device::Reading> in(n);
  std::vector<clean::Cleaned<Mersenne61>> out(n);
  std::size_t rows = 0;
  while (replay.poll({}, in) != 0) {
    pipeline.process(in, out);
    ++rows;
  }

  // 4. The plaintext check: count "-200" fields per column with a plain split of each line.
  std::ifstream file(path);
  std::string line, field;
  std::getline(file, line);  // header
  std::vector<std::uint64_t> markers(n, 0);
  std::size_t plain_rows = 0;
  while (std::getline(file, line)) {
    std::istringstream fields(line);
    for (std::size_t i = 0; std::getline(fields, field, ','); ++i)
      if (i >= 2 && i - 2 < n && field == "-200") ++markers[i - 2];
    ++plain_rows;
  }
  bool agree = plain_rows == rows;
  for (std::size_t c = 0; c < n; ++c)
    agree = agree && pipeline.counts(c)[clean::Reason::missing] == markers[c] && pipeline.counts(c).total() == rows;

  // 5. Report: kept, then every reason that dropped something.
  if (json) std::printf("{\"file\": \"%s\", \"rows\": %zu, \"channels\": {", path.c_str(), rows);
  else std::printf("%zu rows of %s\n%-14s %6s  dropped (reason: count)\n", rows, path.c_str(), "channel", "kept");
  for (std::size_t c = 0; c < n; ++c) {
    const clean::ReasonCounts& k = pipeline.counts(c);
    if (json) std::printf("%s\"%s\": {\"kept\": %llu, \"dropped\": {", c ? ", " : "", replay.channel_name(c).c_str(), static_cast<unsigned long long>(k.kept()));
    else std::printf("%-14s %6llu ", replay.channel_name(c).c_str(), static_cast<unsigned long long>(k.kept()));
    bool first = true;
    for (std::size_t r = 1; r < clean::reason_count; ++r) {
      const auto reason = static_cast<clean::Reason>(r);
      if (k[reason] == 0) continue;
      const std::string name(clean::to_string(reason));
      if (json) std::printf("%s\"%s\": %llu", first ? "" : ", ", name.c_str(), static_cast<unsigned long long>(k[reason]));
      else std::printf(" %s: %llu", name.c_str(), static_cast<unsigned long long>(k[reason]));
      first = false;
    }
    std::printf(json ? "}}" : "\n");
  }
  if (json) std::printf("}, \"markers_recounted\": %s}\n", agree ? "true" : "false");
  else std::printf("check: -200 markers recounted by a plain parse %s\n", agree ? "agree" : "DISAGREE");
  return agree ? 0 : 1;
}
