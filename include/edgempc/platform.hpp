// SPDX-License-Identifier: Apache-2.0
// The platform layer: the group's configuration and its split scheme, enrolment, sealed
// submissions, the ingest protocol, round reports, balancing and batch work; the device side
// (platform/device/: client, uplink over TCP or MQTT, seal sequence); the gateway's parts that
// need no optional dependency (platform/gateway/: the ShareStore concept with its in-memory
// model, the ingest port and the MQTT ingest, the round protocol). Some headers need an optional dependency and are included on their
// own: platform/gateway/sqlite_store.hpp (and platform/store.hpp, which forwards to it) and
// platform/gateway.hpp (edgempc::sqlite_store and edgempc::gateway, SQLite),
// platform/config_toml.hpp (edgempc::config, toml++).
#pragma once

#include "edgempc/platform/balancer.hpp"
#include "edgempc/platform/config.hpp"
#include "edgempc/platform/device/client.hpp"
#include "edgempc/platform/device/mqtt_uplink.hpp"
#include "edgempc/platform/device/seal_sequence.hpp"
#include "edgempc/platform/device/uplink.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/gateway/memory_store.hpp"
#include "edgempc/platform/gateway/mqtt_ingest.hpp"
#include "edgempc/platform/gateway/round_protocol.hpp"
#include "edgempc/platform/gateway/share_store.hpp"
#include "edgempc/platform/gateway/tcp_ingest.hpp"
#include "edgempc/platform/gateway/validation.hpp"
#include "edgempc/platform/ingest.hpp"
#include "edgempc/platform/round_report.hpp"
#include "edgempc/platform/split_scheme.hpp"
#include "edgempc/platform/submission.hpp"
#include "edgempc/platform/thread_pool.hpp"
