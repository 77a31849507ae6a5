// SPDX-License-Identifier: Apache-2.0
// TcpIngest: a gateway's ingest port. It frames the requests of platform/ingest.hpp's wire
// format off TCP connections and hands each batch of complete frames to a handler (the
// gateway's intake), which appends one 8-byte reply per frame; it knows nothing of rounds,
// stores or keys.
//
// Threat: anyone who can reach the port may connect, send garbage, hold connections open,
// trickle bytes or never read the replies. What bounds the damage:
//   - at most `max_connections` connections at once, and at most `max_per_address` from one
//     source address; a connection over either limit is accepted and closed at once (which frees
//     its descriptor, so the backlog never fills with connections the gateway cannot serve);
//   - a connection with no request under way is closed after `idle_timeout`; a request (from
//     its first byte until its reply is written) must complete within `request_timeout`, so a
//     sender that trickles one byte at a time, or a client that never reads, is cut off;
//   - when accept() fails for lack of descriptors (EMFILE, ENFILE) or memory, the port pauses
//     accepting for `accept_backoff` instead of spinning on the error, and logs once per
//     episode; nothing of it escapes to the caller;
//   - a connection's buffer starts at 8 KiB (every request fits) and grows, to 64 KiB at most,
//     only when a client fills it by pipelining (then it keeps that size, so each handler call,
//     one store transaction, takes many frames): an idle connection costs about 5 KiB of heap,
//     one that pipelined at most about 70 KiB (32 MiB for 512 such connections).
// A frame of a bad length or a handler that returns false closes the connection: a peer that
// cannot frame its requests cannot be answered request by request.
//
// Threads: one I/O thread, started by the constructor and joined by the destructor; the handler
// runs on it (it may use its own workers). Many sources behind one NAT share one address's limit:
// raise max_per_address for such a deployment.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/error.hpp"
#include "edgempc/platform/ingest.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

namespace detail::ingest {

/// Splits `buffer` into the bodies of its complete frames (u32 length, then that many bytes),
/// appended to `frames` as views into `buffer`; returns how many bytes they took, or nullopt
/// for a frame of a bad length (0, or above max_request_size), which cannot be framed at all.
/// A trailing partial frame is left for the next read. No socket: fuzzed (fuzz/fuzz_ingest.cpp).
[[nodiscard]] inline std::optional<std::size_t> split_frames(std::span<const std::uint8_t> buffer,
                                                             std::vector<std::span<const std::uint8_t>>& frames) {
  std::size_t at = 0;
  while (buffer.size() - at >= 4) {
    const std::uint32_t length = edgempc::detail::load_le<std::uint32_t>(buffer.data() + at);
    if (length == 0 || length > max_request_size) return std::nullopt;
    if (buffer.size() - at - 4 < length) break;
    frames.push_back(buffer.subspan(at + 4, length));
    at += 4 + std::size_t{length};
  }
  return at;
}

}  // namespace detail::ingest

/// Limits of one ingest port (the header's threat paragraph says what each one stops).
struct IngestLimits {
  std::size_t max_connections = 512;
  std::size_t max_per_address = 64;
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds accept_backoff{100};

  /// errc::invalid_argument for a zero limit or a non-positive time.
  void validate() const {
    if (max_connections == 0 || max_per_address == 0)
      throw error(errc::invalid_argument, "IngestLimits: connection limits must be at least 1");
    if (idle_timeout.count() <= 0 || request_timeout.count() <= 0 || accept_backoff.count() <= 0)
      throw error(errc::invalid_argument, "IngestLimits: timeouts and the accept back-off must be positive");
  }
};

/// What the port has seen (for tests and monitoring); read with TcpIngest::counters().
struct IngestCounters {
  std::uint64_t accepted = 0;          ///< connections served
  std::uint64_t refused_total = 0;     ///< closed at once: max_connections reached
  std::uint64_t refused_address = 0;   ///< closed at once: max_per_address reached
  std::uint64_t timed_out = 0;         ///< closed by idle_timeout or request_timeout
  std::uint64_t bad_framing = 0;       ///< closed for a frame of a bad length or kind
  std::uint64_t accept_errors = 0;     ///< accept() failures (EMFILE and the like)
  std::size_t open = 0;                ///< connections open now
};

class TcpIngest {
 public:
  /// Answers `frames` (each a request body: kind byte + payload) by appending one reply each to
  /// `out`; false closes the connection instead.
  using Handler = std::function<bool(const std::vector<std::span<const std::uint8_t>>& frames, std::vector<std::uint8_t>& out)>;
  using Log = std::function<void(const std::string&)>;

  /// Listens on host:port (port 0: any free port) and starts the I/O thread. errc::invalid_argument
  /// if the address does not parse or cannot be bound.
  TcpIngest(const std::string& host, std::uint16_t port, Handler handler, IngestLimits limits = {}, Log log = {})
      : handler_(std::move(handler)), limits_(limits), log_(std::move(log)), acceptor_(io_), backoff_(io_) {
    limits_.validate();
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    if (ec) throw error(errc::invalid_argument, "TcpIngest: host '" + host + "' is not an address");
    const boost::asio::ip::tcp::endpoint where(address, port);
    acceptor_.open(where.protocol(), ec);
    if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(where, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw error(errc::invalid_argument, "TcpIngest: cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }

  TcpIngest(const TcpIngest&) = delete;
  TcpIngest& operator=(const TcpIngest&) = delete;

  /// Closes the port and every connection, waits for a handler under way, joins the thread.
  ~TcpIngest() {
    boost::asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      backoff_.cancel();
      for (Session* s : sessions_) s->close();
    });
    // run() returns once every closed connection's handlers have run and no work is left.
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  [[nodiscard]] IngestCounters counters() const {
    std::lock_guard lock(counters_mutex_);
    return counters_;
  }

 private:
  class Session : public std::enable_shared_from_this<Session> {
   public:
    Session(TcpIngest& port, boost::asio::ip::tcp::socket s, boost::asio::ip::address from)
        : port_(port), socket_(std::move(s)), timer_(port.io_), from_(from), in_(initial_buffer) {}

    ~Session() { port_.closed(this, from_); }

    void start() {
      port_.sessions_.insert(this);
      arm(port_.limits_.idle_timeout);
      read();
    }

    void close() {
      boost::system::error_code ignored;
      timer_.cancel();
      socket_.close(ignored);
    }

   private:
    // Every frame fits the initial buffer; pipelining clients get up to max_buffer.
    static constexpr std::size_t initial_buffer = 8192;
    static constexpr std::size_t max_buffer = std::size_t{1} << 16;
    static_assert(4 + max_request_size <= initial_buffer);

    // One deadline at a time: idle_timeout while no request is under way, request_timeout from
    // a request's first byte until its reply is written.
    void arm(std::chrono::milliseconds after) {
      timer_.expires_after(after);
      timer_.async_wait([self = this->shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return;  // re-armed or cancelled
        self->port_.count([](IngestCounters& c) { ++c.timed_out; });
        self->close();
      });
    }

    void read() {
      // The last read filled the buffer: a client pipelining many requests. Read more at a time,
      // so that one handler call (one store transaction) takes many frames.
      if (filled_ && in_.size() < max_buffer) in_.resize(std::min(in_.size() * 2, max_buffer));
      filled_ = false;
      socket_.async_read_some(boost::asio::buffer(in_.data() + used_, in_.size() - used_),
                              [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                if (ec) return self->close();
                                if (self->used_ == 0 && n > 0) self->arm(self->port_.limits_.request_timeout);
                                self->used_ += n;
                                self->filled_ = self->used_ == self->in_.size();
                                self->process();
                              });
    }

    void process() {
      std::vector<std::span<const std::uint8_t>> frames;
      const auto consumed = detail::ingest::split_frames(std::span<const std::uint8_t>(in_.data(), used_), frames);
      if (!consumed) {
        port_.count([](IngestCounters& c) { ++c.bad_framing; });
        return close();
      }
      const std::size_t at = *consumed;
      if (frames.empty()) return read();
      out_.clear();
      bool keep = false;
      try {
        keep = port_.handler_(frames, out_);
      } catch (const std::exception& e) {
        port_.log(std::string("ingest handler failed: ") + e.what());
      }
      if (!keep) {
        port_.count([](IngestCounters& c) { ++c.bad_framing; });
        return close();
      }
      std::copy(in_.begin() + static_cast<std::ptrdiff_t>(at), in_.begin() + static_cast<std::ptrdiff_t>(used_), in_.begin());
      used_ -= at;
      boost::asio::async_write(socket_, boost::asio::buffer(out_),
                               [self = this->shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                                 if (ec) return self->close();
                                 self->after_reply();
                               });
    }

    // Frames that arrived behind the ones just answered are handled before reading more.
    void after_reply() {
      if (used_ == 0) {
        arm(port_.limits_.idle_timeout);
      } else {
        arm(port_.limits_.request_timeout);
      }
      if (used_ >= 4) return process();
      read();
    }

    TcpIngest& port_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer timer_;
    boost::asio::ip::address from_;
    std::vector<std::uint8_t> in_;
    std::size_t used_ = 0;
    bool filled_ = false;
    std::vector<std::uint8_t> out_;
  };

  template <class F>
  void count(F&& f) {
    std::lock_guard lock(counters_mutex_);
    f(counters_);
  }

  void log(const std::string& line) const {
    if (log_) log_(line);
  }

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket) {
      if (ec == boost::asio::error::operation_aborted) return;
      if (ec) {
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: the pending connection stays in the backlog; retrying
        // at once would spin. Pause, then try again.
        count([](IngestCounters& c) { ++c.accept_errors; });
        if (!accept_trouble_) log("ingest: cannot accept connections (" + ec.message() + "); pausing and retrying");
        accept_trouble_ = true;
        backoff_.expires_after(limits_.accept_backoff);
        backoff_.async_wait([this](const boost::system::error_code& e) {
          if (!e) accept();
        });
        return;
      }
      if (accept_trouble_) log("ingest: accepting connections again");
      accept_trouble_ = false;
      admit(std::move(socket));
      accept();
    });
  }

  void admit(boost::asio::ip::tcp::socket socket) {
    boost::system::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return;  // already gone
    const auto from = remote.address();
    std::size_t& mine = per_address_[from];
    if (open_ >= limits_.max_connections || mine >= limits_.max_per_address) {
      const bool total = open_ >= limits_.max_connections;
      if (mine == 0) per_address_.erase(from);
      count([total](IngestCounters& c) { ++(total ? c.refused_total : c.refused_address); });
      socket.close(ec);
      return;
    }
    ++mine;
    ++open_;
    count([this](IngestCounters& c) {
      ++c.accepted;
      c.open = open_;
    });
    socket.set_option(boost::asio::ip::tcp::no_delay(true), ec);
    std::make_shared<Session>(*this, std::move(socket), from)->start();
  }

  // A session ended (on the I/O thread).
  void closed(Session* s, const boost::asio::ip::address& from) noexcept {
    sessions_.erase(s);
    if (const auto it = per_address_.find(from); it != per_address_.end() && --it->second == 0) per_address_.erase(it);
    --open_;
    std::lock_guard lock(counters_mutex_);
    counters_.open = open_;
  }

  Handler handler_;
  IngestLimits limits_;
  Log log_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer backoff_;
  std::uint16_t port_ = 0;
  bool accept_trouble_ = false;
  // Touched on the I/O thread only.
  std::size_t open_ = 0;
  std::map<boost::asio::ip::address, std::size_t> per_address_;
  std::set<Session*> sessions_;
  mutable std::mutex counters_mutex_;
  IngestCounters counters_;
  std::thread thread_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
