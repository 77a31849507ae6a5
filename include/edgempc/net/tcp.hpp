// SPDX-License-Identifier: Apache-2.0
// TcpTransport: one party's end of a full TCP mesh, on Boost.Asio. Models Transport.
//
// WARNING, security model: this is plain TCP. It gives no confidentiality and no
// authentication of the messages: anyone on the path reads and changes every byte. By default
// anyone who can reach a listening port can also claim to be any party (the plain hello below
// is not authenticated; the first connection that claims an id gets it). With
// TcpOptions::link_keys the hello is authenticated (a fresh challenge from the accepting side,
// a keyed BLAKE2b tag from each side, verified before the connection is bound to a party), so a
// stranger can neither take a party's place nor keep it out; it can still hold one of the
// 64 pending-hello slots for up to 2 s per connection. Run MPC over SecureTransport<TcpTransport>, which adds
// key exchange, encryption and peer pinning; use TcpTransport alone only on a trusted network or
// for tests. What TcpTransport does guarantee against a hostile peer: a bad hello, a frame
// length above max_message_size() or a silent connector never crashes it, never hangs it and
// never makes it allocate the length the peer wrote. What it does not bound: there is no flow
// control, so a peer that sends faster than this party receives makes its inbox grow (each
// message at most max_message_size(), but any number of them).
//
// Life cycle. Nothing blocks on the network except connect():
//   TcpTransport t({.id = i, .parties = n});     // binds and listens (port 0: the OS picks)
//   publish t.local_port() to the other parties
//   t.connect(endpoints);                         // endpoints[j] = where party j listens
//   t.send(...), t.receive(...)
// connect() builds the mesh: party i dials every j < i (retrying with exponential backoff,
// because j may not be listening yet) and accepts every j > i. It returns once all n-1 peers are
// connected and throws errc::peer_timeout, naming the missing ones, after connect_timeout. After
// a failed connect() the transport is closed (send and receive give connection_lost); make a new
// one to try again. send or receive before connect() is errc::invalid_argument.
//
// Wire format, all integers little-endian:
//   hello (16 bytes, both ways, once per connection): "EMPC", u16 protocol version, u16 zero,
//     u32 sender's party id, u32 number of parties. The dialer sends first; the accepting party
//     checks it (version, party count, an expected higher id not yet connected) and answers
//     with its own, which the dialer checks in turn (so a wrong endpoint list fails loudly
//     instead of mixing up parties). A connection with a bad hello is closed.
//   authenticated hello (link_keys set): the accepting side first sends a 16-byte random
//     challenge; the dialer answers hello || tag_D, the acceptor replies hello || tag_A, where
//     tag_R = BLAKE2b-256(key = the pair's link key, 'R' || challenge || hello) (32 bytes).
//   then frames: u64 payload length, payload.
//
// Threads. All socket work runs on one io_context on a thread of the transport's own, so reads
// never stop: two parties sending each other 64 MiB at the same moment both finish, because
// each keeps draining the other's bytes while its own are written. send() copies the message
// and hands it to that thread (the queue is unbounded: a sender that outruns the network grows
// it). receive() waits on the peer's inbox. The destructor flushes queued messages and closes
// each connection in order (the peer sees everything sent, then connection_lost) for at most
// detail::tcp_close_linger, then drops what is left.
//
// Caveat: a host name (not an address literal) in an endpoint is resolved by Asio's resolver,
// whose getaddrinfo call cannot be cancelled; a DNS server that does not answer can delay the
// destructor until the resolver gives up. Use address literals where that matters.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>

#include <sodium.h>

#include "edgempc/core/detail/endian.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"
#include "edgempc/net/detail/tcp_wire.hpp"
#include "edgempc/net/keys.hpp"
#include "edgempc/net/transport.hpp"

EDGEMPC_BEGIN_NAMESPACE

/// Where one party listens.
struct TcpEndpoint {
  std::string host;
  std::uint16_t port = 0;
};

/// A key shared by one pair of parties for the authenticated hello (TcpOptions::link_keys).
using TcpLinkKey = detail::TcpLinkKey;

struct TcpOptions {
  PartyId id = 0;
  std::size_t parties = 0;
  /// An address literal ("127.0.0.1", "0.0.0.0", "::"); no name lookup, so construction never
  /// waits on DNS.
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 0;  ///< 0: the OS picks one; read it with local_port()
  std::size_t max_message_size = std::size_t{1} << 30;
  std::chrono::milliseconds connect_timeout{10000};
  /// Empty: the plain hello (anyone can claim any id). Else one 32-byte key per party (this
  /// party's own entry unused), shared by each pair, e.g. from link_key() below: every hello is
  /// then authenticated (a challenge from the accepting side, a keyed tag from each side), and
  /// a connection is bound to a party only after its tag verified, so a stranger's hello can
  /// neither take a party's place nor block it. Both ends of a link must use the same mode.
  std::vector<TcpLinkKey> link_keys{};
};

/// The key a pair of parties with X25519 key pairs shares for TcpOptions::link_keys: BLAKE2b
/// of a label, both public keys (in byte order) and their Diffie-Hellman value. Both ends
/// compute the same; no one else can. errc::authentication_failed for a low-order key.
[[nodiscard]] inline TcpLinkKey link_key(const KeyPair& mine, const PublicKey& theirs) {
  ensure_sodium();
  std::array<std::uint8_t, crypto_scalarmult_BYTES> dh{};
  if (crypto_scalarmult(dh.data(), mine.secret_key().data(), theirs.data()) != 0)
    throw error(errc::authentication_failed, "link_key: a low-order public key");
  const PublicKey& a = mine.public_key();
  const PublicKey& b = theirs;
  const bool a_first = std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  crypto_generichash_state st;
  static constexpr char label[] = "edgempc tcp link key v1";
  crypto_generichash_init(&st, nullptr, 0, 32);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(label), sizeof label - 1);
  crypto_generichash_update(&st, (a_first ? a : b).data(), 32);
  crypto_generichash_update(&st, (a_first ? b : a).data(), 32);
  crypto_generichash_update(&st, dh.data(), dh.size());
  TcpLinkKey key{};
  crypto_generichash_final(&st, key.data(), key.size());
  secure_wipe(dh.data(), dh.size());
  secure_wipe(&st, sizeof st);
  return key;
}

class TcpTransport {
 public:
  /// Binds and listens, and starts the I/O thread. Bad options (fewer than 2 parties, an id out
  /// of range, a listen_host that is not an address literal, a port that cannot be bound) are
  /// errc::invalid_argument.
  explicit TcpTransport(TcpOptions options)
      : id_(options.id),
        parties_(options.parties),
        max_message_size_(options.max_message_size),
        connect_timeout_(detail::clamp_wait(options.connect_timeout)),
        work_(io_.get_executor()),
        acceptor_(io_),
        accept_retry_(io_),
        linger_(io_) {
    if (parties_ < 2 || parties_ > std::numeric_limits<std::uint32_t>::max() || id_ >= parties_)
      throw error(errc::invalid_argument, "TcpTransport: party " + std::to_string(id_) + " of " +
                                              std::to_string(parties_) + " parties");
    if (options.connect_timeout <= std::chrono::milliseconds::zero())
      throw error(errc::invalid_argument, "TcpTransport: connect_timeout must be positive");
    link_keys_ = std::move(options.link_keys);
    if (!link_keys_.empty() && link_keys_.size() != parties_)
      throw error(errc::invalid_argument, "TcpTransport: " + std::to_string(link_keys_.size()) + " link keys for " +
                                              std::to_string(parties_) + " parties");
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(options.listen_host, ec);
    if (ec) throw error(errc::invalid_argument, "TcpTransport: listen_host '" + options.listen_host + "' is not an address");
    const tcp::endpoint where(address, options.listen_port);
    // reuse_address lets a gateway restart on its fixed port while old connections linger in
    // TIME_WAIT; on Linux it does not let two listeners share a port.
    acceptor_.open(where.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(where, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (!ec) local_port_ = acceptor_.local_endpoint(ec).port();
    if (ec)
      throw error(errc::invalid_argument, "TcpTransport: cannot listen on " + options.listen_host + ":" +
                                              std::to_string(options.listen_port) + ": " + ec.message());
    for (std::size_t j = 0; j < parties_; ++j) {
      peers_.push_back(std::make_unique<Peer>(io_));
      if (j < id_) dialers_.push_back(std::make_unique<Dialer>(io_));
    }
    claimed_.assign(parties_, false);
    connected_.assign(parties_, false);
    dial_errors_.assign(parties_, std::string());
    io_thread_ = std::thread([this] { run_io(); });
  }

  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  ~TcpTransport() {
    for (auto& k : link_keys_) secure_wipe(k.data(), k.size());
    try {
      boost::asio::post(io_, [this] { begin_shutdown(); });
    } catch (...) {
      io_.stop();  // out of memory for the handler: drop everything rather than hang
    }
    if (io_thread_.joinable()) io_thread_.join();
  }

  [[nodiscard]] std::uint16_t local_port() const noexcept { return local_port_; }
  [[nodiscard]] PartyId id() const noexcept { return id_; }
  [[nodiscard]] std::size_t parties() const noexcept { return parties_; }
  [[nodiscard]] std::size_t max_message_size() const noexcept { return max_message_size_; }
  [[nodiscard]] TransportStats stats() const noexcept { return counters_.snapshot(); }

  /// Builds the mesh; `all[j]` is where party j listens (this party's own entry is ignored).
  /// Call once. Blocks until every peer is connected or connect_timeout has passed.
  void connect(const std::vector<TcpEndpoint>& all) {
    if (all.size() != parties_)
      throw error(errc::invalid_argument, "TcpTransport::connect: " + std::to_string(all.size()) +
                                              " endpoints for " + std::to_string(parties_) + " parties");
    for (PartyId j = 0; j < id_; ++j)
      if (all[j].host.empty() || all[j].port == 0)
        throw error(errc::invalid_argument, "TcpTransport::connect: no endpoint for party " + std::to_string(j));
    {
      std::lock_guard lock(connect_mutex_);
      if (phase_ != Phase::idle) throw error(errc::invalid_argument, "TcpTransport::connect: called twice");
      phase_ = Phase::connecting;
    }
    const auto deadline = std::chrono::steady_clock::now() + connect_timeout_;
    boost::asio::post(io_, [this, all] { start_connect(all); });

    std::unique_lock lock(connect_mutex_);
    if (connect_cv_.wait_until(lock, deadline, [&] { return connected_count_ == parties_ - 1; })) {
      phase_ = Phase::ready;
      lock.unlock();
      boost::asio::post(io_, [this] { end_connect(false); });
      return;
    }
    phase_ = Phase::failed;
    std::string missing;
    for (PartyId j = 0; j < parties_; ++j) {
      if (j == id_ || connected_[j]) continue;
      missing += (missing.empty() ? "" : ", ") + std::to_string(j);
      if (j < id_) missing += " (" + all[j].host + ":" + std::to_string(all[j].port) + ": " + dial_errors_[j] + ")";
      else missing += " (did not connect to us)";
    }
    lock.unlock();
    for (auto& p : peers_) mark_closed(*p, errc::connection_lost, "TcpTransport: connect() failed");
    boost::asio::post(io_, [this] { end_connect(true); });
    throw error(errc::peer_timeout, "TcpTransport: party " + std::to_string(id_) + " not connected within " +
                                        std::to_string(connect_timeout_.count()) + " ms to party " + missing);
  }

  /// The peers connect() has not linked with (neither dialled nor accepted), in id order: after
  /// a failed connect(), the parties to blame (down, slow, or on a broken or mis-keyed link).
  [[nodiscard]] std::vector<PartyId> unconnected_peers() {
    std::lock_guard lock(connect_mutex_);
    std::vector<PartyId> out;
    for (PartyId j = 0; j < parties_; ++j)
      if (j != id_ && !connected_[j]) out.push_back(j);
    return out;
  }

  void send(PartyId peer, std::span<const std::uint8_t> message) {
    detail::check_peer(id_, parties_, peer);
    detail::check_message_size(message.size(), max_message_size_);
    Peer& p = *peers_[peer];
    {
      std::lock_guard lock(p.mutex);
      check_open(p, peer);
    }
    Outgoing out;
    detail::store_le<std::uint64_t>(out.header.data(), message.size());
    out.payload.assign(message.begin(), message.end());
    boost::asio::post(io_, [this, peer, out = std::move(out)]() mutable { enqueue(peer, std::move(out)); });
    counters_.count_sent(message.size());
  }

  [[nodiscard]] std::vector<std::uint8_t> receive(PartyId peer, std::chrono::milliseconds timeout) {
    detail::check_peer(id_, parties_, peer);
    Peer& p = *peers_[peer];
    std::unique_lock lock(p.mutex);
    if (p.state == PeerState::waiting) check_open(p, peer);
    if (!detail::spin_then_wait(lock, p.arrived, timeout,
                                [&] { return !p.inbox.empty() || p.state == PeerState::closed; }))
      throw error(errc::peer_timeout, "TcpTransport: no message from party " + std::to_string(peer) + " within " +
                                          std::to_string(timeout.count()) + " ms");
    if (p.inbox.empty()) throw error(p.close_code, p.close_reason);
    std::vector<std::uint8_t> message = std::move(p.inbox.front());
    p.inbox.pop_front();
    lock.unlock();
    counters_.count_received(message.size());
    return message;
  }

 private:
  using tcp = boost::asio::ip::tcp;
  using error_code = boost::system::error_code;

  enum class Phase { idle, connecting, ready, failed };
  enum class PeerState { waiting, open, closed };

  struct Outgoing {
    std::array<std::uint8_t, detail::tcp_frame_header_size> header{};
    std::vector<std::uint8_t> payload;
  };

  struct Peer {
    explicit Peer(boost::asio::io_context& io) : socket(io) {}
    // Shared with the user's threads, under `mutex`.
    std::mutex mutex;
    std::condition_variable arrived;
    std::deque<std::vector<std::uint8_t>> inbox;
    PeerState state = PeerState::waiting;
    errc close_code = errc::connection_lost;
    std::string close_reason;
    // The I/O thread's alone.
    tcp::socket socket;
    bool io_open = false;
    bool writing = false;
    bool flush_then_shutdown = false;
    std::array<std::uint8_t, detail::tcp_frame_header_size> read_header{};
    std::vector<std::uint8_t> read_body;
    std::deque<Outgoing> write_queue;  // deque: pushing keeps the front's buffers in place
  };

  // Dials one lower party until connected (I/O thread only).
  struct Dialer {
    explicit Dialer(boost::asio::io_context& io) : resolver(io), socket(io), retry(io) {}
    tcp::resolver resolver;
    tcp::socket socket;
    boost::asio::steady_timer retry;
    TcpEndpoint where;
    std::chrono::milliseconds backoff = detail::tcp_first_backoff;
    detail::TcpHello hello_out{}, hello_in{};
    detail::TcpChallenge challenge{};
    detail::TcpHelloTag tag_out{}, tag_in{};
    bool done = false;
  };

  // An accepted connection whose hello has not been settled yet (I/O thread only).
  struct Handshake {
    Handshake(tcp::socket s, boost::asio::io_context& io) : socket(std::move(s)), timer(io) {}
    tcp::socket socket;
    boost::asio::steady_timer timer;
    detail::TcpHello hello_in{}, hello_out{};
    detail::TcpChallenge challenge{};
    detail::TcpHelloTag tag_in{}, tag_out{};
  };

  [[nodiscard]] bool authenticated() const noexcept { return !link_keys_.empty(); }

  // The tag over (role, challenge, hello) under the link key shared with `peer`.
  [[nodiscard]] detail::TcpHelloTag hello_tag(PartyId peer, char role, const detail::TcpChallenge& challenge,
                                              const detail::TcpHello& hello) const {
    crypto_generichash_state st;
    crypto_generichash_init(&st, link_keys_[peer].data(), link_keys_[peer].size(), detail::tcp_hello_tag_size);
    const auto r = static_cast<unsigned char>(role);
    crypto_generichash_update(&st, &r, 1);
    crypto_generichash_update(&st, challenge.data(), challenge.size());
    crypto_generichash_update(&st, hello.data(), hello.size());
    detail::TcpHelloTag tag{};
    crypto_generichash_final(&st, tag.data(), tag.size());
    return tag;
  }

  // --- user threads --------------------------------------------------------------------

  // Requires p.mutex.
  static void check_open(const Peer& p, PartyId peer) {
    if (p.state == PeerState::waiting)
      throw error(errc::invalid_argument,
                  "TcpTransport: party " + std::to_string(peer) + " is not connected: call connect() first");
    if (p.state == PeerState::closed) throw error(errc::connection_lost, p.close_reason);
  }

  static void mark_closed(Peer& p, errc code, const std::string& reason) {
    {
      std::lock_guard lock(p.mutex);
      if (p.state == PeerState::closed) return;  // the first reason is the one to report
      p.state = PeerState::closed;
      p.close_code = code;
      p.close_reason = reason;
    }
    p.arrived.notify_all();
  }

  // --- the I/O thread ------------------------------------------------------------------

  void run_io() noexcept {
    // Handlers catch what they can; if one still throws, keep serving the others rather than
    // let the exception end the process on this thread.
    for (;;) {
      try {
        io_.run();
        return;
      } catch (...) {
      }
    }
  }

  void start_connect(const std::vector<TcpEndpoint>& all) {
    if (shutting_down_) return;
    connecting_ = true;
    if (id_ + 1 < parties_) start_accept();
    for (PartyId j = 0; j < id_; ++j) {
      dialers_[j]->where = all[j];
      dial(j);
    }
  }

  // Stops accepting and dialing; on failure also closes the connections made so far, so that
  // peers waiting on them learn at once that this party gave up.
  void end_connect(bool failed) {
    connecting_ = false;
    error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
    for (auto& d : dialers_) {
      d->resolver.cancel();
      d->socket.close(ignored);
      d->retry.cancel();
    }
    for (auto& h : handshakes_) {
      h->socket.close(ignored);
      h->timer.cancel();
    }
    handshakes_.clear();
    if (failed)
      for (PartyId j = 0; j < parties_; ++j)
        if (j != id_) close_peer(j, errc::connection_lost, "TcpTransport: connect() failed");
  }

  // Installs a connection that passed the hello exchange as party j's.
  void peer_ready(PartyId j, tcp::socket socket) {
    {
      std::lock_guard lock(connect_mutex_);
      if (phase_ != Phase::connecting) return;  // connect() gave up meanwhile; `socket` closes
      Peer& p = *peers_[j];
      p.socket = std::move(socket);
      p.io_open = true;
      ++open_sockets_;
      {
        std::lock_guard peer_lock(p.mutex);
        p.state = PeerState::open;
      }
      connected_[j] = true;
      ++connected_count_;
    }
    connect_cv_.notify_all();
    read_header(j);
  }

  // Dialing lower parties.

  void dial(PartyId j) {
    if (!connecting_) return;
    Dialer& d = *dialers_[j];
    error_code ec;
    const auto address = boost::asio::ip::make_address(d.where.host, ec);
    if (!ec) {
      dial_endpoints(j, {tcp::endpoint(address, d.where.port)});
      return;
    }
    d.resolver.async_resolve(d.where.host, std::to_string(d.where.port), tcp::resolver::numeric_service,
                             [this, j](const error_code& resolve_ec, const tcp::resolver::results_type& results) {
                               if (!connecting_) return;
                               if (resolve_ec) return redial(j, "cannot resolve: " + resolve_ec.message());
                               dial_endpoints(j, std::vector<tcp::endpoint>(results.begin(), results.end()));
                             });
  }

  void dial_endpoints(PartyId j, const std::vector<tcp::endpoint>& endpoints) {
    Dialer& d = *dialers_[j];
    boost::asio::async_connect(d.socket, endpoints, [this, j](const error_code& ec, const tcp::endpoint&) {
      if (!connecting_) return;
      if (ec) return redial(j, ec.message());
      Dialer& dj = *dialers_[j];
      error_code ignored;
      dj.socket.set_option(tcp::no_delay(true), ignored);
      dj.hello_out = detail::encode_tcp_hello(id_, parties_);
      if (authenticated()) return read_challenge(j);
      send_hello(j);
    });
  }

  // Authenticated hello: the accepting side speaks first, with a fresh challenge.
  void read_challenge(PartyId j) {
    Dialer& d = *dialers_[j];
    boost::asio::async_read(d.socket, boost::asio::buffer(d.challenge), [this, j](const error_code& ec, std::size_t) {
      if (!connecting_) return;
      if (ec == boost::asio::error::eof) return redial(j, "closed by the peer before its challenge");
      if (ec) return redial(j, ec.message());
      Dialer& dj = *dialers_[j];
      dj.tag_out = hello_tag(j, 'D', dj.challenge, dj.hello_out);
      send_hello(j);
    });
  }

  void send_hello(PartyId j) {
    Dialer& d = *dialers_[j];
    std::vector<boost::asio::const_buffer> out{boost::asio::buffer(d.hello_out)};
    if (authenticated()) out.push_back(boost::asio::buffer(d.tag_out));
    boost::asio::async_write(d.socket, out, [this, j](const error_code& write_ec, std::size_t) {
      if (!connecting_) return;
      if (write_ec) return redial(j, write_ec.message());
      read_reply(j);
    });
  }

  // The answer comes once party j is in its own connect(); until then the connection waits in
  // its listen backlog, which is why there is no shorter limit here than connect()'s.
  void read_reply(PartyId j) {
    Dialer& d = *dialers_[j];
    std::vector<boost::asio::mutable_buffer> in{boost::asio::buffer(d.hello_in)};
    if (authenticated()) in.push_back(boost::asio::buffer(d.tag_in));
    boost::asio::async_read(d.socket, in, [this, j](const error_code& ec, std::size_t) {
      if (!connecting_) return;
      if (ec == boost::asio::error::eof)
        return redial(j, authenticated() ? "closed by the peer during the hello (a wrong link key?)"
                                         : "closed by the peer during the hello");
      if (ec) return redial(j, ec.message());
      Dialer& dj = *dialers_[j];
      const auto check = detail::check_tcp_hello(dj.hello_in, parties_);
      if (!check.id) return redial(j, std::string("bad hello: ") + check.problem);
      if (*check.id != j) return redial(j, "answered as party " + std::to_string(*check.id));
      if (authenticated()) {
        const auto want = hello_tag(j, 'A', dj.challenge, dj.hello_in);
        if (crypto_verify_32(want.data(), dj.tag_in.data()) != 0)
          return redial(j, "its hello did not authenticate (a wrong link key)");
      }
      dj.done = true;
      peer_ready(j, std::move(dj.socket));
    });
  }

  void redial(PartyId j, const std::string& why) {
    {
      std::lock_guard lock(connect_mutex_);
      dial_errors_[j] = why;
    }
    Dialer& d = *dialers_[j];
    error_code ignored;
    d.socket.close(ignored);
    d.retry.expires_after(d.backoff);
    d.backoff = std::min(2 * d.backoff, detail::tcp_max_backoff);
    d.retry.async_wait([this, j](const error_code& ec) {
      if (!ec) dial(j);
    });
  }

  // Accepting higher parties.

  void start_accept() {
    acceptor_.async_accept([this](const error_code& ec, tcp::socket socket) {
      if (!connecting_ || ec == boost::asio::error::operation_aborted) return;
      if (ec) {
        // Out of descriptors and the like: try again shortly instead of spinning.
        accept_retry_.expires_after(detail::tcp_first_backoff);
        accept_retry_.async_wait([this](const error_code& wait_ec) {
          if (!wait_ec && connecting_) start_accept();
        });
        return;
      }
      if (handshakes_.size() < detail::tcp_max_pending_hellos) begin_handshake(std::move(socket));
      start_accept();
    });
  }

  void begin_handshake(tcp::socket socket) {
    auto h = std::make_shared<Handshake>(std::move(socket), io_);
    handshakes_.push_back(h);
    h->timer.expires_after(std::min(detail::tcp_hello_timeout, connect_timeout_));
    h->timer.async_wait([weak = std::weak_ptr<Handshake>(h)](const error_code& ec) {
      if (ec) return;
      if (auto expired = weak.lock()) {
        error_code ignored;
        expired->socket.close(ignored);  // completes the pending read with an error
      }
    });
    if (!authenticated()) {
      boost::asio::async_read(h->socket, boost::asio::buffer(h->hello_in),
                              [this, h](const error_code& ec, std::size_t) { on_hello(h, ec); });
      return;
    }
    random_bytes(h->challenge.data(), h->challenge.size());
    boost::asio::async_write(h->socket, boost::asio::buffer(h->challenge), [this, h](const error_code& ec, std::size_t) {
      if (!connecting_) return;
      if (ec) return drop_handshake(h);
      std::array<boost::asio::mutable_buffer, 2> in{boost::asio::buffer(h->hello_in), boost::asio::buffer(h->tag_in)};
      boost::asio::async_read(h->socket, in, [this, h](const error_code& read_ec, std::size_t) { on_hello(h, read_ec); });
    });
  }

  void on_hello(const std::shared_ptr<Handshake>& h, const error_code& ec) {
    if (!connecting_) return;
    const auto check = detail::check_tcp_hello(h->hello_in, parties_);
    if (ec || !check.id || *check.id <= id_ || *check.id >= parties_ || claimed_[*check.id])
      return drop_handshake(h);  // closes it: nothing to tell a peer that does not speak the protocol
    const PartyId j = *check.id;
    // Authenticated: the claim counts only with the tag of j's link key, so a stranger's hello
    // is dropped here without taking j's place.
    if (authenticated() &&
        crypto_verify_32(hello_tag(j, 'D', h->challenge, h->hello_in).data(), h->tag_in.data()) != 0)
      return drop_handshake(h);
    claimed_[j] = true;
    h->hello_out = detail::encode_tcp_hello(id_, parties_);
    std::vector<boost::asio::const_buffer> out{boost::asio::buffer(h->hello_out)};
    if (authenticated()) {
      h->tag_out = hello_tag(j, 'A', h->challenge, h->hello_out);
      out.push_back(boost::asio::buffer(h->tag_out));
    }
    boost::asio::async_write(h->socket, out, [this, h, j](const error_code& write_ec, std::size_t) {
      if (!connecting_) return;
      drop_handshake(h);
      if (write_ec) {
        claimed_[j] = false;
        return;
      }
      error_code ignored;
      h->socket.set_option(tcp::no_delay(true), ignored);
      peer_ready(j, std::move(h->socket));
    });
  }

  void drop_handshake(const std::shared_ptr<Handshake>& h) {
    h->timer.cancel();
    handshakes_.remove(h);
  }

  // Reading frames: always one read outstanding per open peer.

  void read_header(PartyId j) {
    Peer& p = *peers_[j];
    boost::asio::async_read(p.socket, boost::asio::buffer(p.read_header), [this, j](const error_code& ec, std::size_t) {
      Peer& pj = *peers_[j];
      if (!pj.io_open) return;
      if (ec) return read_failed(j, ec);
      const auto length = detail::load_le<std::uint64_t>(pj.read_header.data());
      if (length > max_message_size_)  // compared as 64 bits: nothing of that size is allocated
        return close_peer(j, errc::message_too_large,
                          "TcpTransport: party " + std::to_string(j) + " announced a message of " +
                              std::to_string(length) + " bytes, at most " + std::to_string(max_message_size_));
      try {
        pj.read_body.resize(static_cast<std::size_t>(length));
      } catch (const std::bad_alloc&) {
        return close_peer(j, errc::connection_lost,
                          "TcpTransport: out of memory for a message of " + std::to_string(length) + " bytes");
      }
      if (length == 0) return deliver(j);
      read_body(j);
    });
  }

  void read_body(PartyId j) {
    Peer& p = *peers_[j];
    boost::asio::async_read(p.socket, boost::asio::buffer(p.read_body), [this, j](const error_code& ec, std::size_t) {
      if (!peers_[j]->io_open) return;
      if (ec) return read_failed(j, ec);
      deliver(j);
    });
  }

  void deliver(PartyId j) {
    Peer& p = *peers_[j];
    if (!shutting_down_) {
      try {
        {
          std::lock_guard lock(p.mutex);
          p.inbox.push_back(std::move(p.read_body));
        }
        p.arrived.notify_one();
      } catch (const std::bad_alloc&) {
        return close_peer(j, errc::connection_lost, "TcpTransport: out of memory for the inbox");
      }
    }
    p.read_body = {};
    read_header(j);
  }

  void read_failed(PartyId j, const error_code& ec) {
    close_peer(j, errc::connection_lost,
               ec == boost::asio::error::eof
                   ? "TcpTransport: party " + std::to_string(j) + " closed the connection"
                   : "TcpTransport: connection to party " + std::to_string(j) + " lost: " + ec.message());
  }

  // Closing. A peer that reached end of stream is going away, so there is nothing left to
  // write to it either: close at once, which also answers its shutdown during its destructor.
  void close_peer(PartyId j, errc code, const std::string& reason) {
    Peer& p = *peers_[j];
    if (!p.io_open) return;
    p.io_open = false;
    error_code ignored;
    p.socket.close(ignored);
    --open_sockets_;
    mark_closed(p, code, reason);
    if (shutting_down_ && open_sockets_ == 0) io_.stop();
  }

  // Writing frames: one async_write per peer at a time, in send() order.

  void enqueue(PartyId j, Outgoing&& out) {
    Peer& p = *peers_[j];
    if (!p.io_open || p.flush_then_shutdown) return;
    try {
      p.write_queue.push_back(std::move(out));
    } catch (const std::bad_alloc&) {
      return close_peer(j, errc::connection_lost, "TcpTransport: out of memory for the send queue");
    }
    if (!p.writing) write_front(j);
  }

  void write_front(PartyId j) {
    Peer& p = *peers_[j];
    p.writing = true;
    const Outgoing& out = p.write_queue.front();
    const std::array<boost::asio::const_buffer, 2> frame = {boost::asio::buffer(out.header),
                                                            boost::asio::buffer(out.payload)};
    boost::asio::async_write(p.socket, frame, [this, j](const error_code& ec, std::size_t) {
      Peer& pj = *peers_[j];
      if (!pj.io_open) return;
      if (ec)
        return close_peer(j, errc::connection_lost,
                          "TcpTransport: connection to party " + std::to_string(j) + " lost: " + ec.message());
      pj.write_queue.pop_front();
      if (!pj.write_queue.empty()) return write_front(j);
      pj.writing = false;
      if (pj.flush_then_shutdown) shutdown_send(pj);
    });
  }

  static void shutdown_send(Peer& p) {
    error_code ignored;
    p.socket.shutdown(tcp::socket::shutdown_send, ignored);
  }

  // Destruction: flush each queue, send end of stream, and wait (reading on) until the peer
  // closes too. Closing with unread bytes would make the kernel reset the connection, and a
  // reset can discard data the peer has not read yet; the orderly exchange delivers it all.
  void begin_shutdown() {
    shutting_down_ = true;
    end_connect(false);
    for (auto& p : peers_) {
      if (!p->io_open) continue;
      p->flush_then_shutdown = true;
      if (!p->writing) shutdown_send(*p);
    }
    if (open_sockets_ == 0) return io_.stop();
    linger_.expires_after(detail::tcp_close_linger);
    linger_.async_wait([this](const error_code& ec) {
      if (ec) return;
      for (PartyId j = 0; j < parties_; ++j)
        if (j != id_) close_peer(j, errc::connection_lost, "TcpTransport: closed");
      io_.stop();
    });
  }

  const PartyId id_;
  const std::size_t parties_;
  const std::size_t max_message_size_;
  const std::chrono::milliseconds connect_timeout_;
  std::uint16_t local_port_ = 0;

  // Declared before every socket and timer, so that it is destroyed after them.
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;
  boost::asio::steady_timer linger_;
  std::vector<std::unique_ptr<Peer>> peers_;      // [parties]; never resized after construction
  std::vector<std::unique_ptr<Dialer>> dialers_;  // [id]
  std::list<std::shared_ptr<Handshake>> handshakes_;
  std::vector<bool> claimed_;  // higher ids whose hello was accepted
  std::vector<detail::TcpLinkKey> link_keys_;  // empty: plain hellos
  bool connecting_ = false;
  bool shutting_down_ = false;
  std::size_t open_sockets_ = 0;

  // Shared between connect() and the I/O thread.
  std::mutex connect_mutex_;
  std::condition_variable connect_cv_;
  Phase phase_ = Phase::idle;
  std::vector<bool> connected_;
  std::size_t connected_count_ = 0;
  std::vector<std::string> dial_errors_;

  detail::TrafficCounters counters_;
  std::thread io_thread_;
};

static_assert(Transport<TcpTransport>);

EDGEMPC_END_NAMESPACE
