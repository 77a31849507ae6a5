// SPDX-License-Identifier: Apache-2.0
// What `edgempc-gateway check` and `edgempc-device check` share: a list of every problem found
// (an operator fixes them all in one go rather than one per run), the checks of files a process
// will write, and the report: one summary line on stdout and exit status 0, or every problem on
// stderr and exit status 1. gateway_check.hpp and device_check.hpp say what each checks.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <edgempc/platform/config.hpp>

namespace edgempc_tools {

class ConfigCheck {
 public:
  /// Runs f; what it throws becomes a problem, after `context` ("gateway.enrolment: "; the
  /// config readers' messages name their file and key themselves). True if f returned.
  template <class F>
  bool attempt(F&& f, const std::string& context = {}) {
    try {
      std::forward<F>(f)();
      return true;
    } catch (const std::exception& e) {
      problem(context + e.what());
      return false;
    }
  }

  /// Records a problem once (a file that cannot be parsed fails its group and its local table alike).
  void problem(std::string what) {
    if (std::find(problems_.begin(), problems_.end(), what) == problems_.end()) problems_.push_back(std::move(what));
  }

  [[nodiscard]] const std::vector<std::string>& problems() const noexcept { return problems_; }

  /// A file the process creates or rewrites (a store, a state file): if it exists, a regular
  /// file this user may read and write; its directory must exist and take new files (SQLite
  /// and the state file write beside it). `what` names it ("gateway.store").
  void writable_file(const std::filesystem::path& file, const std::string& what) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    const fs::file_status st = fs::status(file, ec);
    if (fs::exists(st)) {
      if (!fs::is_regular_file(st)) problem(what + " " + file.string() + ": not a regular file");
      else if (::access(file.c_str(), R_OK | W_OK) != 0)
        problem(what + " " + file.string() + ": this user cannot read and write it (" + std::strerror(errno) + ")");
    }
    if (!fs::is_directory(dir, ec))
      problem(what + " " + file.string() + ": its directory " + dir.string() + " does not exist");
    else if (::access(dir.c_str(), W_OK | X_OK) != 0)
      problem(what + " " + file.string() + ": this user cannot create files in " + dir.string() + " (" +
              std::strerror(errno) + ")");
  }

  /// Prints `summary` on stdout ("FILE: OK: summary") and returns 0 if nothing was found; else
  /// prints every problem on stderr ("PROGRAM: check: FILE: problem") and a count, and returns 1.
  [[nodiscard]] int report(const char* program, const std::string& config, const std::string& summary) const {
    if (problems_.empty()) {
      std::printf("%s: OK: %s\n", config.c_str(), summary.c_str());
      return 0;
    }
    for (const auto& p : problems_) std::fprintf(stderr, "%s: check: %s\n", program, p.c_str());
    std::fprintf(stderr, "%s: check: %s: %zu problem%s\n", program, config.c_str(), problems_.size(),
                 problems_.size() == 1 ? "" : "s");
    return 1;
  }

 private:
  std::vector<std::string> problems_;
};

/// "round_ms 5000 from the default epoch (2026-01-01), now round 2945711" or "... from epoch_ms E".
[[nodiscard]] inline std::string describe_rounds(const edgempc::platform::GroupConfig& g, std::int64_t now_ms) {
  const std::int64_t L = g.round_length.count();
  std::string s = "round_ms " + std::to_string(L) + " from ";
  s += g.epoch_ms == edgempc::platform::default_epoch_ms ? std::string("the default epoch (2026-01-01)")
                                                          : "epoch_ms " + std::to_string(g.epoch_ms);
  const std::int64_t r = edgempc::platform::round_at_ms(now_ms, L, g.epoch_ms);
  s += r < 0 ? std::string(", round 0 not yet open") : ", now round " + std::to_string(r);
  return s;
}

}  // namespace edgempc_tools
