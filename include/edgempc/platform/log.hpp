// SPDX-License-Identifier: Apache-2.0
// Logger: structured log records for the gateway and device programs: a level, a time stamp, an
// event name, fields and a message, written one line per record as plain text (for a terminal
// or journald) or as JSON lines (for log shippers), never both.
//
//   text:  2026-12-07T22:41:03.512Z info  gateway 0 round round=1234 status=published contributors=3 | ...
//   json:  {"ts":"2026-12-07T22:41:03.512Z","level":"info","source":"gateway 0","event":"round","round":1234,...}
//
// Event names and field keys are fixed by the code ([a-z0-9_]); values and messages may carry
// anything (a peer's error text, a file name): in text, control characters become spaces and a
// value with a space or '=' is quoted; in JSON, strings are escaped per RFC 8259, numbers are
// written in the shortest form that reads back exactly (std::to_chars), and a NaN or infinity,
// which JSON lacks, is written as null.
//
// No global state: a Logger is a handle (copies share the sink and its lock); the clock is
// injectable, so a test reads exact time stamps. Thread-safe: a record is formatted first and
// written with one fwrite under the lock, so lines never interleave. A write error (a full disk,
// a closed pipe) is ignored: logging never stops a gateway.
#pragma once

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

enum class LogLevel : std::uint8_t { debug, info, warn, error };
enum class LogFormat : std::uint8_t { text, json };

[[nodiscard]] constexpr std::string_view to_string(LogLevel l) noexcept {
  switch (l) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "?";
}

/// "debug", "info", "warn", "error"; errc::invalid_argument otherwise.
[[nodiscard]] inline LogLevel parse_log_level(std::string_view s) {
  for (const LogLevel l : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error})
    if (s == to_string(l)) return l;
  throw error(errc::invalid_argument, "log level '" + std::string(s) + "': expected debug, info, warn or error");
}

/// "text" or "json"; errc::invalid_argument otherwise.
[[nodiscard]] inline LogFormat parse_log_format(std::string_view s) {
  if (s == "text") return LogFormat::text;
  if (s == "json") return LogFormat::json;
  throw error(errc::invalid_argument, "log format '" + std::string(s) + "': expected text or json");
}

/// One field of a record: a key and a string, integer, floating-point or boolean value.
struct LogField {
  using Value = std::variant<std::string, std::int64_t, std::uint64_t, double, bool>;
  std::string_view key;
  Value value;

  LogField(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  LogField(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  template <class I>
    requires(std::is_integral_v<I> && !std::is_same_v<I, bool>)
  LogField(std::string_view k, I v) : key(k) {
    if constexpr (std::is_signed_v<I>)
      value = static_cast<std::int64_t>(v);
    else
      value = static_cast<std::uint64_t>(v);
  }
};

/// RFC 3339 UTC with milliseconds: 2026-12-07T22:41:03.512Z.
[[nodiscard]] inline std::string rfc3339_ms(std::int64_t unix_ms) {
  const std::int64_t ms = ((unix_ms % 1000) + 1000) % 1000;
  const std::time_t s = static_cast<std::time_t>((unix_ms - ms) / 1000);
  std::tm tm{};
  if (::gmtime_r(&s, &tm) == nullptr) return "0000-00-00T00:00:00.000Z";  // beyond what time_t holds
  char b[80];  // the widest ints the format allows, so the compiler sees no truncation
  std::snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return b;
}

/// The shortest decimal form of `v` that reads back to `v`; "null" for NaN and infinities.
[[nodiscard]] inline std::string shortest_number(double v) {
  if (!std::isfinite(v)) return "null";
  char b[32];
  const auto r = std::to_chars(b, b + sizeof b, v);
  return std::string(b, r.ptr);
}

namespace detail::log {

inline void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", u);
      out += b;
    } else {
      out += c;
    }
  }
  out += '"';
}

inline void text_value(std::string& out, std::string_view s) {
  std::string clean;
  for (const char c : s) clean += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
  if (clean.empty() || clean.find_first_of(" =\"") != std::string::npos) {
    out += '"';
    for (const char c : clean) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else {
    out += clean;
  }
}

[[nodiscard]] inline std::string value_text(const LogField::Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using X = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<X, std::string>) return x;
        else if constexpr (std::is_same_v<X, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<X, double>) return shortest_number(x);
        else return std::to_string(x);
      },
      v);
}

}  // namespace detail::log

class Logger {
 public:
  /// Where formatted lines go (each without its newline).
  using Sink = std::function<void(std::string_view line)>;
  using Clock = std::function<std::int64_t()>;  // Unix milliseconds

  struct Options {
    LogFormat format = LogFormat::text;
    LogLevel level = LogLevel::info;  ///< records below it are dropped
    std::string source;               ///< who writes: "gateway 0", "device 7"
    Clock clock;                      ///< default: the system clock
  };

  /// Lines to stderr, text, info and above.
  Logger() : Logger(file_sink(stderr), Options{}) {}
  Logger(Sink sink, Options options) : state_(std::make_shared<State>(std::move(sink), std::move(options))) {
    if (!state_->options.clock)
      state_->options.clock = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      };
  }

  /// A sink writing each line and a newline to `f` (not closed by the Logger) and flushing it.
  [[nodiscard]] static Sink file_sink(std::FILE* f) {
    return [f](std::string_view line) {
      std::string l(line);
      l += '\n';
      (void)std::fwrite(l.data(), 1, l.size(), f);
      (void)std::fflush(f);
    };
  }

  [[nodiscard]] bool enabled(LogLevel l) const noexcept { return l >= state_->options.level; }
  [[nodiscard]] const Options& options() const noexcept { return state_->options; }

  /// Writes one record (if `level` is enabled).
  void write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields, std::string_view message = {}) const {
    if (!enabled(level)) return;
    const std::string line = format(level, event, fields, message);
    std::lock_guard lock(state_->mutex);
    state_->sink(line);
  }
  void debug(std::string_view event, std::initializer_list<LogField> f, std::string_view m = {}) const { write(LogLevel::debug, event, f, m); }
  void info(std::string_view event, std::initializer_list<LogField> f, std::string_view m = {}) const { write(LogLevel::info, event, f, m); }
  void warn(std::string_view event, std::initializer_list<LogField> f, std::string_view m = {}) const { write(LogLevel::warn, event, f, m); }
  void error(std::string_view event, std::initializer_list<LogField> f, std::string_view m = {}) const { write(LogLevel::error, event, f, m); }

  /// A plain-line callback (the form the platform's parts log through) writing each line as a
  /// record of `event` at `level`.
  [[nodiscard]] std::function<void(const std::string&)> lines(LogLevel level, std::string event) const {
    return [self = *this, level, event = std::move(event)](const std::string& line) { self.write(level, event, {}, line); };
  }

  /// The formatted line of a record (what write() sends to the sink).
  [[nodiscard]] std::string format(LogLevel level, std::string_view event, std::initializer_list<LogField> fields,
                                   std::string_view message) const {
    namespace d = detail::log;
    const Options& o = state_->options;
    const std::string ts = rfc3339_ms(o.clock());
    std::string s;
    if (o.format == LogFormat::json) {
      s = "{\"ts\":\"" + ts + "\",\"level\":\"" + std::string(to_string(level)) + "\"";
      if (!o.source.empty()) s += ",\"source\":", d::json_string(s, o.source);
      s += ",\"event\":", d::json_string(s, event);
      for (const LogField& f : fields) {
        s += ',';
        d::json_string(s, f.key);
        s += ':';
        if (const auto* str = std::get_if<std::string>(&f.value))
          d::json_string(s, *str);
        else
          s += d::value_text(f.value);
      }
      if (!message.empty()) s += ",\"message\":", d::json_string(s, message);
      s += '}';
    } else {
      s = ts + ' ' + std::string(to_string(level));
      if (level == LogLevel::info || level == LogLevel::warn) s += ' ';  // the levels line up
      if (!o.source.empty()) s += ' ' + o.source;
      s += ' ';
      s += event;
      for (const LogField& f : fields) {
        s += ' ';
        s += f.key;
        s += '=';
        d::text_value(s, d::value_text(f.value));
      }
      if (!message.empty()) {
        s += fields.size() == 0 ? ": " : " | ";
        for (const char c : message) s += static_cast<unsigned char>(c) < 0x20 ? ' ' : c;
      }
    }
    return s;
  }

 private:
  struct State {
    State(Sink s, Options o) : sink(std::move(s)), options(std::move(o)) {}
    Sink sink;
    Options options;
    std::mutex mutex;
  };
  std::shared_ptr<State> state_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
