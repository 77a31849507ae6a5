// SPDX-License-Identifier: Apache-2.0
// The network layer: the Transport concept and its implementations.
#pragma once

#include "edgempc/net/keys.hpp"
#include "edgempc/net/local_network.hpp"
#include "edgempc/net/noise.hpp"
#include "edgempc/net/secure.hpp"
#include "edgempc/net/simulated.hpp"
#include "edgempc/net/tcp.hpp"
#include "edgempc/net/transport.hpp"
