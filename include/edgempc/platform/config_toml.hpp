// SPDX-License-Identifier: Apache-2.0
// needs toml++ (libtomlplusplus-dev); link edgempc::config (an optional target: only this header
// and what includes it need toml++; the rest of edgempc does not).
//
// Reading a gateway group's configuration (platform/config.hpp) from a TOML file.
//
// The group tables ([group], [policy], [[gateways]], [[channels]]) are the same for every
// process of a group; a gateway's file adds a [gateway] table, a device's file a [device] table.
// They can come in two forms:
//   - one group file shared by every process, and a small file per process that names it with a
//     top-level key and holds only its own tables (examples/config/ has samples):
//         group_file = "group.toml"   # relative to this file's directory
//         [gateway]
//         ...
//     The group file holds only the group tables: a group_file key there (no chains) or a
//     [gateway], [device], [ingest] or [uplink] table is an error, and so is a process file with
//     both group_file and a group table (the group would be said twice).
//   - a single file per process holding the group tables and its own (the older form).
// load_group_config follows group_file; parse_group_config reads the group tables of one
// document and refuses group_file (it has no directory to resolve it against). Every key below
// is read; any other key, at the top level or in these tables, is an error. Integers must be
// TOML integers (not floats or strings), strings must be strings; the float keys of [[channels]]
// also take an integer that a double holds exactly. The scheme's number of parties is the
// number of [[gateways]], which are listed in id order 0 .. n-1.
//
//   [group]
//   name = "home"            # optional, default "edgempc"
//   scheme = "shamir"        # "shamir" (t-of-n) or "additive" (n-of-n)
//   threshold = 1            # t: required for "shamir", not allowed for "additive"
//   domain = "mersenne61"    # optional, default "mersenne61" (the only one supported)
//   round_ms = 1000          # round length, 50 ms to 24 h
//   epoch_ms = 1795000000000 # optional: Unix time in ms at which round 0 starts; default
//                            # default_epoch_ms (2026-01-01T00:00:00Z, platform/config.hpp says
//                            # why), so every process of the group numbers rounds alike
//   peer_wait_ms = 2000      # optional, default 2000: how long to wait for a silent peer
//
//   [policy]
//   min_clients = 10         # publish a round only if at least this many devices contributed
//   recipients = [0]         # the gateway ids that learn the results
//   reveal = ["count", "mean", "variance", "min", "max", "alerts"]   # optional, default all six
//   max_readings = 1         # optional, default 1: readings per channel per device per round
//   validation = "required"  # optional, default "required" (check every device's shares; Shamir
//                            # only) or "off" (trust the devices; the only choice for additive)
//
//   [[gateways]]
//   id = 0
//   host = "127.0.0.1"
//   peer_port = 7000
//   ingest_port = 7100
//   public_key = "<64 hex digits: the gateway's X25519 public key, either case>"
//
//   [[gateways]]
//   id = 1
//   host = "127.0.0.1"
//   peer_port = 7001
//   ingest_port = 7101
//   public_key = "<64 hex digits>"
//
//   [[gateways]]
//   id = 2
//   host = "127.0.0.1"
//   peer_port = 7002
//   ingest_port = 7102
//   public_key = "<64 hex digits>"
//
//   [[channels]]
//   name = "temperature"
//   frac_bits = 12           # optional, default 12
//   min = -40.0              # the plausible range of a reading
//   max = 125.0
//   alert_above = 30.0       # optional: count the readings above this
//
//   [gateway]                # only in a gateway's file
//   id = 0
//   secret_key = "gw0.key"   # relative paths are relative to the file's directory
//   enrolment = "enrolment.txt"
//   store = "gw0.db"
//   rounds = 0               # optional, default 0: run until SIGTERM; N: the N rounds from the
//                            # one the clock is in at start, then exit (as a device's rounds)
//
//   log_format = "text"      # optional: "text" (default) or "json" (JSON lines), on stderr
//   log_level = "info"       # optional: debug, info (default), warn or error
//   metrics = "127.0.0.1:9464"  # optional: serve /metrics (Prometheus) and /health there
//   results_file = "results.jsonl"  # optional: also append each round's result line here
//
//   [ingest]                 # optional, only in a gateway's file: also take submissions
//   mqtt = "mqtt://127.0.0.1:1883"   # through this MQTT broker (platform/gateway/mqtt_ingest.hpp)
//   username = "gw0"         # optional: the gateway's broker user
//   password_file = "gw0.mqtt"   # optional: its password (the file's first line), mode 0600
//   topic_prefix = "edgempc" # optional, default "edgempc"
//   workers = 1              # optional: connections sharing the subscription
//   # TLS, only with an mqtts://HOST:PORT URL (platform/mqtt_tls.hpp), each optional:
//   ca_file = "broker-ca.pem"        # the CA the broker's certificate chains to (else the system's)
//   cert_file = "gw0.crt"            # a client certificate and its key (both or neither)
//   key_file = "gw0.pem"
//   server_name = "broker.lan"       # the name the broker's certificate carries (else the URL's host)
//
//   [device]                 # only in a device's file
//   client_id = 7
//   secret_key = "dev7.key"  # relative to the file's directory
//   rounds = 0               # optional, default 0: run until SIGTERM; N: the N rounds from the
//                            # first it can submit in, then exit (as a gateway's rounds)
//
//   [uplink]                 # optional, only in a device's file: send through an MQTT broker
//   mqtt = "mqtt://127.0.0.1:1883"   # instead of to each gateway's ingest port
//   username = "kitchen-1"   # optional: the device's broker user (also its topic level)
//   password_file = "kitchen-1.mqtt" # optional
//   topic_prefix = "edgempc" # optional
//   ca_file, cert_file, key_file, server_name: TLS, as in [ingest]
//
// Statistic names: "count", "mean", "variance", "min", "max", "alerts".
//
// Errors (edgempc::error; what() begins with the source name, and names the key):
//   errc::malformed_message  a TOML syntax error ("source:line:col: description"), a missing
//                            required key or table, a key of the wrong type, an unknown key,
//                            threshold with "additive", a public key that is not 64 hex digits;
//   errc::out_of_range       an integer that does not fit its field (a port above 65535, a
//                            negative id, ...), or a float key's integer beyond 2^53;
//   errc::invalid_argument   an unknown scheme or statistic name, an empty path, and everything
//                            GroupConfig::validate() refuses (parse_group_config calls it);
//   errc::message_too_large  (load_*) a file above max_config_file_size (a group file too);
//   errc::invalid_argument   (load_*) a file that is missing or cannot be read (a group file:
//                            named with the process file and line that name it);
//   errc::malformed_message  group_file beside a group table, group_file or a process table in
//                            a group file, group_file given to parse_group_config.
// parse_gateway_local and parse_device_local read only their own table (and refuse unknown
// top-level keys); they do not check the group tables, and do not check that [gateway] id is
// one of the group's gateways: read the group with parse_group_config / load_group_config too.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "edgempc/error.hpp"
#include "edgempc/platform/config.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

/// load_* refuse files larger than this (1 MiB) with errc::message_too_large.
inline constexpr std::size_t max_config_file_size = std::size_t{1} << 20;

namespace detail::config_toml {

/// A user-supplied string made safe for an error message: control bytes become '?', and it is
/// cut at 64 bytes.
[[nodiscard]] inline std::string printable(std::string_view s) {
  constexpr std::size_t limit = 64;
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : s[i];
  }
  if (s.size() > limit) out += "...";
  return out;
}

[[nodiscard]] inline const char* type_name(toml::node_type t) noexcept {
  switch (t) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

[[nodiscard]] inline std::string join(std::string_view path, std::string_view key) {
  std::string out(path);
  if (!out.empty()) out += '.';
  out += printable(key);
  return out;
}

[[nodiscard]] inline std::string indexed(std::string_view path, std::size_t i) {
  return std::string(path) + '[' + std::to_string(i) + ']';
}

/// A parsed document and the typed, range-checked accessors the readers share.
class Reader {
 public:
  Reader(std::string_view text, const std::string& source) : source_(source), root_(parse(text)) {
    check_keys(root_, "", {"group_file", "group", "policy", "gateways", "channels", "gateway", "device", "ingest",
                           "uplink"});
  }

  [[nodiscard]] const toml::table& root() const noexcept { return root_; }

  [[noreturn]] void fail(errc code, const std::string& what, const toml::source_region& where = {}) const {
    std::string message = source_ + ": " + what;
    if (where.begin.line > 0) message += " (line " + std::to_string(where.begin.line) + ")";
    throw error(code, message);
  }

  /// Refuses every key of `t` that is not in `allowed`, naming it with its path.
  void check_keys(const toml::table& t, std::string_view path,
                  std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : t) {
      bool known = false;
      for (const auto a : allowed) known = known || key.str() == a;
      if (!known) fail(errc::malformed_message, "unknown key " + join(path, key.str()), key.source());
    }
  }

  /// The value of `key` in `t`, or nullptr.
  [[nodiscard]] static const toml::node* find(const toml::table& t, std::string_view key) noexcept {
    return t.get(key);
  }

  /// The value of `key` in `t`; errc::malformed_message if it is missing.
  [[nodiscard]] const toml::node& need(const toml::table& t, std::string_view path, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (n == nullptr)
      fail(errc::malformed_message, "missing key " + join(path, key), path.empty() ? toml::source_region{} : t.source());
    return *n;
  }

  [[noreturn]] void wrong_type(const toml::node& n, const std::string& path, const char* expected) const {
    fail(errc::malformed_message, path + ": expected " + expected + ", not " + type_name(n.type()), n.source());
  }

  [[nodiscard]] const toml::table& table(const toml::node& n, const std::string& path) const {
    const toml::table* t = n.as_table();
    if (t == nullptr) wrong_type(n, path, "a table");
    return *t;
  }

  [[nodiscard]] const toml::array& array(const toml::node& n, const std::string& path) const {
    const toml::array* a = n.as_array();
    if (a == nullptr) wrong_type(n, path, "an array");
    return *a;
  }

  [[nodiscard]] const std::string& string(const toml::node& n, const std::string& path) const {
    const toml::value<std::string>* v = n.as_string();
    if (v == nullptr) wrong_type(n, path, "a string");
    return v->get();
  }

  [[nodiscard]] std::int64_t integer(const toml::node& n, const std::string& path) const {
    const toml::value<std::int64_t>* v = n.as_integer();
    if (v == nullptr) wrong_type(n, path, "an integer");
    return v->get();
  }

  /// An integer that must fit T (unsigned): range-checked before it is narrowed.
  template <typename T>
  [[nodiscard]] T unsigned_integer(const toml::node& n, const std::string& path) const {
    static_assert(std::is_unsigned_v<T>);
    const std::int64_t v = integer(n, path);
    if (v < 0 || static_cast<std::uint64_t>(v) > std::uint64_t{std::numeric_limits<T>::max()})
      fail(errc::out_of_range,
           path + ": " + std::to_string(v) + " (0 to " + std::to_string(std::numeric_limits<T>::max()) + ")",
           n.source());
    return static_cast<T>(v);
  }

  /// A float; an integer is taken too if a double holds it exactly (|v| <= 2^53).
  [[nodiscard]] double floating(const toml::node& n, const std::string& path) const {
    if (const toml::value<double>* v = n.as_floating_point()) return v->get();
    if (const toml::value<std::int64_t>* v = n.as_integer()) {
      constexpr std::int64_t exact = std::int64_t{1} << 53;
      if (v->get() < -exact || v->get() > exact)
        fail(errc::out_of_range, path + ": " + std::to_string(v->get()) + " (integers as floats: |v| <= 2^53)",
             n.source());
      return static_cast<double>(v->get());
    }
    wrong_type(n, path, "a float");
  }

  /// A file path; a relative one is taken relative to base_dir.
  [[nodiscard]] std::filesystem::path file_path(const toml::node& n, const std::string& path,
                                                const std::filesystem::path& base_dir) const {
    const std::string& s = string(n, path);
    if (s.empty()) fail(errc::invalid_argument, path + ": empty path", n.source());
    std::filesystem::path p(std::u8string(s.begin(), s.end()));  // TOML strings are UTF-8
    return p.is_absolute() ? p : base_dir / p;
  }

  /// The table at top-level `key`; errc::malformed_message if it is missing or not a table.
  [[nodiscard]] const toml::table& top_table(std::string_view key) const {
    return table(need(root_, "", key), std::string(key));
  }

  /// What [ingest] and [uplink] share: the broker, credentials, prefix and TLS files. TLS keys
  /// with an mqtt:// URL are refused (the file says TLS in one place and not in the other).
  [[nodiscard]] MqttLocalConfig mqtt_table(const toml::table& t, const std::string& name,
                                           const std::filesystem::path& base_dir) const {
    MqttLocalConfig m;
    const toml::node& url = need(t, name, "mqtt");
    m.url = string(url, name + ".mqtt");
    if (const auto* u = find(t, "username")) m.username = string(*u, name + ".username");
    if (const auto* f = find(t, "password_file")) m.password_file = file_path(*f, name + ".password_file", base_dir);
    if (const auto* x = find(t, "topic_prefix")) m.topic_prefix = string(*x, name + ".topic_prefix");
    if (const auto* f = find(t, "ca_file")) m.ca_file = file_path(*f, name + ".ca_file", base_dir);
    if (const auto* f = find(t, "cert_file")) m.cert_file = file_path(*f, name + ".cert_file", base_dir);
    if (const auto* f = find(t, "key_file")) m.key_file = file_path(*f, name + ".key_file", base_dir);
    if (const auto* x = find(t, "server_name")) m.server_name = string(*x, name + ".server_name");
    if (m.cert_file.has_value() != m.key_file.has_value())
      fail(errc::invalid_argument, name + ": cert_file and key_file go together", t.source());
    if ((m.ca_file || m.cert_file || m.server_name) && !m.url.starts_with("mqtts://"))
      fail(errc::invalid_argument, name + ": ca_file, cert_file, key_file and server_name are TLS settings: they need an mqtts:// URL", url.source());
    return m;
  }

 private:
  [[nodiscard]] toml::table parse(std::string_view text) const {
#if TOML_EXCEPTIONS
    try {
      return toml::parse(text, std::string_view(source_));
    } catch (const toml::parse_error& e) {
      syntax_error(e);
    }
#else
    toml::parse_result result = toml::parse(text, std::string_view(source_));
    if (!result) syntax_error(result.error());
    return std::move(result).table();
#endif
  }

  [[noreturn]] void syntax_error(const toml::parse_error& e) const {
    throw error(errc::malformed_message, source_ + ":" + std::to_string(e.source().begin.line) + ":" +
                                             std::to_string(e.source().begin.column) + ": " +
                                             printable(e.description()));
  }

  std::string source_;
  toml::table root_;
};

[[nodiscard]] inline PublicKey parse_public_key(const Reader& r, const toml::node& n, const std::string& path,
                                                PartyId gateway) {
  const std::string& hex = r.string(n, path);
  PublicKey key{};
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  bool ok = hex.size() == 2 * key.size();
  for (std::size_t i = 0; ok && i < key.size(); ++i) {
    const int hi = digit(hex[2 * i]), lo = digit(hex[2 * i + 1]);
    ok = hi >= 0 && lo >= 0;
    key[i] = static_cast<std::uint8_t>(ok ? hi * 16 + lo : 0);
  }
  if (!ok)
    r.fail(errc::malformed_message,
           path + ": the public key of gateway " + std::to_string(gateway) + " is not " +
               std::to_string(2 * key.size()) + " hex digits",
           n.source());
  return key;
}

[[nodiscard]] inline Statistic parse_statistic(const Reader& r, const toml::node& n, const std::string& path) {
  const std::string& s = r.string(n, path);
  if (s == "count") return Statistic::count;
  if (s == "mean") return Statistic::mean;
  if (s == "variance") return Statistic::variance;
  if (s == "min") return Statistic::minimum;
  if (s == "max") return Statistic::maximum;
  if (s == "alerts") return Statistic::alerts;
  r.fail(errc::invalid_argument,
         path + ": unknown statistic \"" + printable(s) + "\" (count, mean, variance, min, max, alerts)",
         n.source());
}

/// The text of the config file at `path`, at most max_config_file_size bytes. `context` (e.g.
/// "gw0.toml: group_file (line 1): ") begins every error message.
[[nodiscard]] inline std::string read_file(const std::filesystem::path& path, const std::string& context = {}) {
  const auto cannot = [&](const std::string& why) {
    return error(errc::invalid_argument, context + "cannot read config file " + path.string() + ": " + why);
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw cannot("a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw cannot("cannot open it");
  std::string text;
  char buffer[16384];
  while (in) {
    in.read(buffer, sizeof buffer);
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_config_file_size)
      throw error(errc::message_too_large, context + "config file " + path.string() + ": larger than " +
                                               std::to_string(max_config_file_size) + " bytes");
  }
  if (in.bad()) throw cannot("read error");
  return text;
}

/// The group tables: in a group file, or in a single-file process configuration.
inline constexpr std::string_view group_tables[] = {"group", "policy", "gateways", "channels"};
/// The tables that belong to one process, never to a group file.
inline constexpr std::string_view process_tables[] = {"gateway", "device", "ingest", "uplink"};

/// The group file a process file names (group_file, resolved against base_dir), or nullopt for
/// a single-file configuration. Refuses group_file beside a group table.
[[nodiscard]] inline std::optional<std::filesystem::path> named_group_file(const Reader& r,
                                                                          const std::filesystem::path& base_dir) {
  const toml::node* n = Reader::find(r.root(), "group_file");
  if (n == nullptr) return std::nullopt;
  for (const std::string_view t : group_tables)
    if (const toml::node* g = Reader::find(r.root(), t))
      r.fail(errc::malformed_message,
             "group_file (line " + std::to_string(n->source().begin.line) + ") and the group table " +
                 std::string(t) + " both given: the group comes from one place; keep group_file and move " +
                 std::string(t) + " to the group file, or remove group_file",
             g->source());
  return r.file_path(*n, "group_file", base_dir);
}

/// Refuses what a group file must not hold: group_file (no chains) and the process tables.
inline void check_group_file(const Reader& r) {
  if (const toml::node* n = Reader::find(r.root(), "group_file"))
    r.fail(errc::malformed_message,
           "group_file in a group file: a group file holds the group tables itself and cannot name another",
           n->source());
  for (const std::string_view t : process_tables)
    if (const toml::node* n = Reader::find(r.root(), t))
      r.fail(errc::malformed_message,
             "[" + std::string(t) + "] in a group file: it belongs in the process's own file (the one naming "
             "this file with group_file)",
             n->source());
}

/// The group tables of a parsed document, checked by GroupConfig::validate().
[[nodiscard]] inline GroupConfig group_config(const Reader& r) {
  GroupConfig config;

  // [group]
  const toml::table& group = r.top_table("group");
  r.check_keys(group, "group",
               {"name", "scheme", "threshold", "domain", "round_ms", "epoch_ms", "peer_wait_ms"});
  if (const auto* n = r.find(group, "name")) config.name = r.string(*n, "group.name");
  const toml::node& scheme_node = r.need(group, "group", "scheme");
  const std::string& scheme = r.string(scheme_node, "group.scheme");
  if (scheme != "shamir" && scheme != "additive")
    r.fail(errc::invalid_argument,
           "group.scheme: unknown scheme \"" + printable(scheme) +
               "\" (\"shamir\" or \"additive\")",
           scheme_node.source());
  const bool shamir = scheme == "shamir";
  std::size_t threshold = 0;
  if (shamir) {
    threshold = r.unsigned_integer<std::size_t>(r.need(group, "group", "threshold"), "group.threshold");
  } else if (const auto* n = r.find(group, "threshold")) {
    r.fail(errc::malformed_message, "group.threshold: only for scheme \"shamir\"", n->source());
  }
  if (const auto* n = r.find(group, "domain")) config.domain = r.string(*n, "group.domain");
  config.round_length = std::chrono::milliseconds(r.integer(r.need(group, "group", "round_ms"), "group.round_ms"));
  config.epoch_ms = default_epoch_ms;
  if (const auto* n = r.find(group, "epoch_ms")) config.epoch_ms = r.integer(*n, "group.epoch_ms");
  if (const auto* n = r.find(group, "peer_wait_ms"))
    config.peer_wait = std::chrono::milliseconds(r.integer(*n, "group.peer_wait_ms"));

  // [policy]
  const toml::table& policy = r.top_table("policy");
  r.check_keys(policy, "policy", {"min_clients", "recipients", "reveal", "max_readings", "validation"});
  config.policy.min_clients =
      r.unsigned_integer<std::size_t>(r.need(policy, "policy", "min_clients"), "policy.min_clients");
  const toml::array& recipients = r.array(r.need(policy, "policy", "recipients"), "policy.recipients");
  for (std::size_t i = 0; i < recipients.size(); ++i)
    config.policy.recipients.push_back(r.unsigned_integer<PartyId>(*recipients.get(i), indexed("policy.recipients", i)));
  if (const auto* n = r.find(policy, "reveal")) {
    const toml::array& reveal = r.array(*n, "policy.reveal");
    config.policy.reveal.clear();
    for (std::size_t i = 0; i < reveal.size(); ++i)
      config.policy.reveal.push_back(
          parse_statistic(r, *reveal.get(i), indexed("policy.reveal", i)));
  }
  if (const auto* n = r.find(policy, "max_readings"))
    config.policy.max_readings = r.unsigned_integer<std::uint32_t>(*n, "policy.max_readings");
  if (const auto* n = r.find(policy, "validation")) {
    const std::string& v = r.string(*n, "policy.validation");
    if (v == "required") config.policy.validation = Validation::required;
    else if (v == "off") config.policy.validation = Validation::off;
    else r.fail(errc::invalid_argument, "policy.validation: \"" + printable(v) + "\" (required or off)", n->source());
  }

  // [[gateways]]
  const toml::array& gateways = r.array(r.need(r.root(), "", "gateways"), "gateways");
  for (std::size_t i = 0; i < gateways.size(); ++i) {
    const std::string path = indexed("gateways", i);
    const toml::table& t = r.table(*gateways.get(i), path);
    r.check_keys(t, path, {"id", "host", "peer_port", "ingest_port", "public_key"});
    GatewayInfo g;
    g.id = r.unsigned_integer<PartyId>(r.need(t, path, "id"), path + ".id");
    g.host = r.string(r.need(t, path, "host"), path + ".host");
    g.peer_port = r.unsigned_integer<std::uint16_t>(r.need(t, path, "peer_port"), path + ".peer_port");
    g.ingest_port = r.unsigned_integer<std::uint16_t>(r.need(t, path, "ingest_port"), path + ".ingest_port");
    g.public_key = parse_public_key(r, r.need(t, path, "public_key"), path + ".public_key", g.id);
    config.gateways.push_back(std::move(g));
  }
  config.scheme = shamir ? SplitScheme::shamir(threshold, config.gateways.size())
                         : SplitScheme::additive(config.gateways.size());

  // [[channels]]
  const toml::array& channels = r.array(r.need(r.root(), "", "channels"), "channels");
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const std::string path = indexed("channels", i);
    const toml::table& t = r.table(*channels.get(i), path);
    r.check_keys(t, path, {"name", "frac_bits", "min", "max", "alert_above"});
    ChannelConfig c;
    c.name = r.string(r.need(t, path, "name"), path + ".name");
    if (const auto* n = r.find(t, "frac_bits")) c.frac_bits = r.unsigned_integer<std::uint32_t>(*n, path + ".frac_bits");
    c.min = r.floating(r.need(t, path, "min"), path + ".min");
    c.max = r.floating(r.need(t, path, "max"), path + ".max");
    if (const auto* n = r.find(t, "alert_above")) c.alert_above = r.floating(*n, path + ".alert_above");
    config.channels.push_back(std::move(c));
  }

  config.validate();
  return config;
}

}  // namespace detail::config_toml

/// The group tables of a TOML document, checked by GroupConfig::validate(). `source` names the
/// document in error messages (a file name). A document with group_file is refused
/// (errc::malformed_message): load_group_config follows it.
[[nodiscard]] inline GroupConfig parse_group_config(std::string_view toml_text, const std::string& source = "config") {
  const detail::config_toml::Reader r(toml_text, source);
  if (const toml::node* n = detail::config_toml::Reader::find(r.root(), "group_file"))
    r.fail(errc::malformed_message,
           "group_file: this document names its group file; read it with load_group_config, which follows "
           "group_file from the file's directory",
           n->source());
  return detail::config_toml::group_config(r);
}

/// The [gateway] table of a TOML document; relative paths are taken relative to base_dir (the
/// directory of the file).
[[nodiscard]] inline GatewayLocalConfig parse_gateway_local(std::string_view toml_text,
                                                            const std::filesystem::path& base_dir,
                                                            const std::string& source = "config") {
  const detail::config_toml::Reader r(toml_text, source);
  const toml::table& t = r.top_table("gateway");
  r.check_keys(t, "gateway", {"id", "secret_key", "enrolment", "store", "rounds", "retain_rounds", "max_connections",
                              "max_per_address", "idle_timeout_ms", "request_timeout_ms", "log_format", "log_level",
                              "metrics", "results_file"});
  GatewayLocalConfig local;
  local.id = r.unsigned_integer<PartyId>(r.need(t, "gateway", "id"), "gateway.id");
  local.secret_key = r.file_path(r.need(t, "gateway", "secret_key"), "gateway.secret_key", base_dir);
  local.enrolment = r.file_path(r.need(t, "gateway", "enrolment"), "gateway.enrolment", base_dir);
  local.store = r.file_path(r.need(t, "gateway", "store"), "gateway.store", base_dir);
  if (const auto* n = r.find(t, "rounds")) local.rounds = r.unsigned_integer<std::uint32_t>(*n, "gateway.rounds");
  if (const auto* n = r.find(t, "retain_rounds"))
    local.retain_rounds = r.unsigned_integer<std::uint32_t>(*n, "gateway.retain_rounds");
  if (const auto* n = r.find(t, "max_connections"))
    local.max_connections = r.unsigned_integer<std::uint32_t>(*n, "gateway.max_connections");
  if (const auto* n = r.find(t, "max_per_address"))
    local.max_per_address = r.unsigned_integer<std::uint32_t>(*n, "gateway.max_per_address");
  if (const auto* n = r.find(t, "idle_timeout_ms"))
    local.idle_timeout_ms = r.unsigned_integer<std::uint32_t>(*n, "gateway.idle_timeout_ms");
  if (const auto* n = r.find(t, "request_timeout_ms"))
    local.request_timeout_ms = r.unsigned_integer<std::uint32_t>(*n, "gateway.request_timeout_ms");
  if (const auto* n = r.find(t, "log_format")) {
    local.log_format = r.string(*n, "gateway.log_format");
    if (local.log_format != "text" && local.log_format != "json")
      r.fail(errc::invalid_argument, "gateway.log_format: \"" + local.log_format + "\" (text or json)", n->source());
  }
  if (const auto* n = r.find(t, "log_level")) {
    local.log_level = r.string(*n, "gateway.log_level");
    if (local.log_level != "debug" && local.log_level != "info" && local.log_level != "warn" && local.log_level != "error")
      r.fail(errc::invalid_argument, "gateway.log_level: \"" + local.log_level + "\" (debug, info, warn or error)", n->source());
  }
  if (const auto* n = r.find(t, "metrics")) {
    local.metrics = r.string(*n, "gateway.metrics");
    const auto colon = local.metrics->rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == local.metrics->size())
      r.fail(errc::invalid_argument, "gateway.metrics: \"" + *local.metrics + "\" (HOST:PORT, e.g. 127.0.0.1:9464)", n->source());
  }
  if (const auto* n = r.find(t, "results_file")) local.results_file = r.file_path(*n, "gateway.results_file", base_dir);
  if (const auto* n = r.find(r.root(), "ingest")) {
    const toml::table& in = r.table(*n, "ingest");
    r.check_keys(in, "ingest", {"mqtt", "username", "password_file", "topic_prefix", "workers", "ca_file", "cert_file", "key_file", "server_name"});
    MqttLocalConfig m = r.mqtt_table(in, "ingest", base_dir);
    if (const auto* w = r.find(in, "workers")) m.workers = r.unsigned_integer<std::uint32_t>(*w, "ingest.workers");
    local.mqtt = std::move(m);
  }
  return local;
}

/// The [device] table of a TOML document; a relative secret_key is taken relative to base_dir.
[[nodiscard]] inline DeviceLocalConfig parse_device_local(std::string_view toml_text,
                                                          const std::filesystem::path& base_dir,
                                                          const std::string& source = "config") {
  const detail::config_toml::Reader r(toml_text, source);
  const toml::table& t = r.top_table("device");
  r.check_keys(t, "device", {"client_id", "secret_key", "rounds"});
  DeviceLocalConfig local;
  local.client_id = r.unsigned_integer<ClientId>(r.need(t, "device", "client_id"), "device.client_id");
  local.secret_key = r.file_path(r.need(t, "device", "secret_key"), "device.secret_key", base_dir);
  if (const auto* n = r.find(t, "rounds")) local.rounds = r.unsigned_integer<std::uint32_t>(*n, "device.rounds");
  if (const auto* n = r.find(r.root(), "uplink")) {
    const toml::table& up = r.table(*n, "uplink");
    r.check_keys(up, "uplink", {"mqtt", "username", "password_file", "topic_prefix", "ca_file", "cert_file", "key_file", "server_name"});
    local.mqtt = r.mqtt_table(up, "uplink", base_dir);
  }
  return local;
}

/// The broker password of an [ingest] or [uplink] table: the first line of its password_file
/// (nullopt without one). errc::invalid_argument for a missing or unreadable file or an empty
/// first line.
[[nodiscard]] inline std::optional<std::string> load_mqtt_password(const MqttLocalConfig& m) {
  if (!m.password_file) return std::nullopt;
  const std::string text = detail::config_toml::read_file(*m.password_file);
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) throw error(errc::invalid_argument, m.password_file->string() + ": an empty MQTT password");
  return line;
}

/// The file that holds the group tables for the process file at `path`: the group file it names
/// with group_file (resolved against its directory; not read here), or `path` itself.
[[nodiscard]] inline std::filesystem::path group_file_of(const std::filesystem::path& path) {
  const detail::config_toml::Reader r(detail::config_toml::read_file(path), path.string());
  return detail::config_toml::named_group_file(r, path.parent_path()).value_or(path);
}

/// The group of the process file at `path`: from the group file its group_file names (relative
/// to its directory), else from its own group tables. Each file at most max_config_file_size
/// bytes; errors name the file, and for a group file that cannot be read, the key's line too.
[[nodiscard]] inline GroupConfig load_group_config(const std::filesystem::path& path) {
  namespace cfg = detail::config_toml;
  const cfg::Reader r(cfg::read_file(path), path.string());
  const std::optional<std::filesystem::path> group_path = cfg::named_group_file(r, path.parent_path());
  if (!group_path) return cfg::group_config(r);
  const toml::node& key = *cfg::Reader::find(r.root(), "group_file");
  const std::string context = path.string() + ": group_file \"" + cfg::printable(key.value_or(std::string_view{})) +
                              "\" (line " + std::to_string(key.source().begin.line) + "): ";
  const cfg::Reader g(cfg::read_file(*group_path, context), group_path->string());
  cfg::check_group_file(g);
  return cfg::group_config(g);
}

/// parse_gateway_local on the file at `path`, relative paths taken from the file's directory.
[[nodiscard]] inline GatewayLocalConfig load_gateway_local(const std::filesystem::path& path) {
  return parse_gateway_local(detail::config_toml::read_file(path), path.parent_path(), path.string());
}

/// parse_device_local on the file at `path`, a relative secret_key taken from the file's directory.
[[nodiscard]] inline DeviceLocalConfig load_device_local(const std::filesystem::path& path) {
  return parse_device_local(detail::config_toml::read_file(path), path.parent_path(), path.string());
}

}  // namespace platform
EDGEMPC_END_NAMESPACE
