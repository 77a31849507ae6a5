// SPDX-License-Identifier: Apache-2.0
// The arithmetic protocols: opening, statistics, joint sums and moments of the parties' own
// values, honest-majority multiplication, truncation.
#pragma once

#include "edgempc/protocols/honest_majority.hpp"
#include "edgempc/protocols/joint_moments.hpp"
#include "edgempc/protocols/joint_sum.hpp"
#include "edgempc/protocols/open.hpp"
#include "edgempc/protocols/statistics.hpp"
#include "edgempc/protocols/truncation.hpp"
