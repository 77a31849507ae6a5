// SPDX-License-Identifier: Apache-2.0
// Multiplication triples: one party's shares of (a, b, c) with c = a * b, a and b uniform and
// unknown to every party (D. Beaver, "Efficient multiparty protocols using circuit
// randomization", CRYPTO 1991).
//
// A triple masks the inputs of one multiplication; using it twice would open x - a and x' - a
// and so reveal x - x'. Triples therefore leave a batch exactly once: take(n) hands out the
// next n and moves past them for good, and asking for more than remain is an error. All parties
// must take from their batches in the same order (they do when they run the same protocol).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "edgempc/core/batch.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/error.hpp"

EDGEMPC_BEGIN_NAMESPACE

template <BatchDomain T>
class Triples {
 public:
  /// The triples handed out by one take(); valid while the Triples object lives.
  struct View {
    std::span<const T> a, b, c;
  };

  Triples() = default;
  Triples(std::vector<T> a, std::vector<T> b, std::vector<T> c) : a_(std::move(a)), b_(std::move(b)), c_(std::move(c)) {
    if (a_.size() != b_.size() || a_.size() != c_.size())
      throw error(errc::size_mismatch, "Triples: a, b and c have " + std::to_string(a_.size()) + ", " +
                                           std::to_string(b_.size()) + " and " + std::to_string(c_.size()) +
                                           " elements");
  }
  Triples(const Triples&) = delete;  // a copy would let the same triples be used twice
  Triples& operator=(const Triples&) = delete;
  Triples(Triples&& o) noexcept
      : a_(std::move(o.a_)), b_(std::move(o.b_)), c_(std::move(o.c_)), used_(std::exchange(o.used_, 0)) {
    o.a_.clear(), o.b_.clear(), o.c_.clear();
  }
  Triples& operator=(Triples&& o) noexcept {
    if (this != &o) {
      wipe();
      a_ = std::move(o.a_), b_ = std::move(o.b_), c_ = std::move(o.c_);
      used_ = std::exchange(o.used_, 0);
      o.a_.clear(), o.b_.clear(), o.c_.clear();
    }
    return *this;
  }
  ~Triples() { wipe(); }

  [[nodiscard]] std::size_t size() const noexcept { return a_.size(); }
  [[nodiscard]] std::size_t remaining() const noexcept { return a_.size() - used_; }

  /// The next n triples, never handed out again. errc::protocol_violation if fewer remain.
  [[nodiscard]] View take(std::size_t n) {
    if (n > remaining())
      throw error(errc::protocol_violation, "Triples: " + std::to_string(n) + " triples wanted, " +
                                                std::to_string(remaining()) + " unused of " + std::to_string(size()) +
                                                " (a triple is used once)");
    const View v{std::span<const T>(a_).subspan(used_, n), std::span<const T>(b_).subspan(used_, n),
                 std::span<const T>(c_).subspan(used_, n)};
    used_ += n;
    return v;
  }

 private:
  void wipe() noexcept {
    for (auto* v : {&a_, &b_, &c_})
      if (!v->empty()) secure_wipe(v->data(), v->size() * sizeof(T));
  }

  std::vector<T> a_, b_, c_;
  std::size_t used_ = 0;
};

EDGEMPC_END_NAMESPACE
