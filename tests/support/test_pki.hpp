// SPDX-License-Identifier: Apache-2.0
// TestPki: a throw-away certificate authority for the TLS tests, made at test time with the
// `openssl` program (Debian package openssl; the build passes its path as EDGEMPC_OPENSSL) in a
// TempDir: P-256 keys, certificates valid for two days. Nothing secret is reused between runs
// and nothing is checked into the tree.
//
//   ca               the CA the broker and the clients trust
//   server           the broker's certificate: IP 127.0.0.1 and DNS localhost, signed by ca
//   client(NAME)     a client certificate CN=NAME signed by ca (made on first use)
//   rogue_ca         a second CA nobody trusts, and rogue_server, a broker certificate of it
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "temp_dir.hpp"

extern char** environ;

namespace test {

struct Pem {
  std::string cert;  ///< certificate file
  std::string key;   ///< its unencrypted private key
};

class TestPki {
 public:
  TestPki() : dir_("edgempc-pki") {
    ca_ = make_ca("edgempc-test-ca");
    rogue_ca_ = make_ca("edgempc-rogue-ca");
    server_ = make_leaf("server", "127.0.0.1", ca_, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    rogue_server_ = make_leaf("rogue-server", "127.0.0.1", rogue_ca_,
                              "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  }

  [[nodiscard]] const Pem& ca() const noexcept { return ca_; }
  [[nodiscard]] const Pem& server() const noexcept { return server_; }
  [[nodiscard]] const Pem& rogue_ca() const noexcept { return rogue_ca_; }
  [[nodiscard]] const Pem& rogue_server() const noexcept { return rogue_server_; }
  [[nodiscard]] const Pem& client(const std::string& name) {
    auto it = clients_.find(name);
    if (it == clients_.end())
      it = clients_.emplace(name, make_leaf("client-" + name, name, ca_, "extendedKeyUsage=clientAuth\n")).first;
    return it->second;
  }
  [[nodiscard]] std::string file(const std::string& name) const { return (dir_ / name).string(); }

 private:
  static void run(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t quiet;
    ::posix_spawn_file_actions_init(&quiet);
    ::posix_spawn_file_actions_addopen(&quiet, 1, "/dev/null", O_WRONLY, 0);
    ::posix_spawn_file_actions_addopen(&quiet, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    const int rc = ::posix_spawn(&pid, argv[0], &quiet, nullptr, argv.data(), environ);
    ::posix_spawn_file_actions_destroy(&quiet);
    if (rc != 0) throw std::runtime_error(std::string("cannot run ") + argv[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("openssl failed: " + args[1] + " " + args.back());
  }

  Pem make_ca(const std::string& name) {
    Pem p{file(name + ".crt"), file(name + ".key")};
    run({EDGEMPC_OPENSSL, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", p.key,
         "-out", p.cert, "-days", "2", "-subj", "/CN=" + name});
    return p;
  }

  Pem make_leaf(const std::string& file_name, const std::string& common_name, const Pem& issuer, const std::string& extensions) {
    Pem p{file(file_name + ".crt"), file(file_name + ".key")};
    const std::string csr = file(file_name + ".csr"), ext = file(file_name + ".ext");
    std::ofstream(ext) << "basicConstraints=CA:FALSE\n" << extensions;
    run({EDGEMPC_OPENSSL, "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", p.key,
         "-out", csr, "-subj", "/CN=" + common_name});
    run({EDGEMPC_OPENSSL, "x509", "-req", "-in", csr, "-CA", issuer.cert, "-CAkey", issuer.key, "-set_serial",
         std::to_string(++serial_), "-days", "2", "-extfile", ext, "-out", p.cert});
    return p;
  }

  TempDir dir_;
  unsigned serial_ = 1;
  Pem ca_, rogue_ca_, server_, rogue_server_;
  std::map<std::string, Pem> clients_;
};

}  // namespace test
