// SPDX-License-Identifier: Apache-2.0
// Everything in edgempc. A device build that wants less includes one layer header instead.
#pragma once

#include "edgempc/core.hpp"
#include "edgempc/device.hpp"
#include "edgempc/clean.hpp"
#include "edgempc/net.hpp"
#include "edgempc/party.hpp"
#include "edgempc/sharing.hpp"
#include "edgempc/beaver.hpp"
#include "edgempc/protocols.hpp"
#include "edgempc/ot.hpp"
#include "edgempc/gc.hpp"
#include "edgempc/platform.hpp"
#include "edgempc/error.hpp"
#include "edgempc/version.hpp"
