// SPDX-License-Identifier: Apache-2.0
// keygen: the one key-pair subcommand of edgempc-gateway and edgempc-device, so that both make
// keys the same way, with the same options and help. A gateway and a device key are the same
// kind of key (an X25519 pair, net/keys.hpp): a gateway's public key goes in the group's
// [[gateways]] table, a device's is enrolled with edgempc-gateway enrol.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>

#include <edgempc/error.hpp>
#include <edgempc/net/keys.hpp>

namespace edgempc_tools {

struct KeygenCommand {
  std::string secret;
  std::string pub;
  CLI::App* command = nullptr;

  /// Adds `keygen --secret FILE --public FILE` to `app`; `whose` names the key in the help
  /// ("this gateway", "this device").
  void add_to(CLI::App& app, const std::string& whose) {
    command = app.add_subcommand("keygen", "Make a new X25519 key pair for " + whose +
                                               " and print its public key in hex (refuses to overwrite)");
    command->add_option("--secret", secret, "The secret key file to create (mode 0600)")->required()->type_name("FILE");
    command->add_option("--public", pub, "The public key file to create")->required()->type_name("FILE");
    command->footer(
        "A gateway's public key (the hex printed) goes in the group file's [[gateways]] public_key; a device's\n"
        "public key file is enrolled with edgempc-gateway enrol. Exit status: 0, or 1 if either file exists.");
  }

  /// Writes the pair (the secret file with mode 0600) and prints the public key in hex on
  /// stdout. errc::invalid_argument, writing nothing, if either file exists already.
  [[nodiscard]] int run() const {
    const std::filesystem::path files[] = {secret, pub};
    for (const auto& p : files) {
      std::error_code ec;
      if (std::filesystem::exists(std::filesystem::symlink_status(p, ec)))
        throw edgempc::error(edgempc::errc::invalid_argument, p.string() + " exists; not overwriting it");
    }
    const edgempc::KeyPair keys = edgempc::KeyPair::generate();
    edgempc::save_key_pair(keys, secret, pub);
    std::printf("%s\n", edgempc::detail::to_hex(keys.public_key()).c_str());
    return 0;
  }
};

}  // namespace edgempc_tools
