// SPDX-License-Identifier: Apache-2.0
#include <catch2/catch.hpp>

#include <edgempc/device/csv_replay.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace edgempc;
using device::CsvColumn;
using device::CsvReplay;
using device::CsvReplayOptions;
using device::CsvTimestamp;
using device::Reading;
using device::ReadingStatus;

namespace {

const std::string air_quality = EDGEMPC_TEST_DATA_DIR "/air_quality_uci.csv";
const std::string intel_temperature = EDGEMPC_TEST_DATA_DIR "/intel_lab_temperature.csv";

CsvReplayOptions air_quality_options() {
  CsvReplayOptions o;
  o.missing_marker = -200.0;
  o.timestamp = CsvTimestamp::date_time_dmy;
  o.date_column = CsvColumn::named("Date");
  o.time_column = CsvColumn::named("Time");
  return o;
}

// The error message of f(), which must throw an edgempc::error with `code`.
template <class F>
std::string error_of(errc code, F&& f) {
  try {
    f();
  } catch (const error& e) {
    REQUIRE(e.code() == code);
    return e.what();
  }
  FAIL("no error");
  return {};
}

std::size_t poll_all(CsvReplay& r) {
  std::vector<Reading> out(r.channels());
  std::size_t rows = 0;
  while (r.poll({}, out) != 0) ++rows;
  return rows;
}

Reading::clock::time_point utc(int y, unsigned m, unsigned d, int h, int min = 0, int s = 0) {
  namespace chr = std::chrono;
  return chr::sys_days{chr::year{y} / chr::month{m} / chr::day{d}} + chr::hours{h} + chr::minutes{min} +
         chr::seconds{s};
}

}  // namespace

TEST_CASE("csv replay reads the air-quality file: columns, decimals, timestamps, markers", "[device]") {
  CsvReplay r = CsvReplay::open(air_quality, air_quality_options());
  REQUIRE(r.channels() == 13);  // every field but Date and Time
  REQUIRE(r.channel_name(0) == "CO_GT");
  REQUIRE(r.channel_name(12) == "AH");
  std::vector<Reading> out(13);
  REQUIRE(r.poll({}, out) == 13);
  // 10/03/2004,18:00:00,2.6,1360,150,11.9,1046,166,1056,113,1692,1268,13.6,48.9,0.7578
  REQUIRE(out[0].raw == 2'600'000);  // 6 decimals by default: the decimal text, exactly
  REQUIRE(out[0].scale == 1e-6);
  REQUIRE(out[0].value() == Approx(2.6).epsilon(1e-15));
  REQUIRE(out[12].raw == 757'800);
  REQUIRE(out[11].value() == Approx(48.9).epsilon(1e-15));
  for (const Reading& x : out) {
    REQUIRE(x.ok());
    REQUIRE(x.timestamp == utc(2004, 3, 10, 18));
  }
  REQUIRE(out[5].channel == 5);
  REQUIRE(r.line_number() == 2);
  // Rows with -200 give status missing: count them for one column and compare with awk's.
  std::size_t rows = 1, missing_nmhc = out[2].ok() ? 0 : 1;
  Reading::clock::time_point last = out[0].timestamp;
  while (r.poll({}, out) != 0) {
    ++rows;
    if (out[2].status == ReadingStatus::missing) ++missing_nmhc;
    REQUIRE(out[2].timestamp > last);  // hourly, strictly increasing
    last = out[2].timestamp;
  }
  REQUIRE(rows == 9357);
  REQUIRE(missing_nmhc == 8443);  // awk -F, 'NR>1 && $5==-200' | wc -l
  REQUIRE(last == utc(2005, 4, 4, 14));  // the last line: 4/04/2005,14:00:00
  REQUIRE(r.poll({}, out) == 0);    // stays at the end
}

TEST_CASE("csv replay selects columns by name or index, with their own decimals", "[device]") {
  CsvReplayOptions o = air_quality_options();
  o.columns = {CsvColumn::named("T", 1), CsvColumn::at(3, 0), CsvColumn::named("AH", 2)};
  CsvReplay r = CsvReplay::open(air_quality, o);
  REQUIRE(r.channels() == 3);
  REQUIRE(r.channel_name(1) == "PT08_S1_CO");
  std::vector<Reading> out(3);
  REQUIRE(r.poll({}, out) == 3);
  REQUIRE(out[0].raw == 136);   // 13.6 at 1 decimal
  REQUIRE(out[0].scale == 0.1);
  REQUIRE(out[1].raw == 1360);
  REQUIRE(out[1].scale == 1.0);
  REQUIRE(out[2].raw == 76);    // 0.7578 rounded to 2 decimals
  REQUIRE(out[2].channel == 2);
  std::vector<Reading> too_short(2);
  (void)error_of(errc::size_mismatch, [&] { r.poll({}, too_short); });
}

TEST_CASE("csv replay reads the headerless Intel Lab file in exponent notation", "[device]") {
  CsvReplayOptions o;
  o.has_header = false;
  o.columns = {CsvColumn::at(0, 2), CsvColumn::at(143, 2)};
  o.start = utc(2004, 2, 28, 0);
  o.interval = std::chrono::minutes(30);
  CsvReplay r = CsvReplay::open(intel_temperature, o);
  REQUIRE(r.channel_name(1) == "field 143");
  std::vector<Reading> out(2);
  REQUIRE(r.poll({}, out) == 2);
  REQUIRE(out[0].raw == 1830);  // 1.83E+01
  REQUIRE(out[1].raw == 2030);  // 2.03E+01, the last field of row 1
  REQUIRE(out[0].timestamp == o.start);
  REQUIRE(r.poll({}, out) == 2);
  REQUIRE(out[0].raw == 1870);
  REQUIRE(out[0].timestamp == o.start + std::chrono::minutes(30));
  REQUIRE(poll_all(r) == 48);  // 50 motes in all
  // Without a selection every field is a channel.
  CsvReplayOptions all;
  all.has_header = false;
  CsvReplay every = CsvReplay::open(intel_temperature, all);
  REQUIRE(every.channels() == 144);
  REQUIRE(poll_all(every) == 50);
}

TEST_CASE("csv replay parses decimals exactly", "[device]") {
  using device::detail::parse_fixed;
  using device::detail::ParseStatus;
  auto raw = [](std::string_view s, unsigned d, char point = '.') {
    const auto p = parse_fixed(s, d, point);
    REQUIRE(p.status == ParseStatus::ok);
    return p.raw;
  };
  REQUIRE(raw("13.6", 1) == 136);
  REQUIRE(raw("-200", 6) == -200'000'000);
  REQUIRE(raw("-200.000", 0) == -200);
  REQUIRE(raw("+0.05", 2) == 5);
  REQUIRE(raw(" 7 ", 0) == 7);
  REQUIRE(raw("\"2.5\"", 1) == 25);
  REQUIRE(raw("1.83E+01", 2) == 1830);
  REQUIRE(raw("183e-1", 1) == 183);
  REQUIRE(raw("2,6", 1, ',') == 26);
  REQUIRE(raw(".5", 0) == 1);     // ties away from zero
  REQUIRE(raw("-.5", 0) == -1);
  REQUIRE(raw("0.449", 2) == 45);
  REQUIRE(raw("0.444", 2) == 44);
  REQUIRE(raw("1e-30", 6) == 0);
  REQUIRE(raw("0e999", 6) == 0);
  REQUIRE(raw("000000000000000000000000012", 0) == 12);  // leading zeros are not digits kept
  REQUIRE(raw("-999999999999999999", 0) == -999999999999999999LL);  // 18 significant digits
  REQUIRE(parse_fixed("", 2, '.').status == ParseStatus::empty);
  REQUIRE(parse_fixed("  ", 2, '.').status == ParseStatus::empty);
  for (const char* bad : {"abc", "1.2.3", "1,5", "-", ".", "1e", "1e+", "12a", "0x10", "nan", "inf", "--1"})
    REQUIRE(parse_fixed(bad, 2, '.').status == ParseStatus::bad);
  REQUIRE(parse_fixed("9223372036854775808", 0, '.').status == ParseStatus::overflow);
  REQUIRE(parse_fixed("1e30", 0, '.').status == ParseStatus::overflow);
  REQUIRE(parse_fixed("10000000000000", 6, '.').status == ParseStatus::overflow);  // 1e13 * 1e6 > 2^63
  REQUIRE(parse_fixed("1234567890123456789", 0, '.').status == ParseStatus::overflow);  // 19 digits
}

TEST_CASE("csv replay reads the original UCI format: semicolons, decimal commas, dotted times", "[device]") {
  CsvReplayOptions o = air_quality_options();
  o.delimiter = ';';
  o.decimal_separator = ',';
  o.columns = {CsvColumn::named("CO(GT)", 1), CsvColumn::named("T", 1)};
  CsvReplay r = CsvReplay::from_string(
      "Date;Time;CO(GT);T\r\n"
      "10/03/2004;18.00.00;2,6;13,6\r\n"
      "\r\n"  // blank lines are skipped
      "10/03/2004;19.00.00;-200;;\r\n",
      o);
  std::vector<Reading> out(2);
  REQUIRE(r.poll({}, out) == 2);
  REQUIRE(out[0].raw == 26);
  REQUIRE(out[1].raw == 136);
  REQUIRE(out[0].timestamp == utc(2004, 3, 10, 18));
  // The last line has one field too many: the error names its line, 4.
  const std::string what = error_of(errc::malformed_message, [&] { r.poll({}, out); });
  REQUIRE_THAT(what, Catch::Contains("line 4") && Catch::Contains("5 fields, expected 4"));
  REQUIRE(r.poll({}, out) == 0);
}

TEST_CASE("csv replay: empty fields and markers are missing, not errors", "[device]") {
  CsvReplayOptions o;
  o.missing_marker = -200.0;
  CsvReplay r = CsvReplay::from_string("a,b,c\n1,,-200.0\n-200.5,2,3\n", o);
  std::vector<Reading> out(3);
  REQUIRE(r.poll({}, out) == 3);
  REQUIRE(out[0].ok());
  REQUIRE(out[1].status == ReadingStatus::missing);
  REQUIRE(out[2].status == ReadingStatus::missing);
  REQUIRE(r.poll({}, out) == 3);
  REQUIRE(out[0].ok());  // -200.5 is not the marker
  REQUIRE(out[0].raw == -200'500'000);
  // Row-number timestamps: start + row * interval.
  REQUIRE(out[0].timestamp == Reading::clock::time_point{} + std::chrono::seconds(1));
}

TEST_CASE("csv replay refuses malformed files with the line number", "[device]") {
  auto first_error = [&](const std::string& text, errc code, CsvReplayOptions o = {}) {
    return error_of(code, [&] {
      CsvReplay r = CsvReplay::from_string(text, std::move(o));
      std::vector<Reading> buf(r.channels());
      while (r.poll({}, buf) != 0) {
      }
    });
  };
  REQUIRE_THAT(first_error("a,b\n1,2\n3,x4\n", errc::malformed_message),
               Catch::Contains("line 3") && Catch::Contains("bad number \"x4\""));
  REQUIRE_THAT(first_error("a,b\n1,2\n3\n", errc::malformed_message),
               Catch::Contains("line 3") && Catch::Contains("1 fields, expected 2"));
  REQUIRE_THAT(first_error("a,b\n1,2\n\n\n3,4,5\n", errc::malformed_message), Catch::Contains("line 5"));
  REQUIRE_THAT(first_error("a,b\n1,99999999999999999\n", errc::out_of_range), Catch::Contains("line 2"));
  REQUIRE_THAT(first_error("", errc::malformed_message), Catch::Contains("empty"));
  CsvReplayOptions dated;
  dated.timestamp = CsvTimestamp::date_time_dmy;
  dated.date_column = CsvColumn::at(0);
  dated.time_column = CsvColumn::at(1);
  REQUIRE_THAT(first_error("d,t,v\n1/1/2004,0:00:00,1\n31/02/2004,1:00:00,2\n", errc::malformed_message, dated),
               Catch::Contains("line 3") && Catch::Contains("bad date or time"));
  REQUIRE_THAT(first_error("d,t,v\n1/1/2004,24:00:00,1\n", errc::malformed_message, dated), Catch::Contains("line 2"));
  CsvReplayOptions unix_time;
  unix_time.timestamp = CsvTimestamp::unix_seconds;
  unix_time.date_column = CsvColumn::named("t");
  {
    CsvReplay r = CsvReplay::from_string("t,v\n1700000000.5,1\n", unix_time);
    std::vector<Reading> one(1);
    REQUIRE(r.poll({}, one) == 1);
    REQUIRE(one[0].timestamp == Reading::clock::time_point{} + std::chrono::milliseconds(1'700'000'000'500));
  }
  REQUIRE_THAT(first_error("t,v\nyesterday,1\n", errc::malformed_message, unix_time), Catch::Contains("line 2"));
  // Options that cannot work.
  CsvReplayOptions by_name;
  by_name.columns = {CsvColumn::named("nope")};
  REQUIRE_THAT(first_error("a,b\n1,2\n", errc::invalid_argument, by_name), Catch::Contains("'nope'"));
  CsvReplayOptions beyond;
  beyond.columns = {CsvColumn::at(2)};
  (void)first_error("a,b\n1,2\n", errc::invalid_argument, beyond);
  CsvReplayOptions same;
  same.decimal_separator = ',';
  (void)first_error("a,b\n1,2\n", errc::invalid_argument, same);
  CsvReplayOptions headerless_by_name;
  headerless_by_name.has_header = false;
  headerless_by_name.columns = {CsvColumn::named("a")};
  (void)first_error("1,2\n", errc::invalid_argument, headerless_by_name);
  (void)error_of(errc::invalid_argument, [] { (void)CsvReplay::open("/nonexistent/file.csv", {}); });
}

TEST_CASE("csv replay bounds memory on absurd input", "[device]") {
  CsvReplayOptions o;
  o.max_line_length = 64;
  o.max_fields = 8;
  // A 10 MB line with no newline: refused after 64 bytes, never buffered whole.
  const std::string huge = "a,b\n1,2\n" + std::string(10'000'000, '7');
  const std::string what = error_of(errc::malformed_message, [&] {
    CsvReplay r = CsvReplay::from_string(huge, o);
    std::vector<Reading> out(2);
    while (r.poll({}, out) != 0) {
    }
  });
  REQUIRE_THAT(what, Catch::Contains("line 3") && Catch::Contains("longer than 64 bytes"));
  REQUIRE(what.size() < 200);
  (void)error_of(errc::malformed_message, [&] { (void)CsvReplay::from_string("a,b,c,d,e,f,g,h,i\n", o); });
  // After the error the adapter goes on with the next line.
  CsvReplay r = CsvReplay::from_string("a,b\n" + std::string(100, '1') + "\n3,4\n", o);
  std::vector<Reading> out(2);
  (void)error_of(errc::malformed_message, [&] { r.poll({}, out); });
  REQUIRE(r.poll({}, out) == 2);
  REQUIRE(out[1].raw == 4'000'000);
  REQUIRE(r.line_number() == 3);
}
