// SPDX-License-Identifier: Apache-2.0
// SignalWatcher: the clean-shutdown machinery shared by edgempc-gateway and edgempc-device.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace edgempc_tools {

/// Blocks SIGTERM and SIGINT in the calling thread (and so in every thread it starts after) and
/// waits for them on a thread of its own: the first calls the handler, a second exits at once.
/// Construct it before any other thread exists.
class SignalWatcher {
 public:
  explicit SignalWatcher(std::string program) : program_(std::move(program)) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    if (const int rc = pthread_sigmask(SIG_BLOCK, &set_, nullptr); rc != 0)
      throw std::runtime_error("pthread_sigmask failed");
    thread_ = std::thread([this] { watch(); });
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;
  ~SignalWatcher() {
    finished_ = true;
    pthread_kill(thread_.native_handle(), SIGTERM);  // wakes sigwait; seen as "finished"
    thread_.join();
  }

  /// Calls `f` on the first signal (at once if it came already); clear() before what `f`
  /// touches dies.
  void on_signal(std::function<void()> f) {
    std::unique_lock lock(mutex_);
    if (signalled_) {
      lock.unlock();
      f();
      return;
    }
    handler_ = std::move(f);
  }
  void clear() {
    std::lock_guard lock(mutex_);
    handler_ = nullptr;
  }
  [[nodiscard]] bool signalled() const {
    std::lock_guard lock(mutex_);
    return signalled_;
  }

 private:
  void watch() {
    for (;;) {
      int sig = 0;
      if (sigwait(&set_, &sig) != 0 || finished_) return;
      std::lock_guard lock(mutex_);
      if (signalled_) {
        std::fprintf(stderr, "%s: second signal (%s), exiting now\n", program_.c_str(),
                     sig == SIGINT ? "SIGINT" : "SIGTERM");
        std::_Exit(1);
      }
      signalled_ = true;
      std::fprintf(stderr, "%s: %s, stopping\n", program_.c_str(), sig == SIGINT ? "SIGINT" : "SIGTERM");
      if (handler_) handler_();
    }
  }

  std::string program_;
  sigset_t set_{};
  std::atomic<bool> finished_{false};
  mutable std::mutex mutex_;
  bool signalled_ = false;
  std::function<void()> handler_;
  std::thread thread_;
};

}  // namespace edgempc_tools
