// SPDX-License-Identifier: Apache-2.0
// One blocking step with a deadline over Boost.Asio, shared by the platform's blocking clients
// (IngestClient in platform/ingest.hpp, MqttConnection in platform/mqtt_client.hpp). Asio's
// blocking calls have no timeout; the usual way to give them one is to start the operation
// asynchronously and run the io_context for at most the time left.
#pragma once

#include <chrono>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>

#include "edgempc/version.hpp"

EDGEMPC_BEGIN_NAMESPACE
namespace platform::detail {

/// Runs the one operation pending on `io` (whose handler sets `result`) to completion or for
/// `limit`. On the deadline closes `socket`, which cancels the operation, lets the cancelled
/// handler run (so that nothing refers to the caller's frame afterwards) and returns false;
/// otherwise true, with `result` set (the caller looks at the error).
template <class Socket>
[[nodiscard]] bool run_until(boost::asio::io_context& io, Socket& socket, const std::optional<boost::system::error_code>& result,
                             std::chrono::milliseconds limit) {
  io.restart();
  io.run_for(limit);
  if (result) return true;
  boost::system::error_code ignored;
  socket.close(ignored);
  io.restart();
  io.run();
  return false;
}

}  // namespace platform::detail
EDGEMPC_END_NAMESPACE
