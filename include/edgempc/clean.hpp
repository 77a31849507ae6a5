// SPDX-License-Identifier: Apache-2.0
// The cleaning layer: checks, filters and fixed-point encoding of device readings.
#pragma once

#include "edgempc/clean/encode.hpp"
#include "edgempc/clean/limits.hpp"
#include "edgempc/clean/mad.hpp"
#include "edgempc/clean/median.hpp"
#include "edgempc/clean/pipeline.hpp"
#include "edgempc/clean/rate_limit.hpp"
#include "edgempc/clean/reason.hpp"
#include "edgempc/clean/status.hpp"
#include "edgempc/clean/stuck.hpp"
#include "edgempc/clean/window.hpp"
