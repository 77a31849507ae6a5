// SPDX-License-Identifier: Apache-2.0
// A real mosquitto broker for one test or benchmark: its own configuration, password file, ACL
// and persistence directory under a TempDir, listening on 127.0.0.1 at a free port, started as a
// child process and stopped (SIGTERM, which makes it save its persistence file) by the
// destructor. Debian package `mosquitto` (scripts/deps.sh installs it); the build passes its
// paths as EDGEMPC_MOSQUITTO and EDGEMPC_MOSQUITTO_PASSWD.
//
// The port: the kernel picks a free one for a socket bound to port 0, which is closed and handed
// to mosquitto (which cannot report a port it picked itself); if another process takes it in
// between, the start fails and is tried again on a new port.
#pragma once

#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "temp_dir.hpp"

extern char** environ;

namespace test {

/// A TLS listener instead of a plain one (PEM files; test_pki.hpp makes them).
struct MosquittoTls {
  std::string ca_file;    ///< the CA client certificates must chain to
  std::string cert_file;  ///< the broker's certificate and key
  std::string key_file;
  bool require_certificate = false;  ///< clients must present a certificate of ca_file
};

struct MosquittoOptions {
  /// user -> password; empty: anonymous clients allowed, no ACL.
  std::map<std::string, std::string> users;
  /// The ACL file's text (used only with users).
  std::string acl;
  bool persistence = true;
  std::optional<MosquittoTls> tls;
};

class MosquittoBroker {
 public:
  using Options = MosquittoOptions;

  MosquittoBroker() : MosquittoBroker(Options{}) {}
  explicit MosquittoBroker(Options options) : options_(std::move(options)), dir_("edgempc-mosquitto") {
    if (!options_.users.empty()) {
      const std::string passwd = (dir_ / "passwd").string();
      std::ofstream(passwd).close();
      for (const auto& [user, password] : options_.users)
        run_program({EDGEMPC_MOSQUITTO_PASSWD, "-b", passwd, user, password});
      std::ofstream(dir_ / "acl") << options_.acl;
    }
    for (int attempt = 0;; ++attempt) {
      port_ = free_port();
      write_config();
      if (start()) break;
      if (attempt == 4) throw std::runtime_error("mosquitto did not start; see " + (dir_ / "mosquitto.log").string());
    }
  }

  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;
  ~MosquittoBroker() { stop(); }

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  [[nodiscard]] std::string url() const {
    return (options_.tls ? "mqtts://127.0.0.1:" : "mqtt://127.0.0.1:") + std::to_string(port_);
  }

  /// SIGTERM and wait: mosquitto saves its persistence file on the way out.
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  /// Stops and starts it again on the same port, with the same persistence file.
  void restart() {
    stop();
    for (int attempt = 0; attempt < 50; ++attempt) {
      if (start()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the port may linger a moment
    }
    throw std::runtime_error("mosquitto did not restart on port " + std::to_string(port_));
  }

 private:
  static void run_program(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error(std::string("cannot run ") + argv[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error(std::string(argv[0]) + " failed");
  }

  static std::uint16_t free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
  }

  void write_config() const {
    std::ofstream c(dir_ / "mosquitto.conf");
    c << "listener " << port_ << " 127.0.0.1\n";
    if (const auto& t = options_.tls) {
      c << "cafile " << t->ca_file << "\ncertfile " << t->cert_file << "\nkeyfile " << t->key_file
        << "\nrequire_certificate " << (t->require_certificate ? "true" : "false") << "\ntls_version tlsv1.2\n";
    }
    // Started as root, mosquitto drops to the user named here (default: "mosquitto", who cannot
    // write into this directory): stay who we are.
    if (const passwd* me = ::getpwuid(::geteuid())) c << "user " << me->pw_name << "\n";
    if (options_.users.empty()) {
      c << "allow_anonymous true\n";
    } else {
      c << "allow_anonymous false\npassword_file " << (dir_ / "passwd").string() << "\nacl_file " << (dir_ / "acl").string()
        << "\n";
    }
    if (options_.persistence) c << "persistence true\npersistence_location " << dir_.path().string() << "/\n";
    // A gateway that is down keeps its queue; the default (1000 messages) would drop a round.
    // Nagle's algorithm on the broker's sockets, against the clients' delayed ACKs, holds small
    // answers back about 40 ms: off, as in examples/config/mosquitto.conf.
    c << "set_tcp_nodelay true\n";
    c << "max_queued_messages 0\nmax_inflight_messages 0\nlog_dest file " << (dir_ / "mosquitto.log").string()
      << "\nlog_type error\nlog_type warning\n";
  }

  /// Starts the broker and waits until its port answers; false if it exited instead.
  bool start() {
    const std::string conf = (dir_ / "mosquitto.conf").string();
    std::vector<std::string> args{EDGEMPC_MOSQUITTO, "-c", conf};
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0)
      throw std::runtime_error("cannot run " EDGEMPC_MOSQUITTO);
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket s(io);
      boost::system::error_code ec;
      s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
      if (!ec) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
    return false;
  }

  Options options_;
  TempDir dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace test
