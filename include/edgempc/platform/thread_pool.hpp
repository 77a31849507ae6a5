// SPDX-License-Identifier: Apache-2.0
// platform::ThreadPool: a fixed set of worker threads for a gateway's batch work (opening
// sealed shares, summing a round), driven by one blocking parallel_for.
//
// parallel_for(n, chunk, fn) cuts [0, n) into chunks of `chunk` indices that the workers and
// the calling thread claim from a shared counter, so uneven chunks balance themselves, and it
// returns only when every chunk is done and no worker touches `fn` any more: `fn` may capture
// locals by reference. The first exception thrown by `fn` stops further chunks from being
// claimed and is rethrown on the calling thread, once all threads have stopped.
//
// The pool owns no global state; its threads start in the constructor and are joined in the
// destructor. Calls from different threads take turns. A parallel_for called from inside `fn`
// (on a worker or on the calling thread) runs serially on that thread instead of deadlocking.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform {

class ThreadPool {
 public:
  /// Starts `workers` threads; parallel_for also runs work on the calling thread, so
  /// ThreadPool(0) is valid and runs everything serially.
  explicit ThreadPool(std::size_t workers) {
    threads_.reserve(workers);
    try {
      for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { worker_loop(); });
    } catch (...) {
      stop_and_join();  // threads already started must not outlive the pool
      throw;
    }
  }
  /// One worker per hardware thread besides the caller's.
  ThreadPool() : ThreadPool(default_workers()) {}

  ~ThreadPool() { stop_and_join(); }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  [[nodiscard]] static std::size_t default_workers() noexcept {
    const unsigned hw = std::thread::hardware_concurrency();
    return hw > 1 ? hw - 1 : 0;
  }
  /// The number of threads that run a parallel_for: the workers and the caller.
  [[nodiscard]] std::size_t concurrency() const noexcept { return threads_.size() + 1; }

  /// Calls fn(begin, end) for consecutive ranges that cover [0, n), or fn(i) for every i in
  /// [0, n), whichever `fn` accepts. `chunk` is the number of indices per claim; 0 picks about
  /// four chunks per thread. Blocks until all are done; rethrows the first exception.
  template <class F>
  void parallel_for(std::size_t n, std::size_t chunk, F&& fn) {
    if (n == 0) return;
    if (chunk == 0) chunk = std::max<std::size_t>(1, n / (4 * concurrency()));
    chunk = std::min(chunk, n);

    auto range = [&fn](std::size_t begin, std::size_t end) {
      if constexpr (std::is_invocable_v<F&, std::size_t, std::size_t>) {
        fn(begin, end);
      } else {
        static_assert(std::is_invocable_v<F&, std::size_t>, "fn must accept (begin, end) or (index)");
        for (std::size_t i = begin; i < end; ++i) fn(i);
      }
    };
    // One chunk, no workers, or a nested call: waking threads would cost more than it saves,
    // and a nested call must not wait for the job it is part of.
    if (chunk == n || threads_.empty() || inside_job()) {
      range(0, n);
      return;
    }

    using Range = decltype(range);
    const std::lock_guard turn(caller_mutex_);  // one job at a time
    {
      const std::lock_guard lock(mutex_);
      job_ = Job{&range, [](void* ctx, std::size_t b, std::size_t e) { (*static_cast<Range*>(ctx))(b, e); }, n, chunk};
      next_.store(0, std::memory_order_relaxed);
      failed_.store(false, std::memory_order_relaxed);
      error_ = nullptr;
      finished_ = 0;
      owner_.store(std::this_thread::get_id());
      ++generation_;
    }
    wake_.notify_all();
    run_chunks();
    std::exception_ptr failure;
    {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [this] { return finished_ == threads_.size(); });
      failure = std::exchange(error_, nullptr);
      job_ = Job{};
      owner_.store(std::thread::id{});
    }
    if (failure) std::rethrow_exception(failure);
  }

 private:
  // The running job, type-erased so that the workers need not know F.
  struct Job {
    void* ctx = nullptr;
    void (*invoke)(void*, std::size_t, std::size_t) = nullptr;
    std::size_t n = 0;
    std::size_t chunk = 0;
  };

  [[nodiscard]] bool inside_job() const noexcept {
    const auto me = std::this_thread::get_id();
    if (owner_.load() == me) return true;
    return std::any_of(threads_.begin(), threads_.end(), [me](const std::thread& t) { return t.get_id() == me; });
  }

  // Claims chunks until none are left or one has failed. A compare-exchange (rather than a
  // fetch_add) keeps the counter <= n, so it cannot wrap for any n.
  void run_chunks() noexcept {
    const Job job = job_;  // written before the generation bump that made us run
    std::size_t begin = next_.load(std::memory_order_relaxed);
    while (!failed_.load(std::memory_order_relaxed)) {
      if (begin >= job.n) return;
      const std::size_t end = begin + std::min(job.chunk, job.n - begin);
      if (!next_.compare_exchange_weak(begin, end, std::memory_order_relaxed)) continue;
      try {
        job.invoke(job.ctx, begin, end);
      } catch (...) {
        const std::lock_guard lock(mutex_);
        if (!error_) error_ = std::current_exception();
        failed_.store(true, std::memory_order_relaxed);
        return;
      }
      begin = next_.load(std::memory_order_relaxed);
    }
  }

  void worker_loop() noexcept {
    std::uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
        if (stop_) return;
        seen = generation_;
      }
      run_chunks();
      {
        // Every worker checks in for every job, so the caller knows when fn is out of use.
        const std::lock_guard lock(mutex_);
        ++finished_;
      }
      done_.notify_one();
    }
  }

  void stop_and_join() noexcept {
    {
      const std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }

  std::mutex caller_mutex_;
  std::mutex mutex_;  // guards job_, generation_, finished_, error_, stop_
  std::condition_variable wake_;
  std::condition_variable done_;
  Job job_;
  std::uint64_t generation_ = 0;
  std::size_t finished_ = 0;
  std::exception_ptr error_;
  bool stop_ = false;
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::atomic<std::thread::id> owner_{};
  std::vector<std::thread> threads_;
};

}  // namespace platform
EDGEMPC_END_NAMESPACE
