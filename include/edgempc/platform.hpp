// SPDX-License-Identifier: Apache-2.0
// The platform layer: group configuration, the device side (client, uplink), enrolment, sealed
// submissions, the ingest protocol and port, the round protocol, the device's seal sequence, balancing, batch work and the ShareStore concept
// with its in-memory model. Some headers need an optional dependency and are included on their
// own: platform/gateway/sqlite_store.hpp (and platform/store.hpp, which forwards to it) and
// platform/gateway.hpp (edgempc::store, SQLite), platform/config_toml.hpp (edgempc::config,
// toml++).
#pragma once

#include "edgempc/platform/balancer.hpp"
#include "edgempc/platform/client.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/gateway/memory_store.hpp"
#include "edgempc/platform/gateway/round_protocol.hpp"
#include "edgempc/platform/gateway/share_store.hpp"
#include "edgempc/platform/gateway/tcp_ingest.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/make_submissions.hpp"
#include "edgempc/platform/round_report.hpp"
#include "edgempc/platform/seal_sequence.hpp"
#include "edgempc/platform/submission.hpp"
#include "edgempc/platform/thread_pool.hpp"
#include "edgempc/platform/uplink.hpp"
