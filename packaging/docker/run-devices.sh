#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The compose file's `devices` service (installed in the image as edgempc-compose-devices): runs
# the simulated devices that edgempc-compose-setup made in DIR, one edgempc-device process each
# (`--source sim`, seeded by its number), until SIGTERM or SIGINT, which it passes on.
#
#   usage: edgempc-compose-devices DIR        environment: DEVICES (default 5)
set -uo pipefail
dir=${1:?usage: edgempc-compose-devices DIR}
devices=${DEVICES:-5}
pids=()
stop() { kill -TERM "${pids[@]}" 2>/dev/null; wait; exit 0; }
trap stop TERM INT
for ((d = 0; d < devices; ++d)); do
  edgempc-device --config "$dir/device-$d.toml" --source sim --seed "$d" &
  pids+=($!)
done
# One device that exits (a refused reading ends only its round; an error ends it) ends them all,
# so that compose's restart policy starts the service again.
wait -n
status=$?
echo "edgempc-compose-devices: a device exited with status $status; stopping the others" >&2
kill -TERM "${pids[@]}" 2>/dev/null
wait
exit "$status"
