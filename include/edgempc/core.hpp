// SPDX-License-Identifier: Apache-2.0
// The algebra layer: fields and rings, batch arithmetic, PRG, sampling, fixed point, wire format.
#pragma once

#include "edgempc/core/backend.hpp"
#include "edgempc/core/batch.hpp"
#include "edgempc/core/domain.hpp"
#include "edgempc/core/fixed_point.hpp"
#include "edgempc/core/mersenne61.hpp"
#include "edgempc/core/prg.hpp"
#include "edgempc/core/random.hpp"
#include "edgempc/core/sodium.hpp"
#include "edgempc/core/wire.hpp"
#include "edgempc/core/z2k.hpp"
