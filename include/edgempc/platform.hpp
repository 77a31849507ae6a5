// SPDX-License-Identifier: Apache-2.0
// The platform layer: enrolment, sealed submissions, balancing and batch work. The SQLite share
// store (platform/store.hpp) is separate: it needs the optional edgempc::store target.
#pragma once

#include "edgempc/platform/balancer.hpp"
#include "edgempc/platform/enrolment.hpp"
#include "edgempc/platform/make_submissions.hpp"
#include "edgempc/platform/round.hpp"
#include "edgempc/platform/submission.hpp"
#include "edgempc/platform/thread_pool.hpp"
