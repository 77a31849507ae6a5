// SPDX-License-Identifier: Apache-2.0
// CsvReplay: an Adapter that replays a recorded CSV file, one row per poll, so the cleaning
// and sharing layers can be run against real data with its real gaps and glitches.
//
// Layout. An optional header row names the fields; every other non-blank line is one row and
// must have exactly as many fields as the first line (the header, or the first row when there
// is none). Fields are split on `delimiter`; a field wrapped in double quotes has them removed,
// but a quoted field must not contain the delimiter (this reads sensor logs, not spreadsheets
// in general). Blank lines are skipped; "\r\n" line ends are accepted.
//
// Channels. `columns` selects fields, by header name or by 0-based index; channel i of each
// poll is columns[i]. An empty `columns` selects every field that is not a timestamp field.
//
// Values. A number is read exactly as written, as a decimal (sign, digits, optional decimal
// separator and digits, optional exponent, e.g. "13.6", "-200", "1.83E+01"), with no trip
// through binary floating point. The reading holds it the way IIO does: raw = value * 10^d,
// scale = 10^-d, offset 0, where d = the column's `decimals` (default 6). A value with more
// than d fractional digits is rounded to nearest, ties away from zero. So the raw integer is
// exact, and value() = raw * scale is within one rounding of the written decimal.
//
// Missing values. An empty field, or one equal to `missing_marker` (-200 in the UCI air
// quality file, compared as the decimal it is, so "-200" and "-200.0" both match), gives a
// reading with status missing and raw 0. Any other field that does not parse is an error.
//
// Timestamps. `row_number`: start + row * interval. `date_time_dmy`: a date field as
// D/M/YYYY (separators '/', '-' or '.') and a time field as H:MM[:SS] (':' or '.'), both read
// as UTC wall-clock time (the files carry no time zone). `unix_seconds`: one field of seconds
// since 1970, with up to 6 fractional digits.
//
// Errors. A malformed file is an edgempc::error naming the line: errc::malformed_message for
// a bad number, date or time, a wrong field count, or a line longer than `max_line_length`
// (checked while reading, so absurd input never grows a buffer past that limit);
// errc::out_of_range for a number that does not fit raw (int64). The failed line is consumed,
// so a caller may catch the error and poll on. Options that cannot work (an unknown column
// name, a decimal separator equal to the delimiter) are errc::invalid_argument.
//
// poll ignores its deadline: reading a local file is not an operation that can hang on a
// device. A replay is finite: poll returns 0 at the end of the file.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgempc/device/adapter.hpp"
#include "edgempc/device/reading.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

/// One selected field: by header name, or by 0-based index when `index` is set.
struct CsvColumn {
  static constexpr std::size_t by_name = std::numeric_limits<std::size_t>::max();

  std::string name;
  std::size_t index = by_name;
  unsigned decimals = 6;  ///< raw = value * 10^decimals; at most 18

  [[nodiscard]] static CsvColumn named(std::string n, unsigned d = 6) { return {std::move(n), by_name, d}; }
  [[nodiscard]] static CsvColumn at(std::size_t i, unsigned d = 6) { return {{}, i, d}; }
};

enum class CsvTimestamp : std::uint8_t { row_number, date_time_dmy, unix_seconds };

struct CsvReplayOptions {
  std::vector<CsvColumn> columns;  ///< channel i = columns[i]; empty: every non-timestamp field
  bool has_header = true;
  char delimiter = ',';
  char decimal_separator = '.';
  std::optional<double> missing_marker;  ///< a field equal to it gives status missing
  CsvTimestamp timestamp = CsvTimestamp::row_number;
  CsvColumn date_column;  ///< date_time_dmy: the date; unix_seconds: the seconds
  CsvColumn time_column;  ///< date_time_dmy: the time of day
  Reading::clock::time_point start{};                    ///< row_number: time of row 0
  Reading::clock::duration interval = std::chrono::seconds(1);  ///< row_number: row spacing
  std::size_t max_line_length = 4096;  ///< longer lines are an error, never a bigger buffer
  std::size_t max_fields = 256;
};

namespace detail {

inline constexpr std::array<std::uint64_t, 20> pow10_u64 = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
    1000000000000000000ULL, 10000000000000000000ULL};

enum class ParseStatus : std::uint8_t { ok, empty, bad, overflow };

struct ParsedFixed {
  ParseStatus status = ParseStatus::bad;
  std::int64_t raw = 0;
};

[[nodiscard]] constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

/// The decimal in `s` times 10^decimals, as an integer, computed in integers only.
[[nodiscard]] constexpr ParsedFixed parse_fixed(std::string_view s, unsigned decimals, char point) noexcept {
  s = trim(s);
  if (s.empty()) return {ParseStatus::empty, 0};
  std::size_t i = 0;
  const bool negative = s[0] == '-';
  if (s[0] == '-' || s[0] == '+') ++i;
  // More than 18 significant digits cannot all be kept in 64 bits; no sensor writes that many.
  std::uint64_t mantissa = 0;
  int significant = 0;
  int exp10 = 0;
  bool any_digit = false;
  auto take = [&](char c, bool fraction) {
    const auto d = static_cast<unsigned>(c - '0');
    any_digit = true;
    if (fraction) --exp10;
    if (mantissa == 0 && d == 0) return true;  // a leading zero only moves the point
    if (++significant > 18) return false;
    mantissa = mantissa * 10 + d;
    return true;
  };
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
    if (!take(s[i], false)) return {ParseStatus::overflow, 0};
  if (i < s.size() && s[i] == point) {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
      if (!take(s[i], true)) return {ParseStatus::overflow, 0};
  }
  if (!any_digit) return {ParseStatus::bad, 0};
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    const bool exp_negative = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (i == s.size()) return {ParseStatus::bad, 0};
    int e = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) e = e < 10000 ? e * 10 + (s[i] - '0') : e;
    exp10 += exp_negative ? -e : e;
  }
  if (i != s.size()) return {ParseStatus::bad, 0};
  if (mantissa == 0) return {ParseStatus::ok, 0};

  const int shift = exp10 + static_cast<int>(decimals);
  std::uint64_t magnitude = 0;
  if (shift >= 0) {
    if (shift > 18) return {ParseStatus::overflow, 0};
    const std::uint64_t m = pow10_u64[static_cast<std::size_t>(shift)];
    if (mantissa > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / m)
      return {ParseStatus::overflow, 0};
    magnitude = mantissa * m;
  } else {
    if (-shift > 19) return {ParseStatus::ok, 0};  // below half a step: mantissa < 10^18
    const std::uint64_t p = pow10_u64[static_cast<std::size_t>(-shift)];
    magnitude = mantissa / p;
    const std::uint64_t rest = mantissa % p;
    if (rest >= p - rest) ++magnitude;  // 2 * rest >= p without overflowing
  }
  const auto v = static_cast<std::int64_t>(magnitude);
  return {ParseStatus::ok, negative ? -v : v};
}

/// A small unsigned integer field of a date or time; -1 when absent or malformed.
[[nodiscard]] constexpr int parse_small(std::string_view& s, std::string_view separators) noexcept {
  int v = 0;
  std::size_t n = 0;
  while (n < s.size() && n < 5 && s[n] >= '0' && s[n] <= '9') v = v * 10 + (s[n++] - '0');
  if (n == 0 || (n < s.size() && separators.find(s[n]) == std::string_view::npos)) return -1;
  s.remove_prefix(n < s.size() ? n + 1 : n);
  return v;
}

[[nodiscard]] inline std::optional<Reading::clock::time_point> parse_date_time_dmy(std::string_view date,
                                                                                 std::string_view time) {
  namespace chr = std::chrono;
  date = trim(date);
  time = trim(time);
  const int d = parse_small(date, "/-.");
  const int m = parse_small(date, "/-.");
  const int y = parse_small(date, "");
  if (d < 0 || m < 0 || y < 0 || !date.empty()) return std::nullopt;
  const chr::year_month_day ymd{chr::year{y}, chr::month{static_cast<unsigned>(m)}, chr::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  const int hh = parse_small(time, ":.");
  const int mm = parse_small(time, ":.");
  const int ss = time.empty() ? 0 : parse_small(time, "");
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59 || !time.empty()) return std::nullopt;
  return chr::time_point_cast<Reading::clock::duration>(chr::sys_days{ymd} + chr::hours{hh} + chr::minutes{mm} +
                                                        chr::seconds{ss});
}

}  // namespace detail

class CsvReplay {
 public:
  /// Reads the header (or the first row, to learn the field count) from `in` at once.
  CsvReplay(std::unique_ptr<std::istream> in, CsvReplayOptions options)
      : in_(std::move(in)), options_(std::move(options)) {
    if (!in_ || !in_->rdbuf()) throw error(errc::invalid_argument, "CsvReplay: no input stream");
    if (options_.decimal_separator == options_.delimiter)
      throw error(errc::invalid_argument, "CsvReplay: the decimal separator equals the delimiter");
    if (options_.max_line_length == 0 || options_.max_fields == 0)
      throw error(errc::invalid_argument, "CsvReplay: zero line length or field limit");
    line_.reserve(options_.max_line_length);
    if (!next_line()) throw error(errc::malformed_message, "CsvReplay: the file is empty");
    split();
    field_count_ = fields_.size();
    resolve_layout();
    pending_row_ = !options_.has_header;  // without a header the first line is data
  }

  [[nodiscard]] static CsvReplay open(const std::filesystem::path& path, CsvReplayOptions options) {
    auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!file->is_open()) throw error(errc::invalid_argument, "CsvReplay: cannot open " + path.string());
    return CsvReplay(std::move(file), std::move(options));
  }
  [[nodiscard]] static CsvReplay from_string(std::string text, CsvReplayOptions options) {
    return CsvReplay(std::make_unique<std::istringstream>(std::move(text)), std::move(options));
  }

  [[nodiscard]] std::size_t channels() const noexcept { return columns_.size(); }
  /// The header name of a channel's field, or "field N" without a header.
  [[nodiscard]] const std::string& channel_name(std::size_t channel) const { return columns_.at(channel).name; }
  /// The 1-based number of the last line read.
  [[nodiscard]] std::uint64_t line_number() const noexcept { return line_number_; }
  /// How many data rows poll has returned.
  [[nodiscard]] std::uint64_t rows() const noexcept { return rows_; }

  /// The next row, one reading per channel; 0 at the end of the file. On a malformed line
  /// `out` may be partly written and an edgempc::error is thrown.
  std::size_t poll(Deadline /*deadline*/, std::span<Reading> out) {
    if (out.size() < channels()) throw error(errc::size_mismatch, "CsvReplay::poll: output shorter than channels()");
    if (pending_row_) {
      pending_row_ = false;
    } else {
      if (!next_line()) return 0;
      split();
    }
    if (fields_.size() != field_count_)
      fail(errc::malformed_message, std::to_string(fields_.size()) + " fields, expected " + std::to_string(field_count_));
    const Reading::clock::time_point t = row_time();
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      const Column& col = columns_[c];
      const std::string_view text = field(col.field);
      Reading& r = out[c];
      r.channel = static_cast<std::uint32_t>(c);
      r.scale = col.scale;
      r.offset = 0.0;
      r.timestamp = t;
      const detail::ParsedFixed p = detail::parse_fixed(text, col.decimals, options_.decimal_separator);
      switch (p.status) {
        case detail::ParseStatus::empty:
          r.raw = 0;
          r.status = ReadingStatus::missing;
          break;
        case detail::ParseStatus::bad:
          fail(errc::malformed_message, "field '" + col.name + "': bad number \"" + shorten(text) + "\"");
        case detail::ParseStatus::overflow:
          fail(errc::out_of_range, "field '" + col.name + "': number does not fit \"" + shorten(text) + "\"");
        case detail::ParseStatus::ok: {
          const bool missing = col.marker && p.raw == *col.marker;
          r.raw = missing ? 0 : p.raw;
          r.status = missing ? ReadingStatus::missing : ReadingStatus::ok;
          break;
        }
      }
    }
    ++rows_;
    return columns_.size();
  }

 private:
  struct Column {
    std::string name;
    std::size_t field = 0;
    unsigned decimals = 0;
    double scale = 1.0;
    std::optional<std::int64_t> marker;  // the missing marker at this column's decimals
  };

  // Reads one non-blank line into line_, never past max_line_length.
  bool next_line() {
    std::streambuf* buf = in_->rdbuf();
    for (;;) {
      line_.clear();
      bool any = false;
      for (;;) {
        const int c = buf->sbumpc();
        if (c == std::char_traits<char>::eof()) break;
        any = true;
        if (c == '\n') break;
        if (line_.size() == options_.max_line_length) {
          ++line_number_;
          skip_rest_of_line(buf);
          fail(errc::malformed_message, "longer than " + std::to_string(options_.max_line_length) + " bytes");
        }
        line_.push_back(static_cast<char>(c));
      }
      if (!any) return false;
      ++line_number_;
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      if (!detail::trim(line_).empty()) return true;
    }
  }

  static void skip_rest_of_line(std::streambuf* buf) {
    for (int c = buf->sbumpc(); c != std::char_traits<char>::eof() && c != '\n'; c = buf->sbumpc()) {
    }
  }

  void split() {
    fields_.clear();
    std::string_view rest = line_;
    for (;;) {
      if (fields_.size() == options_.max_fields)
        fail(errc::malformed_message, "more than " + std::to_string(options_.max_fields) + " fields");
      const std::size_t cut = rest.find(options_.delimiter);
      const std::size_t length = cut == std::string_view::npos ? rest.size() : cut;
      fields_.emplace_back(static_cast<std::size_t>(rest.data() - line_.data()), length);
      if (cut == std::string_view::npos) break;
      rest.remove_prefix(cut + 1);
    }
  }

  [[nodiscard]] std::string_view field(std::size_t i) const noexcept {
    return std::string_view(line_).substr(fields_[i].first, fields_[i].second);
  }

  [[nodiscard]] std::size_t find_field(const CsvColumn& c, std::string_view what) const {
    if (c.index != CsvColumn::by_name) {
      if (c.index >= field_count_)
        throw error(errc::invalid_argument, "CsvReplay: " + std::string(what) + " index " + std::to_string(c.index) +
                                                " beyond the " + std::to_string(field_count_) + " fields");
      return c.index;
    }
    if (!options_.has_header) throw error(errc::invalid_argument, "CsvReplay: a column by name needs a header");
    for (std::size_t i = 0; i < fields_.size(); ++i)
      if (detail::trim(field(i)) == c.name) return i;
    throw error(errc::invalid_argument, "CsvReplay: no " + std::string(what) + " named '" + c.name + "'");
  }

  void resolve_layout() {
    std::vector<std::size_t> time_fields;
    if (options_.timestamp == CsvTimestamp::date_time_dmy || options_.timestamp == CsvTimestamp::unix_seconds)
      time_fields.push_back(date_field_ = find_field(options_.date_column, "timestamp column"));
    if (options_.timestamp == CsvTimestamp::date_time_dmy)
      time_fields.push_back(time_field_ = find_field(options_.time_column, "time column"));

    std::vector<CsvColumn> wanted = options_.columns;
    if (wanted.empty()) {
      for (std::size_t i = 0; i < field_count_; ++i)
        if (std::find(time_fields.begin(), time_fields.end(), i) == time_fields.end())
          wanted.push_back(CsvColumn::at(i));
    }
    columns_.reserve(wanted.size());
    for (const CsvColumn& w : wanted) {
      if (w.decimals > 18) throw error(errc::invalid_argument, "CsvReplay: more than 18 decimals");
      Column c;
      c.field = find_field(w, "column");
      c.name = options_.has_header ? std::string(detail::trim(field(c.field))) : "field " + std::to_string(c.field);
      c.decimals = w.decimals;
      c.scale = 1.0 / static_cast<double>(detail::pow10_u64[w.decimals]);
      if (options_.missing_marker) {
        const double m = *options_.missing_marker * static_cast<double>(detail::pow10_u64[w.decimals]);
        if (!(std::fabs(m) < 0x1p62)) throw error(errc::invalid_argument, "CsvReplay: missing marker too large");
        c.marker = std::llround(m);
      }
      columns_.push_back(std::move(c));
    }
  }

  [[nodiscard]] Reading::clock::time_point row_time() const {
    switch (options_.timestamp) {
      case CsvTimestamp::row_number:
        return options_.start + options_.interval * static_cast<std::int64_t>(rows_);
      case CsvTimestamp::date_time_dmy:
        if (auto t = detail::parse_date_time_dmy(field(date_field_), field(time_field_))) return *t;
        fail(errc::malformed_message, "bad date or time \"" + shorten(field(date_field_)) + " " +
                                          shorten(field(time_field_)) + "\"");
      case CsvTimestamp::unix_seconds: {
        const auto p = detail::parse_fixed(field(date_field_), 6, options_.decimal_separator);
        if (p.status != detail::ParseStatus::ok)
          fail(errc::malformed_message, "bad timestamp \"" + shorten(field(date_field_)) + "\"");
        return Reading::clock::time_point(
            std::chrono::duration_cast<Reading::clock::duration>(std::chrono::microseconds(p.raw)));
      }
    }
    return {};
  }

  // Error messages quote the offending text, but never an unbounded amount of it.
  [[nodiscard]] static std::string shorten(std::string_view s) {
    return s.size() <= 40 ? std::string(s) : std::string(s.substr(0, 40)) + "...";
  }

  [[noreturn]] void fail(errc code, const std::string& what) const {
    throw error(code, "CSV line " + std::to_string(line_number_) + ": " + what);
  }

  std::unique_ptr<std::istream> in_;
  CsvReplayOptions options_;
  std::string line_;
  // (offset, length) into line_, not views, so that moving the adapter cannot leave them dangling.
  std::vector<std::pair<std::size_t, std::size_t>> fields_;
  std::vector<Column> columns_;
  std::size_t field_count_ = 0;
  std::size_t date_field_ = 0;
  std::size_t time_field_ = 0;
  std::uint64_t line_number_ = 0;
  std::uint64_t rows_ = 0;
  bool pending_row_ = false;
};

static_assert(Adapter<CsvReplay>);

}  // namespace device
EDGEMPC_END_NAMESPACE
