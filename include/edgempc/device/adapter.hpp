// SPDX-License-Identifier: Apache-2.0
// The Adapter concept: anything a gateway can poll for readings with a deadline — a sensor on a
// bus, a replayed file, a simulation.
//
// Requirements, for an adapter `a` of type A and a deadline `d` (steady_clock::time_point):
//
// | expression            | meaning                                                          |
// | --------------------- | ---------------------------------------------------------------- |
// | a.channels()          | how many channels one poll yields (fixed for the adapter's life)  |
// | a.poll(d, out)        | fills out[0 .. channels()) with one Reading per channel and       |
// |                       | returns how many it wrote (== channels(); fewer only at the end   |
// |                       | of a finite source such as a file, 0 when it is exhausted)        |
//
// poll never blocks past `d`: a device that does not answer in time gives readings with status
// timeout. A failed read is a status on the reading, not an exception; poll throws only for
// misuse (an `out` shorter than channels()), as errc::size_mismatch.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <span>

#include "edgempc/device/reading.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace device {

using Deadline = std::chrono::steady_clock::time_point;

template <class A>
concept Adapter = requires(A& a, const A& ca, Deadline d, std::span<Reading> out) {
  { ca.channels() } -> std::convertible_to<std::size_t>;
  { a.poll(d, out) } -> std::convertible_to<std::size_t>;
};

}  // namespace device
EDGEMPC_END_NAMESPACE
