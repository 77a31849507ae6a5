// SPDX-License-Identifier: Apache-2.0
// The network layer: the Transport concept and its implementations.
#pragma once

#include "edgempc/net/local_network.hpp"
#include "edgempc/net/transport.hpp"
