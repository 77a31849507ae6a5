// SPDX-License-Identifier: Apache-2.0
// The Beaver layer: multiplication triples, the trusted dealer, Beaver multiplication.
#pragma once

#include "edgempc/beaver/dealer.hpp"
#include "edgempc/beaver/multiply.hpp"
#include "edgempc/beaver/triples.hpp"
