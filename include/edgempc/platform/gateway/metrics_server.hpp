// SPDX-License-Identifier: Apache-2.0
// MetricsServer: a gateway's health and metrics endpoint, plain HTTP/1.1 (RFC 9112) on a local
// port, for Prometheus and the like to scrape:
//   GET /metrics   200, text/plain; version=0.0.4: the Prometheus text format (metrics.hpp)
//   GET /health    200, application/json: {"status":"ok",...} while the gateway serves
//   HEAD           the same headers without a body
//   other paths 404, other methods 405, an unparsable request 400; every answer closes the
//   connection (Connection: close), so there is no keep-alive state to bound.
//
// Threat and bounds: the endpoint reveals counts, never shares or results, but it is meant for a
// local port (127.0.0.1 by default) or a monitoring network, not the Internet: it has no TLS and
// no authentication. Whoever reaches it is bounded: a request head of at most 8 KiB (longer: 400
// and closed), `timeout` (5 s) from accept to the answer sent (a slow sender is cut off), at most
// `max_connections` (8) at once (more are closed at once), and one I/O thread that never blocks
// on anything but the provider callbacks.
//
// The providers are called on the server's thread for each request and must be thread-safe
// (Gateway::metrics() is). Errors: the constructor throws errc::invalid_argument if the address
// does not parse or cannot be bound.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

struct MetricsServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: any free port (port() says which)
  std::size_t max_connections = 8;
  std::chrono::milliseconds timeout{5000};  ///< accept to answer sent
  std::size_t max_request = 8192;           ///< bytes of the request head
};

class MetricsServer {
 public:
  using Provider = std::function<std::string()>;

  /// Listens and starts the I/O thread. `metrics` gives the /metrics body; `health` the /health
  /// JSON body.
  MetricsServer(MetricsServerOptions options, Provider metrics, Provider health)
      : options_(std::move(options)), metrics_(std::move(metrics)), health_(std::move(health)), acceptor_(io_) {
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(options_.host, ec);
    if (ec) throw error(errc::invalid_argument, "metrics: '" + options_.host + "' is not an IP address");
    const boost::asio::ip::tcp::endpoint at(address, options_.port);
    acceptor_.open(at.protocol(), ec);
    if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(at, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw error(errc::invalid_argument,
                  "metrics: cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  ~MetricsServer() {
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /// Requests answered and connections closed unanswered (over the limit, too slow, too long).
  [[nodiscard]] std::uint64_t answered() const noexcept { return answered_.load(); }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_.load(); }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(MetricsServer& s, boost::asio::ip::tcp::socket sock)
        : server(s), socket(std::move(sock)), timer(s.io_), request(s.options_.max_request) {}
    ~Session() { --server.open_; }

    void start() {
      timer.expires_after(server.options_.timeout);
      timer.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
        if (!e) {
          ++self->server.dropped_;
          boost::system::error_code ignored;
          self->socket.close(ignored);
        }
      });
      boost::asio::async_read_until(socket, request, "\r\n\r\n",
                                    [self = shared_from_this()](const boost::system::error_code& e, std::size_t) {
                                      if (e) {
                                        // Too long (the streambuf's limit) is a 400; anything else ends it.
                                        if (e == boost::asio::error::not_found) return self->answer(400, "text/plain", "request too long\n", true);
                                        self->finish();
                                        return;
                                      }
                                      self->respond();
                                    });
    }

    void respond() {
      const auto data = request.data();
      const std::string head(boost::asio::buffers_begin(data), boost::asio::buffers_end(data));
      const auto line_end = head.find("\r\n");
      const std::string line = head.substr(0, line_end);
      const auto sp1 = line.find(' ');
      const auto sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
      if (sp2 == std::string::npos || !line.substr(sp2 + 1).starts_with("HTTP/1."))
        return answer(400, "text/plain", "bad request\n", false);
      const std::string method = line.substr(0, sp1);
      std::string path = line.substr(sp1 + 1, sp2 - sp1 - 1);
      if (const auto q = path.find('?'); q != std::string::npos) path.resize(q);
      const bool head_only = method == "HEAD";
      if (method != "GET" && !head_only) return answer(405, "text/plain", "only GET and HEAD\n", head_only);
      try {
        if (path == "/metrics") return answer(200, "text/plain; version=0.0.4; charset=utf-8", server.metrics_(), head_only);
        if (path == "/health") return answer(200, "application/json", server.health_(), head_only);
      } catch (const std::exception& e) {
        return answer(500, "text/plain", std::string("error: ") + e.what() + "\n", head_only);
      }
      answer(404, "text/plain", "not found: /metrics or /health\n", head_only);
    }

    void answer(int code, const char* type, std::string body, bool head_only) {
      const char* reason = code == 200 ? "OK" : code == 400 ? "Bad Request" : code == 404 ? "Not Found"
                                              : code == 405 ? "Method Not Allowed" : "Internal Server Error";
      response = "HTTP/1.1 " + std::to_string(code) + " " + reason + "\r\nContent-Type: " + type +
                 "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
                 (code == 405 ? "Allow: GET, HEAD\r\n" : "") + "\r\n";
      if (!head_only) response += body;
      boost::asio::async_write(socket, boost::asio::buffer(response),
                               [self = shared_from_this()](const boost::system::error_code& e, std::size_t) {
                                 if (!e) ++self->server.answered_;
                                 self->finish();
                               });
    }

    void finish() {
      boost::system::error_code ignored;
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      timer.cancel();
    }

    MetricsServer& server;
    boost::asio::ip::tcp::socket socket;
    boost::asio::steady_timer timer;
    boost::asio::streambuf request;
    std::string response;
  };

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& e, boost::asio::ip::tcp::socket s) {
      if (e == boost::asio::error::operation_aborted) return;
      if (!e) {
        if (open_ >= options_.max_connections) {
          ++dropped_;
          boost::system::error_code ignored;
          s.close(ignored);
        } else {
          ++open_;
          std::make_shared<Session>(*this, std::move(s))->start();
        }
        accept();
        return;
      }
      // EMFILE and the like: try again shortly rather than spin.
      auto t = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::milliseconds(100));
      t->async_wait([this, t](const boost::system::error_code&) { accept(); });
    });
  }

  MetricsServerOptions options_;
  Provider metrics_;
  Provider health_;
  // Before io_: sessions still queued in io_ when it is destroyed count themselves out here.
  std::size_t open_ = 0;  // the I/O thread's only
  std::atomic<std::uint64_t> answered_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::uint16_t port_ = 0;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
