#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of edgempc-gateway and edgempc-device as real processes: a group set up from
# nothing (keygen, enrol), three gateways and three simulated devices finishing one round on
# 127.0.0.1, then a clean stop on SIGTERM and the exit status of a bad --source.
#
#   usage: test_gateway_device.sh EDGEMPC_GATEWAY EDGEMPC_DEVICE WORKDIR [MOSQUITTO [OPENSSL]]
#
# With MOSQUITTO (the broker's path), the round goes through a local MQTT broker started on a free
# port: the gateways take submissions through it ([ingest] mqtt) and the devices send with
# --uplink mqtt://HOST:PORT. With OPENSSL too (the openssl program's path), the broker listens
# with TLS and requires client certificates, all made here: the gateways' [ingest] and the
# devices' [uplink] tables say mqtts:// and name their CA, certificate and key files.
#
# Takes about 6 s. On failure the files are kept in WORKDIR and every output is printed.
set -u

gw=$1
dev=$2
work=${3:-${TMPDIR:-/tmp}}
mosquitto=${4:-}
openssl=${5:-}
dir=$(mktemp -d "$work/tool_gateway_device.XXXXXX") || exit 1
pids=()
ok=0

cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "$ok" -eq 1 ]; then rm -rf "$dir"; else echo "files kept in $dir" >&2; fi
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  for f in "$dir"/*.out "$dir"/*.err; do
    [ -e "$f" ] || continue
    echo "--- $f" >&2
    cat "$f" >&2
  done
  exit 1
}

now_ms() { date +%s%3N; }

# Waits until process $1 has exited or $2 ms have passed; then `wait` gives its status.
wait_exit() {
  local pid=$1 until=$(( $(now_ms) + $2 ))
  while kill -0 "$pid" 2>/dev/null; do
    [ "$(now_ms)" -lt "$until" ] || return 1
    sleep 0.1
  done
  return 0
}

# Eight consecutive free ports from a random base: nothing answers on them.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
base=0
for _ in $(seq 1 50); do
  # Below 32768, outside Linux's ephemeral range (32768-60999): a port found free there is not
  # taken a moment later as the local end of some test's outgoing connection.
  candidate=$(( 10000 + RANDOM % 22000 ))
  all_free=1
  for k in 0 1 2 3 4 5 6 7; do port_free $(( candidate + k )) || { all_free=0; break; }; done
  if [ "$all_free" -eq 1 ]; then base=$candidate; break; fi
done
[ "$base" -ne 0 ] || fail "no free ports found"

cd "$dir" || exit 1

# --- keys and enrolment ----------------------------------------------------------------
for i in 0 1 2; do
  "$gw" keygen --secret "gw$i.key" --public "gw$i.pub" > "gw$i.hex" 2> keygen.err || fail "keygen gw$i"
  "$gw" keygen --secret "dev$i.key" --public "dev$i.pub" > /dev/null 2> keygen.err || fail "keygen dev$i"
  [ "$(wc -c < "gw$i.hex")" -eq 65 ] || fail "keygen printed '$(cat "gw$i.hex")', not a hex key"
  id=$("$gw" enrol --enrolment enrolment.txt --public-key "dev$i.pub" 2> enrol.err) || fail "enrol dev$i"
  [ "$id" = "$i" ] || fail "enrol dev$i printed id '$id', expected $i"
done
"$gw" keygen --secret gw0.key --public other.pub > /dev/null 2> keygen.err
[ $? -eq 1 ] || fail "keygen overwrote an existing key"
[ ! -e other.pub ] || fail "keygen wrote a public key beside an existing secret key"
# enrol --id and unenrol, on a scratch copy.
cp enrolment.txt scratch.txt
[ "$("$gw" enrol --enrolment scratch.txt --public-key gw0.pub --id 10 2> enrol.err)" = 10 ] || fail "enrol --id 10"
"$gw" unenrol --enrolment scratch.txt --id 10 2> enrol.err || fail "unenrol --id 10"
"$gw" unenrol --enrolment scratch.txt --id 10 2> enrol.err
[ $? -eq 1 ] || fail "unenrol of a client not enrolled did not fail"
[ "$("$gw" enrol --enrolment scratch.txt --public-key gw0.pub 2> enrol.err)" = 11 ] || fail "a retired id was reused"
for i in 0 1 2; do cp enrolment.txt "gw$i.enrolment"; done

# --- configuration ---------------------------------------------------------------------
epoch=$(( $(now_ms) + 2000 ))
group() {
  local i
  cat <<EOF
[group]
name = "tooltest"
scheme = "shamir"
threshold = 1
round_ms = 3000
epoch_ms = $epoch
peer_wait_ms = 1000

[policy]
min_clients = 2
recipients = [0]

[[channels]]
name = "temperature"
frac_bits = 12
min = -40.0
max = 125.0
alert_above = 30.0

[[channels]]
name = "humidity"
frac_bits = 12
min = 0.0
max = 100.0
EOF
  for i in 0 1 2; do
    cat <<EOF

[[gateways]]
id = $i
host = "127.0.0.1"
peer_port = $(( base + i ))
ingest_port = $(( base + 3 + i ))
public_key = "$(cat "gw$i.hex")"
EOF
  done
}
broker_port=$(( base + 6 ))
gateway_config() {  # id rounds store
  group
  printf '\n[gateway]\nid = %s\nsecret_key = "gw%s.key"\nenrolment = "gw%s.enrolment"\nstore = "%s"\nrounds = %s\n' \
    "$1" "$1" "$1" "$3" "$2"
  if [ -n "$openssl" ]; then
    printf '\n[ingest]\nmqtt = "mqtts://127.0.0.1:%s"\nca_file = "ca.crt"\ncert_file = "gw%s.crt"\nkey_file = "gw%s.pem"\n' \
      "$broker_port" "$1" "$1"
  elif [ -n "$mosquitto" ]; then
    printf '\n[ingest]\nmqtt = "mqtt://127.0.0.1:%s"\n' "$broker_port"
  fi
}
scheme=mqtt
if [ -n "$openssl" ]; then
  # A CA, the broker's certificate for 127.0.0.1 and one client certificate per process.
  scheme=mqtts
  certificate() {  # name subject extensions
    printf 'basicConstraints=CA:FALSE\n%s\n' "$3" > "$1.ext"
    "$openssl" req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.pem" -out "$1.csr" \
      -subj "/CN=$2" 2> /dev/null &&
      "$openssl" x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.pem -set_serial "$RANDOM$RANDOM" -days 2 \
        -extfile "$1.ext" -out "$1.crt" 2> /dev/null || fail "openssl could not make $1.crt"
  }
  "$openssl" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.pem -out ca.crt -days 2 \
    -subj /CN=edgempc-test-ca 2> /dev/null || fail "openssl could not make the CA"
  certificate broker 127.0.0.1 "subjectAltName=IP:127.0.0.1"
  for i in 0 1 2; do
    certificate "gw$i" "gw$i" extendedKeyUsage=clientAuth
    certificate "dev$i" "d$i" extendedKeyUsage=clientAuth
  done
fi
for i in 0 1 2; do
  gateway_config "$i" 1 "gw$i.db" > "gw$i.toml"
  { group; printf '\n[device]\nclient_id = %s\nsecret_key = "dev%s.key"\n' "$i" "$i"
    if [ -n "$openssl" ]; then
      printf '\n[uplink]\nmqtt = "mqtts://127.0.0.1:%s"\nca_file = "ca.crt"\ncert_file = "dev%s.crt"\nkey_file = "dev%s.pem"\n' \
        "$broker_port" "$i" "$i"
    fi; } > "dev$i.toml"
done

# --- one round: 3 gateways, 3 devices --------------------------------------------------
uplink=()
if [ -n "$mosquitto" ]; then
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nset_tcp_nodelay true\n' "$broker_port" > mosquitto.conf
  if [ -n "$openssl" ]; then
    # Started as root, mosquitto would read the files below as user mosquitto: stay who we are.
    printf 'user %s\n' "$(id -un)" >> mosquitto.conf
    printf 'cafile %s\ncertfile %s\nkeyfile %s\nrequire_certificate true\n' "$dir/ca.crt" "$dir/broker.crt" "$dir/broker.pem" \
      >> mosquitto.conf
  fi
  "$mosquitto" -c mosquitto.conf > mosquitto.out 2> mosquitto.err &
  pids+=($!)
  until=$(( $(now_ms) + 5000 ))
  while port_free "$broker_port"; do
    [ "$(now_ms)" -lt "$until" ] || fail "mosquitto did not start on port $broker_port"
    sleep 0.05
  done
  # Without TLS the devices are told the broker on the command line; with TLS their [uplink] says it.
  [ -n "$openssl" ] || uplink=(--uplink "mqtt://127.0.0.1:$broker_port")
fi
gw_pids=()
for i in 0 1 2; do
  "$gw" --config "gw$i.toml" > "gw$i.out" 2> "gw$i.err" &
  gw_pids+=($!)
  pids+=($!)
done
dev_pids=()
for i in 0 1 2; do
  "$dev" --config "dev$i.toml" --source sim --once "${uplink[@]}" > "dev$i.out" 2> "dev$i.err" &
  dev_pids+=($!)
  pids+=($!)
done
for i in 0 1 2; do
  wait "${dev_pids[$i]}"
  status=$?
  [ "$status" -eq 0 ] || fail "device $i exited with $status"
  grep -q '^round 0: held by gateways \[0,1,2\] (codes accepted, accepted, accepted)$' "dev$i.out" ||
    fail "device $i: unexpected output"
done
# Device 0 restarted within round 0: its state file says round 0 was sealed, so it must not seal
# in round 0 again (the nonce would repeat) but wait for round 1 (when no gateway is left).
"$dev" --config dev0.toml --source sim --once > restart.out 2> restart.err &
restart_pid=$!
pids+=($restart_pid)
[ -s dev0.toml.state ] || fail "device 0 left no state file"
for i in 0 1 2; do
  # Round 0 closes at epoch + 3 s; give the gateways 8 s more to finish it.
  wait_exit "${gw_pids[$i]}" $(( epoch + 11000 - $(now_ms) )) || fail "gateway $i did not exit"
  wait "${gw_pids[$i]}"
  status=$?
  [ "$status" -eq 0 ] || fail "gateway $i exited with $status"
  grep -q '"round":0,"status":"published","live":\[0,1,2\],"contributors":3,' "gw$i.out" ||
    fail "gateway $i: round 0 not published with 3 contributors"
done
grep -q '"channels":{"temperature":{"count":3,"mean":' gw0.out || fail "gateway 0 (the recipient) has no results"
wait_exit "$restart_pid" $(( epoch + 9000 - $(now_ms) )) || fail "the restarted device did not exit"
grep -q 'round 0 was sealed before this start' restart.err || fail "the restarted device did not skip round 0"
grep -q '^round 0:' restart.out && fail "the restarted device sealed in round 0 again"
grep -q '^round 1:' restart.out || fail "the restarted device did not go on with round 1"
grep -q '"channels"' gw1.out && fail "gateway 1 (not a recipient) has results"
[ "$(wc -l < gw0.out)" -eq 1 ] || fail "gateway 0 printed more than one line"
if [ -n "$mosquitto" ]; then
  for i in 0 1 2; do
    grep -q "also taking submissions through the MQTT broker $scheme://127.0.0.1:$broker_port" "gw$i.err" ||
      fail "gateway $i did not say it takes submissions through the broker"
    grep -q "sending through the MQTT broker $scheme://127.0.0.1:$broker_port as 'd$i'" "dev$i.err" ||
      fail "device $i did not say it sends through the broker"
  done
fi

# --- SIGTERM stops a gateway cleanly ---------------------------------------------------
# This one also logs JSON lines and serves /metrics and /health on a free port.
metrics_port=$(( base + 7 ))
gateway_config 0 0 gw0-term.db |
  sed "s|^rounds = 0\$|rounds = 0\nlog_format = \"json\"\nmetrics = \"127.0.0.1:$metrics_port\"|" > term.toml
"$gw" --config term.toml > term.out 2> term.err &
term_pid=$!
pids+=($term_pid)
until=$(( $(now_ms) + 5000 ))
until grep -q '"event":"start_metrics"' term.err; do
  kill -0 "$term_pid" 2>/dev/null || fail "the gateway for the SIGTERM test exited early"
  [ "$(now_ms)" -lt "$until" ] || fail "the gateway for the SIGTERM test did not start"
  sleep 0.05
done
grep -q '^{"ts":"[0-9T:.-]*Z","level":"info","source":"gateway 0","event":"start","group":"tooltest",' term.err ||
  fail "the gateway's start record is not a JSON line"
http_get() {  # path: the whole answer of the gateway's metrics endpoint (bash's /dev/tcp)
  exec 3<> "/dev/tcp/127.0.0.1/$metrics_port" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
  cat <&3
  exec 3<&-
}
http_get /metrics > metrics.out || fail "no answer from /metrics"
grep -q '^HTTP/1.1 200 OK' metrics.out || fail "/metrics did not answer 200"
grep -q '^edgempc_gateway_submissions_total{gateway="0",code="accepted"} 0' metrics.out || fail "/metrics lacks the submissions"
grep -q '^# TYPE edgempc_gateway_round_duration_seconds histogram' metrics.out || fail "/metrics lacks the round histogram"
http_get /health > health.out || fail "no answer from /health"
grep -q '{"status":"ok","gateway":0' health.out || fail "/health did not say ok"
kill -TERM "$term_pid"
wait_exit "$term_pid" 5000 || fail "the gateway did not stop within 5 s of SIGTERM"
wait "$term_pid"
status=$?
[ "$status" -eq 0 ] || fail "the gateway exited with $status after SIGTERM"
grep -q '"event":"stop","message":"stopped by a signal"}$' term.err || fail "the gateway did not say it stopped"

# --- usage errors ----------------------------------------------------------------------
for spec in bogus replay: i2c:/dev/i2c-1 i2c:/dev/i2c-1:44 i2c:/dev/i2c-1:0x99 uart:; do
  "$dev" --config dev0.toml --source "$spec" --once > bad.out 2> bad.err
  status=$?
  [ "$status" -eq 2 ] || fail "--source '$spec' gave exit status $status, not 2"
  grep -q '^edgempc-device: --source' bad.err || fail "--source '$spec': no message naming --source"
done
"$gw" --config gw0.toml keygen --secret x.key --public x.pub > bad.out 2> bad.err
[ $? -eq 2 ] || fail "--config with a subcommand is not a usage error"

ok=1
echo "PASS"
