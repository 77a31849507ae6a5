#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The compose file's one-shot `setup` service (installed in the image as edgempc-compose-setup):
# makes a three-gateway group with simulated devices from nothing in DIR: a key pair per gateway
# and per device, the enrolment, and one TOML file per process (gateway-gwN.toml, device-N.toml).
# Does nothing if DIR already holds a group, so `docker compose up` again keeps the keys.
#
#   usage: edgempc-compose-setup DIR
#   environment: GATEWAY_HOSTS  the gateways' IP addresses, in order (default: the compose file's)
#                DEVICES        how many simulated devices (default 5)
#                ROUND_MS       round length (default 10000)
#                PEER_PORT, INGEST_PORT  gateway i listens on PEER_PORT + i and INGEST_PORT + i
#                               (defaults 7000 and 7100)
#                STORE_DIR      where each gateway keeps its store, gwN.db (default /var/lib/edgempc)
#
# WARNING: a demonstration. Every secret key of the group is made here and lies in DIR, which
# every container mounts: no gateway is kept from another's key. In a real group each gateway
# and device makes its own key (keygen) and only the public keys are exchanged.
set -euo pipefail
dir=${1:?usage: edgempc-compose-setup DIR}
read -r -a hosts <<< "${GATEWAY_HOSTS:-172.28.0.10 172.28.0.11 172.28.0.12}"
devices=${DEVICES:-5}
round_ms=${ROUND_MS:-10000}
peer_port=${PEER_PORT:-7000}
ingest_port=${INGEST_PORT:-7100}
store_dir=${STORE_DIR:-/var/lib/edgempc}
[ "${#hosts[@]}" -eq 3 ] || { echo "edgempc-compose-setup: GATEWAY_HOSTS must name 3 addresses" >&2; exit 2; }

mkdir -p "$dir"
cd "$dir"
if [ -e group.done ]; then
  echo "edgempc-compose-setup: the group in $dir is already set up"
  exit 0
fi
rm -f ./*.key ./*.pub ./*.hex ./*.toml ./*.enrolment ./*.state enrolment.txt
for i in 0 1 2; do
  edgempc-gateway keygen --secret "gw$i.key" --public "gw$i.pub" > "gw$i.hex"
done
for ((d = 0; d < devices; ++d)); do
  edgempc-gateway keygen --secret "device-$d.key" --public "device-$d.pub" > /dev/null
  edgempc-gateway enrol --enrolment enrolment.txt --public-key "device-$d.pub" > /dev/null
done

# The first round starts at the next round boundary of the wall clock.
now_ms=$(date +%s%3N)
epoch_ms=$(( (now_ms / round_ms + 1) * round_ms ))
group() {
  local i
  cat <<TOML
[group]
name = "compose"
scheme = "shamir"
threshold = 1
round_ms = $round_ms
epoch_ms = $epoch_ms
peer_wait_ms = 2000

[policy]
min_clients = 2
recipients = [0]

[[channels]]
name = "temperature"
frac_bits = 12
min = -40.0
max = 125.0

[[channels]]
name = "humidity"
frac_bits = 12
min = 0.0
max = 100.0
TOML
  for i in 0 1 2; do
    printf '\n[[gateways]]\nid = %s\nhost = "%s"\npeer_port = %s\ningest_port = %s\npublic_key = "%s"\n' \
      "$i" "${hosts[$i]}" $(( peer_port + i )) $(( ingest_port + i )) "$(cat "gw$i.hex")"
  done
}
for i in 0 1 2; do
  cp enrolment.txt "gw$i.enrolment"
  { group
    printf '\n[gateway]\nid = %s\nsecret_key = "%s/gw%s.key"\nenrolment = "%s/gw%s.enrolment"\nstore = "%s/gw%s.db"\nrounds = 0\n' \
      "$i" "$PWD" "$i" "$PWD" "$i" "$store_dir" "$i"
  } > "gateway-gw$i.toml"
done
for ((d = 0; d < devices; ++d)); do
  { group; printf '\n[device]\nclient_id = %s\nsecret_key = "%s/device-%s.key"\n' "$d" "$PWD" "$d"; } > "device-$d.toml"
done
touch group.done
echo "edgempc-compose-setup: 3 gateways (${hosts[*]}) and $devices devices in $dir; rounds of $round_ms ms from $epoch_ms"
