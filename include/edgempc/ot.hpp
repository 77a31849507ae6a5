// SPDX-License-Identifier: Apache-2.0
// Oblivious transfer: base OT on ristretto255, IKNP extension to random, correlated and
// chosen-message OT, and two-party Beaver triples from OT.
#pragma once

#include "edgempc/ot/base_ot.hpp"
#include "edgempc/ot/bidirectional.hpp"
#include "edgempc/ot/bit_vector.hpp"
#include "edgempc/ot/config.hpp"
#include "edgempc/ot/cr_hash.hpp"
#include "edgempc/ot/gilboa_triples.hpp"
#include "edgempc/ot/iknp.hpp"
#include "edgempc/ot/transpose.hpp"
