// SPDX-License-Identifier: Apache-2.0
// The operators' view of a gateway: structured log records (platform/log.hpp), the Prometheus
// text exposition (platform/gateway/metrics.hpp) checked against the format's grammar by a small
// parser here, and the HTTP endpoint (platform/gateway/metrics_server.hpp) with a real client
// over 127.0.0.1, including the requests an attacker would send.
#include <catch2/catch.hpp>

#include <edgempc/platform/gateway/metrics.hpp>
#include <edgempc/platform/gateway/metrics_server.hpp>
#include <edgempc/platform/log.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

using namespace edgempc;
using namespace edgempc::platform;

namespace {

/// A logger writing into `lines`, its clock fixed at `ms`.
Logger capture(std::vector<std::string>& lines, LogFormat format, LogLevel level = LogLevel::info, std::int64_t ms = 1765147263512) {
  Logger::Options o;
  o.format = format;
  o.level = level;
  o.source = "gateway 0";
  o.clock = [ms] { return ms; };
  return Logger([&lines](std::string_view l) { lines.emplace_back(l); }, o);
}

}  // namespace

TEST_CASE("log records in text: time, level, source, event, fields, message", "[platform]") {
  std::vector<std::string> lines;
  const Logger log = capture(lines, LogFormat::text);
  log.info("round", {{"round", 7u}, {"status", "published"}, {"seconds", 0.25}, {"ok", true}, {"delta", -3}}, "all three");
  log.warn("mqtt", {}, "broker lost");
  log.error("store", {{"file", "my store.db"}, {"why", "a=b \"q\"\nnext"}});
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "2025-12-07T22:41:03.512Z info  gateway 0 round round=7 status=published seconds=0.25 ok=true delta=-3 | all three");
  CHECK(lines[1] == "2025-12-07T22:41:03.512Z warn  gateway 0 mqtt: broker lost");
  // Values with spaces, '=' or quotes are quoted; control characters become spaces: one line.
  CHECK(lines[2] == "2025-12-07T22:41:03.512Z error gateway 0 store file=\"my store.db\" why=\"a=b \\\"q\\\" next\"");
}

TEST_CASE("log records as JSON lines: escaped strings, exact numbers, null for what JSON lacks", "[platform]") {
  std::vector<std::string> lines;
  const Logger log = capture(lines, LogFormat::json);
  log.info("round", {{"round", std::numeric_limits<std::uint64_t>::max()}, {"min", std::numeric_limits<std::int64_t>::min()},
                     {"mean", 0.1}, {"nan", std::nan("")}, {"inf", -HUGE_VAL}, {"name", "a\"b\\c\x01"}},
           "line\nbreak");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] ==
        "{\"ts\":\"2025-12-07T22:41:03.512Z\",\"level\":\"info\",\"source\":\"gateway 0\",\"event\":\"round\","
        "\"round\":18446744073709551615,\"min\":-9223372036854775808,\"mean\":0.1,\"nan\":null,\"inf\":null,"
        "\"name\":\"a\\\"b\\\\c\\u0001\",\"message\":\"line\\u000abreak\"}");
  // Doubles in their shortest exact form, never 17 digits of noise.
  CHECK(shortest_number(22.5) == "22.5");
  CHECK(shortest_number(1.0 / 3) == "0.3333333333333333");
  CHECK(shortest_number(1e300) == "1e+300");
}

TEST_CASE("log levels filter records, and levels and formats parse", "[platform]") {
  std::vector<std::string> lines;
  const Logger log = capture(lines, LogFormat::text, LogLevel::warn);
  log.debug("a", {});
  log.info("b", {});
  log.warn("c", {});
  log.error("d", {});
  CHECK(lines.size() == 2);
  CHECK_FALSE(log.enabled(LogLevel::info));
  CHECK(parse_log_level("debug") == LogLevel::debug);
  CHECK(parse_log_level("error") == LogLevel::error);
  CHECK(parse_log_format("json") == LogFormat::json);
  CHECK_THROWS_AS(parse_log_level("verbose"), error);
  CHECK_THROWS_AS(parse_log_format("xml"), error);
  // A plain-line callback writes records of its event and level.
  lines.clear();
  log.lines(LogLevel::warn, "ingest")("cannot accept connections");
  log.lines(LogLevel::info, "ingest")("dropped: below the level");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].ends_with("warn  gateway 0 ingest: cannot accept connections"));
}

TEST_CASE("log time stamps are RFC 3339 UTC with milliseconds", "[platform]") {
  CHECK(rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(rfc3339_ms(951782400999) == "2000-02-29T00:00:00.999Z");
  CHECK(rfc3339_ms(-1) == "1969-12-31T23:59:59.999Z");
}

TEST_CASE("log records from many threads never interleave", "[platform]") {
  std::vector<std::string> lines;
  const Logger log = capture(lines, LogFormat::json);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        for (int i = 0; i < 500; ++i) log.info("tick", {{"thread", t}, {"i", i}, {"pad", std::string(100, 'x')}});
      });
  }
  REQUIRE(lines.size() == 2000);
  std::set<std::pair<int, int>> seen;
  const std::string head = "{\"ts\":\"2025-12-07T22:41:03.512Z\",\"level\":\"info\",\"source\":\"gateway 0\",\"event\":\"tick\",\"thread\":";
  const std::string tail = ",\"pad\":\"" + std::string(100, 'x') + "\"}";
  for (const auto& l : lines) {
    INFO(l);
    REQUIRE(l.starts_with(head));
    REQUIRE(l.ends_with(tail));
    const std::string middle = l.substr(head.size(), l.size() - head.size() - tail.size());  // T,"i":I
    const auto comma = middle.find(",\"i\":");
    REQUIRE(comma != std::string::npos);
    seen.emplace(std::stoi(middle.substr(0, comma)), std::stoi(middle.substr(comma + 5)));
  }
  CHECK(seen.size() == 2000);
}

namespace {

/// A Prometheus text-format reader: checks every line against the exposition grammar (comment
/// lines HELP/TYPE before a metric's samples, one TYPE per metric, sample names of the metric or
/// its histogram suffixes, label values quoted, numeric values) and returns the samples as
/// "name{labels}" -> value.
bool metric_name(std::string_view n) {
  if (n.empty() || std::isdigit(static_cast<unsigned char>(n[0]))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':'; });
}

std::map<std::string, double> parse_prometheus(const std::string& text) {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  REQUIRE((!text.empty() && text.back() == '\n'));
  std::istringstream in(text);
  std::string line, current;
  while (std::getline(in, line)) {
    INFO(line);
    if (line.starts_with("# HELP ")) {
      const auto sp = line.find(' ', 7);
      REQUIRE(sp != std::string::npos);
      CHECK(metric_name(line.substr(7, sp - 7)));
      CHECK(sp + 1 < line.size());  // a help text
      continue;
    }
    if (line.starts_with("# TYPE ")) {
      const auto sp = line.find(' ', 7);
      REQUIRE(sp != std::string::npos);
      const std::string name = line.substr(7, sp - 7), type = line.substr(sp + 1);
      CHECK(metric_name(name));
      CHECK((type == "counter" || type == "gauge" || type == "histogram"));
      REQUIRE(types.count(name) == 0);  // one TYPE per metric
      types[name] = type;
      current = name;
      continue;
    }
    // name{k="v",...} value
    const auto brace = line.find('{');
    const auto close = line.find("} ");
    REQUIRE(brace != std::string::npos);
    REQUIRE(close != std::string::npos);
    const std::string name = line.substr(0, brace);
    CHECK(metric_name(name));
    const std::string labels = line.substr(brace + 1, close - brace - 1);
    std::size_t at = 0;
    while (at < labels.size()) {  // k="v" pairs, values without quotes or backslashes
      const auto eq = labels.find("=\"", at);
      REQUIRE(eq != std::string::npos);
      CHECK(metric_name(labels.substr(at, eq - at)));
      const auto end = labels.find('"', eq + 2);
      REQUIRE(end != std::string::npos);
      CHECK(labels.substr(eq + 2, end - eq - 2).find('\\') == std::string::npos);
      at = end + 1;
      if (at < labels.size()) {
        REQUIRE(labels[at] == ',');
        ++at;
      }
    }
    const bool ours = name == current || (types[current] == "histogram" && (name == current + "_bucket" || name == current + "_sum" ||
                                                                            name == current + "_count"));
    CHECK(ours);
    const std::string value = line.substr(close + 2);
    std::size_t used = 0;
    const double v = std::stod(value, &used);
    CHECK(used == value.size());
    samples[line.substr(0, close + 1)] = v;
  }
  return samples;
}

}  // namespace

TEST_CASE("gateway metrics in the Prometheus text format: counters, a cumulative histogram, gauges", "[platform]") {
  GatewayMetrics m;
  for (int i = 0; i < 5; ++i) m.count(IngestCode::accepted);
  m.count(IngestCode::forged);
  m.count(IngestCode::malformed);
  m.count(IngestCode::malformed);
  RoundReport r;
  r.round = 41, r.status = RoundStatus::published, r.contributors = 5, r.seconds = 0.05;  // on a bucket's bound
  m.round_finished(r);
  r.round = 42, r.status = RoundStatus::failed, r.contributors = 0, r.seconds = 61;  // beyond the last bound
  r.rejected = {RejectedClient{3, Rejection::out_of_range}, RejectedClient{4, Rejection::inconsistent_shares}};
  m.round_finished(r);
  r.round = 40, r.status = RoundStatus::withheld, r.seconds = 0.3, r.rejected.clear();  // late: not the newest
  m.round_finished(r);
  GatewaySnapshot s = m.snapshot();
  s.gateway = 2;
  s.ingest.accepted = 9, s.ingest.refused_total = 3, s.ingest.open = 1;
  s.store_bytes = 123456;
  s.start_time = 1765147263.5;
  const auto got = parse_prometheus(to_prometheus(s));
  const auto at = [&](const std::string& k) {
    INFO(k);
    REQUIRE(got.count(k) == 1);
    return got.at(k);
  };
  CHECK(at(R"(edgempc_gateway_submissions_total{gateway="2",code="accepted"})") == 5);
  CHECK(at(R"(edgempc_gateway_submissions_total{gateway="2",code="forged"})") == 1);
  CHECK(at(R"(edgempc_gateway_submissions_total{gateway="2",code="malformed"})") == 2);
  CHECK(at(R"(edgempc_gateway_submissions_total{gateway="2",code="stale"})") == 0);
  CHECK(at(R"(edgempc_gateway_rounds_total{gateway="2",status="published"})") == 1);
  CHECK(at(R"(edgempc_gateway_rounds_total{gateway="2",status="withheld"})") == 1);
  CHECK(at(R"(edgempc_gateway_rounds_total{gateway="2",status="failed"})") == 1);
  CHECK(at(R"(edgempc_gateway_round_duration_seconds_bucket{gateway="2",le="0.05"})") == 1);  // le: at most
  CHECK(at(R"(edgempc_gateway_round_duration_seconds_bucket{gateway="2",le="0.25"})") == 1);
  CHECK(at(R"(edgempc_gateway_round_duration_seconds_bucket{gateway="2",le="0.5"})") == 2);
  CHECK(at(R"(edgempc_gateway_round_duration_seconds_bucket{gateway="2",le="60"})") == 2);
  CHECK(at(R"(edgempc_gateway_round_duration_seconds_bucket{gateway="2",le="+Inf"})") == 3);
  CHECK(at(R"(edgempc_gateway_round_duration_seconds_count{gateway="2"})") == 3);
  CHECK(at(R"(edgempc_gateway_round_duration_seconds_sum{gateway="2"})") == Approx(61.35));
  CHECK(at(R"(edgempc_gateway_last_round{gateway="2"})") == 42);
  CHECK(at(R"(edgempc_gateway_last_round_status{gateway="2"})") == 3);
  CHECK(at(R"(edgempc_gateway_rejected_clients_total{gateway="2"})") == 2);
  CHECK(at(R"(edgempc_gateway_ingest_connections_total{gateway="2",outcome="refused_limit"})") == 3);
  CHECK(at(R"(edgempc_gateway_ingest_connections_open{gateway="2"})") == 1);
  CHECK(at(R"(edgempc_gateway_store_bytes{gateway="2"})") == 123456);
  CHECK(at(R"(edgempc_gateway_start_time_seconds{gateway="2"})") == 1765147263.5);
  CHECK(got.count(R"(edgempc_gateway_mqtt_messages_total{gateway="2"})") == 0);  // no MQTT ingest
  // The histogram's buckets never decrease.
  double previous = 0;
  for (const double b : round_duration_buckets) {
    const double v = at(R"(edgempc_gateway_round_duration_seconds_bucket{gateway="2",le=")" + shortest_number(b) + "\"}");
    CHECK(v >= previous);
    previous = v;
  }
  // Before any round: no last-round gauges, and still well-formed.
  const auto empty = parse_prometheus(to_prometheus(GatewaySnapshot{}));
  CHECK(empty.count(R"(edgempc_gateway_last_round{gateway="0"})") == 0);
  s.mqtt = MqttIngestCounters{};
  s.mqtt->messages = 7;
  CHECK(parse_prometheus(to_prometheus(s)).at(R"(edgempc_gateway_mqtt_messages_total{gateway="2"})") == 7);
}

namespace {

struct HttpReply {
  int status = 0;
  std::string head, body;
  bool closed_at_once = false;
};

/// Sends `request` and reads until the server closes (each answer closes the connection).
HttpReply http(std::uint16_t port, const std::string& request) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket s(io);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  if (!request.empty()) boost::asio::write(s, boost::asio::buffer(request), ec);
  std::string all;
  char buf[4096];
  for (;;) {
    const std::size_t n = s.read_some(boost::asio::buffer(buf), ec);
    all.append(buf, n);
    if (ec) break;
  }
  HttpReply r;
  const auto end = all.find("\r\n\r\n");
  if (end == std::string::npos) {
    r.closed_at_once = all.empty();
    return r;
  }
  r.head = all.substr(0, end);
  r.body = all.substr(end + 4);
  r.status = std::stoi(r.head.substr(9, 3));
  return r;
}

}  // namespace

TEST_CASE("the metrics endpoint answers GET and HEAD, and refuses what is not for it", "[platform]") {
  std::atomic<int> scrapes{0};
  MetricsServer server({}, [&] { return "edgempc_gateway_x{gateway=\"0\"} " + std::to_string(++scrapes) + "\n"; },
                       [] { return std::string("{\"status\":\"ok\"}"); });
  REQUIRE(server.port() != 0);
  auto r = http(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(r.status == 200);
  CHECK(r.head.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
  CHECK(r.head.find("Content-Length: " + std::to_string(r.body.size())) != std::string::npos);
  CHECK(r.body == "edgempc_gateway_x{gateway=\"0\"} 1\n");
  r = http(server.port(), "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
  CHECK(r.body == "edgempc_gateway_x{gateway=\"0\"} 2\n");
  r = http(server.port(), "HEAD /metrics HTTP/1.1\r\n\r\n");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  r = http(server.port(), "GET /health HTTP/1.1\r\n\r\n");
  CHECK(r.status == 200);
  CHECK(r.body == "{\"status\":\"ok\"}");
  CHECK(http(server.port(), "GET /secrets HTTP/1.1\r\n\r\n").status == 404);
  r = http(server.port(), "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  CHECK(r.status == 405);
  CHECK(r.head.find("Allow: GET, HEAD") != std::string::npos);
  CHECK(http(server.port(), "hello\r\n\r\n").status == 400);
  CHECK(http(server.port(), "GET /metrics SMTP/1.0\r\n\r\n").status == 400);
  // A head longer than 8 KiB: refused, not buffered without bound.
  CHECK(http(server.port(), "GET /metrics HTTP/1.1\r\nX: " + std::string(10000, 'a') + "\r\n\r\n").status == 400);
  CHECK(server.answered() >= 9);
}

TEST_CASE("the metrics endpoint cuts off a silent client and holds few connections", "[platform]") {
  MetricsServerOptions o;
  o.timeout = std::chrono::milliseconds(300);
  o.max_connections = 2;
  MetricsServer server(o, [] { return std::string("m 1\n"); }, [] { return std::string("{}"); });
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> idle;
  for (int i = 0; i < 2; ++i) {
    idle.emplace_back(io);
    idle.back().connect({boost::asio::ip::make_address("127.0.0.1"), server.port()});
  }
  // Wait until the server counts them (it accepts on its own thread): a third is closed at once.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  HttpReply third;
  do third = http(server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  while (third.status == 200 && std::chrono::steady_clock::now() < until);
  CHECK(third.closed_at_once);
  // The idle ones are closed by the server after its timeout (the read sees the end).
  for (auto& s : idle) {
    char c;
    boost::system::error_code ec;
    (void)s.read_some(boost::asio::buffer(&c, 1), ec);
    CHECK(ec == boost::asio::error::eof);
  }
  CHECK(server.dropped() >= 3);
  // And it serves again.
  CHECK(http(server.port(), "GET /metrics HTTP/1.1\r\n\r\n").status == 200);
}

TEST_CASE("the metrics endpoint answers 500 when its provider throws, and refuses a bad address", "[platform]") {
  MetricsServer server({}, []() -> std::string { throw std::runtime_error("store gone"); }, [] { return std::string("{}"); });
  const auto r = http(server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  CHECK(r.status == 500);
  CHECK(r.body.find("store gone") != std::string::npos);
  MetricsServerOptions bad;
  bad.host = "not-an-address";
  CHECK_THROWS_AS(MetricsServer(bad, [] { return std::string(); }, [] { return std::string(); }), error);
}
