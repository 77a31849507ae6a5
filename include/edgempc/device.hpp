// SPDX-License-Identifier: Apache-2.0
// The device layer: readings, the Adapter concept, bus interfaces and their Linux back-ends,
// sensor decoders, CSV replay and simulation. Linux-only parts are compiled only on Linux.
#pragma once

#include "edgempc/device/adapter.hpp"
#include "edgempc/device/bus.hpp"
#include "edgempc/device/crc.hpp"
#include "edgempc/device/csv_replay.hpp"
#include "edgempc/device/i2c_dev.hpp"
#include "edgempc/device/mcp3008.hpp"
#include "edgempc/device/modbus_rtu.hpp"
#include "edgempc/device/nmea.hpp"
#include "edgempc/device/reading.hpp"
#include "edgempc/device/retry.hpp"
#include "edgempc/device/sht3x.hpp"
#include "edgempc/device/simulated_sensor.hpp"
#include "edgempc/device/spi_dev.hpp"
#include "edgempc/device/termios_serial.hpp"
