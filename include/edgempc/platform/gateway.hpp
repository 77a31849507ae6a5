// SPDX-License-Identifier: Apache-2.0
// needs SQLite 3 (libsqlite3-dev): link edgempc::gateway.
//
// The gateway, in one include: the Gateway (platform/gateway/gateway.hpp) and its options
// (gateway/options.hpp), and through them its parts under platform/gateway/: the ingest port
// (tcp_ingest.hpp), the intake (intake.hpp), the SQLite share store (sqlite_store.hpp), the
// round finisher (round_finisher.hpp), the mesh choice (mesh_choice.hpp) and the round protocol
// (round_protocol.hpp). Each of those headers says what it does, how it fails and what it
// defends against.
#pragma once

#include "edgempc/platform/gateway/gateway.hpp"
#include "edgempc/platform/gateway/options.hpp"
