// SPDX-License-Identifier: Apache-2.0
// The garbled-circuit layer: circuits (Bristol Fashion, builder, plaintext evaluation), the
// fixed-key permutation, half-gates garbling, Yao's protocol, and two-party aggregates.
#pragma once

#include "edgempc/gc/aggregate.hpp"
#include "edgempc/gc/bristol.hpp"
#include "edgempc/gc/builder.hpp"
#include "edgempc/gc/circuit.hpp"
#include "edgempc/gc/evaluate.hpp"
#include "edgempc/gc/field_range.hpp"
#include "edgempc/gc/field_stats.hpp"
#include "edgempc/gc/fixed_key.hpp"
#include "edgempc/gc/garble.hpp"
#include "edgempc/gc/yao.hpp"
