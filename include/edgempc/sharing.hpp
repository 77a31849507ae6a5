// SPDX-License-Identifier: Apache-2.0
// The sharing layer: additive and Shamir secret sharing (no network needed; a device build
// includes this and the core only).
#pragma once

#include "edgempc/sharing/additive.hpp"
#include "edgempc/sharing/robust.hpp"
#include "edgempc/sharing/scheme.hpp"
#include "edgempc/sharing/shamir.hpp"
