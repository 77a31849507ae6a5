// SPDX-License-Identifier: Apache-2.0
// Kept so that existing includes work: the SQLite share store is SqliteStore in
// platform/gateway/sqlite_store.hpp (needs SQLite: link edgempc::store), a model of the
// ShareStore concept in platform/gateway/share_store.hpp.
#pragma once

#include "edgempc/platform/gateway/sqlite_store.hpp"
